"""Accuracy side by side: our validation cases through our API and through mlsysim 0.3.0's.

    python benchmarks/accuracy_030.py [--json out.json] [--family F]

Our side runs ``mlsysim.validation.run()`` in a subprocess with our interpreter. The 0.3.0 side
runs, in a subprocess with the interpreter of ``.bench/venv-030`` (created by ``_venvs.py``),
the same cases through 0.3.0's public API with its own defaults wherever it can express them
(batch-1 decode through ``ServingModel``, training steps through ``DistributedModel``, FLOPs
through ``calc_transformer_training_flops``, energy through ``SustainabilityModel``, failures
through ``ReliabilityModel``, CNN throughput through ``Engine``). A case 0.3.0 cannot express
(tensor-parallel serving, one GCD of a package, offline maximum-throughput serving, collectives,
checkpoint sizes) is listed as such. Nothing from either package is imported here: stdlib only.

Prints both error tables and the medians: ours over our counted cases, 0.3.0's over the cases it
can express, and both over the cases both predict.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _venvs  # noqa: E402

TIMEOUT_S = 900

# ---- our side: the validation report as JSON, plus what the 0.3.0 side needs per case --------
OURS = r"""
import json, sys
from mlsysim.validation import run
from mlsysim.validation.cases import load_cases
fam = sys.argv[1] or None
rep = run(fam)
cases = {c.id: c for c in load_cases(fam)}
out = []
for o in rep.outcomes:
    c = o.case
    flops_tok = None
    try:
        from mlsysim.validation.adapters._common import model_of
        m = model_of(c)
        if getattr(m, "kind", None) == "transformer":
            s = int(c.config.get("seq_len") or c.workload.get("seq_len") or m.seq_len)
            flops_tok = m.training_flops_per_token(s)
            params = m.total_parameters
        else:
            params = None
    except Exception:
        params = None
    peak = None
    try:
        from mlsysim.registry import Hardware
        from mlsysim.solvers._terms import peak_rate
        p = str(c.config.get("precision", "bf16")).lower()
        p = "fp8" if "fp8" in p else ("fp16" if p.startswith("fp16") else "bf16")
        peak = peak_rate(Hardware.get(c.system["hardware"]), p)[0]
    except Exception:
        pass
    out.append({"id": c.id, "family": c.family, "metric": c.metric, "unit": c.unit, "measured": c.value,
                "status": o.status, "predicted": o.predicted, "reason": o.reason,
                "workload": c.workload, "system": c.system, "config": c.config,
                "flops_per_token": flops_tok, "parameters": params, "peak": peak})
print(json.dumps(out, default=str))
"""

# ---- the 0.3.0 side: one prediction per case, or the reason it cannot be expressed ----------
THEIRS = r"""
import json, math, sys, warnings
warnings.filterwarnings("ignore")
import mlsysim
from mlsysim.solvers import ServingModel, DistributedModel, SustainabilityModel, ReliabilityModel
from mlsysim.physics.transformer import calc_transformer_training_flops
from mlsysim.systems.types import Fleet, Node
from mlsysim.infrastructure.types import GridProfile, Datacenter

cases = json.load(sys.stdin)
L, C, V = mlsysim.Models.Language, mlsysim.Hardware.Cloud, mlsysim.Models.Vision
MODELS = {"Llama2_7B": "Llama2_7B", "Llama2_13B": "Llama2_13B", "Llama2_70B": "Llama2_70B", "Llama3_8B": "Llama3_8B",
          "Llama3_70B": "Llama3_70B", "Llama3_405B": "Llama3_405B", "GPT3_175B": "GPT3", "BERT_Large": "BERT_Large",
          "DeepSeekV3": "DeepSeek_V3"}
Q = mlsysim.core.units.Q_ if hasattr(mlsysim, "core") else None

def q(v, unit):
    return float(v.to(unit).magnitude) if hasattr(v, "to") else float(v)

def prec(text):
    t = str(text or "").lower()
    for p in ("fp8", "int8", "int4"):
        if p in t:
            return p
    return "fp16" if t.startswith("fp16") else "bf16"

