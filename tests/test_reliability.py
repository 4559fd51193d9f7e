"""Reliability: fleet MTBF, Young/Daly intervals, goodput (hand-worked), Llama 3 checks."""

import math

import pytest

import mlsysim
from mlsysim import ConfigError, Fleet, ReliabilityModel
from mlsysim.solvers.reliability import checkpoint_bytes, daly_interval, fleet_mtbf, goodput, young_interval

R = ReliabilityModel()
LLAMA3 = Fleet(name="Llama 3 405B, 16K H100", node="DGX_H100", count=2048)


def test_seed_signature_numbers_and_quantities():
    a = R.solve(mlsysim.Systems.Clusters.Frontier_8K, 720, 60)
    b = R.solve("Frontier_8K", "30 day", mlsysim.Q_(1, "min"))
    assert a.fleet_mtbf == b.fleet_mtbf and a.checkpoint_time == b.checkpoint_time
    assert a.checkpoint_time.to("s").magnitude == 60 and a.job_duration.to("h").magnitude == 720
    assert 0 < a.goodput < 1 and a.failure_probability == pytest.approx(1 - math.exp(-a.expected_failures))


def test_fleet_mtbf_sums_rates():
    # 16 GPUs at 1000 h and 2 nodes at 500 h: rate = 16/1000 + 2/500 = 0.02 /h -> M = 50 h
    f = Fleet(name="f", node="DGX_H100", count=2)
    r = R.solve(f, 100, 30, components={"gpu": ("1000 h", "gpu"), "host": (500, "node")})
    assert r.fleet_mtbf.to("h").magnitude == pytest.approx(50)
    assert r.node_mtbf.to("h").magnitude == pytest.approx(1 / (8 / 1000 + 1 / 500))
    assert r.expected_failures == pytest.approx(2)
    assert r.failure_probability == pytest.approx(1 - math.exp(-2))
    assert fleet_mtbf([(16, 1000), (2, 500)]) == pytest.approx(50)


def test_young_and_daly_hand_worked():
    delta, m = 60.0, 10 * 3600.0
    assert young_interval(delta, m) == pytest.approx(math.sqrt(2 * 60 * 36000))  # 2078.46 s
    x = delta / (2 * m)
    assert daly_interval(delta, m) == pytest.approx(math.sqrt(2 * delta * m) * (1 + math.sqrt(x) / 3 + x / 9) - delta)
    assert daly_interval(3 * m, m) == m  # δ ≥ 2M: checkpoint every M
    # Young's interval scales as √M
    assert young_interval(delta, 4 * m) == pytest.approx(2 * young_interval(delta, m))


def test_goodput_hand_worked():
    g, a, b, c = goodput(60.0, 2000.0, 36000.0, 600.0)
    assert (a, b, c) == pytest.approx((0.03, 2000 / 72000, 600 / 36000))
    assert g == pytest.approx(1 - (0.03 + 2000 / 72000 + 600 / 36000))
    r = R.solve(LLAMA3, 100, 60, restart_time="10 min", interval="young")
    m = r.fleet_mtbf.to("s").magnitude
    tau = math.sqrt(2 * 60 * m)
    assert r.checkpoint_interval.to("s").magnitude == pytest.approx(tau)
    assert r.goodput == pytest.approx(1 - (60 / tau + tau / (2 * m) + 600 / m))


def test_checkpoint_bytes_mixed_precision_adam():
    # Megatron saves 16-bit weights (2 B) + fp32 master, m, v (12 B) and no gradients: 14 B/parameter
    # (calibration row ckpt_format_megatron_mixed_precision)
    assert checkpoint_bytes(1e9) == 14e9
    r = R.solve(LLAMA3, 10, model="Llama3_405B", storage_bandwidth="2 TB/s")
    p = mlsysim.Models.Llama3_405B.total_parameters
    assert r.checkpoint_size.to("B").magnitude == pytest.approx(14 * p)
    assert r.checkpoint_time.to("s").magnitude == pytest.approx(14 * p / 2e12)


def test_llama3_405b_interruptions_and_effective_training_time():
    # consistency check: the component rates are Llama 3's own Table 5 (not an independent validation)
    r = R.solve(LLAMA3, 54 * 24, model="Llama3_405B")
    assert r.expected_failures == pytest.approx(419, rel=0.01)
    assert r.fleet_mtbf.to("h").magnitude == pytest.approx(3.09, rel=0.01)
    assert r.goodput > 0.90  # paper: "higher than 90% effective training time"
    hw = R.solve(LLAMA3, 54 * 24, model="Llama3_405B", scope="hardware")
    assert hw.expected_failures / r.expected_failures == pytest.approx(0.78, abs=0.03)


