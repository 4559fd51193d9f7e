"""LLM serving on one node: prefill (TTFT), decode (ITL), KV cache, memory fit, tensor parallelism.

Prefill of s tokens is a forward pass over b·s tokens (causal attention: mean context (s+1)/2);
a decode step at context c is one token for each of b sequences. Each pass is a sequence of
kernels, so its time is the sum over operator classes of each class's roofline:

    T = max(F_mm/(peak·η), W/(β·η_mem) + T_dequant)      matmuls (weights, or FLOPs at large batch)
      + max(F_attn/(peak16·η_attn), KV/(β·η_mem))        attention (KV traffic, or FLOPs at long context)
      + A/(β·η_mem)                                      norms, activations, residuals (memory-bound)
      + T_comm + n_kernels·t_kernel                      TP all-reduces; kernel boundaries

W counts the weights a pass reads (the input embedding is a row gather; MoE layers read only the
experts some token is routed to). Weight-only int8/int4 weights are expanded to 16-bit on the
vector units by the warps that stream them (T_dequant, serial with the stream), with their
group scales in W. A board power cap lowers the compute clock (P − P_idle ∝ f³), not HBM
bandwidth. With tensor parallelism over t devices (Megatron, Shoeybi et al. 2019) each device
holds 1/t of the weights and KV heads (GQA heads replicated once t > n_kv; the MLA latent on
every rank) and every layer adds two all-reduces of the activations, priced on the intra-node
link as a ring or, for small messages, a one-shot all-reduce at its measured latency.

Two batching disciplines (``batching=``):

- ``"static"`` (default): the batch is prefilled at once (TTFT), then decoded in lockstep; ITL
  is one decode step at the mean context. These are the per-phase times that the queueing,
  reasoning and placement solvers build their own scheduling on.
- ``"inflight"``: a saturated server's steady state under in-flight (continuous) batching with
  chunked prefill (Orca, Yu et al., OSDI 2022; Sarathi-Serve, Agrawal et al., OSDI 2024; the
  TensorRT-LLM and vLLM schedulers). ``batch_size`` slots are always occupied; a finished
  sequence is replaced at once and the new prompt is prefilled in chunks of at most
  ``max_num_tokens − (decode tokens)`` tokens inside the same iterations as the decode tokens of
  the other sequences, so the prompt's GEMMs share the weight reads of the decode step. A
  request holds its slot for n_p = ⌈s/chunk⌉ prefill iterations and o − 1 decode iterations, so
  (Little's law) each iteration decodes B_d = B·(o−1)/(n_p+o−1) sequences and admits
  λ = B/(n_p+o−1) requests (at most max_num_tokens/(s+o−1), the token budget), i.e. P = λ·s
  prompt tokens per iteration. Prompt tokens arrive in loads of L = min(budget, max(P, chunk))
  tokens on a fraction q = P/L of the iterations, so the mean iteration is
  T̄ = (1−q)·T(B_d, 0) + q·T(B_d, L) and output tokens/s = λ·o/T̄. The KV pool is what the
  runtime allocates: a fraction (TensorRT-LLM ``free_gpu_memory_fraction``, default 0.9) of the
  memory left after the weights and the activations of one ``max_num_tokens`` iteration, and a
  request is admitted only when its whole KV (s + o tokens) fits (TensorRT-LLM's default
  ``GUARANTEED_NO_EVICT`` capacity policy), so ``max_batch_size`` = ⌊pool / ((s+o)·KV/token)⌋.

CUDA-graph batch padding (``cuda_graph_batch_sizes=``, default None: none). TensorRT-LLM's PyTorch
backend replays a captured CUDA graph only for a generation-only iteration (``ScheduledRequests.
can_run_cuda_graph`` is "no context requests", tensorrt_llm/_torch/pyexecutor/scheduler.py; a
prefill batch "falls back to eager mode", cuda_graph_runner.py); with ``enable_padding`` a
generation-only batch of n sequences is padded with dummy generation requests to the smallest
captured size ≥ n (``CUDAGraphRunner._get_padded_batch`` / ``_round_up_batch_size``), and runs
eagerly unpadded beyond the largest. The captured sizes are the configured list cut at
min(max_batch_size, max_num_tokens), plus that bound itself when a larger size was listed
(``_filter_cuda_graph_batch_sizes``, model_engine.py): ``cuda_graph_capture_sizes``. A padded pass
runs its GEMMs, elementwise kernels and all-reduces on n_pad = pad(n) rows (the weight stream is
unchanged); the dummies add no attention work (one dummy request, a one-token KV). In flight, the
decode-only iterations (the fraction 1 − q) decode pad(B_d) rows; iterations that carry prompt
tokens are never padded. Static batching pads its (generation-only) decode step.
"""
from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..core.precision import normalize_precision
from ..core.result import Result, field, qfield
from . import _defaults
from ._inputs import as_hardware, as_model, check_positive_int, efficiencies, opt_quantity
from ._inputs import check_power_cap
from ._range import range_notes
from ._terms import (DEQUANT_OPS, GROUP_METADATA_BYTES, activation_bytes_by_kernel, bpe, dense_gemm_shapes,
                     dequant_ops, forward_flops, gemm_size_factor, hw_terms,
                     model_terms, peak_rate, power_cap_clock, vector_rate, weight_read_params)
from .collectives import ring_allreduce

__all__ = ["ServingModel", "ServingResult", "inflight_schedule", "trtllm_bench_settings", "trtllm_bench_inputs",
           "attention_kernel_for",
           "cuda_graph_capture_sizes", "cuda_graph_padded_batch", "TRTLLM_BENCH_CUDA_GRAPH_BATCH_SIZES"]

#: runtimes whose context-phase (prompt) attention on a Hopper GPU (sm_90) is a Hopper-native fused
#: kernel (warp-specialised, TMA loads, asynchronous WGMMA: the FlashAttention-3 class): TensorRT-LLM's
#: fmha_v2 ``*_tma_ws_sm90`` context kernels (cpp/kernels/fmha_v2, src/fmha/warpspec), vLLM's
#: vllm-flash-attn (FlashAttention-3 on Hopper) and SGLang's FlashAttention-3 backend. Matched on the
#: runtime's name, lower case, punctuation removed.
HOPPER_ATTENTION_RUNTIMES = ("tensorrtllm", "trtllm", "vllm", "sglang")
ATTENTION_KERNELS = ("auto", "flash2", "flash3")

