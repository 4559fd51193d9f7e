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
    """The seed guide's comment says '→ Memory': ResNet-50 at batch 1 on an A100 sits below the ridge
    (memory time > compute time). Since CNN kernel launches are counted (56 fused layers x the measured
    per-kernel cost), the latency it prints is set by that fixed overhead, which the profile names."""
    runpy.run_path(str(SEED[0].with_name("solver_guide_roofline.py")))
    out = capsys.readouterr().out
    assert "Bottleneck: Overhead" in out or "Bottleneck: Memory" in out
    import mlsysim

    p = mlsysim.SingleNodeModel().solve(model=mlsysim.Models.ResNet50, hardware=mlsysim.Hardware.Cloud.A100, batch_size=1)
    assert p.memory_time > p.compute_time  # the roofline regime the seed names: memory-bound
    if p.bottleneck == "Overhead":
        assert p.overhead_time > p.memory_time and any("overhead-dominated" in a for a in p.assumptions)
