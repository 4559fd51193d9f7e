"""Speed benchmarks: our mlsysim side by side with the published mlsysim 0.3.0.

    python benchmarks/run.py [--json out.json] [--runs 7] [--cli-runs 5] [--repeats 7]
                             [-k substring] [--skip-030]

Every measurement runs in a subprocess with the interpreter of the side being measured
(ours: $MLSYSIM_PY or .venv/bin/python; 0.3.0: .bench/venv-030/bin/python, created on first
use by _venvs.py). Nothing from either package is imported into this process, so this script
needs only the standard library and any Python >= 3.10.

Always exits 0 when the benchmarks ran: the table reports PASS/FAIL against the targets, the
tests are what assert.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _venvs  # noqa: E402

OURS, THEIRS = "ours", "0.3.0"
TIMEOUT_S = 600


# --------------------------------------------------------------------------- cases

@dataclass
class Call:
    """A per-call benchmark snippet: `setup` runs once, then `call` (an expression) is timed."""
    setup: str
    call: str


@dataclass
class Case:
    key: str
    title: str
    kind: str            # "import" | "cli" | "call" | "rate" (ours only: candidates per second)
    target: float        # required ratio theirs/ours (for "rate": candidates per second)
    ours: Call | None = None
    theirs: Call | None = None


# Argument objects are resolved in setup, outside the timed call, on both sides, so the
# timing is the solver alone. Where 0.3.0 names a thing differently, only its snippet adapts.
_OURS_PRELUDE = (
    "import mlsysim\n"
    "M, H, S = mlsysim.Models, mlsysim.Hardware, mlsysim.Systems\n"
)
_THEIRS_PRELUDE = (
    "import mlsysim\n"
    "from mlsysim.solvers import ServingModel, DistributedModel\n"  # not re-exported at top level in 0.3.0
    "M, H, S = mlsysim.Models, mlsysim.Hardware, mlsysim.Systems\n"
)

CASES: list[Case] = [
    Case("import", "import mlsysim (new process, wall)", "import", 10.0),
    Case("cli_eval", "CLI eval Llama3_8B H100 --batch-size 32 (wall)", "cli", 7.0),
    Case(
        "engine_resnet50_a100", "Engine.solve ResNet50/A100 b32", "call", 20.0,
        ours=Call(_OURS_PRELUDE
                  + "try:\n    model = M.Vision.ResNet50\nexcept AttributeError:\n    model = M.ResNet50\n"
                  + "hw = H.Cloud.A100\n",
                  "mlsysim.Engine.solve(model=model, hardware=hw, batch_size=32, precision='fp16', efficiency=0.5)"),
        theirs=Call(_THEIRS_PRELUDE + "model = M.Vision.ResNet50\nhw = H.Cloud.A100\n",  # 0.3.0 has no Models.ResNet50
                    "mlsysim.Engine.solve(model=model, hardware=hw, batch_size=32, precision='fp16', efficiency=0.5)"),
    ),
    Case(
        "engine_llama3_8b_h100", "Engine.solve Llama3_8B/H100 b32", "call", 20.0,
        ours=Call(_OURS_PRELUDE + "model = M.Language.Llama3_8B\nhw = H.Cloud.H100\n",
                  "mlsysim.Engine.solve(model=model, hardware=hw, batch_size=32, precision='fp16', efficiency=0.5)"),
        theirs=Call(_THEIRS_PRELUDE + "model = M.Language.Llama3_8B\nhw = H.Cloud.H100\n",
                    "mlsysim.Engine.solve(model=model, hardware=hw, batch_size=32, precision='fp16', efficiency=0.5)"),
    ),
    Case(
        "serving_llama3_8b_h100", "ServingModel.solve Llama3_8B/H100 s2048 b1",
        "call", 20.0,
        ours=Call(_OURS_PRELUDE + "model = M.Language.Llama3_8B\nhw = H.Cloud.H100\n"
                  "solver = mlsysim.ServingModel()\n",
                  "solver.solve(model=model, hardware=hw, seq_len=2048, batch_size=1)"),
        theirs=Call(_THEIRS_PRELUDE + "model = M.Language.Llama3_8B\nhw = H.Cloud.H100\n"
                    "solver = ServingModel()\n",
                    "solver.solve(model=model, hardware=hw, seq_len=2048, batch_size=1)"),
    ),
    Case(
        "distributed_llama3_70b_frontier8k",
        "DistributedModel.solve Llama3_70B/Frontier_8K",
        "call", 20.0,
        ours=Call(_OURS_PRELUDE + "model = M.Language.Llama3_70B\nfleet = S.Clusters.Frontier_8K\n"
                  "solver = mlsysim.DistributedModel()\n",
                  "solver.solve(model=model, fleet=fleet, batch_size=2048, tp_size=8, pp_size=4, "
                  "microbatch_count=16)"),
        theirs=Call(_THEIRS_PRELUDE + "model = M.Language.Llama3_70B\nfleet = S.Clusters.Frontier_8K\n"
                    "solver = DistributedModel()\n",
                    "solver.solve(model=model, fleet=fleet, batch_size=2048, tp_size=8, pp_size=4, "
                    "microbatch_count=16)"),
    ),
    Case(
        "optimizer_candidates_per_second",
        "ParallelismOptimizer: candidates/s (Llama3_70B, 8,192 GPUs)",
        "rate", 10_000.0,  # absolute target: candidates per second (0.3.0 has no comparable search)
        ours=Call(_OURS_PRELUDE + "model = M.Language.Llama3_70B\nfleet = S.Clusters.Frontier_8K\n"
                  "opt = mlsysim.ParallelismOptimizer()\n",
                  "opt.solve(model, fleet, 2048)"),
        theirs=None,
    ),
]

# Timed in the side's own interpreter. `check` records a few result fields (as text) so the
# JSON shows both sides really computed something; a missing field is simply skipped.
_CALL_HARNESS = """\
import json, statistics, timeit
{setup}
def _f():
    return {call}
