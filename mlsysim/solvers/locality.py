"""Locality and multi-tenancy: where a job's ranks land on the fabric, and how long jobs queue.

PlacementModel (the locality wall). A job of r ranks on a fleet of nodes of g accelerators:

    nodes   = ⌈r/g⌉ (packed) or min(r, N) (spread)                                   (eq. L1)
    hops    = 0 in a node; 2 under one leaf switch; 4 across the spine (fat-tree);
              2 on a rail-optimized fabric (one rail switch per GPU index); d·k/4 on a k-ary d-torus (eq. L2)
    β_eff   = β_nic / o   when traffic crosses an oversubscribed spine (o : 1), else β_nic   (eq. L3)
    T_AR    = hierarchical all-reduce with β_eff and α = hops/2 · α_fabric                (eq. L4)

SchedulerModel (the multi-tenancy wall), jobs as customers of c = G / ḡ job slots (G accelerators,
ḡ accelerators per job), service time S, offered load a = λS:

    ρ = a / c,  P_wait = C(c, a) (Erlang C),  W_q = P_wait/(cμ − λ) · (c_a² + c_s²)/2   (Allen–Cunneen; eq. L5)
"""

from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from ._inputs import as_fleet, check_positive_int, opt_quantity

__all__ = ["PlacementModel", "PlacementResult", "SchedulerModel", "SchedulerResult", "placement_hops",
           "erlang_c", "gg_c_wait"]


def placement_hops(topology: str, nodes: int, nodes_per_leaf: int | None, torus_dims: int = 3,
                   total_nodes: int = 1) -> float:
    """Switch hops of the farthest pair of a job's nodes (eq. L2)."""
    if nodes <= 1:
        return 0.0
    if topology == "rail-optimized":
        return 2.0
    if topology == "torus":
        k = max(2.0, total_nodes ** (1.0 / torus_dims))
        return torus_dims * k / 4.0
    if nodes_per_leaf is not None and nodes <= nodes_per_leaf:
        return 2.0
    return 4.0


def erlang_c(c: int, a: float) -> float:
    """P_wait of M/M/c with offered load a (Erlang C, via the stable Erlang B recursion)."""
    try:
        from .queueing import erlang_c as _ec

        return _ec(c, a)
    except ImportError:  # pragma: no cover - the queueing solver ships with the package
        if a >= c:
            return 1.0
        b = 1.0
        for k in range(1, c + 1):
            b = a * b / (k + a * b)
        return c * b / (c - a * (1.0 - b))


def gg_c_wait(c: int, lam: float, mu: float, ca2: float, cs2: float) -> float:
    """W_q ≈ C(c, a)/(cμ − λ) · (c_a² + c_s²)/2 (Allen–Cunneen G/G/c; c = 1 is Kingman 1961; eq. L5)."""
    if lam >= c * mu:
        return math.inf
    return erlang_c(c, lam / mu) / (c * mu - lam) * (ca2 + cs2) / 2.0


class PlacementResult(Result):
    """Result of ``PlacementModel.solve``: nodes, hops and effective bandwidth of a placed job."""

    fleet = field("fleet name")
    topology = field("fabric topology")
    ranks = field("accelerators of the job")
    placement = field("'packed' or 'spread'")
    nodes = field("nodes the job spans")
    hops = field("switch hops between the farthest ranks")
    crosses_spine = field("traffic crosses the oversubscribed spine")
    oversubscription = field("o : 1 of the fabric")
    nic_bandwidth = qfield("per-accelerator NIC bandwidth", "B/s", "GB/s")
    effective_bandwidth = qfield("β_eff: per-accelerator bandwidth after oversubscription", "B/s", "GB/s")
    latency = qfield("per-message latency of the path", "s", "us")
    allreduce_time = qfield("hierarchical all-reduce of the message with this placement", "s", "ms")
    ideal_allreduce_time = qfield("the same on a non-blocking fabric, packed", "s", "ms")
    placement_penalty = field("allreduce_time / ideal_allreduce_time")
    assumptions = field("modelling choices")


