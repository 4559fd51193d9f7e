"""CompressionModel: quantization and pruning as bytes, FLOPs and time; accuracy from published rows."""

from pathlib import Path

import pytest

from mlsysim import ConfigError, Hardware, Models
from mlsysim.solvers.compression import (CompressionModel, accuracy_rows, sparse_byte_factor, sparsity_2_4,
                                         weight_bytes_per_parameter)

ROOT = Path(__file__).resolve().parents[1]
C = CompressionModel()


def test_weight_bytes_hand_worked():
    """int4 g128: (4 + 32/128)/8 = 0.53125 bytes per matmul weight; embeddings stay 16-bit."""
    assert weight_bytes_per_parameter(4, 128) == pytest.approx(0.53125)
    m = Models.Llama2_70B
    r = C.solve(m, "A100", weight_precision="int4", group_size=128, seq_len=512)
    mm = m.matmul_parameters()
    emb = m.total_parameters - mm
    assert r.weight_bytes.m_as("B") == pytest.approx(mm * 0.53125 + emb * 2)
    assert r.weight_bytes_base.m_as("B") == pytest.approx(m.total_parameters * 2)
    assert not r.fits_base and r.fits  # 138 GB does not fit in 80 GB, 37 GB does
    # batch-1 decode is memory-bound: speedup = bytes before / bytes after
    kv = 512 * r.kv_bytes_per_token.m_as("B")
    wb, wn = r.weight_bytes_base.m_as("B"), r.weight_bytes.m_as("B")
    assert r.decode_bottleneck == "Memory"
    assert r.decode_speedup == pytest.approx((wb + kv) / (wn + kv), rel=0.02)


def test_w8a8_doubles_compute_bound_rate_on_h100():
    """ResNet-50 at batch 256 is compute-bound; int8 math runs at 1978.9 vs 989.4 TOP/s on H100."""
    r = C.solve("ResNet50", "H100", weight_precision="int8", activation_precision="int8", batch_size=256,
                efficiency=0.8, memory_efficiency=0.9)
    assert r.decode_time is None and r.math_precision == "int8"
    assert r.prefill_speedup == pytest.approx(1978.9 / 989.4, rel=1e-3)
    methods = {row["method"] for row in r.accuracy}
    assert methods == {"LLM.int8()", "SmoothQuant"}
    lo, hi = r.accuracy_delta_range
    assert lo == pytest.approx(-0.06) and hi == pytest.approx(0.18)  # LLM.int8() Table 1, 6.7B and 125M


def test_2_4_sparsity_only_on_hardware_that_has_it():
    on = C.solve("Llama3_8B", "H100", weight_precision="bf16", sparsity="2:4", batch_size=64, seq_len=2048,
                 efficiency=0.8, memory_efficiency=0.9)
    off = C.solve("Llama3_8B", "TPUv5e", weight_precision="bf16", sparsity="2:4", batch_size=64, seq_len=2048)
    assert on.sparsity_supported and not off.sparsity_supported
    assert off.prefill_speedup == pytest.approx(1.0) and off.decode_speedup == pytest.approx(1.0)
    # compute-bound prefill: matmuls 1.6x faster (Wanda, measured), attention unchanged
    assert 1.4 < on.prefill_speedup <= 1.6
    # bytes: half the values + 2 bits of index each = 0.5625 of dense at 16 bits
    assert sparse_byte_factor("2:4", 0.5, 16) == pytest.approx(0.5625)
    assert on.accuracy and {r["method"] for r in on.accuracy} == {"SparseGPT", "Wanda"}


def test_sparsity_capability_rule_and_table():
    assert sparsity_2_4(Hardware.A100)[0] and not sparsity_2_4(Hardware.V100)[0]
    assert sparsity_2_4(Hardware.MI300X)[0] and not sparsity_2_4(Hardware.T4)[0]
    user = Hardware.H100.copy(id="MyAmpere", name="my GPU", vendor="NVIDIA", year=2021)
    ok, why = sparsity_2_4(user)
    assert ok and "rule" in why
    assert not sparsity_2_4(Hardware.H100.copy(id="X", name="x", vendor="Acme", year=2024))[0]


def test_structured_pruning_scales_bytes_and_flops_everywhere():
    r = C.solve("Llama3_8B", "TPUv5e", weight_precision="bf16", sparsity="structured", sparsity_fraction=0.25,
                seq_len=1024)
    assert r.flops.m_as("FLOP") / r.flops_base.m_as("FLOP") < 0.8
    assert r.accuracy and r.accuracy[0]["method"] == "SliceGPT"


def test_accuracy_rows_are_published_numbers():
    rows = accuracy_rows(weight_bits=4)
    awq = [r for r in rows if r["method"] == "AWQ" and r["model"] == "Llama-2-7B"]
    assert awq and awq[0]["baseline"] == 5.47 and awq[0]["compressed"] == 5.60
    gptq175 = [r for r in rows if r["model"] == "OPT-175B"][0]
    assert gptq175["delta"] == pytest.approx(0.03)
    assert accuracy_rows(pattern="unstructured", fraction=0.5)
    for r in rows:
        assert r["citation"] and r["source"]


def test_errors_name_the_field():
    with pytest.raises(ConfigError, match="sparsity"):
        C.solve("Llama3_8B", "H100", sparsity="block")
    with pytest.raises(ConfigError, match="sparse_speedup"):
        C.solve("Llama3_8B", "H100", sparsity="2:4", sparse_speedup=3.0)


def test_validation_gptq_opt175b_speedup():
    """GPTQ (ICLR 2023) Table 6: OPT-175B 3-bit on one A100 80GB is 3.24x faster per token than FP16.

    The model's memory-bound ratio (bytes before / after) is an upper bound on the speedup: the
    3-bit dequantizing kernel reaches less of the bandwidth than the FP16 path."""
    from mlsysim.validation.cases import load_case
    from mlsysim.validation.adapters._common import model_of

    case = load_case(ROOT / "mlsysim/data/validation/compression/gptq_opt175b_3bit_a100_decode_speedup.toml")
    m = model_of(case)
    assert 170e9 < m.total_parameters < 180e9
    # 3-bit: no 3-bit storage format in the engine; price it as 3/8 bytes per weight through int4 with
    # the ratio of bits (the compressed weights are what the memory-bound step reads)
    r4 = C.solve(m, "A100", weight_precision="int4", base_precision="fp16", seq_len=128)
    mm = m.matmul_parameters()
    w3 = mm * 3 / 8 + (m.total_parameters - mm) * 2
    kv = 128 * r4.kv_bytes_per_token.m_as("B")
    predicted = (r4.weight_bytes_base.m_as("B") + kv) / (w3 + kv)
    assert predicted >= case.value  # the byte ratio bounds the speedup from above
    assert predicted / case.value < 2.0  # ... and misses by less than 2x (reported in the accuracy table)
