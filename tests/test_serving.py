"""Serving: KV cache, decode bound, TP sharding, feasibility (hand-worked)."""

import pytest

import mlsysim
from mlsysim import ConfigError, ServingModel

S = ServingModel()


def test_kv_cache_size_gqa():
    r = S.solve("Llama3_8B", "H100", seq_len=2048, batch_size=4)
    assert r.kv_cache_per_token.to("B").magnitude == 131072  # 2*32*8*128*2
    assert r.kv_cache_size.to("B").magnitude == 4 * 2048 * 131072


def test_decode_batch1_memory_bound_equals_weights_over_bandwidth():
    m, h = mlsysim.Models.Language.Llama2_7B, mlsysim.Hardware.Cloud.A100
    r = S.solve(m, h, seq_len=5, batch_size=1, memory_efficiency=1.0, overhead="0 s")
    assert r.decode_bottleneck == "Memory"
    bw = h.memory.bandwidth.to("B/s").magnitude
    # every weight matrix is read once per step; the input embedding is a gather of one row per
    # token, not a read of the V x h table (matmul_parameters excludes it)
    weights = m.matmul_parameters() * 2
    # weights dominate: KV of 5 tokens and activations are < 0.1%
    assert r.itl.to("s").magnitude == pytest.approx(weights / bw, rel=2e-3)


def test_large_batch_becomes_compute_bound():
    # short context: weights dominate the bytes, so FLOPs (2·P per token) overtake them with batch
    small = S.solve("Llama3_8B", "H100", seq_len=64, batch_size=1)
    big = S.solve("Llama3_8B", "H100", seq_len=64, batch_size=1024)
    assert small.decode_bottleneck == "Memory"
    assert big.decode_bottleneck == "Compute"
    assert big.throughput.magnitude > small.throughput.magnitude
    assert big.decode_mfu > small.decode_mfu


def test_tp_shards_weights_and_kv_and_adds_comm():
    one = S.solve("Llama3_70B", "H100", seq_len=1024, batch_size=8, tp_size=1)
    four = S.solve("Llama3_70B", "H100", seq_len=1024, batch_size=8, tp_size=4)
    assert four.weights_per_device.magnitude == pytest.approx(one.weights_per_device.magnitude / 4)
    assert four.kv_cache_per_device.magnitude == pytest.approx(one.kv_cache_per_device.magnitude / 4)
    assert four.decode_comm_time.magnitude > 0 and one.decode_comm_time.magnitude == 0
    assert not one.feasible and four.feasible


def test_gqa_kv_replicated_beyond_kv_heads_and_mla_on_every_rank():
    # Llama 3 70B has 8 KV heads: TP16 keeps one head per rank (replicated), not half a head
    r8 = S.solve("Llama3_70B", "H100", seq_len=1024, tp_size=8, link_bandwidth="450 GB/s")
    r16 = S.solve("Llama3_70B", "H100", seq_len=1024, tp_size=16, link_bandwidth="450 GB/s")
    assert r16.kv_cache_per_device.magnitude == pytest.approx(r8.kv_cache_per_device.magnitude)
    d1 = S.solve("DeepSeekV3", "H200", seq_len=1024, tp_size=1, precision="fp8")
    d8 = S.solve("DeepSeekV3", "H200", seq_len=1024, tp_size=8, precision="fp8")
    assert d8.kv_cache_per_device.magnitude == pytest.approx(d1.kv_cache_per_device.magnitude)


def test_long_context_decode_stays_memory_bound_from_kv():
    r = S.solve("Llama3_8B", "H100", seq_len=512, batch_size=1024)
    assert r.decode_bottleneck == "Memory"  # KV read 1024*512*131 kB = 69 GB per step


def test_max_batch_fits():
    r = S.solve("Llama3_8B", "H100", seq_len=4096, batch_size=1)
    b = r.max_batch_size
    assert b > 1
    assert S.solve("Llama3_8B", "H100", seq_len=4096, batch_size=b).feasible
    assert not S.solve("Llama3_8B", "H100", seq_len=4096, batch_size=b + 1).feasible


def test_ttft_includes_attention_flops():
    short = S.solve("Llama3_8B", "H100", seq_len=1024, efficiency=1.0)
    long = S.solve("Llama3_8B", "H100", seq_len=8192, efficiency=1.0)
    # more than linear growth: causal attention grows with s^2
    assert long.prefill_compute_time.magnitude > 8 * short.prefill_compute_time.magnitude


@pytest.mark.parametrize("kw,msg", [
    (dict(tp_size=3), "tp_size"),
    (dict(seq_len=0), "seq_len"),
    (dict(batch_size=-1), "batch_size"),
])
def test_bad_inputs(kw, msg):
    with pytest.raises(ConfigError, match=msg):
        S.solve("Llama3_8B", "H100", **kw)


def test_non_transformer_rejected():
    with pytest.raises(ConfigError, match="transformer"):
        S.solve("ResNet50", "H100")
