"""Energy cases through ``mlsysim.solvers.sustainability.SustainabilityModel`` (being written; until it is
importable every case reports "solver not available")."""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable

__all__ = ["predict"]


def _solver():
    try:
        from ...solvers.sustainability import SustainabilityModel
    except ImportError as exc:
        raise SolverUnavailable(f"solver not available: mlsysim.solvers.sustainability.SustainabilityModel ({exc.name or exc})") from None
    return SustainabilityModel


def predict(case) -> Prediction:
    _solver()
    raise NotRunnable("adapter not written yet for this solver")
