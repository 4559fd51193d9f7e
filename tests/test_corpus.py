"""The hostile-input corpus (tests/corpus/cases.toml): every bad input ends quickly with one line.

Config and CLI cases run in-process through ``mlsysim.cli._main.run`` (what the console script
calls) and must finish within 1 s; the cases marked ``subprocess`` also run through the installed
console script, where Python and import start-up come on top (measured by ``test_cli_startup``).
Registry cases load user files with ``mlsysim.load``; MCP cases call the server's tools over
stdio with the SDK's client.
"""

from __future__ import annotations

import asyncio

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from _async import run_async

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
ROOT = HERE.parent
CASES = tomllib.loads((CORPUS / "cases.toml").read_text())["case"]
LIMIT_S = 1.0


def _cases(kind, **extra):
    return [pytest.param(c, id=c["id"], **extra) for c in CASES if c["kind"] == kind]


# ---- files made at test time ----------------------------------------------------------------
def _deep(suffix: str) -> str:
    if suffix == ".toml":
        return "a = " + "[" * 50_000 + "]" * 50_000 + "\n"
    if suffix == ".json":
        return "[" * 100_000 + "]" * 100_000
    return "a: " + "[" * 100_000 + "]" * 100_000 + "\n"


def _long(suffix: str, n: int) -> str:
    name = "x" * n
    if suffix == ".json":
        return json.dumps({"workload": {"name": name}, "hardware": {"name": "H100"}})
    if suffix == ".toml":
        return f'kind = "hardware"\nname = "{name}"\n'
    return f"workload:\n  name: {name}\nhardware:\n  name: H100\n"


def _huge_int(suffix: str) -> str:
    digits = "9" * 5000
    if suffix == ".json":
        return '{"workload": {"name": "Llama3_8B", "batch_size": ' + digits + '}, "hardware": {"name": "H100"}}'
    if suffix == ".toml":
        return f'[workload]\nname = "Llama3_8B"\nbatch_size = {digits}\n[hardware]\nname = "H100"\n'
    return f"workload:\n  name: Llama3_8B\n  batch_size: {digits}\nhardware:\n  name: H100\n"


def make(name: str, tmp: Path) -> Path:
    """Create the file (or directory, link, pipe) a ``generate`` case names, in ``tmp``."""
    stem, suffix = name.rsplit(".", 1) if "." in name else (name, "")
    suffix = f".{suffix}" if suffix else ""
    p = tmp / name
    if stem == "binary_garbage":
        p.write_bytes(random.Random(0).randbytes(4096))
    elif stem == "long_string_1mb":
        p.write_text(_long(suffix, 1_000_000))
    elif stem == "long_string_200kb":
        p.write_text(_long(suffix, 200_000))
    elif stem == "many_values":
        p.write_text("workload:\n  name: Llama3_8B\nhardware:\n  name: H100\nextra:\n" + "  - 1\n" * 30_000)
    elif stem == "deep_nesting":
        p.write_text(_deep(suffix))
    elif stem == "huge_int":
        p.write_text(_huge_int(suffix))
    elif stem.startswith("directory"):
        p.mkdir()
    elif stem == "missing":
        pass
    elif stem == "symlink_loop":
        other = tmp / f"other{suffix}"
        os.symlink(other, p)
        os.symlink(p, other)
    elif stem == "dangling_symlink":
        os.symlink(tmp / "nowhere" / f"target{suffix}", p)
    elif stem == "fifo":
        os.mkfifo(p)
    else:  # pragma: no cover - a typo in cases.toml
        raise KeyError(f"no maker for generated file {name!r}")
    return p


def _path(case, tmp: Path) -> Path:
    if "generate" in case:
        return make(case["generate"], tmp)
    return CORPUS / case["file"]


def _argv(case, path: Path | None) -> list[str]:
    args = case.get("args") or ["eval", "{file}"]
    out = []
    for a in args:
        if a == "{file}":
            a = str(path)
        elif a.startswith("{x*") and a.endswith("}"):
            a = "x" * int(a[3:-1])
        elif a == "{non-utf8}":
            a = os.fsdecode(b"Llama\xff\xfe")
        out.append(a)
    return out


