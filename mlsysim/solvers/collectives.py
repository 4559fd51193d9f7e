"""Collective communication costs (alpha-beta model).

Thakur, Rabenseifner and Gropp 2005 (ring and recursive algorithms), Patarasuk and Yuan 2009
(bandwidth-optimal ring all-reduce). With n ranks, M bytes, per-direction link bandwidth β
(already scaled by the achievable fraction) and per-step latency α:

- ring all-reduce        2(n−1)·α + 2(n−1)/n · M/β
- reduce-scatter, all-gather, all-to-all (uniform)   (n−1)·α + (n−1)/n · M/β
- tree all-reduce (double binary tree)   2·⌈log2 n⌉·α + 2 · M/β ... bandwidth term as ring in NCCL
- point-to-point         α + M/β
- hierarchical all-reduce   2·T_RS(M, g, β_intra) + T_AR(M/g, nodes, β_NIC)
- bus bandwidth (nccl-tests) = algorithm bandwidth × 2(n−1)/n for all-reduce

A large message also pays a pipeline fill: the bandwidth terms use M + min(M, M_f), with M_f
fitted to measured nccl-tests curves (Hockney's n_1/2). The formula functions take and return SI
floats (bytes, bytes/s, seconds); ``CollectiveModel`` is the unit-checked public entry point, and
``intra_link``/``fabric_link``/``group_time`` place a group of ranks on a node or a fleet.
"""

from __future__ import annotations

import math

__all__ = [
    "ring_allreduce", "tree_allreduce", "reduce_scatter", "all_gather", "all_to_all", "p2p",
    "hierarchical_allreduce", "busbw_from_algbw", "algbw_from_busbw", "bus_factor",
    "Link", "intra_link", "fabric_link", "group_time", "CollectiveModel", "CollectiveResult",
]


def ring_allreduce(m: float, n: int, beta: float, alpha: float = 0.0, *, fill: float = 0.0) -> float:
    """Ring all-reduce time: 2(n−1)·α + 2(n−1)/n · (M + min(M, M_f))/β (Patarasuk and Yuan 2009).

    ``fill`` (M_f, bytes) is the pipeline-fill cost a large message pays before the ring runs at
    full bandwidth (Hockney's n_1/2, fitted to measured nccl-tests curves); 0 gives the textbook form.

    See the math page: [site/math.qmd#all-reduce](../site/math.qmd#all-reduce).
    """
    if n <= 1 or m <= 0:
        return 0.0
    return 2 * (n - 1) * alpha + 2 * (n - 1) / n * (m + min(m, fill)) / beta


def tree_allreduce(m: float, n: int, beta: float, alpha: float = 0.0, *, fill: float = 0.0) -> float:
    """Double-binary-tree all-reduce: 2·⌈log2 n⌉·α + 2(n−1)/n · M/β (latency term logarithmic;
    Sanders, Speck and Träff 2009, as used by NCCL).

    See the math page: [site/math.qmd#all-reduce](../site/math.qmd#all-reduce).
    """
    if n <= 1 or m <= 0:
        return 0.0
    return 2 * math.ceil(math.log2(n)) * alpha + 2 * (n - 1) / n * (m + min(m, fill)) / beta


def reduce_scatter(m: float, n: int, beta: float, alpha: float = 0.0, *, fill: float = 0.0) -> float:
    """Reduce-scatter of M bytes: (n−1)·α + (n−1)/n · (M + min(M, M_f))/β (Thakur et al. 2005).

    See the math page: [site/math.qmd#reduce-scatter](../site/math.qmd#reduce-scatter).
    """
    if n <= 1 or m <= 0:
        return 0.0
    return (n - 1) * alpha + (n - 1) / n * (m + min(m, fill)) / beta


all_gather = reduce_scatter  # same cost: (n−1)·α + (n−1)/n · M/β (M the gathered size)


