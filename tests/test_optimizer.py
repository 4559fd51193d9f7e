"""ParallelismOptimizer: ranked plans that fit, reasons for rejections, speed, interruption, CLI."""

import json
import time

import pytest

from mlsysim import ConfigError, DistributedModel, ParallelismOptimizer

O = ParallelismOptimizer()


@pytest.fixture(scope="module")
def result():
    return O.solve("Llama3_70B", "Production_1K", 1024, top=5)


def test_ranked_fastest_first_and_all_fit(result):
    r = result
    assert 1 <= len(r.ranked) <= 5
    steps = [row["step_time_s"] for row in r.ranked]
    assert steps == sorted(steps)
    assert all(row["memory_gb"] <= 80 for row in r.ranked)
    best = r.ranked[0]
    assert r.best.feasible and r.best.step_time.to("s").magnitude == pytest.approx(best["step_time_s"])
    # the best plan, re-solved through the public API, gives the same step
    again = DistributedModel().solve("Llama3_70B", "Production_1K", 1024, best["tp"], best["pp"], cp_size=best["cp"],
                                     microbatch_size=best["microbatch_size"], zero_stage=best["zero_stage"],
                                     activation_recomputation=best["recompute"], pipeline_schedule=best["schedule"],
                                     virtual_stages=best["virtual_stages"] if best["schedule"] == "interleaved" else None,
                                     pipeline_layout=best["layout"])
    assert again.step_time == r.best.step_time


def test_rejections_say_why(result):
    r = result
    kinds = {x["kind"] for x in r.rejected}
    assert kinds == {"invalid", "does not fit"}
    fit = [x for x in r.rejected if x["kind"] == "does not fit"]
    assert any(x["reason"].startswith(("activations", "optimizer states", "weights", "gradients")) for x in fit)
    assert all("over the 80 GB capacity" in x["reason"] for x in fit)
    assert any("does not divide" in x["reason"] for x in r.rejected if x["kind"] == "invalid")
    assert r.searched == r.evaluated + r.pruned + r.invalid + r.does_not_fit


def test_ten_thousand_candidates_in_under_a_second():
    t0 = time.perf_counter()
    r = O.solve("Llama3_70B", "Frontier_8K", 2048)
    elapsed = time.perf_counter() - t0
    assert r.searched >= 10_000
    assert elapsed < 1.0 * r.searched / 10_000 + 0.2, f"{r.searched} candidates took {elapsed:.2f} s"


def test_interrupt_returns_what_was_found():
    calls = []

    def progress(done, total):
        calls.append(done)
        if len(calls) == 3:
            raise KeyboardInterrupt

    r = O.solve("Llama3_8B", "Research_256", 512, progress=progress, interruptible=True)
    assert r.interrupted and r.searched < 20_000
    with pytest.raises(KeyboardInterrupt):
        calls.clear()
        O.solve("Llama3_8B", "Research_256", 512, progress=progress)


def test_bad_input():
    with pytest.raises(ConfigError, match="^recompute"):
        O.solve("Llama3_8B", "Research_256", 512, recompute=("sometimes",))
    with pytest.raises(ConfigError, match="^model"):
        O.solve("ResNet50", "Research_256", 512)


YAML = """version: "1.0"
workload:
  name: "Llama3_8B"
  batch_size: 512
hardware:
  cluster: "Research_256"
"""


def test_cli_text_and_json(cli, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(YAML)
    p = cli("optimize", "parallelism", cfg, "--top", "3")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert any(line.lstrip().startswith("1 ") for line in lines)
    assert max(len(line) for line in lines) <= 80
    j = cli("--output", "json", "optimize", "parallelism", cfg, "--top", "2")
    assert j.returncode == 0, j.stderr
    doc = json.loads(j.stdout)
    assert doc["command"] == "optimize parallelism" and len(doc["result"]["ranked"]) == 2
    assert doc["result"]["best"]["step_time"]["unit"] == "s"


def test_cli_forwards_the_configs_attention_kernel(cli, tmp_path):
    """parallelism.attention reaches the search: a FlashAttention-1-class kernel makes the best step slower."""
    steps = []
    for extra in ("", "parallelism:\n  attention: flash1\n"):
        cfg = tmp_path / f"c{len(steps)}.yaml"
        cfg.write_text(YAML + extra)
        j = cli("--output", "json", "optimize", "parallelism", cfg, "--top", "1")
        assert j.returncode == 0, j.stderr
        steps.append(json.loads(j.stdout)["result"]["best"]["step_time"]["value"])
    assert steps[1] > steps[0]


def test_cli_infeasible_exits_2(cli, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(YAML.replace("Llama3_8B", "Llama3_405B").replace("Research_256", "DGX_A100_x1").replace(
        'cluster: "DGX_A100_x1"', 'name: "A100"\n  nodes: 1'))
    p = cli("optimize", "parallelism", cfg)
    assert p.returncode == 2 and "infeasible" in p.stderr


def test_optimize_app_is_reusable():
    from mlsysim.cli.cmd_optimize import get_optimize_app

    assert get_optimize_app() is get_optimize_app()