class PlacementModel:
    """Topology-aware placement cost of a job's ranks on a fleet's fabric."""

    def solve(self, fleet, ranks: int, *, placement: str = "packed", message_size="1 GB",
              nodes_per_leaf: int | None = None, torus_dims: int = 3) -> PlacementResult:
        """Place ``ranks`` accelerators on ``fleet`` and price a gradient all-reduce.

        Parameters
        ----------
        fleet
            A Fleet or cluster name (its node, count and fabric).
        ranks
            Accelerators of the job.
        placement
            ``"packed"`` (fill nodes) or ``"spread"`` (one rank per node, the scheduler's leftovers).
        message_size
            Bytes all-reduced (``"1 GB"``: e.g. bf16 gradients of 0.5 B parameters).
        nodes_per_leaf
            Nodes under one leaf switch; None: every multi-node job crosses the spine.
        torus_dims
            Dimensions d of a torus fabric.
        """
        from .collectives import hierarchical_allreduce

        f = as_fleet(fleet)
        r = check_positive_int(ranks, "ranks", 10**8)
        if r > f.total_accelerators:
            raise ConfigError(f"ranks: {r} exceeds the {f.total_accelerators} accelerators of {f.name}")
        if placement not in ("packed", "spread"):
            raise ConfigError(f"placement: expected 'packed' or 'spread', got {placement!r}")
        g = f.node.accelerators_per_node
        nodes = math.ceil(r / g) if placement == "packed" else min(r, f.count)
        per_node = math.ceil(r / nodes)
        fab = f.fabric
        topo = fab.topology if fab is not None else "fat-tree"
        o = fab.oversubscription_ratio if fab is not None else 1.0
        alpha_f = float(fab.latency.to("s").magnitude) if fab is not None else 5e-6
        nic = float(f.node.nic_bandwidth_per_accelerator.to("B/s").magnitude)
        nic_total = nic * g / per_node  # a spread job's rank has the node's NICs to itself
        hops = placement_hops(topo, nodes, nodes_per_leaf, torus_dims, f.count)
        spine = nodes > 1 and topo in ("fat-tree", "clos", "switched", "dragonfly") and not (
            nodes_per_leaf is not None and nodes <= nodes_per_leaf)
        beta = (nic_total / o) if spine else nic_total
        lat = alpha_f * max(hops, 1.0) / 2.0 if nodes > 1 else 0.0
        intra = float(f.node.scaleup_bandwidth.to("B/s").magnitude)
        m = opt_quantity(message_size, "information", "message_size")
        t = hierarchical_allreduce(m, per_node, nodes, intra, beta, 0.0, lat)
        ideal_nodes = math.ceil(r / g)
        t0 = hierarchical_allreduce(m, min(r, g), ideal_nodes, intra, nic, 0.0,
                                    alpha_f * (1.0 if ideal_nodes > 1 else 0.0))
        assumptions = [f"{topo} fabric, oversubscription {o:g}:1; per-hop latency = fabric latency / 2",
                       "all-reduce: reduce-scatter in the node, ring across nodes, all-gather (no calibration)"]
        return PlacementResult._make({
            "fleet": f.name, "topology": topo, "ranks": r, "placement": placement, "nodes": nodes, "hops": hops,
            "crosses_spine": spine, "oversubscription": o, "nic_bandwidth": nic, "effective_bandwidth": beta,
            "latency": lat, "allreduce_time": t, "ideal_allreduce_time": t0,
            "placement_penalty": (t / t0) if t0 > 0 else 1.0, "assumptions": tuple(assumptions),
        })


class SchedulerResult(Result):
    """Result of ``SchedulerModel.solve``: utilisation against waiting time on a shared cluster."""

    accelerators = field("G: accelerators of the shared cluster")
    gpus_per_job = field("ḡ: mean accelerators per job")
    slots = field("c = ⌊G/ḡ⌋ job slots")
    arrival_rate = qfield("λ: jobs per hour", "1/s", "1/h")
    service_time = qfield("S: mean job duration", "s", "h")
    utilisation = field("ρ = λS/c")
    p_wait = field("probability a job waits (Erlang C)")
    mean_wait = qfield("W_q: mean queueing delay (Allen–Cunneen)", "s", "h")
    mean_response = qfield("W_q + S", "s", "h")
    wait_curve = field("((ρ, W_q in hours), ...) at this cluster size: the multi-tenancy wall")
    assumptions = field("modelling choices")


