"""Plugins: a third-party package adds an accelerator and a solver through the mlsysim.plugins entry point."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mlsysim
from mlsysim import plugins
from mlsysim.registry import registry

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "examples" / "plugin"


def _forget_wse3():
    reg = registry("hardware")
    reg._user.pop("WSE3", None)
    reg._aliases = None
    plugins.reset()


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """The example plugin 'installed' on sys.path: its package plus a dist-info with the entry point."""
    shutil.copytree(PLUGIN / "mlsysim_example_plugin", tmp_path / "mlsysim_example_plugin")
    info = tmp_path / "mlsysim_example_plugin-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mlsysim-example-plugin\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[mlsysim.plugins]\nexample = mlsysim_example_plugin:register\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    _forget_wse3()
    yield tmp_path
    sys.modules.pop("mlsysim_example_plugin", None)
    _forget_wse3()


def test_unknown_name_loads_plugins_lazily(installed):
    hw = mlsysim.Hardware.get("WSE3")  # not built in: the registry hook loads the plugin
    assert hw.vendor == "Cerebras" and hw.memory.sram.to("GB").magnitude == pytest.approx(44)
    assert mlsysim.Hardware.get("CS-3") is hw
    assert "example" in plugins.loaded() and not plugins.errors()


def test_plugin_solver_runs(installed):
    cls = plugins.get_solver("SRAMResidencyModel")
    r = cls().solve("Llama3_8B", "WSE3")
    assert r["fits_in_sram"] and r["decode_bound"].magnitude > 1000
    # the engine's own solvers accept the plugin's hardware too
    from mlsysim.solvers.streaming import WeightStreamingModel

    assert WeightStreamingModel().solve("Llama3_8B", "WSE3", seq_len=512).tier == "sram"
    with pytest.raises(mlsysim.UnknownNameError):
        plugins.get_solver("NoSuchModel")


def test_broken_plugin_is_reported_not_fatal(tmp_path, monkeypatch):
    pkg = tmp_path / "broken_plugin"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("def register():\n    raise RuntimeError('boom')\n")
    info = tmp_path / "broken_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[mlsysim.plugins]\nbroken = broken_plugin:register\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins.reset()
    try:
        plugins.load_plugins()
        assert "boom" in plugins.errors()["broken"]
        assert mlsysim.Hardware.get("H100").name  # built-ins still work
    finally:
        sys.modules.pop("broken_plugin", None)
        plugins.reset()


def test_pip_install_end_to_end(tmp_path):
    """pip-install the example plugin from its local path into a target folder (no network) and use it
    from a fresh interpreter."""
    target = tmp_path / "site"
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
           "--target", str(target), str(PLUGIN)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"pip not usable here: {exc}")
    if p.returncode != 0:
        pytest.skip(f"pip could not build the plugin offline: {p.stderr.strip().splitlines()[-1:]}")
    code = textwrap.dedent("""
        import sys; sys.path.insert(0, sys.argv[1])
        import mlsysim
        from mlsysim import plugins
        hw = mlsysim.Hardware.get("WSE3")
        print(hw.name, sorted(plugins.solvers()))
    """)
    r = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Cerebras WSE-3" in r.stdout and "SRAMResidencyModel" in r.stdout


def test_seed_custom_solver_still_works(capsys):
    import runpy

    runpy.run_path(str(ROOT / "examples" / "seed" / "solver_guide_custom_solver.py"), run_name="__main__")
    assert "H100" in capsys.readouterr().out
