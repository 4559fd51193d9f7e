"""Every code example of the seed documents runs as written (examples/seed/*.py)."""

import runpy
import sys
from pathlib import Path

import pytest

SEED = sorted((Path(__file__).resolve().parents[1] / "examples" / "seed").glob("*.py"))


@pytest.mark.parametrize("path", SEED, ids=[p.stem for p in SEED])
def test_seed_example_runs(path, capsys):
    runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    assert out.strip(), "an example prints its results"


def test_roofline_example_says_memory(capsys):
    runpy.run_path(str(SEED[0].with_name("solver_guide_roofline.py")))
    assert "Bottleneck: Memory" in capsys.readouterr().out
