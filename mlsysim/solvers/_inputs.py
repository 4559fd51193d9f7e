"""Input coercion shared by the solvers: names to registry objects, numbers checked."""

from __future__ import annotations

import math

from ..core.errors import ConfigError


_WORKLOAD: list = []  # the Workload base class, imported on first use (models import the solvers' helpers)


def as_model(m):
    if isinstance(m, str):
        from ..registry import Models

        return Models.get(m)
    if not _WORKLOAD:
        from ..models.types import Workload

        _WORKLOAD.append(Workload)
    # isinstance first: hasattr on a pydantic private attribute goes through its slow __getattr__
    if not isinstance(m, _WORKLOAD[0]) and not hasattr(m, "_fast"):
        raise ConfigError(f"model: expected a workload or its name, got {type(m).__name__}")
    return m


def as_hardware(h):
    if isinstance(h, str):
        from ..registry import Hardware

        return Hardware.get(h)
    if not hasattr(h, "compute"):
        raise ConfigError(f"hardware: expected a HardwareNode or its name, got {type(h).__name__}")
    return h


def as_fleet(f):
    if isinstance(f, str):
        from ..registry import Systems

        return Systems.Clusters.get(f)
    return f


def check_positive_int(v, name: str, maximum: int = 10**9) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or isinstance(v, float) and (not math.isfinite(v) or v != int(v)):
        raise ConfigError(f"{name}: expected a positive whole number, got {v!r}")
    v = int(v)
    if v < 1:
        raise ConfigError(f"{name}: must be at least 1, got {v}")
    if v > maximum:
        raise ConfigError(f"{name}: {v} is larger than the supported maximum {maximum:,}")
    return v


def check_choice(v, allowed, name: str):
    """``v`` if it is one of ``allowed``, else a one-line ConfigError naming the field and the choices."""
    if v not in allowed:
        raise ConfigError(f"{name}: expected one of {', '.join(repr(a) for a in allowed)}, got {v!r}")
    return v


def check_unit(hw, unit, name: str = "compute_unit") -> str | None:
    """A compute unit a user names (CLI ``--unit``, config ``hardware.compute_unit``, MCP): None,
    ``"all"`` (every engine) or one of the units the device lists, case-insensitive. A device with
    a single engine lists none, so any other name is refused rather than silently ignored."""
    if unit is None:
        return None
    u = str(unit).strip().lower()
    if u == "all":
        return u
    if not getattr(hw, "compute_units", None):
        raise ConfigError(f"{name}: {hw.name} has one engine (no per-unit peaks); omit {name} or give 'all', "
                          f"got {unit!r}")
    hw.unit(u)  # an unlisted name raises there, naming the device's units
    return u


#: smallest efficiency accepted: below it a step of any size would take longer than floating point
#: can hold (1e-300 of peak is a typing mistake, not a machine)
MIN_EFFICIENCY = 1e-6


def check_efficiency(v, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ConfigError(f"{name}: expected a fraction between 0 and 1, got {v!r}")
    if not 0 < v <= 1:
        raise ConfigError(f"{name}: must be in (0, 1], got {v}")
    if v < MIN_EFFICIENCY:
        raise ConfigError(f"{name}: {v:g} is implausibly small; use a fraction between {MIN_EFFICIENCY:g} and 1")
    return float(v)


_UNITS = {"time": "s", "information": "B", "bandwidth": "B/s", "power": "W", "currency": "USD"}


def opt_quantity(v, dimension: str, name: str, *, allow_zero: bool = False) -> float:
    """A quantity input as an SI float (seconds, bytes, ...); numbers are not accepted without units."""
    from ..core.units import parse_quantity

    try:
        q = parse_quantity(v, dimension, allow_zero=allow_zero)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    return float(q.to(_UNITS[dimension]).magnitude)


#: smallest non-zero squared coefficient of variation of a service time: below it the gamma
#: service-time tail (shape 1/c²) overflows in floating point; 0 means deterministic service
MIN_CV2 = 1e-3


def check_cv2(v: float, name: str) -> float:
    """A squared coefficient of variation: 0 (deterministic) or at least ``MIN_CV2``."""
    if 0 < v < MIN_CV2:
        raise ConfigError(f"{name}: {v:g} is too small to model; give 0 for deterministic service "
                          f"or a value of at least {MIN_CV2:g}")
    return v


def check_magnitude(f: float, name: str) -> float:
    """A plain number standing for a quantity (days, hours, requests/s ...): non-zero values must lie
    within the range the unit parser accepts (1e-30 to 1e30), beyond which products overflow."""
    from ..core.units import SI_MAX, SI_MIN

    if f != 0 and not SI_MIN <= abs(f) <= SI_MAX:
        raise ConfigError(f"{name}: {f:g} is outside the supported range (1e-30 to 1e30)")
    return f


def check_power_cap(cap_w: float, idle_w: float, device: str, name: str = "power_cap") -> float:
    """A board power limit must exceed the device's idle power, or no clock is left to compute with."""
    if cap_w <= idle_w:
        raise ConfigError(f"{name}: {cap_w:g} W is at or below the idle power of {device} ({idle_w:.3g} W): "
                          "nothing is left to run the compute units")
    return cap_w


def efficiencies(hw, used: str, efficiency, memory_efficiency, runtime, assumptions: list,
                 unit: str | None = None) -> tuple[float, float]:
    """(η, η_mem): the given fractions, checked, or the calibration defaults for this device and
    precision (``_defaults``), each default recorded in ``assumptions`` with the rows it comes from.
    ``unit``: the compute unit the call runs on, whose measured bandwidth (one engine of a SoC
    streams less than the whole chip) caps η_mem."""
    from . import _defaults

    if efficiency is None:
        d = _defaults.gemm_efficiency(hw, used, runtime=runtime)
        eta = d.value
        assumptions.append(f"compute efficiency {eta:.3f} ({d.source})")
    else:
        eta = check_efficiency(efficiency, "efficiency")
    if memory_efficiency is None:
        d = _defaults.memory_efficiency(hw, unit)
        eta_m = d.value
        assumptions.append(f"memory efficiency {eta_m:.3f} ({d.source})")
    else:
        eta_m = check_efficiency(memory_efficiency, "memory_efficiency")
    return eta, eta_m
