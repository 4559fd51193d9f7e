"""LLM serving on one node: prefill (TTFT), decode (ITL), KV cache, memory fit, tensor parallelism.

Prefill of s tokens is a forward pass over b·s tokens (causal attention: mean context (s+1)/2).
A decode step at context c is bound by max(bytes / (β·η_mem), FLOPs / (peak·η)) where bytes =
weights + KV read (b·c·KV per token) + activations, so large batches become compute-bound.
With tensor parallelism over t devices (Megatron, Shoeybi et al. 2019) each device holds 1/t
of the weights and KV heads (GQA heads replicated once t > n_kv; the MLA latent on every rank)
and every layer adds two all-reduces of the activations, priced on the intra-node link.
"""

from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..core.precision import normalize_precision
from ..core.result import Result, field, qfield
from . import _defaults
from ._inputs import as_hardware, as_model, check_efficiency, check_positive_int, opt_quantity
from ._terms import activation_bytes, bpe, forward_flops, hw_terms, model_terms, peak_rate
from .collectives import ring_allreduce

__all__ = ["ServingModel", "ServingResult"]


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
    prefill_compute_time = qfield("prefill FLOPs / (peak·η) per device", "s", "ms")
    prefill_memory_time = qfield("prefill bytes / (β·η_mem) per device", "s", "ms")
    prefill_comm_time = qfield("tensor-parallel all-reduces during prefill", "s", "ms")
    prefill_bottleneck = field("'Compute' or 'Memory' for prefill")
    decode_compute_time = qfield("decode FLOPs / (peak·η) per device", "s", "ms")
    decode_memory_time = qfield("(weights + KV + activations) / (β·η_mem) per device", "s", "ms")
    decode_comm_time = qfield("tensor-parallel all-reduces per decode step", "s", "ms")
    decode_bottleneck = field("'Compute' or 'Memory' for a decode step")
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
    assumptions = field("modelling choices and default sources")


def _kv_per_token_per_device(model, t: dict, tp: int, kv_b: float) -> float:
    """KV bytes per token on one device: GQA heads split across ranks while n_kv ≥ t, replicated
    beyond; the MLA latent is replicated on every rank."""
    if getattr(model, "is_mla", False):
        return t["kv_elems"] * kv_b
    n_kv = model.n_kv
    heads_per_rank = n_kv / tp if n_kv >= tp else 1.0
    return t["kv_elems"] / n_kv * heads_per_rank * kv_b


class ServingModel:
    """Serving analysis of a transformer on one device or a tensor-parallel group in one node."""

    def solve(self, model, hardware, seq_len: int | None = None, batch_size: int = 1, precision: str = "fp16",
              efficiency: float | None = None, *, tp_size: int = 1, output_len: int | None = None,
              kv_precision: str | None = None, memory_efficiency: float | None = None,
              link_bandwidth=None, overhead=None) -> ServingResult:
        """Solve prefill, decode and memory.

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
        assumptions: list[str] = []
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
        peak, used = peak_rate(hw, precision)
        if used != precision:
            assumptions.append(f"{hw.name} has no native {precision} peak; math at its {used} peak")
        if efficiency is None:
            d = _defaults.gemm_efficiency(hw, used)
            eta = d.value
            assumptions.append(f"compute efficiency {eta:.3f} ({d.source})")
        else:
            eta = check_efficiency(efficiency, "efficiency")
        if memory_efficiency is None:
            d = _defaults.memory_efficiency(hw)
            eta_m = d.value
            assumptions.append(f"memory efficiency {eta_m:.3f} ({d.source})")
        else:
            eta_m = check_efficiency(memory_efficiency, "memory_efficiency")
        h = hw_terms(hw)
        by, kv_b = bpe(precision), bpe(kv_precision)
        bw = h["bw"] * eta_m
        rate = peak * eta

        # memory per device
        w_dev = t["P"] * by / tp
        kv_tok_dev = _kv_per_token_per_device(model, t, tp, kv_b)
        ctx_full = s + (out or 0)
        kv_dev = b * ctx_full * kv_tok_dev
        kv_total = b * ctx_full * t["kv_elems"] * kv_b
        # transient prefill activations: the widest intermediate of one layer for all b·s tokens
        widest = max(model.heads * model.d_head + 2 * model.n_kv * model.d_head,
                     (2 if model.gated_mlp else 1) * ((model.moe_ffn_dim or model.d_ff) if model.is_moe else model.d_ff))
        act_dev = b * s * (widest / tp + 2 * t["h"]) * by
        mem_dev = w_dev + kv_dev + act_dev
        cap = h["cap"]
        free = cap - w_dev
        per_seq = ctx_full * kv_tok_dev + s * (widest / tp + 2 * t["h"]) * by
        max_b = max(0, int(free // per_seq)) if free > 0 else 0

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
        else:
            beta = alpha = 0.0

        def comm(tokens: float) -> float:
            return 2 * t["L"] * ring_allreduce(tokens * t["h"] * by, tp, beta, alpha) if tp > 1 else 0.0

        if overhead is None:
            ov_d = _defaults.launch_overhead(hw.id, hw.tier)
            ov = ov_d.value * t["kernels"]
        else:
            ov = opt_quantity(overhead, "time", "overhead", allow_zero=True)

        # prefill
        p_tokens = b * s
        p_flops = forward_flops(t, p_tokens, (s + 1) / 2.0)
        p_bytes = w_dev + (activation_bytes(t, p_tokens, by) + p_tokens * t["kv_elems"] * kv_b) / tp
        p_c = p_flops / tp / rate
        p_m = p_bytes / bw
        p_comm = comm(p_tokens)
        ttft = max(p_c, p_m) + p_comm + ov

        # decode step at the mean context
        c = s + (out / 2.0 if out else 0.0)
        d_flops = forward_flops(t, b, c)
        d_bytes = w_dev + b * c * kv_tok_dev + activation_bytes(t, b, by) / tp
        d_c = d_flops / tp / rate
        d_m = d_bytes / bw
        d_comm = comm(b)
        itl = max(d_c, d_m) + d_comm + ov
        e2e = ttft + (out or 1) * itl if out else ttft + itl
        return ServingResult._make({
            "model": model.name, "hardware": hw.name, "precision": precision, "kv_precision": kv_precision,
            "batch_size": b, "seq_len": s, "output_len": out, "tp_size": tp,
            "ttft": ttft, "itl": itl, "e2e_latency": e2e, "throughput": b / itl,
            "prefill_compute_time": p_c, "prefill_memory_time": p_m, "prefill_comm_time": p_comm,
            "prefill_bottleneck": "Compute" if p_c >= p_m else "Memory",
            "decode_compute_time": d_c, "decode_memory_time": d_m, "decode_comm_time": d_comm,
            "decode_bottleneck": "Compute" if d_c >= d_m else "Memory",
            "bottleneck": "Compute" if d_c >= d_m else "Memory",
            "kv_cache_size": kv_total, "kv_cache_per_token": t["kv_elems"] * kv_b,
            "weights_per_device": w_dev, "kv_cache_per_device": kv_dev, "activation_per_device": act_dev,
            "memory_per_device": mem_dev, "memory_capacity": cap, "feasible": mem_dev <= cap,
            "max_batch_size": max_b, "decode_mfu": d_flops / (itl * tp * peak),
            "prefill_mfu": p_flops / (ttft * tp * peak), "compute_efficiency": eta, "memory_efficiency": eta_m,
            "assumptions": tuple(assumptions),
        })
