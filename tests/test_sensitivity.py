"""SensitivityModel (elasticities over any solver) and SynthesisModel (inverse roofline)."""

import pytest

from mlsysim import ConfigError, Hardware, ServingModel, SingleNodeModel
from mlsysim.solvers.sensitivity import SensitivityModel, SynthesisModel, elasticity, scale_hardware


def test_memory_bound_decode_has_bandwidth_elasticity_minus_one():
    """Batch-1 decode is memory-bound with no overhead: T ∝ 1/β, so ε_β = −1 and ε_compute = 0."""
    r = SensitivityModel().solve(SingleNodeModel, "Llama3_8B", "H100", seq_len=1, overhead="0 s",
                                 efficiency=0.8, memory_efficiency=0.9)
    e = r.elasticities
    assert e["bandwidth"] == pytest.approx(-1.0, abs=1e-6)
    assert e["compute"] == pytest.approx(0.0, abs=1e-9) and e["capacity"] == pytest.approx(0.0, abs=1e-9)
    assert r.most_sensitive == "bandwidth"


def test_compute_bound_and_keyword_inputs():
    r = SensitivityModel().solve(SingleNodeModel, "Llama3_8B", "H100", batch_size=64, seq_len=2048, overhead="0 s",
                                 efficiency=0.8, memory_efficiency=0.9, inputs=("compute", "efficiency", "batch_size"))
    assert r.elasticities["compute"] == pytest.approx(-1.0, abs=1e-6)
    assert r.elasticities["efficiency"] == pytest.approx(-1.0, abs=1e-6)
    assert r.elasticities["batch_size"] == pytest.approx(1.0, abs=0.08)  # time grows with the batch (integer steps)
    assert elasticity(2.0, 0.5, 0.5) == pytest.approx(1.2619, rel=1e-3)


def test_serving_itl_and_errors():
    r = SensitivityModel().solve(ServingModel, "Llama3_8B", "H100", seq_len=512, target="itl")
    assert r.elasticities["bandwidth"] < -0.5
    with pytest.raises(ConfigError, match="target"):
        SensitivityModel().solve(SingleNodeModel, "Llama3_8B", "H100", target="nonsense")
    with pytest.raises(ConfigError, match="inputs"):
        SensitivityModel().solve(SingleNodeModel, "Llama3_8B", "H100", inputs=("voltage",))


def test_synthesis_analytic_roofline():
    """Memory-bound: required bandwidth = bytes / (T·η_mem); check by re-solving on the scaled device."""
    kw = dict(seq_len=1, overhead="0 s", efficiency=0.8, memory_efficiency=0.9)
    base = SingleNodeModel().solve("Llama3_8B", "H100", **kw)
    target = base.latency.to("s").magnitude / 2
    s = SynthesisModel().solve("Llama3_8B", "H100", f"{target} s", **kw)
    assert s.feasible and s.method == "analytic"
    assert s.required_scale == pytest.approx(2.0, rel=1e-6)
    assert s.required.to("TB/s").magnitude == pytest.approx(2 * 3.35, rel=1e-6)
    again = SingleNodeModel().solve("Llama3_8B", scale_hardware(Hardware.H100, "bandwidth", s.required_scale), **kw)
    assert again.latency.to("s").magnitude == pytest.approx(target, rel=1e-6)
    # solving for compute cannot help a memory-bound step
    c = SynthesisModel().solve("Llama3_8B", "H100", f"{target} s", solve_for="compute", **kw)
    assert not c.feasible and c.required is None


def test_synthesis_bisection_serving():
    s = SynthesisModel().solve("Llama3_8B", "H100", "5 ms", solver=ServingModel, target="itl", seq_len=512)
    assert s.method == "bisection" and s.feasible
    r = ServingModel().solve("Llama3_8B", scale_hardware(Hardware.H100, "bandwidth", s.required_scale), seq_len=512)
    assert r.itl.to("ms").magnitude == pytest.approx(5.0, rel=1e-3)
