"""Training cases through ``mlsysim.solvers.distributed.DistributedModel`` (being written; until it is
importable every case reports "solver not available")."""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable

__all__ = ["predict"]


def _solver():
    try:
        from ...solvers.distributed import DistributedModel
    except ImportError as exc:
        raise SolverUnavailable(f"solver not available: mlsysim.solvers.distributed.DistributedModel ({exc.name or exc})") from None
    return DistributedModel


def predict(case) -> Prediction:
    _solver()
    raise NotRunnable("adapter not written yet for this solver")
