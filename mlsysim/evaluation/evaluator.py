"""SystemEvaluator: one call from a workload and a system to the three-lens scorecard.

Feasibility (does it fit, within the power budget) → Performance (latency and throughput
against the SLA) → Macro (TCO, carbon, water). Each lens is computed by the solvers; this
module only composes them and checks constraints.
"""

from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..solvers._inputs import as_hardware, as_model, check_positive_int
from .scorecard import ConstraintCheck, Lens, SystemEvaluation, WallStatus
from .walls import wall

__all__ = ["SystemEvaluator", "evaluate_config"]


def _fleet_for(hw, fleet, nodes):
    from ..config.loader import _default_fabric, _default_node
    from ..systems.types import Fleet

    if fleet is not None:
        if isinstance(fleet, str):
            from ..registry import Systems

            fleet = Systems.Clusters.get(fleet)
        return fleet
    node = _default_node(hw, None) if nodes else _default_node(hw, 1)
    return Fleet(name=f"{nodes or 1} x {node.name}", node=node, count=nodes or 1, fabric=_default_fabric(hw))


def _choose_tp(model, hw, per_node, seq_len, batch, precision, output_len, efficiency, compute_unit=None):
    """Smallest power-of-two tensor parallelism within a node that fits the weights and KV."""
    from ..solvers.serving import ServingModel

    tp, last, error = 1, None, None
    while tp <= per_node:
        if model.heads % tp == 0:
            try:
                r = ServingModel().solve(model, hw, seq_len=seq_len, batch_size=batch, precision=precision, tp_size=tp,
                                         output_len=output_len, efficiency=efficiency, compute_unit=compute_unit,
                                         link_bandwidth=None if tp == 1 or (hw.interconnect and (hw.interconnect.scaleup_bandwidth or hw.interconnect.pcie_bandwidth)) else "32 GB/s")
            except ConfigError as exc:
                r, error = None, error or exc
            if r is not None:
                last = r
                if r.feasible:
                    return r
        tp *= 2
    if last is None and error is not None:  # no tensor-parallel size was valid: report why
        raise error
    return last


