"""Shared pieces of the macro solvers (economics, sustainability, reliability): sourced default
rows from ``mlsysim/data/<folder>/``, input coercion for durations and fractions, and the fleet
power model used by both the sustainability and the economics solver.

Every default names the data rows it comes from, so a result can say where each number came
from. No number in this module is a spec or a tuned constant.
"""

from __future__ import annotations

import math
import statistics
from functools import lru_cache

from ..core.errors import ConfigError
from ..registry import data_rows
from ._defaults import Default

__all__ = [
    "rows", "quantity_si", "as_hours", "as_seconds", "as_fraction", "as_fleet_obj", "fleet_site",
    "idle_fraction", "training_power_fraction", "service_life", "node_power", "PowerTerms",
]


def rows(folder: str) -> tuple[dict, ...]:
    """All TOML rows of ``mlsysim/data/<folder>/`` (``registry.data_rows``)."""
    return data_rows(folder)


_SI = {"time": "s", "information": "B", "bandwidth": "B/s", "power": "W", "currency": "USD",
       "energy": "J", "emissions": "gCO2e", "carbon_intensity": "gCO2e/J", "water_intensity": "L/J",
       "price_per_energy": "USD/J", "price_per_time": "USD/s", "dimensionless": ""}


def quantity_si(value, dimension: str, name: str, *, allow_zero: bool = False) -> float:
    """A Quantity or string (``"0.429 kgCO2e/kWh"``) as a float in SI-like base units; one-line
    ConfigError naming ``name`` on a wrong dimension, NaN, zero or a negative value."""
    from ..core.units import parse_quantity

    try:
        q = parse_quantity(value, dimension, allow_zero=allow_zero)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    unit = _SI[dimension]
    return float(q.to(unit).magnitude) if unit else float(q.magnitude)


def _number(v, name: str, *, allow_zero: bool) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ConfigError(f"{name}: expected a number or a quantity, got {type(v).__name__}")
    f = float(v)
    if not math.isfinite(f):
        raise ConfigError(f"{name}: must be finite, got {v!r}")
    if f < 0 or (f == 0 and not allow_zero):
        raise ConfigError(f"{name}: must be {'non-negative' if allow_zero else 'greater than zero'}, got {v!r}")
    from ._inputs import check_magnitude

    return check_magnitude(f, name)


def as_hours(v, name: str, *, allow_zero: bool = False) -> float:
    """Hours from a plain number (taken as hours) or a time Quantity/string."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _number(v, name, allow_zero=allow_zero)
    return quantity_si(v, "time", name, allow_zero=allow_zero) / 3600.0


def as_days(v, name: str) -> float:
    """Days from a plain number (taken as days) or a time Quantity/string."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _number(v, name, allow_zero=False)
    return quantity_si(v, "time", name) / 86400.0


def as_seconds(v, name: str, *, allow_zero: bool = False) -> float:
    """Seconds from a plain number (taken as seconds) or a time Quantity/string."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _number(v, name, allow_zero=allow_zero)
    return quantity_si(v, "time", name, allow_zero=allow_zero)


def as_years(v, name: str) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _number(v, name, allow_zero=False)
    return quantity_si(v, "time", name) / (365.25 * 86400.0)


def as_fraction(v, name: str, *, allow_zero: bool = True, maximum: float = 1.0) -> float:
    """A plain fraction in [0, maximum] (or (0, maximum] without allow_zero)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ConfigError(f"{name}: expected a fraction between 0 and {maximum:g}, got {v!r}")
    if v < 0 or v > maximum or (v == 0 and not allow_zero):
        raise ConfigError(f"{name}: must be in {'[' if allow_zero else '('}0, {maximum:g}], got {v}")
    return float(v)


def as_fleet_obj(f):
    """A Fleet from an object or a cluster name (one-line error otherwise)."""
    if isinstance(f, str):
        from ..registry import Systems

        return Systems.Clusters.get(f)
    if not hasattr(f, "node") or not hasattr(f, "count"):
        raise ConfigError(f"fleet: expected a Fleet or a cluster name, got {type(f).__name__}")
    return f


def as_datacenter(dc):
    if dc is None or hasattr(dc, "effective_pue"):
        return dc
    if isinstance(dc, str):
        from ..registry import registry

        try:
            return registry("datacenter").get(dc)
        except ConfigError:
            # a grid name is accepted where a datacenter is expected
            return registry("grid").get(dc)
    if hasattr(dc, "carbon_intensity"):
        return dc
    raise ConfigError(f"datacenter: expected a Datacenter, a GridProfile or a name, got {type(dc).__name__}")


def as_grid(g):
    """A GridProfile from an object or a grid name."""
    if isinstance(g, str):
        from ..registry import registry

        return registry("grid").get(g)
    if not hasattr(g, "carbon_intensity"):
        raise ConfigError(f"grid: expected a GridProfile or a grid name, got {type(g).__name__}")
    return g


