"""A whole training run: steps × step time, lost to failures, in GPU-hours, energy and cost hand-offs.

    steps      = ⌈D / (B·s)⌉                               tokens over tokens per step
    T_compute  = steps · T_step                            (DistributedModel)
    waste      = δ/τ + τ/(2M) + R/M                        (Young 1974; Daly 2006)
    T_wall     = T_compute / (1 − waste)
    GPU-hours  = T_wall · N / 3600
    FLOPs      = D · (6·P + attention)                     (model FLOPs: ``training_flops_per_token``)

with δ the checkpoint write time, τ the interval between checkpoints (Young's √(2δM) unless
given), M the fleet's mean time between job-interrupting failures and R the restart time. A
``ReliabilityResult`` (``ReliabilityModel``) supplies all four. Energy and carbon are handed to
``SustainabilityModel.solve_run`` through ``accelerator_hours`` and ``average_power`` (the
accelerator's TDP unless given: the "TDP method", named in the result).
"""

from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from ._inputs import as_fleet, as_model, opt_quantity
from .distributed import DistributedModel

__all__ = ["TrainingRunModel", "TrainingRunResult", "young_interval", "waste_fraction", "steps_for_tokens"]


def steps_for_tokens(tokens: float, global_batch: int, seq_len: int) -> int:
    """Optimizer steps to see D tokens: ⌈D / (B·s)⌉."""
    return max(1, math.ceil(tokens / (global_batch * seq_len)))


def young_interval(delta: float, mtbf: float) -> float:
    """Young's optimal checkpoint interval τ = √(2·δ·M) (Young 1974, CACM 17(9))."""
    return math.sqrt(2.0 * delta * mtbf)


def waste_fraction(delta: float, tau: float, mtbf: float, restart: float) -> float:
    """Fraction of wall time lost: δ/τ (writing checkpoints) + τ/(2M) (work redone after a failure,
    half an interval on average) + R/M (restarting) (Young 1974; Daly 2006, FGCS 22(3), eq. 1 to first order)."""
    return (delta / tau if tau > 0 else 0.0) + tau / (2.0 * mtbf) + restart / mtbf


class TrainingRunResult(Result):
    """A training run: time, goodput, GPU-hours, FLOPs, and the energy and cost hand-offs."""

    model = field("workload name")
    fleet = field("fleet name")
    accelerators = field("GPUs used (tp·pp·dp·cp)")
    tokens = field("training tokens D")
    steps = field("optimizer steps")
    global_batch = field("sequences per step")
    seq_len = field("tokens per sequence")
    step = field("DistributedResult of one step")
    step_time = qfield("time of one step", "s", "s")
    compute_time = qfield("steps × step time (failure-free)", "s", "h")
    waste_fraction = field("δ/τ + τ/(2M) + R/M (0 without a failure model)")
    goodput = field("1 − waste: the fraction of wall time that advances training")
    checkpoint_interval = qfield("τ used (None without a failure model)", "s", "min")
    mtbf = qfield("M: fleet mean time between job-interrupting failures (None when not given)", "s", "h")
    wall_time = qfield("compute time / goodput", "s", "day")
    gpu_hours = qfield("accelerator-hours: wall time × GPUs", "s", "h")
    training_flops = qfield("model FLOPs of the run: D·(6·P + attention)", "FLOP", "FLOP")
    flops_6nd = qfield("6·N·D (parameters × tokens, no attention), for comparison", "FLOP", "FLOP")
    average_power = qfield("average power per accelerator used for the energy hand-off", "W", "W")
    power_method = field("'tdp' (the accelerator's TDP) or 'given'")
    accelerator_energy = qfield("GPU-hours × average power (accelerators only, before PUE and hosts)", "J", "MWh")
    cost = qfield("GPU-hours × price per GPU-hour (None when no price is given)", "USD", "USD")
    assumptions = field("modelling choices and sources")


