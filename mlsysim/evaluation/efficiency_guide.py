"""The efficiency guide: what fraction of peak (MFU) real software reaches, regime by regime.

Data: ``mlsysim/data/efficiency_regimes/<id>.toml``, one file per regime::

    id = "batch1_decode"
    title = "Inference decode, batch 1"
    order = 3                           # position in the guide's table
    mfu_range = [0.0017, 0.0048]        # the measurements' envelope, 2 significant digits, rounded outward
    seed_range = [0.01, 0.05]           # optional: what the seed README's table said (kept for comparison)
    rationale = "..."                   # why MFU sits there (one paragraph)

    [representative]                    # the configuration the engine predicts for this regime
    model = "Llama3_8B"  hardware = "H100"  batch_size = 1  precision = "bf16"
    mode = "serving"                    # training | inference | serving
    seq_len = 5  output_len = 200       # optional: tp_size, pp_size, nodes, fabric, microbatch_size,
                                        #   activation_recomputation, attention
    # serving only, optional: batching = "inflight" (continuous batching; default "static"),
    #   batch_size = "max" (the largest batch whose KV fits: ServingResult.max_batch_size of a
    #   batch-1 call, the rule the validation adapter uses for offline max-throughput runs),
    #   max_num_tokens = 8192 or "trtllm-bench" (the token budget trtllm-bench derives itself),
    #   runtime = "TensorRT-LLM" (the measured runtime: selects its kernels, e.g. the Hopper-native
    #   prompt attention), attention_kernel = "auto" | "flash2" | "flash3",
    #   cuda_graph_batch_sizes = [1, 2, 4, ...] (the runtime's CUDA-graph batch sizes with padding
    #   enabled, as the measurement's source states them; with max_num_tokens = "trtllm-bench" they
    #   are cut as the TensorRT-LLM engine captures them: serving.cuda_graph_capture_sizes)

    [[measurements]]                    # a published measurement, turned into an MFU
    case = "gptfast_llama2_7b_bf16_1gpu_a100_330w"   # a validation case: value, device, source from there
    work = "2 * 6.738e9 FLOP"           # model FLOPs per item of the measured rate (pint expression)

    [[measurements]]                    # or everything stated here
    label = "..."  hardware = "STM32L4R5"  precision = "int8"  devices = 1
    work = "5.31 MFLOP"  rate = "5.497 / s"        # or: mfu = 0.415 when the source states the MFU
    [measurements.source]  url = "..."  title = "..."  locator = "..."  retrieved = 2026-11-22
                           confidence = "V"  quote = "..."

A measurement's MFU is work × rate / (devices × dense peak of its device at its precision, from
the hardware registry). :func:`predict` runs the engine with its default efficiencies on the
representative configuration; ``tests/test_efficiency_guide.py`` checks that it lands in the range.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache

from ..core.errors import ConfigError, UnknownNameError
from ..registry import DATA_DIR

__all__ = ["Regime", "Measurement", "Prediction", "regimes", "efficiency_regimes", "regime", "predict", "outward_range", "serving_run_mfu",
           "markdown", "REGIMES_DIR"]

REGIMES_DIR = DATA_DIR / "efficiency_regimes"
_MODES = ("training", "inference", "serving")


@dataclass(frozen=True)
class Measurement:
    """One published measurement and the MFU it implies."""

    label: str
    mfu: float
    derivation: str  #: how the MFU follows from the published number
    source: dict  #: url, title, locator, retrieved, confidence, quote
    case: str | None = None  #: the validation case it comes from, if any

    @property
    def confidence(self) -> str:
        return self.source.get("confidence", "U")


@dataclass(frozen=True)
class Regime:
    """A row of the efficiency guide: a regime, its measured MFU range and a representative config."""

    id: str
    title: str
    order: int
    mfu_range: tuple[float, float]
    rationale: str
    representative: dict
    measurements: tuple[Measurement, ...]
    seed_range: tuple[float, float] | None = None
    path: str = ""

    def contains(self, mfu: float) -> bool:
        lo, hi = self.mfu_range
        return lo <= mfu <= hi

    @property
    def envelope(self) -> tuple[float, float]:
        """Smallest and largest MFU among the measurements."""
        values = [m.mfu for m in self.measurements]
        return min(values), max(values)


@dataclass(frozen=True)
class Prediction:
    """The engine's MFU for a regime's representative configuration."""

    regime: str
    mfu: float
    call: str  #: the solver call that produced it
    details: dict  #: other terms worth printing (bottleneck, phase MFUs, latency)

    @property
    def inside(self) -> bool:
        return regime(self.regime).contains(self.mfu)


def outward_range(lo: float, hi: float, digits: int = 2) -> tuple[float, float]:
    """``(lo, hi)`` rounded outward to ``digits`` significant digits (the guide's rounding rule)."""

    def step(x):
        return 10 ** (math.floor(math.log10(abs(x))) - digits + 1)

    s_lo, s_hi = step(lo), step(hi)
    return (round(math.floor(lo / s_lo + 1e-9) * s_lo, 12), round(math.ceil(hi / s_hi - 1e-9) * s_hi, 12))


def _peak(hardware: str, precision: str) -> float:
    from ..solvers._inputs import as_hardware
    from ..solvers._terms import peak_rate

    return peak_rate(as_hardware(hardware), precision)[0]


def _per_second(q, where: str) -> float:
    """A measured rate (``5.497 / s``, ``104.9 tok/s``) or a time per item (``36.87 ms``) as items per second."""
    from ..core.units import Q_

    dims = dict(q.dimensionality)
    if dims == {"[time]": 1}:
        return 1.0 / q.to("s").magnitude
    if dims.get("[time]") == -1 and len(dims) <= 2:  # items (tokens, samples...) per unit of time
        return float((q * Q_(1, "s")).to_reduced_units().magnitude)
    raise ConfigError(f"{where}: case: measured {q} is neither a rate nor a time per item")


def _measurement(d: dict, where: str) -> Measurement:
    from ..core.units import Q_

    d = dict(d)
    source = d.pop("source", None)
    case_id = d.get("case")
    if case_id:
        from ..validation.cases import VALIDATION_DIR, load_case

        found = sorted(VALIDATION_DIR.glob(f"*/{case_id}.toml"))
        if not found:
            raise ConfigError(f"{where}: case: no validation case {case_id!r}")
        case = load_case(found[0])
        source = source or case.source
        d.setdefault("label", case.title)
        d.setdefault("hardware", case.system.get("hardware"))
        d.setdefault("devices", int(case.system.get("gpus", 1)))
        d.setdefault("precision", case.config.get("precision"))
        if case.measured.dimensionless and "mfu" in case.metric:
            d.setdefault("mfu", float(case.measured.magnitude))
        else:
            d.setdefault("rate", f"{_per_second(case.measured, where)!r} / s")
    if not isinstance(source, dict) or not source.get("url"):
        raise ConfigError(f"{where}: source: every measurement needs a source with a url")
    label = d.get("label") or where
    if "mfu" in d:
        return Measurement(label, float(d["mfu"]), "MFU as stated by the source", source, case_id)
    for key in ("work", "rate", "hardware", "precision"):
        if not d.get(key):
            raise ConfigError(f"{where}: {key}: missing (give mfu, or work, rate, hardware and precision)")
    work = Q_(d["work"]).to("FLOP").magnitude
    rate = Q_(d["rate"]).to("1/s").magnitude
    devices = int(d.get("devices", 1))
    peak = _peak(d["hardware"], d["precision"])
    mfu = work * rate / (devices * peak)
    how = (f"{work:.4g} FLOP x {rate:.4g}/s / ({devices} x {d['hardware']} {d['precision']} peak {peak:.4g} FLOP/s)")
    return Measurement(label, mfu, how, source, case_id)


def _regime(path) -> Regime:
    where = path.name
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    rep = data.get("representative") or {}
    if rep.get("mode") not in _MODES:
        raise ConfigError(f"{where}: representative.mode: expected one of {', '.join(_MODES)}, got {rep.get('mode')!r}")
    ms = tuple(_measurement(m, f"{where}: measurements[{i}]") for i, m in enumerate(data.get("measurements", ())))
    if not ms:
        raise ConfigError(f"{where}: measurements: a regime needs at least one published measurement")
    lo, hi = data["mfu_range"]
    seed = data.get("seed_range")
    return Regime(data.get("id", path.stem), data["title"], int(data.get("order", 99)), (float(lo), float(hi)),
                  " ".join(str(data.get("rationale", "")).split()), rep, ms,
                  tuple(float(x) for x in seed) if seed else None, str(path))


@lru_cache(maxsize=1)
def regimes() -> tuple[Regime, ...]:
    """Every regime of the guide, in table order."""
    return tuple(sorted((_regime(p) for p in sorted(REGIMES_DIR.glob("*.toml"))), key=lambda r: (r.order, r.id)))


efficiency_regimes = regimes  #: the public name (``mlsysim.efficiency_regimes()``)


def regime(name: str) -> Regime:
    for r in regimes():
        if r.id == name:
            return r
    import difflib

    raise UnknownNameError("efficiency regime", name, difflib.get_close_matches(str(name), [r.id for r in regimes()], n=2))


def serving_run_mfu(result, model, hardware) -> float:
    """MFU of a whole serving run: 2·P·(s + o)·(requests/s) / (n_tp · peak).

    The same convention as the guide's serving measurements: two FLOPs per parameter for every
    prompt and generated token, attention excluded. Static batching: B requests per
    T_e2e = TTFT + o·ITL; in-flight batching: the steady-state output tokens/s over o.
    """
    from ..solvers._inputs import as_model

    out = result.output_len or 0
    tokens = result.seq_len + out
    if getattr(result, "batching", "static") == "inflight" and out:
        rate = result.throughput.to("token/s").magnitude / out
    else:
        rate = result.batch_size / result.e2e_latency.to("s").magnitude
    flops = 2.0 * as_model(model).total_parameters * tokens * rate
    return flops / (result.tp_size * _peak(hardware, result.precision))


_DIST_KEYS = ("tp_size", "pp_size", "microbatch_size", "activation_recomputation", "sequence_parallel", "attention", "seq_len",
              "kernel_fusion", "dropout")


def predict(r: Regime | str) -> Prediction:
    """The engine's MFU, with its default efficiencies, for the regime's representative configuration."""
    r = regime(r) if isinstance(r, str) else r
    rep = dict(r.representative)
    model, hw, prec, mode = rep["model"], rep["hardware"], rep["precision"], rep["mode"]
    if mode == "serving":
        from ..solvers.serving import ServingModel, trtllm_bench_inputs

        def solve(k):
            return ServingModel().solve(model, hw, precision=prec, **k)

        kw = {k: rep[k] for k in ("seq_len", "output_len", "tp_size", "batching", "max_num_tokens", "runtime",
                                  "attention_kernel", "kv_cache_fraction") if k in rep}
        graphs = tuple(int(x) for x in rep["cuda_graph_batch_sizes"]) if "cuda_graph_batch_sizes" in rep else None
        note = ""
        if kw.get("max_num_tokens") == "trtllm-bench":  # the settings trtllm-bench derives itself (the adapter's rule)
            kw.pop("max_num_tokens")
            kw, _ = trtllm_bench_inputs(solve, kw, graphs)
            b = kw.pop("batch_size")
            note += " [max_num_tokens by trtllm-bench's rule]"
        else:
            if graphs is not None:
                kw["cuda_graph_batch_sizes"] = graphs
            b = solve({**kw, "batch_size": 1}).max_batch_size
        if rep["batch_size"] == "max":  # the largest batch whose KV fits (the validation adapter's rule)
            note += " [batch = max_batch_size of the batch-1 call]"
        else:
            b = int(rep["batch_size"])
        res = solve({**kw, "batch_size": b})
        args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
        return Prediction(r.id, serving_run_mfu(res, model, hw),
                          f"ServingModel().solve({model!r}, {hw!r}, batch_size={b}, precision={prec!r}, {args}){note}",
                          {"decode_mfu": res.decode_mfu, "prefill_mfu": res.prefill_mfu, "bottleneck": res.bottleneck,
                           "e2e_latency_s": res.e2e_latency.to("s").magnitude, "feasible": res.feasible})
    b = int(rep["batch_size"])
    if mode == "training" and rep.get("nodes"):
        from ..config import config_from_dict
        from ..solvers.distributed import DistributedModel

        hw_section = ({"name": hw, "nodes": int(rep["nodes"])} | ({"fabric": rep["fabric"]} if rep.get("fabric") else {})
                      | ({"accelerators_per_node": int(rep["accelerators_per_node"])} if rep.get("accelerators_per_node") else {}))
        fleet = config_from_dict({"workload": {"name": model, "mode": "training", "batch_size": b},
                                  "hardware": hw_section}, where="representative").fleet
        kw = {k: rep[k] for k in _DIST_KEYS if k in rep}
        res = DistributedModel().solve(model, fleet, b, precision=prec, **kw)
        args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
        return Prediction(r.id, res.mfu, f"DistributedModel().solve({model!r}, <{fleet.name}>, {b}, precision={prec!r}, {args})",
                          {"bottleneck": res.bottleneck, "step_time_s": res.step_time.to("s").magnitude, "feasible": res.feasible})
    from ..solvers.roofline import SingleNodeModel

    kw = {k: rep[k] for k in ("seq_len",) if k in rep}
    res = SingleNodeModel().solve(model, hw, batch_size=b, precision=prec, mode=mode, **kw)
    args = "".join(f", {k}={v!r}" for k, v in kw.items())
    return Prediction(r.id, res.mfu, f"SingleNodeModel().solve({model!r}, {hw!r}, batch_size={b}, precision={prec!r}, "
                                      f"mode={mode!r}{args})",
                      {"bottleneck": res.bottleneck, "latency_ms": res.latency.to("ms").magnitude, "feasible": res.feasible})


def markdown(with_predictions: bool = True) -> str:
    """The guide as a Markdown table (for the README and the web book): regime, measured MFU range,
    the engine's prediction for the representative configuration, and the sources."""

    def pct(x):
        return f"{x:.2%}" if x < 0.01 else f"{x:.0%}" if x >= 0.1 else f"{x:.1%}"

    head = "| regime | measured MFU | " + ("engine | " if with_predictions else "") + "sources |"
    lines = [head, "|:--|:--|" + (":--|" if with_predictions else "") + ":--|"]
    for r in regimes():
        lo, hi = r.mfu_range
        urls = dict.fromkeys(m.source["url"] for m in r.measurements)
        links = ", ".join(f"[{i + 1}]({u})" for i, u in enumerate(urls))
        cell = f"{pct(lo)}-{pct(hi)}"
        if with_predictions:
            p = predict(r)
            cell += f" | {pct(p.mfu)}{'' if r.contains(p.mfu) else ' (outside)'}"
        lines.append(f"| {r.title} | {cell} | {links} |")
    return "\n".join(lines)
