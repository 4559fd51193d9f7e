"""CLI: tables in 80 columns, JSON output, exit codes, one-line errors."""

import json

import pytest


def test_zoo_fits_80_columns(cli):
    for kind in ("hardware", "models", "systems", "grids", "fabrics", "nodes"):
        r = cli("zoo", kind)
        assert r.returncode == 0, r.stderr
        assert max(len(line) for line in r.stdout.splitlines()) <= 80
        assert "…" not in r.stdout


def test_eval_seed_line(cli):
    r = cli("eval", "Llama3_8B", "H100", "--batch-size", "32")
    assert r.returncode == 0, r.stderr
    assert "bottleneck" in r.stdout


def test_json_output_is_one_document(cli):
    r = cli("--output", "json", "eval", "ResNet50", "A100", "--batch-size", "8")
    assert r.returncode == 0
    doc = json.loads(r.stdout)
    assert doc["result"]["latency"]["unit"] == "ms"
    r = cli("--output", "json", "serve", "Llama3_8B", "H100", "--seq-len", "1024")
    doc = json.loads(r.stdout)
    assert doc["result"]["kv_cache_size"]["unit"] == "GB"


def test_infeasible_exit_2(cli):
    r = cli("serve", "Llama3_405B", "H100", "--seq-len", "1024")
    assert r.returncode == 2
    assert "infeasible" in r.stderr


@pytest.mark.parametrize("args,needle", [
    (("eval", "Llama3_8B", "H10"), "did you mean 'H100'"),
    (("eval", "Llama3_8", "H100"), "did you mean 'Llama3_8B'"),
    (("eval", "Llama3_8B", "H100", "--batch-size", "0"), "--batch-size"),
    (("eval", "Llama3_8B", "H100", "--efficiency", "2"), "efficiency"),
    (("eval", "Llama3_8B", "H100", "--precision", "fp7"), "precision"),
    (("eval", "Llama3_8B", "H100", "--bogus"), "--bogus"),
    (("serve", "Llama3_8B", "H100", "--tp", "3"), "tp_size"),
    (("zoo", "hardware", "--tier", "space"), "--tier"),
    (("zoo", "planets"), "planets"),
    (("serve", "Llama3_2_1B", "Snapdragon8Gen3", "--unit", "tpu"), "units all, cpu, gpu, npu"),
    (("eval", "ResNet50", "H100", "--unit", "dla"), "has one engine"),
    (("serve", "Llama3_2_1B", "Snapdragon8Gen3", "--unit", "npu"), "compute_unit 'npu': no peak for precision 'fp16'; this unit has int8"),
])
def test_bad_input_exit_1_one_line(cli, args, needle):
    r = cli(*args)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert needle in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_version(cli):
    import mlsysim

    r = cli("--version")
    assert r.returncode == 0 and mlsysim.__version__ in r.stdout


def test_core_import_is_light():
    import subprocess
    import sys

    code = "import mlsysim, sys; mlsysim.Engine.solve('ResNet50','A100'); bad=[m for m in ('typer','rich','yaml','altair','mcp','click') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unit_prices_one_engine_of_a_soc(cli):
    """--unit runs on one engine: its peaks and, on a phone SoC, its own memory bandwidth (math N3)."""
    def serve(*extra):
        r = cli("--output", "json", "serve", "Llama3_2_1B", "Snapdragon8Gen3", "--seq-len", "64", "--output-len", "32",
                *extra)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)["result"]

    gpu, whole = serve("--unit", "GPU"), serve()  # unit names are case-insensitive
    assert gpu["memory_efficiency"] == pytest.approx(43.3 / 76.8, rel=1e-3)
    assert whole["memory_efficiency"] == pytest.approx(61.9 / 76.8, rel=1e-3)
    assert gpu["throughput"]["value"] < whole["throughput"]["value"]
    r = cli("--output", "json", "eval", "ResNet50", "JetsonAGXOrin", "--unit", "gpu", "--precision", "int8")
    assert r.returncode == 0, r.stderr
    assert any("compute unit 'gpu'" in a for a in json.loads(r.stdout)["result"]["assumptions"])
