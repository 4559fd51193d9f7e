"""Distributed training: data, tensor, pipeline, expert and context parallelism (4D+).

A training step on a fleet of N = t·p·d·c GPUs (expert parallelism e splits the experts inside
the data-parallel group) is priced per GPU of the slowest pipeline stage:

    T_step = (m + (p−1)/v) · T_stage  +  T_DP,exposed  +  T_optimizer

where T_stage is one microbatch's forward + backward (+ recomputation) through the layers of a
stage (Narayanan et al. 2021, §2.2: 1F1B bubble (p−1)/m, interleaved (p−1)/(v·m)). Each layer
is the sum of the kernels a GPU runs one after the other:

- GEMMs: FLOPs / (peak · η_GEMM), or the weight traffic when that is slower (small microbatches);
- the attention core: a fused FlashAttention kernel at its measured efficiency (causal: half the
  score FLOPs; a FlashAttention-1-class kernel at FlashAttention-2's rate times the FA1/FA2
  ratio the FlashAttention-2 paper measures, Dao 2023 Fig. 4c), or, unfused (Megatron-LM 2022),
  the score matrix written and read by QKᵀ, softmax, dropout and AV: memory-bound when the head
  dimension is small;
- element-wise kernels (layer norms, residual adds, dropout, GeLU/SwiGLU; with FP8 GEMMs the casts
  of their inputs from 16-bit, with a transposed copy for the weight gradient, as NVIDIA
  Transformer Engine does), memory-bound, on the tokens of this rank (sequence parallelism shards
  them by t, otherwise every TP rank repeats them);
- exposed communication: tensor-parallel all-reduces (or reduce-scatter + all-gather with
  sequence parallelism) of b·s·h per layer (Shoeybi et al. 2019; Korthikanti et al. 2022),
  context-parallel all-gathers of K and V, expert all-to-alls, pipeline point-to-point sends.

Placement follows Megatron's rank order (TP innermost, then CP, DP, PP): a group stays on the
scale-up link while it fits in a node and crosses the fabric (each GPU's NIC, never NVLink)
when it does not. The data-parallel gradient reduction is hidden behind the backward pass except
one transformer layer's worth (Megatron-Core's layer-wise overlap; calibration row
``dp_overlap_megatron_layerwise``). ZeRO-3 / FSDP gathers each layer's weights forward and again
backward and reduce-scatters its gradients every microbatch; per layer the slower of compute and
communication counts, and the first gather and last reduce-scatter are exposed (``fsdp_exposed``;
Zhao et al. 2023). Hybrid sharding (``shard_group_size``, PyTorch HYBRID_SHARD) keeps gathers
inside the group and all-reduces the gradient shards across groups once per step. MFU counts
model FLOPs only (``training_flops_per_token``: 6·P + attention at full context, Korthikanti's
definition); HFU adds recomputation.

GEMMs run at the device's sustained rate (``_defaults.sustained_gemm_efficiency``: a steady-state
large-GEMM measurement on random data where one exists, else MAMF), scaled by a measured
square-GEMM size sweep (small GEMMs fill too few output tiles). The attention core runs on the
16-bit tensor cores at the measured FlashAttention-2 efficiency, also when the GEMMs are FP8.
Every kernel boundary costs a measured few microseconds. ``kernel_fusion="eager"`` (PyTorch
eager mode) adds the HBM traffic of unfused RMSNorm, rotary embedding, SwiGLU and loss kernels,
counted operator by operator (``eager_extra_bytes``; checked against TorchTitan's torch.compile
gain, calibration row ``eager_fusion_torchtitan_llama31_8b_h100``), and PyTorch's foreach AdamW.

Communication hidden behind compute is not free: while a collective runs beside them the compute
kernels progress 1/(1+σ) slower (NCCL kernels take SMs and HBM bandwidth), so a layer with C of
compute and X of overlapped communication takes max(X, C + σ·min(X, C)) (``overlapped``; σ =
0.189, the average slowdown measured in arXiv 2507.03114, calibration row
``overlap_slowdown_compute_comm_arxiv2507``). It applies to the FSDP gathers and reduce-scatters,
the HSDP replica all-reduce and the DP gradient reduction alike.

Missing physics, stated: clocks are not reduced under power limits beyond what the GEMM
measurement saw (H100 bf16 has no steady-state large-GEMM row, so its MAMF burst rate is used);
CPU (Python, hooks, allocator) overheads, stragglers, data loading and checkpointing are not
counted. Megatron-class runs of 7B-1T models (Narayanan et al. 2021, Korthikanti et al. 2022,
NeMo 24.07 FP8, Llama 3 405B), PyTorch FSDP runs on A100 (IBM, llm-foundry) and IBM's Llama 2 70B
on H100 fall within 25%; the other PyTorch FSDP runs on H100 (IBM 7B, llm-foundry 7B and 70B) are
still 29-38% optimistic: a residual of about 0.3 s per 8-12k-token microbatch of a 7B model, seen
on A100 as well and in single-node runs with little communication, has no sourced mechanism yet.
"""

from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..core.precision import normalize_precision
from ..core.result import Result, field, qfield
from . import _defaults
from ._inputs import as_fleet, as_model, check_choice, check_efficiency, check_positive_int
from ._terms import gemm_size_factor, hw_terms, model_terms, peak_rate
from .collectives import fabric_link, group_time, intra_link
from .training_memory import (ATTENTION, RECOMPUTE, activation_per_token_terms, default_dropout, memory_result,
                              memory_terms, overflow_term, state_bytes_per_parameter)

__all__ = ["DistributedModel", "DistributedResult", "pipeline_bubble", "pipeline_step_time", "model_context",
           "Plan", "evaluate", "layer_times", "dp_exposed", "fsdp_exposed", "overlapped",
           "overlap_slowdown"]

SCHEDULES = ("1f1b", "interleaved")
LAYOUTS = ("uniform", "balanced")
_OVERLAP_KEYS = ("dp", "tp", "pp", "cp", "ep")


# ---- formulas ---------------------------------------------------------------------------------
size_factor = gemm_size_factor  # one implementation: _terms.gemm_size_factor


def gemm_time(c: dict, flops_list, rate: float) -> float:
    """Σ F_i / (R · r(F_i)) over the GEMMs of a pass (R the calibrated large-GEMM rate)."""
    curve = c["curve"]
    return sum(f / (rate * size_factor(curve, f)) for f in flops_list)


def pipeline_bubble(p: int, m: int, v: int = 1) -> float:
    """Pipeline bubble as a fraction of the ideal step: (p−1)/(v·m) (Narayanan et al. 2021, §2.2.1
    for 1F1B with v = 1, §2.2.2 for the interleaved schedule with v chunks per GPU)."""
    return (p - 1) / (v * m) if p > 1 else 0.0


def pipeline_step_time(t_stage: float, p: int, m: int, v: int = 1) -> float:
    """Time of m microbatches through p stages: (m + (p−1)/v) · T_stage, T_stage being one
    microbatch's forward and backward on the slowest GPU (Narayanan et al. 2021, §2.2)."""
    return (m + ((p - 1) / v if p > 1 else 0.0)) * t_stage


