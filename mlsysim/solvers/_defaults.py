"""Default efficiencies, from the calibration data (``mlsysim/data/calibration/``).

Each default names the calibration row it comes from. A device measured by a microbenchmark
uses its own row; one that is not uses the median of the measured devices of its tier (or of
all tiers when its tier has none), and the result says so. Never tuned to a validation case.
"""

from __future__ import annotations

import statistics
import tomllib
from functools import lru_cache

from ..registry import DATA_DIR

__all__ = ["calibration_rows", "gemm_efficiency", "memory_efficiency", "allreduce_efficiency", "launch_overhead", "Default"]


class Default(tuple):
    """(value, source) where source names the calibration rows used."""

    __slots__ = ()

    def __new__(cls, value: float, source: str):
        return super().__new__(cls, (value, source))

    value = property(lambda self: self[0])
    source = property(lambda self: self[1])


@lru_cache(maxsize=1)
def calibration_rows() -> tuple[dict, ...]:
    rows = []
    folder = DATA_DIR / "calibration"
    if folder.is_dir():
        for f in sorted(folder.glob("*.toml")):
            try:
                d = tomllib.loads(f.read_text("utf-8"))
            except tomllib.TOMLDecodeError:
                continue
            d.setdefault("id", f.stem)
            rows.append(d)
    return tuple(rows)


def _tier_of(hw_id: str) -> str | None:
    from ..registry import registry

    try:
        return registry("hardware")._group_of(hw_id)
    except Exception:
        return None


def _fraction(row) -> float | None:
    f = row.get("fraction")
    return float(f) if isinstance(f, (int, float)) and 0 < f <= 1.0 else None


@lru_cache(maxsize=512)
def _lookup(quantity: str, hw_id: str | None, tier: str | None, precision: str | None, fallback: float) -> Default:
    rows = [r for r in calibration_rows() if r.get("quantity") == quantity and _fraction(r) is not None]
    sixteen = {"bf16", "fp16"}
    if hw_id:
        mine = [r for r in rows if r.get("hardware") == hw_id]
        if precision:
            exact = [r for r in mine if r.get("precision") == precision] or (
                [r for r in mine if r.get("precision") in sixteen] if precision in sixteen else []
            )
        else:
            exact = mine
        if exact:
            return Default(max(_fraction(r) for r in exact), "calibration:" + ",".join(r["id"] for r in exact))
    pool = [r for r in rows if precision is None or r.get("precision") in (sixteen if precision in sixteen else {precision})]
    pool = pool or rows
    same_tier = [r for r in pool if tier and _tier_of(r.get("hardware", "")) == tier]
    use = same_tier or pool
    if use:
        ids = ",".join(r["id"] for r in use)
        scope = f"{tier} tier" if same_tier else "all tiers"
        return Default(statistics.median(_fraction(r) for r in use), f"median of {len(use)} measured devices ({scope}): {ids}")
    return Default(fallback, "no calibration data: peak assumed")


def gemm_efficiency(hw, precision: str) -> Default:
    """Achievable fraction of the dense peak for large matrix multiplies (MAMF-style)."""
    return _lookup("gemm_efficiency", hw.id, hw.tier, precision, 1.0)


def memory_efficiency(hw) -> Default:
    """Achievable fraction of peak memory bandwidth (device-to-device copy)."""
    return _lookup("memory_efficiency", hw.id, hw.tier, None, 1.0)


def allreduce_efficiency(hw) -> Default:
    """Achieved all-reduce bus bandwidth as a fraction of the link's per-direction line rate."""
    return _lookup("allreduce_busbw", hw.id, hw.tier, None, 1.0)


@lru_cache(maxsize=64)
def collective_latency(hw_id: str | None, tier: str | None) -> Default:
    """Per-step latency α of an intra-node ring, from a measured small-message all-reduce:
    α = T_small / (2(n−1)) (the ring's latency term). 0 when no row exists."""
    rows = [r for r in calibration_rows() if r.get("quantity") == "allreduce_latency"]
    mine = [r for r in rows if r.get("hardware") == hw_id] or rows
    if not mine:
        return Default(0.0, "no calibration row for collective latency: not counted")
    from ..core.units import Q_

    vals = [float(Q_(r["measured"]).to("s").magnitude) / (2 * (int(r.get("gpus", 8)) - 1)) for r in mine]
    return Default(statistics.median(vals), "calibration:" + ",".join(r["id"] for r in mine))


@lru_cache(maxsize=64)
def launch_overhead(hw_id: str | None, tier: str | None) -> Default:
    """Fixed cost per kernel launch (seconds), from a calibration row of quantity 'launch_overhead'."""
    rows = [r for r in calibration_rows() if r.get("quantity") == "launch_overhead"]  # per-kernel, datacenter
    mine = [r for r in rows if r.get("hardware") == hw_id] or [r for r in rows if _tier_of(r.get("hardware", "")) == tier]
    if not mine:
        return Default(0.0, "no calibration row for kernel launch overhead: not counted")
    from ..core.units import Q_

    vals = [float(Q_(r["measured"]).to("s").magnitude) for r in mine]
    return Default(statistics.median(vals), "calibration:" + ",".join(r["id"] for r in mine))
