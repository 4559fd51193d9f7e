"""Edge-tier cases (microcontrollers, phones, Jetsons, workstations): one forward pass through
``SingleNodeModel`` (CNN and encoder latency and throughput), LLM decode and prefill through
``ServingModel``.

Every input is one the source states: model, device, precision, batch, lengths, the runtime's
weight format (llama.cpp ``Q4_0``, ``Q4_K_M``; AWQ group size) and the compute unit the runtime
uses (NVIDIA's MLPerf Offline runs use the GPU and both DLAs, SingleStream the GPU only;
llama.cpp, TinyChat and Hugging Face run on the GPU). What the source leaves open is a
documented rule, the same for every case, never a per-case number:

- ``latency`` of a fixed-shape model: ``SingleNodeModel(...).latency`` at the stated batch
  (1 when the scenario is single-stream). MLPerf Tiny and MLPerf SingleStream report one
  inference at a time.
- A transformer whose stated ``seq_len`` is the dataset's maximum (``seq_len_kind = "max"``: MLPerf
  BERT on SQuAD v1.1, max 384, run by NVIDIA's harness with variable-length kernels that skip the
  padding): SingleStream latency (the 90th percentile) is predicted at that length, the work of
  a full window; Offline throughput depends on the mean length, which the source does not
  state, so it is not run (the padded length would give a lower bound, not a prediction).
- Offline ``throughput`` (samples/s) with no batch stated: the device is kept full, so the
  batch is the largest whose footprint fits the device memory (at most 4,096: the sample
  count beyond which the roofline throughput no longer changes to 0.1%).
- llama.cpp ``llama-bench`` (text generation ``tg N``, prompt processing ``pp N``): ``tg``
  generates N tokens from an empty prompt (tokens/s = 1 / ITL at the mean context N/2),
  ``pp`` processes an N-token prompt (tokens/s = N / TTFT). Lengths the source does not state
  are llama-bench's defaults, ``-p 512 -n 128``.
- TinyChat per-token decode latency: ITL at batch 1 after a 512-token prompt when the prompt
  is not stated exactly (the README asks for a prompt of "> 500 tokens"), 128 generated tokens.
- ``energy_per_inference`` = predicted latency x the device's rated power (``tdp``); a device
  with no sourced power rating is not run (the measured power of the run is never an input).
- Microcontrollers: the runtime's kernel library is an input (TFLM with reference kernels, with
  CMSIS-NN, with ESP-NN; X-CUBE-AI; microTVM), keyed by ``_defaults.runtime_family``; a
  single-threaded runtime (TFLM) is priced on one core of a multi-core part (the solver's
  ``_defaults.runtime_unit``); a TFLM run whose kernel library is not stated is not predicted
  (``_require_kernel_library``).
- A prediction whose binding term rests on an uncalibrated default (no measured device of the
  tier, ``_defaults._lookup``: the peak is assumed) is a bound, not a prediction: the case is
  shown as not run, with the default it lacks, never counted.
"""

from __future__ import annotations

from ._common import NotRunnable, Prediction, hardware_of, model_of, number, precision_of

__all__ = ["predict"]

#: llama-bench defaults (llama.cpp examples/llama-bench: n_prompt 512, n_gen 128)
LLAMA_BENCH_PROMPT = 512
LLAMA_BENCH_GEN = 128
#: largest batch tried for an Offline scenario with no batch stated
OFFLINE_MAX_BATCH = 4096


def _precision(case) -> str:
    p, _ = precision_of(case.config.get("precision"), "")
    if not p or str(case.config.get("precision", "")).lower() == "unknown":
        raise NotRunnable("precision not stated by the source")
    return p


def _compute_unit(case) -> str | None:
    """The compute unit the source says the runtime used (None: the device's default): the leading
    word of ``system.compute_unit`` when it names an engine (``CPU (Kryo ...)``: ExecuTorch's XNNPACK
    runs on the CPU cores), else the engines in ``config.accelerators_used``, else the framework's."""
    stated = str((case.system or {}).get("compute_unit", "")).strip().lower().split(" ")[0]
    if stated in ("cpu", "gpu", "npu", "dla"):
        return stated
    used = str(case.config.get("accelerators_used", "")).lower()
    if used:
        if "dla" in used and "gpu" in used and "+" in used:
            return "all"
        if used.startswith("gpu"):
            return "gpu"
    fw = str(case.config.get("framework", "")).lower()
    if any(k in fw for k in ("llama.cpp", "tinychat", "huggingface", "hugging face", "metal", "cuda")):
        return "gpu"
    return None


def _weight_format(case) -> str | None:
    f = str(case.config.get("format", "")).strip()
    return f if f.upper().startswith("Q") else None