class SchedulerModel:
    """Queueing on a shared accelerator cluster: how long jobs wait as utilisation rises."""

    def solve(self, accelerators: int, *, gpus_per_job: float = 1.0, job_duration="4 h", arrival_rate=None,
              utilisation: float | None = None, ca2: float = 1.0, cs2: float = 1.0) -> SchedulerResult:
        """Mean wait of jobs on ``accelerators`` shared accelerators.

        Parameters
        ----------
        accelerators
            G, accelerators in the shared pool (or a Fleet: its total).
        gpus_per_job
            ḡ, mean accelerators a job holds (gang-scheduled); c = ⌊G/ḡ⌋ slots.
        job_duration
            Mean job length S (``"4 h"``).
        arrival_rate, utilisation
            λ in jobs per hour (number or ``"2 1/h"``), or the target utilisation ρ (one of the two).
        ca2, cs2
            Squared coefficients of variation of inter-arrival and job times (1, 1: M/M/c).
            Job durations of shared GPU clusters are heavy-tailed (Jeon et al. 2019): give cs2 > 1.
        """
        G = accelerators.total_accelerators if hasattr(accelerators, "total_accelerators") else \
            check_positive_int(accelerators, "accelerators", 10**9)
        if isinstance(gpus_per_job, bool) or not isinstance(gpus_per_job, (int, float)) or not 0 < gpus_per_job <= G:
            raise ConfigError(f"gpus_per_job: expected a number in (0, {G}], got {gpus_per_job!r}")
        c = max(1, int(G // gpus_per_job))
        from ._macro import as_hours

        S = as_hours(job_duration, "job_duration") * 3600.0
        mu = 1.0 / S
        if (arrival_rate is None) == (utilisation is None):
            raise ConfigError("arrival_rate: give either arrival_rate (jobs per hour) or utilisation, not both")
        if utilisation is not None:
            if isinstance(utilisation, bool) or not 0 < utilisation < 1:
                raise ConfigError(f"utilisation: expected a fraction in (0, 1), got {utilisation!r}")
            lam = utilisation * c * mu
        else:
            if isinstance(arrival_rate, (int, float)) and not isinstance(arrival_rate, bool):
                lam = float(arrival_rate) / 3600.0
            else:
                from .reasoning import as_rate

                lam = as_rate(arrival_rate, "1/s", "arrival_rate")
            if not lam > 0:
                raise ConfigError(f"arrival_rate: must be positive, got {arrival_rate!r}")
        for name, v in (("ca2", ca2), ("cs2", cs2)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise ConfigError(f"{name}: expected a squared coefficient of variation ≥ 0, got {v!r}")
        rho = lam / (c * mu)
        wq = gg_c_wait(c, lam, mu, ca2, cs2)
        curve = tuple((u, gg_c_wait(c, u * c * mu, mu, ca2, cs2) / 3600.0) for u in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99))
        assumptions = [f"{c} slots of {gpus_per_job:g} accelerators; FCFS; c_a² = {ca2:g}, c_s² = {cs2:g}",
                       "gang scheduling and fragmentation are not modelled beyond whole slots"]
        if rho >= 1:
            assumptions.append("utilisation ≥ 1: the queue grows without bound")
        return SchedulerResult._make({
            "accelerators": G, "gpus_per_job": float(gpus_per_job), "slots": c, "arrival_rate": lam,
            "service_time": S, "utilisation": rho, "p_wait": erlang_c(c, lam / mu) if rho < 1 else 1.0,
            "mean_wait": wq, "mean_response": wq + S, "wait_curve": curve, "assumptions": tuple(assumptions),
        })