#: runtimes whose FP8 linear layers quantize their 16-bit inputs in kernels of their own, and whose
#: residual adds are fused into the next RMSNorm. TensorRT-LLM's PyTorch backend (trtllm-bench's default
#: from v0.20, 2025), per-tensor FP8 checkpoint at TP1: ``FP8QDQLinearMethod.apply``
#: (tensorrt_llm/_torch/modules/linear.py) calls ``static_quantize_e4m3_per_tensor`` whenever its
#: input is not already FP8; the RMSNorm (``flashinfer_fused_add_rmsnorm``, modules/rms_norm.py) and
#: the SwiGLU (``flashinfer_silu_and_mul``, modules/gated_mlp.py, before pull request 6540 of August
#: 2025) write bf16, so the inputs of QKV, gate/up and down are quantized separately; the attention
#: kernel writes FP8 for the output projection itself (modules/attention.py ``out_scale``). Applied at
#: every TP size: the all-reduce + norm + FP8-quant fusion of TP > 1 is disabled in some versions
#: ("TODO: re-enable these fusions") and gated on hidden size > 4096 in later ones, and which one ran
#: is not stated by the measurements.
FP8_SEPARATE_QUANT_RUNTIMES = ("tensorrtllm", "trtllm")
#: bytes per element of a standalone per-tensor FP8 quantize: read 2 (bf16), write 1
FP8_QUANT_BYTES = 3.0


def _is_hopper(hw) -> bool:
    """A Hopper-generation (sm_90) GPU, from its registry name or description."""
    import re

    text = f"{getattr(hw, 'id', '') or ''} {getattr(hw, 'name', '') or ''} {getattr(hw, 'description', '') or ''}".lower()
    return "hopper" in text or bool(re.search(r"\b(gh200|h100|h200|h800|h20)\b", text))


def attention_kernel_for(hw, runtime: str | None, kernel: str = "auto") -> str:
    """The fused-attention kernel class that prices the prompt (context-phase) attention.

    ``"flash3"``: a Hopper-native kernel (FlashAttention-3, Shah et al. 2024, arXiv 2407.08608:
    1.5-2.0x FlashAttention-2 on H100); ``"flash2"``: FlashAttention-2 (Dao 2023), which runs on
    every GPU since Ampere. ``"auto"`` chooses ``"flash3"`` only for a runtime of
    ``HOPPER_ATTENTION_RUNTIMES`` on a Hopper GPU, and ``"flash2"`` otherwise (no runtime stated,
    another runtime, or another GPU)."""
    if kernel not in ATTENTION_KERNELS:
        raise ConfigError(f"attention_kernel: expected one of {', '.join(ATTENTION_KERNELS)}, got {kernel!r}")
    if kernel != "auto":
        return kernel
    key = _runtime_key(runtime)
    return "flash3" if key and any(k in key for k in HOPPER_ATTENTION_RUNTIMES) and _is_hopper(hw) else "flash2"


def _runtime_key(runtime: str | None) -> str:
    return "".join(ch for ch in str(runtime or "").lower() if ch.isalnum())


def separate_fp8_quant(runtime: str | None) -> bool:
    """Whether ``runtime`` quantizes FP8 GEMM inputs in kernels of their own and fuses residual adds
    into its norms (``FP8_SEPARATE_QUANT_RUNTIMES``)."""
    key = _runtime_key(runtime)
    return bool(key) and any(k in key for k in FP8_SEPARATE_QUANT_RUNTIMES)


class ServingResult(Result):
    """Result of ``ServingModel.solve``: TTFT, ITL, KV cache, memory fit and throughput."""

    model = field("workload name")
    hardware = field("device name")
    precision = field("weight precision")
    kv_precision = field("KV-cache precision")
    batch_size = field("concurrent sequences")
    seq_len = field("prompt tokens per sequence")
    output_len = field("generated tokens per sequence (None: one step at the prompt's context)")
    tp_size = field("tensor-parallel devices")
    ttft = qfield("time to first token: the prefill of the batch", "s", "ms")
    itl = qfield("inter-token latency: one decode step at the mean decode context", "s", "ms")
    e2e_latency = qfield("TTFT + output_len · ITL", "s", "ms")
    throughput = qfield("generated tokens per second (batch / ITL)", "token/s")
    prefill_compute_time = qfield("prefill FLOPs / (peak·η) per device, summed over operator classes", "s", "ms")
    prefill_memory_time = qfield("prefill bytes / (β·η_mem) per device, summed over operator classes", "s", "ms")
    prefill_comm_time = qfield("tensor-parallel all-reduces during prefill", "s", "ms")
    prefill_bottleneck = field("'Compute' or 'Memory' for prefill")
    decode_compute_time = qfield("decode FLOPs / (peak·η) per device, summed over operator classes", "s", "ms")
    decode_memory_time = qfield("(weights + KV + activations) / (β·η_mem) + dequantization per device", "s", "ms")
    decode_comm_time = qfield("tensor-parallel all-reduces per decode step", "s", "ms")
    decode_bottleneck = field("'Compute' or 'Memory' for a decode step")
    dequant_time = qfield("weight-only quantization: vector work to expand the weights read by a decode step", "s", "ms")
    overhead_time = qfield("fixed time per forward pass: kernels × launch cost", "s", "ms")
    clock_factor = field("compute clock under the power cap, as a fraction of the uncapped clock (1 without a cap)")
    bottleneck = field("the decode bottleneck (what sets ITL and throughput)")
    kv_cache_size = qfield("KV cache of the whole batch at full context (all devices)", "B", "GB")
    kv_cache_per_token = qfield("KV bytes per token (all layers)", "B", "kB")
    weights_per_device = qfield("weight bytes held by each device", "B", "GB")
    kv_cache_per_device = qfield("KV bytes held by each device", "B", "GB")
    activation_per_device = qfield("peak transient activation bytes per device (prefill)", "B", "GB")
    memory_per_device = qfield("weights + KV + activations per device", "B", "GB")
    memory_capacity = qfield("device memory capacity", "B", "GB")
    feasible = field("everything fits in device memory")
    max_batch_size = field("largest batch whose KV cache fits beside the weights (0 if the weights do not fit)")
    decode_mfu = field("model FLOPs utilisation of a decode step")
    prefill_mfu = field("model FLOPs utilisation of prefill")
    compute_efficiency = field("η used")
    memory_efficiency = field("η_mem used")
    batching = field("'static' (prefill the batch, then decode in lockstep) or 'inflight' (continuous batching, chunked prefill)")
    max_num_tokens = field("tokens of the largest forward pass: in flight the iteration budget, static batch·seq_len")
    prefill_chunks = field("passes over which one prompt is prefilled (static: 1, the whole batch at once)")
    kv_cache_fraction = field("fraction of the memory beside the weights (in flight: and activations) the KV may use (static: 1)")
    attention_kernel = field("fused kernel class that prices the prompt attention: 'flash2' (FlashAttention-2) or 'flash3' (Hopper-native)")
    cuda_graph_batch = field("rows a generation-only (decode) pass computes: the captured CUDA-graph size its batch is padded to, or the batch itself without padding")
    assumptions = field("modelling choices and default sources")