class TrainingRunModel:
    """Time, GPU-hours, energy and cost of training a model on a fleet for a number of tokens."""

    def solve(self, model, fleet, tokens: float, batch_size: int | None = None, *, reliability=None, mtbf=None,
              checkpoint_time=None, restart_time=None, checkpoint_interval=None, average_power=None,
              price_per_gpu_hour=None, **plan) -> TrainingRunResult:
        """Solve a training run.

        Parameters
        ----------
        model, fleet
            Transformer workload and fleet (objects or names).
        tokens
            Training tokens D (a number, e.g. 15.6e12).
        batch_size
            Global batch in sequences (default: the nearest multiple of the data-parallel size to
            4M tokens per step).
        reliability
            A ``ReliabilityResult``: its M, δ, R and τ are used.
        mtbf, checkpoint_time, restart_time, checkpoint_interval
            Or give M, δ, R (times, e.g. "3 h", "60 s") and optionally τ (default Young's √(2δM)).
        average_power
            Average power per accelerator (default: its TDP).
        price_per_gpu_hour
            Price of one accelerator-hour ("2.5 USD/h") for the cost hand-off.
        **plan
            Parallel plan passed to ``DistributedModel.solve`` (tp_size, pp_size, precision, seq_len, ...).
        """
        model = as_model(model)
        fl = as_fleet(fleet)
        if isinstance(tokens, bool) or not isinstance(tokens, (int, float)) or not math.isfinite(tokens) or tokens <= 0:
            raise ConfigError(f"tokens: expected a positive number of training tokens, got {tokens!r}")
        if batch_size is None:
            s = plan.get("seq_len") or model.seq_len
            n = fl.total_accelerators
            t = plan.get("tp_size", 1) * plan.get("pp_size", 1) * plan.get("cp_size", 1)
            d = plan.get("dp_size") or max(1, n // t)
            batch_size = max(d, round(4_194_304 / s / d) * d)
        st = DistributedModel().solve(model, fl, batch_size, **plan)
        assumptions = list(st.assumptions[:1])
        step = float(st.step_time.to("s").magnitude)
        n_gpu = st.parallelism["tp"] * st.parallelism["pp"] * st.parallelism["dp"] * st.parallelism["cp"]
        steps = steps_for_tokens(tokens, st.global_batch, st.seq_len)
        compute = steps * step
        m = delta = r = tau = None
        if reliability is not None:
            m = float(reliability.fleet_mtbf.to("s").magnitude)
            delta = float(reliability.checkpoint_time.to("s").magnitude)
            r = float(reliability.restart_time.to("s").magnitude)
            tau = float(reliability.checkpoint_interval.to("s").magnitude)
            assumptions.append("failures, checkpoints and restarts from the given ReliabilityResult")
        elif mtbf is not None:
            m = opt_quantity(mtbf, "time", "mtbf")
            delta = opt_quantity(checkpoint_time, "time", "checkpoint_time", allow_zero=True) if checkpoint_time is not None else 0.0
            r = opt_quantity(restart_time, "time", "restart_time", allow_zero=True) if restart_time is not None else 0.0
            tau = opt_quantity(checkpoint_interval, "time", "checkpoint_interval") if checkpoint_interval is not None else None
            if tau is None:
                tau = young_interval(delta, m) if delta > 0 else 0.0
                assumptions.append("checkpoint interval: Young's √(2δM)")
        if m is not None:
            w = waste_fraction(delta, tau, m, r) if tau > 0 else r / m
            if w >= 1:
                raise ConfigError(f"mtbf: failures every {m / 3600:.3g} h waste {w:.0%} of the time; the run never finishes")
        else:
            w = 0.0
            assumptions.append("no failure model: goodput 1 (give reliability= or mtbf=)")
        wall = compute / (1.0 - w)
        gpu_s = wall * n_gpu
        hw = fl.node.accelerator
        if average_power is not None:
            pw, method = opt_quantity(average_power, "power", "average_power"), "given"
        elif hw.tdp is not None:
            pw, method = float(hw.tdp.to("W").magnitude), "tdp"
            assumptions.append(f"average power = {hw.name} TDP {pw:.0f} W (the TDP method)")
        else:
            pw, method = None, "unknown"
        cost = None
        if price_per_gpu_hour is not None:
            from ..core.units import parse_quantity

            try:
                q = parse_quantity(price_per_gpu_hour, "price_per_time")
            except ValueError as exc:
                raise ConfigError(f"price_per_gpu_hour: {exc}") from None
            cost = float(q.to("USD/s").magnitude) * gpu_s
        flops_tok = model.training_flops_per_token(st.seq_len)
        return TrainingRunResult._make({
            "model": model.name, "fleet": fl.name, "accelerators": n_gpu, "tokens": float(tokens), "steps": steps,
            "global_batch": st.global_batch, "seq_len": st.seq_len, "step": st, "step_time": step,
            "compute_time": compute, "waste_fraction": w, "goodput": 1.0 - w, "checkpoint_interval": tau,
            "mtbf": m, "wall_time": wall, "gpu_hours": gpu_s, "training_flops": flops_tok * tokens,
            "flops_6nd": 6.0 * model.total_parameters * tokens if not model.is_moe else 6.0 * model.active_parameter_count * tokens,
            "average_power": pw, "power_method": method,
            "accelerator_energy": pw * gpu_s if pw is not None else None, "cost": cost,
            "assumptions": tuple(assumptions),
        })
