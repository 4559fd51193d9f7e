"""Energy, carbon and water of a fleet over a period, or of a named run from its GPU-hours.

E_IT   = N_acc·P_acc·T + N_node·P_host·T            (IT energy; P from utilisation, TDP or measured)
E      = PUE · E_IT                                  (facility energy, The Green Grid PUE)
C_op   = E · CI                                      (location-based operational carbon)
C_emb  = (N_acc·e_acc + N_node·e_host) · T / L       (embodied carbon amortised over the life L)
W      = WUE · E_IT + WI · E                         (on-site cooling water + the grid's water)

The power method is named in every result (``"utilisation"``, ``"tdp"``, ``"measured_average"``):
energy from GPU-hours × TDP is a method, not a measurement. The default utilisation is never
100%: it reproduces the measured average node power during training (a data row).
"""

from __future__ import annotations

import statistics
from functools import lru_cache

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from . import _macro
from ._macro import as_days, as_hours, as_years, quantity_si, rows

__all__ = ["SustainabilityModel", "SustainabilityResult", "it_power", "facility_energy", "operational_carbon",
           "embodied_share", "water_use", "accelerator_embodied", "host_embodied"]

_METHODS = ("utilisation", "tdp", "measured_average")


# ---- formula functions (math page: "Energy, carbon and water") -----------------------------
def it_power(p_idle: float, p_max: float, u: float) -> float:
    """P(u) = P_idle + (P_max − P_idle)·u: linear power model between idle and full load
    (Barroso and Hölzle 2007, energy-proportional servers; eq. E1 on the math page)."""
    return p_idle + (p_max - p_idle) * u


def facility_energy(e_it: float, pue: float) -> float:
    """E = PUE · E_IT (The Green Grid, PUE definition: total facility energy / IT energy; eq. E2)."""
    return pue * e_it


def operational_carbon(energy: float, ci: float) -> float:
    """C_op = E · CI, location-based (GHG Protocol Scope 2 guidance; Patterson et al. 2021 eq. 1; eq. E3)."""
    return energy * ci


def embodied_share(e_total: float, duration: float, lifetime: float) -> float:
    """C_emb = e · T / L: manufacturing carbon amortised linearly over the service life
    (Gupta et al. 2021 'Chasing Carbon'; Faiz et al. 2023 LLMCarbon eq. 7; eq. E4)."""
    return e_total * min(duration / lifetime, 1.0) if lifetime > 0 else e_total


def water_use(e_it: float, energy: float, wue: float | None, wi: float | None) -> tuple[float, float]:
    """(on-site, off-site) water: WUE · E_IT (The Green Grid WUE, litres per IT kWh) and the grid's
    water intensity · E (Li et al. 2023 'Making AI less thirsty'; eq. E5)."""
    return (wue or 0.0) * e_it, (wi or 0.0) * energy


# ---- embodied data -------------------------------------------------------------------------
def accelerator_embodied(hw) -> tuple[float, str]:
    """(gCO2e per accelerator, source): the device's own field, else its data row (a baseboard row
    divided by its accelerators), else the median per-accelerator value of all rows."""
    if hw.embodied_carbon is not None:
        return float(hw.embodied_carbon.to("gCO2e").magnitude), f"{hw.name} embodied_carbon field"
    return _embodied_row(hw.id, hw.name)


@lru_cache(maxsize=128)
def _embodied_row(hw_id, hw_name) -> tuple[float, str]:
    from ..core.units import Q_

    per = []
    for r in rows("embodied"):
        if r.get("scope") in ("accelerator", "baseboard") and r.get("embodied"):
            v = float(Q_(r["embodied"]).to("gCO2e").magnitude) / max(1, int(r.get("accelerators", 1)))
            per.append((r, v))
    mine = [(r, v) for r, v in per if r.get("hardware") == hw_id]
    if mine:
        r, v = mine[0]
        return v, f"embodied:{r['id']}"
    if not per:
        raise ConfigError("no embodied-carbon rows in mlsysim/data/embodied/; give embodied_per_accelerator")
    return statistics.median(v for _r, v in per), (
        f"no embodied row for {hw_name}: median of {len(per)} accelerator rows ({', '.join(r['id'] for r, _ in per)})")