_r = _f()
for _ in range(3):
    _f()
def _check(r):
    out = {{}}
    for name in ("latency", "bottleneck", "ttft", "itl", "kv_cache_size", "feasible",
                 "step_latency_total", "scaling_efficiency", "bubble_fraction", "searched"):
        try:
            v = getattr(r, name)
        except Exception:
            continue
        if v is not None and not callable(v):
            out[name] = str(v)[:60]
    return out
_t = timeit.Timer(_f)
_n, _ = _t.autorange()
_reps = [x / _n * 1e6 for x in _t.repeat({repeats}, _n)]
print("BENCH_JSON " + json.dumps({{"us": statistics.median(_reps), "reps_us": _reps,
                                  "number": _n, "check": _check(_r)}}))
"""


# --------------------------------------------------------------------------- measuring

@dataclass
class Measured:
    value: float | None = None        # seconds for wall rows, microseconds for call rows
    samples: list[float] = field(default_factory=list)
    error: str | None = None
    extra: dict = field(default_factory=dict)


def _short_error(proc: subprocess.CompletedProcess) -> str:
    text = (proc.stderr or "").strip() or (proc.stdout or "").strip() or f"exit {proc.returncode}"
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[-1].strip() if lines else f"exit {proc.returncode}"


def _run(cmd: list[str], timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          cwd=_venvs.neutral_cwd(), env=_venvs.clean_env())


def measure_wall(cmds: dict[str, list[str] | str], runs: int) -> dict[str, Measured]:
    """Median wall time of fresh processes; sides interleaved run by run to share drift.

    `cmds[side]` is a command, or an error string when the side cannot run. One discarded
    warm-up run per side first (byte-compilation, page cache): "cold" means a new process,
    not an empty disk cache.
    """
    res: dict[str, Measured] = {}
    live: dict[str, list[str]] = {}
    for side, cmd in cmds.items():
        if isinstance(cmd, str):
            res[side] = Measured(error=cmd)
            continue
        try:
            p = _run(cmd)
        except Exception as e:  # noqa: BLE001 - report, keep going
            res[side] = Measured(error=f"{type(e).__name__}: {e}")
            continue
        if p.returncode != 0:
            res[side] = Measured(error=_short_error(p))
            continue
        res[side] = Measured()
        live[side] = cmd
    for _ in range(runs):
        for side, cmd in list(live.items()):
            t0 = time.perf_counter()
            p = _run(cmd)
            dt = time.perf_counter() - t0
            if p.returncode != 0:
                res[side] = Measured(error=_short_error(p))
                del live[side]
                continue
            res[side].samples.append(dt)
    for side in live:
        res[side].value = statistics.median(res[side].samples)
    return res


def measure_call(python: Path, call: Call, repeats: int) -> Measured:
    code = _CALL_HARNESS.format(setup=call.setup, call=call.call, repeats=repeats)
    try:
        p = _run([str(python), "-c", code])
    except Exception as e:  # noqa: BLE001
        return Measured(error=f"{type(e).__name__}: {e}")
    for line in p.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            d = json.loads(line[len("BENCH_JSON "):])
            return Measured(value=d["us"], samples=d["reps_us"],
                            extra={"number": d["number"], "check": d["check"]})
    return Measured(error=_short_error(p))


# --------------------------------------------------------------------------- formatting

def sig2(x: float) -> str:
    """Two significant figures, plain notation where reasonable."""
    if x == 0 or x != x:
        return str(x)
    return f"{float(f'{x:.2g}'):g}"


def fmt_wall(s: float) -> str:
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def fmt_us(us: float) -> str:
    return f"{us:.3g} µs" if us < 1000 else f"{us:.0f} µs"


def cell(m: Measured, kind: str, width: int = 40) -> str:
    if m.error is not None or m.value is None:
        msg = f"n/a (error: {m.error or 'no value'})"
        return msg if len(msg) <= width else msg[: width - 2] + "…)"
    return fmt_us(m.value) if kind == "call" else fmt_wall(m.value)


def render(rows: list[dict]) -> str:
    head = ["benchmark", "ours", "0.3.0", "ratio", "target", "result"]
    body = [[r["title"], r["ours_cell"], r["theirs_cell"], r["ratio_cell"],
             f">= {r['target']:,.0f}/s" if r["kind"] == "rate" else f">= {sig2(r['target'])}x", r["status"]]
            for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = lambda cols: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cols, widths)))
    out = [line(head), "  ".join("-" * w for w in widths)]
    out += [line(b) for b in body]
    return "\n".join(out)


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    ap.add_argument("--runs", type=int, default=7, help="fresh processes per import timing (median)")
    ap.add_argument("--cli-runs", type=int, default=5, help="fresh processes per CLI timing (median)")
    ap.add_argument("--repeats", type=int, default=7, help="timeit repeats per solve (median)")
    ap.add_argument("-k", dest="only", metavar="SUBSTR", help="run only cases whose key contains SUBSTR")
    ap.add_argument("--skip-030", action="store_true", help="measure our side only (no 0.3.0 venv)")
    args = ap.parse_args(argv)

    ours_py = _venvs.ours_python()
    pythons: dict[str, Path | str] = {}
    pythons[OURS] = ours_py if ours_py.exists() else f"no interpreter at {ours_py} (run make setup)"
    if args.skip_030:
        pythons[THEIRS] = "skipped (--skip-030)"
    else:
        try:
            pythons[THEIRS] = _venvs.ensure_venv_030(log=lambda m: print(m, file=sys.stderr))
        except Exception as e:  # noqa: BLE001
            pythons[THEIRS] = f"0.3.0 venv unavailable: {e}"

    versions = {side: (_venvs.installed_version(p) if isinstance(p, Path) else None)
                for side, p in pythons.items()}
    print(f"mlsysim speed benchmarks — {platform.node()}, {os.cpu_count()} cores, "
          f"{platform.python_implementation()} {platform.python_version()} (runner)")
    for side, p in pythons.items():
        print(f"  {side:>5}: {p}  (mlsysim {versions[side] or '?'})")
    print(f"  import: median of {args.runs} fresh processes; CLI: median of {args.cli_runs}; "
          f"solves: timeit median of {args.repeats} repeats after warm-up\n", flush=True)

    rows: list[dict] = []
    for case in CASES:
        if args.only and args.only not in case.key:
            continue
        print(f"[bench] {case.key} ...", file=sys.stderr, flush=True)
        if case.kind in ("import", "cli"):
            cmds: dict[str, list[str] | str] = {}
            for side, p in pythons.items():
                if isinstance(p, str):
                    cmds[side] = p
                elif case.kind == "import":
                    cmds[side] = [str(p), "-c", "import mlsysim"]
                else:
                    script = _venvs.console_script(p)
                    cmds[side] = ([str(script), "eval", "Llama3_8B", "H100", "--batch-size", "32"]
                                  if script.exists() else f"no console script at {script}")
            got = measure_wall(cmds, args.runs if case.kind == "import" else args.cli_runs)
            unit = "s"
        else:
            got = {}
            for side, p in pythons.items():
                spec = case.ours if side == OURS else case.theirs
                if isinstance(p, str):
                    got[side] = Measured(error=p)
                elif spec is None:
                    got[side] = Measured(error="not expressible")
                else:
                    got[side] = measure_call(p, spec, args.repeats)
            unit = "us"
        o, t = got[OURS], got[THEIRS]
        ratio = (t.value / o.value) if (o.value and t.value) else None
        status = "n/a" if ratio is None else ("PASS" if ratio >= case.target else "FAIL")
        if case.kind == "rate" and o.value:
            # one search per call: candidates searched / seconds per search
            searched = float(o.extra.get("check", {}).get("searched", "nan"))
            o.extra["per_second"] = searched / (o.value * 1e-6)
            status = "PASS" if o.extra["per_second"] >= case.target else "FAIL"
        rows.append({
            "key": case.key, "title": case.title, "kind": case.kind, "unit": unit,
            "ours": o.value, "theirs": t.value,
            "ratio": ratio, "ratio_2sf": None if ratio is None else sig2(ratio),
            "target": case.target, "status": status,
            "ours_error": o.error, "theirs_error": t.error,
            "ours_samples": o.samples, "theirs_samples": t.samples,
            "ours_extra": o.extra, "theirs_extra": t.extra,
            "ours_cell": (f"{o.extra['per_second']:,.0f}/s" if case.kind == "rate" and "per_second" in o.extra
                          else cell(o, case.kind)),
            "theirs_cell": "—" if case.kind == "rate" else cell(t, case.kind),
            "ratio_cell": "n/a" if ratio is None else f"{sig2(ratio)}x",
        })

    print(render(rows))
    errors = [(r["title"], side, r[f"{side}_error"]) for r in rows for side in ("ours", "theirs")
              if r[f"{side}_error"]]
    if errors:
        print("\nerrors:")
        for title, side, err in errors:
            print(f"  [{OURS if side == 'ours' else THEIRS}] {title}: {err}")
    n_pass = sum(r["status"] == "PASS" for r in rows)
    n_fail = sum(r["status"] == "FAIL" for r in rows)
    print(f"\n{n_pass} targets met, {n_fail} missed, {len(rows) - n_pass - n_fail} not measurable"
          " (ratio = 0.3.0 time / our time)")

    if args.json:
        doc = {
            "generated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": {"node": platform.node(), "cpus": os.cpu_count(), "platform": platform.platform()},
            "interpreters": {side: str(p) for side, p in pythons.items()},
            "versions": versions,
            "settings": {"runs": args.runs, "cli_runs": args.cli_runs, "repeats": args.repeats},
            "rows": [{k: v for k, v in r.items() if not k.endswith("_cell")} for r in rows],
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
