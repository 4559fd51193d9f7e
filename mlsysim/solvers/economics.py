"""Total cost of ownership of a fleet, the cloud-rental alternative, and unit costs.

CapEx  = N_acc·c_acc + N_node·c_host + N_acc·c_net                     (purchase)
CapEx_T = CapEx · T / L                                                (straight-line amortisation)
OpEx_T = E·p + m·CapEx·T/1yr                                           (energy through PUE, maintenance)
TCO_T  = CapEx_T + OpEx_T
Cloud_T = N_acc · T · r                                                (rental at r USD per GPU-hour)
cost per 1M tokens = (TCO_T / T) / (tokens/s) · 1e6

E is the facility energy of ``SustainabilityModel`` (same power model, same PUE): a single place
where PUE is applied. Prices are dated data rows in ``mlsysim/data/prices/``.
"""

from __future__ import annotations

import datetime as _dt
import statistics
from functools import lru_cache

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from . import _macro
from ._macro import as_days, as_fraction, as_hours, as_years, quantity_si, rows

__all__ = ["EconomicsModel", "EconomicsResult", "amortised_capex", "energy_cost", "maintenance_cost", "purchase_capex", "rental_cost",
           "cost_per_million_tokens",
           "accelerator_price", "cloud_price", "host_price", "network_cost_per_accelerator"]

_YEAR = 365.25 * 86400.0


# ---- formula functions (math page: "Cost") ------------------------------------------------
def amortised_capex(capex: float, duration: float, lifetime: float) -> float:
    """CapEx_T = CapEx · T / L: straight-line depreciation over the useful life L (eq. C1)."""
    return capex * duration / lifetime


def energy_cost(energy_j: float, price_per_j: float) -> float:
    """OpEx_energy = E · p with E the facility energy (PUE · E_IT) (eq. C2)."""
    return energy_j * price_per_j


def maintenance_cost(capex: float, fraction: float, duration: float) -> float:
    """OpEx_maint = m · CapEx · T / 1 year: maintenance as a yearly fraction m of CapEx (eq. C3)."""
    return fraction * capex * duration / _YEAR


def purchase_capex(n_acc: int, c_acc: float, n_nodes: int, c_host: float, c_net: float) -> float:
    """CapEx = N_acc·c_acc + N_node·c_host + N_acc·c_net: accelerators, host servers and the
    scale-out network per accelerator (eq. C4)."""
    return n_acc * c_acc + n_nodes * c_host + n_acc * c_net


def rental_cost(accelerators: int, duration: float, price_per_s: float) -> float:
    """Cloud_T = N_acc · T · r: renting the same accelerators on demand (eq. C5)."""
    return accelerators * duration * price_per_s


def cost_per_million_tokens(cost_per_s: float, tokens_per_s: float) -> float:
    """USD per 10⁶ tokens = (cost per second / tokens per second) · 10⁶ (eq. C6)."""
    return cost_per_s / tokens_per_s * 1e6


# ---- price data ----------------------------------------------------------------------------
def _date(r) -> _dt.date:
    d = r.get("date")
    return d if isinstance(d, _dt.date) else _dt.date.min


def accelerator_price(hw) -> tuple[float, str, bool]:
    """(USD per accelerator, source, includes_host): see ``_purchase``; the device's unit_cost first."""
    if hw.unit_cost is not None:
        return float(hw.unit_cost.to("USD").magnitude), f"{hw.name} unit_cost", False
    return _purchase(hw.id, hw.name)


@lru_cache(maxsize=128)
def _purchase(hw_id, hw_name) -> tuple[float, str, bool]:
    """(USD per accelerator, source, includes_host): the device's unit_cost; else the latest
    single-unit purchase row for it; else the latest system row (system price / accelerators,
    which then already includes the host server); else ConfigError asking for unit_cost."""
    from ..core.units import Q_

    mine = [r for r in rows("prices") if r.get("kind") == "purchase" and r.get("hardware") == hw_id]
    single = sorted((r for r in mine if not r.get("system")), key=_date)
    if single:
        r = single[-1]
        return float(Q_(r["price"]).to("USD").magnitude), f"prices:{r['id']} ({r.get('date')})", False
    systems = sorted((r for r in mine if r.get("system") and r.get("gpus_per_instance")), key=_date)
    if systems:
        r = systems[-1]
        per = float(Q_(r["price"]).to("USD").magnitude) / int(r["gpus_per_instance"])
        return per, f"prices:{r['id']} ({r.get('date')}, {r['system']} / {r['gpus_per_instance']}, host included)", True
    raise ConfigError(f"unit_cost: no purchase price known for {hw_name}; give unit_cost (e.g. unit_cost='30000 USD')")