def fleet_site(fleet, datacenter=None):
    """(datacenter or None, grid or None) where the fleet runs: the argument, else the fleet's
    datacenter, else the fleet's grid. A GridProfile passed as datacenter is its own site."""
    dc = as_datacenter(datacenter) if datacenter is not None else getattr(fleet, "datacenter", None)
    if dc is not None and not hasattr(dc, "effective_pue"):  # a grid was given
        return None, dc
    grid = dc.grid if dc is not None else getattr(fleet, "grid", None)
    return dc, grid


# ---- sourced defaults ---------------------------------------------------------------------
def _median_default(rs: list[dict], key: str, what: str) -> Default:
    vals = [float(r[key]) for r in rs]
    return Default(statistics.median(vals), f"{what}: median of {len(rs)} rows ({', '.join(r['id'] for r in rs)})")


@lru_cache(maxsize=64)
def idle_fraction(hw_id: str | None) -> Default:
    """Idle power as a fraction of TDP: the device's own row, else the median of all rows."""
    rs = [r for r in rows("power") if r.get("quantity") == "idle_power" and isinstance(r.get("fraction"), (int, float))]
    if not rs:
        raise ConfigError("no idle-power rows in mlsysim/data/power/; give idle_power")
    mine = [r for r in rs if r.get("hardware") == hw_id]
    if mine:
        return Default(float(mine[0]["fraction"]), f"idle power {mine[0]['fraction']:.3f} of TDP (power:{mine[0]['id']})")
    d = _median_default(rs, "fraction", "idle power fraction of TDP")
    return Default(d.value, f"{d.source}; no row for this device")


@lru_cache(maxsize=1)
def training_power_fraction() -> Default:
    """Measured average node power during training as a fraction of its rating (median of rows)."""
    rs = [r for r in rows("power") if r.get("quantity") == "training_power_fraction"]
    if not rs:
        raise ConfigError("no training-power rows in mlsysim/data/power/; give utilisation")
    return _median_default(rs, "fraction", "measured training power fraction of rating")


@lru_cache(maxsize=1)
def service_life() -> Default:
    """Hardware service (depreciation) life in years: median of the useful-life rows."""
    from ..core.units import Q_

    rs = [r for r in rows("costs") if r.get("kind") == "useful_life"]
    if not rs:
        raise ConfigError("no useful-life rows in mlsysim/data/costs/; give lifetime")
    vals = [float(Q_(r["useful_life"]).to("year").magnitude) for r in rs]
    return Default(statistics.median(vals), f"server useful life: median of {len(rs)} filings ({', '.join(r['id'] for r in rs)})")


# ---- fleet power ---------------------------------------------------------------------------
class PowerTerms(dict):
    """Per-device and per-node average power (W) and how they were formed."""


def node_power(fleet, *, method: str, utilisation, idle_power=None, average_power=None,
               include_host: bool = True, assumptions: list[str]) -> PowerTerms:
    """Average IT power of one accelerator and of one node.

    method "utilisation": P_acc = P_idle + (TDP − P_idle)·u (idle sourced or a sourced fraction
    of TDP); the host (CPUs, NICs, fans) draws node.power − n·TDP at full load and follows the same
    linear law. method "tdp": u = 1. method "measured_average": P_acc = average_power (a measured
    system power per accelerator that already includes the host).
    """
    if method not in ("utilisation", "tdp", "measured_average"):
        raise ConfigError(f"method: expected 'utilisation', 'tdp' or 'measured_average', got {method!r}")
    hw = fleet.node.accelerator
    n = fleet.node.accelerators_per_node
    tdp = float(hw.tdp.to("W").magnitude) if hw.tdp is not None else None
    out = PowerTerms(method=method, tdp=tdp, idle=None, u=None, acc=None, host=0.0, host_max=0.0)
    if method == "measured_average":
        if average_power is None:
            raise ConfigError("average_power: method 'measured_average' needs the measured power per accelerator")
        out["acc"] = quantity_si(average_power, "power", "average_power")
        assumptions.append("measured average power per accelerator (includes its share of the host): no host term added")
        return out
    if average_power is not None:
        raise ConfigError(f"average_power: only used with method='measured_average', not {method!r}")
    if tdp is None:
        raise ConfigError(f"hardware: {hw.name} has no tdp; give average_power with method='measured_average'")
    if method == "tdp":
        u = 1.0
        p_idle = _idle(hw, idle_power, tdp, [])
        assumptions.append("method 'tdp': every device at its TDP for the whole period (an upper bound)")
    else:
        p_idle = _idle(hw, idle_power, tdp, assumptions)
        if utilisation is None:
            d = training_power_fraction()
            f_idle = p_idle / tdp
            u = max(0.0, (d.value - f_idle) / (1.0 - f_idle))
            assumptions.append(f"utilisation {u:.3f}: chosen so node power = {d.value:.2f} of its rating ({d.source})")
        else:
            u = as_fraction(utilisation, "utilisation")
    acc = p_idle + (tdp - p_idle) * u
    out.update(idle=p_idle, u=u, acc=acc)
    if include_host:
        node_rating = fleet.node.power
        if node_rating is not None:
            host_max = float(node_rating.to("W").magnitude) - n * tdp
            if host_max > 0:
                f = p_idle / tdp
                out["host_max"] = host_max
                out["host"] = host_max * (f + (1.0 - f) * u)
                assumptions.append(f"host (CPUs, NICs, fans) {host_max/1e3:.2f} kW per node at full load "
                                   f"(node rating {node_rating.to('kW').magnitude:g} kW − {n}×TDP), scaled like the devices")
            else:
                assumptions.append("node rating not above n×TDP: no host term")
        else:
            assumptions.append(f"{fleet.node.name} has no power rating: host power (CPUs, NICs, fans) not counted")
    return out


