"""Numerical safety and nothing lost: no division by zero, overflow or NaN reaches a result;
inputs outside the representable range are refused at the boundary with one clear line; results
say when they are outside the validated range; failed commands leave no partial files; Ctrl-C
during a search keeps what was found.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import mlsysim
from mlsysim.core.errors import ConfigError, MlsysimError

ROOT = Path(__file__).resolve().parents[1]


def raw_floats(result, where=""):
    """Every float of a result, nested results included: (name, value)."""
    for k, v in result._raw.items():
        if isinstance(v, float):
            yield f"{where}{k}", v
        elif hasattr(v, "_raw"):
            yield from raw_floats(v, f"{where}{k}.")


def assert_finite(result):
    bad = [(k, v) for k, v in raw_floats(result) if not math.isfinite(v)]
    assert not bad, bad
    json.dumps(result.to_dict(), allow_nan=False, default=str)


# ---- the unit parser refuses what would overflow -----------------------------------------------
@pytest.mark.parametrize("text,dim,needle", [
    ("1e-300 TB/s", "bandwidth", "outside the supported range"),
    ("1e308 TB/s", "bandwidth", "outside the supported range"),
    ("1e-300 GB", "information", "outside the supported range"),
    ("1e309 W", "power", "infinite"),
    ("2**4000 GB", "information", "exponents are allowed only on units"),
    ("9**9**9 GB", "information", "exponents are allowed only on units"),
    ("10**10**10 FLOP/s", "compute_rate", "exponents are allowed only on units"),
    ("(9*9*9*9)**99 GB", "information", "too large to represent"),
    ("1/0 GB", "information", "cannot read"),
    ("nan GB/s", "bandwidth", "NaN"),
])
def test_unit_parser_refuses_unrepresentable_values(text, dim, needle):
    from mlsysim.core.units import parse_quantity

    t0 = time.perf_counter()
    with pytest.raises(ValueError) as info:
        parse_quantity(text, dim)
    assert needle in str(info.value) and "\n" not in str(info.value)
    assert time.perf_counter() - t0 < 0.5  # "9**9**9" must not be evaluated


def test_unit_parser_keeps_ordinary_units():
    from mlsysim.core.units import parse_quantity

    assert parse_quantity("3 kg*m**2/s**3", "power").to("W").magnitude == pytest.approx(3)
    assert parse_quantity("1 s^-1", "frequency").to("Hz").magnitude == pytest.approx(1)
    assert parse_quantity("80 GiB", "information").to("B").magnitude == 80 * 2**30


def test_device_with_a_tiny_bandwidth_is_refused_at_construction():
    """Zero bandwidth was refused before; 1e-300 TB/s (a quotient of 1e300 s) is refused too."""
    from mlsysim.hardware.types import HardwareNode

    with pytest.raises(ConfigError, match=r"memory\.bandwidth: 1e-300 TB/s is outside the supported range"):
        HardwareNode(name="x", compute={"bf16": "1 TFLOP/s"}, memory={"capacity": "1 GB", "bandwidth": "1e-300 TB/s"})


def test_model_shapes_that_overflow_are_refused():
    from mlsysim.models.types import CNNWorkload, TransformerWorkload

    with pytest.raises(ConfigError, match="layers must be at most"):
        TransformerWorkload(name="m", layers=10**12, hidden_dim=64, heads=8)
    with pytest.raises(ConfigError, match="at most 1e16 are supported"):
        TransformerWorkload(name="m", layers=100_000, hidden_dim=1_000_000, heads=1000)
    with pytest.raises(ConfigError, match="below 1e16"):
        CNNWorkload(name="c", parameters=1e300, flops_per_sample="1 GFLOP")
    with pytest.raises(ConfigError, match="expected a number, got true"):
        TransformerWorkload(name="m", layers=True, hidden_dim=64, heads=8)


# ---- solver boundaries ----------------------------------------------------------------------------
def test_implausibly_small_efficiency_is_refused():
    with pytest.raises(ConfigError, match="efficiency: 1e-300 is implausibly small"):
        mlsysim.Engine.solve("Llama3_8B", "H100", efficiency=1e-300)
    with pytest.raises(ConfigError, match="memory_efficiency"):
        mlsysim.ServingModel().solve("Llama3_8B", "H100", memory_efficiency=1e-10)
    assert_finite(mlsysim.Engine.solve("Llama3_8B", "H100", efficiency=1e-6))


@pytest.mark.parametrize("model,hw", [("Llama3_405B", "H100"), ("Llama3_405B", "nRF52840"), ("DeepSeekV3", "STM32L4R5"),
                                      ("ResNet50", "nRF52840"), ("DLRM", "T4")])
def test_extreme_valid_inputs_give_finite_results(model, hw):
    """The largest batch and context the solvers accept, on the slowest devices, at the lowest
    accepted efficiency: every term stays finite (no overflow to inf, no inf/inf = NaN)."""
    kw = dict(efficiency=1e-6, memory_efficiency=1e-6)
    for mode in ("inference", "training"):
        r = mlsysim.Engine.solve(model, hw, batch_size=10**9, mode=mode,
                                 seq_len=10**9 if Models_kind(model) == "transformer" else None, **kw)
        assert_finite(r)
    if Models_kind(model) == "transformer":
        r = mlsysim.ServingModel().solve(model, hw, batch_size=10**7, seq_len=10**8, output_len=10**8, **kw)
        assert_finite(r)


def Models_kind(name):
    return mlsysim.Models.get(name).kind


def test_extreme_distributed_inputs_give_finite_results():
    r = mlsysim.DistributedModel().solve("Llama3_405B", "Mega_100K", 100_000 * 10, tp_size=8, pp_size=1,
                                         efficiency=1e-6, memory_efficiency=1e-6)
    assert_finite(r)
    r = mlsysim.DistributedModel().solve("Llama3_8B", "Research_256", 256 * 4096, microbatch_count=4096)
    assert_finite(r)


@pytest.mark.parametrize("call", [
    lambda: mlsysim.EconomicsModel().solve("Frontier_8K", 1e300),
    lambda: mlsysim.SustainabilityModel().solve("Frontier_8K", 1e300),
    lambda: mlsysim.ReliabilityModel().solve("Frontier_8K", 1e300, 60),
    lambda: mlsysim.TailLatencyModel().solve(1e-300, 1.0, 1),
])
def test_macro_numbers_beyond_range_are_refused(call):
    """Durations and rates given as plain numbers: 1e300 days of energy overflowed to inf and
    (PUE − 1)·inf − ... to NaN; such numbers are refused with one line."""
    with pytest.raises(ConfigError, match="outside the supported range"):
        call()


def test_macro_results_stay_finite_at_the_range_limit():
    assert_finite(mlsysim.EconomicsModel().solve("Frontier_8K", 1e30))
    assert_finite(mlsysim.SustainabilityModel().solve("Frontier_8K", 1e30))


def test_power_cap_at_or_below_idle_is_refused():
    """A power cap below idle left a clock of 0 and divided by it (ZeroDivisionError)."""
    with pytest.raises(ConfigError, match="power_cap: 1 W is at or below the idle power"):
        mlsysim.ServingModel().solve("Llama3_8B", "H100", power_cap="1 W")
    assert 0 < mlsysim.ServingModel().solve("Llama3_8B", "H100", power_cap="400 W").clock_factor < 1


def test_queueing_low_variance_service_does_not_overflow():
    """Gamma service times with a small c_s² (shape 1/c_s²) overflowed r^(−k) (OverflowError) or
    divided by zero; the tail is now evaluated in logarithms, and c_s² in (0, 1e-3) is refused."""
    tm = mlsysim.TailLatencyModel()
    with pytest.raises(ConfigError, match="service_cv2: 1e-09 is too small"):
        tm.solve(0.8, 1.0, 1, service_cv2=1e-9)
    prev = None
    for cs2 in (0.0, 1e-3, 2e-3, 1e-2, 0.1, 0.5, 1.0):
        for ca2 in (0.0, 0.2, 1.0):
            for rho, c in ((0.5, 1), (0.95, 8), (0.99, 64)):
                r = tm.solve(rho * c, 1.0, c, arrival_cv2=ca2, service_cv2=cs2)
                assert_finite(r)
                assert r.p50_latency.magnitude <= r.p99_latency.magnitude * (1 + 1e-9)
        r = tm.solve(0.8, 1.0, 1, service_cv2=cs2)
        if prev is not None:  # the tail grows continuously with the service variance
            assert r.p99_latency.magnitude >= prev * (1 - 1e-6)
        prev = r.p99_latency.magnitude


def test_unstable_queue_is_infinite_by_design_and_says_so():
    """ρ ≥ 1: waits grow without bound. The result holds inf (not NaN) and states it; JSON shows null."""
    r = mlsysim.TailLatencyModel().solve(2.0, 1.0, 1)
    assert not r.stable and math.isinf(r.p99_latency.magnitude)
    assert not any(math.isnan(v) for _k, v in raw_floats(r))
    assert any("unstable" in a for a in r.assumptions)
    assert r.to_dict()["p99_latency"]["value"] is None


# ---- validated-range notes ------------------------------------------------------------------------
def _notes(r):
    return [a for a in r.assumptions if a.startswith("out of range:")]


def test_prompt_beyond_the_context_window_is_noted():
    s = mlsysim.ServingModel().solve("Llama3_8B", "H100", seq_len=200_000)
    assert any("exceeds the 8,192-token context" in n for n in _notes(s))
    s = mlsysim.ServingModel().solve("Llama3_8B", "H100", seq_len=8000, output_len=1000)
    assert any("prompt + output = 9,000 tokens" in n for n in _notes(s))
    r = mlsysim.Engine.solve("Llama3_8B", "H100", seq_len=100_000)
    assert any("exceeds the 8,192-token context" in n for n in _notes(r))
    assert not _notes(mlsysim.ServingModel().solve("Llama3_8B", "H100", seq_len=4096, output_len=256))


def test_overhead_dominated_step_is_noted():
    r = mlsysim.Engine.solve("Llama3_2_1B", "MI325X", batch_size=1, seq_len=16)
    assert r.bottleneck == "Overhead"
    assert any("overhead-dominated at batch 1" in n for n in _notes(r))
    big = mlsysim.Engine.solve("Llama3_8B", "H100", batch_size=32, seq_len=2048)
    assert big.bottleneck != "Overhead" and not _notes(big)


def test_range_notes_helper():
    from mlsysim.solvers._range import range_notes

    m = mlsysim.Models.Llama3_8B
    assert range_notes(m, seq_len=100) == ()
    assert len(range_notes(m, seq_len=10**6, compute_time=1e-3, memory_time=2e-3, overhead_time=5e-3, batch_size=1)) == 2
    assert range_notes(mlsysim.Models.ResNet50, seq_len=10**6) == ()


# ---- nothing lost ----------------------------------------------------------------------------------
def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    from mlsysim.cli._atomic import atomic_open, atomic_write

    out = tmp_path / "result.json"
    atomic_write(out, '{"ok": true}\n')
    assert out.read_text() == '{"ok": true}\n'
    with pytest.raises(RuntimeError):
        with atomic_open(out) as fh:
            fh.write('{"partial": ')
            raise RuntimeError("the command failed half-way")
    assert out.read_text() == '{"ok": true}\n', "an existing file keeps its old content"
    new = tmp_path / "new.json"
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(new) as fh:
            fh.write("partial")
            raise KeyboardInterrupt
    assert not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"], "no temporary file left behind"
    atomic_write(tmp_path / "bytes.bin", b"\x00\x01")
    assert (tmp_path / "bytes.bin").read_bytes() == b"\x00\x01"
    with pytest.raises(ConfigError, match="does not exist"):
        atomic_write(tmp_path / "missing" / "x.json", "{}")
    with pytest.raises(ConfigError, match="is a directory"):
        atomic_write(tmp_path, "{}")


def test_cli_writes_no_files():
    """No command has an output-file option today (results go to stdout); a command that adds one
    must write through mlsysim.cli._atomic. This test notices such an option."""
    import inspect

    from mlsysim.cli.app import build_app

    app = build_app()
    import typer.main

    group = typer.main.get_command(app)
    names = set()

    def walk(cmd):
        for p in getattr(cmd, "params", []):
            names.update(p.opts)
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(group)
    writers = {n for n in names if n in ("--out", "--output-file", "--save", "--write", "-O")}
    if writers:  # pragma: no cover - fires when a command grows a file option
        src = "".join(inspect.getsource(m) for m in _cli_modules())
        assert "_atomic" in src, f"{writers}: write output files with mlsysim.cli._atomic"


def _cli_modules():
    import importlib
    import pkgutil

    import mlsysim.cli as cli

    for info in pkgutil.iter_modules(cli.__path__):
        yield importlib.import_module(f"mlsysim.cli.{info.name}")


_SEARCH_CONFIG = "workload:\n  name: Llama3_8B\n  batch_size: 256\n  mode: training\nhardware:\n  cluster: Research_256\n"

_SLOW_SEARCH = """
import os, sys, time
import mlsysim.solvers.optimizer as o
_evaluate = o.evaluate
def slow(*a, **k):
    marker = os.environ.get("MLSYSIM_TEST_MARKER")
    if marker and not os.path.exists(marker):
        open(marker, "w").close()
    time.sleep(0.002)
    return _evaluate(*a, **k)