@lru_cache(maxsize=1)
def host_embodied() -> tuple[float, str]:
    """(gCO2e per server without its accelerators, source): median of the host rows."""
    from ..core.units import Q_

    hs = [r for r in rows("embodied") if r.get("scope") == "host"]
    if not hs:
        raise ConfigError("no host embodied rows in mlsysim/data/embodied/; give embodied_per_node")
    v = statistics.median(float(Q_(r["embodied"]).to("gCO2e").magnitude) for r in hs)
    return v, "embodied:" + ",".join(r["id"] for r in hs)


class SustainabilityResult(Result):
    """Result of ``SustainabilityModel.solve`` / ``solve_run``: energy, carbon and water, every term named."""

    method = field("power method: 'utilisation', 'tdp' or 'measured_average'")
    datacenter = field("datacenter used (None when only a grid or explicit values were given)")
    grid = field("grid used for carbon intensity")
    accelerators = field("accelerators counted")
    nodes = field("nodes counted (0 for a run given as accelerator-hours)")
    duration = qfield("period of the estimate (wall-clock)", "s", "day")
    accelerator_hours = qfield("accelerator-hours: accelerators × duration", "s", "h")
    utilisation = field("utilisation u used in P = P_idle + (TDP − P_idle)·u (None for measured power)")
    accelerator_power = qfield("average power per accelerator", "W", "W")
    idle_power = qfield("idle power per accelerator (None for measured power)", "W", "W")
    host_power = qfield("average host power per node (CPUs, NICs, fans)", "W", "kW")
    it_power = qfield("average IT power of the fleet", "W", "kW")
    pue = field("power usage effectiveness applied to IT energy")
    facility_power = qfield("PUE × IT power", "W", "kW")
    it_energy = qfield("IT energy: IT power × duration", "J", "MWh")
    energy = qfield("facility energy: PUE × IT energy", "J", "MWh")
    overhead_energy = qfield("cooling and power-delivery energy: (PUE − 1) × IT energy", "J", "MWh")
    carbon_intensity = qfield("grid carbon intensity (location-based)", "gCO2e/J", "gCO2e/kWh")
    operational_carbon = qfield("energy × carbon intensity", "gCO2e", "tCO2e")
    embodied_carbon_total = qfield("manufacturing carbon of the hardware used", "gCO2e", "tCO2e")
    lifetime = qfield("service life over which embodied carbon is amortised", "s", "year")
    embodied_carbon = qfield("embodied carbon amortised over this period: total × duration / life", "gCO2e", "tCO2e")
    carbon = qfield("total: operational + amortised embodied", "gCO2e", "tCO2e")
    wue = qfield("on-site water usage effectiveness (per IT kWh)", "L/J", "L/kWh")
    water_intensity = qfield("water consumed by generation per kWh of the grid", "L/J", "L/kWh")
    onsite_water = qfield("WUE × IT energy", "L", "L")
    offsite_water = qfield("grid water intensity × facility energy", "L", "L")
    water = qfield("on-site + off-site water", "L", "L")
    assumptions = field("modelling choices and default sources")

    @property
    def facility_energy(self):
        """Alias of ``energy``: PUE × IT energy."""
        return self.energy

    @property
    def total_carbon(self):
        """Alias of ``carbon``: operational + amortised embodied."""
        return self.carbon


