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


# ---- in-flight (continuous) batching -------------------------------------------------------------

from mlsysim.solvers.serving import inflight_schedule  # noqa: E402


def test_batching_is_static_by_default_and_checked():
    r = S.solve("Llama3_8B", "H100", seq_len=128, batch_size=8, output_len=64)
    assert r.batching == "static" and r.max_num_tokens == 8 * 128 and r.prefill_chunks == 1 and r.kv_cache_fraction == 1.0
    assert r.throughput.magnitude == pytest.approx(8 / r.itl.to("s").magnitude)
    with pytest.raises(ConfigError, match="batching"):
        S.solve("Llama3_8B", "H100", seq_len=128, batch_size=8, output_len=64, batching="dynamic")


def test_inflight_schedule_conserves_slots_and_tokens():
    # every slot is either decoding or holding a prompt being prefilled (Little's law)
    sch = inflight_schedule(300, 128, 2048, 8192)
    assert sch["n_p"] == 1
    assert sch["b_d"] + sch["lam"] * sch["n_p"] == pytest.approx(300)
    assert sch["P"] == pytest.approx(sch["lam"] * 128)
    assert sch["q"] * sch["L"] == pytest.approx(sch["P"])  # prompt loads carry the mean prompt tokens
    long = inflight_schedule(40, 20000, 2000, 8192)  # a 20k prompt needs 3 chunks of the budget
    assert long["n_p"] == 3 and long["chunk"] <= 8192 - long["b_d"] + 1e-9
    # the token budget caps admissions: lambda <= N / (s + o - 1)
    capped = inflight_schedule(4096, 2048, 128, 2048)
    assert capped["lam"] == pytest.approx(2048 / (2048 + 127))


