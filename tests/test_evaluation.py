"""SystemEvaluator, scorecard, walls, scenarios and constraint exit codes."""

import json

import pytest

import mlsysim
from mlsysim.core.errors import ConfigError, OOMError, SLAViolation
from mlsysim.evaluation.walls import WALLS


def test_seed_python_example(capsys):
    model = mlsysim.Models.Language.Llama3_8B
    hardware = mlsysim.Hardware.Cloud.H100
    evaluation = mlsysim.SystemEvaluator.evaluate(
        scenario_name="Llama-3 8B on H100", model_obj=model, hardware_obj=hardware,
        batch_size=32, precision="fp16", efficiency=0.45)
    text = evaluation.scorecard()
    for lens in ("Feasibility", "Performance", "Macro"):
        assert lens in text
    assert max(len(line) for line in text.splitlines()) <= 80
    d = evaluation.to_dict()
    json.dumps(d)
    assert d["feasibility"]["metrics"]["fits_in_memory"] is True
    assert d["performance"]["units"]["latency"] == "ms"


def test_oom_and_sla_exceptions():
    ev = mlsysim.SystemEvaluator.evaluate("too big", "Llama3_405B", "H100", batch_size=1)
    assert not ev.feasible
    with pytest.raises(OOMError):
        ev.raise_for_constraints()
    ev = mlsysim.SystemEvaluator.evaluate("slow", "Llama3_8B", "H100", batch_size=8,
                                          constraints=[{"metric": "performance.latency", "max": 0.001}])
    assert not ev.passed
    with pytest.raises(SLAViolation):
        ev.raise_for_constraints()


def test_unknown_constraint_metric_suggests():
    with pytest.raises(ConfigError, match="did you mean 'performance.latency'"):
        mlsysim.SystemEvaluator.evaluate("x", "ResNet50", "A100", constraints=[{"metric": "performance.latncy", "max": 1}])


def test_walls_taxonomy_is_complete():
    assert len(WALLS) == 22
    assert len({w.id for w in WALLS}) == 22
    assert sum(w.kind == "analysis" for w in WALLS) == 2
    for w in WALLS:
        assert w.equation and w.citation and w.solver.startswith("mlsysim.solvers.")


def test_evaluation_reports_binding_wall():
    ev = mlsysim.SystemEvaluator.evaluate("decode", "Llama3_8B", "H100", batch_size=1, mode="serving", seq_len=512)
    assert any(w.id == "memory" and w.binding for w in ev.walls)


def test_scenarios_evaluate_in_one_call():
    ids = mlsysim.Scenarios.ids()
    for required in ("SmartDoorbell", "AutonomousVehicle", "MobileAssistant", "Chatbot", "FrontierTraining"):
        assert required in ids
    ev = mlsysim.Scenarios.Chatbot.evaluate()
    assert ev.performance.metrics["ttft"] > 0
    looser = mlsysim.Scenarios.Chatbot.evaluate(latency_sla_ms=1e9)
    assert looser.performance.status == "PASS"


def test_cli_eval_config_exit_codes(cli, tmp_path):
    r = cli("eval", "examples/configs/example_cluster.yaml")
    assert r.returncode == 3 and "constraint failed" in r.stderr
    r = cli("--output", "json", "eval", "examples/configs/example_cluster.yaml")
    doc = json.loads(r.stdout)
    assert "metrics" in doc["macro"] and r.returncode == 3
    ok = tmp_path / "ok.yaml"
    ok.write_text("workload:\n  name: ResNet50\n  batch_size: 8\nhardware:\n  name: A100\n")
    assert cli("eval", ok).returncode == 0
    big = tmp_path / "big.yaml"
    big.write_text("workload:\n  name: Llama3_405B\nhardware:\n  name: H100\n  nodes: 1\n  accelerators_per_node: 1\n")
    assert cli("eval", big).returncode == 2


def test_cli_schema(cli):
    r = cli("schema")
    assert r.returncode == 0
    assert "workload" in json.loads(r.stdout)["properties"]
