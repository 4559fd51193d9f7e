"""The evaluation result: three lenses (Feasibility → Performance → Macro), walls, constraints."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["Lens", "WallStatus", "ConstraintCheck", "SystemEvaluation"]


@dataclass(frozen=True)
class Lens:
    """One lens of the scorecard: a status, metrics with their units, and notes."""

    name: str
    status: str  # PASS | FAIL | N/A
    metrics: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    notes: tuple = ()

    def to_dict(self) -> dict:
        return {"status": self.status, "metrics": {k: _clean(v) for k, v in self.metrics.items()},
                "units": dict(self.units), "notes": list(self.notes)}


@dataclass(frozen=True)
class WallStatus:
    """How close an evaluation is to one wall: ratio = demand / limit (≥ 1 binds)."""

    id: str
    name: str
    ratio: float
    binding: bool
    detail: str

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "ratio": _clean(self.ratio), "binding": self.binding, "detail": self.detail}


@dataclass(frozen=True)
class ConstraintCheck:
    metric: str
    value: float | None
    unit: str
    max: float | None
    min: float | None
    passed: bool
    message: str

    def to_dict(self) -> dict:
        return {"metric": self.metric, "value": _clean(self.value), "unit": self.unit, "max": self.max, "min": self.min,
                "passed": self.passed, "message": self.message}


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


@dataclass(frozen=True)
class SystemEvaluation:
    """Result of ``SystemEvaluator.evaluate``: print ``scorecard()``, export ``to_dict()``."""

    scenario_name: str
    feasibility: Lens
    performance: Lens
    macro: Lens
    walls: tuple = ()
    constraints: tuple = ()
    assumptions: tuple = ()
    details: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.constraints) and self.feasibility.status != "FAIL"

    @property
    def feasible(self) -> bool:
        return self.feasibility.status != "FAIL"

    @property
    def binding_walls(self) -> list:
        return [w for w in self.walls if w.binding]

    def metric(self, path: str):
        """A metric by ``lens.name`` path, e.g. ``performance.latency``; (value, unit)."""
        lens_name, _, key = path.partition(".")
        lens = {"feasibility": self.feasibility, "performance": self.performance, "macro": self.macro}.get(lens_name)
        if lens is None or key not in lens.metrics:
            raise KeyError(path)
        return lens.metrics[key], lens.units.get(key, "")

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario_name,
            "passed": self.passed,
            "feasibility": self.feasibility.to_dict(),
            "performance": self.performance.to_dict(),
            "macro": self.macro.to_dict(),
            "walls": [w.to_dict() for w in self.walls],
            "constraints": [c.to_dict() for c in self.constraints],
            "assumptions": list(self.assumptions),
        }

    def raise_for_constraints(self) -> None:
        """Raise ``OOMError`` if infeasible, ``SLAViolation`` if a constraint failed."""
        from ..core.errors import OOMError, SLAViolation

        if self.feasibility.status == "FAIL":
            m = self.feasibility.metrics
            raise OOMError(f"{self.scenario_name}: does not fit: needs {m.get('memory_per_device_gb', float('nan')):.1f} GB per device, "
                           f"has {m.get('memory_capacity_gb', float('nan')):.1f} GB", term="memory")
        for c in self.constraints:
            if not c.passed:
                raise SLAViolation(f"{self.scenario_name}: {c.message}", metric=c.metric, value=c.value, limit=c.max if c.max is not None else c.min)

    def scorecard(self) -> str:
        """The three lenses as text (fits 80 columns)."""
        lines = [f"Scorecard: {self.scenario_name}", "=" * min(78, 11 + len(self.scenario_name))]
        for lens in (self.feasibility, self.performance, self.macro):
            lines.append(f"{lens.name:<12} [{lens.status}]")
            for k, v in lens.metrics.items():
                unit = lens.units.get(k, "")
                lines.append(f"  {k.replace('_', ' '):<26} {_fmt(v)} {unit}".rstrip())
            for n in lens.notes:
                lines.append(f"  note: {n}")
        if self.walls:
            binding = [w for w in self.walls if w.binding]
            lines.append("Walls       " + (", ".join(f"{w.name} ({w.ratio:.2f})" for w in binding) if binding else "none binding"))
            near = sorted((w for w in self.walls if not w.binding), key=lambda w: -w.ratio)[:3]
            if near:
                lines.append("  closest: " + ", ".join(f"{w.name} ({w.ratio:.2f})" for w in near))
        if self.constraints:
            lines.append("Constraints")
            for c in self.constraints:
                lines.append(f"  [{'PASS' if c.passed else 'FAIL'}] {c.message}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.scorecard()


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "—"
        a = abs(v)
        if a == 0:
            return "0"
        if a >= 1e6:
            return f"{v:,.0f}"
        if a >= 100:
            return f"{v:,.1f}"
        if a >= 1:
            return f"{v:.3g}"
        return f"{v:.3g}"
    if v is None:
        return "—"
    return str(v)
