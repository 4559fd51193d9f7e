"""Training runs (steps, goodput, GPU-hours, hand-offs) and Chinchilla scaling."""

import math

import pytest

import mlsysim
from mlsysim import ConfigError, ScalingModel, TrainingRunModel
from mlsysim.solvers.training import waste_fraction, young_interval

T = TrainingRunModel()
PLAN = dict(tp_size=8, pp_size=4, microbatch_size=1)


def test_run_is_steps_times_step_time_and_gpu_hours_follow():
    r = T.solve("Llama3_70B", "Frontier_8K", 1e12, 2048, **PLAN)
    tokens_per_step = 2048 * r.seq_len
    assert r.steps == math.ceil(1e12 / tokens_per_step)
    assert r.compute_time.to("s").magnitude == pytest.approx(r.steps * r.step_time.to("s").magnitude)
    assert r.goodput == 1.0 and r.waste_fraction == 0.0
    assert r.gpu_hours.to("h").magnitude == pytest.approx(r.wall_time.to("h").magnitude * 8192)
    assert r.power_method == "tdp" and r.average_power.to("W").magnitude == 700
    assert r.accelerator_energy.to("MWh").magnitude == pytest.approx(r.gpu_hours.to("h").magnitude * 700 / 1e6)
    # FLOPs: 6·P·D plus attention at full context (model FLOPs)
    m = mlsysim.Models.Language.Llama3_70B
    assert r.training_flops.to("FLOP").magnitude == pytest.approx(m.training_flops_per_token(r.seq_len) * 1e12)
    assert r.training_flops > r.flops_6nd


def test_young_daly_waste():
    assert young_interval(60, 3 * 3600) == pytest.approx(math.sqrt(2 * 60 * 3 * 3600))
    tau = young_interval(60, 10800)
    assert waste_fraction(60, tau, 10800, 600) == pytest.approx(60 / tau + tau / (2 * 10800) + 600 / 10800)
    r = T.solve("Llama3_70B", "Frontier_8K", 1e12, 2048, mtbf="3 h", checkpoint_time="60 s", restart_time="10 min",
                price_per_gpu_hour="2 USD/h", **PLAN)
    assert r.waste_fraction == pytest.approx(waste_fraction(60, tau, 10800, 600))
    assert r.wall_time.to("s").magnitude == pytest.approx(r.compute_time.to("s").magnitude / r.goodput)
    assert r.cost.to("USD").magnitude == pytest.approx(r.gpu_hours.to("h").magnitude * 2)


def test_reliability_result_hand_off():
    rel = mlsysim.ReliabilityModel().solve("Frontier_8K", 720, 60)
    r = T.solve("Llama3_70B", "Frontier_8K", 1e12, 2048, reliability=rel, **PLAN)
    assert r.waste_fraction == pytest.approx(rel.waste_fraction, rel=1e-6)
    assert r.mtbf == rel.fleet_mtbf


def test_bad_input():
    with pytest.raises(ConfigError, match="^tokens"):
        T.solve("Llama3_70B", "Frontier_8K", -5, 2048, **PLAN)
    with pytest.raises(ConfigError, match="^mtbf"):
        T.solve("Llama3_70B", "Frontier_8K", 1e12, 2048, mtbf="1 min", checkpoint_time="60 s", **PLAN)


def test_chinchilla_compute_optimal():
    s = ScalingModel()
    r = s.solve("5.76e23 FLOP")  # Chinchilla's budget: 70B parameters, 1.4T tokens
    assert r.parameters == pytest.approx(70e9, rel=0.02)
    assert r.tokens == pytest.approx(1.4e12, rel=0.02)
    assert r.tokens_per_parameter == pytest.approx(20)
    assert r.compute.to("FLOP").magnitude == pytest.approx(6 * r.parameters * r.tokens)
    fit = s.solve(5.76e23, method="fit")
    assert fit.compute.to("FLOP").magnitude == pytest.approx(5.76e23)
    assert fit.loss <= r.loss  # the fit's own optimum
    both = s.solve(parameters=175e9, tokens=300e9)  # GPT-3: 3.15e23 FLOPs
    assert both.compute.to("FLOP").magnitude == pytest.approx(3.15e23)
    with pytest.raises(ConfigError, match="^method"):
        s.solve(1e23, method="kaplan")
    with pytest.raises(ConfigError, match="^compute_budget"):
        s.solve()
