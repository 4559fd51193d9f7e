"""``mlsysim validate``: tables in 80 columns, markdown and JSON output, exit codes."""

from __future__ import annotations

import json

import pytest


def test_text_table_fits_80_columns(cli):
    r = cli("validate", timeout=180)
    assert r.returncode in (0, 1), r.stderr
    lines = r.stdout.splitlines()
    assert any(line.startswith("serving:") for line in lines)
    assert any(line.startswith("overall:") for line in lines)
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80][:3]
    # per case: predicted, measured, error and the bottleneck (✓ where the source states one)
    assert "predicted" in r.stdout and "measured" in r.stdout and "error" in r.stdout
    assert "mem ✓" in r.stdout


def test_passing_family_exits_0(cli):
    r = cli("validate", "--family", "energy", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "energy:" in r.stdout and "[PASS]" in r.stdout


def test_family_missing_its_tolerance_exits_1(monkeypatch, capsys):
    from mlsysim.cli import cmd_validate
    from mlsysim.validation import report as rep

    real = rep.run

    def failing(family=None):
        r = real(family)
        o = r.outcomes[0]
        bad = rep.Outcome(o.case, "ok", predicted=o.measured * 3, call="x")
        outs = (bad,) + tuple(x for x in r.outcomes[1:])
        return rep.Report(outs, rep.summarise(list(outs), [f.family for f in r.families]))

    monkeypatch.setattr("mlsysim.validation.run", failing)
    code = cmd_validate.validate_command(None, "energy", "text", False)
    assert code == 1
    assert "tolerance missed: energy" in capsys.readouterr().err


def test_markdown_output(cli):
    r = cli("validate", "--family", "energy", "--output", "markdown", timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("| family |")
    assert "### energy" in r.stdout and "](https://" in r.stdout


@pytest.mark.parametrize("args", [("--output", "json", "validate", "--family", "energy"),
                                  ("validate", "--family", "energy", "--output", "json")])
def test_json_output(cli, args):
    r = cli(*args, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["command"] == "validate"
    assert doc["families"][0]["family"] == "energy"
    case = next(c for c in doc["cases"] if c["status"] == "ok")
    assert {"predicted", "measured", "error_pct", "unit", "bottleneck", "source"} <= set(case)


def test_unknown_family_is_bad_input(cli):
    r = cli("validate", "--family", "servng")
    assert r.returncode == 1
    assert "unknown family" in r.stderr and "serving" in r.stderr


def test_calibration_listing(cli):
    r = cli("validate", "--calibration")
    assert r.returncode == 0, r.stderr
    assert "mamf_bf16_h100" in r.stdout and "gemm_efficiency" in r.stdout
    assert all(len(line) <= 80 for line in r.stdout.splitlines())
