"""Training memory per GPU: weights, gradients, optimizer states, activations, buffers.

Per GPU, with tensor (t), pipeline (p), data (d), expert (e) and context (c) parallelism:

- parameters held: the layers of the heaviest pipeline stage split by t (experts also by e),
  plus the embedding or output table of a first/last stage;
- mixed-precision Adam: 2 (16-bit weights) + 2 (16-bit gradients) + 12 (fp32 master, m, v)
  bytes per parameter; ZeRO stage 1 shards the 12 over d, stage 2 also the gradients, stage 3
  (and FSDP) also the weights (Rajbhandari et al. 2020, §5, Figure 1);
- activations per layer and microbatch (Korthikanti et al. 2022, eqs. 1-5), with the sequence
  split by c: s·b·h·(10 + 24/t + 5·a·s/(h·t)) with tensor parallelism, s·b·h·(34 + 5·a·s/h)/t
  with sequence parallelism; selective recomputation (or a fused FlashAttention kernel) drops
  the 5·a·s/h term; full recomputation keeps only the layer input 2·s·b·h (/t with sequence
  parallelism); the first stage of a 1F1B pipeline holds p microbatches in flight, and the
  interleaved schedule a factor (1 + (p−1)/(p·v)) more (Korthikanti §4.2.3);
- buffers: the gathered input of a sequence-parallel layer and, for ZeRO-3, the parameters of
  two layers gathered ahead (prefetch).

The 34 generalises to GQA and gated MLPs (the counts of the paper's Figure 2 with their real
widths); it assumes 16-bit activations and dropout masks as in the paper.
"""

from __future__ import annotations

from ..core.errors import ConfigError
from ..core.precision import normalize_precision
from ..core.result import Result, field, qfield
from ._inputs import as_fleet, as_hardware, as_model, check_choice, check_positive_int

__all__ = [
    "TrainingMemoryModel", "TrainingMemoryResult", "state_bytes_per_parameter", "zero_divisors",
    "activation_bytes_per_layer", "activation_per_token_terms", "in_flight_microbatches", "memory_terms",
    "memory_result", "default_dropout",
]

RECOMPUTE = ("none", "selective", "full")
#: attention kernels: "flash" (FlashAttention-2 class, the default), "flash1" (FlashAttention-1 class:
#: FlashAttention 1.x or the 2022-23 Triton FlashAttention kernel; fused, slower) and "unfused"
ATTENTION = ("flash", "flash1", "unfused")


def state_bytes_per_parameter(precision: str) -> tuple[float, float, float]:
    """(weight, gradient, optimizer) bytes per parameter for Adam.

    16-bit mixed precision (bf16/fp16, and fp8 whose GEMM inputs are cast from 16-bit weights):
    2 + 2 + 12 (fp32 master weights, first and second moments; Rajbhandari et al. 2020, §3.1:
    "16Ψ bytes"). fp32 training: 4 + 4 + 8 (no master copy)."""
    if precision in ("fp32", "tf32", "fp64"):
        w = 8.0 if precision == "fp64" else 4.0
        return w, w, 2 * w
    return 2.0, 2.0, 12.0


def zero_divisors(stage: int, d: int) -> tuple[int, int, int]:
    """Shards of (weights, gradients, optimizer states) over d data-parallel ranks for ZeRO
    stage 0-3 (Rajbhandari et al. 2020, §5: P_os, P_os+g, P_os+g+p); FSDP full sharding = 3."""
    return (d if stage >= 3 else 1, d if stage >= 2 else 1, d if stage >= 1 else 1)


def activation_per_token_terms(h: int, a: int, n_kv: int, d_qk: int, d_v: int, f: float, gated: bool,
                               dropout: bool = True) -> tuple[float, float]:
    """(bytes per token per layer that sequence parallelism shards, bytes that tensor parallelism
    shards) of a transformer layer's stored activations, 16-bit (Korthikanti et al. 2022, §4.1).

    Not split by t: two layer-norm inputs 4h, QKV and MLP inputs 2h + 2h, two 1-byte dropout
    masks 2h (10h; 8h for models trained without dropout). Split by t: Q 2·a·d, K and V
    2·n_kv·(d_qk + d_v), the output-projection input 2·a·d_v, the MLP's activation input and
    output 4f (gated: 6f). For MHA with f = 4h the second is 24h (the paper's 10 + 24/t)."""
    rep = (10.0 if dropout else 8.0) * h
    tp = 2.0 * a * d_qk + 2.0 * n_kv * (d_qk + d_v) + 2.0 * a * d_v + (6.0 if gated else 4.0) * f
    return rep, tp


