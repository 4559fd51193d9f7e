"""Sustainability: Patterson et al. 2021 reproduced from published inputs, invariants, errors."""

import tomllib
from pathlib import Path

import pytest

import mlsysim
from mlsysim import ConfigError, Fleet, Node, Q_, SustainabilityModel

S = SustainabilityModel()
ENERGY = Path(mlsysim.__file__).parent / "data" / "validation" / "energy"


def _patterson(stem):
    e = tomllib.loads((ENERGY / f"{stem}.toml").read_text())
    c = e["config"]
    hours = c["accelerators"] * Q_(c["duration"]).to("h").magnitude
    r = S.solve_run(hours, c["average_power"], pue=c["pue"], carbon_intensity=c["grid_intensity_net"])
    return r, Q_(e["measured"])


def test_patterson_gpt3_energy_and_carbon_within_5_percent():
    r, measured = _patterson("patterson21_gpt3_175b_energy")
    assert r.method == "measured_average"
    assert r.energy.to("MWh").magnitude == pytest.approx(measured.to("MWh").magnitude, rel=0.05)
    r, measured = _patterson("patterson21_gpt3_175b_carbon")
    assert r.operational_carbon.to("tCO2e").magnitude == pytest.approx(measured.to("tCO2e").magnitude, rel=0.05)
    # hand-worked: 10,000 × 330 W × 14.8 d × 24 h × 1.10 = 1,289.4 MWh; × 0.429 kg/kWh = 553.1 t
    assert r.energy.to("MWh").magnitude == pytest.approx(1289.376, rel=1e-9)


@pytest.mark.parametrize("stem", sorted(p.stem for p in ENERGY.glob("patterson21_*.toml")))
def test_every_patterson_row_within_5_percent(stem):
    e = tomllib.loads((ENERGY / f"{stem}.toml").read_text())
    r, measured = _patterson(stem)
    pred = r.energy if e["metric"] == "energy" else r.operational_carbon
    assert pred.to(measured.units).magnitude == pytest.approx(measured.magnitude, rel=0.05)


def test_bloom_dynamic_carbon_from_its_published_method():
    e = tomllib.loads((ENERGY / "bloom176b_training_carbon_dynamic.toml").read_text())
    c = e["config"]  # GPU-hours × TDP, no PUE, French grid
    r = S.solve_run(c["gpu_hours"], c["power_per_gpu"], method="tdp", pue=1.0, carbon_intensity=c["grid_intensity"])
    assert r.method == "tdp"
    assert r.operational_carbon.to("tCO2e").magnitude == pytest.approx(24.7, rel=0.05)


def test_carbon_proportional_to_grid_intensity():
    a = S.solve("Research_256", 10, carbon_intensity="100 gCO2e/kWh", include_embodied=False)
    b = S.solve("Research_256", 10, carbon_intensity="300 gCO2e/kWh", include_embodied=False)
    assert b.operational_carbon.magnitude == pytest.approx(3 * a.operational_carbon.magnitude)
    assert a.energy == b.energy


def test_energy_through_pue_at_least_it_energy():
    r = S.solve("Frontier_8K", 30, "Hyperscale_Virginia")
    assert r.energy.magnitude >= r.it_energy.magnitude
    assert r.energy.to("J").magnitude == pytest.approx(r.pue * r.it_energy.to("J").magnitude)
    assert r.pue == 1.09 and r.grid.startswith("Virginia")
    assert r.overhead_energy.to("J").magnitude == pytest.approx((r.pue - 1) * r.it_energy.to("J").magnitude)


def test_utilisation_model_between_idle_and_tdp_and_default_is_not_full_load():
    hw = mlsysim.HardwareNode(name="Chip", compute={"bf16": "100 TFLOP/s"},
                              memory={"capacity": "16 GB", "bandwidth": "1 TB/s"}, tdp="400 W", idle_power="100 W")
    fleet = Fleet(name="f", node=Node(name="n", accelerator=hw, accelerators_per_node=4), count=2)
    idle = S.solve(fleet, 1, utilisation=0.0, include_embodied=False)
    full = S.solve(fleet, 1, utilisation=1.0, include_embodied=False)
    half = S.solve(fleet, 1, utilisation=0.5, include_embodied=False)
    tdp = S.solve(fleet, 1, method="tdp", include_embodied=False)
    assert idle.accelerator_power.to("W").magnitude == pytest.approx(100)
    assert half.accelerator_power.to("W").magnitude == pytest.approx(250)
    assert full.it_power == tdp.it_power and tdp.method == "tdp"
    default = S.solve(fleet, 1, include_embodied=False)
    assert default.method == "utilisation" and 0 < default.utilisation < 1
    assert default.energy.magnitude < tdp.energy.magnitude
    assert any("utilisation" in a for a in default.assumptions)


def test_host_power_from_node_rating():
    r = S.solve("Frontier_8K", 1, method="tdp", include_embodied=False)  # DGX H100: 10.2 kW, 8 × 700 W
    assert r.host_power.to("kW").magnitude == pytest.approx(10.2 - 5.6)
    assert r.it_power.to("kW").magnitude == pytest.approx(1024 * 10.2)


def test_embodied_amortised_over_life_and_water():
    r = S.solve("Research_256", 365.25, "Hyperscale_Virginia", lifetime=5)
    assert r.embodied_carbon.magnitude == pytest.approx(r.embodied_carbon_total.to(r.embodied_carbon.units).magnitude / 5)
    assert r.carbon.to("gCO2e").magnitude == pytest.approx(
        r.operational_carbon.to("gCO2e").magnitude + r.embodied_carbon.to("gCO2e").magnitude)
    assert r.onsite_water.to("L").magnitude == pytest.approx(0.12 * r.it_energy.to("kWh").magnitude)
    assert r.water_intensity is None and r.offsite_water.magnitude == 0


def test_inputs_accept_quantities_and_strings():
    a = S.solve("Research_256", 30, "Quebec")
    b = S.solve(mlsysim.Systems.Clusters.Research_256, "30 day", mlsysim.Infra.Grids.Quebec)
    assert a.energy == b.energy and a.carbon == b.carbon
    assert a.to_dict()["energy"]["unit"] == "MWh"


@pytest.mark.parametrize("kw, field", [
    ({"method": "peak"}, "method"), ({"utilisation": 1.5}, "utilisation"), ({"pue": 0.8}, "pue"),
    ({"carbon_intensity": "5 W"}, "carbon_intensity"), ({"datacenter": "Atlantis"}, "Atlantis"),
    ({"duration_days": -3}, "duration_days"),
])
def test_bad_input_one_line(kw, field):
    args = {"duration_days": 10, **kw}
    with pytest.raises(ConfigError) as e:
        S.solve("Research_256", **args)
    assert field in str(e.value) and "\n" not in str(e.value)
