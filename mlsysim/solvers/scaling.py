"""Compute-optimal model size and data (Hoffmann et al. 2022, "Chinchilla").

Training compute C ≈ 6·N·D FLOPs for N parameters and D tokens (Kaplan et al. 2020, §2.1).
Two ways to split a budget:

- ``rule``: D ≈ 20·N (Hoffmann et al. 2022, Table 3: about 20 tokens per parameter at the
  compute-optimal frontier), so N = √(C / 120), D = 20·N;
- ``fit``: minimise the fitted loss L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, §3.3,
  eq. 2 and Approach 3) under C = 6ND, which gives N_opt = G·(C/6)^a, D_opt = (C/6)/N_opt with
  a = β/(α+β) and G = (αA/(βB))^(1/(α+β)) (§D.2, eq. 4).

The fitted constants are data (``mlsysim/data/calibration/scaling_law_chinchilla.toml``).
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from ..registry import DATA_DIR

__all__ = ["ScalingModel", "ScalingResult", "training_compute", "chinchilla_loss", "compute_optimal_rule",
           "compute_optimal_fit", "law_constants"]


@lru_cache(maxsize=1)
def law_constants() -> dict:
    """E, A, B, α, β and the tokens-per-parameter ratio, with their source."""
    path = DATA_DIR / "calibration" / "scaling_law_chinchilla.toml"
    return tomllib.loads(path.read_text("utf-8"))


def training_compute(n: float, d: float) -> float:
    """C = 6·N·D (Kaplan et al. 2020, §2.1; Hoffmann et al. 2022, §2): forward 2·N, backward 4·N FLOPs per token."""
    return 6.0 * n * d


def chinchilla_loss(n: float, d: float, k: dict | None = None) -> float:
    """L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 2, Approach 3 fit), in nats per token."""
    k = k or law_constants()
    return k["E"] + k["A"] / n ** k["alpha"] + k["B"] / d ** k["beta"]


def compute_optimal_rule(c: float, ratio: float = 20.0) -> tuple[float, float]:
    """(N, D) with D = r·N and C = 6·N·D: N = √(C/(6r)), D = r·N (Hoffmann et al. 2022, Table 3, r ≈ 20)."""
    n = math.sqrt(c / (6.0 * ratio))
    return n, ratio * n


def compute_optimal_fit(c: float, k: dict | None = None) -> tuple[float, float]:
    """(N_opt, D_opt) minimising L(N, D) subject to 6·N·D = C: N_opt = G·(C/6)^(β/(α+β)),
    G = (αA/(βB))^(1/(α+β)) (Hoffmann et al. 2022, Appendix D.2, eq. 4)."""
    k = k or law_constants()
    a, b = k["alpha"], k["beta"]
    g = (a * k["A"] / (b * k["B"])) ** (1.0 / (a + b))
    n = g * (c / 6.0) ** (b / (a + b))
    return n, c / (6.0 * n)


class ScalingResult(Result):
    """A compute budget split into parameters and tokens, with the fitted loss."""

    method = field("'rule' (20 tokens per parameter) or 'fit' (minimum of the fitted L(N, D))")
    compute = qfield("training compute C = 6·N·D", "FLOP", "FLOP")
    parameters = field("N, parameters")
    tokens = field("D, training tokens")
    tokens_per_parameter = field("D / N")
    loss = field("fitted L(N, D) in nats per token (Hoffmann et al. 2022, Approach 3)")
    assumptions = field("constants and their source")


class ScalingModel:
    """Chinchilla scaling: compute-optimal parameters and tokens for a budget (or the budget of a size)."""

    def solve(self, compute_budget=None, *, parameters: float | None = None, tokens: float | None = None,
              method: str = "rule") -> ScalingResult:
        """Split a compute budget, or complete a partial (N, D).

        Parameters
        ----------
        compute_budget
            Training FLOPs ("3.14e23 FLOP" or a Quantity); gives the compute-optimal N and D.
        parameters, tokens
            Give N alone (D = 20·N by the rule), or N and D (C = 6·N·D), instead of a budget.
        method
            ``rule`` (D ≈ 20·N) or ``fit`` (minimum of the fitted loss).
        """
        from ..core.units import parse_quantity

        if method not in ("rule", "fit"):
            raise ConfigError(f"method: expected 'rule' or 'fit', got {method!r}")
        k = law_constants()
        ratio = float(k["tokens_per_parameter"])
        n = _count(parameters, "parameters")
        d = _count(tokens, "tokens")
        if compute_budget is not None:
            if n is not None or d is not None:
                raise ConfigError("compute_budget: give a budget, or parameters/tokens, not both")
            try:
                q = parse_quantity(compute_budget, "operations") if not isinstance(compute_budget, (int, float)) else None
            except ValueError as exc:
                raise ConfigError(f"compute_budget: {exc}") from None
            c = float(q.to("FLOP").magnitude) if q is not None else _count(compute_budget, "compute_budget")
            n, d = compute_optimal_rule(c, ratio) if method == "rule" else compute_optimal_fit(c, k)
        elif n is not None:
            d = d if d is not None else ratio * n
            c = training_compute(n, d)
        elif d is not None:
            n = d / ratio
            c = training_compute(n, d)
        else:
            raise ConfigError("compute_budget: give a compute budget, or parameters and/or tokens")
        src = k.get("source", {})
        return ScalingResult._make({
            "method": method, "compute": c, "parameters": n, "tokens": d, "tokens_per_parameter": d / n,
            "loss": chinchilla_loss(n, d, k),
            "assumptions": (f"C = 6·N·D; {'D = ' + format(ratio, 'g') + '·N' if method == 'rule' else 'minimum of L(N, D)'}",
                            f"L(N, D) = {k['E']} + {k['A']}/N^{k['alpha']} + {k['B']}/D^{k['beta']} ({src.get('title', 'Hoffmann et al. 2022')})"),
        })


def _count(v, name):
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
        raise ConfigError(f"{name}: expected a positive number, got {v!r}")
    return float(v)
