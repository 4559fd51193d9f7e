"""Reliability cases through ``mlsysim.solvers.reliability.ReliabilityModel`` (being written; until it is
importable every case reports "solver not available")."""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable

__all__ = ["predict"]


def _solver():
    try:
        from ...solvers.reliability import ReliabilityModel
    except ImportError as exc:
        raise SolverUnavailable(f"solver not available: mlsysim.solvers.reliability.ReliabilityModel ({exc.name or exc})") from None
    return ReliabilityModel


def predict(case) -> Prediction:
    _solver()
    raise NotRunnable("adapter not written yet for this solver")