def all_to_all(m: float, n: int, beta: float, alpha: float = 0.0, *, fill: float = 0.0) -> float:
    """All-to-all with M bytes per rank, uniform traffic: (n−1)·α + (n−1)/n · M/β.

    See the math page: [site/math.qmd#reduce-scatter](../site/math.qmd#reduce-scatter).
    """
    return reduce_scatter(m, n, beta, alpha, fill=fill)


def p2p(m: float, beta: float, alpha: float = 0.0) -> float:
    """Point-to-point send: α + M/β.

    See the math page: [site/math.qmd#reduce-scatter](../site/math.qmd#reduce-scatter).
    """
    return alpha + m / beta if m > 0 else 0.0


def hierarchical_allreduce(m: float, g: int, nodes: int, beta_intra: float, beta_inter: float,
                           alpha_intra: float = 0.0, alpha_inter: float = 0.0, *, fill_intra: float = 0.0) -> float:
    """Reduce-scatter inside the node (g ranks), all-reduce of M/g across ``nodes`` on the fabric
    (priced on the per-GPU NIC bandwidth), all-gather inside the node:
    2·T_RS(M, g, β_intra) + T_AR(M/g, nodes, β_NIC).

    See the math page: [site/math.qmd#hierarchical](../site/math.qmd#hierarchical).
    """
    t = 2 * reduce_scatter(m, g, beta_intra, alpha_intra, fill=fill_intra)
    return t + ring_allreduce(m / max(g, 1), nodes, beta_inter, alpha_inter)


def busbw_from_algbw(algbw: float, n: int) -> float:
    """nccl-tests bus bandwidth of an all-reduce: algbw × 2(n−1)/n.

    See the math page: [site/math.qmd#bus-bandwidth](../site/math.qmd#bus-bandwidth).
    """
    return algbw * 2 * (n - 1) / n


def algbw_from_busbw(busbw: float, n: int) -> float:
    return busbw * n / (2 * (n - 1)) if n > 1 else float("inf")


# ---- links, topology and the public CollectiveModel ------------------------------------------------
#
# A collective is priced on the slowest link its ranks use: the scale-up link (NVLink/NVSwitch,
# xGMI, ICI, or PCIe) when all ranks sit in one node, the NIC of each GPU on the fabric when it
# spans nodes (never NVLink). Achievable fractions of line rate come from the calibration data
# (``_defaults``): all-reduce bus bandwidth of a ring inside the node, NCCL's attainable NIC
# bandwidth across nodes. Fabric oversubscription divides the cross-node bandwidth unless the
# group is rail-aligned (one rank per node on a rail-optimized fabric).

from ..core.result import Result, field, qfield  # noqa: E402


class Link:
    """One link class as the collectives see it: effective per-direction bandwidth per GPU
    (β, line rate × achievable fraction), latency per ring step (α) and pipeline-fill bytes."""

    __slots__ = ("name", "kind", "beta", "alpha", "fill", "line_rate", "efficiency", "source")

    def __init__(self, name, kind, line_rate, efficiency, alpha, fill=0.0, source=""):
        self.name, self.kind, self.line_rate, self.efficiency = name, kind, line_rate, efficiency
        self.beta, self.alpha, self.fill, self.source = line_rate * efficiency, alpha, fill, source

    def __repr__(self):
        return f"Link({self.name}, {self.beta / 1e9:.1f} GB/s, α {self.alpha * 1e6:.2f} us)"


def _si(q, unit: str) -> float:
    """SI magnitude of a Quantity (or of an unvalidated default string such as "5 us")."""
    if isinstance(q, str):
        from ..core.units import Q_

        q = Q_(q)
    return float(q.to(unit).magnitude)


def _hw_ids(hw):
    return getattr(hw, "id", None), getattr(hw, "tier", None)


