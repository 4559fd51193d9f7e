"""SafetyModel: guard-model prefill passes on the prompt and the response."""

import pytest

from mlsysim import ConfigError, Models
from mlsysim.solvers.safety import SafetyModel, guard_model
from mlsysim.solvers.serving import ServingModel


def test_guard_is_llama31_8b_shape_with_source():
    g, v, src = guard_model()
    assert g.name == "Llama Guard 3 8B" and v == 1 and "Llama Guard 3" in src
    assert g.total_parameters == Models.Llama3_8B.total_parameters


def test_hand_worked_guard_latency():
    r = SafetyModel().solve("Llama3_70B", "H100", prompt_len=1024, output_len=256, tp_size=4)
    sm = ServingModel()
    g, _v, _s = guard_model()
    gi = sm.solve(g, "H100", seq_len=1024, output_len=1)
    go = sm.solve(g, "H100", seq_len=1280, output_len=1)
    assert r.input_guard_time.m_as("s") == pytest.approx(gi.ttft.m_as("s") + gi.itl.m_as("s"))
    assert r.output_guard_time.m_as("s") == pytest.approx(go.ttft.m_as("s") + go.itl.m_as("s"))
    assert r.latency.m_as("s") == pytest.approx(r.model_latency.m_as("s") + r.input_guard_time.m_as("s")
                                                + r.output_guard_time.m_as("s"))
    assert 0 < r.latency_overhead < 0.5  # two prefills of an 8B guard vs 256 decode steps of a 70B model
    assert r.gpu_overhead > 0


def test_options_and_errors():
    only_in = SafetyModel().solve("Llama3_8B", "H100", output_guard=False)
    assert only_in.output_guard_time.m == 0
    with pytest.raises(ConfigError, match="guard"):
        SafetyModel().solve("Llama3_8B", "H100", guard="LlamaGuard9")
    with pytest.raises(ConfigError, match="input_guard"):
        SafetyModel().solve("Llama3_8B", "H100", input_guard=False, output_guard=False)