def _idle(hw, idle_power, tdp: float, assumptions: list[str]) -> float:
    if idle_power is not None:
        v = quantity_si(idle_power, "power", "idle_power", allow_zero=True)
    elif hw.idle_power is not None:
        v = float(hw.idle_power.to("W").magnitude)
    else:
        d = idle_fraction(hw.id)
        v = d.value * tdp
        assumptions.append(d.source)
    if v > tdp:
        raise ConfigError(f"idle_power: {v:g} W is above the TDP {tdp:g} W")
    return v


# ---- site: PUE, grid intensity, water, price ----------------------------------------------
_DEFAULT_SITE = "Industry_average"


def site_terms(fleet, datacenter=None, *, pue=None, carbon_intensity=None, wue=None, water_intensity=None,
               kwh_price=None, assumptions: list[str]) -> dict:
    """The site's PUE, carbon intensity (gCO2e/J), WUE and grid water intensity (L/J) and price
    (USD/J), each from the argument, else the datacenter, else its grid, else the sourced
    industry-average datacenter. One function for every solver, so PUE is applied the same way."""
    dc, grid = fleet_site(fleet, datacenter) if fleet is not None else (None, None)
    if fleet is None and datacenter is not None:
        d = as_datacenter(datacenter)
        dc, grid = (d, d.grid) if hasattr(d, "effective_pue") else (None, d)
    if dc is None and grid is None:
        from ..registry import registry

        dc = registry("datacenter").get(_DEFAULT_SITE)
        grid = dc.grid
        if pue is None or carbon_intensity is None:
            assumptions.append(f"no datacenter or grid given: {dc.name} (datacenter:{_DEFAULT_SITE}) on the {grid.name}")
    out = {"datacenter": dc.name if dc is not None else None, "grid": grid.name if grid is not None else None}
    if pue is not None:
        if isinstance(pue, bool) or not isinstance(pue, (int, float)) or not (1.0 <= pue <= 5.0):
            raise ConfigError(f"pue: expected a plain number between 1.0 and 5.0, got {pue!r}")
        out["pue"] = float(pue)
    else:
        out["pue"] = dc.effective_pue if dc is not None else grid.pue
    ci = carbon_intensity if carbon_intensity is not None else grid.carbon_intensity
    out["ci"] = quantity_si(ci, "carbon_intensity", "carbon_intensity", allow_zero=True)
    w = wue if wue is not None else (dc.effective_wue if dc is not None else grid.wue)
    out["wue"] = quantity_si(w, "water_intensity", "wue", allow_zero=True) if w is not None else None
    wi = water_intensity if water_intensity is not None else grid.water_intensity
    out["wi"] = quantity_si(wi, "water_intensity", "water_intensity", allow_zero=True) if wi is not None else None
    if kwh_price is not None:
        if isinstance(kwh_price, (int, float)) and not isinstance(kwh_price, bool):  # seed API: USD per kWh
            out["price"] = _number(kwh_price, "kwh_price", allow_zero=False) / 3.6e6
        else:
            out["price"] = quantity_si(kwh_price, "price_per_energy", "kwh_price")
        out["price_source"] = "given"
    elif grid is not None and grid.electricity_price is not None:
        out["price"] = float(grid.electricity_price.to("USD/J").magnitude)
        out["price_source"] = f"grid:{grid.id or grid.name}"
    else:
        from ..registry import registry

        w_grid = registry("grid").get("World")
        out["price"] = float(w_grid.electricity_price.to("USD/J").magnitude)
        out["price_source"] = "grid:World (sourced world average; the site has no price)"
    return out
