"""Stragglers and the tail at scale: a synchronous step waits for the slowest of N workers.

With per-worker step times X_i i.i.d. (mean m, coefficient of variation c), the synchronous step
takes E[max_i X_i] (order statistics; David and Nagaraja 2003):

    E[max] = ∫_0^∞ (1 − F(x)^N) dx                       positive variables (eq. G1)
    normal:      E[max] = m + σ ∫ z · N φ(z) Φ(z)^{N−1} dz    (eq. G2)
    exponential: E[max] = (m − σ) + σ · H_N   (shifted, σ = c·m; H_N the harmonic number)   (eq. G3)
    lognormal:   σ_l² = ln(1 + c²), μ_l = ln m − σ_l²/2, E[max] by eq. G1   (eq. G4)
    slowdown = E[max] / m,   P(step slow) = 1 − (1 − p)^N   (Dean and Barroso 2013)   (eq. G5)

``expected_max_step`` is the float function the distributed solver can call.
"""

from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from ._inputs import check_positive_int

__all__ = ["StragglerModel", "StragglerResult", "expected_max_step", "fanout_tail_probability", "harmonic"]

_DISTS = ("normal", "lognormal", "exponential")


def harmonic(n: int) -> float:
    """H_N = Σ 1/k (exact below 10^5, asymptotic above)."""
    if n < 100_000:
        return math.fsum(1.0 / k for k in range(1, n + 1))
    return math.log(n) + 0.5772156649015329 + 1 / (2 * n) - 1 / (12 * n * n)


def _phi(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _Phi(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


def _normal_max_z(n: int, steps: int = 4000) -> float:
    """E[max of n standard normals] = ∫ z · n φ(z) Φ(z)^{n−1} dz (Simpson on [−8, 8 + √(2 ln n)])."""
    if n == 1:
        return 0.0
    a, b = -8.0, 8.0 + math.sqrt(2 * math.log(n))
    h = (b - a) / steps
    tot = 0.0
    for i in range(steps + 1):
        z = a + i * h
        w = 1 if i in (0, steps) else (4 if i % 2 else 2)
        tot += w * z * n * _phi(z) * _Phi(z) ** (n - 1)
    return tot * h / 3


def _lognormal_max(m: float, c: float, n: int, steps: int = 4000) -> float:
    """E[max] = ∫_0^∞ (1 − F(x)^n) dx for a lognormal of mean m and CV c (eq. G1, G4)."""
    s2 = math.log1p(c * c)
    s, mu = math.sqrt(s2), math.log(m) - s2 / 2
    hi = math.exp(mu + s * (8.0 + math.sqrt(2 * math.log(max(n, 2)))))
    h = hi / steps
    tot = 0.0
    for i in range(steps + 1):
        x = i * h
        F = 0.0 if x <= 0 else _Phi((math.log(x) - mu) / s)
        g = 1.0 - F ** n
        w = 1 if i in (0, steps) else (4 if i % 2 else 2)
        tot += w * g
    return tot * h / 3


def expected_max_step(step_time: float, n: int, cv: float, distribution: str = "normal") -> float:
    """E[max of n i.i.d. step times] of mean ``step_time`` and coefficient of variation ``cv`` (seconds in,
    seconds out; eqs. G2-G4). A normal step is not truncated at zero (use small cv)."""
    if n <= 1 or cv <= 0:
        return step_time
    sigma = cv * step_time
    if distribution == "normal":
        return step_time + sigma * _normal_max_z(n)
    if distribution == "exponential":
        if cv > 1:
            raise ConfigError("cv: a shifted exponential has cv ≤ 1")
        return (step_time - sigma) + sigma * harmonic(n)
    if distribution == "lognormal":
        return _lognormal_max(step_time, cv, n)
    raise ConfigError(f"distribution: expected one of {', '.join(_DISTS)}, got {distribution!r}")


def fanout_tail_probability(p: float, n: int) -> float:
    """P(at least one of n workers is slow) = 1 − (1 − p)^n (Dean and Barroso 2013; eq. G5)."""
    return 1.0 - (1.0 - p) ** n


class StragglerResult(Result):
    """Result of ``StragglerModel.solve``: the synchronous step set by its slowest worker."""

    workers = field("N: workers that synchronise every step")
    distribution = field("per-worker step-time distribution")
    cv = field("coefficient of variation of one worker's step time")
    mean_step = qfield("mean step time of one worker (m)", "s", "ms")
    expected_step = qfield("E[max of N]: the synchronous step", "s", "ms")
    slowdown = field("E[max] / m")
    efficiency = field("m / E[max]: the fraction of the fleet's time doing useful work")
    straggler_time = qfield("E[max] − m: time lost to waiting per step", "s", "ms")
    tail_probability = field("p: probability one worker's step is slow (None if not given)")
    p_step_slow = field("1 − (1 − p)^N: probability a synchronous step is slow (None if p not given)")
    assumptions = field("modelling choices")


class StragglerModel:
    """Slowdown of synchronous steps from per-worker variability (order statistics of the maximum)."""

    def solve(self, workers: int, step_time, *, cv: float = 0.0, distribution: str = "normal",
              tail_probability: float | None = None) -> StragglerResult:
        """Expected synchronous step of ``workers`` workers.

        Parameters
        ----------
        workers
            N workers (data-parallel ranks, pipeline stages) that wait for each other every step.
        step_time
            Mean step time of one worker (``"250 ms"``, or a result with ``step_time``).
        cv
            Coefficient of variation σ/m of one worker's step time (measure it; no default variability).
        distribution
            ``"normal"``, ``"lognormal"`` (right-skewed) or ``"exponential"`` (shifted; heavy tail).
        tail_probability
            p, the probability a worker's step is slow (e.g. beyond its p99: 0.01), for the
            fan-out form of Dean and Barroso 2013.
        """
        n = check_positive_int(workers, "workers", 10**8)
        st = getattr(step_time, "step_time", step_time)
        from ._macro import as_seconds

        m = as_seconds(st, "step_time")
        if isinstance(cv, bool) or not isinstance(cv, (int, float)) or not math.isfinite(cv) or cv < 0:
            raise ConfigError(f"cv: expected a number ≥ 0, got {cv!r}")
        if distribution not in _DISTS:
            raise ConfigError(f"distribution: expected one of {', '.join(_DISTS)}, got {distribution!r}")
        e = expected_max_step(m, n, float(cv), distribution)
        assumptions = [f"{distribution} step times, i.i.d. across workers, cv {cv:g}"]
        if distribution == "normal" and cv > 0.3:
            assumptions.append("a normal with cv > 0.3 puts weight on negative times: prefer lognormal")
        p = None
        ps = None
        if tail_probability is not None:
            if isinstance(tail_probability, bool) or not 0 <= tail_probability <= 1:
                raise ConfigError(f"tail_probability: expected a probability in [0, 1], got {tail_probability!r}")
            p = float(tail_probability)
            ps = fanout_tail_probability(p, n)
        return StragglerResult._make({
            "workers": n, "distribution": distribution, "cv": float(cv), "mean_step": m, "expected_step": e,
            "slowdown": e / m, "efficiency": m / e, "straggler_time": e - m, "tail_probability": p,
            "p_step_slow": ps, "assumptions": tuple(assumptions),
        })