def intra_link(node, line_rate: float | None = None) -> Link:
    """The scale-up link of a node (or of a bare device): NVLink/NVSwitch, xGMI, ICI or PCIe,
    at the measured ring all-reduce fraction of its per-direction rate (``_defaults``)."""
    from . import _defaults

    hw = getattr(node, "accelerator", node)
    if line_rate is None:
        q = node.scaleup_bandwidth if hasattr(node, "scaleup_bandwidth") else None
        if q is None:
            ic = getattr(hw, "interconnect", None)
            q = (ic.scaleup_bandwidth or ic.pcie_bandwidth) if ic is not None else None
        line_rate = float(q.to("B/s").magnitude) if q is not None else 32e9
    ids = _hw_ids(hw)
    eff = _defaults.allreduce_busbw_fraction(*ids, "ring")
    alpha, fill = _defaults.collective_ramp(*ids)
    ic = getattr(hw, "interconnect", None)
    name = (ic.scaleup if ic is not None and ic.scaleup else "scale-up link")
    return Link(name, "intra", line_rate, eff.value, alpha.value, fill.value,
                f"busbw fraction {eff.value:.3f} ({eff.source}); alpha, fill ({alpha.source})")


def fabric_link(fleet, *, rail_aligned: bool = True) -> Link:
    """Each GPU's share of the node's NICs on the fleet's fabric, at NCCL's attainable fraction of
    NIC line rate, divided by the fabric's oversubscription unless the traffic stays on one rail."""
    from . import _defaults

    node = fleet.node
    nic = float(node.nic_bandwidth.to("B/s").magnitude)
    per_gpu = nic * node.nics_per_node / node.accelerators_per_node if node.nics_per_node else 0.0
    fab = fleet.fabric
    if fab is not None:
        per_gpu = min(per_gpu, _si(fab.bandwidth, "B/s") * node.nics_per_node
                      / node.accelerators_per_node) if node.nics_per_node else per_gpu
    if per_gpu <= 0:
        per_gpu = 1e9  # no NIC: 1 GB/s placeholder, stated by the caller
    eff = _defaults.nic_efficiency(nic)
    over = 1.0
    topo = fab.topology if fab is not None else "fat-tree"
    if fab is not None and fab.oversubscription_ratio > 1 and not (topo == "rail-optimized" and rail_aligned):
        over = fab.oversubscription_ratio
    alpha = _si(fab.latency, "s") if fab is not None else 5e-6
    name = fab.name if fab is not None else "network"
    link = Link(name, "fabric", per_gpu / over, eff.value, alpha, 0.0,
                f"NIC fraction {eff.value:.2f} ({eff.source})" + (f", oversubscription {over:g}:1" if over > 1 else ""))
    if topo == "torus":
        link.beta *= 2.0  # bidirectional ring along a torus axis (wraparound links both ways)
    return link