def dp_exposed(t_dp: float, chunks: float, exposed_chunks: float, window: float, fraction: float | None,
               slowdown: float = 0.0) -> float:
    """Exposed data-parallel time. Layer-wise overlap (Megatron-Core): all but ``exposed_chunks``
    of ``chunks`` layer-sized pieces hide behind compute, never more than the compute window:
    T_exp = T_DP − min(T_DP·(1 − k/n), W). With an explicit ``fraction`` f: T_DP − min(f·T_DP, W).
    The hidden part H = min(·, W) still costs σ·H (``slowdown`` σ, see ``overlap_slowdown``): the
    communication kernels take SMs and HBM bandwidth from the compute they run beside."""
    if t_dp <= 0:
        return 0.0
    hideable = t_dp * (fraction if fraction is not None else max(0.0, 1.0 - exposed_chunks / max(chunks, 1.0)))
    hidden = min(hideable, window)
    return t_dp - hidden + slowdown * hidden


def overlapped(comm: float, compute: float, slowdown: float = 0.0) -> float:
    """Time of ``compute`` with ``comm`` running beside it on other streams: while the collective runs
    the compute kernels progress at 1/(1+σ) of their rate (the NCCL kernels occupy SMs and HBM
    bandwidth), so T = max(comm, compute + σ·min(comm, compute)) (σ: ``overlap_slowdown``)."""
    return max(comm, compute + slowdown * min(comm, compute))


#: σ of ``overlapped`` (calibration row of quantity ``overlap_slowdown``), re-exported here
overlap_slowdown = _defaults.overlap_slowdown


def adam_step_bytes(grad_bytes: float, master_bytes: float, fused: bool = True) -> float:
    """Bytes one parameter's Adam update moves (memory-bound; Kingma and Ba 2015).

    Fused (one kernel: Apex/Megatron FusedAdam): read the gradient, read and write the fp32 master
    weight and both moments, write the 16-bit copy. Unfused (PyTorch's default ``foreach`` AdamW):
    each of its eight passes reads and writes whole fp32 tensors (weight decay 8, lerp of m 12,
    scale of v 8, addcmul of v 12, sqrt 8, bias-correction divide 8, add ε 8, addcdiv of the weight
    16: 80 bytes), plus the 16-bit gradient cast to fp32 (grad + 4)."""
    if fused:
        return grad_bytes + 2 * master_bytes + (2.0 if master_bytes == 12.0 else 0.0)
    return 80.0 + (grad_bytes + 4.0 if grad_bytes < 4.0 else 0.0)


KERNEL_FUSION = ("fused", "eager")


#: eager costs that depend on the model's code rather than on PyTorch, per code name: the rotary
#: embedding's bytes per q and k element (forward, backward) and a layout copy of the attention output
#: after SDPA, bytes per output element (forward). Counted by running the code under a
#: TorchDispatchMode that sums the input and output bytes of every non-view aten op (torch 2.3, bf16
#: parameters, no autocast: FSDP mixed precision), broadcast operands read once.
EAGER_MODEL_CODE = {
    # Meta's Llama reference and TorchTitan: rotary as an fp32 complex multiply (view_as_complex):
    # cast 2+4, multiply 4+4, cast back 4+2 = 20 each way; SDPA's output is already (b, s, h, d)
    "reference": (20.0, 20.0, 0.0),
    # IBM foundation-model-stack (ibm-fms 0.0.3, fms/modules/positions.py and attention.py; the model
    # code of fms-fsdp): rotary as a real 2x2 rotation, a broadcast multiply writing two fp32 values per
    # element, then a sum: cast 2+4, multiply 4.25+8, sum 8+4, cast back 4+2 = 36.25 forward, the
    # same backward plus a clone of the (b, h, s, d) gradient into (b, s, h, d) (4); the SDPA output
    # transposed and made contiguous, a copy of 2+2 per element forward
    "ibm-fms": (36.25, 40.25, 4.0),
}


def eager_extra_bytes(h: float, q: float, k: float, f: float, gated: bool,
                      code: str = "reference") -> tuple[float, float, float, float]:
    """Extra HBM bytes per token per layer of unfused (PyTorch eager) element-wise kernels over the
    fused kernels ``layer_times`` counts: (forward, SP-shardable), (forward, TP-sharded), (backward,
    SP-shardable), (backward, TP-sharded). Each eager operator reads its inputs and writes its output
    (autograd's backward the saved tensors, the incoming and the outgoing gradient), 16-bit
    activations with fp32 internal math as in the reference Llama implementations; the per-op bytes
    are an aten dispatch count of the code (see ``EAGER_MODEL_CODE``):

    - RMSNorm ``(x.float() * rsqrt(x.float().pow(2).mean(-1) + eps)).type_as(x) * w``: forward
      36 B per element (cast 2+4, pow 4+4, mean 4, scale 4+4, cast back 4+2, weight 2+2), backward
      92 B (weight 4+6 and its token sum 2, cast 6, the fp32 products 12+8, the row sum 4, the mean's
      expanded gradient 4, pow's backward 8+8+12, the two fp32 paths added 12, cast back 6);
      fused: 4 and 6. Two per layer: 64h forward, 172h backward extra.
    - the input gradients of separate q, k, v projections (and of separate gate and up
      projections) summed by autograd: 3 adds of 2+2+2 per element, 18h backward.
    - rotary embedding of q and k: ``EAGER_MODEL_CODE[code]``; fused kernels are not counted by the
      model.
    - SwiGLU ``silu(g) * u``: 10 B forward, 18 B backward per element of f, against 6 and 12.

    GPT-style models (plain MLP) use one fused kernel per layer norm and activation in eager mode
    too (``F.layer_norm``, ``F.gelu``): no extra. Checked against TorchTitan's torch.compile gain
    (calibration row ``eager_fusion_torchtitan_llama31_8b_h100``)."""
    if not gated:
        return 0.0, 0.0, 0.0, 0.0
    if code not in EAGER_MODEL_CODE:
        raise ConfigError(f"model_code: expected one of {', '.join(EAGER_MODEL_CODE)}, got {code!r}")
    rot_f, rot_b, out_copy = EAGER_MODEL_CODE[code]
    return (64.0 * h, rot_f * (q + k) + out_copy * q + 4.0 * f,  # two norms 2 x 32
            190.0 * h, rot_b * (q + k) + 6.0 * f)  # two norms 2 x 86, summed input gradients 18


#: extra bytes per attention-score element of an unfused (manual) attention in PyTorch eager mode
#: under autocast, over the 16-bit softmax ``layer_times`` counts: the scale ``* 1/sqrt(d)`` and the
#: causal ``masked_fill`` are kernels of their own (read 2 + write 2 each), and autocast runs
#: ``softmax`` in float32 (PyTorch AMP op reference, 'CUDA Ops that can autocast to float32'): a cast
#: up (2 + 4), the fp32 softmax (4 + 4 against 2 + 2) and a cast down for the AV matmul (4 + 2).
#: Forward 4 + 4 + 6 + 4 + 6 = 24; backward the same kernels' gradients (scale 4, mask 4, fp32
#: softmax backward 12 against 6, the two casts 6 + 6) = 26. nanoGPT's manual attention (model.py
#: before SDPA) is this sequence.
EAGER_SCORE_EXTRA = (24.0, 26.0)

