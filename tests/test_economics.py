"""Economics: hand-worked TCO, sourced prices, unit costs, errors."""

import pytest

import mlsysim
from mlsysim import ConfigError, EconomicsModel, Fleet, Node, ServingModel

E = EconomicsModel()


@pytest.fixture
def one_node():
    hw = mlsysim.HardwareNode(name="Chip", compute={"bf16": "100 TFLOP/s"}, memory={"capacity": "16 GB", "bandwidth": "1 TB/s"},
                              tdp="1000 W", idle_power="100 W", unit_cost="10000 USD")
    return Fleet(name="f", node=Node(name="n", accelerator=hw, accelerators_per_node=8), count=1,
                 datacenter="Hyperscale_Virginia")


def test_hand_worked_tco(one_node):
    r = E.solve(one_node, 365.25, "0.10 USD/kWh", lifetime=5, utilisation=1.0, maintenance_fraction=0.05,
                rental_price="2 USD/h", node_cost="20000 USD")
    capex = 8 * 10000 + 20000  # one node: no scale-out network
    assert r.capex.magnitude == capex and r.capex_network.magnitude == 0
    assert r.capex_amortised.magnitude == pytest.approx(capex / 5)
    kwh = 8 * 1.0 * 8766 * 1.09  # 8 kW for a year through PUE 1.09
    assert r.energy.to("kWh").magnitude == pytest.approx(kwh)
    assert r.opex_energy.magnitude == pytest.approx(0.10 * kwh)
    assert r.opex_maintenance.magnitude == pytest.approx(0.05 * capex)
    assert r.tco.magnitude == pytest.approx(capex / 5 + 0.10 * kwh + 0.05 * capex)
    assert r.tco_usd == pytest.approx(r.tco.magnitude)
    assert r.cloud_cost.magnitude == pytest.approx(8 * 8766 * 2)
    assert r.cloud_to_own_ratio == pytest.approx(r.cloud_cost.magnitude / r.tco.magnitude)


def test_unit_costs_from_throughput(one_node):
    r = E.solve(one_node, 30, 0.1, throughput=1000.0, queries_per_second=2, training_hours=10, rental_price="2 USD/h")
    per_s = r.tco.magnitude / (30 * 86400)
    assert r.cost_per_million_tokens.magnitude == pytest.approx(per_s / 1000 * 1e6)
    assert r.cost_per_query.magnitude == pytest.approx(per_s / 2)
    assert r.cost_per_training_run.magnitude == pytest.approx(per_s * 36000)
    assert r.cloud_cost_per_training_run.magnitude == pytest.approx(8 * 10 * 2)
    assert r.cloud_cost_per_million_tokens.magnitude == pytest.approx(8 * 2 / 3600 / 1000 * 1e6)


def test_serving_result_feeds_unit_costs():
    s = ServingModel().solve("Llama3_8B", "H100", seq_len=1024, batch_size=16, output_len=128)
    r = E.solve("Production_1K", 30, throughput=s)
    assert r.tokens_per_second.magnitude == pytest.approx(s.throughput.magnitude * 1024)
    e2e = s.ttft.to("s").magnitude + 128 * s.itl.to("s").magnitude
    assert r.queries_per_second.magnitude == pytest.approx(1024 * 16 / e2e)
    assert r.cost_per_query.magnitude > 0


def test_defaults_are_sourced_and_named():
    r = E.solve("Frontier_8K", 365)
    text = " ".join(r.assumptions)
    assert "unit_cost" in text and "prices:" in text and "costs:" in text and "useful life" in text
    assert 0 < r.utilisation < 1  # never 100% by default
    assert r.rental_price is not None and r.capex_network.magnitude > 0 and r.capex_host.magnitude > 0
    assert r.kwh_price.to("USD/kWh").magnitude == pytest.approx(0.148)  # the World grid (no site)
    q = E.solve("Frontier_8K", 365, datacenter="Hyperscale_Quebec")
    assert q.kwh_price.to("USD/kWh").magnitude == pytest.approx(0.041)


def test_purchase_row_used_when_hardware_has_no_unit_cost():
    b200 = Fleet(name="b", node=Node(name="n", accelerator="B200", accelerators_per_node=8), count=1)
    r = E.solve(b200, 30, 0.1)
    assert r.accelerator_unit_cost.magnitude == 35000  # prices/b200_cnbc_2024.toml
    v100 = Fleet(name="v", node=Node(name="n", accelerator="V100", accelerators_per_node=8), count=1)
    r = E.solve(v100, 30, 0.1)  # only a DGX-1 system price: per GPU, host included
    assert r.accelerator_unit_cost.magnitude == pytest.approx(149000 / 8) and r.capex_host.magnitude == 0


def test_missing_price_asks_for_unit_cost():
    with pytest.raises(ConfigError, match="unit_cost"):
        E.solve("Research_256", 30)  # A100 80GB: no purchase row
    assert E.solve("Research_256", 30, unit_cost="15000 USD").capex_accelerators.magnitude == 256 * 15000


@pytest.mark.parametrize("kw, field", [
    ({"kwh_price": "5 W"}, "kwh_price"), ({"maintenance_fraction": 2}, "maintenance_fraction"),
    ({"lifetime": -1}, "lifetime"), ({"throughput": "5 GB"}, "throughput"), ({"power_method": "x"}, "method"),
])
def test_bad_input_one_line(kw, field):
    with pytest.raises(ConfigError) as e:
        E.solve("Frontier_8K", 30, **kw)
    assert field in str(e.value) and "\n" not in str(e.value)