def cloud_price(hw) -> tuple[float, str] | tuple[None, str]:
    """(USD per accelerator-hour, source); see ``_rental``."""
    return _rental(hw.id, hw.name)


@lru_cache(maxsize=128)
def _rental(hw_id, hw_name) -> tuple[float, str] | tuple[None, str]:
    """(USD per accelerator-hour, source): median over providers of each provider's latest on-demand
    row for this device, taken from the most recent year that has rows."""
    from ..core.units import Q_

    mine = [r for r in rows("prices") if r.get("kind") == "rental" and r.get("hardware") == hw_id]
    if not mine:
        return None, f"no rental price rows for {hw_name}"
    latest_year = max(_date(r).year for r in mine)
    by_provider: dict[str, dict] = {}
    for r in sorted(mine, key=_date):
        if _date(r).year == latest_year:
            by_provider[r.get("provider", r["id"])] = r
    vals = []
    for r in by_provider.values():
        p = float(Q_(r["price"]).to("USD/h").magnitude)
        if r.get("per") != "gpu" and r.get("gpus_per_instance"):
            p /= int(r["gpus_per_instance"])  # an instance price
        vals.append((r, p))
    med = statistics.median(p for _r, p in vals)
    ids = ", ".join(f"{r['id']} {p:.2f}" for r, p in vals)
    return med, f"median of {len(vals)} providers' on-demand prices dated {latest_year} ({ids} USD/GPU-h)"


@lru_cache(maxsize=128)
def _systems(hw_id):
    return tuple(sorted((r for r in rows("prices") if r.get("kind") == "purchase" and r.get("hardware") == hw_id
                         and r.get("system") and r.get("gpus_per_instance")), key=_date))


def host_price(hw, c_acc: float, per_node: int) -> tuple[float, str]:
    """(USD per node, source) for the host server beyond its accelerators: the latest system
    purchase row for this device minus its accelerators at ``c_acc`` each, scaled to the node's
    accelerator count; 0 when no system row exists."""
    from ..core.units import Q_

    systems = _systems(hw.id)
    if not systems:
        return 0.0, "no host server price known: host CapEx not counted (give node_cost)"
    r = systems[-1]
    g = int(r["gpus_per_instance"])
    per_acc = max(0.0, float(Q_(r["price"]).to("USD").magnitude) / g - c_acc)
    return per_acc * per_node, (f"host {per_acc * per_node:,.0f} USD per node = prices:{r['id']} ({r.get('date')}) "
                                f"/ {g} − accelerator price, × {per_node}")


def network_cost_per_accelerator(nodes: int) -> tuple[float, str]:
    """(USD per accelerator, source) for the scale-out fabric (switches, optics, cables): the
    cost-model row of the smallest tier that holds ``nodes`` nodes, else the largest tier."""
    from ..core.units import Q_

    rs = sorted((r for r in rows("costs") if r.get("kind") == "network_capex"), key=lambda r: r["nodes"])
    if not rs:
        return 0.0, "no network cost rows: network CapEx not counted"
    fit = next((r for r in rs if r["nodes"] >= nodes), rs[-1])
    return float(Q_(fit["per_accelerator"]).to("USD").magnitude), f"costs:{fit['id']} ({fit['fabric']})"


