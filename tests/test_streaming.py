"""WeightStreamingModel: streaming weights over PCIe / NVLink-C2C, SRAM-resident models, crossover batch."""

from pathlib import Path

import pytest

from mlsysim import ConfigError, Hardware, Models
from mlsysim.solvers.streaming import WeightStreamingModel, crossover_batch, host_link_bandwidth, streamed_bytes

ROOT = Path(__file__).resolve().parents[1]
W = WeightStreamingModel()
KW = dict(efficiency=0.8, memory_efficiency=0.9)


def test_hand_worked_pcie_stream_h100():
    """Llama-3-405B fp8 (~406 GB) on one H100 (80 GB): ~326 GB stream over PCIe Gen5 at 64 GB/s."""
    m = Models.Llama3_405B
    r = W.solve(m, "H100", batch_size=1, seq_len=1024, precision="fp8", **KW)
    Wb = m.total_parameters * 1.0
    other = r.other_bytes.m_as("B")
    res, ws = streamed_bytes(Wb, 80e9, other)
    assert r.tier == "streamed" and r.link_bandwidth.m_as("GB/s") == pytest.approx(64)
    assert r.streamed_bytes.m_as("B") == pytest.approx(ws)
    assert r.link_time.m_as("s") == pytest.approx(ws / 64e9)
    assert r.bottleneck == "Link" and r.slowdown > 10
    assert r.throughput.m_as("token/s") == pytest.approx(1 / r.step_time.m_as("s"))


def test_gh200_c2c_is_seven_times_pcie():
    bw, src = host_link_bandwidth(Hardware.GH200)
    assert bw == pytest.approx(450e9) and "C2C" in src  # 900 GB/s total, one direction
    g = W.solve("Llama3_405B", "GH200", batch_size=1, seq_len=1024, precision="fp8", **KW)
    p = W.solve("Llama3_405B", "GH200", batch_size=1, seq_len=1024, precision="fp8", link="pcie",
                link_bandwidth="64 GB/s", **KW)
    assert p.link_time.m / g.link_time.m == pytest.approx(450 / 64)


def test_crossover_batch_where_compute_catches_up():
    r = W.solve("Llama3_405B", "GH200", batch_size=1, seq_len=1024, precision="fp8", **KW)
    b = r.crossover_batch
    assert b is not None and b > 1
    at = W.solve("Llama3_405B", "GH200", batch_size=b, seq_len=1024, precision="fp8", **KW)
    below = W.solve("Llama3_405B", "GH200", batch_size=b - 1, seq_len=1024, precision="fp8", **KW)
    assert at.device_time >= at.link_time and below.bottleneck == "Link"
    assert crossover_batch(lambda x: x * 1.0, lambda x: 10.0) == 10


def test_resident_model_and_sram_tier():
    r = W.solve("Llama3_8B", "H100", batch_size=1, seq_len=1024, **KW)
    assert r.tier == "device" and r.link_time.m == 0 and r.slowdown == 1
    wse3 = Hardware.H100.copy(id="WSE3_test", name="wafer", memory=Hardware.H100.memory.copy(
        capacity="44 GB", bandwidth="21 PB/s", sram="44 GB", sram_bandwidth="21 PB/s"))
    s = W.solve("Llama3_8B", wse3, batch_size=1, seq_len=1024, **KW)
    assert s.tier == "sram" and s.step_time < r.step_time


def test_mcu_flash_needs_bandwidth():
    with pytest.raises(ConfigError, match="link"):
        W.solve("Llama3_405B", Hardware.H100.copy(id="nolink", name="x", interconnect=None), batch_size=1)


def test_validation_flexgen_opt175b_is_bounded():
    """FlexGen (c): 1.12 tok/s. The streaming bound (weights over PCIe once per step) is an upper bound
    on throughput; the measured run also pays CPU attention over a CPU-resident KV cache."""
    from mlsysim.validation.adapters._common import model_of
    from mlsysim.validation.cases import load_case

    case = load_case(ROOT / "mlsysim/data/validation/streaming/flexgen_opt175b_int4_t4_throughput.toml")
    r = W.solve(model_of(case), "T4", batch_size=144, seq_len=512, context=528, precision="int4")
    assert r.tier == "streamed" and r.bottleneck == "Link"
    predicted = r.throughput.m_as("token/s")
    assert predicted >= case.value
