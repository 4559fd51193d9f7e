"""The physics added for validation, hand-worked: weights read per pass, weight-only
dequantization, power caps, one-shot all-reduce, kernel boundaries, operator-class sums."""

from __future__ import annotations

import pytest

import mlsysim
from mlsysim import ServingModel
from mlsysim.solvers import _defaults
from mlsysim.solvers._terms import (BF16_ROUND_EMULATED_OPS, DEQUANT_OPS, dequant_ops, model_terms, power_cap_clock,
                                    vector_rate, weight_read_params)

S = ServingModel()


def test_input_embedding_is_a_gather_not_a_read():
    m = mlsysim.Models.Language.Llama2_7B  # untied: the V x h input table is not read per token
    t = model_terms(m)
    assert weight_read_params(t, 1) == pytest.approx(m.total_parameters - m.vocab_size * m.hidden_dim)
    tied = mlsysim.Models.Language.Llama3_2_1B  # tied: the output head reads the table anyway
    assert weight_read_params(model_terms(tied), 1) == pytest.approx(tied.total_parameters)


def test_moe_reads_only_the_experts_tokens_are_routed_to():
    m = mlsysim.Models.Language.Mixtral_8x7B
    t = model_terms(m)
    one, many = weight_read_params(t, 1), weight_read_params(t, 10_000)
    # one token touches k of E experts per layer; many tokens touch all of them
    expert = t["P_expert"] * t["moe_layers"]
    assert many - one == pytest.approx(expert * (t["moe_E"] - t["moe_k"]), rel=1e-6)


def test_weight_only_int4_groups_and_dequantization():
    m, h = mlsysim.Models.Language.Llama2_7B, mlsysim.Hardware.Cloud.A100
    r = S.solve(m, h, seq_len=8, batch_size=1, precision="int4", quant_group_size=32, overhead="0 s",
                memory_efficiency=1.0)
    p = weight_read_params(model_terms(m), 1)
    assert r.dequant_time.to("s").magnitude == pytest.approx(p * DEQUANT_OPS["int4"] / vector_rate(h))
    assert vector_rate(h) == pytest.approx(19.5e12 / 2)  # fp32 vector peak, one op per lane per clock
    # bytes: 4 bits per weight + a 16-bit scale and zero point per group of 32
    weights = r.decode_memory_time.to("s").magnitude - r.dequant_time.to("s").magnitude
    assert weights * h.memory.bandwidth.to("B/s").magnitude == pytest.approx(p * (0.5 + 4 / 32), rel=5e-3)
    assert r.decode_bottleneck == "Memory"
    assert any("16-bit after a dequantization" in a for a in r.assumptions)


def test_bf16_rounding_is_emulated_on_cdna2():
    assert dequant_ops(mlsysim.Hardware.Cloud.MI250X, "int8") == DEQUANT_OPS["int8"] + BF16_ROUND_EMULATED_OPS
    assert dequant_ops(mlsysim.Hardware.Cloud.A100, "int8") == DEQUANT_OPS["int8"]
    assert dequant_ops(mlsysim.Hardware.Cloud.MI250X, "bf16") == 0.0


def test_power_cap_slows_compute_not_memory():
    h = mlsysim.Hardware.Cloud.A100
    idle = 0.2 * 400
    assert power_cap_clock(h, 330.0, idle) == pytest.approx(((330 - idle) / (400 - idle)) ** (1 / 3))
    assert power_cap_clock(h, 500.0, idle) == 1.0
    free = S.solve("Llama2_7B", h, seq_len=5, output_len=200)
    capped = S.solve("Llama2_7B", h, seq_len=5, output_len=200, power_cap="330 W")
    assert capped.clock_factor < 1
    assert capped.itl.magnitude == pytest.approx(free.itl.magnitude, rel=1e-3)  # batch-1 decode: memory-bound
    big_free = S.solve("Llama2_7B", h, seq_len=2048, batch_size=16)
    big_capped = S.solve("Llama2_7B", h, seq_len=2048, batch_size=16, power_cap="330 W")
    assert big_capped.ttft.magnitude > big_free.ttft.magnitude  # prefill is compute-bound


def test_one_shot_allreduce_is_latency_plus_peer_reads():
    m, h = mlsysim.Models.Language.Llama2_7B, mlsysim.Hardware.Cloud.A100
    r = S.solve(m, h, seq_len=5, tp_size=8, allreduce="one_shot")
    alpha = _defaults.oneshot_allreduce_latency(h.id, h.tier).value
    beta = h.interconnect.scaleup_bandwidth.to("B/s").magnitude * _defaults.allreduce_efficiency(h).value
    msg = 1 * m.hidden_dim * 2
    assert r.decode_comm_time.to("s").magnitude == pytest.approx(2 * m.layers * (alpha + 7 * msg / beta))
    ring = S.solve(m, h, seq_len=5, tp_size=8)
    assert ring.decode_comm_time.magnitude != pytest.approx(r.decode_comm_time.magnitude)


def test_kernel_boundaries_are_counted_per_kernel():
    m, h = mlsysim.Models.Language.Llama2_7B, mlsysim.Hardware.Cloud.A100
    r = S.solve(m, h, seq_len=5)
    k = _defaults.kernel_overhead(h.id, h.tier).value
    assert 2e-6 < k < 5e-6
    assert r.overhead_time.to("s").magnitude == pytest.approx(k * model_terms(m)["kernels"])


