"""The macro lens: TCO, energy, carbon and water, from the economics and sustainability solvers."""

from __future__ import annotations


def macro_lens(flt, hw, n_dev, grid, datacenter, days, utilisation, kwh_price, assumptions, details):
    metrics: dict = {}
    units: dict = {}
    notes: list = []
    if flt is None:
        from ..config.loader import _default_fabric, _default_node
        from ..systems.types import Fleet

        node = _default_node(hw, 1)
        flt = Fleet(name=f"1 x {node.name}", node=node, count=1, fabric=_default_fabric(hw))
    if grid is None and datacenter is None:
        from ..registry import Infra

        try:
            grid = Infra.Grids.get("World")
            assumptions.append("no region given: world-average grid")
        except Exception:
            grid = None
    try:
        from ..solvers.economics import EconomicsModel
        from ..solvers.sustainability import SustainabilityModel
    except ImportError:
        notes.append("macro solvers not available")
        return metrics, units, notes
    kw = {}
    if kwh_price is not None:
        kw["kwh_price"] = kwh_price
    try:
        econ = EconomicsModel().solve(flt, days, **_econ_kw(grid, datacenter, kw))
        details["economics"] = econ
        metrics["tco_usd"] = float(econ.tco.to("USD").magnitude)
        units["tco_usd"] = "USD"
        for name in ("capex", "opex"):
            q = getattr(econ, name, None)
            if q is not None:
                metrics[f"{name}_usd"] = float(q.to("USD").magnitude)
                units[f"{name}_usd"] = "USD"
    except Exception as exc:  # a missing price should not hide the other lenses
        notes.append(f"TCO not computed: {exc}")
    try:
        skw = {"datacenter": datacenter or grid}
        if utilisation is not None:
            skw["utilisation"] = utilisation
        sus = SustainabilityModel().solve(flt, days, **skw)
        details["sustainability"] = sus
        metrics["energy_mwh"] = float(sus.facility_energy.to("MWh").magnitude)
        metrics["carbon_t"] = float(sus.total_carbon.to("tCO2e").magnitude)
        units.update({"energy_mwh": "MWh", "carbon_t": "tCO2e"})
        water = getattr(sus, "water", None)
        if water is not None:
            metrics["water_m3"] = float(water.to("L").magnitude) / 1000
            units["water_m3"] = "m^3"
    except Exception as exc:
        notes.append(f"carbon not computed: {exc}")
    metrics["duration_days"] = float(days)
    units["duration_days"] = "day"
    return metrics, units, notes


def _econ_kw(grid, datacenter, kw):
    out = dict(kw)
    if datacenter is not None:
        out["datacenter"] = datacenter
    elif grid is not None:
        out["grid"] = grid
    return out
