"""Small helpers shared by the chart modules: quantities to numbers, rates to readable units."""

from __future__ import annotations

import math

__all__ = ["magnitude", "rate_unit", "UNSET"]

UNSET = object()

_RATES = (("PFLOP/s", 1e15), ("TFLOP/s", 1e12), ("GFLOP/s", 1e9), ("MFLOP/s", 1e6), ("kFLOP/s", 1e3))


def magnitude(value, unit: str | None = None):
    """A plain float from a pint Quantity (in ``unit`` when given) or a number; None stays None."""
    if value is None:
        return None
    if hasattr(value, "to") and hasattr(value, "magnitude"):
        q = value.to(unit) if unit else value
        v = float(q.magnitude)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        v = float(value)
    else:
        return value
    return v if math.isfinite(v) else None


def rate_unit(largest_flops: float) -> tuple[str, float]:
    """The largest FLOP/s unit in which ``largest_flops`` (FLOP/s) is at least 1: (name, scale)."""
    for name, scale in _RATES:
        if largest_flops >= scale:
            return name, scale
    return "FLOP/s", 1.0
