"""Every example the book shows runs as written.

- ```` ```python ```` blocks of the guide pages run in order, one namespace per page, from the
  repository root (so ``examples/...`` paths resolve); a block marked ``#| eval: false`` is skipped.
- ``mlsysim ...`` lines of ```` ```bash ```` blocks run through a shell. A line's trailing
  comment may state the exit code it expects (``# exit code 3: ...``); otherwise it must exit 0.
- The README's Quick start commands and its Python block run too; the README has no exit-code
  comments, so its commands may exit with the documented codes 0, 2 or 3, never 1 (bad input).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["site/getting-started.qmd", "site/solver-guide.qmd", "site/math.qmd", "site/architecture.qmd", "site/walls.qmd",
         "site/cli.qmd", "site/whitepaper.qmd", "index.qmd", "site/agents.qmd"]
FENCE = re.compile(r"^```+\s*\{?\.?([\w-]*)\}?[^\n]*\n(.*?)^```+\s*$", re.M | re.S)
EXIT = re.compile(r"#.*?\bexit(?:s)?(?: code)? (\d)\b")
LONG_RUNNING = ("mlsysim mcp",)  # servers: they wait for a client on stdin


def blocks(path: Path, lang: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [body for kind, body in FENCE.findall(text) if kind == lang and "#| eval: false" not in body]


def shell_lines(path: Path) -> list[str]:
    out = []
    for body in blocks(path, "bash"):
        for line in body.splitlines():
            line = line.strip()
            if line.startswith("mlsysim ") and not line.startswith(LONG_RUNNING):
                out.append(line)
    return out


def mlsysim_env() -> dict:
    env = dict(os.environ, COLUMNS="100", NO_COLOR="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("MLSYSIM_DEBUG", None)
    return env


def run_shell(line: str, tmp_path: Path) -> subprocess.CompletedProcess:
    (tmp_path / "examples").exists() or (tmp_path / "examples").symlink_to(ROOT / "examples")
    return subprocess.run(["bash", "-c", line], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=mlsysim_env())


def expected_code(line: str) -> int:
    m = EXIT.search(line)
    return int(m.group(1)) if m else 0


def page_ids(kind: str) -> list:
    out = []
    for page in PAGES:
        p = ROOT / page
        if not p.exists():
            continue
        if kind == "python" and blocks(p, "python"):
            out.append(page)
        if kind == "bash":
            out += [pytest.param(page, line, id=f"{page}:{line[:60]}") for line in shell_lines(p)]
    return out


@pytest.mark.parametrize("page", page_ids("python"))
def test_python_blocks_run(page, monkeypatch):
    monkeypatch.chdir(ROOT)
    ns: dict = {"__name__": "__docs__"}
    for i, code in enumerate(blocks(ROOT / page, "python")):
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                exec(compile(code, f"{page}[python block {i + 1}]", "exec"), ns)
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{page}, python block {i + 1} raised {type(exc).__name__}: {exc}\n---\n{code}")


@pytest.mark.parametrize("page,line", page_ids("bash"))
def test_shell_commands_run(page, line, tmp_path):
    proc = run_shell(line, tmp_path)
    want = expected_code(line)
    assert proc.returncode == want, f"{page}: `{line}` exited {proc.returncode}, expected {want}\n{proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]


def readme_commands() -> list[str]:
    readme = ROOT / "README.md"
    return shell_lines(readme) if readme.exists() else []


@pytest.mark.parametrize("line", readme_commands())
def test_readme_commands_run(line, tmp_path):
    if "| jq" in line and not shutil.which("jq"):
        line = line.split("|")[0].strip()
    proc = run_shell(line, tmp_path)
    assert proc.returncode in (0, 2, 3), f"README: `{line}` exited {proc.returncode}\n{proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr[-2000:]
    wrote = [f for f in tmp_path.iterdir() if f.name != "examples" and f.stat().st_size]
    assert proc.stdout.strip() or wrote, f"README: `{line}` printed nothing"


def test_readme_python_runs(monkeypatch):
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.skip("no README.md")
    monkeypatch.chdir(ROOT)
    for i, code in enumerate(blocks(readme, "python")):
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, f"README.md[python block {i + 1}]", "exec"), {"__name__": "__docs__"})


@pytest.mark.parametrize("page", [p for p in PAGES if (ROOT / p).exists()])
def test_code_lines_fit_the_column(page):
    """Code shown in the book fits the text column (80 characters) without scrolling sideways."""
    long = [line for lang in ("python", "bash") for body in blocks(ROOT / page, lang)
            for line in body.splitlines() if len(line) > 80]
    assert not long, f"{page}: code lines over 80 characters:\n" + "\n".join(long)


def test_pages_have_examples():
    """The guide pages that promise runnable code have some (so this test is not vacuous)."""
    assert blocks(ROOT / "site/getting-started.qmd", "python")
    assert shell_lines(ROOT / "site/getting-started.qmd")
