"""Parallelism search: the fastest TP × PP × DP (× CP, EP) × microbatch × recompute × ZeRO plan that fits.

Every candidate is checked for validity (heads, layers, sequence and batch divisibility), then
for memory (``training_memory.memory_terms``, a few microseconds), and only then timed with the
same float core as ``DistributedModel`` (``distributed.evaluate``). A candidate whose lower bound
(its model FLOPs at the calibrated GEMM rate, plus its recomputation) cannot beat the current
top N is pruned without being timed. Rejected candidates keep their one-line reason.
"""

from __future__ import annotations

import time as _time

from ..core.errors import ConfigError
from ..core.precision import normalize_precision
from ..core.result import Result, field
from ._inputs import as_fleet, as_model, check_choice, check_positive_int
from .distributed import DistributedModel, Plan, evaluate, fleet_links, model_context
from .training_memory import ATTENTION, RECOMPUTE, default_dropout, memory_terms, overflow_term

__all__ = ["ParallelismOptimizer", "OptimizerResult", "candidate_space"]


def _pow2_upto(n: int) -> list[int]:
    out, k = [], 1
    while k <= n:
        out.append(k)
        k *= 2
    return out


def _divisors(n: int) -> list[int]:
    small = [k for k in range(1, int(n ** 0.5) + 1) if n % k == 0]
    return sorted(set(small + [n // k for k in small]))


class OptimizerResult(Result):
    """Ranked plans that fit, the best one solved in full, and why the others were rejected."""

    model = field("workload name")
    fleet = field("fleet name")
    global_batch = field("sequences per step")
    best = field("DistributedResult of the fastest plan that fits (None if none fits)")
    ranked = field("the top plans, fastest first: dicts of the plan and its step time, TFLOP/s, MFU, memory")
    rejected = field("rejected candidates: dicts with the plan, 'invalid' or 'does not fit', and the reason")
    searched = field("candidates enumerated")
    evaluated = field("candidates timed")
    pruned = field("candidates skipped by the lower bound (could not beat the top N)")
    invalid = field("candidates rejected as invalid")
    does_not_fit = field("candidates rejected for memory")
    elapsed_s = field("wall time of the search, seconds")
    candidates_per_second = field("searched / elapsed")
    interrupted = field("the search was interrupted (Ctrl-C); results are those found so far")
    assumptions = field("search space and modelling choices")


def candidate_space(model, n_gpu: int, g: int, batch: int, seq_len: int, *, tp_sizes=None, pp_sizes=None,
                    cp_sizes=None, ep_sizes=None, microbatch_sizes=None) -> dict:
    """The default axes of the search: TP powers of two up to two nodes, PP divisors of the layers
    (or of layers + 2 for the balanced layout), CP powers of two up to 8, EP powers of two up to the
    experts, microbatches of 1 to 16 sequences."""
    heads = model.heads
    tp = tp_sizes or [k for k in _pow2_upto(min(2 * g, heads, n_gpu))]
    pp = pp_sizes or sorted(set(d for d in _divisors(model.layers) + _divisors(model.layers + 2)
                                if d <= min(model.layers, n_gpu) and d <= 128))
    cp = cp_sizes or [k for k in _pow2_upto(8) if k <= n_gpu]
    ep = ep_sizes or ([k for k in _pow2_upto(model.num_experts)] if model.is_moe else [1])
    mb = microbatch_sizes or [1, 2, 4, 8, 16]
    return {"tp": list(tp), "pp": list(pp), "cp": list(cp), "ep": list(ep), "mb": list(mb)}


class ParallelismOptimizer:
    """Search parallel plans for the fastest training step that fits in memory."""

    def solve(self, model, fleet, batch_size: int, *, precision: str = "bf16", seq_len: int | None = None,
              top: int = 10, tp_sizes=None, pp_sizes=None, cp_sizes=None, ep_sizes=None, microbatch_sizes=None,
              recompute=RECOMPUTE, zero_stages=(0, 1, 2, 3), schedules=("1f1b", "interleaved"), virtual_stages=2,
              attention: str = "flash", efficiency: float | None = None, progress=None,
              interruptible: bool = False, keep_rejected: int = 100_000) -> OptimizerResult:
        """Search.

        Parameters
        ----------
        model, fleet
            Transformer workload and fleet (objects or names).
        batch_size
            Global batch in sequences.
        precision, seq_len, attention, efficiency
            As for ``DistributedModel.solve``.
        top
            How many plans to rank.
        tp_sizes, pp_sizes, cp_sizes, ep_sizes, microbatch_sizes
            Axes to search (defaults: ``candidate_space``).
        recompute, zero_stages, schedules, virtual_stages
            Recomputation modes, ZeRO stages, pipeline schedules and the chunks per GPU tried for
            the interleaved schedule.
        progress
            Called as ``progress(done, total)`` about every thousand candidates.
        interruptible
            Catch ``KeyboardInterrupt`` and return what was found so far (``interrupted=True``).
        """
        t_start = _time.perf_counter()
        model = as_model(model)
        fl = as_fleet(fleet)
        if not hasattr(fl, "node"):
            raise ConfigError(f"fleet: expected a Fleet or a cluster name, got {type(fleet).__name__}")
        if getattr(model, "kind", None) != "transformer":
            raise ConfigError(f"model: the parallelism search needs a transformer; {model.name} is a {model.kind}")
        gb = check_positive_int(batch_size, "batch_size", 1 << 30)
        top = check_positive_int(top, "top", 10_000)
        precision = normalize_precision(precision)
        for r in recompute:
            if r not in RECOMPUTE:
                raise ConfigError(f"recompute: unknown mode {r!r}; use {', '.join(RECOMPUTE)}")
        for z in zero_stages:
            if z not in (0, 1, 2, 3):
                raise ConfigError(f"zero_stages: {z!r} is not a ZeRO stage (0-3)")
        check_choice(attention, ATTENTION, "attention")
        vs = (virtual_stages,) if isinstance(virtual_stages, int) else tuple(virtual_stages)
        recompute = tuple(recompute)
        if attention != "unfused" and "selective" in recompute and len(recompute) > 1:
            # a fused attention kernel never stores the scores: selective recomputation is the same plan as none
            recompute = tuple(r for r in recompute if r != "selective")
        hw = fl.node.accelerator
        links = fleet_links(fl)
        c = model_context(model, hw, precision, seq_len, efficiency)
        n, g, s, L = links["N"], links["g"], c["s"], c["L"]
        cap = c["cap"]
        drop = default_dropout(c)
        space = candidate_space(model, n, g, gb, s, tp_sizes=tp_sizes, pp_sizes=pp_sizes, cp_sizes=cp_sizes,
                                ep_sizes=ep_sizes, microbatch_sizes=microbatch_sizes)
        sched_opts = []
        for sch in schedules:
            if sch == "1f1b":
                sched_opts.append(("1f1b", 1))
            elif sch == "interleaved":
                sched_opts.extend(("interleaved", v) for v in vs if v > 1)
            else:
                raise ConfigError(f"schedules: unknown schedule {sch!r}; use '1f1b' or 'interleaved'")
        total = (len(space["tp"]) * len(space["pp"]) * len(space["cp"]) * len(space["ep"]) * len(space["mb"])
                 * len(recompute) * len(zero_stages) * len(sched_opts))
        best: list[tuple[float, int, dict]] = []  # (step, seq, row), kept sorted, at most `top`
        rejected: list[dict] = []
        counts = {"searched": 0, "evaluated": 0, "pruned": 0, "invalid": 0, "fit": 0}
        flops_bound = c["flops_per_token"] * gb * s / (n * c["rate"])
        recompute_bound = (c["flops_per_token"] - 6.0 * c["h"] * c["V"]) / 3.0 * gb * s / (n * c["rate"])
        interrupted = False
        seq = 0

        def reject(cfg, kind, reason, k=1):
            counts["invalid" if kind == "invalid" else "fit"] += k
            if len(rejected) < keep_rejected:
                rejected.append({**cfg, "kind": kind, "reason": reason})

        per_inner = len(recompute) * len(zero_stages) * len(sched_opts)
        try:
            for t in space["tp"]:
                for p in space["pp"]:
                    for cp in space["cp"]:
                        for e in space["ep"]:
                            for b in space["mb"]:
                                base = {"tp": t, "pp": p, "cp": cp, "ep": e, "microbatch_size": b}
                                counts["searched"] += per_inner
                                if progress is not None and counts["searched"] % 1024 < per_inner:
                                    progress(counts["searched"], total)
                                why = _invalid(c, model, n, gb, t, p, cp, e, b)
                                if why:
                                    reject(base, "invalid", why, per_inner)
                                    continue
                                d = n // (t * p * cp)
                                m = gb // d // b
                                layout = "uniform" if L % p == 0 else "balanced"
                                for sch, v in sched_opts:
                                    cfg0 = {**base, "dp": d, "microbatch_count": m, "schedule": sch, "virtual_stages": v,
                                            "layout": layout}
                                    k = len(recompute) * len(zero_stages)
                                    if sch == "interleaved":
                                        slots = L if layout == "uniform" else L + 2
                                        if p == 1 or slots % (p * v) or m % p:
                                            reject(cfg0, "invalid", "interleaved schedule: needs pp > 1, layers divisible by "
                                                   f"pp·v = {p * v} and microbatches ({m}) a multiple of pp", k)
                                            continue
                                    for rc in recompute:
                                        for z in zero_stages:
                                            seq += 1
                                            cfg = {**cfg0, "recompute": rc, "zero_stage": z}
                                            if z > 0 and d == 1:
                                                reject(cfg, "invalid", "zero_stage: ZeRO needs a data-parallel size > 1")
                                                continue
                                            mem = memory_terms(c, t, p, d, e, cp, b, m, v, sch, rc, t > 1, z, attention,
                                                               layout, drop)
                                            if mem["total"] > cap:
                                                reject(cfg, "does not fit", overflow_term(mem, cap)[1])
                                                continue
                                            lb = flops_bound + (recompute_bound if rc == "full" else 0.0)
                                            if len(best) >= top and lb >= best[-1][0]:
                                                counts["pruned"] += 1
                                                continue
                                            pl = Plan(t, p, d, e, cp, b, m, v, sch, layout, rc, t > 1, z, attention, None, drop)
                                            r = evaluate(c, pl, links, gb)
                                            counts["evaluated"] += 1
                                            step = r["step"]
                                            if len(best) < top or step < best[-1][0]:
                                                row = {**cfg, "step_time_s": step,
                                                       "tflops_per_gpu": r["model_flops"] / step / r["n_gpu"] / 1e12,
                                                       "mfu": r["model_flops"] / (step * r["n_gpu"] * c["peak"]),
                                                       "memory_gb": mem["total"] / 1e9,
                                                       "tokens_per_second": r["tokens"] / step}
                                                best.append((step, seq, row))
                                                best.sort(key=lambda x: (x[0], x[1]))
                                                del best[top:]
        except KeyboardInterrupt:
            if not interruptible:
                raise
            interrupted = True
        if progress is not None and not interrupted:
            progress(counts["searched"], total)
        ranked = tuple(r for _s, _q, r in best)
        best_res = None
        if ranked:
            r0 = ranked[0]
            best_res = DistributedModel().solve(
                model, fl, gb, r0["tp"], r0["pp"], precision=precision, seq_len=seq_len, cp_size=r0["cp"],
                ep_size=r0["ep"], microbatch_size=r0["microbatch_size"], activation_recomputation=r0["recompute"],
                zero_stage=r0["zero_stage"], pipeline_schedule=r0["schedule"],
                virtual_stages=r0["virtual_stages"] if r0["schedule"] == "interleaved" else None,
                pipeline_layout=r0["layout"], attention=attention, efficiency=efficiency)
        elapsed = _time.perf_counter() - t_start
        return OptimizerResult._make({
            "model": model.name, "fleet": fl.name, "global_batch": gb, "best": best_res, "ranked": ranked,
            "rejected": tuple(rejected), "searched": counts["searched"], "evaluated": counts["evaluated"],
            "pruned": counts["pruned"], "invalid": counts["invalid"], "does_not_fit": counts["fit"],
            "elapsed_s": elapsed, "candidates_per_second": counts["searched"] / elapsed if elapsed > 0 else float("inf"),
            "interrupted": interrupted,
            "assumptions": (f"search axes: TP {space['tp']}, PP {space['pp']}, CP {space['cp']}, EP {space['ep']}, "
                            f"microbatch {space['mb']}, recompute {list(recompute)}, ZeRO {list(zero_stages)}, "
                            f"schedules {[f'{a}' + (f' v={v}' if v > 1 else '') for a, v in sched_opts]}",
                            f"{attention} attention (with a fused kernel selective recomputation equals none); "
                            f"sequence parallelism whenever TP > 1; dropout {'on' if drop else 'off'}",
                            "ranked by step time for the fixed global batch"),
        })


def _invalid(c, model, n, gb, t, p, cp, e, b) -> str | None:
    """The one-line reason a base plan is invalid, or None (no exceptions in the hot loop)."""
    L = c["L"]
    if c["a"] % t:
        return f"tp_size: {t} does not divide the {c['a']} attention heads"
    if L % p and (L + 2) % p:
        return f"pp_size: {p} divides neither the {L} layers nor layers + 2"
    if c["s"] % cp:
        return f"cp_size: {cp} does not divide the sequence length {c['s']}"
    if n % (t * p * cp):
        return f"tp·pp·cp = {t * p * cp} does not divide the {n} GPUs"
    d = n // (t * p * cp)
    if gb % d:
        return f"batch_size: {gb} sequences do not split over {d} data-parallel replicas"
    per = gb // d
    if b > per:
        return f"microbatch_size: {b} is larger than the {per} sequences per replica"
    if per % b:
        return f"microbatch_size: {b} does not divide the {per} sequences per replica"
    if e > 1:
        if not c["moe"]:
            return "ep_size: the model has no experts"
        if model.num_experts % e:
            return f"ep_size: {e} does not divide the {model.num_experts} experts"
        if (d * cp) % e:
            return f"ep_size: {e} does not divide dp·cp = {d * cp}"
    return None