def _relative(path: Path) -> str:
    """The path as the CLI prints it (relative to the repository when inside it)."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# ---- checks shared by the in-process and console-script runs ---------------------------------
def check_cli_outcome(case, code, stdout: str, stderr: str, path: Path | None):
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert code == case["exit"], (code, stdout[-300:], stderr[-600:])
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {stderr[:600]!r}"
    line = lines[0]
    assert "Traceback" not in stderr and "internal error" not in line, line
    if case.get("stdout") != "any":
        assert stdout == "", f"stdout must be empty on a bad input, got {stdout[:300]!r}"
    if case["exit"] == 1:
        assert line.startswith("error: "), line
    if path is not None and case["kind"] == "config" and case["exit"] == 1:
        assert path.name in line, f"the error must name the file: {line}"
    for needle in case["error"]:
        assert needle in line, f"{needle!r} not in {line!r}"
    assert len(line) < 600, f"error line too long ({len(line)} characters)"


def run_in_process(argv: list[str]) -> tuple[int, str, str, float]:
    from mlsysim.cli._main import run

    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - t0


@pytest.fixture(scope="module")
def warm():
    """Import the CLI, pint and the registries once, so each case is timed on its own work."""
    code, _o, _e, _t = run_in_process(["eval", "ResNet50", "T4"])
    assert code == 0
    run_in_process(["eval", str(CORPUS / "config" / "unknown_model.yaml")])
    return True


@pytest.mark.parametrize("case", _cases("config") + _cases("cli"))
def test_cli_case_in_process(case, tmp_path, monkeypatch, warm):
    monkeypatch.chdir(ROOT)
    path = _path(case, tmp_path) if ("file" in case or "generate" in case) else None
    argv = _argv(case, _relative(path) if path is not None and "file" in case else path)
    code, out, err, dt = run_in_process(argv)
    check_cli_outcome(case, code, out, err, path)
    if dt >= LIMIT_S:  # once more: a loaded machine can stall any one run
        dt = min(dt, run_in_process(argv)[3])
    assert dt < LIMIT_S, f"took {dt:.2f} s (limit {LIMIT_S} s)"


# ---- through the installed console script ----------------------------------------------------
def _exe() -> list[str]:
    exe = Path(sys.executable).with_name("mlsysim")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "mlsysim.cli"]


def _run_script(argv, timeout: float = 30.0):
    """Run the console script from the repository root; (CompletedProcess, wall seconds)."""
    env = dict(os.environ, COLUMNS="80", NO_COLOR="1")
    env.pop("MLSYSIM_DEBUG", None)
    t0 = time.perf_counter()
    r = subprocess.run(_exe() + [os.fsencode(a) for a in argv], capture_output=True, timeout=timeout, env=env, cwd=ROOT)
    return r, time.perf_counter() - t0


_REFERENCE = ["eval", "Llama3_8B", "H100", "--batch-size", "0"]  # fails at once: start-up and one error line


def test_cli_startup():
    """Measured start-up of the console script (interpreter, imports, one error line), reported."""
    times = sorted(_run_script(_REFERENCE)[1] for _ in range(3))
    print(f"\nconsole-script start-up: fastest {times[0]:.2f} s, median {times[1]:.2f} s of 3 failing runs")
    assert times[0] < 5.0


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES
                                  if c.get("subprocess") and c["kind"] in ("config", "cli")])
def test_cli_case_console_script(case, tmp_path):
    """The case through the real console script: within 1 s wall, start-up included. On a loaded
    machine, where start-up alone (a reference run just before) takes half of that, the case's own
    work (its time minus the reference's) must stay under 1 s."""
    path = _path(case, tmp_path) if ("file" in case or "generate" in case) else None
    argv = _argv(case, _relative(path) if path is not None and "file" in case else path)
    best = None
    for _attempt in range(3):  # a loaded machine can stall any one process
        r, dt = _run_script(argv)
        t_ref = 0.0 if dt < LIMIT_S else _run_script(_REFERENCE)[1]
        ok = dt < LIMIT_S or (t_ref >= 0.5 * LIMIT_S and dt - t_ref < LIMIT_S)
        if best is None or dt - t_ref < best[1] - best[2]:
            best = (r, dt, t_ref, ok)
        if ok:
            break
    r, dt, t_ref, ok = best
    stdout = r.stdout.decode("utf-8", "replace")
    stderr = r.stderr.decode("utf-8", "backslashreplace")
    check_cli_outcome(case, r.returncode, stdout, stderr, path)
    assert ok, f"took {dt:.2f} s wall (a start-up-only run took {t_ref:.2f} s)"


# ---- user registry files ------------------------------------------------------------------------
@pytest.mark.parametrize("case", _cases("registry"))
def test_registry_case(case, tmp_path, warm):
    import mlsysim
    from mlsysim import registry as R
    from mlsysim.core.errors import ConfigError

    path = _path(case, tmp_path)
    before = {k: dict(r._user) for k, r in R._REGISTRIES.items()}
    loader = {"Hardware": mlsysim.Hardware.load, "Models": mlsysim.Models.load}.get(case.get("loader"), mlsysim.load)
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        loader(path)
    dt = time.perf_counter() - t0
    msg = str(info.value)
    assert "\n" not in msg and len(msg) < 600, msg
    assert str(path) in msg, f"the error must name the file: {msg}"
    for needle in case["error"]:
        assert needle in msg, f"{needle!r} not in {msg!r}"
    assert dt < LIMIT_S, f"took {dt:.2f} s"
    # the failed load registered nothing and the built-in registries still work
    assert {k: dict(r._user) for k, r in R._REGISTRIES.items()} == before
    assert mlsysim.Hardware.get("H100").memory.capacity.to("GB").magnitude == pytest.approx(80)
    assert mlsysim.Models.Language.Llama3_8B.layers == 32
    assert mlsysim.Engine.solve("Llama3_8B", "H100").feasible


def test_registry_survives_a_failed_load_then_loads_a_good_one(tmp_path):
    """A user file that fails leaves the registries usable, and a good file still registers."""
    import mlsysim
    from mlsysim import registry as R
    from mlsysim.core.errors import ConfigError

    bad = CORPUS / "registry" / "bandwidth_tiny.toml"
    with pytest.raises(ConfigError):
        mlsysim.load(bad)
    good = tmp_path / "corpus_good_chip.toml"
    good.write_text((CORPUS / "registry" / "bandwidth_tiny.toml").read_text()
                    .replace("1e-300 TB/s", "1 TB/s").replace("Corpus chip", "Corpus good chip"))
    try:
        chip = mlsysim.load(good)
        assert mlsysim.Hardware.get("Corpus good chip") is chip
        assert mlsysim.Engine.solve("ResNet50", chip).latency.magnitude > 0
    finally:
        R._REGISTRIES["hardware"]._user.pop("Corpus good chip", None)
        R._REGISTRIES["hardware"]._aliases = None
    assert mlsysim.Hardware.H100.id == "H100"


# ---- MCP tool calls -----------------------------------------------------------------------------
def _expand(v):
    if isinstance(v, dict):
        if set(v) == {"repeat", "times"}:
            return v["repeat"] * v["times"]
        return {k: _expand(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_expand(x) for x in v]
    return v


async def _mcp_calls(calls):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "mlsysim.cli", "mcp"],
                                   env=dict(os.environ, PYTHONWARNINGS="ignore"))
    out = []
    with open(os.devnull, "w") as devnull:
        async with stdio_client(params, errlog=devnull) as (r, w):
            async with ClientSession(r, w) as s:
                await s.initialize()
                for tool, args in calls:
                    t0 = time.perf_counter()
                    res = await asyncio.wait_for(s.call_tool(tool, args), 30)
                    err = getattr(res, "is_error", getattr(res, "isError", None))
                    out.append((err, res.content[0].text if res.content else "", time.perf_counter() - t0))
    return out


