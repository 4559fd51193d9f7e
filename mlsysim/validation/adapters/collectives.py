"""Collectives cases through ``mlsysim.solvers.collectives.CollectiveModel`` (being written; until it is
importable every case reports "solver not available")."""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable

__all__ = ["predict"]


def _solver():
    try:
        from ...solvers.collectives import CollectiveModel
    except ImportError as exc:
        raise SolverUnavailable(f"solver not available: mlsysim.solvers.collectives.CollectiveModel ({exc.name or exc})") from None
    return CollectiveModel


def predict(case) -> Prediction:
    _solver()
    raise NotRunnable("adapter not written yet for this solver")