def test_inflight_max_batch_is_the_kv_pool_over_the_whole_request():
    # TensorRT-LLM: KV pool = 0.9 x (memory - weights - activations of one max_num_tokens iteration);
    # a request is admitted with the KV of its prompt and all its output (GUARANTEED_NO_EVICT)
    r = S.solve("Llama3_8B", "H100", seq_len=1000, output_len=1000, batch_size=1, precision="fp8", batching="inflight")
    cap, w = r.memory_capacity.to("B").magnitude, r.weights_per_device.to("B").magnitude
    act = r.activation_per_device.to("B").magnitude
    kv_tok = 32 * 2 * 8 * 128 * 1  # fp8 KV, 8 KV heads
    assert r.max_num_tokens == 8192 and r.kv_cache_fraction == 0.9
    assert r.max_batch_size == int(0.9 * (cap - w - act) // (2000 * kv_tok))
    half = S.solve("Llama3_8B", "H100", seq_len=1000, output_len=1000, batch_size=1, precision="fp8",
                   batching="inflight", kv_cache_fraction=0.45)
    assert half.max_batch_size == pytest.approx(r.max_batch_size / 2, abs=1)
    assert not S.solve("Llama3_8B", "H100", seq_len=1000, output_len=1000, batch_size=r.max_batch_size + 1,
                       precision="fp8", batching="inflight").feasible


def test_inflight_batch1_is_close_to_static():
    # one slot: nothing to overlap the prompt with, so the run is prefill then decode, as static
    kw = dict(seq_len=512, output_len=256, batch_size=1, precision="fp8")
    st = S.solve("Llama3_8B", "H100", **kw)
    fl = S.solve("Llama3_8B", "H100", batching="inflight", **kw)
    static_tps = 256 / (st.ttft.to("s").magnitude + 256 * st.itl.to("s").magnitude)
    assert fl.throughput.to("token/s").magnitude == pytest.approx(static_tps, rel=0.03)


def test_inflight_prompt_shares_the_weight_reads_of_the_decode_step():
    # an iteration carrying a whole prompt and the decode tokens of the other sequences reads the
    # weights once: cheaper than a separate prefill pass plus a separate decode step
    kw = dict(seq_len=2000, output_len=2000, precision="fp8")
    fl = S.solve("Llama3_8B", "H100", batch_size=64, batching="inflight", **kw)
    assert fl.prefill_chunks == 1 and fl.batching == "inflight"
    alone = S.solve("Llama3_8B", "H100", batch_size=1, **kw).ttft.to("s").magnitude
    decode = S.solve("Llama3_8B", "H100", batch_size=64, **kw).itl.to("s").magnitude
    assert fl.ttft.to("s").magnitude < alone + decode
    assert any("in-flight" in a for a in fl.assumptions)


def test_attention_kernel_rule_hopper_runtimes_only():
    from mlsysim.solvers.serving import attention_kernel_for
    from mlsysim.solvers._inputs import as_hardware

    h100, a100 = as_hardware("H100"), as_hardware("A100")
    assert attention_kernel_for(h100, "TensorRT-LLM") == "flash3"
    assert attention_kernel_for(h100, "trtllm-bench") == "flash3"
    assert attention_kernel_for(h100, "vLLM 0.8") == "flash3"
    assert attention_kernel_for(h100, "SGLang") == "flash3"
    assert attention_kernel_for(h100, None) == "flash2"            # no runtime stated: FlashAttention-2
    assert attention_kernel_for(h100, "gpt-fast") == "flash2"
    assert attention_kernel_for(a100, "TensorRT-LLM") == "flash2"  # not a Hopper GPU
    assert attention_kernel_for(a100, None, "flash3") == "flash3"  # stated explicitly
    with pytest.raises(ConfigError):
        attention_kernel_for(h100, None, "flash4")


def test_hopper_attention_speeds_up_prompt_attention_only():
    kw = dict(seq_len=8192, batch_size=1, precision="fp8", output_len=64)
    fa2 = S.solve("Llama3_8B", "H100", runtime="TensorRT-LLM", attention_kernel="flash2", **kw)
    fa3 = S.solve("Llama3_8B", "H100", runtime="TensorRT-LLM", **kw)
    assert (fa2.attention_kernel, fa3.attention_kernel) == ("flash2", "flash3")
    assert fa3.ttft < fa2.ttft                                     # long prompt: attention FLOPs matter
    assert fa3.itl == fa2.itl                                      # decode attention keeps its own kernel
    assert any("Hopper-native" in a and "flash_attention3" in a for a in fa3.assumptions)
    # a stated efficiency overrides every default, the kernel included
    e2, e3 = (S.solve("Llama3_8B", "H100", efficiency=0.5, runtime="TensorRT-LLM", attention_kernel=k, **kw)
              for k in ("flash2", "auto"))
    assert e2.ttft == e3.ttft


# ---- CUDA-graph batch padding (TensorRT-LLM PyTorch backend, cuda_graph_config enable_padding) -----

from mlsysim.solvers.serving import (TRTLLM_BENCH_CUDA_GRAPH_BATCH_SIZES, cuda_graph_capture_sizes,  # noqa: E402
                                     cuda_graph_padded_batch)


def test_cuda_graph_next_captured_size_is_used():
    sizes = (1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512)
    assert cuda_graph_padded_batch(371.8, sizes) == 384     # the smallest captured size >= n
    assert cuda_graph_padded_batch(384, sizes) == 384       # an exact size: no dummies
    assert cuda_graph_padded_batch(3, sizes) == 4
    assert cuda_graph_padded_batch(600, sizes) == 600       # beyond the largest: eager, unpadded
    assert cuda_graph_padded_batch(371.8, None) == 371.8    # no list: no padding
    # the engine keeps the sizes up to min(max batch, max_num_tokens) and pads to that bound beyond
    # (_filter_cuda_graph_batch_sizes, model_engine.py)
    assert cuda_graph_capture_sizes(TRTLLM_BENCH_CUDA_GRAPH_BATCH_SIZES, 512, 2048)[-3:] == (256, 384, 512)
    assert cuda_graph_capture_sizes(TRTLLM_BENCH_CUDA_GRAPH_BATCH_SIZES, 1280, 21504)[-2:] == (1024, 1280)
    assert cuda_graph_capture_sizes(TRTLLM_BENCH_CUDA_GRAPH_BATCH_SIZES, 4096, 300)[-2:] == (256, 300)
    r = S.solve("Llama3_8B", "H100", seq_len=128, output_len=2048, batch_size=300, precision="fp8",
                batching="inflight", max_num_tokens=2048, cuda_graph_batch_sizes=sizes)
    assert r.cuda_graph_batch == 384
    assert any("CUDA-graph padding" in a and "384 rows" in a for a in r.assumptions)


def test_cuda_graph_padding_raises_compute_of_decode_only_iterations_only():
    sizes = TRTLLM_BENCH_CUDA_GRAPH_BATCH_SIZES
    kw = dict(seq_len=128, output_len=2048, precision="fp8", batching="inflight", max_num_tokens=2048)
    # ~300 sequences decode per iteration, most iterations are decode-only: padded to 384 rows
    plain = S.solve("Llama3_8B", "H100", batch_size=300, **kw)
    padded = S.solve("Llama3_8B", "H100", batch_size=300, cuda_graph_batch_sizes=sizes, **kw)
    assert padded.decode_compute_time > plain.decode_compute_time
    # the weight stream is unchanged: only the padded rows' activations add bytes
    assert padded.decode_memory_time.magnitude == pytest.approx(plain.decode_memory_time.magnitude, rel=0.05)
    assert padded.throughput < plain.throughput
    assert padded.ttft == plain.ttft                    # the prompt's iterations run eagerly, unpadded
    # every iteration carries prompt tokens (128/128 at a large batch): nothing is padded
    kw2 = dict(seq_len=128, output_len=128, precision="fp8", batching="inflight", max_num_tokens=8192)
    a = S.solve("Llama3_8B", "H100", batch_size=3000, **kw2)
    b = S.solve("Llama3_8B", "H100", batch_size=3000, cuda_graph_batch_sizes=sizes, **kw2)
    assert a.throughput.magnitude == pytest.approx(b.throughput.magnitude)
    # static batching: the decode step is generation-only (padded), the prefill is not
    st = dict(seq_len=512, output_len=64, batch_size=300, precision="fp8")
    s0, s1 = S.solve("Llama3_8B", "H100", **st), S.solve("Llama3_8B", "H100", cuda_graph_batch_sizes=sizes, **st)
    assert s1.ttft == s0.ttft and s1.itl > s0.itl and s1.cuda_graph_batch == 384


def test_no_cuda_graph_padding_without_the_list():
    kw = dict(seq_len=128, output_len=2048, batch_size=300, precision="fp8", batching="inflight", max_num_tokens=2048)
    r = S.solve("Llama3_8B", "H100", **kw)
    assert r.cuda_graph_batch == pytest.approx(300 * 2047 / 2048) and not any("CUDA-graph" in a for a in r.assumptions)
    # a list holding the decode batch itself pads nothing
    st = dict(seq_len=512, output_len=64, batch_size=256, precision="fp8")
    assert S.solve("Llama3_8B", "H100", cuda_graph_batch_sizes=(128, 256), **st).itl == S.solve("Llama3_8B", "H100", **st).itl
    with pytest.raises(ConfigError, match="cuda_graph_batch_sizes"):
        S.solve("Llama3_8B", "H100", cuda_graph_batch_sizes=(0, 8), **st)


def test_output_head_runs_on_sampled_rows_only():
    """A prefill samples one token per prompt: the V x h head runs on b rows, not b·s (TensorRT-LLM
    logits_processor.py, vLLM). Against pricing the head for every prompt token, the 8B prompt's
    GEMM FLOPs fall by the head's share, 2·V·h / (2·P_matmul) ~ 7% for Llama 3 8B."""
    from mlsysim.solvers._terms import model_terms
    from mlsysim.registry import Models

    m = Models.get("Llama3_8B")
    t = model_terms(m)
    share = t["V"] * t["h"] / t["P_matmul"]
    assert 0.05 < share < 0.09
    r = S.solve("Llama3_8B", "H100", batch_size=8, seq_len=4096, output_len=1, precision="bf16", efficiency=0.5)
    # compute-bound prefill at a stated efficiency: GEMMs (without the head for 4095 of 4096 rows) + attention
    from mlsysim.solvers._inputs import as_hardware
    from mlsysim.solvers._terms import peak_rate

    peak, _ = peak_rate(as_hardware("H100"), "bf16")
    rows = 8 * 4096
    gemm = (2.0 * (t["P_matmul"] - t["V"] * t["h"]) * rows + 2.0 * t["V"] * t["h"] * 8) / (peak * 0.5)
    assert r.prefill_compute_time.to("s").magnitude == pytest.approx(
        gemm + t["attn_coeff"] * (4096 + 1) / 2 * rows / (peak * 0.5), rel=1e-6)


def test_tensorrt_llm_fp8_quantize_kernels_cost_element_wise_time():
    """TensorRT-LLM quantizes FP8 GEMM inputs in kernels of their own (3 B per element of the QKV,
    gate/up and down inputs) and fuses residual adds into its norms; bf16 serving has only the fusion."""
    kw = dict(batch_size=256, seq_len=1024, output_len=128)
    fp8 = [S.solve("Llama3_8B", "H100", precision="fp8", attention_kernel="flash2", runtime=rt, **kw)
           for rt in (None, "TensorRT-LLM")]
    bf16 = [S.solve("Llama3_8B", "H100", precision="bf16", attention_kernel="flash2", runtime=rt, **kw)
            for rt in (None, "TensorRT-LLM")]
    assert fp8[1].itl > fp8[0].itl          # quantize kernels outweigh the fused residual adds
    assert bf16[1].itl < bf16[0].itl        # only the fusion
    assert any("quantized in kernels of their own" in a for a in fp8[1].assumptions)
