"""Roofline against hand-worked values (Williams et al. 2009)."""

import pytest

import mlsysim
from mlsysim import CNNWorkload, ComputeCore, ConfigError, Engine, HardwareNode, MemoryHierarchy, SingleNodeModel


@pytest.fixture
def chip():
    return HardwareNode(name="Chip", compute=ComputeCore(fp16="100 TFLOP/s"),
                        memory=MemoryHierarchy(capacity="16 GB", bandwidth="1 TB/s"), tdp="100 W")


@pytest.fixture
def net():
    return CNNWorkload(name="Net", parameters=1e6, flops_per_sample="1 GFLOP", activation_elements=1e6)


def test_hand_worked_compute_bound(chip, net):
    r = SingleNodeModel().solve(net, chip, batch_size=8, efficiency=1.0, memory_efficiency=1.0, overhead="0 s")
    # FLOPs = 8 GFLOP -> 80 us at 100 TFLOP/s; bytes = 2e6 weights + 8*1e6*2 B*2 (write+read) = 34 MB -> 34 us
    assert r.flops.to("FLOP").magnitude == pytest.approx(8e9)
    assert r.memory_bytes.to("B").magnitude == pytest.approx(2e6 + 8 * 1e6 * 2 * 2)
    assert r.compute_time.to("us").magnitude == pytest.approx(80)
    assert r.memory_time.to("us").magnitude == pytest.approx(34)
    assert r.latency.to("us").magnitude == pytest.approx(80)
    assert r.bottleneck == "Compute"
    assert r.latency_upper_bound.to("us").magnitude == pytest.approx(114)
    assert r.mfu == pytest.approx(1.0)
    assert r.ridge_point.to("FLOP/B").magnitude == pytest.approx(100)


def test_memory_bound_at_batch_1(chip):
    light = CNNWorkload(name="Light", parameters=1e6, flops_per_sample="0.1 GFLOP", activation_elements=1e6)
    r = SingleNodeModel().solve(light, chip, batch_size=1, efficiency=1.0, memory_efficiency=1.0, overhead="0 s")
    assert r.compute_time.to("us").magnitude == pytest.approx(1)  # 0.1 GFLOP / 100 TFLOP/s
    assert r.bottleneck == "Memory"
    assert r.latency.to("us").magnitude == pytest.approx(6)  # (2e6 + 4e6) B / 1 TB/s


def test_efficiency_scales_compute_time(chip, net):
    a = SingleNodeModel().solve(net, chip, batch_size=64, efficiency=1.0, memory_efficiency=1.0, overhead="0 s")
    b = SingleNodeModel().solve(net, chip, batch_size=64, efficiency=0.5, memory_efficiency=1.0, overhead="0 s")
    assert b.compute_time.magnitude == pytest.approx(2 * a.compute_time.magnitude)
    assert b.mfu == pytest.approx(0.5)


def test_engine_is_single_node_model():
    a = Engine.solve(mlsysim.Models.ResNet50, mlsysim.Hardware.Cloud.A100, batch_size=32)
    b = SingleNodeModel().solve(model=mlsysim.Models.ResNet50, hardware=mlsysim.Hardware.Cloud.A100, batch_size=32)
    assert a.to_dict() == b.to_dict()


def test_defaults_come_from_calibration():
    r = Engine.solve("ResNet50", "H100", batch_size=256, precision="bf16")
    assert r.compute_efficiency == pytest.approx(794.5 / 989.4, rel=0.01)  # MAMF, stas00/ml-engineering
    assert any("mamf_bf16_h100" in a for a in r.assumptions)


def test_transformer_forward_flops_hand_count():
    m = mlsysim.Models.Language.Llama3_8B
    r = Engine.solve(m, "H100", batch_size=1, seq_len=1024, efficiency=1.0)
    P = m.matmul_parameters()
    attn = 2 * 32 * 32 * (128 + 128) * (1024 + 1) / 2
    assert r.flops.to("FLOP").magnitude == pytest.approx(1024 * (2 * P + attn))


def test_training_mode_hfu_counts_recompute():
    r = Engine.solve("GPT2", "A100", batch_size=8, mode="training", recompute="full")
    assert r.hfu > r.mfu
    assert r.hardware_flops.magnitude == pytest.approx(r.flops.magnitude * 4 / 3)


def test_precision_fallback_is_stated():
    r = Engine.solve("ResNet50", "T4", batch_size=8, precision="bf16")
    assert r.precision_used == "fp16" and any("no native bf16" in a for a in r.assumptions)


@pytest.mark.parametrize("kw,msg", [
    (dict(batch_size=0), "batch_size"),
    (dict(batch_size=1.5), "batch_size"),
    (dict(efficiency=1.5), "efficiency"),
    (dict(precision="fp12"), "precision"),
    (dict(mode="serve"), "mode"),
])
def test_bad_inputs(kw, msg):
    with pytest.raises(ConfigError, match=msg):
        Engine.solve("ResNet50", "A100", **kw)


def test_result_frozen_and_json():
    import json

    r = Engine.solve("ResNet50", "A100")
    with pytest.raises(AttributeError):
        r.latency = 1
    d = json.loads(json.dumps(r.to_dict()))
    assert d["latency"]["unit"] == "ms" and d["bottleneck"] in ("Compute", "Memory", "Overhead")


def test_edge_gpu_batch1_pays_one_launch_per_fused_layer():
    """A fused CNN engine launches one kernel per layer (CNNWorkload.layers); on a Jetson each costs
    the edge tier's measured launch interval, added to the roofline time."""
    from mlsysim.solvers import _defaults

    d = _defaults.launch_overhead("JetsonAGXOrin", "edge")
    assert d.value == pytest.approx(3.5e-6) and "launch_jetson_orin_nano_empty_kernel" in d.source
    r = SingleNodeModel().solve("ResNet50", "JetsonAGXOrin", batch_size=1, precision="int8", compute_unit="gpu")
    assert mlsysim.Models.get("ResNet50").layers == 56
    assert r.overhead_time.to("s").magnitude == pytest.approx(56 * 3.5e-6)
    t = max(r.compute_time, r.memory_time) + r.overhead_time
    assert r.latency.to("s").magnitude == pytest.approx(t.to("s").magnitude)
    assert any("56 kernel boundaries" in a for a in r.assumptions)


def test_cnn_without_layer_count_has_no_launch_term(chip, net):
    assert Engine.solve(net, chip, batch_size=1).overhead_time.magnitude == 0