def test_attention_and_matmuls_add_at_large_batch():
    # a decode step whose matmuls are compute-bound still pays for reading the KV cache
    r = S.solve("Llama3_8B", "H100", seq_len=512, batch_size=1024, precision="fp8")
    d = r.decode_compute_time.to("s").magnitude, r.decode_memory_time.to("s").magnitude
    assert r.itl.to("s").magnitude > max(d)


def test_resnet50_activations_are_the_fused_tensors():
    m = mlsysim.Models.Vision.ResNet50
    assert m.activation_elements == 11_317_736
    r = mlsysim.Engine.solve(m, "H100", batch_size=64, precision="fp16", memory_efficiency=1.0, overhead="0 s")
    expected = m.parameters * 2 + 64 * m.activation_elements * 2 * 2  # weights + each tensor written and read
    assert r.memory_bytes.to("B").magnitude == pytest.approx(expected)


def test_edge_cases_run_on_the_engine_the_source_names():
    """A case that names its engine (ExecuTorch's XNNPACK on the Snapdragon 8 Gen 3's CPU cores,
    llama.cpp OpenCL on its Adreno GPU) is priced on that engine's peaks, not the whole SoC's."""
    from mlsysim.validation import load_cases
    from mlsysim.validation.adapters.edge import _compute_unit

    cases = {c.id: c for c in load_cases("edge")}
    assert _compute_unit(cases["executorch_oneplus12_llama32_1b_bf16_decode"]) == "cpu"
    assert _compute_unit(cases["llamacpp_xiaomi14_sd8gen3_llama32_1b_f16_tg32"]) == "gpu"
    hw = mlsysim.Hardware.get("Snapdragon8Gen3")
    cpu, gpu = hw.unit("cpu"), hw.unit("gpu")
    # the whole device is every engine at once: fp16 = CPU + GPU (Arm SOG rates, Adreno 750 derived)
    assert float(hw.compute.fp16.to("GFLOP/s").magnitude) == pytest.approx(
        float(cpu.fp16.to("GFLOP/s").magnitude) + float(gpu.fp16.to("GFLOP/s").magnitude), rel=1e-3)
    assert float(cpu.bf16.to("GFLOP/s").magnitude) == pytest.approx(128 * 3.3 + 64 * (3 * 3.2 + 2 * 3.0))


def test_one_soc_engine_is_capped_at_its_own_bandwidth():
    """On the Snapdragon 8 Gen 3 one engine reached 43.3 GB/s (GPU) while decoding with HeteroInfer's
    kernels, the whole SoC 61.9 GB/s in a bulk copy (SOSP 2025): a decode step on the GPU reads its
    weights at the first, a whole-device call at the second (both absolute on this device)."""
    sd = "Snapdragon8Gen3"
    gpu = S.solve("Llama3_2_1B", sd, seq_len=1, batch_size=1, output_len=32, precision="fp16", compute_unit="gpu",
                  overhead="0 s")
    whole = S.solve("Llama3_2_1B", sd, seq_len=1, batch_size=1, output_len=32, precision="fp16", overhead="0 s")
    assert gpu.memory_efficiency == pytest.approx(43.3 / 76.8, rel=1e-3)
    assert whole.memory_efficiency == pytest.approx(61.9 / 76.8, rel=1e-3)
    assert gpu.decode_bottleneck == "Memory"
    ratio = gpu.decode_memory_time.to("s").magnitude / whole.decode_memory_time.to("s").magnitude
    assert ratio == pytest.approx(61.9 / 43.3, rel=1e-3)
    assert any("measured ceiling: the gpu alone" in a for a in gpu.assumptions)


def test_packed_int4_and_ggml_dequantization_counts():
    """int4 with the packed conversion (tinygemm/FasterTransformer): 15 instructions per 8 weights;
    llama.cpp's 4-bit blocks by backend: CUDA (NVIDIA, AMD) a shift and two ANDs per 8 weights,
    Metal and the rest a mask and a convert per weight."""
    a100, m3 = mlsysim.Hardware.Cloud.A100, mlsysim.Hardware.get("M3Max")
    assert DEQUANT_OPS["int4"] == pytest.approx(15 / 8)
    assert dequant_ops(a100, "int4", ggml=True) == pytest.approx(3 / 8)
    assert dequant_ops(m3, "int4", ggml=True) == 2.0
    assert dequant_ops(a100, "int8", ggml=True) == DEQUANT_OPS["int8"]
    q4 = S.solve("Llama2_7B", a100, seq_len=8, batch_size=1, precision="fp16", weight_format="Q4_0", overhead="0 s")
    g32 = S.solve("Llama2_7B", a100, seq_len=8, batch_size=1, precision="int4", quant_group_size=32, overhead="0 s")
    per_weight = lambda r: r.dequant_time.to("s").magnitude * vector_rate(a100)  # noqa: E731
    assert per_weight(q4) / per_weight(g32) == pytest.approx((3 / 8) / (15 / 8), rel=1e-6)
