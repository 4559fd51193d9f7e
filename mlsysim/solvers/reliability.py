"""Failures, checkpointing and goodput of a training job on a fleet.

M      = 1 / Σ_i n_i / MTBF_i                         (fleet MTBF, independent exponential failures)
       = 1 / (N_nodes · r_node),  r_node = g/MTBF_gpu + 1/MTBF_host + g/H_other   (per node, g per node)
P_fail = 1 − exp(−T / M)                              (probability of at least one failure in T)
τ_Y    = √(2 δ M)                                     (Young 1974)
τ_D    = √(2δM)·[1 + ⅓√(δ/2M) + (δ/2M)/9] − δ,  δ < 2M;  M otherwise   (Daly 2006, eq. 37)
waste  = δ/τ + τ/(2M) + R/M ;  goodput = 1 − waste    (first order, Young 1974 / Daly 2006)

Component failure rates are data (``mlsysim/data/reliability/``), normalised per GPU, per host,
or (for network, software and unknown causes, which have no per-instance count) per GPU-hour.
Which data set a fleet uses follows its accelerator generation (``default_dataset``): the
component rows measured on the same accelerator (A100: GPU failures of the BLOOM-176B run on Jean
Zay, 2022, and machine failures of the OPT-175B run on Azure, 2021-22), else the per-component
job interruptions of the Llama 3 405B pre-training on H100 (Meta 2024, Table 5). Failure rates
differ by generation and cluster maturity (the A100 runs' machine failure rate is about 5x the
Llama 3 H100 cluster's), so a rate measured on one generation is not applied to another when
the other has data. Causes a generation's data does not measure (software, network, unknown)
come from the Llama 3 rows, per GPU-hour; the network part (0.32 per 1000 node-days) agrees with
an independent measurement of NIC-ToR link and ToR failures in LLM training clusters (Alibaba HPN,
SIGCOMM 2024: <= 0.28 per 1000 node-days for 8 single-homed rails; row
``hpn_network_link_failures``, a cross-check, not a failure row). The per-node form is the series-system model of
Kokolis et al. (HPCA 2025, arXiv 2410.21680): job MTTF = 1/(N_nodes · r_f), r_f in failures per
node-day; their fitted research-cluster rates (RSC-1 6.50, RSC-2 2.34 per 1000 node-days) are
selectable data sets (``dataset="kokolis_rsc1"``/``"kokolis_rsc2"``) but never a default: each is
one all-cause rate per node, with no split by cause for ``scope``. Checkpoint bytes follow what a mixed-precision Adam
checkpoint stores (14 B per parameter: 16-bit weights, fp32 master weights and two moments; no
gradients) unless given; write and read bandwidth default to a per-accelerator share of measured
parallel-filesystem bandwidth.
"""

from __future__ import annotations

import math
import statistics
from functools import lru_cache

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from . import _macro
from ._macro import as_hours, as_seconds, quantity_si, rows

__all__ = ["ReliabilityModel", "ReliabilityResult", "fleet_mtbf", "failure_probability", "young_interval",
           "daly_interval", "goodput", "checkpoint_bytes", "default_dataset", "checkpoint_bytes_per_param"]

#: the data set used when the fleet's accelerator has no component rows of its own
FALLBACK_DATASET = "llama3_405b"

_HARDWARE = ("GPU", "Host", "Unplanned Maintenance")
#: category of a row that is one rate per node for every cause (no split by cause)
_ALL_CAUSES = "All causes"


# ---- formula functions (math page: "Reliability") -----------------------------------------
def fleet_mtbf(counts_and_mtbfs) -> float:
    """M = 1 / Σ n_i/MTBF_i for independent components with exponential lifetimes (eq. R1)."""
    rate = sum(n / m for n, m in counts_and_mtbfs if m > 0)
    return 1.0 / rate if rate > 0 else math.inf


def failure_probability(t: float, m: float) -> float:
    """P(at least one failure in T) = 1 − exp(−T/M) (exponential inter-failure times; eq. R2)."""
    return 1.0 - math.exp(-t / m) if math.isfinite(m) else 0.0


def young_interval(delta: float, m: float) -> float:
    """τ = √(2δM): first-order optimal compute time between checkpoints (Young 1974, CACM 17(9); eq. R3)."""
    return math.sqrt(2.0 * delta * m)