class SystemEvaluator:
    """Compose the solvers into a scorecard (Feasibility → Performance → Macro)."""

    @staticmethod
    def evaluate(scenario_name: str, model_obj, hardware_obj=None, batch_size: int = 1, precision: str = "fp16",
                 efficiency: float | None = None, *, fleet=None, nodes: int | None = None, mode: str = "inference",
                 seq_len: int | None = None, output_len: int | None = None, qps: float | None = None,
                 grid=None, datacenter=None, duration_days: float = 365.0, utilisation: float | None = None,
                 kwh_price: float | None = None, constraints=(), latency_sla_ms: float | None = None,
                 power_budget_kw: float | None = None, budget_usd: float | None = None, tokens: float | None = None,
                 tp_size: int | None = None, pp_size: int | None = None, parallelism: dict | None = None,
                 compute_unit: str | None = None) -> SystemEvaluation:
        """Evaluate a workload on hardware (one device, ``nodes`` nodes, or a ``fleet``).

        Parameters follow the solvers'. ``constraints`` is a list of
        ``{"metric": "performance.latency", "max": 50}`` (metric units as reported). ``compute_unit``
        runs inference and serving on one engine of a multi-engine device (its peaks and bandwidth).
        """
        model = as_model(model_obj)
        if hardware_obj is None and fleet is None:
            raise ConfigError("hardware_obj: give a device or a fleet")
        hw = as_hardware(hardware_obj) if hardware_obj is not None else None
        flt = _fleet_for(hw, fleet, nodes) if (fleet is not None or nodes) else None
        if hw is None:
            hw = flt.node.accelerator
        b = check_positive_int(batch_size, "batch_size")
        if mode not in ("inference", "serving", "training"):
            raise ConfigError(f"mode: expected inference, serving or training, got {mode!r}")
        n_dev = flt.total_accelerators if flt is not None else 1
        per_node = flt.node.accelerators_per_node if flt is not None else 1
        assumptions: list[str] = []
        details: dict = {}

        # ---- performance (and the memory facts feasibility needs) ----
        perf: dict = {}
        units: dict = {}
        if compute_unit is not None:
            from ..solvers._inputs import check_unit

            compute_unit = check_unit(hw, compute_unit)
        if mode == "training" and flt is not None and getattr(model, "kind", "") == "transformer":
            if compute_unit not in (None, "all"):
                raise ConfigError("compute_unit: applies to inference and serving; a distributed training run "
                                  "uses every engine of its accelerators")
            perf, units, mem_dev, cap, fits, extra = _training(model, flt, b, precision, seq_len, efficiency, tp_size, pp_size,
                                                               assumptions, parallelism or {})
            details.update(extra)
        elif getattr(model, "kind", "") == "transformer" and mode in ("inference", "serving"):
            s = seq_len or min(model.seq_len, 2048)
            if seq_len is None:
                assumptions.append(f"prompt length {s} tokens (min of the model's context and 2048)")
            # fixed point: the TP degree sets the replica count, which sets the batch per replica,
            # which sets the TP degree needed to fit (monotone in TP, so it settles in a few steps)
            tp = 1
            for _ in range(12):
                replicas = max(1, n_dev // tp)
                per_rep = max(1, math.ceil(b / replicas))
                r = _choose_tp(model, hw, per_node, s, per_rep, precision, output_len, efficiency, compute_unit)
                if r.tp_size == tp:
                    break
                tp = r.tp_size
            replicas = max(1, n_dev // tp)
            per_rep = r.batch_size
            details["serving"] = r
            lat = r.ttft.to("ms").magnitude + (output_len or 0) * r.itl.to("ms").magnitude
            perf = {"latency": lat, "ttft": r.ttft.to("ms").magnitude, "itl": r.itl.to("ms").magnitude,
                    "throughput": r.throughput.to("token/s").magnitude * replicas, "bottleneck": r.bottleneck,
                    "decode_mfu": r.decode_mfu, "tp_size": tp, "replicas": replicas, "batch_per_replica": per_rep,
                    "max_batch_per_replica": r.max_batch_size}
            units = {"latency": "ms", "ttft": "ms", "itl": "ms", "throughput": "token/s"}
            mem_dev, cap, fits = r.memory_per_device.to("GB").magnitude, r.memory_capacity.to("GB").magnitude, r.feasible
            assumptions.append(f"{replicas} replica(s) of TP{tp}; latency = TTFT + output_len x ITL")
            for a in r.assumptions:
                assumptions.append(a)
        else:
            from ..solvers.roofline import Engine

            per_dev = max(1, math.ceil(b / n_dev))
            r = Engine.solve(model, hw, batch_size=per_dev, precision=precision, efficiency=efficiency, seq_len=seq_len,
                             mode="training" if mode == "training" else "inference", compute_unit=compute_unit)
            details["roofline"] = r
            perf = {"latency": r.latency.to("ms").magnitude, "throughput": r.throughput.to("sample/s").magnitude * n_dev,
                    "bottleneck": r.bottleneck, "mfu": r.mfu, "batch_per_device": per_dev}
            units = {"latency": "ms", "throughput": "sample/s"}
            mem_dev, cap, fits = r.memory_footprint.to("GB").magnitude, r.memory_capacity.to("GB").magnitude, r.feasible
            assumptions.extend(r.assumptions)

        # ---- feasibility ----
        power_kw = _fleet_power_kw(hw, flt, n_dev)
        feas = {"fits_in_memory": bool(fits), "memory_per_device_gb": mem_dev, "memory_capacity_gb": cap,
                "memory_utilisation": mem_dev / cap if cap else float("nan"), "accelerators": n_dev}
        funits = {"memory_per_device_gb": "GB", "memory_capacity_gb": "GB"}
        if power_kw is not None:
            feas["power_kw"] = power_kw
            funits["power_kw"] = "kW"
        fstatus = "PASS" if fits else "FAIL"
        fnotes = []
        if power_budget_kw is not None and power_kw is not None:
            feas["power_budget_kw"] = power_budget_kw
            funits["power_budget_kw"] = "kW"
            if power_kw > power_budget_kw:
                fstatus = "FAIL"
                fnotes.append(f"power {power_kw:.3g} kW exceeds the budget {power_budget_kw:.3g} kW")
        if not fits:
            fnotes.append(f"needs {mem_dev:.3g} GB per device, has {cap:.3g} GB")
        feasibility = Lens("Feasibility", fstatus, feas, funits, tuple(fnotes))

        # ---- performance against the SLA ----
        pstatus = "PASS"
        pnotes = []
        if latency_sla_ms is not None:
            if perf.get("latency", 0) > latency_sla_ms:
                pstatus = "FAIL"
                pnotes.append(f"latency {perf['latency']:.4g} ms exceeds the SLA {latency_sla_ms:g} ms")
        if qps is not None:
            tail = _tail(details, qps, n_dev, perf, assumptions)
            if tail:
                perf.update(tail[0])
                units.update(tail[1])
                if latency_sla_ms is not None and tail[0].get("p99_latency", 0) > latency_sla_ms:
                    pstatus = "FAIL"
                    pnotes.append(f"P99 {tail[0]['p99_latency']:.4g} ms exceeds the SLA {latency_sla_ms:g} ms")
        performance = Lens("Performance", pstatus if fits else "N/A", perf, units, tuple(pnotes))

        # ---- macro ----
        mac, munits, mnotes = _macro(flt, hw, n_dev, grid, datacenter, duration_days, utilisation, kwh_price, assumptions, details)
        mstatus = "PASS" if mac else "N/A"
        if budget_usd is not None and "tco_usd" in mac:
            mac["budget_usd"] = budget_usd
            munits["budget_usd"] = "USD"
            if mac["tco_usd"] > budget_usd:
                mstatus = "FAIL"
                mnotes.append(f"TCO {mac['tco_usd']:,.0f} USD exceeds the budget {budget_usd:,.0f} USD")
        macro = Lens("Macro", mstatus, mac, munits, tuple(mnotes))

        ev = SystemEvaluation(scenario_name, feasibility, performance, macro, (), (), tuple(dict.fromkeys(assumptions)), details)
        walls = tuple(_walls(ev, latency_sla_ms, power_budget_kw, budget_usd))
        checks = tuple(_check(ev, c) for c in (constraints or ()))
        return SystemEvaluation(scenario_name, feasibility, performance, macro, walls, checks, ev.assumptions, details)


def _training(model, flt, b, precision, seq_len, efficiency, tp, pp, assumptions, parallelism):
    try:
        from ..solvers.distributed import DistributedModel
    except ImportError:
        raise ConfigError("mode: training on a fleet needs the distributed solver (mlsysim.solvers.distributed)") from None
    kw = dict(model=model, fleet=flt, batch_size=b, precision=precision)
    if seq_len:
        kw["seq_len"] = seq_len
    if tp:
        kw["tp_size"] = tp
    if pp:
        kw["pp_size"] = pp
    if efficiency is not None:
        kw["efficiency"] = efficiency
    kw.update({k: v for k, v in parallelism.items() if v is not None})
    r = DistributedModel().solve(**kw)
    perf = {"latency": r.step_time.to("ms").magnitude, "step_time": r.step_time.to("s").magnitude,
            "throughput": r.tokens_per_second.to("token/s").magnitude, "mfu": r.mfu,
            "tflops_per_gpu": r.tflops_per_gpu.to("TFLOP/s").magnitude, "scaling_efficiency": r.scaling_efficiency,
            "bubble_fraction": r.bubble_fraction}
    units = {"latency": "ms", "step_time": "s", "throughput": "token/s", "tflops_per_gpu": "TFLOP/s"}
    mem = r.memory_total.to("GB").magnitude
    cap = flt.node.accelerator.memory.capacity.to("GB").magnitude
    assumptions.extend(getattr(r, "assumptions", ()) or ())
    return perf, units, mem, cap, bool(r.feasible), {"distributed": r}


def _fleet_power_kw(hw, flt, n_dev):
    if flt is not None and flt.node.power is not None:
        return flt.node.power.to("kW").magnitude * flt.count
    if hw.tdp is None:
        return None
    return hw.tdp.to("kW").magnitude * n_dev


def _tail(details, qps, n_dev, perf, assumptions):
    try:
        from ..solvers import queueing
    except ImportError:
        return None
    fn = getattr(queueing, "tail_from_evaluation", None)
    if fn is None:
        return None
    return fn(details, qps, perf, assumptions)


def _macro(flt, hw, n_dev, grid, datacenter, days, utilisation, kwh_price, assumptions, details):
    from . import _macro as M

    return M.macro_lens(flt, hw, n_dev, grid, datacenter, days, utilisation, kwh_price, assumptions, details)


def _walls(ev: SystemEvaluation, sla_ms, power_budget_kw, budget_usd):
    p, f, m = ev.performance.metrics, ev.feasibility.metrics, ev.macro.metrics
    out = []
    r = ev.details.get("roofline")
    s = ev.details.get("serving")
    if r is not None:
        tc, tm = r.compute_time.magnitude, r.memory_time.magnitude
        lat = max(tc, tm) or 1.0
        out.append(_ws("compute", tc / lat, f"compute time {r.compute_time.to('ms').magnitude:.3g} ms"))
        out.append(_ws("memory", max(tm / lat, f["memory_utilisation"]), f"memory time {r.memory_time.to('ms').magnitude:.3g} ms, "
                       f"{f['memory_utilisation']:.0%} of capacity"))
        out.append(_ws("software", 1 - r.mfu, f"MFU {r.mfu:.1%}", binding=r.mfu < 0.3))
    if s is not None:
        dc, dm = s.decode_compute_time.magnitude, s.decode_memory_time.magnitude
        out.append(_ws("compute", dc / max(dc, dm), f"decode compute {s.decode_compute_time.to('ms').magnitude:.3g} ms"))
        out.append(_ws("memory", max(dm / max(dc, dm), f["memory_utilisation"]), f"decode memory {s.decode_memory_time.to('ms').magnitude:.3g} ms"))
        mb = s.max_batch_size
        out.append(_ws("batching", s.batch_size / mb if mb else math.inf, f"batch {s.batch_size} of at most {mb}"))
        if sla_ms:
            out.append(_ws("serving", p["latency"] / sla_ms, f"latency {p['latency']:.3g} ms vs SLA {sla_ms:g} ms"))
    d = ev.details.get("distributed")
    if d is not None:
        step = d.step_time.magnitude
        exposed = sum(getattr(d, k).to(d.step_time.units).magnitude for k in
                      ("tp_comm_time", "cp_comm_time", "ep_comm_time", "pp_comm_time", "dp_comm_exposed"))
        comm = exposed / step if step else 0.0
        out.append(_ws("communication", comm, f"{comm:.0%} of the step is exposed communication", binding=comm > 0.2))
        out.append(_ws("compute", d.compute_time.to(d.step_time.units).magnitude / step if step else 0.0,
                       f"matmul time {d.compute_time.to('s').magnitude:.3g} s of a {step:.3g} s step", binding=d.bottleneck == "compute"))
        out.append(_ws("memory", f["memory_utilisation"], f"{f['memory_utilisation']:.0%} of device memory"))
    if power_budget_kw and "power_kw" in f:
        out.append(_ws("capital", f["power_kw"] / power_budget_kw, "power vs budget"))
    if budget_usd and "tco_usd" in m:
        out.append(_ws("capital", m["tco_usd"] / budget_usd, f"TCO {m['tco_usd']:,.0f} USD vs budget {budget_usd:,.0f}"))
    if "fleet_mtbf_h" in m and "duration_h" in m:
        out.append(_ws("fragility", m["duration_h"] / m["fleet_mtbf_h"], f"fleet MTBF {m['fleet_mtbf_h']:.3g} h", binding=m["duration_h"] > m["fleet_mtbf_h"]))
    return out


def _ws(id_, ratio, detail, binding=None):
    w = wall(id_)
    return WallStatus(w.id, w.name, float(ratio), bool(ratio >= 0.999) if binding is None else bool(binding), detail)


def _check(ev: SystemEvaluation, c) -> ConstraintCheck:
    from ..core.units import Q_

    if hasattr(c, "model_dump"):
        c = c.model_dump()
    metric = c["metric"]
    try:
        value, unit = ev.metric(metric)
    except KeyError:
        valid = [f"{n}.{k}" for n, lens in (("feasibility", ev.feasibility), ("performance", ev.performance), ("macro", ev.macro))
                 for k in lens.metrics]
        import difflib

        close = difflib.get_close_matches(metric, valid, n=1, cutoff=0.5)
        raise ConfigError(f"constraints: unknown metric {metric!r}" + (f"; did you mean {close[0]!r}?" if close else "")) from None

    def bound(x):
        if x is None or isinstance(x, (int, float)):
            return x
        try:
            return float(Q_(x).to(unit).magnitude) if unit else float(x)
        except Exception:
            raise ConfigError(f"constraints: {metric}: cannot read bound {x!r} in {unit or 'plain numbers'}") from None

    hi, lo = bound(c.get("max")), bound(c.get("min"))
    if isinstance(value, bool):  # a yes/no metric compares as 1/0
        value = float(value)
    if value is None:
        return ConstraintCheck(metric, None, unit, hi, lo, False, f"{metric} is not available")
    if not isinstance(value, (int, float)):
        raise ConfigError(f"constraints: {metric} is {value!r}, not a number; max and min need a numeric metric")
    ok = (hi is None or value <= hi) and (lo is None or value >= lo)
    rel = f"<= {hi:g}" if hi is not None else ""
    rel += (" and " if rel and lo is not None else "") + (f">= {lo:g}" if lo is not None else "")
    return ConstraintCheck(metric, float(value), unit, hi, lo, ok, f"{metric} = {value:.4g} {unit} (required {rel} {unit})".replace("  ", " ").strip())


def config_kwargs(loaded) -> dict:
    """``SystemEvaluator.evaluate`` keywords from a loaded config file, every section mapped once."""
    c = loaded.config
    w, o, k = c.workload, c.ops, c.constraints
    return dict(batch_size=w.batch_size, precision=w.precision, efficiency=w.efficiency, fleet=loaded.fleet, mode=w.mode,
                seq_len=w.seq_len, output_len=w.output_len, qps=w.qps, grid=loaded.grid, datacenter=loaded.datacenter,
                duration_days=o.duration_days, utilisation=o.utilisation, kwh_price=o.kwh_price, constraints=k.assert_,
                latency_sla_ms=k.latency_sla_ms, power_budget_kw=k.power_budget_kw, budget_usd=k.budget_usd,
                tokens=w.tokens, tp_size=c.hardware.tp_size, pp_size=c.hardware.pp_size,
                compute_unit=c.hardware.compute_unit, parallelism=c.parallelism.model_dump(exclude_none=True))


def evaluate_config(loaded) -> SystemEvaluation:
    """Evaluate a loaded config file (``mlsysim.config.load_config``)."""
    return SystemEvaluator.evaluate(loaded.name, loaded.model, loaded.hardware, **config_kwargs(loaded))