class SustainabilityModel:
    """Energy, carbon (operational and embodied) and water of a fleet or of a named run."""

    def solve(self, fleet, duration_days, datacenter=None, utilisation=None, *, method: str = "utilisation",
              average_power=None, idle_power=None, pue=None, carbon_intensity=None, wue=None,
              water_intensity=None, include_host: bool = True, include_embodied: bool = True,
              lifetime=None, embodied_per_accelerator=None, embodied_per_node=None) -> SustainabilityResult:
        """Energy, carbon and water of ``fleet`` running for ``duration_days``.

        Parameters
        ----------
        fleet
            A Fleet or a cluster name.
        duration_days
            Days (a number) or a time quantity (``"54 day"``).
        datacenter
            Datacenter or grid (object or name); default: the fleet's, else the industry average.
        utilisation
            Fraction u in P = P_idle + (TDP − P_idle)·u. Default: the value that reproduces the
            measured average node power during training (``mlsysim/data/power/``), never 1.
        method
            ``"utilisation"`` (default), ``"tdp"`` (every device at TDP) or ``"measured_average"``
            (``average_power`` per accelerator, measured, host included).
        idle_power
            Idle power per accelerator (default: the device's field, else a sourced fraction of TDP).
        pue, carbon_intensity, wue, water_intensity
            Override the site's values.
        include_host
            Add the host (CPUs, NICs, fans) from the node's power rating where known.
        include_embodied, lifetime, embodied_per_accelerator, embodied_per_node
            Amortised manufacturing carbon (defaults: ``mlsysim/data/embodied/`` and the median
            server useful life in ``mlsysim/data/costs/``).
        """
        fleet = _macro.as_fleet_obj(fleet)
        days = as_days(duration_days, "duration_days")
        if method not in _METHODS:
            raise ConfigError(f"method: expected one of {', '.join(_METHODS)}, got {method!r}")
        if utilisation is not None and method != "utilisation":
            raise ConfigError(f"utilisation: only used with method='utilisation', not {method!r}")
        assumptions: list[str] = []
        n_nodes = fleet.count
        n_acc = fleet.total_accelerators
        pw = _macro.node_power(fleet, method=method, utilisation=utilisation, idle_power=idle_power,
                               average_power=average_power, include_host=include_host, assumptions=assumptions)
        site = _macro.site_terms(fleet, datacenter, pue=pue, carbon_intensity=carbon_intensity, wue=wue,
                                 water_intensity=water_intensity, assumptions=assumptions)
        t = days * 86400.0
        p_it = n_acc * pw["acc"] + n_nodes * pw["host"]
        emb_total = 0.0
        life = None
        if include_embodied:
            life, emb_total = _embodied(fleet.node.accelerator, n_acc, n_nodes if include_host else 0, lifetime,
                                        embodied_per_accelerator, embodied_per_node, assumptions)
        return _result(method=method, site=site, n_acc=n_acc, n_nodes=n_nodes, t=t, acc_hours=n_acc * t,
                       u=pw["u"], p_acc=pw["acc"], p_idle=pw["idle"], p_host=pw["host"], p_it=p_it,
                       emb_total=emb_total, life=life, assumptions=assumptions)

    def solve_run(self, accelerator_hours, average_power=None, *, hardware=None, method: str | None = None,
                  utilisation=None, duration=None, datacenter=None, pue=None, carbon_intensity=None, wue=None,
                  water_intensity=None, include_embodied: bool = False, lifetime=None,
                  embodied_per_accelerator=None) -> SustainabilityResult:
        """Energy and carbon of a named run from its accelerator-hours and average power.

        Energy = accelerator-hours × average power × PUE (Patterson et al. 2021, eq. 1). With
        ``average_power`` the method is ``"measured_average"`` unless ``method`` names another
        (model cards that multiply by TDP: ``method="tdp"``). Without it, ``hardware`` gives the
        power: its TDP (``method="tdp"``) or the utilisation model.

        Parameters
        ----------
        accelerator_hours
            Hours (a number) or a time quantity (``"3.552e6 h"``).
        average_power
            Average power per accelerator (``"330 W"``), as published by the run.
        hardware
            The accelerator (object or name), for TDP, idle power and embodied carbon.
        duration
            Wall-clock length of the run (for reporting; default unknown).
        include_embodied
            Add embodied carbon of the accelerators for their hours of use (needs ``hardware``).
        """
        hours = as_hours(accelerator_hours, "accelerator_hours")
        assumptions: list[str] = []
        hw = None
        if hardware is not None:
            from ._inputs import as_hardware

            hw = as_hardware(hardware)
        if average_power is not None:
            method = method or "measured_average"
            if method not in _METHODS:
                raise ConfigError(f"method: expected one of {', '.join(_METHODS)}, got {method!r}")
            p_acc = quantity_si(average_power, "power", "average_power")
            p_idle, u = None, None
            assumptions.append(f"power per accelerator as published ({p_acc:g} W), method {method!r}")
        else:
            if hw is None:
                raise ConfigError("average_power: give the average power per accelerator or the hardware")
            method = method or "utilisation"
            if method == "measured_average":
                raise ConfigError("average_power: method 'measured_average' needs the measured power")
            from ..systems.types import Fleet, Node

            one = Fleet(name="run", node=Node(name="device", accelerator=hw, accelerators_per_node=1), count=1)
            pw = _macro.node_power(one, method=method, utilisation=utilisation, include_host=False,
                                   assumptions=assumptions)
            p_acc, p_idle, u = pw["acc"], pw["idle"], pw["u"]
        site = _macro.site_terms(None, datacenter, pue=pue, carbon_intensity=carbon_intensity, wue=wue,
                                 water_intensity=water_intensity, assumptions=assumptions)
        t = as_hours(duration, "duration") * 3600.0 if duration is not None else float("nan")
        acc_s = hours * 3600.0
        emb_total, life = 0.0, None
        if include_embodied:
            if hw is None:
                raise ConfigError("include_embodied: embodied carbon of a run needs hardware")
            e_acc, src = ((quantity_si(embodied_per_accelerator, "emissions", "embodied_per_accelerator"), "given")
                          if embodied_per_accelerator is not None else accelerator_embodied(hw))
            life = as_years(lifetime, "lifetime") if lifetime is not None else _macro.service_life().value
            # accelerator-seconds / life-seconds = devices' share of their lives used
            emb_total = e_acc * acc_s / (life * 365.25 * 86400.0)
            assumptions.append(f"embodied {e_acc/1e3:.0f} kgCO2e per accelerator ({src}) over {life:g} years")
        e_it = p_acc * acc_s
        r = _result(method=method, site=site, n_acc=None, n_nodes=0, t=t, acc_hours=acc_s, u=u, p_acc=p_acc,
                    p_idle=p_idle, p_host=0.0, p_it=None, emb_total=emb_total, life=life, assumptions=assumptions,
                    e_it=e_it, amortised=True)
        return r