def daly_interval(delta: float, m: float) -> float:
    """τ = √(2δM)·[1 + ⅓·√(δ/2M) + (δ/2M)/9] − δ for δ < 2M, else τ = M
    (Daly 2006, FGCS 22(3), eq. 37; eq. R4)."""
    if delta >= 2.0 * m:
        return m
    x = delta / (2.0 * m)
    return math.sqrt(2.0 * delta * m) * (1.0 + math.sqrt(x) / 3.0 + x / 9.0) - delta


def goodput(delta: float, tau: float, m: float, r: float) -> tuple[float, float, float, float]:
    """(goodput, δ/τ, τ/2M, R/M): effective training-time fraction 1 − (δ/τ + τ/(2M) + R/M),
    first order in δ/M and R/M (Young 1974; Daly 2006 §3; eq. R5). Clamped at 0."""
    a, b, c = delta / tau, tau / (2.0 * m), r / m
    return max(0.0, 1.0 - (a + b + c)), a, b, c


def checkpoint_bytes(parameters: float, bytes_per_param: float = 14.0) -> float:
    """Checkpoint size = P × bytes per parameter (eq. R6); 14 B for a mixed-precision Adam checkpoint:
    2 (16-bit weights) + 12 (fp32 master weights, first and second moments). The 16 B of training
    memory (Rajbhandari et al. 2020, §3) also counts the gradients, which a checkpoint does not
    store (Megatron-LM's optimizer state dict: the moments and 'fp32_from_fp16_params'; data row
    ``ckpt_format_megatron_mixed_precision``)."""
    return parameters * bytes_per_param


@lru_cache(maxsize=1)
def checkpoint_bytes_per_param() -> tuple[float, str]:
    """(bytes per parameter of a mixed-precision Adam checkpoint, the data row it comes from)."""
    for r in rows("reliability"):
        if r.get("kind") == "checkpoint_format" and isinstance(r.get("bytes_per_param"), (int, float)):
            return float(r["bytes_per_param"]), r["id"]
    return 14.0, "no checkpoint_format row: 2 + 12 bytes per parameter"


# ---- data ----------------------------------------------------------------------------------
def component_rows(dataset: str = "llama3_405b") -> list[dict]:
    """Per-component failure rows of a dataset (ids starting with ``dataset``, with a category)."""
    return [r for r in rows("reliability") if r["id"].startswith(dataset + "_") and r.get("category") and r.get("per")]


def _datasets() -> dict[str, dict]:
    """{dataset prefix: {"hardware", "gpu_hours", "confidence"}} of the component rows."""
    out: dict[str, dict] = {}
    for r in rows("reliability"):
        if not (r.get("category") and r.get("per")):
            continue
        prefix = r.get("dataset") or ("llama3_405b" if r["id"].startswith("llama3_405b_") else r["id"].split("_")[0])
        d = out.setdefault(prefix, {"hardware": r.get("hardware"), "gpu_hours": 0.0, "confidence": set(),
                                    "all_causes": False})
        d["confidence"].add((r.get("source") or {}).get("confidence", "U"))
        d["all_causes"] = d["all_causes"] or r.get("category") == _ALL_CAUSES
        gh = r.get("gpu_hours")
        if isinstance(gh, (int, float)):
            d["gpu_hours"] = max(d["gpu_hours"], float(gh))
        elif r.get("gpus") and r.get("days"):
            d["gpu_hours"] = max(d["gpu_hours"], float(r["gpus"]) * float(r["days"]) * 24.0)
    return out


@lru_cache(maxsize=64)
def default_dataset(hw_id: str | None) -> tuple[str, str]:
    """(dataset prefix, reason) for a fleet of ``hw_id`` accelerators. Rule: the component rows
    measured on the same accelerator, primary sources ([V]) first, then the largest exposure
    (GPU-hours behind the rates); an accelerator without rows of its own uses Llama 3 405B's
    (H100, 2024), and the result says so. All-cause node rates (``_ALL_CAUSES`` rows: one
    cluster's fitted r_f, no split by cause) are never a default."""
    sets = _datasets()
    mine = [(k, v) for k, v in sets.items() if v["hardware"] == hw_id and not v["all_causes"]]
    if mine:
        k, v = max(mine, key=lambda kv: (kv[1]["confidence"] == {"V"}, kv[1]["gpu_hours"]))
        return k, f"measured on {hw_id}"
    v = sets.get(FALLBACK_DATASET, {})
    return FALLBACK_DATASET, f"no failure data measured on {hw_id}: {v.get('hardware', 'H100')} rates of {FALLBACK_DATASET} used"


