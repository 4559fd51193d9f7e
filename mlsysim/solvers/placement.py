"""Design-space optimizers over the macro solvers: where to run (placement) and how to batch.

- ``PlacementOptimizer``: rank grid regions by TCO + carbon tax × tCO2e for a scenario.
- ``BatchingOptimizer``: for a serving scenario, the batch per replica that meets a P99 latency
  SLA at a target QPS with the fewest accelerators (continuous batching: each replica is a
  queue with one server per batch slot, service time S = TTFT + output_len·ITL).
"""

from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..core.result import Result, field

__all__ = ["PlacementOptimizer", "PlacementResult", "BatchingOptimizer", "BatchingResult"]


class PlacementResult(Result):
    """Regions ranked by TCO + carbon tax (lowest first)."""

    carbon_tax = field("USD per tCO2e added to the TCO")
    duration_days = field("operating period")
    ranking = field("rows: region, tco_usd, carbon_t, carbon_cost_usd, objective_usd, electricity USD/kWh, gCO2e/kWh, PUE")
    best = field("id of the region with the lowest objective")
    assumptions = field("method and defaults")

    def to_dict(self, top: int | None = None) -> dict:
        d = super().to_dict()
        if top:
            d["ranking"] = d["ranking"][:top]
        return d


class PlacementOptimizer:
    """Where to run: minimise TCO + carbon_tax × tCO2e over the registry's grid regions."""

    def solve(self, scenario, carbon_tax: float = 0.0, *, regions=None, duration_days: float | None = None,
              utilisation: float | None = None) -> PlacementResult:
        """``scenario`` is a loaded config (``mlsysim.load_config``) or a ``Fleet``."""
        from ..registry import Infra
        from .economics import EconomicsModel
        from .sustainability import SustainabilityModel

        if isinstance(carbon_tax, bool) or not isinstance(carbon_tax, (int, float)) or not math.isfinite(carbon_tax) or carbon_tax < 0:
            raise ConfigError(f"carbon_tax: expected a non-negative number of USD per tCO2e, got {carbon_tax!r}")
        fleet = getattr(scenario, "fleet", scenario)
        cfg = getattr(scenario, "config", None)
        days = duration_days or (cfg.ops.duration_days if cfg else 365.0)
        util = utilisation if utilisation is not None else (cfg.ops.utilisation if cfg else None)
        grids = [Infra.Grids.get(r) for r in regions] if regions else Infra.Grids.all()
        rows = []
        skw = {} if util is None else {"utilisation": util}
        for g in grids:
            try:
                econ = EconomicsModel().solve(fleet, days, grid=g, **skw)
            except ConfigError as exc:
                raise ConfigError(f"placement: {exc}") from None
            sus = SustainabilityModel().solve(fleet, days, datacenter=g, **skw)
            tco = float(econ.tco.to("USD").magnitude)
            t = float(sus.carbon.to("tCO2e").magnitude)
            rows.append({
                "region": g.id, "tco_usd": tco, "carbon_t": t, "carbon_cost_usd": t * carbon_tax,
                "objective_usd": tco + t * carbon_tax,
                "electricity_usd_per_kwh": float(g.electricity_price.to("USD/kWh").magnitude) if g.electricity_price is not None else None,
                "carbon_intensity_g_per_kwh": float(g.carbon_intensity.to("gCO2e/kWh").magnitude), "pue": g.pue,
            })
        rows.sort(key=lambda r: r["objective_usd"])
        return PlacementResult._make({
            "carbon_tax": float(carbon_tax), "duration_days": float(days), "ranking": tuple(rows),
            "best": rows[0]["region"] if rows else None,
            "assumptions": ("TCO from EconomicsModel at each region's electricity price and PUE; carbon from "
                            "SustainabilityModel (location-based, operational + amortised embodied)",),
        })


class BatchingResult(Result):
    """Candidate batch sizes for a serving scenario, and the one using the fewest accelerators."""

    sla_ms = field("P99 latency objective in ms")
    qps = field("target requests per second")
    candidates = field("rows: batch, tp, ttft_ms, itl_ms, service_ms, replicas, accelerators, p99_ms, feasible")
    best = field("the feasible row with the fewest accelerators (None if none meets the SLA)")
    assumptions = field("method")

    def to_dict(self, top: int | None = None) -> dict:
        return super().to_dict()


class BatchingOptimizer:
    """How to batch: the batch per replica meeting a P99 SLA at a QPS with the fewest accelerators."""

    def solve(self, scenario, sla_ms: float, qps: float, *, max_batch: int = 4096, percentile: float = 0.99) -> BatchingResult:
        from ..evaluation.evaluator import _choose_tp
        from .queueing import CapacityModel

        for name, v in (("sla_ms", sla_ms), ("qps", qps)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise ConfigError(f"{name}: expected a positive number, got {v!r}")
        model, hw = scenario.model, scenario.hardware
        if getattr(model, "kind", None) != "transformer":
            raise ConfigError("batching: the workload must be a transformer (LLM serving)")
        cfg = scenario.config
        s = cfg.workload.seq_len or min(model.seq_len, 2048)
        out = cfg.workload.output_len or 128
        per_node = scenario.fleet.node.accelerators_per_node if scenario.fleet is not None else 1
        rows = []
        b = 1
        while b <= max_batch:
            r = _choose_tp(model, hw, per_node, s, b, cfg.workload.precision, out, cfg.workload.efficiency)
            if r is None or not r.feasible:
                break
            cap = CapacityModel().solve(f"{sla_ms} ms", percentile, serving=r, output_len=out, qps=qps)
            reps = cap.replicas_needed if cap.feasible else None
            rows.append({
                "batch": b, "tp": r.tp_size, "ttft_ms": r.ttft.to("ms").magnitude, "itl_ms": r.itl.to("ms").magnitude,
                "service_ms": r.ttft.to("ms").magnitude + out * r.itl.to("ms").magnitude,
                "replicas": reps, "accelerators": reps * r.tp_size if reps else None,
                "p99_ms": cap.latency_at_target.to("ms").magnitude if reps else None, "feasible": bool(cap.feasible),
            })
            b *= 2
        ok = [r for r in rows if r["feasible"] and r["accelerators"]]
        best = min(ok, key=lambda r: (r["accelerators"], -r["batch"])) if ok else None
        return BatchingResult._make({
            "sla_ms": float(sla_ms), "qps": float(qps), "candidates": tuple(rows), "best": best,
            "assumptions": (f"prompt {s}, output {out} tokens; service time TTFT + output x ITL; "
                            f"P{percentile * 100:g} from the G/G/c queue of each replica (CapacityModel)",),
        })