o.evaluate = slow
from mlsysim.cli import main
main()
"""


def test_optimize_interrupted_in_process_keeps_what_it_found(tmp_path, monkeypatch):
    """Ctrl-C during `mlsysim optimize parallelism`: exit 130, the plans ranked so far on stdout,
    one line on stderr."""
    import _thread
    import contextlib
    import io

    import mlsysim.solvers.optimizer as opt
    from mlsysim.cli._main import run

    cfg = tmp_path / "search.yaml"
    cfg.write_text(_SEARCH_CONFIG)
    real = opt.evaluate
    started = threading.Event()

    def slow(*a, **k):
        started.set()
        time.sleep(0.002)
        return real(*a, **k)

    monkeypatch.setattr(opt, "evaluate", slow)

    def interrupt():
        if started.wait(30):
            time.sleep(0.3)
            _thread.interrupt_main()

    threading.Thread(target=interrupt, daemon=True).start()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(["optimize", "parallelism", str(cfg), "--no-progress"])
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    assert code == 130, (code, err.getvalue())
    assert len(lines) == 1 and lines[0].startswith("interrupted:") and "plans found" in lines[0], lines
    assert "Llama 3 8B" in out.getvalue() and "searched" in out.getvalue()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_optimize_sigint_through_the_console_script(tmp_path):
    """The same through a real process and a real SIGINT (what Ctrl-C sends)."""
    cfg = tmp_path / "search.yaml"
    cfg.write_text(_SEARCH_CONFIG)
    marker = tmp_path / "started"
    env = dict(os.environ, MLSYSIM_TEST_MARKER=str(marker), COLUMNS="80", NO_COLOR="1")
    p = subprocess.Popen([sys.executable, "-c", _SLOW_SEARCH, "optimize", "parallelism", str(cfg), "--no-progress"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        deadline = time.time() + 60
        while not marker.exists() and p.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        assert marker.exists(), "the search never started"
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    lines = [ln for ln in err.decode().splitlines() if ln.strip()]
    assert p.returncode == 130, (p.returncode, err.decode()[-500:])
    assert len(lines) == 1 and lines[0].startswith("interrupted:"), lines
    assert "Traceback" not in err.decode()
    assert "searched" in out.decode()


def test_failed_user_file_leaves_the_builtin_registries_usable(tmp_path):
    from mlsysim import registry as R

    bad = tmp_path / "bad_chip.toml"
    bad.write_text('kind = "hardware"\nname = "bad"\n[compute]\nbf16 = "1e-300 TFLOP/s"\n[memory]\ncapacity = "1 GB"\nbandwidth = "1 GB/s"\n')
    before = {k: dict(r._user) for k, r in R._REGISTRIES.items()}
    with pytest.raises(MlsysimError):
        mlsysim.load(bad)
    assert {k: dict(r._user) for k, r in R._REGISTRIES.items()} == before
    assert mlsysim.Hardware.Cloud.H100.memory.bandwidth.to("TB/s").magnitude == pytest.approx(3.35)
    assert len(mlsysim.Hardware.all()) == len(mlsysim.Hardware.ids())
    assert_finite(mlsysim.Engine.solve("ResNet50", "A100"))