@lru_cache(maxsize=32)
def _component_table(dataset: str, scope: str):
    """(rows, ((component, per, MTBF hours), ...)) for a dataset and scope, parsed once."""
    from ..core.units import Q_

    rs = component_rows(dataset)
    if not rs:
        raise ConfigError(f"dataset: no component failure rows with prefix {dataset!r} in mlsysim/data/reliability/")
    if any(r["category"] == _ALL_CAUSES for r in rs):
        if scope != "all":
            raise ConfigError(f"scope: dataset {dataset!r} is one all-cause rate per node (no split by cause); use scope='all'")
    elif dataset != FALLBACK_DATASET:  # causes this data set does not measure (software, network, ...) per GPU-hour
        have = {r["category"] for r in rs}
        rs = rs + [r for r in component_rows(FALLBACK_DATASET)
                   if r["category"] not in have and r["category"] not in _HARDWARE]
    if scope != "all":
        rs = [r for r in rs if r["category"] in (_HARDWARE if scope == "hardware" else ("GPU",))]
    out = []
    for r in rs:
        per = r["per"]
        if per == "gpu":
            out.append((r["component"], "gpu", float(Q_(r["mtbf"]).to("h").magnitude)))
        elif per == "host":
            out.append((r["component"], "node", float(Q_(r["mtbf"]).to("h").magnitude)))
        else:  # no per-instance count: scale with accelerators (GPU-hours per interruption)
            out.append((r["component"], "gpu-hours", float(Q_(r["gpu_hours_per_interruption"]).to("h").magnitude)))
    return rs, tuple(out)


@lru_cache(maxsize=8)
def _storage_share(key: str) -> tuple[float, str]:
    """Median per-accelerator share (B/s) of measured storage bandwidth ``key`` over checkpoint rows."""
    from ..core.units import Q_

    rs = [r for r in rows("reliability") if r.get("kind") == "checkpoint" and r.get(key) and r.get("gpus")]
    if not rs:
        raise ConfigError(f"no checkpoint storage rows with {key}; give storage_bandwidth")
    per = [float(Q_(r[key]).to("B/s").magnitude) / int(r["gpus"]) for r in rs]
    return statistics.median(per), f"median per-accelerator {key.replace('_', ' ')} of {', '.join(r['id'] for r in rs)}"


class ReliabilityResult(Result):
    """Result of ``ReliabilityModel.solve``: MTBF, failure odds, checkpoint interval and goodput."""

    fleet = field("fleet name")
    accelerators = field("accelerators in the fleet")
    nodes = field("nodes in the fleet")
    scope = field("'all' causes, 'hardware', 'gpu' only, or 'given' components")
    components = field("(component, per, count, MTBF in hours, share of the failure rate) for each component")
    node_mtbf = qfield("MTBF of one node (its accelerators and host)", "s", "h")
    fleet_mtbf = qfield("M = 1/Σ n_i/MTBF_i: mean time between job-interrupting failures", "s", "h")
    failure_rate = qfield("1/M", "1/s", "1/day")
    job_duration = qfield("T: failure-free length of the job", "s", "h")
    expected_failures = field("T / M")
    failure_probability = field("1 − exp(−T/M)")
    checkpoint_size = qfield("bytes written per checkpoint (None when only its time was given)", "B", "TB")
    storage_bandwidth = qfield("write bandwidth used for checkpoints", "B/s", "GB/s")
    checkpoint_time = qfield("δ: time to write one checkpoint", "s", "s")
    restart_time = qfield("R: time from a failure until training resumes", "s", "min")
    young_interval = qfield("Young's τ = √(2δM)", "s", "min")
    daly_interval = qfield("Daly's higher-order τ", "s", "min")
    interval_method = field("'daly' or 'young': the interval used below")
    checkpoint_interval = qfield("τ used: compute time between checkpoints", "s", "min")
    checkpoint_overhead = field("δ/τ: fraction of time spent writing checkpoints")
    rework_fraction = field("τ/(2M): work lost and redone after failures")
    restart_fraction = field("R/M: time spent restarting")
    waste_fraction = field("δ/τ + τ/(2M) + R/M")
    goodput = field("effective training-time fraction 1 − waste")
    expected_wall_time = qfield("T / goodput", "s", "h")
    assumptions = field("modelling choices and default sources")


