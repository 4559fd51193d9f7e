"""Collectives: alpha-beta formulas, bus bandwidth, placement on NVLink vs the fabric, topology."""

import json

import pytest

import mlsysim
from mlsysim import CollectiveModel, ConfigError, Fleet, Node
from mlsysim.solvers.collectives import (all_to_all, bus_factor, busbw_from_algbw, hierarchical_allreduce, p2p,
                                         reduce_scatter, ring_allreduce, tree_allreduce)

C = CollectiveModel()


def test_textbook_formulas_unchanged():
    m, n, beta, alpha = 1e9, 8, 100e9, 5e-6
    assert ring_allreduce(m, n, beta, alpha) == pytest.approx(2 * 7 * alpha + 2 * 7 / 8 * m / beta)
    assert reduce_scatter(m, n, beta, alpha) == pytest.approx(7 * alpha + 7 / 8 * m / beta)
    assert all_to_all(m, n, beta) == pytest.approx(7 / 8 * m / beta)
    assert tree_allreduce(m, n, beta, alpha) == pytest.approx(2 * 3 * alpha + 2 * 7 / 8 * m / beta)
    assert p2p(m, beta, alpha) == pytest.approx(alpha + m / beta)
    assert hierarchical_allreduce(m, 8, 4, 300e9, 25e9) == pytest.approx(
        2 * reduce_scatter(m, 8, 300e9) + ring_allreduce(m / 8, 4, 25e9))
    assert busbw_from_algbw(100.0, 8) == pytest.approx(175.0)
    assert bus_factor("reduce_scatter", 8) == pytest.approx(7 / 8) and bus_factor("p2p", 2) == 1.0
    # the pipeline fill adds min(M, M_f) bytes of bandwidth time
    assert ring_allreduce(m, n, beta, fill=1e7) == pytest.approx(2 * 7 / 8 * (m + 1e7) / beta)


def test_h100_ring_allreduce_large_message_near_370_gbps():
    r = C.solve("all_reduce", "8 GiB", "DGX_H100")
    assert r.algorithm == "ring" and r.nodes == 1
    assert r.busbw.to("GB/s").magnitude == pytest.approx(370, rel=0.15)
    assert r.busbw.magnitude == pytest.approx(r.algbw.magnitude * 2 * 7 / 8)


def test_small_messages_are_latency_bound():
    small = C.solve("all_reduce", "1 KiB", "DGX_A100")
    big = C.solve("all_reduce", "1 GiB", "DGX_A100")
    assert small.busbw.to("GB/s").magnitude < 1 < 200 < big.busbw.to("GB/s").magnitude
    assert small.latency_term.magnitude > 0.5 * small.time.magnitude


def test_cross_node_is_priced_on_the_nic_never_nvlink():
    # a data-parallel group with one GPU per node: each GPU's own 400 Gb/s NIC
    r = C.solve("all_reduce", "1 GB", "Frontier_8K", ranks=64, ranks_per_node=1)
    assert r.nodes == 64 and "InfiniBand" in r.bottleneck
    assert r.link_bandwidth.to("GB/s").magnitude <= 50
    assert r.busbw.to("GB/s").magnitude == pytest.approx(48.5, rel=0.02)
    # a full node per group: NCCL runs a ring per NIC, min(NVLink, 8 x NIC)
    full = C.solve("all_reduce", "8 GiB", "Research_256", ranks=64)
    assert full.busbw.to("GB/s").magnitude == pytest.approx(8 * 24, rel=0.02)
    hier = C.solve("all_reduce", "8 GiB", "Research_256", ranks=64, algorithm="hierarchical")
    assert hier.algorithm == "hierarchical" and hier.time.magnitude > full.time.magnitude


def test_all_to_all_across_nodes_uses_one_nic_per_gpu():
    r = C.solve("all_to_all", "1 GiB", "Research_256", ranks=64)
    # busbw = N/(N-1) x per-GPU NIC bandwidth with N nodes (nccl-tests issue 130)
    assert r.busbw.to("GB/s").magnitude == pytest.approx(8 / 7 * 24, rel=0.05)


def _fleet(topology="fat-tree", over=1.0):
    fab = mlsysim.NetworkFabric(name="f", topology=topology, bandwidth="400 Gbit/s", oversubscription_ratio=over)
    node = Node(name="n", accelerator="H100", accelerators_per_node=8, intra_node_bw="450 GB/s", nics_per_node=8,
                nic_bandwidth="400 Gbit/s")
    return Fleet(name="x", node=node, count=16, fabric=fab)


def test_oversubscription_and_topology():
    base = C.solve("all_reduce", "1 GB", _fleet(), ranks=16, ranks_per_node=1).time.magnitude
    over = C.solve("all_reduce", "1 GB", _fleet(over=4.0), ranks=16, ranks_per_node=1).time.magnitude
    rail = C.solve("all_reduce", "1 GB", _fleet("rail-optimized", 4.0), ranks=16, ranks_per_node=1).time.magnitude
    torus = C.solve("all_reduce", "1 GB", _fleet("torus"), ranks=16, ranks_per_node=1).time.magnitude
    assert over > 3 * base  # a 4:1 oversubscribed fat-tree
    assert rail == pytest.approx(base)  # one GPU per node stays on its rail
    assert torus < 0.6 * base  # bidirectional rings on a torus


def test_p2p_and_reduce_scatter_in_node():
    r = C.solve("p2p", "100 MB", "DGX_H100")
    assert r.ranks == 2 and r.algorithm == "p2p"
    rs = C.solve("reduce_scatter", "1 GiB", "DGX_H100")
    ar = C.solve("all_reduce", "1 GiB", "DGX_H100")
    assert rs.time.magnitude == pytest.approx(ar.time.magnitude / 2, rel=0.02)


@pytest.mark.parametrize("args,field", [
    (("allreduce", "1 GB", "DGX_H100"), "op"),
    (("all_reduce", "1 GB/s", "DGX_H100"), "message_size"),
    (("all_reduce", "1 GB", "DGX_H100", 16), "ranks"),
])
def test_bad_input(args, field):
    with pytest.raises(ConfigError) as e:
        C.solve(*args)
    assert str(e.value).startswith(field)
    with pytest.raises(ConfigError, match="algorithm"):
        C.solve("all_reduce", "1 GB", "DGX_H100", algorithm="butterfly")


def test_result_frozen_json():
    r = C.solve("all_gather", "64 MB", "Frontier_8K", ranks=16)
    with pytest.raises(AttributeError):
        r.time = 0
    d = r.to_dict()
    json.dumps(d)
    assert d["busbw"]["unit"] == "GB / s"