def hours(v):
    if isinstance(v, (int, float)):
        return float(v)
    num, unit = str(v).split()[0], str(v).split()[-1]
    return float(num) * {"h": 1, "hour": 1, "day": 24, "week": 168, "month": 730.5}.get(unit.rstrip("s"), float("nan"))

def fleet(hw_name, gpus, gpn=8, fabric="InfiniBand_HDR"):
    hw = getattr(C, hw_name)
    gpn = min(gpn, gpus)
    bw = hw.interconnect.nvlink_bw if getattr(hw, "interconnect", None) is not None and getattr(hw.interconnect, "nvlink_bw", None) else "300 GB/s"
    node = Node(name=f"{hw_name}x{gpn}", accelerator=hw, accelerators_per_node=gpn, intra_node_bw=bw, nics_per_node=gpn)
    fab = getattr(mlsysim.Systems.Fabrics, fabric if hasattr(mlsysim.Systems.Fabrics, fabric) else "InfiniBand_HDR")
    return Fleet(name="f", node=node, count=max(1, math.ceil(gpus / gpn)), fabric=fab)

def predict(c):
    fam, m, wl, sy, cf = c["family"], c["metric"], c["workload"], c["system"], c["config"]
    if fam == "serving" and m == "decode_tokens_per_second":
        if int(cf.get("tp", 1)) > 1:
            return None, "0.3.0 ServingModel has no tensor parallelism"
        if sy.get("gcds"):
            return None, "0.3.0 cannot express one GCD of a package"
        mdl = getattr(L, MODELS.get(wl.get("model"), "_none"), None)
        if mdl is None:
            return None, "model not in 0.3.0's registry"
        r = ServingModel().solve(mdl, getattr(C, sy["hardware"]), seq_len=int(cf["input_len"]), batch_size=1,
                                 precision=prec(cf.get("precision")))
        return 1.0 / q(r.itl, "s"), "ServingModel().solve(..., efficiency=0.5 default): 1/itl"
    if fam == "serving" and m == "throughput" and c["unit"].startswith("sample"):
        if "batch_size" not in cf or "precision" not in cf:
            return None, "batch or precision not stated"
        mdl = getattr(V, wl.get("model", "_none"), None) or getattr(L, MODELS.get(wl.get("model"), "_none"), None)
        if mdl is None:
            return None, "model not in 0.3.0's registry"
        r = mlsysim.Engine.solve(model=mdl, hardware=getattr(C, sy["hardware"]), batch_size=int(cf["batch_size"]),
                                 precision=prec(cf.get("precision")))
        return q(r.throughput, "1/s"), "Engine.solve(..., efficiency=0.5 default).throughput"
    if fam == "serving":
        return None, "0.3.0 has no maximum-throughput (memory-bound batch) serving mode"
    if fam == "training":
        mdl = getattr(L, MODELS.get(wl.get("model"), "_none"), None)
        if mdl is None:
            return None, "architecture given as shapes; 0.3.0 models come from its registry"
        if "tp" not in cf and "dp" not in cf:
            return None, "layout not stated"
        gpus = int(sy["gpus"])
        tp, pp = int(cf.get("tp", 1)), int(cf.get("pp", 1))
        gb = cf.get("global_batch") or (int(cf["batch_size_per_dp"]) * int(cf["dp"]) if "batch_size_per_dp" in cf else None)
        if gb is None and "micro_batch" in cf and "dp" in cf:
            gb = int(cf["micro_batch"]) * int(cf["dp"])
        if gb is None:
            return None, "global batch not stated"
        dp = max(1, gpus // (tp * pp))
        mbs = int(cf.get("micro_batch", 1))
        mcount = max(1, int(gb) // (dp * mbs))
        r = DistributedModel().solve(mdl, fleet(sy["hardware"], gpus, int(sy.get("gpus_per_node", 8)),
                                                sy.get("fabric", "InfiniBand_HDR")),
                                     batch_size=int(gb), precision=prec(cf.get("precision")), tp_size=tp, pp_size=pp,
                                     microbatch_count=mcount, seq_len=int(cf.get("seq_len") or 2048),
                                     activation_recomputation=str(cf.get("recompute", "none")) in ("full", "selective"))
        return q(r.step_latency_total, "s"), "step_time"
    if fam == "compute" and m == "training_flops":
        params = c.get("parameters")
        mdl = getattr(L, MODELS.get(wl.get("model"), "_none"), None)
        if mdl is not None:
            params = q(mdl.parameters, "param") if hasattr(mdl.parameters, "to") else float(mdl.parameters)
        tokens = cf.get("tokens") or wl.get("tokens")
        if not params or not isinstance(tokens, (int, float)):
            return None, "parameters or tokens not stated"
        return q(calc_transformer_training_flops(params, tokens), "flop"), "calc_transformer_training_flops (6ND)"
    if fam == "energy":
        n = cf.get("accelerators") or sy.get("gpus")
        if not isinstance(n, (int, float)):
            return None, "accelerator count not stated"
        if "gpu_hours" in cf:
            days = hours(cf["gpu_hours"]) / n / 24
        elif "duration" in cf:
            days = hours(cf["duration"]) / 24
        else:
            return None, "duration not stated"
        ci = cf.get("grid_intensity_net") or cf.get("grid_intensity") or cf.get("grid_intensity_gross")
        if not ci or "pue" not in cf and "no pue" not in str(cf.get("energy_method", "")).lower():
            return None, "grid intensity or PUE not stated"
        g = float(str(ci).split()[0]) * (1000.0 if "kg" in str(ci) else 1.0)
        pue = float(cf.get("pue", 1.0))
        hw = sy["hardware"]
        if not hasattr(C, hw):
            return None, "hardware not in 0.3.0's registry"
        dc = Datacenter(name="site", grid=GridProfile(name="grid", carbon_intensity_g_kwh=g, pue=pue, wue=0.0,
                                                      primary_source="stated"), pue_override=pue)
        r = SustainabilityModel().solve(fleet(hw, int(n)), days, datacenter=dc)
        if m == "energy":
            return q(r.total_energy_kwh, "kWh") / 1000.0, "SustainabilityModel (mfu=1.0 default).total_energy"
        return float(r.carbon_footprint_kg) / 1000.0, "SustainabilityModel (mfu=1.0 default).carbon"
    if fam == "reliability" and m in ("interruptions", "job_mttf"):
        gpus = sy.get("gpus")
        if not isinstance(gpus, (int, float)) or not hasattr(C, sy.get("hardware", "")):
            return None, "fleet not expressible"
        t = hours(cf.get("duration", "1 h")) if m == "interruptions" else 1.0
        r = ReliabilityModel().solve(fleet(sy["hardware"], int(gpus)), t)
        if m == "interruptions":
            return float(r.expected_failures), "ReliabilityModel.expected_failures"
        return q(r.fleet_mtbf, "hour"), "ReliabilityModel.fleet_mtbf"
    return None, "no 0.3.0 API for this quantity"

out = {}
for c in cases:
    try:
        v, how = predict(c)
        out[c["id"]] = {"value": v, "how": how}
    except Exception as e:
        out[c["id"]] = {"value": None, "how": f"0.3.0 error: {type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"}
print(json.dumps(out))
"""


def _run(python: Path, code: str, args: list[str], stdin: str | None = None) -> str:
    r = subprocess.run([str(python), "-c", code, *args], input=stdin, capture_output=True, text=True,
                       timeout=TIMEOUT_S, cwd=_venvs.neutral_cwd() if "venv-030" in str(python) else _venvs.REPO,
                       env=_venvs.clean_env())
    if r.returncode != 0:
        raise RuntimeError(f"{python}: {(r.stderr or r.stdout).strip()[-1500:]}")
    return r.stdout.strip().splitlines()[-1]


def _theirs_to_metric(c: dict, raw: float | None, how: str) -> float | None:
    """0.3.0's step time becomes the case's metric with the case's own FLOP definition."""
    if raw is None or how != "step_time":
        return raw
    cf = c["config"]
    gpus = int(c["system"]["gpus"])
    gb = cf.get("global_batch") or (int(cf["batch_size_per_dp"]) * int(cf["dp"]) if "batch_size_per_dp" in cf else None)
    if gb is None:
        gb = int(cf["micro_batch"]) * int(cf["dp"])
    seq = int(cf.get("seq_len") or 2048)
    tokens_s = int(gb) * seq / raw
    m = c["metric"]
    if m == "step_time":
        return raw
    if m == "tokens_per_second_per_gpu":
        return tokens_s / gpus
    if not c.get("flops_per_token") or not c.get("peak"):
        return None
    fl = c["flops_per_token"] * tokens_s / gpus
    if "hfu" in str(cf.get("flop_convention", "")) and cf.get("recompute") == "full":
        fl *= 4.0 / 3.0
    if m == "tflops_per_gpu":
        return fl / 1e12
    if m == "mfu":
        return fl / c["peak"]
    return None


def _err(pred, meas):
    return None if pred is None or not meas else (pred - meas) / meas


def _pct(e):
    return "—" if e is None else f"{100 * e:+.1f}%"


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n * 3 // 5] + "…" + s[len(s) - (n - 1 - n * 3 // 5):]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="also write the rows and medians to this file")
    ap.add_argument("--family", default="", help="one family only")
    args = ap.parse_args(argv)

    ours_py = _venvs.ours_python()
    theirs_py = _venvs.ensure_venv_030(log=lambda m: print(m, file=sys.stderr))
    cases = json.loads(_run(ours_py, OURS, [args.family]))
    theirs = json.loads(_run(theirs_py, THEIRS, [], stdin=json.dumps(cases)))

    rows = []
    for c in cases:
        t = theirs.get(c["id"], {"value": None, "how": "not run"})
        tv = _theirs_to_metric(c, t["value"], t["how"])
        rows.append({"id": c["id"], "family": c["family"], "unit": c["unit"], "measured": c["measured"],
                     "ours": c["predicted"] if c["status"] == "ok" else None, "ours_status": c["status"],
                     "theirs": tv, "theirs_how": t["how"],
                     "ours_error": _err(c["predicted"], c["measured"]) if c["status"] == "ok" else None,
                     "theirs_error": _err(tv, c["measured"])})

    print(f"{'case':<34} {'measured':>10} {'ours':>9} {'0.3.0':>9}")
    fam = None
    for r in rows:
        if r["family"] != fam:
            fam = r["family"]
            print(f"\n{fam}")
        if r["ours_error"] is None and r["theirs_error"] is None:
            continue
        print(f"  {_clip(r['id'], 32):<32} {r['measured']:>10.4g} {_pct(r['ours_error']):>9} {_pct(r['theirs_error']):>9}")

    def med(key, subset):
        vals = [abs(r[key]) for r in subset if r[key] is not None]
        return (statistics.median(vals), len(vals)) if vals else (None, 0)

    both = [r for r in rows if r["ours_error"] is not None and r["theirs_error"] is not None]
    m_ours, n_ours = med("ours_error", rows)
    m_theirs, n_theirs = med("theirs_error", rows)
    mb_ours, nb = med("ours_error", both)
    mb_theirs, _ = med("theirs_error", both)
    fmt = lambda v: "—" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    print()
    print(f"median |error|, ours:  {fmt(m_ours)} over {n_ours} counted cases")
    print(f"median |error|, 0.3.0: {fmt(m_theirs)} over {n_theirs} cases it can express")
    print(f"on the {nb} cases both predict: ours {fmt(mb_ours)}, 0.3.0 {fmt(mb_theirs)}")
    skipped: dict[str, int] = {}
    for r in rows:
        if r["theirs_error"] is None and r["ours_error"] is not None:
            skipped[r["theirs_how"]] = skipped.get(r["theirs_how"], 0) + 1
    if skipped:
        print("\ncases 0.3.0 cannot express:")
        for why, n in sorted(skipped.items(), key=lambda kv: -kv[1]):
            print(f"  {n:>3}  {why[:72]}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "median_ours": m_ours, "median_030": m_theirs,
                                         "median_both_ours": mb_ours, "median_both_030": mb_theirs,
                                         "n_both": nb}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