def activation_bytes_per_layer(s_local: float, b: float, s_ctx: float, a: int, rep: float, tp: float, t: int,
                               sp: bool, recompute: str, attention: str, h: int, dropout: bool = True) -> float:
    """Stored activation bytes of one layer for one microbatch on one GPU (Korthikanti et al.
    2022, eqs. 2-5, with the sequence s_local = s/c of context parallelism).

    none:      s·b·(rep/(t if SP else 1) + tp/t) + 5·a·s·s_ctx·b/t   (eqs. 2 and 4; 2·a·s² without
               dropout: the softmax output only)
    selective: the same without the 5·a·s² attention term            (eq. 5); a fused
               (flash) attention kernel never stores it either
    full:      the layer input only, 2·s·b·h (/t with SP)             (§5, "full")"""
    if recompute == "full":
        return 2.0 * s_local * b * h / (t if sp else 1)
    base = s_local * b * (rep / (t if sp else 1) + tp / t)
    if recompute == "none" and attention == "unfused":
        base += (5.0 if dropout else 2.0) * a * s_local * s_ctx * b / t
    return base


def in_flight_microbatches(p: int, m: int, v: int, schedule: str) -> float:
    """Microbatches whose activations the first pipeline stage holds at once: min(p, m) for 1F1B
    (Narayanan et al. 2021, §2.2.1), times (1 + (p−1)/(p·v)) for the interleaved schedule
    (Korthikanti et al. 2022, §4.2.3); 1 without pipelining."""
    if p <= 1:
        return 1.0
    k = float(min(p, m))
    if schedule == "interleaved" and v > 1:
        k *= 1.0 + (p - 1) / (p * v)
    return k


class TrainingMemoryResult(Result):
    """Per-GPU training memory: each term, the total, the capacity and what overflows."""

    model = field("workload name")
    hardware = field("device name")
    precision = field("training precision")
    parallelism = field("dict: tp, pp, dp, ep, cp sizes")
    zero_stage = field("ZeRO stage (0 none, 1 optimizer, 2 +gradients, 3 +weights / FSDP)")
    activation_recomputation = field("'none', 'selective' or 'full'")
    parameters_per_gpu = field("parameters held by the heaviest GPU (before ZeRO sharding)")
    weights = qfield("model weights held per GPU", "B", "GB")
    gradients = qfield("gradients held per GPU", "B", "GB")
    optimizer_states = qfield("optimizer states per GPU (Adam: fp32 master, m, v)", "B", "GB")
    activations = qfield("stored activations of the in-flight microbatches (first pipeline stage)", "B", "GB")
    activations_per_layer = qfield("stored activations of one layer for one microbatch", "B", "MB")
    in_flight_microbatches = field("microbatches whose activations are held at once")
    communication_buffers = qfield("gathered SP inputs and ZeRO-3 prefetched parameters", "B", "GB")
    total = qfield("sum of the terms", "B", "GB")
    capacity = qfield("device memory capacity", "B", "GB")
    headroom = qfield("capacity minus total (negative: does not fit)", "B", "GB")
    feasible = field("the total fits in device memory")
    largest_term = field("the largest term")
    overflow = field("None when it fits; else which term pushes the total over the capacity")
    assumptions = field("modelling choices")


