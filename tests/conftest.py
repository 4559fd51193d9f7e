import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, input=None, timeout=60, env=None):
    """Run the installed ``mlsysim`` console script; returns CompletedProcess."""
    exe = Path(sys.executable).with_name("mlsysim")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "mlsysim.cli"]
    e = dict(os.environ, COLUMNS="80", NO_COLOR="1")
    e.pop("MLSYSIM_DEBUG", None)
    if env:
        e.update(env)
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, input=input, timeout=timeout, env=e)


@pytest.fixture
def cli():
    return run_cli