def _kv_per_token_per_device(model, t: dict, tp: int, kv_b: float) -> float:
    """KV bytes per token on one device: GQA heads split across ranks while n_kv ≥ t, replicated
    beyond; the MLA latent is replicated on every rank.

    See the math page: [site/math.qmd#max-batch](../site/math.qmd#max-batch).
    """
    if getattr(model, "is_mla", False):
        return t["kv_elems"] * kv_b
    n_kv = model.n_kv
    heads_per_rank = n_kv / tp if n_kv >= tp else 1.0
    return t["kv_elems"] / n_kv * heads_per_rank * kv_b


#: TensorRT-LLM's default token budget of one iteration (``BuildConfig.max_num_tokens`` = 8192;
#: https://github.com/NVIDIA/TensorRT-LLM/blob/main/tensorrt_llm/builder.py, LLM API reference).
INFLIGHT_MAX_NUM_TOKENS = 8192
#: TensorRT-LLM's default share of the free GPU memory given to the KV cache
#: (``KvCacheConfig.free_gpu_memory_fraction`` = 0.9: "The default for free_gpu_memory_fraction is
#: 0.9, which means TensorRT LLM will try to allocate 90% of free GPU memory for KV cache",
#: https://nvidia.github.io/TensorRT-LLM/examples/kvcacheconfig.html).
INFLIGHT_KV_FRACTION = 0.9
_BATCHING = ("static", "inflight")

#: the CUDA-graph batch sizes of every dense-model trtllm-bench run of TensorRT-LLM's performance
#: overview (``llm_options.yml``: ``cuda_graph_config: enable_padding: true, batch_sizes: [1, 2, 4,
#: 8, 16, 32, 64, 128, 256, 384, 512, 1024, 2048, 4096, 8192]``, section "Running the Benchmark" of
#: https://github.com/NVIDIA/TensorRT-LLM/blob/main/docs/source/performance/perf-overview.md)
TRTLLM_BENCH_CUDA_GRAPH_BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512, 1024, 2048, 4096, 8192)


def cuda_graph_capture_sizes(batch_sizes, max_batch_size: int, max_num_tokens: int) -> tuple[int, ...]:
    """The CUDA-graph batch sizes a TensorRT-LLM PyTorch engine captures with padding enabled: the
    configured sizes up to min(max_batch_size, max_num_tokens) (the largest pure-decode batch),
    then that bound itself if a larger size was configured ("if the user is OK padding to a batch
    size B, they should also be OK with padding to some size B' < B";
    ``_filter_cuda_graph_batch_sizes``, tensorrt_llm/_torch/pyexecutor/model_engine.py)."""
    bound = min(int(max_batch_size), int(max_num_tokens))
    out: list[int] = []
    for bs in sorted(int(x) for x in batch_sizes):
        if bs <= bound:
            out.append(bs)
        else:
            if not out or out[-1] != bound:
                out.append(bound)
            break
    return tuple(out)


def cuda_graph_padded_batch(n: float, sizes) -> float:
    """Rows a generation-only pass of ``n`` sequences computes under CUDA-graph padding: the smallest
    captured size ≥ n (a fractional mean n is rounded up first), or n itself when n exceeds every
    captured size (the batch runs eagerly, unpadded) or no sizes are given
    (``CUDAGraphRunner._round_up_batch_size``, tensorrt_llm/_torch/pyexecutor/cuda_graph_runner.py)."""
    if not sizes or n <= 0:
        return n
    need = math.ceil(n - 1e-9)
    fits = [int(x) for x in sizes if int(x) >= need]
    return float(min(fits)) if fits else n


def inflight_schedule(slots: float, seq_len: int, output_len: int, max_num_tokens: int) -> dict:
    """Steady state of in-flight batching with chunked prefill (Orca, Yu et al. OSDI 2022;
    Sarathi-Serve, Agrawal et al. OSDI 2024) for ``slots`` always-occupied sequence slots.

    A request holds its slot for n_p = ⌈s/chunk⌉ prefill iterations and o − 1 decode iterations
    (the last prefill chunk emits the first token), chunk = min(s, N − B_d) with N the token
    budget. By Little's law each iteration admits λ = B/(n_p + o − 1) requests, capped by the
    budget at N/(s + o − 1), decodes B_d = λ·(o − 1) sequences and prefills P = λ·s prompt
    tokens, in loads of L = min(N − B_d, max(P, chunk)) tokens on a fraction q = P/L of the
    iterations. Returns n_p, λ, B_d, P, L, q and the chunk size.
    """
    s, o, n = float(seq_len), float(output_len), float(max_num_tokens)
    b_d = slots * (o - 1.0) / o  # first guess (one prefill iteration), refined below
    n_p = 1
    for _ in range(4):  # the chunk depends on B_d and B_d on the number of chunks: a fixed point
        chunk = max(1.0, min(s, n - b_d))
        n_p = max(1, math.ceil(s / chunk - 1e-9))
        lam = min(slots / (n_p + o - 1.0), n / (s + o - 1.0))
        b_d = lam * (o - 1.0)
    chunk = max(1.0, min(s, n - b_d))
    p = lam * s
    load = max(1.0, min(max(n - b_d, 1.0), max(p, chunk)))
    q = min(1.0, p / load)
    return {"n_p": n_p, "lam": lam, "b_d": b_d, "P": p, "L": load, "q": q, "chunk": chunk}


