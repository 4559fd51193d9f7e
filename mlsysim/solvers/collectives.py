"""Collective communication costs (alpha-beta model).

Thakur, Rabenseifner and Gropp 2005 (ring and recursive algorithms), Patarasuk and Yuan 2009
(bandwidth-optimal ring all-reduce). With n ranks, M bytes, per-direction link bandwidth β
(already scaled by the achievable fraction) and per-step latency α:

- ring all-reduce        2(n−1)·α + 2(n−1)/n · M/β
- reduce-scatter, all-gather, all-to-all (uniform)   (n−1)·α + (n−1)/n · M/β
- tree all-reduce (double binary tree)   2·⌈log2 n⌉·α + 2 · M/β ... bandwidth term as ring in NCCL
- point-to-point         α + M/β
- bus bandwidth (nccl-tests) = algorithm bandwidth × 2(n−1)/n for all-reduce

All functions take and return SI floats (bytes, bytes/s, seconds).
"""

from __future__ import annotations

import math

__all__ = [
    "ring_allreduce", "tree_allreduce", "reduce_scatter", "all_gather", "all_to_all", "p2p",
    "hierarchical_allreduce", "busbw_from_algbw", "algbw_from_busbw",
]


def ring_allreduce(m: float, n: int, beta: float, alpha: float = 0.0) -> float:
    """Ring all-reduce time: 2(n−1)·α + 2(n−1)/n · M/β (Patarasuk and Yuan 2009)."""
    if n <= 1 or m <= 0:
        return 0.0
    return 2 * (n - 1) * alpha + 2 * (n - 1) / n * m / beta


def tree_allreduce(m: float, n: int, beta: float, alpha: float = 0.0) -> float:
    """Double-binary-tree all-reduce: 2·⌈log2 n⌉·α + 2(n−1)/n · M/β (latency term logarithmic)."""
    if n <= 1 or m <= 0:
        return 0.0
    return 2 * math.ceil(math.log2(n)) * alpha + 2 * (n - 1) / n * m / beta


def reduce_scatter(m: float, n: int, beta: float, alpha: float = 0.0) -> float:
    """Reduce-scatter of M bytes: (n−1)·α + (n−1)/n · M/β."""
    if n <= 1 or m <= 0:
        return 0.0
    return (n - 1) * alpha + (n - 1) / n * m / beta


all_gather = reduce_scatter  # same cost: (n−1)·α + (n−1)/n · M/β (M the gathered size)


def all_to_all(m: float, n: int, beta: float, alpha: float = 0.0) -> float:
    """All-to-all with M bytes per rank, uniform traffic: (n−1)·α + (n−1)/n · M/β."""
    return reduce_scatter(m, n, beta, alpha)


def p2p(m: float, beta: float, alpha: float = 0.0) -> float:
    """Point-to-point send: α + M/β."""
    return alpha + m / beta if m > 0 else 0.0


def hierarchical_allreduce(m: float, g: int, nodes: int, beta_intra: float, beta_inter: float,
                           alpha_intra: float = 0.0, alpha_inter: float = 0.0) -> float:
    """Reduce-scatter inside the node (g ranks), all-reduce of M/g across ``nodes`` on the fabric
    (priced on the per-GPU NIC bandwidth), all-gather inside the node."""
    t = 2 * reduce_scatter(m, g, beta_intra, alpha_intra)
    return t + ring_allreduce(m / max(g, 1), nodes, beta_inter, alpha_inter)


def busbw_from_algbw(algbw: float, n: int) -> float:
    """nccl-tests bus bandwidth of an all-reduce: algbw × 2(n−1)/n."""
    return algbw * 2 * (n - 1) / n


def algbw_from_busbw(busbw: float, n: int) -> float:
    return busbw * n / (2 * (n - 1)) if n > 1 else float("inf")
