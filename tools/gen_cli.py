"""Write ``site/cli.qmd``, the command-line reference, from the typer app itself.

Every command and sub-command of ``mlsysim`` (``mlsysim.cli.app.build_app``, including the
``cmd_*.py`` modules it discovers) is introspected as a click command: its usage line, its help
text, its arguments and options with their types and defaults. So the page always matches
``mlsysim COMMAND --help``. Written at each build (tools/build_site.py runs this), never committed.

Usage: ``python tools/gen_cli.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

INPUTS = ["mlsysim/cli/*.py", "mlsysim/config/*.py"]
OUTPUTS = ["site/cli.qmd"]
OUT = ROOT / "site" / "cli.qmd"

EXIT_CODES = [
    (0, "success"),
    (1, "bad input: an unknown name, a wrong unit, a malformed file (one line on standard error naming the file, the field and the closest valid name)"),
    (2, "infeasible: the workload does not fit (memory), reported on standard error"),
    (3, "a constraint or SLA of the config file failed"),
    (130, "interrupted (Ctrl-C)"),
]

EXAMPLES = {
    "zoo": ["mlsysim zoo hardware --tier cloud", "mlsysim zoo models"],
    "show": ["mlsysim show H100"],
    "eval": ["mlsysim eval Llama3_8B H100 --batch-size 32",
             "mlsysim eval examples/configs/example_cluster.yaml  # exit code 3: assert fails"],
    "serve": ["mlsysim serve Llama3_70B H100 --seq-len 2048 --tp 4"],
    "schema": ["mlsysim schema > schema.json"],
    "validate": ["mlsysim validate --calibration   # the measurements behind the defaults"],
    "mcp": ["mlsysim mcp"],
}


def cli_group():
    import typer

    from mlsysim.cli.app import build_app

    return typer.main.get_command(build_app())


def cell(text) -> str:
    return " ".join(str(text or "").split()).replace("|", "\\|")


def _annotation(p):
    desc = getattr(p, "type_descriptor", None)
    return getattr(desc, "annotation", None)


def type_name(p) -> str:
    """The value type of a parameter: the choices of an Enum, else int/float/text, or flag."""
    import enum
    import typing

    ann = _annotation(p)
    if ann is not None:
        args = [a for a in typing.get_args(ann) if a is not type(None)] or [ann]
        ann = args[0]
        if isinstance(ann, type) and issubclass(ann, enum.Enum):
            return " \\| ".join(f"`{m.value}`" for m in ann)
        if ann is bool:
            return "flag"
        return {int: "integer", float: "number", str: "text"}.get(ann, getattr(ann, "__name__", str(ann)))
    t = getattr(p, "type", None)
    choices = getattr(t, "choices", None)
    if choices:
        return " \\| ".join(f"`{c}`" for c in choices)
    if getattr(p, "is_flag", False):
        return "flag"
    return getattr(t, "name", "text")


def default_of(p) -> str:
    d = p.default
    if d is None or d == () or callable(d) or type_name(p) == "flag" and d is False:
        return ""
    v = getattr(d, "value", d)
    return f"`{v}`"


def params_tables(cmd) -> list[str]:
    args = [p for p in cmd.params if p.param_type_name == "argument"]
    opts = [p for p in cmd.params if p.param_type_name == "option" and not getattr(p, "hidden", False)]
    out = []
    if args:
        rows = ["| Argument | Type | Default | Meaning |", "|:---|:---|:---|:---|"]
        for p in args:
            req = "" if not p.required else " (required)"
            rows.append(f"| `{p.name.upper()}`{req} | {type_name(p)} | {default_of(p)} | {cell(getattr(p, 'help', ''))} |")
        out.append("\n".join(rows))
    if opts:
        rows = ["| Option | Type | Default | Meaning |", "|:---|:---|:---|:---|"]
        for p in opts:
            names = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
            rows.append(f"| {names} | {type_name(p)} | {default_of(p)} | {cell(p.help)} |")
        rows.append("| `--help` | flag |  | Show the help and exit. |")
        out.append("\n".join(rows))
    return out


def walk(cmd, path: list[str]):
    """(path, command) for every command below ``cmd``, depth first, in the group's order."""
    subs = getattr(cmd, "commands", None)
    if subs is None:
        yield path, cmd
        return
    if path:
        yield path, cmd
    for name in cmd.list_commands(None) if hasattr(cmd, "list_commands") else sorted(subs):
        yield from walk(subs[name], [*path, name])


def usage(path: list[str]) -> str:
    """The usage line of ``mlsysim PATH --help``, as the command prints it."""
    from typer.testing import CliRunner

    from mlsysim.cli.app import build_app

    res = CliRunner().invoke(build_app(), [*path, "--help"], prog_name="mlsysim", env={"COLUMNS": "200", "NO_COLOR": "1"})
    for line in res.output.splitlines():
        if line.strip().startswith("Usage:"):
            return line.split("Usage:", 1)[1].strip()
    return "mlsysim " + " ".join(path)


def page() -> str:
    root = cli_group()
    top = [
        "---",
        "# generated by tools/gen_cli.py from the typer app, do not edit",
        'title: "Command line"',
        'description: "The mlsysim command: every command, option and exit code, generated from the CLI itself."',
        "---",
        "",
        "<!-- generated by tools/gen_cli.py from the typer app, do not edit -->",
        "",
        "*How do I ask mlsysim a question without writing Python?* The `mlsysim` command is a thin shell",
        "over the Python API: the same solvers, the same registries, the same results. Install it with",
        'the `cli` extra (`pip install "mlsysim[cli]"`). This page is generated from the command itself,',
        "so it matches `mlsysim COMMAND --help`.",
        "",
        "## Global options and output {#global}",
        "",
        "```text",
        usage([]),
        "```",
        "",
        cell(root.help),
        "",
        *params_tables(root),
        "",
        "With `--output json` (before the command) every command writes exactly one JSON document to",
        "standard output, with every quantity as `{\"value\": ..., \"unit\": ...}`, so scripts and agents",
        "can read it; errors still go to standard error, one line each.",
        "",
        "## Exit codes {#exit-codes}",
        "",
        "| Code | Meaning |",
        "|---:|:---|",
        *(f"| {c} | {m} |" for c, m in EXIT_CODES),
        "",
        "A CI job can rely on them: `mlsysim eval cluster.yaml` exits 3 when an `assert` of the file fails,",
        "2 when the workload does not fit.",
        "",
        "## Commands {#commands}",
        "",
        "| Command | What it does |",
        "|:---|:---|",
    ]
    cmds = list(walk(root, []))
    for path, cmd in cmds:
        anchor = "cmd-" + "-".join(path)
        top.append(f"| [`mlsysim {' '.join(path)}`](#{anchor}) | {cell(cmd.get_short_help_str(limit=120))} |")
    top.append("")
    for path, cmd in cmds:
        anchor = "cmd-" + "-".join(path)
        level = "###" if len(path) > 1 else "###"
        top += [f"{level} `mlsysim {' '.join(path)}` {{#{anchor}}}", "", "```text", usage(path), "```", ""]
        if cmd.help:
            top += [cmd.help.strip(), ""]
        for t in params_tables(cmd):
            top += [t, ""]
        ex = EXAMPLES.get(path[-1]) if len(path) == 1 else None
        if ex:
            top += ["```bash", *ex, "```", ""]
    return "\n".join(top).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    text = page()
    if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
        OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