def _runtime(case) -> str | None:
    """The runtime the source names (``config.framework``), passed to the solver so that
    runtime-specific calibration rows (microcontroller kernels, dispatch costs) apply; the solver
    keys them on the kernel-library family parsed from it (``_defaults.runtime_family``)."""
    fw = str(case.config.get("framework", "")).strip()
    return fw or None


def _require_kernel_library(hw, kw: dict) -> None:
    """Microcontroller rule, the same for every case: a TensorFlow Lite Micro run whose kernel
    library the source does not state (``_defaults.runtime_family`` -> 'tflm') is not predicted: the
    libraries differ several-fold on one core (ESP32-S3 person detection 2300 ms with TFLM's
    reference kernels, 54 ms with ESP-NN, espressif/esp-tflite-micro README; CMSIS-NN 4.6x faster
    than a baseline on a Cortex-M7, Lai et al. 2018, arXiv:1801.06601). The core count is the
    solver's rule (``_defaults.runtime_unit``: a single-threaded runtime runs on one core)."""
    from ...solvers._defaults import runtime_family

    if getattr(hw, "tier", None) == "tiny" and runtime_family(kw.get("runtime")) == "tflm":
        raise NotRunnable("kernel library not stated: TensorFlow Lite Micro with reference kernels or with "
                          "CMSIS-NN/ESP-NN differs several-fold, and the source does not confirm which ran")


def _calibrated(pred: Prediction) -> Prediction:
    """Raise NotRunnable when the bound the prediction names rests on an uncalibrated default."""
    key = {"compute": "compute efficiency", "memory": "memory efficiency"}.get(pred.bottleneck or "")
    if key:
        for note in pred.notes:
            if note.startswith(key) and "uncalibrated" in note:
                raise NotRunnable(f"{pred.bottleneck}-bound on an uncalibrated default ({note}): a bound, not a prediction")
    return pred


def _has_peak(hw, kw) -> None:
    """NotRunnable when the device has no published peak for the stated precision."""
    from ...core.errors import ConfigError

    try:
        hw.unit(kw.get("compute_unit")).peak(kw["precision"])
    except ConfigError as exc:
        raise NotRunnable(f"{hw.id}: {exc} (no sourced peak for the stated precision)") from None


def _call(kind: str, model, hw, kw: dict) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return f"{kind}().solve({getattr(model, 'id', None) or model.name!r}, {getattr(hw, 'id', None) or hw.name!r}, {args})"


def _single(case, model, hw, kw):
    from ...solvers.roofline import SingleNodeModel

    import inspect

    allowed = inspect.signature(SingleNodeModel.solve).parameters
    for k in kw:
        if k not in allowed:
            raise NotRunnable(f"SingleNodeModel has no input {k!r}")
    return SingleNodeModel().solve(model, hw, **kw)


def _node_kwargs(case, model) -> dict:
    cf = case.config
    kw = {"precision": _precision(case)}
    unit = _compute_unit(case)
    if unit:
        kw["compute_unit"] = unit
    if _runtime(case):
        kw["runtime"] = _runtime(case)
    if getattr(model, "kind", None) == "transformer":
        if "seq_len" not in cf:
            raise NotRunnable("sequence length not stated")
        kw["seq_len"] = int(number(cf["seq_len"], "seq_len"))
    return kw


def _latency(case):
    model, hw = model_of(case), hardware_of(case)
    if getattr(model, "kind", None) == "transformer" and getattr(model, "architecture", "decoder") == "decoder":
        raise NotRunnable("latency of a whole generation query (prefill + every generated token) needs the "
                          "dataset's per-sample input and output lengths, which the source does not state")
    kw = {"batch_size": int(number(case.config.get("batch_size", 1), "batch_size")), **_node_kwargs(case, model)}
    _require_kernel_library(hw, kw)
    _has_peak(hw, kw)
    r = _single(case, model, hw, kw)
    return Prediction(r.latency.to("ms"), _call("SingleNodeModel", model, hw, kw) + ".latency", r.bottleneck.lower(),
                      tuple(r.assumptions))