def trtllm_bench_settings(probe, seq_len: int, output_len: int) -> tuple[int, int]:
    """(max_batch_size, max_num_tokens) as trtllm-bench picks them for a dataset of uniform
    ISL/OSL (tensorrt_llm/bench/build/tuning.py, ``calc_engine_setting`` and
    ``finetune_setting``): requests = 0.95 x (device memory - weights) / (KV per token x (ISL+OSL)),
    at most 4,096; max batch rounded up (to 32 below 256, at least 64; to 128 below 1,024; else
    256); max_num_tokens = requests x (1 + ISL/OSL), at most 32,768, rounded up (to 256 below
    4,096, at least 2,048; to 512 below 8,192; else 1,024). ``probe``: a batch-1 ServingResult."""
    ctx = seq_len + output_len
    kv_tok = probe.kv_cache_per_device.to("B").magnitude / (probe.batch_size * ctx)
    free = probe.memory_capacity.to("B").magnitude - probe.weights_per_device.to("B").magnitude
    raw_bs = min(0.95 * free / (kv_tok * ctx), 4096)
    raw_tok = min(raw_bs * (1 + seq_len / output_len), 32768)
    return (_round_up_tiered(raw_bs, ((256, 32), (1024, 128)), 256, floor=64),
            _round_up_tiered(raw_tok, ((4096, 256), (8192, 512)), 1024, floor=2048))


def trtllm_bench_inputs(solve, kw: dict, graphs=None) -> tuple[dict, int]:
    """The ServingModel inputs of a trtllm-bench run over a uniform-ISL/OSL dataset: ``kw`` (in-flight
    keyword arguments with ``seq_len`` and ``output_len``) completed with trtllm-bench's own
    max_num_tokens (``trtllm_bench_settings``), the CUDA-graph sizes the engine captures from the
    configured ``graphs`` (``cuda_graph_capture_sizes``; none when None) and ``batch_size`` = the
    smaller of the KV pool's ``max_batch_size`` and trtllm-bench's max batch. ``solve(kwargs)`` runs
    one ServingModel call. Returns the completed kwargs and trtllm-bench's max batch."""
    kw = dict(kw)
    probe = solve({**kw, "batch_size": 1})
    max_bs, kw["max_num_tokens"] = trtllm_bench_settings(probe, kw["seq_len"], kw["output_len"])
    if graphs is not None:
        kw["cuda_graph_batch_sizes"] = cuda_graph_capture_sizes(graphs, max_bs, kw["max_num_tokens"])
    kw["batch_size"] = min(solve({**kw, "batch_size": 1}).max_batch_size, max_bs)
    return kw, max_bs


def _round_up_tiered(x: float, tiers: tuple, step_above: int, floor: int) -> int:
    """``x`` rounded up to the step of the first tier whose bound it is below (``step_above`` past
    the last), never below ``floor`` when it falls in the first tier (trtllm-bench's rounding)."""
    for i, (bound, step) in enumerate(tiers):
        if x < bound:
            v = step * math.ceil(x / step)
            return max(floor, v) if i == 0 else v
    return step_above * math.ceil(x / step_above)