def group_time(op: str, m: float, n: int, per_node: int, intra: Link, inter: Link | None,
               algorithm: str = "auto") -> tuple[float, str, str]:
    """(time, algorithm used, bottleneck link name) of a collective over n ranks, ``per_node`` of
    them in each node.

    One node: a ring (or tree) on the scale-up link. Several nodes: NCCL runs one ring per NIC
    ("channel") through every rank, so a ring's bus bandwidth is min(β_intra, g·β_NIC) with g
    ranks per node (g = 1: each rank's own NIC). ``algorithm="hierarchical"`` prices instead the
    textbook three phases (intra-node reduce-scatter, cross-node all-reduce of M/g, intra-node
    all-gather) one after the other.

    See the math page: [site/math.qmd#hierarchical](../site/math.qmd#hierarchical).
    """
    if n <= 1 or m <= 0:
        return 0.0, "none", "none"
    g = max(min(per_node, n), 1)
    nodes = -(-n // g)
    if op == "p2p":
        lk = intra if nodes <= 1 or inter is None else inter
        return p2p(m, lk.beta, lk.alpha), "p2p", lk.name
    if nodes <= 1 or inter is None:
        lk = intra
        if op == "all_reduce":
            if algorithm == "tree":
                return tree_allreduce(m, n, lk.beta, lk.alpha, fill=lk.fill), "tree", lk.name
            return ring_allreduce(m, n, lk.beta, lk.alpha, fill=lk.fill), "ring", lk.name
        return reduce_scatter(m, n, lk.beta, lk.alpha, fill=lk.fill), "ring", lk.name
    if op == "all_to_all":
        # the share of each rank's data that leaves the node goes through its own NIC (all-to-all
        # cannot aggregate several NICs per GPU: nccl-tests issue 267); the rest on the scale-up link
        off, on = (n - g) / n, (g - 1) / n
        return max(on * m / intra.beta, off * m / inter.beta) + (n - 1) * inter.alpha, "pairwise", inter.name
    if op == "all_reduce" and algorithm == "hierarchical" and g > 1:
        t = hierarchical_allreduce(m, g, nodes, intra.beta, inter.beta, intra.alpha, inter.alpha, fill_intra=intra.fill)
        return t, "hierarchical", inter.name
    beta = min(intra.beta, g * inter.beta)
    name = inter.name if g * inter.beta <= intra.beta else intra.name
    if op == "all_reduce":
        if algorithm == "tree":
            return tree_allreduce(m, n, beta, inter.alpha), "tree", name
        return ring_allreduce(m, n, beta, inter.alpha), "ring", name
    return reduce_scatter(m, n, beta, inter.alpha), "ring", name


_OPS = ("all_reduce", "reduce_scatter", "all_gather", "all_to_all", "p2p")
_ALGOS = ("auto", "ring", "tree", "hierarchical")


class CollectiveResult(Result):
    """Result of ``CollectiveModel.solve``: time, algorithm and bus bandwidth, and the link that binds."""

    op = field("collective: all_reduce, reduce_scatter, all_gather, all_to_all or p2p")
    algorithm = field("algorithm priced: ring, tree, hierarchical, pairwise or p2p")
    ranks = field("participating GPUs")
    nodes = field("nodes the ranks span")
    message_size = qfield("bytes per rank (the full buffer for all-reduce / all-gather output)", "B", "MB")
    time = qfield("time of the collective (alpha-beta)", "s", "us")
    algbw = qfield("algorithm bandwidth: message size / time", "B/s", "GB/s")
    busbw = qfield("bus bandwidth (nccl-tests): algbw × 2(n−1)/n for all-reduce, × (n−1)/n for RS/AG/A2A", "B/s", "GB/s")
    bottleneck = field("the link that sets the time (its name)")
    link_bandwidth = qfield("effective per-direction bandwidth of that link per GPU", "B/s", "GB/s")
    link_line_rate = qfield("line rate of that link per GPU", "B/s", "GB/s")
    latency_term = qfield("the α part of the time", "s", "us")
    assumptions = field("modelling choices and the calibration rows used")


def bus_factor(op: str, n: int) -> float:
    """busbw / algbw (nccl-tests PERFORMANCE.md): 2(n−1)/n for all-reduce, (n−1)/n for
    reduce-scatter, all-gather and all-to-all, 1 for point-to-point.

    See the math page: [site/math.qmd#bus-bandwidth](../site/math.qmd#bus-bandwidth).
    """
    if n <= 1:
        return 1.0
    return {"all_reduce": 2 * (n - 1) / n, "p2p": 1.0}.get(op, (n - 1) / n)


def _target(x):
    """A Fleet or Node from an object or a cluster / node name."""
    if not isinstance(x, str):
        return x
    from ..core.errors import UnknownNameError
    from ..registry import Systems

    try:
        return Systems.Clusters.get(x)
    except UnknownNameError:
        try:
            return Systems.Nodes.get(x)
        except UnknownNameError:
            pass
        raise


class CollectiveModel:
    """Time of one collective on a node or a fleet (alpha-beta model, calibrated bandwidths)."""

    def solve(self, op: str, message_size, fleet, ranks: int | None = None, algorithm: str = "auto", *,
              ranks_per_node: int | None = None) -> CollectiveResult:
        """Price a collective.

        Parameters
        ----------
        op
            ``all_reduce``, ``reduce_scatter``, ``all_gather``, ``all_to_all`` or ``p2p``.
        message_size
            Bytes per rank ("1 GB"): the whole buffer for all-reduce and the all-gather output.
        fleet
            A ``Fleet`` (or its name) or a ``Node`` (one node: the scale-up link only).
        ranks
            GPUs taking part (default: all GPUs of the fleet or node).
        algorithm
            ``auto`` or ``ring`` (NCCL-style rings, one per NIC across nodes), ``tree`` or
            ``hierarchical`` (intra-node reduce-scatter, cross-node all-reduce, intra-node all-gather).
        ranks_per_node
            How many ranks share a node (default: packed, ``min(ranks, GPUs per node)``); 1 models a
            data-parallel group of one GPU per node.
        """
        from ..core.errors import ConfigError
        from ._inputs import check_positive_int, opt_quantity

        if op not in _OPS:
            import difflib

            close = difflib.get_close_matches(str(op), _OPS, n=1)
            raise ConfigError(f"op: unknown collective {op!r}" + (f"; did you mean {close[0]!r}?" if close else f"; use one of {', '.join(_OPS)}"))
        if algorithm not in _ALGOS:
            raise ConfigError(f"algorithm: expected one of {', '.join(_ALGOS)}, got {algorithm!r}")
        m = opt_quantity(message_size, "information", "message_size")
        target = _target(fleet)
        if hasattr(target, "node"):
            node, total = target.node, target.total_accelerators
            inter = fabric_link(target, rail_aligned=(ranks_per_node == 1))
        elif hasattr(target, "accelerators_per_node"):
            node, total, inter = target, target.accelerators_per_node, None
        else:
            raise ConfigError(f"fleet: expected a Fleet, a Node or a cluster name, got {type(fleet).__name__}")
        g = node.accelerators_per_node
        n = check_positive_int(ranks, "ranks", 10**8) if ranks is not None else total
        if n > total:
            raise ConfigError(f"ranks: {n} is more than the {total} GPUs of {getattr(target, 'name', 'the system')}")
        per = check_positive_int(ranks_per_node, "ranks_per_node", g) if ranks_per_node is not None else min(n, g)
        if per > g:
            raise ConfigError(f"ranks_per_node: {per} exceeds the {g} GPUs per node")
        if op == "p2p" and n != 2:
            n = 2
        intra = intra_link(node)
        nodes = -(-n // per)
        t, used, bott = group_time(op, m, n, per, intra, inter, algorithm)
        lk = intra if bott == intra.name or nodes <= 1 or inter is None else inter
        steps = {"all_reduce": 2 * (n - 1), "p2p": 1}.get(op, n - 1)
        if used == "tree":
            steps = 2 * math.ceil(math.log2(max(n, 2)))
        alg = m / t if t > 0 else float("inf")
        assumptions = [f"{lk.name}: {lk.beta / 1e9:.1f} GB/s effective of {lk.line_rate / 1e9:.1f} GB/s line rate ({lk.source})"]
        if nodes > 1 and inter is not None:
            assumptions.append(f"{nodes} nodes: cross-node traffic on each GPU's NIC share, never the scale-up link")
        return CollectiveResult._make({
            "op": op, "algorithm": used, "ranks": n, "nodes": nodes, "message_size": m, "time": t,
            "algbw": alg, "busbw": alg * bus_factor(op, n), "bottleneck": bott, "link_bandwidth": lk.beta,
            "link_line_rate": lk.line_rate, "latency_term": steps * lk.alpha, "assumptions": tuple(assumptions),
        })
