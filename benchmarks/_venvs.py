"""Locate (and, when missing, create) the Python interpreters the benchmarks compare.

* ours:  the project's own virtual environment, ``$MLSYSIM_PY`` or
  ``<repo>/.venv/bin/python`` (made by ``make setup`` with mlsysim installed editable).
* 0.3.0: a separate virtual environment ``<repo>/.bench/venv-030`` holding the published
  ``mlsysim==0.3.0`` from PyPI, created here on first use. ``$MLSYSIM_030_PY`` overrides it.

Nothing from mlsysim 0.3.0 is ever imported into this process: every measurement runs in a
subprocess with the venv's own interpreter. This module only uses the standard library.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / ".bench"
VENV_030 = BENCH_DIR / "venv-030"
# 0.3.0 declares a "cli" extra, but it is empty: typer and rich are core dependencies,
# so the console script works with the plain requirement.
REQUIREMENT_030 = "mlsysim==0.3.0"
VERSION_030 = "0.3.0"


def ours_python() -> Path:
    """Interpreter of our own environment (may not exist yet)."""
    return Path(os.environ.get("MLSYSIM_PY", str(REPO / ".venv" / "bin" / "python")))


def console_script(python: Path, name: str = "mlsysim") -> Path:
    """The console script installed next to an interpreter (same bin/ folder).

    The path is deliberately not resolved: a venv's ``bin/python`` is a symlink to the base
    interpreter, and resolving it would leave the venv.
    """
    return Path(os.path.abspath(python)).parent / name


def clean_env() -> dict[str, str]:
    """Environment for benchmark subprocesses: no PYTHONPATH leaking a checkout in."""
    env = dict(os.environ)
    for key in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONINSPECT"):
        env.pop(key, None)
    return env


def neutral_cwd() -> Path:
    """An empty working directory for subprocesses.

    ``python -c`` puts the current directory first on sys.path, so running from the repo
    root would make 0.3.0's interpreter import *our* ``mlsysim/`` folder instead of its own.
    """
    d = BENCH_DIR / "cwd"
    d.mkdir(parents=True, exist_ok=True)
    return d


def installed_version(python: Path, dist: str = "mlsysim") -> str | None:
    """Version of a distribution in that interpreter's environment, without importing it."""
    if not python.exists():
        return None
    code = (
        "import importlib.metadata as m, sys\n"
        "try:\n"
        f"    print(m.version({dist!r}))\n"
        "except m.PackageNotFoundError:\n"
        "    sys.exit(3)\n"
    )
    try:
        out = subprocess.run(
            [str(python), "-c", code],
            capture_output=True, text=True, timeout=60,
            cwd=neutral_cwd(), env=clean_env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def ensure_venv_030(log=print) -> Path:
    """Return the interpreter of the mlsysim 0.3.0 venv, creating it if needed.

    Raises RuntimeError with the pip output tail if it cannot be made.
    """
    override = os.environ.get("MLSYSIM_030_PY")
    if override:
        return Path(override)
    python = VENV_030 / "bin" / "python"
    if installed_version(python) == VERSION_030:
        return python
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if not python.exists():
        log(f"[bench] creating {VENV_030} ...")
        r = subprocess.run([sys.executable, "-m", "venv", str(VENV_030)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"python -m venv failed: {(r.stderr or r.stdout).strip()[-800:]}")
    log(f"[bench] pip install {REQUIREMENT_030} into {VENV_030} (PyPI, one-time) ...")
    r = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         REQUIREMENT_030],
        capture_output=True, text=True, cwd=neutral_cwd(), env=clean_env(),
    )
    if r.returncode != 0:
        raise RuntimeError(f"pip install {REQUIREMENT_030} failed: "
                           f"{(r.stderr or r.stdout).strip()[-800:]}")
    got = installed_version(python)
    if got != VERSION_030:
        raise RuntimeError(f"expected mlsysim {VERSION_030} in {VENV_030}, found {got!r}")
    return python


if __name__ == "__main__":  # python benchmarks/_venvs.py  -> make sure 0.3.0 is there
    p = ensure_venv_030()
    print(f"mlsysim {installed_version(p)} at {p}")
    print(f"ours: {ours_python()} (mlsysim {installed_version(ours_python())})")
