"""Adapters: one module per family maps a case to a public API call and reads the metric back.

``predict(case)`` returns a :class:`Prediction` or raises :class:`NotRunnable` (shown in the
report with its reason, never counted). A family whose solver is not importable yet reports
"solver not available" for each of its cases.
"""

from __future__ import annotations

import importlib

from ._common import NotRunnable, Prediction, SolverUnavailable

__all__ = ["predict", "Prediction", "NotRunnable", "SolverUnavailable", "ADAPTERS"]

#: family -> adapter module (relative to this package)
ADAPTERS = {
    "serving": ".serving",
    "compute": ".compute",
    "training": ".training",
    "collectives": ".collectives",
    "energy": ".energy",
    "reliability": ".reliability",
    "compression": ".compression",
    "edge": ".edge",
    "streaming": ".streaming",
}


def predict(case) -> Prediction:
    """The model's prediction for one case (raises NotRunnable when it cannot be run)."""
    name = ADAPTERS.get(case.family)
    if name is None:
        raise NotRunnable(f"no adapter for family {case.family!r}")
    module = importlib.import_module(name, __name__)
    return module.predict(case)
