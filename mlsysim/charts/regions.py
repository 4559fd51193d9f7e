"""The same work on different grids: carbon and electricity cost by region.

With a ``fleet`` and a duration, the macro solvers (``SustainabilityModel``, ``EconomicsModel``)
price each region when they are installed. Otherwise, or with an ``energy`` given, the charts
use the grid data directly (location-based accounting):

    E_facility = E_IT · PUE_region,   carbon = E_facility · I_grid,   cost = E_facility · p_kWh
"""

from __future__ import annotations

import altair as alt

from ._data import magnitude

__all__ = ["carbon_by_region", "cost_by_region"]


def _grids(regions) -> list:
    from ..registry import Infra

    if regions is None:
        return [g for g in Infra.Grids.all()]
    out = []
    for r in regions:
        out.append(Infra.Grids.get(r) if isinstance(r, str) else r)
    return out


def _it_energy(energy, fleet, duration_days, utilisation):
    """IT energy in kWh: the given energy, else the fleet's power × duration (× utilisation)."""
    from ..core.units import Q_, parse_quantity

    if energy is not None:
        return magnitude(parse_quantity(energy, "energy"), "kWh"), "given IT energy"
    if fleet is None or duration_days is None:
        raise ValueError("give energy (e.g. '1 MWh'), or fleet and duration_days")
    node = fleet.node
    if node.power is not None:
        power = node.power * fleet.count
        what = "node power"
    elif node.accelerator.tdp is not None:
        power = node.accelerator.tdp * fleet.total_accelerators
        what = "accelerator TDP"
    else:
        raise ValueError(f"fleet: {fleet.name} has no node power or accelerator TDP; give energy")
    u = 1.0 if utilisation is None else float(utilisation)
    kwh = magnitude(power * Q_(float(duration_days), "day") * u, "kWh")
    return kwh, f"{what} × {duration_days:g} days" + (f" × utilisation {u:g}" if utilisation is not None else "")


def _solver(module: str, name: str):
    try:
        mod = __import__(f"mlsysim.solvers.{module}", fromlist=[name])
        return getattr(mod, name)
    except (ImportError, AttributeError):
        return None


def _fleet(fleet):
    if isinstance(fleet, str):
        from ..registry import Systems

        return Systems.Clusters.get(fleet)
    return fleet


def _bars(rows, value_title: str, title: str, subtitle: str, width: int, stack: bool) -> alt.Chart:
    order = sorted(dict.fromkeys(r["region"] for r in rows), key=lambda g: sum(r["value"] for r in rows if r["region"] == g))
    enc = dict(
        y=alt.Y("region:N", sort=order, title=None, axis=alt.Axis(labelLimit=240)),
        x=alt.X("value:Q", title=value_title, stack="zero" if stack else None),
        tooltip=[alt.Tooltip("region:N", title="Region"), alt.Tooltip("part:N", title="Part"),
                 alt.Tooltip("value:Q", title=value_title, format=",.4~g"), alt.Tooltip("basis:N", title="Basis")],
    )
    if stack:
        enc["color"] = alt.Color("part:N", title=None, legend=alt.Legend(orient="bottom"))
    else:
        enc["color"] = alt.value("#0072B2")
    chart = alt.Chart(alt.Data(values=rows)).mark_bar(cornerRadiusEnd=2).encode(**enc)
    return chart.properties(title=alt.Title(title, subtitle=subtitle), width=width, height=max(80, 22 * len(order)))