class EconomicsResult(Result):
    """Result of ``EconomicsModel.solve``: CapEx, OpEx, TCO, the cloud alternative and unit costs."""

    fleet = field("fleet name")
    accelerators = field("accelerators in the fleet")
    nodes = field("nodes in the fleet")
    duration = qfield("period T of the TCO", "s", "day")
    lifetime = qfield("useful life L over which CapEx is amortised", "s", "year")
    accelerator_unit_cost = qfield("purchase price per accelerator", "USD", "USD")
    capex_accelerators = qfield("N_acc × price per accelerator", "USD", "USD")
    capex_host = qfield("host servers (CPUs, memory, chassis) beyond the accelerators", "USD", "USD")
    capex_network = qfield("scale-out network: switches, optics, cables", "USD", "USD")
    capex = qfield("total purchase price of the fleet", "USD", "USD")
    capex_amortised = qfield("CapEx × T / L: the share of the purchase used in the period", "USD", "USD")
    power_method = field("power method of the energy estimate (see SustainabilityModel)")
    utilisation = field("utilisation of the power model (None for measured power)")
    it_power = qfield("average IT power", "W", "kW")
    pue = field("PUE applied to IT energy")
    energy = qfield("facility energy over the period (PUE × IT energy)", "J", "MWh")
    kwh_price = qfield("electricity price", "USD/J", "USD/kWh")
    opex_energy = qfield("energy × price", "USD", "USD")
    maintenance_fraction = field("maintenance per year as a fraction of CapEx (None: not counted)")
    opex_maintenance = qfield("maintenance_fraction × CapEx × T / 1 year", "USD", "USD")
    opex = qfield("energy + maintenance over the period", "USD", "USD")
    tco = qfield("amortised CapEx + OpEx over the period", "USD", "USD")
    tco_usd = field("TCO as a plain number of US dollars (for JSON consumers)")
    tco_cash = qfield("full purchase + OpEx: the cash spent if bought for this period only", "USD", "USD")
    cost_per_hour = qfield("TCO / T", "USD/s", "USD/h")
    cost_per_accelerator_hour = qfield("TCO / (N_acc · T): the owned cost of one GPU-hour", "USD/s", "USD/h")
    rental_price = qfield("cloud on-demand price per accelerator-hour (None if unknown)", "USD/s", "USD/h")
    cloud_cost = qfield("N_acc × T × rental price", "USD", "USD")
    cloud_to_own_ratio = field("cloud cost / TCO (above 1: owning is cheaper)")
    tokens_per_second = qfield("fleet token throughput used for unit costs", "token/s", "token/s")
    queries_per_second = qfield("fleet query rate used for unit costs", "request/s", "request/s")
    cost_per_million_tokens = qfield("owned cost per 10⁶ tokens", "USD", "USD")
    cloud_cost_per_million_tokens = qfield("rented cost per 10⁶ tokens", "USD", "USD")
    cost_per_query = qfield("owned cost per query", "USD", "USD")
    training_time = qfield("training run length used for the run cost", "s", "h")
    cost_per_training_run = qfield("owned cost of the training run: TCO rate × run length", "USD", "USD")
    cloud_cost_per_training_run = qfield("rented cost of the training run: N_acc × run length × rental", "USD", "USD")
    assumptions = field("modelling choices, prices and their dates")