class ReliabilityModel:
    """Fleet MTBF, failure probability, optimal checkpoint interval and goodput of a training job."""

    def solve(self, fleet, job_duration_hours, checkpoint_time_s=None, *, model=None, checkpoint_bytes=None,
              bytes_per_param: float | None = None, storage_bandwidth=None, restart_time=None, read_bandwidth=None,
              components=None, dataset: str | None = None, scope: str = "all",
              interval: str = "daly") -> ReliabilityResult:
        """Reliability of a job of ``job_duration_hours`` on ``fleet``.

        Parameters
        ----------
        fleet
            A Fleet or a cluster name.
        job_duration_hours
            Failure-free length of the job: hours (a number) or a time quantity.
        checkpoint_time_s
            δ: seconds (a number) or a time quantity. Default: checkpoint bytes / write bandwidth.
        model, checkpoint_bytes, bytes_per_param
            Checkpoint size: given bytes, else the model's parameters × ``bytes_per_param`` (default
            14: 16-bit weights + fp32 master weights and Adam moments, no gradients; data row
            ``ckpt_format_megatron_mixed_precision``).
        storage_bandwidth, read_bandwidth
            Aggregate write / read bandwidth (default: per-accelerator share of measured parallel
            filesystems in ``mlsysim/data/reliability/`` × accelerators).
        restart_time
            R (default: reading the checkpoint back at ``read_bandwidth``; job relaunch and
            communicator set-up have no sourced default and are not counted).
        components
            Override the failure data: ``{name: (mtbf, per)}`` with per ``"gpu"``, ``"node"`` or
            ``"fleet"`` (e.g. ``{"node": ("3692 h", "node")}``).
        dataset
            Prefix of the component rows (default: by the fleet's accelerator, ``default_dataset``:
            ``"a100"`` for A100 fleets, else ``"llama3_405b"``: Meta 2024, Table 5, H100).
            ``"kokolis_rsc1"`` / ``"kokolis_rsc2"``: one research cluster's fitted all-cause
            rate per node (Kokolis et al. 2025; ``scope="all"`` only).
        scope
            ``"all"`` causes, ``"hardware"`` (GPU, host and unplanned host maintenance, the paper's
            'hardware' share) or ``"gpu"`` (the GPU category only).
        interval
            ``"daly"`` (default) or ``"young"`` for the interval used in goodput.
        """
        fleet = _macro.as_fleet_obj(fleet)
        t_h = as_hours(job_duration_hours, "job_duration_hours")
        if scope not in ("all", "hardware", "gpu"):
            raise ConfigError(f"scope: expected 'all', 'hardware' or 'gpu', got {scope!r}")
        if interval not in ("daly", "young"):
            raise ConfigError(f"interval: expected 'daly' or 'young', got {interval!r}")
        assumptions: list[str] = []
        n_acc, n_nodes = fleet.total_accelerators, fleet.count
        g = fleet.node.accelerators_per_node

        # failure rates (per hour)
        comps = []  # (name, per, count, mtbf_h)
        if components is not None:
            if not isinstance(components, dict) or not components:
                raise ConfigError("components: expected a mapping {name: (mtbf, per)}")
            for name, spec in components.items():
                if not isinstance(spec, (tuple, list)) or len(spec) != 2:
                    raise ConfigError(f"components.{name}: expected (mtbf, per), e.g. ('50000 h', 'gpu')")
                mtbf, per = spec
                if per not in ("gpu", "node", "fleet"):
                    raise ConfigError(f"components.{name}: per must be 'gpu', 'node' or 'fleet', got {per!r}")
                count = {"gpu": n_acc, "node": n_nodes, "fleet": 1}[per]
                comps.append((str(name), per, count, as_hours(mtbf, f"components.{name}")))
            assumptions.append("component MTBFs given")
        else:
            if dataset is None:
                dataset, why = default_dataset(fleet.node.accelerator.id)
                assumptions.append(f"failure data set {dataset!r} ({why})")
            rs, table0 = _component_table(dataset, scope)
            counts = {"gpu": n_acc, "node": n_nodes, "gpu-hours": n_acc}
            comps.extend((name, per, counts[per], mtbf) for name, per, mtbf in table0)
            title = rs[0]['source']['title'] if rs[0].get('source') else dataset
            if any(r["category"] == _ALL_CAUSES for r in rs):
                assumptions.append(f"failure rate: one all-cause rate per node of {dataset} ({title}); "
                                   "M = 1/(N_nodes · r_f)")
            else:
                assumptions.append(f"failure rates: {len(rs)} components of {dataset} ({title}); "
                                   "network, software and unknown causes scaled per accelerator-hour")
            hw_rows = {r.get("hardware") for r in rs}
            if fleet.node.accelerator.id not in hw_rows:
                assumptions.append(f"rates measured on {', '.join(sorted(str(h) for h in hw_rows))}, applied to {fleet.node.accelerator.name}")
            elif len(hw_rows) > 1:
                assumptions.append("causes not measured on this generation (software, network, unknown) from "
                                   f"{FALLBACK_DATASET}, per GPU-hour")
        m_h = fleet_mtbf((c[2], c[3]) for c in comps)
        per_node = []
        for name, per, count, mtbf in comps:
            if per in ("gpu", "gpu-hours"):
                per_node.append((g, mtbf))
            elif per == "node":
                per_node.append((1, mtbf))
        node_m = fleet_mtbf(per_node)
        total_rate = 1.0 / m_h if math.isfinite(m_h) else 0.0
        table = tuple((name, per, count, mtbf, (count / mtbf) / total_rate if total_rate else 0.0)
                      for name, per, count, mtbf in comps)
        m = m_h * 3600.0
        t = t_h * 3600.0

        # checkpoint
        size = None
        if checkpoint_bytes is not None:
            size = quantity_si(checkpoint_bytes, "information", "checkpoint_bytes")
        elif model is not None:
            from ._inputs import as_model

            mdl = as_model(model)
            params = getattr(mdl, "total_parameters", None) or getattr(mdl, "parameters", None)
            if bytes_per_param is None:
                bpp, src = checkpoint_bytes_per_param()
                assumptions.append(f"checkpoint format: {src}")
            else:
                bpp = _macro._number(bytes_per_param, "bytes_per_param", allow_zero=False)
            size = _ckpt_bytes(float(params), bpp)
            assumptions.append(f"checkpoint {bpp:g} B per parameter × {params:.3g} parameters")
        if storage_bandwidth is not None:
            bw = quantity_si(storage_bandwidth, "bandwidth", "storage_bandwidth")
        else:
            share, src = _storage_share("write_bandwidth")
            bw = share * n_acc
            if size is not None and checkpoint_time_s is None:
                assumptions.append(f"write bandwidth {share/1e6:.0f} MB/s per accelerator × {n_acc} ({src})")
        if checkpoint_time_s is not None:
            delta = as_seconds(checkpoint_time_s, "checkpoint_time_s")
        elif size is not None:
            delta = size / bw
        else:
            raise ConfigError("checkpoint_time_s: give the checkpoint write time, or model= or checkpoint_bytes=")

        # restart
        if restart_time is not None:
            r = as_seconds(restart_time, "restart_time", allow_zero=True)
        elif size is not None:
            if read_bandwidth is not None:
                rbw = quantity_si(read_bandwidth, "bandwidth", "read_bandwidth")
            else:
                share, src = _storage_share("read_bandwidth")
                rbw = share * n_acc
            r = size / rbw
            assumptions.append(f"restart = checkpoint read time only ({r:.0f} s); relaunch and communicator "
                               "set-up not counted (no sourced default; give restart_time)")
        else:
            r = 0.0
            assumptions.append("restart time not counted (no checkpoint size to reload; give restart_time)")

        t_y = young_interval(delta, m) if math.isfinite(m) else math.inf
        t_d = daly_interval(delta, m) if math.isfinite(m) else math.inf
        tau = t_d if interval == "daly" else t_y
        if math.isfinite(m):
            gp, a, b, c = goodput(delta, tau, m, r)
        else:
            gp, a, b, c = 1.0, 0.0, 0.0, 0.0
        if gp == 0.0:
            assumptions.append("waste terms exceed 1: the first-order goodput model does not hold (δ or R comparable to M)")
        return ReliabilityResult._make({
            "fleet": fleet.name, "accelerators": n_acc, "nodes": n_nodes, "scope": scope if components is None else "given",
            "components": table, "node_mtbf": node_m * 3600.0, "fleet_mtbf": m,
            "failure_rate": 1.0 / m if m > 0 else math.inf, "job_duration": t, "expected_failures": t / m,
            "failure_probability": failure_probability(t, m), "checkpoint_size": size, "storage_bandwidth": bw,
            "checkpoint_time": delta, "restart_time": r, "young_interval": t_y, "daly_interval": t_d,
            "interval_method": interval, "checkpoint_interval": tau, "checkpoint_overhead": a,
            "rework_fraction": b, "restart_fraction": c, "waste_fraction": a + b + c, "goodput": gp,
            "expected_wall_time": t / gp if gp > 0 else math.inf, "assumptions": tuple(assumptions),
        })


_ckpt_bytes = checkpoint_bytes  # the solve() keyword of the same name shadows the function