class ServingModel:
    """Serving analysis of a transformer on one device or a tensor-parallel group in one node."""

    def solve(self, model, hardware, seq_len: int | None = None, batch_size: int = 1, precision: str = "fp16",
              efficiency: float | None = None, *, tp_size: int = 1, output_len: int | None = None,
              kv_precision: str | None = None, memory_efficiency: float | None = None,
              link_bandwidth=None, overhead=None, power_cap=None, quant_group_size: int | None = None,
              allreduce: str = "ring", weight_format: str | None = None, compute_unit: str | None = None,
              runtime: str | None = None, batching: str = "static", max_num_tokens: int | None = None,
              kv_cache_fraction: float | None = None, attention_kernel: str = "auto",
              cuda_graph_batch_sizes: tuple | None = None) -> ServingResult:
        """Solve prefill, decode and memory.

        See the math page: [site/math.qmd#serving](../site/math.qmd#serving).

        Parameters
        ----------
        model, hardware
            Workload and device (objects or registry names). The model must be a transformer.
        seq_len
            Prompt tokens per sequence (default: the model's context length).
        batch_size
            Concurrent sequences.
        precision
            Weight and math precision (``bf16``, ``fp16``, ``fp8``, ``int8``, ``int4``...).
        efficiency, memory_efficiency
            Achievable fractions of peak FLOP/s and bandwidth (defaults: calibration data).
        tp_size
            Tensor-parallel devices within one node.
        output_len
            Generated tokens; ITL is taken at the mean decode context seq_len + output_len/2.
        kv_precision
            KV-cache precision (default: the weight precision, or fp16 for weight-only int8/int4).
        link_bandwidth
            Per-direction device-to-device bandwidth for TP (default: the device's scale-up link).
        overhead
            Fixed time per forward pass (default: kernel count × measured launch cost, when known).
        power_cap
            Board power limit (e.g. ``"330 W"``): lowers the compute clock as
            ((P_cap − P_idle)/(TDP − P_idle))^(1/3); memory bandwidth is unchanged.
        quant_group_size
            Weights per scale/zero-point group of a weight-only int4/int8 format (adds 4 bytes of
            metadata per group to the bytes read).
        allreduce
            Tensor-parallel all-reduce: ``"ring"`` (NCCL-style ring, default) or ``"one_shot"``
            (every rank reads its peers' buffers in one step: low latency for small messages).
        weight_format
            A llama.cpp (GGML) file type (``"Q4_0"``, ``"Q8_0"``, ``"Q4_K_M"``, ``"F16"``): the bytes
            per weight follow the format's block layout (Q4_0: 4.5 bits; Q4_K_M: Q6_K for the output
            head and some V / FFN-down matrices, Q4_K elsewhere); the weights are expanded on the
            vector units as for ``int4`` / ``int8``.
        compute_unit
            The engine the runtime runs on, on a device with several (``HardwareNode.compute_units``):
            llama.cpp's Metal backend and TinyChat run on the ``"gpu"``, not the Neural Engine.
        runtime
            The serving runtime (``"llama.cpp"``, ``"Hugging Face transformers"``...): selects its
            measured per-kernel dispatch cost where a calibration row names it.
        batching
            ``"static"`` (default: prefill the whole batch, then decode it in lockstep; TTFT, ITL and
            throughput = batch/ITL are per-phase times) or ``"inflight"`` (a saturated server under
            continuous batching with chunked prefill: ``batch_size`` always-occupied slots; TTFT is
            one request's chunked prefill inside the running batch, ITL the mean iteration and
            throughput the steady-state output tokens/s including the prefill work; see the module
            docstring). Benchmarks of TensorRT-LLM, vLLM or SGLang at saturation are ``"inflight"``.
        max_num_tokens
            In-flight batching: tokens one iteration may carry, decode plus prompt chunks (default
            8192, TensorRT-LLM's ``max_num_tokens``).
        kv_cache_fraction
            In-flight batching: fraction of the memory left after weights and one iteration's
            activations that the runtime gives to the KV pool (default 0.9, TensorRT-LLM's
            ``free_gpu_memory_fraction``); sets ``max_batch_size``.
        attention_kernel
            The fused kernel of the prompt (context-phase) attention: ``"flash2"`` (FlashAttention-2,
            calibration rows ``attention_efficiency``), ``"flash3"`` (a Hopper-native kernel,
            FlashAttention-3 class, rows ``attention_efficiency_hopper``) or ``"auto"`` (default:
            ``"flash3"`` when ``runtime`` names TensorRT-LLM, vLLM or SGLang and the GPU is a Hopper,
            else ``"flash2"``; ``attention_kernel_for``). Decode attention keeps the
            FlashAttention-2 rate (it is KV-bandwidth-bound). Ignored when ``efficiency`` is given.
        cuda_graph_batch_sizes
            The CUDA-graph batch sizes the runtime captured, with padding enabled (TensorRT-LLM
            ``cuda_graph_config: enable_padding: true``; ``cuda_graph_capture_sizes`` derives them
            from the configured list). A generation-only pass of n sequences then computes the
            smallest captured size ≥ n rows; passes carrying prompt tokens are never padded. Default
            None: no padding. See the module docstring.
        """
        model = as_model(model)
        hw = as_hardware(hardware)
        if getattr(model, "kind", None) != "transformer":
            raise ConfigError(f"model: ServingModel needs a transformer; {model.name} is a {model.kind} (use SingleNodeModel)")
        t = model_terms(model)
        b = check_positive_int(batch_size, "batch_size", 10**7)
        s = check_positive_int(seq_len, "seq_len", 10**8) if seq_len is not None else t["seq_len"]
        tp = check_positive_int(tp_size, "tp_size", 1024)
        out = check_positive_int(output_len, "output_len", 10**8) if output_len is not None else None
        precision = normalize_precision(precision)
        if batching not in _BATCHING:
            raise ConfigError(f"batching: expected 'static' or 'inflight', got {batching!r}")
        inflight = batching == "inflight" and out is not None
        assumptions: list[str] = []
        if batching == "inflight" and out is None:
            assumptions.append("in-flight batching needs output_len for its steady state: static formulas used")
        n_tok = frac = None
        if inflight:
            n_tok = (check_positive_int(max_num_tokens, "max_num_tokens", 10**8) if max_num_tokens is not None
                     else INFLIGHT_MAX_NUM_TOKENS)
            if kv_cache_fraction is None:
                frac = INFLIGHT_KV_FRACTION
            else:
                frac = float(kv_cache_fraction)
                if not 0.0 < frac <= 1.0:
                    raise ConfigError(f"kv_cache_fraction: expected a fraction in (0, 1], got {kv_cache_fraction!r}")
            assumptions.append(
                f"in-flight batching: {b} slots always occupied, prompts prefilled in chunks inside the decode "
                f"iterations; token budget {n_tok} per iteration"
                + (" (TensorRT-LLM default max_num_tokens)" if max_num_tokens is None else ""))
            assumptions.append(
                f"KV pool {frac:g} of the memory left after weights and one iteration's activations"
                + (" (TensorRT-LLM default free_gpu_memory_fraction)" if kv_cache_fraction is None else "")
                + "; a request is admitted only when its whole KV (prompt + output) fits (GUARANTEED_NO_EVICT)")
        graph_sizes = None
        if cuda_graph_batch_sizes is not None:
            try:
                graph_sizes = tuple(sorted({int(x) for x in cuda_graph_batch_sizes}))
            except (TypeError, ValueError):
                graph_sizes = ()
            if not graph_sizes or graph_sizes[0] < 1:
                raise ConfigError(f"cuda_graph_batch_sizes: expected positive integers, got {cuda_graph_batch_sizes!r}")
        if seq_len is None:
            assumptions.append(f"seq_len {s} (the model's context length)")
        if model.heads % tp:
            raise ConfigError(f"tp_size: {tp} does not divide the {model.heads} attention heads of {model.name}")
        if kv_precision is None:
            kv_precision = precision if precision in ("fp32", "bf16", "fp16", "fp8") else "fp16"
            if kv_precision != precision:
                assumptions.append(f"weight-only {precision}: KV cache kept in fp16")
        else:
            kv_precision = normalize_precision(kv_precision)
        fmt_bits = None
        if weight_format is not None:
            from ._terms import GGML_PRECISION, ggml_format_bits

            read_bits, stored_bits, base = ggml_format_bits(model, weight_format)
            fmt_bits = (read_bits, stored_bits)
            if quant_group_size is not None:
                raise ConfigError("quant_group_size: a llama.cpp weight_format fixes its own blocks; give one or the other")
            precision = GGML_PRECISION[base]
            if kv_precision is None and precision not in ("fp32", "bf16", "fp16"):
                kv_precision = "fp16"
            assumptions.append(f"weight format {weight_format}: {read_bits:.3f} bits per weight read per pass, "
                               f"{stored_bits:.3f} stored (llama.cpp block layout)")
        weight_only = precision in DEQUANT_OPS  # int8/int4 weights, 16-bit activations and math
        math_precision = "bf16" if weight_only else precision
        if weight_only:
            assumptions.append(f"weight-only {precision}: matmuls in 16-bit after a dequantization of "
                               f"{dequant_ops(hw, precision, fmt_bits is not None):g} vector op(s) per weight")
        hw.unit(compute_unit)  # an unknown unit raises, naming the device's units
        peak, used = peak_rate(hw, math_precision, compute_unit)
        if compute_unit not in (None, "all") and hw.compute_units:
            assumptions.append(f"compute unit {compute_unit!r}: that engine's peaks only")
        if used != math_precision:
            assumptions.append(f"{hw.name} has no native {math_precision} peak; math at its {used} peak")
        eta, eta_m = efficiencies(hw, used, efficiency, memory_efficiency, runtime, assumptions, compute_unit)
        h = hw_terms(hw)
        by, kv_b = bpe(precision), bpe(kv_precision)
        # activations between kernels stay 16-bit when weights (or GEMM inputs) are 8-bit or less:
        # the quantization of a GEMM input is fused into the kernel that produces it
        act_b = max(by, 2.0) if by < 2.0 else by
        by_w = by
        if quant_group_size is not None:
            g = check_positive_int(quant_group_size, "quant_group_size", 1 << 20)
            by_w = by + GROUP_METADATA_BYTES / g
            assumptions.append(f"quantization groups of {g}: {GROUP_METADATA_BYTES:g} bytes of scale and zero point each")
        by_read = by_w
        if fmt_bits is not None:
            by_read, by_w = fmt_bits[0] / 8.0, fmt_bits[1] / 8.0
        clock = 1.0
        if power_cap is not None:
            cap_w = opt_quantity(power_cap, "power", "power_cap")
            if h["tdp"]:
                from ._macro import idle_fraction

                d_idle = idle_fraction(hw.id)
                clock = power_cap_clock(hw, check_power_cap(cap_w, d_idle.value * h["tdp"], hw.name), d_idle.value * h["tdp"])
                assumptions.append(f"power cap {cap_w:.0f} W of {h['tdp']:.0f} W: compute clock x{clock:.3f} "
                                   f"(P - P_idle proportional to f^3; idle {d_idle.value:.2f} of TDP, {d_idle.source}); "
                                   "memory bandwidth unchanged")
            else:
                assumptions.append("power cap ignored: the device has no TDP")
        bw = h["bw"] * eta_m
        rate = peak * eta * clock
        vrate = vector_rate(hw)
        vrate = vrate * clock if vrate else None
        if weight_only and vrate is None:
            assumptions.append(f"{hw.name} has no fp32 vector peak: dequantization not counted")

        # memory per device
        w_dev = t["P"] * by_w / tp
        kv_tok_dev = _kv_per_token_per_device(model, t, tp, kv_b)
        ctx_full = s + (out or 0)
        kv_dev = b * ctx_full * kv_tok_dev
        kv_total = b * ctx_full * t["kv_elems"] * kv_b
        # transient prefill activations: the widest intermediate of one layer for all b·s tokens
        widest = max(model.heads * model.d_head + 2 * model.n_kv * model.d_head,
                     (2 if model.gated_mlp else 1) * ((model.moe_ffn_dim or model.d_ff) if model.is_moe else model.d_ff))
        act_tok = (widest / tp + 2 * t["h"]) * act_b
        act_dev = (n_tok if inflight else b * s) * act_tok  # in flight: one iteration of the token budget
        mem_dev = w_dev + kv_dev + act_dev
        cap = h["cap"]
        if inflight:  # the runtime's KV pool: a fraction of what weights and activations leave
            pool = frac * (cap - w_dev - act_dev)
            max_b = max(0, int(pool // (ctx_full * kv_tok_dev))) if pool > 0 else 0
            fits = b <= max_b
        else:
            free = cap - w_dev
            per_seq = ctx_full * kv_tok_dev + s * act_tok
            max_b = max(0, int(free // per_seq)) if free > 0 else 0
            fits = mem_dev <= cap

        # tensor-parallel link
        if tp > 1:
            if link_bandwidth is not None:
                link = opt_quantity(link_bandwidth, "bandwidth", "link_bandwidth")
            else:
                link = h["link"] or h["pcie"]
                if link is None:
                    raise ConfigError(f"tp_size: {hw.name} has no device-to-device link bandwidth; give link_bandwidth")
            d_ar = _defaults.allreduce_efficiency(hw)
            beta = link * d_ar.value
            alpha = _defaults.collective_latency(hw.id, hw.tier).value
            assumptions.append(f"TP all-reduce bus bandwidth {d_ar.value:.2f} of the link ({d_ar.source}); not overlapped")
            if allreduce == "one_shot":
                d_os = _defaults.oneshot_allreduce_latency(hw.id, hw.tier)
                alpha_os = d_os.value
                assumptions.append(f"one-shot all-reduce: {alpha_os * 1e6:.1f} us + (n-1)·M/β ({d_os.source})")
            elif allreduce != "ring":
                raise ConfigError(f"allreduce: expected 'ring' or 'one_shot', got {allreduce!r}")
        else:
            beta = alpha = 0.0

        def comm(tokens: float) -> float:
            """Two all-reduces of the activations per layer (Megatron TP, Shoeybi et al. 2019)."""
            if tp <= 1:
                return 0.0
            m = tokens * t["h"] * act_b
            if allreduce == "one_shot":
                one = alpha_os + (tp - 1) * m / beta  # each rank reads the n-1 peer buffers
            else:
                one = ring_allreduce(m, tp, beta, alpha)
            return 2 * t["L"] * one

        if overhead is None:
            ov_d = _defaults.kernel_overhead(hw.id, hw.tier, runtime)
            ov = ov_d.value * t["kernels"]
            if ov:
                assumptions.append(f"overhead {t['kernels']} kernel boundaries x {ov_d.value * 1e6:.2f} us per forward pass ({ov_d.source})")
        else:
            ov = opt_quantity(overhead, "time", "overhead", allow_zero=True)

        # attention runs in its own fused kernel at its own measured efficiency: FlashAttention-2,
        # or for the prompt (context phase) a Hopper-native kernel where the runtime runs one
        peak16, _ = peak_rate(hw, "bf16", compute_unit)
        kernel = attention_kernel_for(hw, runtime, attention_kernel)
        if efficiency is None:
            d_at = _defaults.attention_efficiency(hw.id, hw.tier)
            eta_at = eta_pa = d_at.value
            d_pa = _defaults.attention_efficiency_hopper(hw.id, hw.tier) if kernel == "flash3" else None
            if d_pa is not None:
                eta_pa = d_pa.value
                why = "stated" if attention_kernel == "flash3" else f"runtime {runtime!r} on a Hopper GPU"
                assumptions.append(f"prompt attention: Hopper-native fused kernel (FlashAttention-3 class; {why}), "
                                   f"{eta_pa:.3f} of the 16-bit peak ({d_pa.source}); decode attention "
                                   f"{eta_at:.3f} ({d_at.source})")
            else:
                kernel = "flash2"
                # the prompt's attention is causal: FlashAttention-2 reaches less of its rate under the mask
                d_c = _defaults.attention_causal_factor(s if getattr(model, "architecture", "decoder") == "decoder" else 0)
                eta_pa = eta_at * d_c.value
                assumptions.append(f"attention: FlashAttention-2 kernel, {eta_at:.3f} of the 16-bit peak ({d_at.source}); "
                                   f"prompt attention x{d_c.value:.3f} under the causal mask ({d_c.source})")
        else:
            eta_at = eta_pa = eta
        rate_at = peak16 * eta_at * clock
        rate_pa = peak16 * eta_pa * clock  # prompt (context-phase) attention

        # GEMMs below the large-GEMM size reach less of the peak (too few output tiles for full
        # waves): each matmul of a dense model at its own size on the device's measured sweep
        shapes = dense_gemm_shapes(model) if efficiency is None else None
        curve = ()
        if shapes:
            curve, curve_src = _defaults.gemm_size_curve(hw.id, hw.tier)
            if curve:
                assumptions.append(f"GEMM efficiency against GEMM size, per matmul ({curve_src})")
        # FLOPs per row of each GEMM on one device (2·N·K / tp), with how many of it a pass runs
        gemm_k = [(2.0 * nk / tp, n) for nk, n in shapes] if (shapes and curve) else []
        gemm_body, k_head = (gemm_k[:-1], gemm_k[-1][0]) if gemm_k else ((), 0.0)
        # the output head (V·h, the last GEMM) runs only on the rows a token is sampled from: a prompt's
        # last position, not every prompt token (vLLM's logits processor, TensorRT-LLM's
        # modules/logits_processor.py: ``hidden_states[last_tokens]`` unless context logits are asked for)
        head_flops_row = 2.0 * t["V"] * t["h"] / tp
        # element-wise bytes per row beyond the fused-kernel count: FP8 inputs quantized in kernels of
        # their own (QKV and gate/up inputs whole on every rank, the down input split), residual adds
        # fused into the norms (read x and the residual, write both: 8h a layer instead of 10h)
        ew_extra_row = 0.0
        if separate_fp8_quant(runtime) and t["kind"] == "transformer":
            ew_extra_row = -2.0 * t["h"] * t["L"] * act_b / tp
            if precision == "fp8" and not weight_only:
                ew_extra_row += FP8_QUANT_BYTES * t["L"] * (2.0 * t["h"] + t["f_act"] / tp)
            assumptions.append(f"{runtime}: residual adds fused into the RMSNorms"
                               + ("; FP8 inputs of the QKV, gate/up and down GEMMs quantized in kernels of their own "
                                  f"({FP8_QUANT_BYTES:g} B per element)" if precision == "fp8" and not weight_only else ""))

        def step(tokens: float, context: float, kv_bytes: float, weights: float, dequant: float, extra_attn=(),
                 prompt: bool = False, pad: float = 0.0, head_rows: float | None = None):
            """One forward pass as a sequence of operator classes, each on its own roofline
            (kernels run one after another, so their times add): the matmuls (weights, or FLOPs at
            large batch), attention (KV traffic, or score FLOPs at long context), and the
            memory-bound elementwise operators (norms, activations, residuals, rotary).
            ``extra_attn``: further attention kernels in the same pass, as (tokens, mean context,
            KV bytes), e.g. the prompt chunks of an in-flight iteration (their own kernel), priced at
            the prompt-attention rate; ``prompt``: the main tokens are prompt tokens (a prefill pass);
            ``pad``: CUDA-graph padding rows (dummy requests) that the GEMMs and elementwise kernels
            compute but attention does not; ``head_rows``: rows through the output head (default all)."""
            rows = tokens + pad
            hr = rows if head_rows is None else head_rows
            if gemm_k:  # each GEMM at the rate a GEMM of its size reaches (measured sweep); the head last
                body = 0.0
                for k, n in gemm_body:
                    body += n * k / gemm_size_factor(curve, k * rows)
                mm_c = (rows * body + hr * k_head / gemm_size_factor(curve, k_head * hr)) / rate
            else:
                mm_c = (2.0 * t["P_matmul"] / tp - head_flops_row) * rows / rate + head_flops_row * hr / rate
            # activations on the roofline of the kernel that moves them: GEMM inputs and outputs with
            # the GEMMs, Q/K/V reads and the output write with attention, the rest element-wise
            gemm_io, attn_io, ew_io = activation_bytes_by_kernel(t, rows, act_b)
            attn_io_tok = attn_io / rows if rows else 0.0
            attn_tokens = tokens
            for x in extra_attn:
                attn_tokens -= x[0]
            parts = [(mm_c, (weights + gemm_io / tp) / bw + dequant),
                     (t["attn_coeff"] * context * attn_tokens / tp / (rate_pa if prompt else rate_at),
                      (kv_bytes + attn_tokens * attn_io_tok / tp) / bw),
                     (0.0, (ew_io / tp + ew_extra_row * rows) / bw)]
            for n_x, c_x, kv_x in extra_attn:
                parts.append((t["attn_coeff"] * c_x * n_x / tp / rate_pa, (kv_x + n_x * attn_io_tok / tp) / bw))
            total = comp = mem = sum_c = sum_m = 0.0
            for a, m in parts:
                sum_c += a
                sum_m += m
                if a >= m:
                    total += a
                    if a > 0:
                        comp += a
                else:
                    total += m
                    mem += m
            return total, sum_c, sum_m, ("Compute" if comp >= mem else "Memory")

        # prefill: b·s tokens, causal attention over a mean context (s+1)/2; the KV cache is written
        p_tokens = b * s
        p_flops = forward_flops(t, p_tokens, (s + 1) / 2.0)
        w_read_p = weight_read_params(t, p_tokens) * by_read / tp
        p_t, p_c, p_m, p_bott = step(p_tokens, (s + 1) / 2.0, p_tokens * t["kv_elems"] * kv_b / tp, w_read_p, 0.0,
                                     prompt=True, head_rows=b)
        p_comm = comm(p_tokens)
        ttft = p_t + p_comm + ov

        # decode step at the mean context: every sequence reads its KV cache; a generation-only
        # pass, so under CUDA-graph padding its GEMMs run on the captured size b_pad >= b
        c = s + (out / 2.0 if out else 0.0)
        b_pad = cuda_graph_padded_batch(b, graph_sizes)
        p_read_d = weight_read_params(t, b_pad) / tp
        # the warps that stream the weights also expand them: dequantization adds to the stream
        dq_per_weight = dequant_ops(hw, precision, fmt_bits is not None) / vrate if (weight_only and vrate) else 0.0
        dq = p_read_d * dq_per_weight
        n_p = None
        if not inflight:
            d_t, d_c, d_m, d_bott = step(b, c, b * c * kv_tok_dev, p_read_d * by_read, dq, pad=b_pad - b)
            d_comm = comm(b_pad)
            itl = d_t + d_comm + ov
            e2e = ttft + (out or 1) * itl if out else ttft + itl
            throughput = b / itl
            d_flops = forward_flops(t, b, c)
        else:
            sch = inflight_schedule(b, s, out, n_tok)
            n_p, b_d, load, q = sch["n_p"], sch["b_d"], sch["L"], sch["q"]

            def iteration(prompt_tokens: float):
                """One in-flight iteration: B_d decode tokens at the mean decode context plus
                ``prompt_tokens`` prompt tokens (causal mean context (s+1)/2; a later chunk also
                reads the KV of the chunks before it), weights read once. A generation-only
                iteration (no prompt tokens) is padded to its CUDA-graph size; one with prompt
                tokens runs eagerly, unpadded."""
                toks = b_d + prompt_tokens
                pad = cuda_graph_padded_batch(b_d, graph_sizes) - b_d if prompt_tokens <= 0 else 0.0
                extra = ()
                if prompt_tokens > 0:
                    # each chunk writes its KV and reads the KV of the chunks before it once (mean (s-chunk)/2 tokens)
                    prior = prompt_tokens / sch["chunk"] * (s - sch["chunk"]) / 2.0 if n_p > 1 else 0.0
                    extra = ((prompt_tokens, (s + 1) / 2.0, (prompt_tokens + prior) * kv_tok_dev),)
                w_read = weight_read_params(t, toks + pad) / tp
                # sampled rows: the decoding sequences (and graph padding), plus the prompts whose last
                # chunk rides in this iteration (λ per iteration on average, over the q that carry prompts)
                head = b_d + pad + (sch["lam"] / sch["q"] if prompt_tokens > 0 and sch["q"] > 0 else 0.0)
                it, ic, im, ib = step(toks, c, b_d * c * kv_tok_dev, w_read * by_read, w_read * dq_per_weight, extra,
                                      pad=pad, head_rows=head)
                return it + comm(toks + pad) + ov, ic, im, ib

            t0, c0, m0, b0 = iteration(0.0)
            t1, c1, m1, b1 = iteration(load)
            itl = (1.0 - q) * t0 + q * t1  # the mean iteration a decoding sequence sees
            d_c, d_m = (1.0 - q) * c0 + q * c1, (1.0 - q) * m0 + q * m1
            b_pad = cuda_graph_padded_batch(b_d, graph_sizes)
            d_comm = (1.0 - q) * comm(b_pad) + q * comm(b_d + load)
            d_bott = b0 if q < 0.5 else b1
            ttft = n_p * t1  # one prompt's chunks, each riding in an iteration with the decode batch
            e2e = ttft + (out - 1) * itl
            throughput = sch["lam"] * out / itl  # Little's law: admitted requests x their output tokens
            d_flops = forward_flops(t, b_d, c) + q * forward_flops(t, load, (s + 1) / 2.0)
            p_flops = n_p * forward_flops(t, load, (s + 1) / 2.0)  # the prompt tokens of those iterations
            assumptions.append(
                f"in-flight steady state: {sch['b_d']:.1f} sequences decoding per iteration, a prompt in "
                f"{n_p} chunk(s); {q:.3f} of the iterations carry {load:.0f} prompt tokens")
        if graph_sizes is not None:
            n_gen = b_d if inflight else b
            assumptions.append(
                f"CUDA-graph padding (captured batch sizes {', '.join(map(str, graph_sizes))}): a generation-only pass of "
                f"{n_gen:.1f} sequences computes {b_pad:g} rows (the next captured size; dummy requests, no KV); "
                "passes with prompt tokens run eagerly, unpadded (TensorRT-LLM PyTorch backend: cuda_graph_runner.py "
                "_get_padded_batch, scheduler.py can_run_cuda_graph)")
        assumptions.extend(range_notes(model, seq_len=s, output_len=out, batch_size=b, compute_time=d_c, memory_time=d_m, overhead_time=ov))
        return ServingResult._make({
            "model": model.name, "hardware": hw.name, "precision": precision, "kv_precision": kv_precision,
            "batch_size": b, "seq_len": s, "output_len": out, "tp_size": tp,
            "ttft": ttft, "itl": itl, "e2e_latency": e2e, "throughput": throughput,
            "prefill_compute_time": p_c, "prefill_memory_time": p_m, "prefill_comm_time": p_comm,
            "prefill_bottleneck": p_bott,
            "decode_compute_time": d_c, "decode_memory_time": d_m, "decode_comm_time": d_comm,
            "decode_bottleneck": d_bott,
            "dequant_time": dq, "overhead_time": ov, "clock_factor": clock,
            "bottleneck": d_bott,
            "kv_cache_size": kv_total, "kv_cache_per_token": t["kv_elems"] * kv_b,
            "weights_per_device": w_dev, "kv_cache_per_device": kv_dev, "activation_per_device": act_dev,
            "memory_per_device": mem_dev, "memory_capacity": cap, "feasible": fits,
            "max_batch_size": max_b, "decode_mfu": d_flops / (itl * tp * peak),
            "prefill_mfu": p_flops / (ttft * tp * peak), "compute_efficiency": eta, "memory_efficiency": eta_m,
            "batching": "inflight" if inflight else "static", "max_num_tokens": n_tok if inflight else b * s,
            "prefill_chunks": n_p if inflight else 1, "kv_cache_fraction": frac if inflight else 1.0,
            "attention_kernel": kernel, "cuda_graph_batch": b_pad,
            "assumptions": tuple(assumptions),
        })