class EconomicsModel:
    """TCO of owning a fleet versus renting it, and the cost per token, query and training run."""

    def solve(self, fleet, duration_days, kwh_price=None, *, datacenter=None, grid=None, utilisation=None,
              power_method: str = "utilisation", average_power=None, lifetime=None, unit_cost=None,
              node_cost=None, network_cost=None, maintenance_fraction=None, rental_price=None,
              throughput=None, output_len=None, queries_per_second=None, training_hours=None,
              training_tokens=None) -> EconomicsResult:
        """Cost of owning ``fleet`` for ``duration_days`` and of renting the same accelerators.

        Parameters
        ----------
        fleet
            A Fleet or a cluster name.
        duration_days
            Days (a number) or a time quantity.
        kwh_price
            Electricity price (``"0.08 USD/kWh"``); default: the site's grid price, else the
            sourced world average (``grid:World``).
        datacenter, grid
            Site for PUE and price: a datacenter, or a grid (object or name); default: the
            fleet's, else the industry average.
        utilisation, power_method, average_power
            Power model, as in ``SustainabilityModel`` (default utilisation is sourced, never 1).
        lifetime
            Useful life for amortisation (years as a number, or a time quantity); default: the
            median server useful life of the hyperscaler filings in ``mlsysim/data/costs/``.
        unit_cost
            Price per accelerator (default: the device's ``unit_cost``, else a purchase row).
        node_cost
            Host server price per node beyond its accelerators (default: the node's
            ``unit_cost`` minus its accelerators, when known; else not counted).
        network_cost
            Scale-out network CapEx per accelerator (default: the cost-model tier in
            ``mlsysim/data/costs/``); ``"0 USD"`` to leave it out.
        maintenance_fraction
            Maintenance per year as a fraction of CapEx (no sourced default: not counted unless given).
        rental_price
            Cloud price per accelerator-hour (default: median of the latest dated rows).
        throughput
            Fleet tokens per second (number, ``"2e5 token/s"``), or a ``ServingResult`` (its
            throughput × replicas, replicas = accelerators / tp_size) or a ``PerformanceProfile``
            (token throughput × accelerators).
        output_len
            Tokens generated per query, to turn a ServingResult into queries per second.
        queries_per_second
            Fleet query rate (number or ``"100 request/s"``) for the cost per query.
        training_hours, training_tokens
            Length of a training run (hours or a time quantity), or its tokens with ``throughput``
            (a number, or a result with ``tokens_per_second``) for the cost of the run.
        """
        fleet = _macro.as_fleet_obj(fleet)
        days = as_days(duration_days, "duration_days")
        if grid is not None:
            if datacenter is not None:
                raise ConfigError("grid: give either datacenter or grid, not both")
            datacenter = grid if not isinstance(grid, str) else _macro.as_grid(grid)
        if power_method not in ("utilisation", "tdp", "measured_average"):
            raise ConfigError(f"power_method: expected 'utilisation', 'tdp' or 'measured_average', got {power_method!r}")
        t = days * 86400.0
        assumptions: list[str] = []
        hw = fleet.node.accelerator
        n_acc, n_nodes = fleet.total_accelerators, fleet.count

        # CapEx
        if unit_cost is not None:
            c_acc, src, includes_host = quantity_si(unit_cost, "currency", "unit_cost"), "given", False
        else:
            c_acc, src, includes_host = accelerator_price(hw)
        assumptions.append(f"accelerator price {c_acc:,.0f} USD ({src})")
        if node_cost is not None:
            c_host = quantity_si(node_cost, "currency", "node_cost", allow_zero=True)
        elif fleet.node.unit_cost is not None:
            c_host = max(0.0, float(fleet.node.unit_cost.to("USD").magnitude) - fleet.node.accelerators_per_node * c_acc)
            assumptions.append(f"host per node = node unit_cost − accelerators = {c_host:,.0f} USD")
        elif includes_host:
            c_host = 0.0
        else:
            c_host, hsrc = host_price(hw, c_acc, fleet.node.accelerators_per_node)
            assumptions.append(hsrc)
        if network_cost is not None:
            c_net = quantity_si(network_cost, "currency", "network_cost", allow_zero=True)
        elif n_nodes > 1:
            c_net, nsrc = network_cost_per_accelerator(n_nodes)
            assumptions.append(f"network {c_net:,.0f} USD per accelerator ({nsrc})")
        else:
            c_net = 0.0
        cap_acc, cap_host, cap_net = n_acc * c_acc, n_nodes * c_host, n_acc * c_net
        capex = purchase_capex(n_acc, c_acc, n_nodes, c_host, c_net)
        if lifetime is not None:
            life = as_years(lifetime, "lifetime")
        else:
            d = _macro.service_life()
            life = d.value
            assumptions.append(f"amortised over {life:g} years ({d.source})")
        life_s = life * _YEAR
        cap_t = amortised_capex(capex, t, life_s)
        if t > life_s:
            assumptions.append("the period is longer than the useful life: amortised CapEx exceeds one purchase (replacements)")

        # OpEx: energy through the sustainability power model
        pw = _macro.node_power(fleet, method=power_method, utilisation=utilisation, average_power=average_power,
                               include_host=True, assumptions=assumptions)
        site = _macro.site_terms(fleet, datacenter, kwh_price=kwh_price, assumptions=assumptions)
        if site["price_source"] != "given":
            assumptions.append(f"electricity {site['price'] * 3.6e6:.4f} USD/kWh ({site['price_source']})")
        p_it = n_acc * pw["acc"] + n_nodes * pw["host"]
        from .sustainability import facility_energy

        energy = facility_energy(p_it * t, site["pue"])
        op_e = energy_cost(energy, site["price"])
        if maintenance_fraction is not None:
            m = as_fraction(maintenance_fraction, "maintenance_fraction")
            op_m = maintenance_cost(capex, m, t)
        else:
            m, op_m = None, 0.0
            assumptions.append("maintenance not counted (no sourced default; give maintenance_fraction per year)")
        opex = op_e + op_m
        tco = cap_t + opex

        # cloud
        if rental_price is not None:
            r_h, rsrc = quantity_si(rental_price, "price_per_time", "rental_price") * 3600.0, "given"
        else:
            r_h, rsrc = cloud_price(hw)
        if r_h is not None:
            assumptions.append(f"cloud {r_h:.2f} USD per GPU-hour ({rsrc})")
            cloud = rental_cost(n_acc, t, r_h / 3600.0)
        else:
            assumptions.append(rsrc)
            cloud = None

        # unit costs
        tps, qps = _throughput(throughput, output_len, n_acc, assumptions)
        if queries_per_second is not None:
            qps = _rate(queries_per_second, "request/s", "queries_per_second")
        rate = tco / t
        c_tok = cost_per_million_tokens(rate, tps) if tps else None
        c_tok_cloud = cost_per_million_tokens(cloud / t, tps) if tps and cloud is not None else None
        c_query = rate / qps if qps else None
        run_s = None
        if training_hours is not None:
            run_s = as_hours(training_hours, "training_hours") * 3600.0
        elif training_tokens is not None:
            if not tps:
                raise ConfigError("training_tokens: give throughput (tokens per second) to turn tokens into a run length")
            tok = training_tokens if not hasattr(training_tokens, "magnitude") else float(training_tokens.to("token").magnitude)
            tok = _macro._number(tok, "training_tokens", allow_zero=False)
            run_s = tok / tps
        c_run = rate * run_s if run_s else None
        c_run_cloud = n_acc * run_s / 3600.0 * r_h if run_s and r_h is not None else None

        return EconomicsResult._make({
            "fleet": fleet.name, "accelerators": n_acc, "nodes": n_nodes, "duration": t, "lifetime": life_s,
            "accelerator_unit_cost": c_acc, "capex_accelerators": cap_acc, "capex_host": cap_host,
            "capex_network": cap_net, "capex": capex, "capex_amortised": cap_t,
            "power_method": power_method, "utilisation": pw["u"], "it_power": p_it, "pue": site["pue"],
            "energy": energy, "kwh_price": site["price"], "opex_energy": op_e, "maintenance_fraction": m,
            "opex_maintenance": op_m, "opex": opex, "tco": tco, "tco_usd": tco, "tco_cash": capex + opex,
            "cost_per_hour": rate, "cost_per_accelerator_hour": rate / n_acc,
            "rental_price": r_h / 3600.0 if r_h is not None else None, "cloud_cost": cloud,
            "cloud_to_own_ratio": cloud / tco if cloud is not None and tco > 0 else None,
            "tokens_per_second": tps, "queries_per_second": qps,
            "cost_per_million_tokens": c_tok, "cloud_cost_per_million_tokens": c_tok_cloud,
            "cost_per_query": c_query, "training_time": run_s, "cost_per_training_run": c_run,
            "cloud_cost_per_training_run": c_run_cloud, "assumptions": tuple(assumptions),
        })