def carbon_by_region(energy=None, regions=None, *, fleet=None, duration_days: float | None = None,
                     utilisation: float | None = None, unit: str = "tCO2e", title: str | None = None,
                     width: int = 360) -> alt.Chart:
    """Operational carbon of the same work on each grid region, lowest first.

    Parameters
    ----------
    energy
        IT energy of the work (``"1 MWh"`` or a Quantity). Each region multiplies it by its PUE
        and its carbon intensity.
    regions
        Grid profiles or their names (default: every grid in ``mlsysim.Infra.Grids``).
    fleet, duration_days, utilisation
        Instead of ``energy``: a fleet (or cluster name) run for ``duration_days``. Priced by
        ``SustainabilityModel`` when it is installed, else from the fleet's power.
    unit
        Mass unit of the axis (``tCO2e``, ``kgCO2e``).
    title, width
        Chart title and width in pixels.

    Returns
    -------
    altair.Chart
        One bar per region.
    """
    grids = _grids(regions)
    fleet = _fleet(fleet)
    Sustainability = _solver("sustainability", "SustainabilityModel") if energy is None and fleet is not None else None
    rows, stack = [], False
    if Sustainability is not None and duration_days is not None:
        kw = {} if utilisation is None else {"utilisation": utilisation}
        for g in grids:
            r = Sustainability().solve(fleet, duration_days, datacenter=g, **kw)
            parts = [(p, getattr(r, f, None)) for p, f in (("operational", "operational_carbon"), ("embodied (amortised)", "embodied_carbon"))]
            if parts[0][1] is None:  # an older result: one total
                parts = [("total", getattr(r, "carbon", None) or getattr(r, "total_carbon"))]
            for part, v in parts:
                if v is not None:
                    rows.append({"region": g.name, "part": part, "value": magnitude(v, unit), "basis": "SustainabilityModel"})
        stack = len({r["part"] for r in rows}) > 1
        basis = f"{fleet.name}, {duration_days:g} days (SustainabilityModel)"
    else:
        kwh, basis = _it_energy(energy, fleet, duration_days, utilisation)
        from ..core.units import Q_

        for g in grids:
            facility = kwh * g.pue
            carbon = Q_(facility, "kWh") * g.carbon_intensity
            rows.append({"region": g.name, "part": "operational", "value": magnitude(carbon, unit),
                         "basis": f"{kwh:,.4g} kWh IT × PUE {g.pue:g} × {magnitude(g.carbon_intensity, 'gCO2e/kWh'):g} gCO2e/kWh"})
        basis = f"{kwh:,.4g} kWh of IT energy ({basis}) × PUE × grid intensity"
    return _bars(rows, f"Carbon ({unit})", title or "Carbon by region", basis, width, stack=stack)


def cost_by_region(energy=None, regions=None, *, fleet=None, duration_days: float | None = None,
                   utilisation: float | None = None, unit: str = "USD", title: str | None = None,
                   width: int = 360) -> alt.Chart:
    """Cost of the same work on each grid region, lowest first.

    Parameters
    ----------
    energy
        IT energy of the work (``"1 MWh"`` or a Quantity): each region charges its PUE × its
        electricity price for it.
    regions
        Grid profiles or their names (default: every grid with an electricity price).
    fleet, duration_days, utilisation
        Instead of ``energy``: a fleet (or cluster name) run for ``duration_days``. Priced by
        ``EconomicsModel`` (capital and operating cost stacked) when it is installed, else the
        electricity of the fleet's power.
    unit
        Currency unit of the axis.
    title, width
        Chart title and width in pixels.

    Returns
    -------
    altair.Chart
        One bar per region (stacked by cost component when the economics solver prices it).
    """
    grids = [g for g in _grids(regions) if g.electricity_price is not None]
    if not grids:
        raise ValueError("regions: none has an electricity price")
    fleet = _fleet(fleet)
    Economics = _solver("economics", "EconomicsModel") if energy is None and fleet is not None else None
    rows, stack = [], False
    if Economics is not None and duration_days is not None:
        for g in grids:
            r = Economics().solve(fleet, duration_days, grid=g)
            parts = [(name, getattr(r, name, None)) for name in ("capex", "opex")]
            if all(v is not None for _, v in parts):
                stack = True
                for name, v in parts:
                    rows.append({"region": g.name, "part": {"capex": "capital", "opex": "operating"}[name],
                                 "value": magnitude(v, unit), "basis": "EconomicsModel"})
            else:
                rows.append({"region": g.name, "part": "total", "value": magnitude(r.tco, unit), "basis": "EconomicsModel"})
        basis = f"{fleet.name}, {duration_days:g} days (EconomicsModel)"
    else:
        kwh, basis = _it_energy(energy, fleet, duration_days, utilisation)
        from ..core.units import Q_

        for g in grids:
            cost = Q_(kwh * g.pue, "kWh") * g.electricity_price
            rows.append({"region": g.name, "part": "electricity", "value": magnitude(cost, unit),
                         "basis": f"{kwh:,.4g} kWh IT × PUE {g.pue:g} × {magnitude(g.electricity_price, 'USD/kWh'):g} USD/kWh"})
        basis = f"electricity for {kwh:,.4g} kWh of IT energy ({basis}) × PUE × price"
    return _bars(rows, f"Cost ({unit})", title or "Cost by region", basis, width, stack=stack)