#: extra bytes per logit of an unfused fp32 cross-entropy over 16-bit logits (cast 2+4, two
#: log-softmax passes 4+4+4, its backward 4+4+4, the dense nll gradient 4, cast back 4+2 = 40)
#: over the 16 a fused loss moves
EAGER_LOSS_EXTRA = 24.0


def fsdp_exposed(ag: float, rs: float, c_f: float, c_b: float, layers: int, ag_root: float, rs_root: float,
                 slowdown: float = 0.0) -> float:
    """Exposed ZeRO-3 / FSDP communication of one microbatch: each layer's parameters are gathered
    while the previous layer computes (forward, prefetch) and gathered again while the next layer's
    gradients are computed, whose reduce-scatter follows (backward). Per layer the slower of
    compute and communication sets the time; the first gather and the last reduce-scatter have
    nothing to hide behind (Zhao et al. 2023, PyTorch FSDP, §3.3.2; the IBM/PyTorch FSDP study:
    "the first block during forward pass and the last block during backward pass are not able to
    overlap"):

        T_exp = AG_1 + RS_1 + L · [max(0, AG − C_f) + max(0, AG + RS − C_b)]

    With ``slowdown`` σ > 0 the compute beside a collective runs 1/(1+σ) slower while it runs
    (``overlapped``): each term becomes overlapped(comm, C) − C."""
    f = overlapped(ag, c_f, slowdown) - c_f
    b = overlapped(ag + rs, c_b, slowdown) - c_b
    return ag_root + rs_root + layers * (f + b)


# ---- the model's and device's constants, once per (model, device, precision, seq_len) --------
def model_context(model, hw, precision: str, seq_len: int | None, efficiency: float | None = None,
                  memory_efficiency: float | None = None) -> dict:
    """Float constants of a (model, device, precision, sequence) combination, cached on the model."""
    key = (id(hw), precision, seq_len, efficiency, memory_efficiency)
    c = _CTX.get((id(model),) + key)
    if c is not None and c["_model"] is model and c["_hw"] is hw:
        return c
    if getattr(model, "kind", None) != "transformer":
        raise ConfigError(f"model: distributed training needs a transformer; {model.name} is a {model.kind}")
    mt = model_terms(model)
    h_t = hw_terms(hw)
    s = check_positive_int(seq_len, "seq_len", 1 << 24) if seq_len is not None else model.seq_len
    peak, used = peak_rate(hw, precision)
    # the attention core runs on the 16-bit tensor cores whatever the GEMM precision (FP8 training
    # casts only the linear layers' inputs: Transformer Engine's default recipe; the calibrated
    # fused-attention efficiency is a fraction of the dense 16-bit peak)
    peak16 = peak_rate(hw, "bf16")[0] if used in ("fp8", "fp4", "int8") else peak
    gemm = _defaults.sustained_gemm_efficiency(hw.id, hw.tier, used)
    eta = gemm.value if efficiency is None else check_efficiency(efficiency, "efficiency")
    mem = _defaults.memory_efficiency(hw)
    eta_m = mem.value if memory_efficiency is None else check_efficiency(memory_efficiency, "memory_efficiency")
    attn = _defaults.attention_efficiency(hw.id, hw.tier)
    # a causal (decoder) pass reaches less of the kernel's non-causal rate, the more so at short sequences
    causal = _defaults.attention_causal_factor(s if getattr(model, "architecture", "decoder") == "decoder" else 0)
    fa1 = _defaults.attention_fa1_factor(s)  # used by attention='flash1' only
    curve, curve_src = _defaults.gemm_size_curve(hw.id, hw.tier)
    kern = _defaults.kernel_overhead(hw.id, hw.tier)
    ovs = overlap_slowdown()
    h, a, L = model.hidden_dim, model.heads, model.layers
    d_qk, d_v = model._qk_dim(), model._v_dim()
    f_dense = model.d_ff
    if model.is_moe:
        width = model.moe_ffn_dim or model.d_ff
        f_moe_active = width * ((model.experts_per_token or 1) + model.shared_experts)
        p_mlp_moe = model.mlp_parameters_per_layer(moe=True)
        p_mlp_moe_act = model.mlp_parameters_per_layer(active=True, moe=True)
    else:
        f_moe_active, p_mlp_moe, p_mlp_moe_act = f_dense, 0.0, 0.0
    # scale the shape-derived counts to the stated total when the model gives one
    scale = mt["P"] / model.derived_parameters() if model.parameters is not None else 1.0
    rep, tpb = activation_per_token_terms(h, a, model.n_kv, d_qk, d_v, f_dense, model.gated_mlp)
    eager = {code: eager_extra_bytes(h, a * d_qk, model.n_kv * d_qk, f_moe_active if model.is_moe else f_dense,
                                     model.gated_mlp, code) for code in EAGER_MODEL_CODE}
    c = {
        "_model": model, "_hw": hw, "name": model.name, "hw_name": hw.name, "precision": precision, "used": used,
        "L": L, "h": h, "a": a, "n_kv": model.n_kv, "d_qk": d_qk, "d_v": d_v, "V": model.vocab_size, "s": s,
        "tied": model.tied_embeddings, "gated": model.gated_mlp, "f": f_dense, "f_moe_active": f_moe_active,
        "P": mt["P"], "P_attn": model.attention_parameters_per_layer() * scale,
        "P_mlp_dense": model.mlp_parameters_per_layer(moe=False) * scale,
        "P_mlp_moe": p_mlp_moe * scale, "P_mlp_moe_active": p_mlp_moe_act * scale,
        "moe_layers": model.moe_layers, "moe": model.is_moe, "k": model.experts_per_token or 1,
        "flops_per_token": model.training_flops_per_token(s),
        "attn_coeff_layer": 2.0 * a * (d_qk + d_v),  # score + value FLOPs per query per key, one layer
        "act_rep": rep, "act_tp": tpb, "state_bytes": state_bytes_per_parameter(precision),
        "by": 2.0 if precision not in ("fp32", "tf32", "fp64") else 4.0,
        "peak": peak, "peak16": peak16, "eta": eta, "rate": peak * eta, "eta_attn": attn.value * causal.value,
        "fa1": fa1.value, "fa1_src": fa1.source, "eta_m": eta_m,
        "bw": h_t["bw"] * eta_m, "cap": h_t["cap"],
        "imbalance": _defaults.moe_load_imbalance().value, "dp_chunks": _defaults.dp_overlap_chunks().value,
        "curve": curve, "kernel": kern.value, "fp8": used in ("fp8", "fp4"), "eager": eager, "ov_slow": ovs.value,
        "P_o": a * d_v * h * scale, "n_exp": model.num_experts or 1,
        "sources": (f"GEMM efficiency {eta:.3f} ({gemm.source if efficiency is None else 'given'})",
                    f"memory efficiency {eta_m:.3f} ({mem.source if memory_efficiency is None else 'given'})",
                    f"fused attention efficiency {attn.value:.3f} ({attn.source}), x{causal.value:.3f} under the "
                    f"causal mask ({causal.source})",
                    f"GEMM efficiency against GEMM size ({curve_src})",
                    f"{kern.value * 1e6:.2f} us lost per kernel boundary ({kern.source})",
                    f"compute beside overlapped communication {ovs.value:.1%} slower ({ovs.source})"),
    }
    _CTX[(id(model),) + key] = c
    if len(_CTX) > 256:
        _CTX.pop(next(iter(_CTX)))
    return c