def _rate(v, unit: str, name: str) -> float:
    """A rate per second from a number or a quantity in ``unit`` (token/s or request/s)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _macro._number(v, name, allow_zero=False)
    from ..core.units import Q_, ureg

    try:
        q = v if hasattr(v, "to") else Q_(str(v))
        f = float(q.to(ureg.Unit(unit)).magnitude)
    except Exception:
        raise ConfigError(f"{name}: expected a number or a quantity in {unit}, got {v!r}") from None
    return _macro._number(f, name, allow_zero=False)


def _throughput(th, output_len, n_acc: int, assumptions: list[str]):
    """(fleet tokens/s, fleet queries/s) from a number, a quantity or a solver result."""
    if th is None:
        return None, None
    name = type(th).__name__
    if name == "ServingResult":
        replicas = n_acc // th.tp_size
        if replicas < 1:
            raise ConfigError(f"throughput: the serving result needs {th.tp_size} devices per replica; the fleet has {n_acc}")
        tps = float(th.throughput.to("token/s").magnitude) * replicas
        out = output_len if output_len is not None else th.output_len
        qps = None
        if out is not None:
            from ._inputs import check_positive_int

            out = check_positive_int(out, "output_len")
            s = float(th.ttft.to("s").magnitude) + out * float(th.itl.to("s").magnitude)
            qps = replicas * th.batch_size / s
        assumptions.append(f"throughput from ServingResult: {replicas} replicas of tp_size {th.tp_size}, "
                           f"batch {th.batch_size}, fully loaded")
        return tps, qps
    if name == "PerformanceProfile":
        if th.token_throughput is None:
            raise ConfigError("throughput: this PerformanceProfile has no token throughput (not a transformer)")
        assumptions.append("throughput from PerformanceProfile: token throughput per device × accelerators")
        return float(th.token_throughput.to("token/s").magnitude) * n_acc, None
    tps_attr = getattr(th, "tokens_per_second", None)
    if tps_attr is not None and not isinstance(th, (int, float, str)):
        v = tps_attr.to("token/s").magnitude if hasattr(tps_attr, "to") else tps_attr
        assumptions.append(f"throughput from {name}.tokens_per_second")
        return float(v), None
    return _rate(th, "token/s", "throughput"), None
