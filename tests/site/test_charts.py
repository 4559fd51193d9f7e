"""mlsysim.charts: every chart is valid Vega-Lite, survives a JSON round trip, and the core never
imports the charts (``import mlsysim`` stays light for the browser)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

alt = pytest.importorskip("altair", reason="the charts need the `charts` extra (pip install -e '.[charts]')")
jsonschema = pytest.importorskip("jsonschema")

import mlsysim  # noqa: E402
from mlsysim import charts  # noqa: E402


@pytest.fixture(scope="module")
def validator():
    from altair.vegalite.v6.schema import core

    schema = core.load_schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _evaluation():
    return mlsysim.SystemEvaluator.evaluate("Llama-3 8B on H100", "Llama3_8B", "H100", batch_size=32, precision="bf16")


CASES = {
    "roofline_one_device": lambda: charts.roofline("H100", ["ResNet50", ("Llama3_8B", 1, 128)]),
    "roofline_devices": lambda: charts.roofline(["H100", "A100", "T4"], ["BERT_Base"], precision="fp16", y="achieved"),
    "roofline_edge": lambda: charts.roofline(mlsysim.Hardware.Edge.JetsonOrinNX, [("MobileNetV2", 1)], precision="int8"),
    "roofline_no_workloads": lambda: charts.roofline("H100"),
    "scorecard": lambda: charts.scorecard(_evaluation()),
    "scaling_batch": lambda: charts.scaling(
        [mlsysim.SingleNodeModel().solve("ResNet50", hw, batch_size=b) for hw in ("A100", "H100") for b in (1, 8, 64)],
        x="batch_size", y="throughput", series="hardware", ideal=True),
    "scaling_dicts": lambda: charts.scaling([{"gpus": n, "step_time": 10.0 / n} for n in (1, 2, 4, 8)], x="gpus", y="step_time", log_y=True),
    "carbon_energy": lambda: charts.carbon_by_region("1 MWh", ["Quebec", "Virginia", "Germany"]),
    "carbon_fleet": lambda: charts.carbon_by_region(fleet="Frontier_8K", duration_days=30, regions=["Quebec", "Iowa"]),
    "cost_energy": lambda: charts.cost_by_region("500 kWh"),
    "cost_fleet": lambda: charts.cost_by_region(fleet="Frontier_8K", duration_days=365, regions=["Quebec", "Virginia"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_chart_is_valid_vega_lite(name, validator):
    chart = CASES[name]()
    assert isinstance(chart, alt.TopLevelMixin), f"{name}: not an Altair chart"
    spec = chart.to_dict()
    again = json.loads(json.dumps(spec, allow_nan=False))  # no NaN or Infinity: strict JSON
    assert again == spec
    assert "vega-lite" in spec["$schema"]
    errors = sorted(validator.iter_errors(again), key=lambda e: list(e.path))
    assert not errors, f"{name}: {errors[0].message} at {list(errors[0].path)}"


def test_roofline_marks_the_ridge_point():
    spec = charts.roofline("H100").to_dict()
    ridges = [d for layer in spec["layer"] for d in (layer.get("data", {}).get("values") or []) if "ridge" in d]
    hw = mlsysim.Hardware.Cloud.H100
    assert ridges and ridges[0]["ridge"] == pytest.approx(hw.ridge_point("bf16").magnitude)


def test_roofline_points_sit_at_their_intensity():
    spec = charts.roofline("H100", [("Llama3_8B", 1, 128)]).to_dict()
    pts = [d for layer in spec["layer"] for d in (layer.get("data", {}).get("values") or []) if "workload" in d]
    r = mlsysim.SingleNodeModel().solve("Llama3_8B", "H100", batch_size=1, seq_len=128, precision="bf16")
    assert pts[0]["intensity"] == pytest.approx(r.arithmetic_intensity.to("FLOP/B").magnitude)
    assert pts[0]["bottleneck"] == r.bottleneck


def test_carbon_from_energy_is_energy_times_pue_times_intensity():
    spec = charts.carbon_by_region("1 MWh", ["Quebec"], unit="kgCO2e").to_dict()
    g = mlsysim.Infra.Grids.Quebec
    expect = 1000 * g.pue * g.carbon_intensity.to("kgCO2e/kWh").magnitude
    assert spec["data"]["values"][0]["value"] == pytest.approx(expect)


def test_one_registered_theme():
    assert charts.THEME in alt.theme.names()
    assert alt.theme.active == charts.THEME


def test_charts_never_display():
    """Building a chart returns it; nothing is shown or written."""
    chart = charts.carbon_by_region("1 MWh")
    assert chart is not None and not hasattr(chart, "_repr_html_shown")


def test_bad_input_is_one_clear_error():
    with pytest.raises(ValueError, match="y: expected"):
        charts.roofline("H100", y="measured")
    with pytest.raises(ValueError, match="energy"):
        charts.carbon_by_region()


def test_import_mlsysim_does_not_import_charts_or_altair():
    code = (
        "import sys, mlsysim\n"
        "mlsysim.SingleNodeModel().solve('ResNet50', 'A100')\n"
        "mlsysim.ServingModel().solve('Llama3_8B', 'H100', seq_len=128)\n"
        "bad = [m for m in sys.modules if m.startswith(('altair', 'mlsysim.charts', 'mlsysim.cli', 'typer', 'yaml', 'jsonschema'))]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"the core imported: {out.stdout.strip()}"