_CTX: dict = {}
_LINKS: dict = {}


def fleet_links(fleet) -> dict:
    """Scale-up link, fabric links (rail-aligned and not) and shape of a fleet, cached."""
    k = id(fleet)
    v = _LINKS.get(k)
    if v is None or v["_fleet"] is not fleet:
        node = fleet.node
        v = {"_fleet": fleet, "intra": intra_link(node), "fab_rail": fabric_link(fleet, rail_aligned=True),
             "fab": fabric_link(fleet, rail_aligned=False), "g": node.accelerators_per_node,
             "N": fleet.total_accelerators, "has_nic": node.nics_per_node > 0}
        _LINKS[k] = v
        if len(_LINKS) > 64:
            _LINKS.pop(next(iter(_LINKS)))
    return v


class Plan:
    """One parallel configuration (plain attributes, no validation: see ``DistributedModel``)."""

    __slots__ = ("t", "p", "d", "e", "cp", "b", "m", "v", "schedule", "layout", "recompute", "sp", "zero",
                 "attention", "overlap", "dropout", "shard", "fusion", "code")

    def __init__(self, t, p, d, e, cp, b, m, v=1, schedule="1f1b", layout="uniform", recompute="none", sp=True,
                 zero=0, attention="flash", overlap=None, dropout=True, shard=None, fusion="fused", code="reference"):
        self.t, self.p, self.d, self.e, self.cp, self.b, self.m, self.v = t, p, d, e, cp, b, m, v
        self.schedule, self.layout, self.recompute, self.sp, self.zero = schedule, layout, recompute, sp, zero
        self.attention, self.overlap, self.dropout = attention, overlap or {}, dropout
        self.shard = d if shard is None else shard  # ZeRO-3 sharding group (HSDP: smaller than d)
        self.fusion, self.code = fusion, code

    def __repr__(self):
        return (f"Plan(tp={self.t}, pp={self.p}, dp={self.d}, ep={self.e}, cp={self.cp}, micro={self.b}x{self.m}, "
                f"v={self.v}, {self.recompute}, sp={self.sp}, zero={self.zero}, shard={self.shard}, {self.fusion})")