def _offline(case):
    model, hw = model_of(case), hardware_of(case)
    if case.unit.startswith("tok"):
        raise NotRunnable("Offline generated tokens/s of a summarization dataset needs its per-sample input and "
                          "output lengths, which the source does not state")
    if getattr(model, "kind", None) == "transformer" and str(case.config.get("seq_len_kind", "")) == "max":
        raise NotRunnable("Offline throughput over a variable-length dataset run with unpadded kernels (the source "
                          "states only the maximum sequence length) needs the dataset's mean tokenized length, which "
                          "the source does not state: the padded length gives a lower bound, not a prediction")
    kw = _node_kwargs(case, model)
    _require_kernel_library(hw, kw)
    _has_peak(hw, kw)
    if "batch_size" in case.config:
        b = int(number(case.config["batch_size"], "batch_size"))
        rule = ""
    else:
        lo, hi = 1, OFFLINE_MAX_BATCH  # largest batch that fits (the footprint grows with the batch)
        if not _single(case, model, hw, {"batch_size": 1, **kw}).feasible:
            raise NotRunnable("one sample does not fit in device memory")
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if _single(case, model, hw, {"batch_size": mid, **kw}).feasible:
                lo = mid
            else:
                hi = mid - 1
        b = lo
        rule = " [batch = largest that fits, at most 4096]"
    kw = {"batch_size": b, **kw}
    r = _single(case, model, hw, kw)
    gpus = int(case.system.get("gpus", 1))
    return Prediction(r.throughput.to("sample/s") * gpus, _call("SingleNodeModel", model, hw, kw) + ".throughput" + rule,
                      r.bottleneck.lower(), tuple(r.assumptions))


def _serving_kwargs(case) -> dict:
    cf = case.config
    p = _precision(case)
    _, group = precision_of(cf.get("format") or cf.get("precision"), p)
    kw = {"precision": p}
    fmt = _weight_format(case)
    if fmt:
        kw["weight_format"] = fmt
    elif group:
        kw["quant_group_size"] = group
    unit = _compute_unit(case)
    if unit:
        kw["compute_unit"] = unit
    if _runtime(case):
        kw["runtime"] = _runtime(case)
    return kw


def _serve(model, hw, kw):
    from ...solvers.serving import ServingModel

    import inspect

    allowed = inspect.signature(ServingModel.solve).parameters
    for k in kw:
        if k not in allowed:
            raise NotRunnable(f"ServingModel has no input {k!r}")
    if "precision" in kw and "weight_format" not in kw:
        _has_peak(hw, kw)
    return ServingModel().solve(model, hw, **kw)


def _decode(case, per_token: bool):
    from ...core.units import Q_

    model, hw = model_of(case), hardware_of(case)
    cf = case.config
    b = int(number(cf.get("batch_size", 1), "batch_size"))
    # the stated prompt; else TinyChat's "> 500 tokens" (per-token latency) or llama-bench tg N's empty prompt
    s = int(number(cf["input_len"], "input_len")) if "input_len" in cf else (LLAMA_BENCH_PROMPT if per_token else 1)
    out = int(number(cf["output_len"], "output_len")) if "output_len" in cf else LLAMA_BENCH_GEN
    kw = {"seq_len": s, "batch_size": b, "output_len": out, **_serving_kwargs(case)}
    r = _serve(model, hw, kw)
    itl = r.itl.to("s").magnitude
    call = _call("ServingModel", model, hw, kw)
    if per_token:
        return Prediction(Q_(itl * 1e3, "ms"), call + ".itl", r.decode_bottleneck.lower(), tuple(r.assumptions))
    return Prediction(Q_(b / itl, "token/s"), call + " -> batch / itl", r.decode_bottleneck.lower(), tuple(r.assumptions))


def _prefill(case):
    from ...core.units import Q_

    model, hw = model_of(case), hardware_of(case)
    cf = case.config
    b = int(number(cf.get("batch_size", 1), "batch_size"))
    s = int(number(cf["input_len"], "input_len")) if "input_len" in cf else LLAMA_BENCH_PROMPT
    kw = {"seq_len": s, "batch_size": b, **_serving_kwargs(case)}
    r = _serve(model, hw, kw)
    return Prediction(Q_(b * s / r.ttft.to("s").magnitude, "token/s"), _call("ServingModel", model, hw, kw) +
                      " -> batch·seq_len / ttft", r.prefill_bottleneck.lower(), tuple(r.assumptions))


def _energy(case):
    hw = hardware_of(case)
    if hw.tdp is None:
        raise NotRunnable(f"{hw.id} has no sourced power rating (tdp) to turn latency into energy; the run's "
                          "measured power is not an input")
    lat = _latency(case)
    e = (lat.value * hw.tdp).to("uJ")
    return Prediction(e, lat.call + f" x tdp {hw.tdp:~}", lat.bottleneck, lat.notes)


def predict(case) -> Prediction:
    if case.system.get("hardware_missing"):
        raise NotRunnable(f"hardware {case.system.get('hardware')} is not in the registry (no published peak)")
    m = case.metric
    if m == "latency":
        return _calibrated(_latency(case))
    if m == "throughput":
        return _calibrated(_offline(case))
    if m == "energy_per_inference":
        return _calibrated(_energy(case))
    if m == "decode_tokens_per_second":
        return _calibrated(_decode(case, per_token=False))
    if m == "time_per_output_token":
        return _calibrated(_decode(case, per_token=True))
    if m == "prefill_tokens_per_second":
        return _calibrated(_prefill(case))
    raise NotRunnable(f"metric {m!r} is not predicted by the edge adapter")