@pytest.fixture(scope="module")
def mcp_results():
    pytest.importorskip("mcp")
    cases = [c for c in CASES if c["kind"] == "mcp"]
    results = run_async(asyncio.wait_for(_mcp_calls([(c["tool"], _expand(c["arguments"])) for c in cases]), 300))
    return {c["id"]: r for c, r in zip(cases, results)}


@pytest.mark.parametrize("case", _cases("mcp"))
def test_mcp_case(case, mcp_results):
    is_error, text, dt = mcp_results[case["id"]]
    assert is_error is True, text[:300]
    assert "\n" not in text and len(text) <= 500, text[:600]
    assert "Traceback" not in text and "internal error" not in text, text
    for needle in case["error"]:
        assert needle in text, f"{needle!r} not in {text!r}"
    assert dt < 5 * LIMIT_S, f"took {dt:.2f} s"


def test_corpus_size():
    """The corpus holds at least 100 cases across config files, CLI arguments, registry files and MCP calls."""
    kinds = {k: sum(1 for c in CASES if c["kind"] == k) for k in ("config", "cli", "registry", "mcp")}
    assert sum(kinds.values()) >= 100 and all(kinds.values()), kinds
    assert len({c["id"] for c in CASES}) == len(CASES), "case ids must be unique"
    for c in CASES:
        if "file" in c:
            assert (CORPUS / c["file"]).exists() or c["kind"] == "cli", c["file"]


def test_pure_python_yaml_enforces_the_same_limits(monkeypatch):
    """Without libyaml (as in the browser), the YAML reader still refuses bombs, cycles and depth."""
    from mlsysim.config._yaml import load_with_lines
    from mlsysim.core.errors import ConfigError

    monkeypatch.setitem(sys.modules, "yaml.cyaml", None)  # import fails: the pure-Python parser is used
    assert load_with_lines("a: &x {b: 1}\nc: *x\n", "p")[0] == {"a": {"b": 1}, "c": {"b": 1}}
    for name, needle in (("alias_bomb.yaml", "aliases expand"), ("alias_recursive.yaml", "recursive"),
                         ("alias_count.yaml", "more than 100 YAML aliases"), ("duplicate_key.yaml", "duplicate key")):
        with pytest.raises(ConfigError, match=needle):
            load_with_lines((CORPUS / "config" / name).read_text(), name)
    with pytest.raises(ConfigError, match="nested more than 40 levels"):
        load_with_lines("a: " + "[" * 1000 + "]" * 1000, "deep.yaml")
