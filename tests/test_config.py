"""Config files: the seed YAML verbatim, strict validation with file/line/path, JSON Schema."""

import json
from pathlib import Path

import pytest

from mlsysim.config import config_from_dict, json_schema, load_config
from mlsysim.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "configs" / "example_cluster.yaml"


def test_seed_yaml_loads_verbatim():
    c = load_config(SEED)
    assert c.model.id == "Llama3_70B" and c.hardware.id == "H100"
    assert c.fleet.count == 64 and c.fleet.total_accelerators == 512
    assert c.grid.id == "Quebec" and c.config.ops.duration_days == 14.0
    assert c.config.constraints.assert_[0].metric == "performance.latency"


def _write(tmp_path, text, name="c.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("text,needle", [
    ('version: "1.0"\nworkload:\n  name: Llama3_70B\n  batch_sise: 4\nhardware:\n  name: H100\n', "line 4: workload.batch_sise: unknown key; did you mean 'batch_size'?"),
    ('version: "1.0"\nworkload:\n  name: Llama3_7B\nhardware:\n  name: H100\n', "line 3: workload.name: unknown model 'Llama3_7B'; did you mean"),
    ('workload:\n  name: Llama3_70B\n  batch_size: -3\nhardware:\n  name: H100\n', "line 3: workload.batch_size"),
    ('workload:\n  name: Llama3_70B\nhardware:\n  name: H1000\n', "line 4: hardware.name: unknown hardware 'H1000'"),
    ('workload:\n  name: Llama3_70B\n', "hardware: required field is missing"),
    ('workload: [1, 2\n', "YAML syntax error"),
    ('workload:\n  name: Llama3_70B\nhardware:\n  name: H100\nops:\n  region: Mars\n', "line 6: ops.region: unknown grid 'Mars'"),
    ('workload:\n  name: Llama3_70B\n  precision: fp7\nhardware:\n  name: H100\n', "workload.precision"),
    ('- a\n- b\n', "expected a mapping"),
    ('workload:\n  name: Llama3_2_1B\nhardware:\n  name: Snapdragon8Gen3\n  compute_unit: tpu\n',
     "line 5: hardware.compute_unit: Qualcomm Snapdragon 8 Gen 3 has units all, cpu, gpu, npu; got 'tpu'"),
    ('workload:\n  name: ResNet50\nhardware:\n  name: H100\n  compute_unit: gpu\n',
     "line 5: hardware.compute_unit: NVIDIA H100 SXM5 80GB has one engine"),
])
def test_errors_name_file_line_and_path(tmp_path, text, needle):
    p = _write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(p)
    msg = str(e.value)
    assert str(p) in msg and needle in msg and "\n" not in msg, msg


def test_alias_bomb_refused(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    prev = "a"
    for i in range(12):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*{prev}"] * 10) + "]")
        prev = f"l{i}"
    p = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="aliases"):
        load_config(p)


def test_json_and_toml_configs(tmp_path):
    p = _write(tmp_path, json.dumps({"workload": {"name": "ResNet50", "batch_size": 8}, "hardware": {"name": "A100"}}), "c.json")
    assert load_config(p).model.id == "ResNet50"
    p = _write(tmp_path, '[workload]\nname = "ResNet50"\n[hardware]\nname = "T4"\n', "c.toml")
    assert load_config(p).hardware.id == "T4"
    p = _write(tmp_path, '{"workload": {"name": "ResNet50", "batch_size": NaN}, "hardware": {"name": "A100"}}', "n.json")
    with pytest.raises(ConfigError, match="NaN"):
        load_config(p)


def test_schema_validates_examples():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json_schema()
    jsonschema.validate(yaml.safe_load(SEED.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"workload": {"name": "x", "bogus": 1}, "hardware": {"name": "H100"}}, schema)


def test_config_from_dict_for_agents():
    c = config_from_dict({"workload": {"name": "Llama3_8B"}, "hardware": {"name": "H100", "nodes": 2}})
    assert c.fleet.total_accelerators == 16


def test_training_kernel_fusion_and_model_code_from_a_config():
    """The eager-mode inputs of DistributedModel are reachable from a config, and a wrong value is
    one line naming the field."""
    from mlsysim.evaluation.evaluator import evaluate_config

    base = {"workload": {"name": "Llama2_7B", "batch_size": 192, "seq_len": 4096, "mode": "training"},
            "hardware": {"name": "H100", "nodes": 12},
            "parallelism": {"microbatch_size": 2, "zero_stage": 3}}
    steps = []
    for extra in ({}, {"kernel_fusion": "eager"}, {"kernel_fusion": "eager", "model_code": "ibm-fms"},
                  {"kernel_fusion": "eager", "model_code": "ibm-fms", "attention": "flash1"}):
        d = json.loads(json.dumps(base))
        d["parallelism"].update(extra)
        steps.append(evaluate_config(config_from_dict(d)).performance.metrics["step_time"])
    assert steps[0] < steps[1] < steps[2] < steps[3]
    bad = json.loads(json.dumps(base))
    bad["parallelism"]["model_code"] = "fms"
    with pytest.raises(ConfigError, match="parallelism.model_code"):
        config_from_dict(bad)


def test_compute_unit_from_a_config(tmp_path):
    """hardware.compute_unit runs a phone config on one engine: its own bandwidth ceiling (math N3)."""
    from mlsysim.evaluation.evaluator import evaluate_config

    text = ("workload:\n  name: Llama3_2_1B\n  mode: serving\n  seq_len: 64\n  output_len: 32\n"
            "hardware:\n  name: Snapdragon8Gen3\n")
    whole = evaluate_config(load_config(_write(tmp_path, text)))
    gpu = evaluate_config(load_config(_write(tmp_path, text + "  compute_unit: gpu\n", "g.yaml")))
    ratio = whole.details["serving"].itl.to("s").magnitude / gpu.details["serving"].itl.to("s").magnitude
    assert 0.6 < ratio < 0.75  # decode is memory-bound: 43.3 GB/s on the GPU against the SoC's 61.9
    assert any("measured ceiling: the gpu alone" in a for a in gpu.details["serving"].assumptions)


def test_compute_unit_refused_for_distributed_training(tmp_path, cli):
    """A distributed training run uses every engine: the evaluator refuses a unit, and the CLI names
    the config line it came from."""
    p = _write(tmp_path, "workload:\n  name: Llama3_8B\n  mode: training\nhardware:\n  name: JetsonAGXOrin\n"
                         "  nodes: 2\n  compute_unit: dla\n")
    r = cli("eval", str(p))
    assert r.returncode == 1, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "line 7: hardware.compute_unit: applies to inference and serving" in lines[0]