def _embodied(hw, n_acc: int, n_hosts: int, lifetime, e_acc_in, e_node_in, assumptions: list[str]):
    life = as_years(lifetime, "lifetime") if lifetime is not None else None
    if life is None:
        d = _macro.service_life()
        life = d.value
        assumptions.append(f"service life {life:g} years ({d.source})")
    if e_acc_in is not None:
        e_acc, src = quantity_si(e_acc_in, "emissions", "embodied_per_accelerator", allow_zero=True), "given"
    else:
        e_acc, src = accelerator_embodied(hw)
    total = n_acc * e_acc
    note = f"embodied {e_acc/1e3:.0f} kgCO2e per accelerator ({src})"
    if n_hosts:
        if e_node_in is not None:
            e_host, hsrc = quantity_si(e_node_in, "emissions", "embodied_per_node", allow_zero=True), "given"
        else:
            e_host, hsrc = host_embodied()
        total += n_hosts * e_host
        note += f" + {e_host/1e3:.0f} kgCO2e per host server ({hsrc})"
    assumptions.append(note)
    return life, total


def _result(*, method, site, n_acc, n_nodes, t, acc_hours, u, p_acc, p_idle, p_host, p_it, emb_total, life,
            assumptions, e_it=None, amortised=False) -> SustainabilityResult:
    if e_it is None:
        e_it = p_it * t
    energy = facility_energy(e_it, site["pue"])
    c_op = operational_carbon(energy, site["ci"])
    life_s = life * 365.25 * 86400.0 if life is not None else None
    if amortised:  # solve_run: emb_total is already the share used
        emb = emb_total
    else:
        emb = embodied_share(emb_total, t, life_s) if life_s else 0.0
    on, off = water_use(e_it, energy, site["wue"], site["wi"])
    if site["wue"] is None:
        assumptions.append("no WUE for this site: on-site water not counted")
    if site["wi"] is None:
        assumptions.append("the grid has no water intensity: off-site (generation) water not counted")
    return SustainabilityResult._make({
        "method": method, "datacenter": site["datacenter"], "grid": site["grid"], "accelerators": n_acc,
        "nodes": n_nodes, "duration": t if t == t else None, "accelerator_hours": acc_hours, "utilisation": u,
        "accelerator_power": p_acc, "idle_power": p_idle, "host_power": p_host,
        "it_power": p_it, "pue": site["pue"], "facility_power": p_it * site["pue"] if p_it is not None else None,
        "it_energy": e_it, "energy": energy, "overhead_energy": energy - e_it,
        "carbon_intensity": site["ci"], "operational_carbon": c_op, "embodied_carbon_total": emb_total if not amortised else None,
        "lifetime": life_s, "embodied_carbon": emb, "carbon": c_op + emb,
        "wue": site["wue"], "water_intensity": site["wi"], "onsite_water": on, "offsite_water": off,
        "water": on + off, "assumptions": tuple(assumptions),
    })
