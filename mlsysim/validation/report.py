"""Run the validation cases and summarise the errors.

Per case: predicted, measured, signed error % = (predicted − measured) / measured, the bottleneck
the model names and whether it matches the one the source states. Per family: the number of
cases run, the median absolute error and the worst case. A family meets its tolerance when its
median absolute error is at most ``MEDIAN_TOLERANCE`` and every case is within
``CASE_TOLERANCE`` and names the stated bottleneck. Cases that cannot run are listed with their
reason and never counted.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from .cases import FAMILIES, Case, load_cases

__all__ = ["Outcome", "FamilySummary", "Report", "run", "CASE_TOLERANCE", "MEDIAN_TOLERANCE"]

#: every case within this absolute error (fraction)
CASE_TOLERANCE = 0.25
#: median absolute error of a family, and overall, at most this (fraction)
MEDIAN_TOLERANCE = 0.10


@dataclass(frozen=True)
class Outcome:
    """One case, run (``status == "ok"``) or not (``"not runnable"``, ``"solver not available"``,
    ``"error"``) with the reason."""

    case: Case
    status: str
    predicted: float | None = None  #: in the unit of the measurement
    call: str = ""
    bottleneck: str | None = None
    reason: str = ""
    notes: tuple[str, ...] = ()

    @property
    def ran(self) -> bool:
        return self.status == "ok"

    @property
    def measured(self) -> float:
        return self.case.value

    @property
    def error(self) -> float | None:
        """Signed relative error (predicted − measured) / measured, or None."""
        if self.predicted is None:
            return None
        return (self.predicted - self.measured) / self.measured

    @property
    def bottleneck_match(self) -> bool | None:
        """True/False when the source states a bottleneck, else None."""
        if self.case.bottleneck is None or not self.ran:
            return None
        return (self.bottleneck or "").lower() == self.case.bottleneck

    @property
    def within_tolerance(self) -> bool | None:
        if self.error is None:
            return None
        return abs(self.error) <= CASE_TOLERANCE and self.bottleneck_match is not False

    def to_dict(self) -> dict:
        c = self.case
        return {
            "id": c.id, "family": c.family, "title": c.title, "metric": c.metric, "unit": c.unit,
            "status": self.status, "measured": c.value,
            "predicted": _finite(self.predicted), "error_pct": _finite(None if self.error is None else 100 * self.error),
            "bottleneck": self.bottleneck, "stated_bottleneck": c.bottleneck, "bottleneck_match": self.bottleneck_match,
            "within_tolerance": self.within_tolerance, "reason": self.reason or None, "call": self.call or None,
            "confidence": c.confidence, "source": {"url": c.source.get("url"), "title": c.source.get("title"),
                                                   "locator": c.source.get("locator")},
        }


def _finite(v):
    return v if v is None or math.isfinite(v) else None


@dataclass(frozen=True)
class FamilySummary:
    family: str
    cases: int  #: cases in the data
    ran: int  #: cases run and counted
    median_abs_error: float | None
    worst: Outcome | None
    bottleneck_checked: int
    bottleneck_correct: int
    minimum: int  #: cases the family must hold (``FAMILIES``)

    @property
    def passed(self) -> bool | None:
        """None when nothing ran; else median, every-case and bottleneck targets all met."""
        if not self.ran:
            return None
        worst_ok = self.worst is None or abs(self.worst.error) <= CASE_TOLERANCE
        return self.median_abs_error <= MEDIAN_TOLERANCE and worst_ok and self.bottleneck_correct == self.bottleneck_checked

    def to_dict(self) -> dict:
        return {
            "family": self.family, "cases": self.cases, "ran": self.ran, "minimum": self.minimum,
            "median_abs_error_pct": None if self.median_abs_error is None else 100 * self.median_abs_error,
            "worst": None if self.worst is None else {"id": self.worst.case.id, "error_pct": 100 * self.worst.error},
            "bottleneck_checked": self.bottleneck_checked, "bottleneck_correct": self.bottleneck_correct,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]
    families: tuple[FamilySummary, ...] = field(default=())

    @property
    def ran(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ran]

    @property
    def median_abs_error(self) -> float | None:
        errs = [abs(o.error) for o in self.ran]
        return statistics.median(errs) if errs else None

    @property
    def worst(self) -> Outcome | None:
        ran = self.ran
        return max(ran, key=lambda o: abs(o.error)) if ran else None

    @property
    def passed(self) -> bool:
        """Every family that ran meets its tolerance, and the overall median is within target."""
        fams = [f for f in self.families if f.passed is not None]
        med = self.median_abs_error
        return all(f.passed for f in fams) and (med is None or med <= MEDIAN_TOLERANCE)

    def family(self, name: str) -> FamilySummary:
        for f in self.families:
            if f.family == name:
                return f
        raise KeyError(name)

    def to_dict(self) -> dict:
        med = self.median_abs_error
        w = self.worst
        return {
            "tolerance": {"case_abs_error_pct": 100 * CASE_TOLERANCE, "median_abs_error_pct": 100 * MEDIAN_TOLERANCE},
            "summary": {
                "cases": len(self.outcomes), "ran": len(self.ran),
                "median_abs_error_pct": None if med is None else 100 * med,
                "worst": None if w is None else {"id": w.case.id, "error_pct": 100 * w.error},
                "passed": self.passed,
            },
            "families": [f.to_dict() for f in self.families],
            "cases": [o.to_dict() for o in self.outcomes],
        }


def summarise(outcomes: list[Outcome], families: list[str]) -> tuple[FamilySummary, ...]:
    out = []
    for fam in families:
        mine = [o for o in outcomes if o.case.family == fam]
        ran = [o for o in mine if o.ran]
        errs = [abs(o.error) for o in ran]
        checked = [o for o in ran if o.bottleneck_match is not None]
        out.append(FamilySummary(
            family=fam, cases=len(mine), ran=len(ran),
            median_abs_error=statistics.median(errs) if errs else None,
            worst=max(ran, key=lambda o: abs(o.error)) if ran else None,
            bottleneck_checked=len(checked), bottleneck_correct=sum(1 for o in checked if o.bottleneck_match),
            minimum=FAMILIES.get(fam, 0),
        ))
    return tuple(out)


def run_case(case: Case) -> Outcome:
    """Predict one case; never raises for a case that cannot run (its outcome says why).

    A case that is the measurement a calibration row (a default) was taken from is predicted
    and shown with status ``"calibration"``, but never counted."""
    from .adapters import NotRunnable, SolverUnavailable, predict
    from .cases import calibration_duplicate

    dup = calibration_duplicate(case)

    try:
        p = predict(case)
    except SolverUnavailable as exc:
        return Outcome(case, "solver not available", reason=str(exc))
    except NotRunnable as exc:
        return Outcome(case, "not runnable", reason=str(exc))
    except Exception as exc:  # a solver error on a case is a finding, shown, not a crash
        return Outcome(case, "error", reason=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    try:
        v = float(p.value.to(case.measured.units).magnitude)
    except Exception as exc:
        return Outcome(case, "error", reason=f"prediction in {p.value.units:~}, measurement in {case.unit}: {exc}")
    if not math.isfinite(v) or v <= 0:
        return Outcome(case, "error", predicted=None, call=p.call, reason=f"prediction is {v}")
    dup = dup or p.calibration
    if dup:
        return Outcome(case, "calibration", predicted=v, call=p.call, bottleneck=p.bottleneck,
                       reason=f"the measurement behind calibration row {dup}: shown, not counted", notes=tuple(p.notes))
    return Outcome(case, "ok", predicted=v, call=p.call, bottleneck=p.bottleneck, notes=tuple(p.notes))


def run(family: str | None = None) -> Report:
    """Run every validation case (or one family's) through the public API and summarise."""
    cases = load_cases(family)
    outcomes = [run_case(c) for c in cases]
    from .cases import families

    fams = [family] if family else families()
    return Report(tuple(outcomes), summarise(outcomes, fams))