def test_more_accelerators_fail_more_often():
    # same component failure rates for both fleets (the default picks rates by accelerator generation)
    small = R.solve("Research_256", 100, 60, dataset="llama3_405b")
    big = R.solve("Frontier_8K", 100, 60, dataset="llama3_405b")
    assert big.fleet_mtbf.magnitude < small.fleet_mtbf.magnitude
    assert big.fleet_mtbf.magnitude * 8192 == pytest.approx(small.fleet_mtbf.magnitude * 256)


@pytest.mark.parametrize("args, kw, field", [
    ((100,), {}, "checkpoint_time_s"), ((-5, 60), {}, "job_duration_hours"), ((100, "1 GB"), {}, "checkpoint_time_s"),
    ((100, 60), {"scope": "cpu"}, "scope"), ((100, 60), {"components": {"gpu": ("1000 h", "rack")}}, "components.gpu"),
])
def test_bad_input_one_line(args, kw, field):
    with pytest.raises(ConfigError) as e:
        R.solve("Frontier_8K", *args, **kw)
    assert field in str(e.value) and "\n" not in str(e.value)


def test_research_cluster_node_rate_is_per_node_series():
    # Kokolis et al. 2025 (arXiv 2410.21680): job MTTF = 1/(N_nodes r_f); RSC-1 r_f = 6.50 per 1000
    # node-days reproduces the paper's projections (1.8 h at 16,384 GPUs, 0.23 h at 131,072)
    from mlsysim.solvers.reliability import default_dataset

    for nodes, hours in ((2048, 1.8), (16384, 0.23)):
        r = R.solve(Fleet(name="a100", node="DGX_A100", count=nodes), 10, 60, dataset="kokolis_rsc1")
        assert r.fleet_mtbf.to("h").magnitude == pytest.approx(24 / (nodes * 6.5e-3), rel=1e-3)  # MTBF row rounded to 3692 h
        assert r.fleet_mtbf.to("h").magnitude == pytest.approx(hours, rel=0.03)
        assert r.node_mtbf.to("day").magnitude == pytest.approx(1000 / 6.5, rel=1e-3)
    # an all-cause node rate has no split by cause, and is never the default for A100
    with pytest.raises(ConfigError, match="scope"):
        R.solve(Fleet(name="a100", node="DGX_A100", count=128), 10, 60, dataset="kokolis_rsc2", scope="hardware")
    assert default_dataset("A100")[0] == "a100"


def test_default_a100_node_rate_per_1000_node_days():
    # default A100 rates per node: 8 GPUs at 43,008 h (BLOOM) + host 2,058 h (OPT) + Llama 3's
    # non-hardware causes per GPU-hour: about 17 failures per 1000 node-days, and M = node MTBF / N_nodes
    f = Fleet(name="a100", node="DGX_A100", count=128)
    r = R.solve(f, 10, 60)
    per_1000 = 1000 * 24 / r.node_mtbf.to("h").magnitude
    assert per_1000 == pytest.approx(17.0, abs=0.5)
    assert r.fleet_mtbf.to("h").magnitude == pytest.approx(r.node_mtbf.to("h").magnitude / 128)


def test_a100_network_rate_agrees_with_an_independent_measurement():
    # The A100 data set takes its network causes from Llama 3's 'Network Switch/Cable' row per
    # GPU-hour; Alibaba HPN (SIGCOMM 2024, section 2.3) measured 0.057% of NIC-ToR links and 0.051%
    # of ToRs failing per month: <= 0.28 per 1000 node-days for a node with 8 single-homed rails.
    # The two agree (within 2x), and both are far below the ~6.7 per 1000 node-days that the
    # Kokolis RSC-1 1,024-GPU MTTF (7.9 h) would need on top of the default A100 rates.
    from mlsysim.solvers._macro import rows

    hpn = next(r for r in rows("reliability") if r["id"] == "hpn_network_link_failures")
    month = 365.25 / 12
    links = hpn["links_per_node"] * hpn["nic_tor_link_failures_per_link_month"] / month * 1000
    tors = hpn["tors_per_node_max"] * hpn["tor_failures_per_switch_month"] / month * 1000
    assert links == pytest.approx(hpn["link_failures_per_1000_node_days"], abs=0.001)
    assert tors == pytest.approx(hpn["tor_failures_per_1000_node_days_max"], abs=0.001)
    r = R.solve(Fleet(name="a100", node="DGX_A100", count=128), 10, 60)
    (net,) = [c for c in r.components if c[0] == "Network Switch/Cable"]
    per_1000 = 8 * 24 / net[3] * 1000  # per GPU-hour row, 8 GPUs per node
    assert 0.5 < per_1000 / (links + tors) < 2.0
    implied = 24000 / (128 * 7.9)  # Kokolis RSC-1, 1,024 GPUs
    default = 1000 * 24 / r.node_mtbf.to("h").magnitude
    assert implied - default > 20 * (links + tors)