def memory_terms(c: dict, t: int, p: int, d: int, e: int, cp: int, b: int, m: int, v: int, schedule: str,
                 recompute: str, sp: bool, zero: int, attention: str, layout: str = "uniform", dropout: bool = True,
                 shard: int | None = None) -> dict:
    """Float core shared with DistributedModel and the optimizer: the per-GPU terms in bytes.
    ``c`` holds the model's counts (see ``distributed.model_context``). ``shard``: the ranks ZeRO
    shards over (default d; PyTorch's hybrid sharding shards inside a node and replicates across)."""
    wb, gb, ob = c["state_bytes"]
    L = c["L"]
    lps = -(-L // p) if layout == "uniform" else -(-(L + 2) // p)
    dense_layer = c["P_attn"] + c["P_mlp_dense"]
    moe_layer = c["P_attn"] + c["P_mlp_moe"] / e
    frac_moe = c["moe_layers"] / L
    per_layer = dense_layer * (1 - frac_moe) + moe_layer * frac_moe
    emb = c["V"] * c["h"]
    one_emb = emb / t if (p > 1 or c["tied"]) else 2 * emb / t
    if layout == "balanced" and p > 1:  # first stage: one layer fewer plus the embedding (Llama 3, §3.3.2)
        stage_params = max(lps * per_layer, (lps - 1) * per_layer + emb) / t
    else:
        stage_params = lps * per_layer / t + one_emb
    wd, gd, od = zero_divisors(zero, d if shard is None else shard)
    weights = stage_params * wb / wd
    grads = stage_params * gb / gd
    opt = stage_params * ob / od
    s_local = c["s"] / cp
    rep, tpb = (c["act_rep"] if dropout else c["act_rep"] * 0.8), c["act_tp"]
    per = activation_bytes_per_layer(s_local, b, c["s"], c["a"], rep, tpb, t, sp, recompute, attention, c["h"], dropout)
    if recompute == "full":  # the one layer being recomputed holds its full activations meanwhile
        extra = activation_bytes_per_layer(s_local, b, c["s"], c["a"], rep, tpb, t, sp, "none", attention, c["h"], dropout)
    else:
        extra = 0.0
    k = in_flight_microbatches(p, m, v, schedule)
    if layout == "balanced" and p > 1:  # stage 0 holds k microbatches of lps-1 layers, stage 1 k-1 of lps
        k1 = in_flight_microbatches(p, m, v, schedule) * (min(p - 1, m) / min(p, m))
        acts = max((lps - 1) * k, lps * k1) * per + extra
    else:
        acts = lps * per * k + extra
    if p == 1:  # one stage also holds the fp32 logits of the output layer (Korthikanti §4.3: 4·s·b·V/t)
        acts += 4.0 * s_local * b * c["V"] / t
    n_shard = d if shard is None else shard
    bufs = (2.0 * s_local * b * c["h"] if (t > 1 and sp) else 0.0) + (2 * per_layer / t * 2.0 if zero >= 3 and n_shard > 1 else 0.0)
    return {"stage_params": stage_params, "weights": weights, "gradients": grads, "optimizer_states": opt,
            "activations": acts, "per_layer": per, "in_flight": k, "buffers": bufs,
            "total": weights + grads + opt + acts + bufs}


def overflow_term(terms: dict, capacity: float) -> tuple[str, str | None]:
    """(largest term, None or a one-line statement of what overflows)."""
    names = ("weights", "gradients", "optimizer_states", "activations", "buffers")
    largest = max(names, key=lambda k: terms[k])
    if terms["total"] <= capacity:
        return largest, None
    label = largest.replace("_", " ")
    return largest, (f"{label} ({terms[largest] / 1e9:.1f} GB) push the total to {terms['total'] / 1e9:.1f} GB, "
                     f"over the {capacity / 1e9:.0f} GB capacity")


def _device(x):
    """A device from a device, a fleet, or the name of either."""
    if hasattr(x, "compute"):
        return x
    if hasattr(x, "node"):
        return x.node.accelerator
    if isinstance(x, str):
        from ..core.errors import UnknownNameError

        try:
            return as_hardware(x)
        except UnknownNameError:
            try:
                return as_fleet(x).node.accelerator
            except UnknownNameError:
                pass
            raise
    return as_hardware(x)


def default_dropout(c: dict) -> bool:
    """Dropout on for GPT-style models (plain MLP, as in Megatron's GPT runs), off for gated-MLP
    models (Llama, Mistral, Qwen pre-train with dropout 0)."""
    return not c["gated"]


def memory_result(c: dict, terms: dict, parallelism: dict, zero: int, recompute: str, notes: tuple) -> TrainingMemoryResult:
    """A ``TrainingMemoryResult`` from the float terms (no unit work until a field is read)."""
    cap = c["cap"]
    largest, over = overflow_term(terms, cap)
    return TrainingMemoryResult._make({
        "model": c["name"], "hardware": c["hw_name"], "precision": c["precision"], "parallelism": parallelism,
        "zero_stage": zero, "activation_recomputation": recompute, "parameters_per_gpu": terms["stage_params"],
        "weights": terms["weights"], "gradients": terms["gradients"], "optimizer_states": terms["optimizer_states"],
        "activations": terms["activations"], "activations_per_layer": terms["per_layer"],
        "in_flight_microbatches": terms["in_flight"], "communication_buffers": terms["buffers"],
        "total": terms["total"], "capacity": cap, "headroom": cap - terms["total"],
        "feasible": terms["total"] <= cap, "largest_term": largest, "overflow": over, "assumptions": notes,
    })


class TrainingMemoryModel:
    """Per-GPU memory of training a transformer with 4D parallelism, ZeRO and recomputation."""

    def solve(self, model, hardware, batch_size: int = 1, *, seq_len: int | None = None, precision: str = "bf16",
              tp_size: int = 1, pp_size: int = 1, dp_size: int = 1, ep_size: int = 1, cp_size: int = 1,
              microbatch_count: int | None = None, zero_stage: int = 0, activation_recomputation: str = "none",
              sequence_parallel: bool | None = None, attention: str = "flash", pipeline_schedule: str = "1f1b",
              virtual_stages: int = 1, dropout: bool | None = None) -> TrainingMemoryResult:
        """Solve the memory of one GPU.

        Parameters
        ----------
        model
            A transformer workload or its name.
        hardware
            A device, its name, or a fleet (its accelerator is used).
        batch_size
            Microbatch size in sequences (per data-parallel replica per microbatch).
        seq_len
            Tokens per sequence (default: the model's context length).
        precision
            Training precision: bf16/fp16 (mixed precision, 16 bytes per parameter) or fp32.
        tp_size, pp_size, dp_size, ep_size, cp_size
            Tensor, pipeline, data, expert and context parallel sizes.
        microbatch_count
            Microbatches per step (gradient accumulation); default pp_size.
        zero_stage
            0-3 (ZeRO / FSDP sharding over dp_size).
        activation_recomputation
            ``none``, ``selective`` (attention core recomputed) or ``full`` (layer inputs only kept).
        sequence_parallel
            Shard the non-tensor-parallel activations over TP (default: on when tp_size > 1).
        attention
            ``flash`` (fused kernel, no s² scores stored) or ``unfused`` (softmax and dropout
            outputs stored, as in Megatron-LM 2022).
        pipeline_schedule, virtual_stages
            ``1f1b`` or ``interleaved`` with ``virtual_stages`` chunks per GPU.
        dropout
            Dropout masks stored (default: on for GPT-style models with a plain MLP, off for
            gated-MLP models such as Llama, which pre-train without dropout).
        """
        from .distributed import model_context

        model = as_model(model)
        hw = _device(hardware)
        precision = normalize_precision(precision)
        if activation_recomputation not in RECOMPUTE:
            raise ConfigError(f"activation_recomputation: expected one of {', '.join(RECOMPUTE)}, got {activation_recomputation!r}")
        check_choice(attention, ATTENTION, "attention")
        if zero_stage not in (0, 1, 2, 3):
            raise ConfigError(f"zero_stage: expected 0, 1, 2 or 3, got {zero_stage!r}")
        if pipeline_schedule not in ("1f1b", "interleaved"):
            raise ConfigError(f"pipeline_schedule: expected '1f1b' or 'interleaved', got {pipeline_schedule!r}")
        t, p, d, e, cp = (check_positive_int(x, n, 1 << 20) for x, n in (
            (tp_size, "tp_size"), (pp_size, "pp_size"), (dp_size, "dp_size"), (ep_size, "ep_size"), (cp_size, "cp_size")))
        b = check_positive_int(batch_size, "batch_size", 1 << 24)
        v = check_positive_int(virtual_stages, "virtual_stages", 1024)
        m = check_positive_int(microbatch_count, "microbatch_count", 1 << 24) if microbatch_count is not None else p
        sp = (t > 1) if sequence_parallel is None else bool(sequence_parallel)
        c = model_context(model, hw, precision, seq_len)
        drop = default_dropout(c) if dropout is None else bool(dropout)
        terms = memory_terms(c, t, p, d, e, cp, b, m, v, pipeline_schedule, activation_recomputation, sp, zero_stage,
                             attention, "uniform", drop)
        assumptions = (
            "Adam, mixed precision: 2 + 2 + 12 bytes per parameter" if c["state_bytes"][0] == 2 else "Adam in fp32: 4 + 4 + 8 bytes per parameter",
            f"activations: Korthikanti et al. 2022 eqs. 1-5 ({'sequence parallel' if sp else 'no sequence parallelism'}, "
            f"{activation_recomputation} recomputation, {attention} attention)",
            f"first pipeline stage holds {terms['in_flight']:g} microbatches in flight",
            f"dropout {'on' if drop else 'off'}" + (" (default for this model)" if dropout is None else ""),
        )
        return memory_result(c, terms, {"tp": t, "pp": p, "dp": d, "ep": e, "cp": cp}, zero_stage,
                             activation_recomputation, assumptions)
