"""PlacementModel (locality wall) and SchedulerModel (multi-tenancy wall)."""

import math

import pytest

from mlsysim import ConfigError, Fleet, Systems
from mlsysim.solvers.locality import PlacementModel, SchedulerModel, erlang_c, gg_c_wait, placement_hops

P = PlacementModel()
S = SchedulerModel()


def test_hops():
    assert placement_hops("fat-tree", 1, None) == 0
    assert placement_hops("fat-tree", 4, 8) == 2 and placement_hops("fat-tree", 16, 8) == 4
    assert placement_hops("rail-optimized", 64, None) == 2
    assert placement_hops("torus", 2, None, 3, 64) == pytest.approx(3 * 4 / 4)


def test_packed_vs_spread_and_oversubscription():
    base = Systems.Clusters.Research_256
    fab = base.fabric.copy(oversubscription_ratio=4.0, topology="fat-tree")
    f = base.copy(fabric=fab)
    packed = P.solve(f, 16, placement="packed")
    spread = P.solve(f, 16, placement="spread")
    assert packed.nodes == math.ceil(16 / f.node.accelerators_per_node)
    assert spread.nodes == 16 and spread.allreduce_time > packed.allreduce_time
    assert packed.effective_bandwidth.m_as("B/s") == pytest.approx(packed.nic_bandwidth.m_as("B/s") / 4)
    under_leaf = P.solve(f, 16, nodes_per_leaf=32)
    assert not under_leaf.crosses_spine and under_leaf.hops == 2
    assert under_leaf.allreduce_time < packed.allreduce_time
    one = P.solve(f, f.node.accelerators_per_node)
    assert one.nodes == 1 and one.hops == 0 and one.placement_penalty == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="ranks"):
        P.solve(f, 10**6)


def test_mm1_and_mmc_hand_worked():
    """M/M/1 at ρ = 0.8 with S = 1 h: W_q = ρ/(1−ρ)·S = 4 h. Erlang C(2, 1) = 1/3."""
    r = S.solve(1, job_duration="1 h", utilisation=0.8)
    assert r.mean_wait.m_as("h") == pytest.approx(4.0)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert gg_c_wait(1, 0.8, 1.0, 1.0, 3.0) == pytest.approx(4.0 * 2)  # Kingman: (ca²+cs²)/2 = 2


def test_wait_explodes_near_full_utilisation():
    r = S.solve(1024, gpus_per_job=8, job_duration="6 h", utilisation=0.9, cs2=4.0)
    assert r.slots == 128
    waits = [w for _u, w in r.wait_curve]
    assert waits == sorted(waits) and waits[-1] > 10 * waits[0]
    with pytest.raises(ConfigError, match="arrival_rate"):
        S.solve(64)