def _group(links, op, msg, n, stride):
    """Time of a collective over n ranks spaced ``stride`` apart in Megatron's rank order."""
    if n <= 1 or msg <= 0:
        return 0.0, None
    g = links["g"]
    per = max(1, min(n, g // stride)) if stride < g else 1
    inter = links["fab_rail"] if per == 1 else links["fab"]
    t, _algo, name = group_time(op, msg, n, per, links["intra"], inter)
    return t, name


def layer_times(c: dict, pl: Plan, links: dict, moe_layer: bool) -> dict:
    """Seconds per layer per microbatch on one GPU: GEMMs, attention core, element-wise kernels
    and exposed TP/CP/EP communication, forward and backward, and the recomputation added."""
    t, cp, b, by, R, B = pl.t, pl.cp, pl.b, c["by"], c["rate"], c["bw"]
    s = c["s"]
    tok = b * s / cp
    h = c["h"]
    # GEMMs: FLOPs or the weight traffic (16-bit read forward; read + fp32 grad accumulate backward)
    imb = c["imbalance"] if moe_layer else 1.0
    p_mlp = c["P_mlp_moe_active"] * imb if moe_layer else c["P_mlp_dense"]
    p_layer_local = (c["P_attn"] + (c["P_mlp_moe"] / pl.e if moe_layer else c["P_mlp_dense"])) / t
    f_gemm = 2.0 * tok * (c["P_attn"] + p_mlp) / t
    # the layer's GEMMs: QKV, output projection, MLP up (and gate) and down; experts see tokens/expert
    g_up = 2.0 / 3.0 if c["gated"] else 0.5
    f_o = 2.0 * tok * c["P_o"] / t
    if moe_layer:  # each local expert's GEMMs see its share of the routed tokens (grouped GEMMs)
        n_local = max(c["n_exp"] // pl.e, 1)
        per_expert = 2.0 * tok * p_mlp / t / n_local
        mlp = [per_expert * g_up] * n_local + [per_expert * (1 - g_up)] * n_local
    else:
        mlp = [2.0 * tok * p_mlp * g_up / t, 2.0 * tok * p_mlp * (1 - g_up) / t]
    gemms = [2.0 * tok * c["P_attn"] / t - f_o, f_o] + mlp
    t_gemm = gemm_time(c, gemms, R)
    g_f = max(t_gemm, 2.0 * p_layer_local / B)
    g_b = max(2.0 * t_gemm, 10.0 * p_layer_local / B)
    # attention core (query tokens of this rank attend to the whole sequence)
    f_core = c["attn_coeff_layer"] * tok * s / t  # model FLOPs (full context)
    if pl.attention != "unfused":  # a fused kernel: FlashAttention-2 class, or -1 class at its measured ratio
        ra = c["peak16"] * c["eta_attn"] * (c["fa1"] if pl.attention == "flash1" else 1.0)  # 16-bit tensor cores
        a_f = 0.5 * f_core / ra  # causal: half the blocks are computed
        a_b = 2.5 * a_f  # backward: 5 matmuls against the forward's 2 (FlashAttention-2, Dao 2023, §3.1)
        a_rc = 0.0
        hw_core_extra = 0.0  # the fused kernel's own recomputation is not counted as model recompute
    else:
        n_s = c["a"] / t * b * (s / cp) * s  # score elements
        half = 0.5 * f_core / R
        # forward: QKᵀ writes the scores, softmax reads and writes them, dropout reads, writes and
        # keeps a 1-byte mask, AV reads them: 2 + 4 + 5 + 2 bytes per score (two GEMM rooflines)
        drop = 2.5 if pl.dropout else 0.0
        a_f = 2 * max(half, by * n_s / B) + (2.0 + drop) * by * n_s / B
        # backward: four batched GEMMs each reading or writing a score-sized tensor, dropout (5 B)
        # and softmax (6 B) backward
        a_b = 4 * max(half, by * n_s / B) + (3.0 + drop) * by * n_s / B
        if pl.fusion == "eager":  # PyTorch eager under autocast: separate scale and mask kernels, softmax in fp32
            a_f += EAGER_SCORE_EXTRA[0] * n_s / B
            a_b += EAGER_SCORE_EXTRA[1] * n_s / B
        a_rc = a_f if pl.recompute == "selective" else 0.0
        hw_core_extra = f_core if pl.recompute == "selective" else 0.0
    # element-wise kernels: layer norms, residual adds, dropout (SP shards them), activation (/t)
    f_act = (c["f_moe_active"] * imb if moe_layer else c["f"])
    ew = by * tok * ((11.0 if pl.dropout else 10.0) * h / (t if pl.sp else 1) + (3.0 if c["gated"] else 2.0) * f_act / t)
    if c["fp8"]:  # FP8 GEMMs: each input is cast from 16-bit (read 2 B, write 1 B + a transposed 1 B copy)
        ew += 4.0 * tok * (2 * h + (c["P_o"] / h + f_act) / t)
    e_f, e_b = ew / B, 2.0 * ew / B
    k_eager_f = k_eager_b = 0
    if pl.fusion == "eager":  # unfused PyTorch element-wise kernels (RMSNorm, RoPE, SwiGLU): extra traffic
        hs_f, tp_f_, hs_b, tp_b_ = c["eager"][pl.code]
        sp_div = t if pl.sp else 1
        e_f += tok * (hs_f / sp_div + tp_f_ / t) / B
        e_b += tok * (hs_b / sp_div + tp_b_ / t) / B
        if c["gated"]:  # 2 norms of 6 kernels, rotary 3 per q and k, silu and multiply: 17 forward, twice backward
            k_eager_f, k_eager_b = 17, 34
    # tensor-parallel communication: 2 all-reduces per direction, or 2 RS + 2 AG with SP
    msg = tok * h * by
    if t > 1:
        if pl.sp:
            rs, _ = _group(links, "reduce_scatter", msg, t, 1)
            tp_f = 4 * rs
        else:
            ar, _ = _group(links, "all_reduce", msg, t, 1)
            tp_f = 2 * ar
        tp_f *= 1.0 - pl.overlap.get("tp", 0.0)
    else:
        tp_f = 0.0
    # context parallelism: all-gather K, V forward, reduce-scatter their gradients backward
    if cp > 1:
        kv = b * s * 2 * max(c["n_kv"] / t, 1.0) * c["d_qk"] * by
        cpt, _ = _group(links, "all_gather", kv, cp, t)
        cp_f = cpt * (1.0 - pl.overlap.get("cp", 0.0))
    else:
        cp_f = 0.0
    # expert parallelism: dispatch and combine all-to-all forward, the same backward
    if moe_layer and pl.e > 1:
        a2a = tok * c["k"] * h * by * imb / (t if pl.sp else 1)
        ept, _ = _group(links, "all_to_all", a2a, pl.e, t * cp)
        ep_f = 2 * ept * (1.0 - pl.overlap.get("ep", 0.0))
    else:
        ep_f = 0.0
    # kernel boundaries: norms, GEMMs, attention, activation, residual adds, and the collectives
    k_attn = 1 if pl.attention != "unfused" else (4 if pl.dropout else 3) + (4 if pl.fusion == "eager" else 0)
    k_comm = (4 if pl.sp else 2) * (t > 1) + (cp > 1) + 2 * (moe_layer and pl.e > 1)
    k_f = (9 + k_attn + k_comm + k_eager_f) * c["kernel"]
    k_b = (2 * (9 + k_attn) + k_comm + k_eager_b) * c["kernel"]
    fwd = g_f + a_f + e_f + tp_f + cp_f + ep_f + k_f
    bwd = g_b + a_b + e_b + tp_f + cp_f + ep_f + k_b
    if pl.recompute == "full":
        rc, hw_extra = fwd, f_gemm + f_core * (0.5 if pl.attention != "unfused" else 1.0)
    else:
        rc, hw_extra = a_rc + (k_attn * c["kernel"] if a_rc else 0.0), hw_core_extra
    return {"gemm": g_f + g_b + (g_f if pl.recompute == "full" else 0.0),
            "attn": a_f + a_b + a_rc + (a_f if pl.recompute == "full" else 0.0),
            "elem": e_f + e_b + (e_f if pl.recompute == "full" else 0.0),
            "tp": 2 * tp_f + (tp_f if pl.recompute == "full" else 0.0),
            "cp": 2 * cp_f + (cp_f if pl.recompute == "full" else 0.0),
            "ep": 2 * ep_f + (ep_f if pl.recompute == "full" else 0.0),
            "kernels": k_f + k_b + (k_f if pl.recompute == "full" else 0.0)
                       + (k_attn * c["kernel"] if a_rc else 0.0),
            "recompute": rc, "fwd": fwd, "bwd": bwd, "total": fwd + bwd + rc, "hw_extra_flops": hw_extra}


def evaluate(c: dict, pl: Plan, links: dict, global_batch: int) -> dict:
    """The step of one plan as floats (seconds, bytes, FLOPs): the core of ``DistributedModel``
    and of the optimizer's search."""
    L, p, v, m = c["L"], pl.p, pl.v, pl.m
    dense = layer_times(c, pl, links, False)
    if c["moe"]:
        moe = layer_times(c, pl, links, True)
        frac = c["moe_layers"] / L
        mix = {k: dense[k] * (1 - frac) + moe[k] * frac for k in dense}
    else:
        mix = dense
    R, B, by, t = c["rate"], c["bw"], c["by"], pl.t
    tok = pl.b * c["s"] / pl.cp
    # the output layer and loss: logits GEMM forward + backward and an fp32 softmax over V/t
    f_head = 2.0 * tok * c["h"] * c["V"] / t
    loss_bytes = 16.0 + (EAGER_LOSS_EXTRA if pl.fusion == "eager" else 0.0)
    head = 3 * gemm_time(c, (f_head,), R) + loss_bytes * tok * c["V"] / t / B + 6 * c["kernel"]
    if pl.layout == "uniform":
        lps = -(-L // p)
        t_stage = lps * mix["total"] + head
    else:  # first and last stages give one layer's slot to the embedding and the output layer (Llama 3, §3.3.2)
        lps = -(-(L + 2) // p)
        t_stage = max(lps * mix["total"], (lps - 1) * mix["total"] + head) if p > 1 else L * mix["total"] + head
    # pipeline point-to-point: one activation per microbatch forward and one gradient backward, per chunk
    if p > 1:
        act = tok * c["h"] * by / (t if (pl.sp or t > 1) else 1)  # SP / scatter-gather: each TP rank sends 1/t
        p2p_t, _ = _group(links, "p2p", act, 2, t * pl.cp * pl.d)
        pp = 2 * v * p2p_t * (1.0 - pl.overlap.get("pp", 0.0))
    else:
        pp = 0.0
    t_stage += pp
    # data parallelism: gradients of this stage's parameters (ZeRO-3 also gathers weights per microbatch)
    mem = memory_terms(c, t, p, pl.d, pl.e, pl.cp, pl.b, m, v, pl.schedule, pl.recompute, pl.sp, pl.zero,
                       pl.attention, pl.layout, pl.dropout, shard=pl.shard)
    grad_bytes = mem["stage_params"] * by
    frac_given = pl.overlap.get("dp")
    dp_t = dp_exp = fsdp_mb = rep_exp = 0.0
    if pl.d > 1 and pl.zero >= 3:
        # ZeRO-3 / FSDP, one unit per layer: every microbatch gathers each layer's weights forward and
        # again backward and reduce-scatters its gradients, over the sharding group (HSDP: a node)
        frac = c["moe_layers"] / L if c["moe"] else 0.0
        p_layer = (c["P_attn"] + c["P_mlp_dense"] * (1 - frac) + c["P_mlp_moe"] / pl.e * frac) / t
        p_root = max(mem["stage_params"] - lps * p_layer, 0.0)  # embedding and output layer (root unit)
        sh, stride = pl.shard, t * pl.cp
        ag, _ = _group(links, "all_gather", p_layer * by, sh, stride)
        rs, _ = _group(links, "reduce_scatter", p_layer * by, sh, stride)
        ag1, _ = _group(links, "all_gather", (p_root + p_layer) * by, sh, stride)
        rs1, _ = _group(links, "reduce_scatter", (p_root + p_layer) * by, sh, stride)
        per_mb = (lps - 1) * (2 * ag + rs) + 2 * ag1 + rs1
        dp_t = m * per_mb
        if frac_given is None:
            fsdp_mb = fsdp_exposed(ag, rs, mix["fwd"], mix["bwd"] + mix["recompute"], lps - 1, ag1, rs1, c["ov_slow"])
        # HSDP: the replicas all-reduce their gradient shards once per step, layer by layer behind the
        # last microbatch's backward pass (the same layer-wise overlap as DDP / Megatron)
        rep = pl.d // sh
        if rep > 1:
            ar, _ = _group(links, "all_reduce", grad_bytes / sh, rep, stride * sh)
            dp_t += ar
            rep_exp = dp_exposed(ar, lps / v, c["dp_chunks"], lps * (mix["bwd"] + mix["recompute"]), frac_given,
                                 c["ov_slow"])
        if frac_given is not None:  # a given overlap fraction of the whole, behind the whole step's compute
            rep_exp = dp_exposed(dp_t, 1.0, 0.0, m * lps * mix["total"], frac_given, c["ov_slow"])
        t_stage += fsdp_mb
    elif pl.d > 1:
        dp_t, _ = _group(links, "all_reduce", grad_bytes, pl.d, t * pl.cp)
        chunks = lps / v
        window = lps * (mix["bwd"] + mix["recompute"])
        dp_exp = dp_exposed(dp_t, chunks, c["dp_chunks"], window, frac_given, c["ov_slow"])
    t_pipe = pipeline_step_time(t_stage, p, m, v)
    bubble = t_pipe - m * t_stage
    if pl.zero >= 3:
        dp_exp = m * fsdp_mb + rep_exp
    # optimizer step: memory-bound Adam over this GPU's (possibly ZeRO-sharded) parameters
    wb, gb, ob = c["state_bytes"]
    opt_params = mem["stage_params"] / (pl.shard if pl.zero >= 1 else 1)
    t_opt = opt_params * adam_step_bytes(gb, ob, pl.fusion == "fused") / B
    step = t_pipe + (rep_exp if pl.zero >= 3 else dp_exp) + t_opt
    n_gpu = t * p * pl.d * pl.cp
    tokens = global_batch * c["s"]
    model_flops = c["flops_per_token"] * tokens
    hw_flops = model_flops + mix["hw_extra_flops"] * L * m * pl.d * pl.cp * t  # recompute FLOPs, whole fleet
    scale = m * lps
    return {
        "step": step, "pipe": t_pipe, "stage": t_stage, "bubble": bubble, "pp": pp * m,
        "compute": scale * (mix["gemm"]) + m * head, "attention": scale * mix["attn"], "elementwise": scale * mix["elem"],
        "tp": scale * mix["tp"], "cp": scale * mix["cp"], "ep": scale * mix["ep"], "recompute": scale * mix["recompute"],
        "kernels": scale * mix["kernels"],
        "dp": dp_t, "dp_exposed": dp_exp, "optimizer": t_opt, "mem": mem, "n_gpu": n_gpu, "tokens": tokens,
        "model_flops": model_flops, "hw_flops": hw_flops, "layers_per_stage": lps,
    }


# ---- the public solver --------------------------------------------------------------------------
class DistributedResult(Result):
    """Result of ``DistributedModel.solve``: the step time and its parts, utilisation, memory."""

    model = field("workload name")
    fleet = field("fleet name")
    hardware = field("accelerator name")
    precision = field("training precision")
    parallelism = field("dict: tp, pp, dp, ep, cp sizes and the microbatch plan")
    global_batch = field("sequences per step (all data-parallel replicas)")
    microbatch_size = field("sequences per microbatch")
    microbatch_count = field("microbatches per replica per step (m; gradient accumulation)")
    seq_len = field("tokens per sequence")
    step_time = qfield("time of one training step", "s", "s")
    compute_time = qfield("GEMMs (and the output layer) on the critical path of the step", "s", "s")
    attention_time = qfield("attention-core kernels (score and value products, softmax)", "s", "s")
    elementwise_time = qfield("memory-bound element-wise kernels (norms, residuals, activations)", "s", "s")
    recompute_time = qfield("recomputation included in the times above", "s", "s")
    tp_comm_time = qfield("exposed tensor-parallel communication", "s", "s")
    cp_comm_time = qfield("exposed context-parallel communication", "s", "s")
    ep_comm_time = qfield("exposed expert-parallel all-to-all", "s", "s")
    pp_comm_time = qfield("exposed pipeline point-to-point sends", "s", "s")
    bubble_time = qfield("pipeline bubble: (p−1)/v stage times", "s", "s")
    dp_communication_latency = qfield("data-parallel gradient communication (total, before overlap)", "s", "ms")
    dp_comm_exposed = qfield("the part of it not hidden behind the backward pass", "s", "ms")
    kernel_overhead_time = qfield("time lost at kernel boundaries (launch, tail, pipeline refill)", "s", "ms")
    overhead_time = qfield("optimizer step (memory-bound Adam update)", "s", "ms")
    bubble_fraction = field("(p−1)/(v·m): bubble over ideal pipeline time (Narayanan et al. 2021)")
    tokens_per_second = qfield("trained tokens per second (whole fleet)", "token/s")
    tflops_per_gpu = qfield("achieved model FLOP/s per GPU", "FLOP/s", "TFLOP/s")
    mfu = field("model FLOPs utilisation: model FLOPs / (step · GPUs · dense peak)")
    hfu = field("hardware FLOPs utilisation: counts recomputation too")
    scaling_efficiency = field("ideal time (model FLOPs at the calibrated GEMM rate) / step time")
    memory_per_gpu = field("TrainingMemoryResult of the heaviest GPU (weights, gradients, optimizer, activations, buffers)")
    memory_total = qfield("memory of the heaviest GPU", "B", "GB")
    memory_capacity = qfield("device memory capacity", "B", "GB")
    feasible = field("the heaviest GPU's memory fits")
    overflow = field("None when it fits; else which term overflows")
    bottleneck = field("the largest part of the step")
    assumptions = field("modelling choices and default sources")


class DistributedModel:
    """Training step of a transformer on a fleet with data, tensor, pipeline, expert and context parallelism."""

    def solve(self, model, fleet, batch_size: int, tp_size: int = 1, pp_size: int = 1,
              microbatch_count: int | None = None, *, precision: str = "bf16", seq_len: int | None = None,
              dp_size: int | None = None, ep_size: int = 1, cp_size: int = 1, microbatch_size: int | None = None,
              activation_recomputation: str = "none", sequence_parallel: bool | None = None, zero_stage: int = 0,
              pipeline_schedule: str = "1f1b", virtual_stages: int | None = None, pipeline_layout: str = "uniform",
              attention: str = "flash", overlap: dict | None = None, efficiency: float | None = None,
              memory_efficiency: float | None = None, dropout: bool | None = None,
              shard_group_size: int | None = None, kernel_fusion: str = "fused",
              model_code: str = "reference") -> DistributedResult:
        """Solve one training step.

        Parameters
        ----------
        model
            A transformer workload or its name.
        fleet
            A ``Fleet`` or a cluster name (``"Frontier_8K"``).
        batch_size
            Global batch in sequences per step.
        tp_size, pp_size, cp_size, ep_size
            Tensor, pipeline, context and expert parallel sizes (EP splits the experts inside the
            data-parallel group, so it does not consume GPUs of its own).
        microbatch_count
            Microbatches per replica per step (default: from ``microbatch_size``, else 1 sequence each).
        dp_size
            Data-parallel size (default: GPUs / (tp · pp · cp)).
        microbatch_size
            Sequences per microbatch.
        precision
            Training precision (``bf16``/``fp16`` mixed precision, ``fp8``, ``fp32``).
        seq_len
            Tokens per sequence (default: the model's context length).
        activation_recomputation
            ``none``, ``selective`` (attention core) or ``full`` (whole layers).
        sequence_parallel
            Shard norms/dropout over TP with reduce-scatter + all-gather (default: on when tp > 1).
        zero_stage
            ZeRO 0-3 over the data-parallel group (3 = FSDP full sharding).
        pipeline_schedule, virtual_stages
            ``1f1b`` or ``interleaved`` with ``virtual_stages`` model chunks per GPU.
        pipeline_layout
            ``uniform`` (L/p layers per stage, output layer added to the last) or ``balanced``
            (first and last stages give one layer's slot to the embedding and output layer).
        attention
            ``flash`` (fused FlashAttention-2-class kernel at its measured efficiency), ``flash1``
            (a FlashAttention-1-class fused kernel: FlashAttention 1.x or the 2022-23 Triton
            FlashAttention kernel, at FlashAttention-2's rate times the FlashAttention-2 paper's
            measured FA1/FA2 ratio, Dao 2023 Fig. 4c) or ``unfused`` (score matrix in memory,
            softmax and dropout kernels, as Megatron-LM in 2022).
        overlap
            Fractions of each communication hidden behind compute, e.g. ``{"tp": 0.5, "pp": 1}``;
            ``dp`` defaults to Megatron's layer-wise overlap (one layer exposed), the others to 0.
        efficiency, memory_efficiency
            Achievable fractions of peak FLOP/s and HBM bandwidth (defaults: calibration data).
        dropout
            Dropout kernels and masks (default: on for plain-MLP GPT-style models, off for gated-MLP
            models such as Llama).
        shard_group_size
            ZeRO-3 / FSDP: the data-parallel ranks the weights, gradients and optimizer states are
            sharded over (default: all of them). Smaller is hybrid sharding (PyTorch HYBRID_SHARD,
            ZeRO++ hpZ): gather and reduce-scatter inside the group (e.g. the 8 GPUs of a node),
            all-reduce the gradient shards across the groups once per step.
        kernel_fusion
            ``fused`` (default: Megatron-Core / Transformer Engine / Apex kernels: one kernel per layer
            norm, activation and rotary embedding, fused Adam) or ``eager`` (PyTorch eager mode without
            torch.compile: RMSNorm, rotary embedding, SwiGLU and the loss as separate element-wise
            kernels each reading and writing HBM, PyTorch's foreach AdamW).
        model_code
            Whose model code runs in eager mode, where its element-wise operators differ
            (``EAGER_MODEL_CODE``): ``reference`` (default: Meta's Llama reference, TorchTitan) or
            ``ibm-fms`` (IBM foundation-model-stack, the model code of fms-fsdp).
        """
        model = as_model(model)
        fl = as_fleet(fleet)
        if not hasattr(fl, "node"):
            raise ConfigError(f"fleet: expected a Fleet or a cluster name, got {type(fleet).__name__}")
        hw = fl.node.accelerator
        precision = normalize_precision(precision)
        links = fleet_links(fl)
        c = model_context(model, hw, precision, seq_len, efficiency, memory_efficiency)
        pl, gb, notes = _plan(c, links, batch_size, tp_size, pp_size, microbatch_count, dp_size, ep_size, cp_size,
                              microbatch_size, activation_recomputation, sequence_parallel, zero_stage,
                              pipeline_schedule, virtual_stages, pipeline_layout, attention, overlap, dropout,
                              shard_group_size, kernel_fusion, model_code)
        r = evaluate(c, pl, links, gb)
        return _result(c, fl, pl, gb, r, notes, links)


def _plan(c, links, batch_size, tp, pp, m, dp, ep, cp, mbs, recompute, sp, zero, schedule, v, layout, attention, overlap,
          dropout=None, shard=None, fusion="fused", code="reference"):
    """Validate a configuration into a Plan; one-line ConfigErrors naming the parameter."""
    notes: list[str] = []
    gb = check_positive_int(batch_size, "batch_size", 1 << 30)
    t = check_positive_int(tp, "tp_size", 1 << 20)
    p = check_positive_int(pp, "pp_size", 1 << 20)
    e = check_positive_int(ep, "ep_size", 1 << 20)
    cpn = check_positive_int(cp, "cp_size", 1 << 20)
    check_choice(recompute, RECOMPUTE, "activation_recomputation")
    check_choice(schedule, SCHEDULES, "pipeline_schedule")
    check_choice(layout, LAYOUTS, "pipeline_layout")
    check_choice(attention, ATTENTION, "attention")
    check_choice(fusion, KERNEL_FUSION, "kernel_fusion")
    check_choice(code, tuple(EAGER_MODEL_CODE), "model_code")
    if zero not in (0, 1, 2, 3) or isinstance(zero, bool):
        raise ConfigError(f"zero_stage: expected 0, 1, 2 or 3, got {zero!r}")
    if c["a"] % t:
        raise ConfigError(f"tp_size: {t} does not divide the {c['a']} attention heads of {c['name']}")
    if c["s"] % cpn:
        raise ConfigError(f"cp_size: {cpn} does not divide the sequence length {c['s']}")
    if schedule == "interleaved":
        v = 2 if v is None else check_positive_int(v, "virtual_stages", 1024)
        if p == 1:
            raise ConfigError("pipeline_schedule: 'interleaved' needs pp_size > 1")
    else:
        if v not in (None, 1):
            raise ConfigError("virtual_stages: more than 1 needs pipeline_schedule='interleaved'")
        v = 1
    L = c["L"]
    slots = L if layout == "uniform" else L + 2
    if slots % (p * v):
        what = "layers" if layout == "uniform" else "layers + 2 (embedding, output)"
        raise ConfigError(f"pp_size: pp·virtual_stages = {p * v} does not divide the {slots} {what} of {c['name']}"
                          + ("" if layout == "balanced" else "; pipeline_layout='balanced' gives the embedding and output layer a slot each"))
    n = links["N"]
    if dp is None:
        if n % (t * p * cpn):
            name = "cp_size" if cpn > 1 else "pp_size" if p > 1 else "tp_size"
            raise ConfigError(f"{name}: tp·pp·cp = {t * p * cpn} does not divide the fleet's {n} GPUs")
        d = n // (t * p * cpn)
    else:
        d = check_positive_int(dp, "dp_size", 1 << 30)
        if t * p * d * cpn != n:
            raise ConfigError(f"dp_size: tp·pp·dp·cp = {t}·{p}·{d}·{cpn} = {t * p * d * cpn} does not match the fleet's {n} GPUs")
    if e > 1:
        if not c["moe"]:
            raise ConfigError(f"ep_size: {c['name']} has no experts; use ep_size=1")
        n_exp = c["_model"].num_experts
        if n_exp % e:
            raise ConfigError(f"ep_size: {e} does not divide the {n_exp} experts of {c['name']}")
        if (d * cpn) % e:
            raise ConfigError(f"ep_size: {e} does not divide the data-parallel × context-parallel size {d * cpn}")
    if gb % d:
        raise ConfigError(f"batch_size: {gb} sequences do not split over {d} data-parallel replicas")
    per = gb // d
    if mbs is not None:
        b = check_positive_int(mbs, "microbatch_size", 1 << 24)
        if b > per:
            raise ConfigError(f"microbatch_size: {b} is larger than the {per} sequences per data-parallel replica")
        if per % b:
            raise ConfigError(f"microbatch_size: {b} does not divide the {per} sequences per replica")
        mm = per // b
        if m is not None and check_positive_int(m, "microbatch_count") != mm:
            raise ConfigError(f"microbatch_count: {m} disagrees with microbatch_size {b} ({mm} microbatches of {per} sequences)")
    elif m is not None:
        mm = check_positive_int(m, "microbatch_count", 1 << 24)
        if mm > per:
            notes.append(f"microbatch_count {mm} exceeds the {per} sequences per replica: used {per} microbatches of 1")
            mm = per
        if per % mm:
            raise ConfigError(f"microbatch_count: {mm} does not divide the {per} sequences per data-parallel replica")
        b = per // mm
    else:
        b, mm = 1, per
    if schedule == "interleaved" and mm % p:
        raise ConfigError(f"microbatch_count: the interleaved schedule needs a multiple of pp_size ({p}), got {mm}")
    sp_on = (t > 1) if sp is None else bool(sp)
    ov = {}
    for k, val in (overlap or {}).items():
        if k not in _OVERLAP_KEYS:
            raise ConfigError(f"overlap: unknown key {k!r}; use {', '.join(_OVERLAP_KEYS)}")
        if isinstance(val, bool):
            val = 1.0 if val else 0.0
        ov[k] = check_efficiency(val, f"overlap.{k}") if val != 0 else 0.0
    if t > links["g"]:
        notes.append(f"tp_size {t} exceeds the {links['g']} GPUs of a node: tensor-parallel collectives cross the fabric")
    drop = default_dropout(c) if dropout is None else bool(dropout)
    if dropout is None:
        notes.append(f"dropout {'on' if drop else 'off'} (default for a {'gated' if c['gated'] else 'plain'}-MLP model)")
    if shard is not None:
        shard = check_positive_int(shard, "shard_group_size", 1 << 30)
        if zero < 3:
            raise ConfigError(f"shard_group_size: hybrid sharding needs zero_stage=3, got zero_stage={zero}")
        if d % shard:
            raise ConfigError(f"shard_group_size: {shard} does not divide the data-parallel size {d}")
    return (Plan(t, p, d, e, cpn, b, mm, v, schedule, layout, recompute, sp_on, zero, attention, ov, drop, shard, fusion,
                 code), gb, notes)


def _result(c, fl, pl, gb, r, notes, links) -> DistributedResult:
    mem = r["mem"]
    largest, over = overflow_term(mem, c["cap"])
    parts = {"compute": r["compute"], "attention": r["attention"], "elementwise": r["elementwise"], "tp_comm": r["tp"],
             "cp_comm": r["cp"], "ep_comm": r["ep"], "pp_comm": r["pp"], "bubble": r["bubble"],
             "dp_comm": r["dp_exposed"], "optimizer": r["optimizer"], "kernel_overhead": r["kernels"]}
    step = r["step"]
    peak_all = r["n_gpu"] * c["peak"]
    ideal = r["model_flops"] / (r["n_gpu"] * c["rate"])
    assumptions = list(notes) + list(c["sources"]) + [
        (f"flash1 attention (FlashAttention-1 class) at x{c['fa1']:.3f} of FlashAttention-2's rate "
         f"({c['fa1_src']}), " if pl.attention == "flash1" else f"{pl.attention} attention, ")
        + f"{pl.recompute} recomputation, sequence parallel {'on' if pl.sp else 'off'}, ZeRO {pl.zero}"
        + (f" sharded over {pl.shard} of {pl.d} data-parallel ranks (hybrid)" if pl.zero >= 3 and pl.shard < pl.d else ""),
        f"{pl.fusion} kernels" + (": unfused PyTorch element-wise kernels and foreach AdamW (extra HBM traffic counted)"
                                  + (f", {pl.code} model code" if pl.code != "reference" else "")
                                  if pl.fusion == "eager" else " (Megatron-Core / Transformer Engine style)"),
        f"{pl.schedule} pipeline schedule" + (f" with {pl.v} chunks per GPU" if pl.v > 1 else "") + f", {pl.layout} stage layout",
        f"intra-node: {links['intra'].name} {links['intra'].beta / 1e9:.0f} GB/s effective ({links['intra'].source})",
        f"fabric: {links['fab_rail'].beta / 1e9:.1f} GB/s per GPU ({links['fab_rail'].source})",
        ("ZeRO-3: each layer's gather and reduce-scatter hidden behind that layer's compute when shorter; "
         "the first gather and last reduce-scatter of each microbatch exposed" if pl.zero >= 3 else
         "data-parallel gradients hidden behind the backward pass except one layer (calibration: dp_overlap)")
        if "dp" not in pl.overlap else f"data-parallel overlap {pl.overlap['dp']:.2f} (given)",
    ]
    return DistributedResult._make({
        "model": c["name"], "fleet": fl.name, "hardware": c["hw_name"], "precision": c["precision"],
        "parallelism": {"tp": pl.t, "pp": pl.p, "dp": pl.d, "ep": pl.e, "cp": pl.cp, "virtual_stages": pl.v,
                        "schedule": pl.schedule},
        "global_batch": gb, "microbatch_size": pl.b, "microbatch_count": pl.m, "seq_len": c["s"],
        "step_time": step, "compute_time": r["compute"], "attention_time": r["attention"],
        "elementwise_time": r["elementwise"], "recompute_time": r["recompute"], "tp_comm_time": r["tp"],
        "cp_comm_time": r["cp"], "ep_comm_time": r["ep"], "pp_comm_time": r["pp"], "bubble_time": r["bubble"],
        "dp_communication_latency": r["dp"], "dp_comm_exposed": r["dp_exposed"], "overhead_time": r["optimizer"],
        "kernel_overhead_time": r["kernels"],
        "bubble_fraction": pipeline_bubble(pl.p, pl.m, pl.v), "tokens_per_second": r["tokens"] / step,
        "tflops_per_gpu": r["model_flops"] / step / r["n_gpu"], "mfu": r["model_flops"] / (step * peak_all),
        "hfu": r["hw_flops"] / (step * peak_all), "scaling_efficiency": ideal / step,
        "memory_per_gpu": memory_result(c, mem, {"tp": pl.t, "pp": pl.p, "dp": pl.d, "ep": pl.e, "cp": pl.cp}, pl.zero,
                                        pl.recompute, ("heaviest pipeline stage of DistributedModel",)), "memory_total": mem["total"], "memory_capacity": c["cap"],
        "feasible": mem["total"] <= c["cap"], "overflow": over, "bottleneck": max(parts, key=parts.get),
        "assumptions": tuple(assumptions),
    })
