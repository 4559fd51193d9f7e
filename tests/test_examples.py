"""Every runnable script in examples/ (recursively; not the plugin package or data folders) exits 0
and prints what it computes."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SKIP_DIRS = {"plugin", "configs", "data", "__pycache__"}
SCRIPTS = sorted(p for p in EXAMPLES.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(EXAMPLES).parts[:-1]))


def test_examples_are_found():
    names = {p.relative_to(EXAMPLES).as_posix() for p in SCRIPTS}
    for expected in ("nine_million_question.py", "serve_70b_within_budget.py", "a100_vs_h100_cost_per_query.py",
                     "agentic_loop.py", "seed/solver_guide_custom_solver.py", "seed/solver_guide_sweep.py",
                     "seed/solver_guide_distributed.py", "seed/readme_system_evaluator.py"):
        assert expected in names


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.relative_to(EXAMPLES).as_posix() for p in SCRIPTS])
def test_example_runs(path):
    if "from mcp" in path.read_text("utf-8") and importlib.util.find_spec("mcp") is None:
        pytest.skip("needs the MCP SDK (mlsysim[mcp])")
    env = dict(os.environ, PYTHONPATH=str(EXAMPLES.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300, cwd=EXAMPLES.parent,
                          env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{path.name} exited {proc.returncode}:\n{proc.stderr[-2000:]}"
    assert proc.stdout.strip(), f"{path.name} printed nothing"
