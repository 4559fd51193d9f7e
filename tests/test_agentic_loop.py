"""The agentic loop (examples/agentic_loop.py): an MCP client over stdio that repairs a config."""

import asyncio

import importlib.util
from pathlib import Path

import pytest

from _async import run_async

pytest.importorskip("mcp")

PATH = Path(__file__).resolve().parents[1] / "examples" / "agentic_loop.py"
MAX_ITERATIONS = 8


@pytest.fixture(scope="module")
def mod():
    spec = importlib.util.spec_from_file_location("agentic_loop", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loop_runs_end_to_end_over_stdio(mod):
    lines = []
    t = run_async(asyncio.wait_for(mod.run(MAX_ITERATIONS, echo=lines.append), timeout=180))
    text = "\n".join(lines)
    assert "tools:" in text and "evaluate_config" in text
    assert t["passed"], text
    its = t["iterations"]
    assert 2 <= len(its) <= MAX_ITERATIONS
    assert its[0]["feasibility"] == "FAIL" and "memory" in its[0]["binding_walls"]  # the start does not fit
    assert its[-1]["feasibility"] == "PASS" and its[-1]["performance"] == "PASS"
    assert t["report"]["performance"]["metrics"]["latency"] <= mod.START["constraints"]["latency_sla_ms"]
    gpus = [i["config"]["hardware"]["nodes"] * i["config"]["hardware"]["accelerators_per_node"] for i in its]
    assert gpus == sorted(gpus) and gpus[-1] > gpus[0]
    assert text.splitlines()[-1].startswith("result: feasible and within the SLA")


def _report(status, mem=50.0, cap=80.0, perf="PASS", latency=1000.0):
    return {"feasibility": {"status": status, "metrics": {"memory_per_device_gb": mem, "memory_capacity_gb": cap}},
            "performance": {"status": perf, "metrics": {"latency": latency}}}


def test_rule_memory_wall_fills_the_node_then_adds_nodes(mod):
    cfg = {"hardware": {"name": "H100", "nodes": 1, "accelerators_per_node": 2}, "constraints": {"latency_sla_ms": 100}}
    new, why = mod.next_config(cfg, _report("FAIL", mem=214.0))
    assert new["hardware"] == {"name": "H100", "nodes": 1, "accelerators_per_node": 8} and "memory wall" in why
    new, _ = mod.next_config(new, _report("FAIL", mem=120.0))
    assert new["hardware"]["nodes"] == 2 and new["hardware"]["accelerators_per_node"] == 8
    assert cfg["hardware"]["accelerators_per_node"] == 2  # the input is not changed


def test_rule_serving_wall_doubles_nodes_and_stops_when_done(mod):
    cfg = {"hardware": {"name": "H100", "nodes": 2, "accelerators_per_node": 8}, "constraints": {"latency_sla_ms": 100}}
    new, why = mod.next_config(cfg, _report("PASS", perf="FAIL", latency=250.0))
    assert new["hardware"]["nodes"] == 4 and "serving wall" in why
    done, why = mod.next_config(cfg, _report("PASS"))
    assert done is None and "stop" in why
