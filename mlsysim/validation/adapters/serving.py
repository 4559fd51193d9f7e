"""Serving cases: LLM decode and offline throughput through ``ServingModel``, CNN and encoder
throughput through ``SingleNodeModel``.

Every input is one the source states (model, device, tensor parallelism, batch, prompt and output
lengths, precision, power cap). What the source leaves open is a documented rule, the same for
every case, never a per-case number:

- batch-1 decode (gpt-fast): tokens/s = output_len / (TTFT + output_len · ITL), as gpt-fast
  measures it (``generate.py``: tokens generated / wall time of ``generate``).
- offline maximum throughput (MLPerf Offline, trtllm-bench at an infinite request rate): the
  runtime schedules in-flight (``trtllm-bench executes all benchmarks using in-flight batching``, TensorRT-LLM
  perf-benchmarking docs), so ``ServingModel(batching="inflight")`` with the settings
  trtllm-bench derives itself (tensorrt_llm/bench/build/tuning.py ``finetune_setting``):
  max_num_tokens = the estimated max batch x (1 + ISL/OSL), rounded up, at least 2,048, at most
  32,768 (the batch estimate: 0.95 of the memory beside the weights over the KV of ISL + OSL
  tokens, at most 4,096); the batch is the number of requests whose whole KV fits the runtime's
  KV pool (``ServingResult.max_batch_size``: 0.9 of the memory left after weights and
  activations, GUARANTEED_NO_EVICT), one replica per ``tp`` devices; output tokens/s =
  replicas x the steady-state throughput. The efficiency guide uses the same rule
  (``batch_size = "max"``).
- CUDA-graph padding: a trtllm-bench run of TensorRT-LLM's performance overview (the case's source
  is docs/source/performance/perf-overview.md) ran with the ``llm_options.yml`` that page states for
  every dense-model run (``cuda_graph_config: enable_padding: true, batch_sizes: [1, 2, 4, ...,
  384, 512, 1024, ..., 8192]``, section "Running the Benchmark"), so it is solved with
  ``cuda_graph_batch_sizes`` = that list as the PyTorch engine captures it for trtllm-bench's max
  batch and token budget (``cuda_graph_capture_sizes``): generation-only iterations compute the
  next captured batch size. A ``config.cuda_graph_batch_sizes`` stated by a case is used as given.
- KV-cache share: the same section states the procedure behind its tables: "In many cases, we
  also use a higher KV cache percentage by setting ``--kv_cache_free_gpu_mem_fraction 0.95`` ...
  This allows us to obtain better performance than the default setting of 0.90. We fall back to
  0.90 or lower if out-of-memory errors are encountered." A maximum-throughput table is therefore
  read as 0.95 wherever it fits: every perf-overview case is solved with
  ``kv_cache_fraction=0.95`` (the model's pool, 0.95 of the memory beside weights and one
  iteration's activations, never overflows, so the fallback is never taken). Sensitivity, for the
  record: at the runtime default 0.90 the 405B TP8 128/2048 case is +26.0% instead of +10.6% and
  the 70B TP2 1000/1000 case +16.2% instead of +4.9%; the other four move by under 3 points.
- the runtime: a case whose ``config.framework`` names TensorRT-LLM (trtllm-bench, the MLPerf
  harness) is solved with ``runtime="TensorRT-LLM"``, which on a Hopper GPU prices the prompt
  attention at the Hopper-native context-FMHA kernel (``ServingModel`` ``attention_kernel="auto"``).
- one GCD of a multi-die package (MI250X): the package's figures divided by its dies, as the
  source says the runtime sees each GCD as one device.
"""

from __future__ import annotations

from ._common import NotRunnable, Prediction, hardware_of, model_of, number, precision_of, qty

__all__ = ["predict"]

#: TensorRT-LLM's performance overview, whose "Running the Benchmark" section states the CUDA-graph
#: configuration of its trtllm-bench runs
_PERF_OVERVIEW = "docs/source/performance/perf-overview.md"
#: the KV-cache share of free memory that page states for its tables (``--kv_cache_free_gpu_mem_fraction
#: 0.95``, falling back to 0.90 only on out-of-memory errors)
PERF_OVERVIEW_KV_FRACTION = 0.95


def _device(case):
    hw = hardware_of(case)
    gcds = case.system.get("gcds")
    per_pkg = case.system.get("gcds_per_package")
    if gcds and per_pkg and gcds < per_pkg:
        f = gcds / per_pkg
        c = hw.compute
        peaks = {p: c.peaks[p] * f for p in c.peaks}
        mem = hw.memory.copy(capacity=hw.memory.capacity * f, bandwidth=hw.memory.bandwidth * f)
        hw = hw.copy(name=f"{hw.name} ({gcds} of {per_pkg} GCDs)", compute=c.copy(peak_flops=c.peak_flops * f, **peaks),
                     memory=mem, tdp=hw.tdp * f if hw.tdp is not None else None)
    return hw


def _common_kwargs(case) -> dict:
    cf, sy = case.config, case.system
    precision, group = precision_of(cf.get("precision"), "bf16")
    kw = {"precision": precision}
    if group:
        kw["quant_group_size"] = group
    if "tp" in cf:
        kw["tp_size"] = int(cf["tp"])
    if sy.get("power_cap"):
        kw["power_cap"] = sy["power_cap"]
    if "one-shot" in str(cf.get("allreduce", "")).lower():
        kw["allreduce"] = "one_shot"
    fw = str(cf.get("framework", "")).lower()
    if "tensorrt-llm" in fw or "trtllm" in fw:  # the runtime the source states: selects its kernels
        kw["runtime"] = "TensorRT-LLM"          # (context FMHA: Hopper-native on sm_90, ServingModel attention_kernel)
    return kw


def _call_text(model, hw, kw) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return f"ServingModel().solve({getattr(model, 'id', None) or model.name!r}, {getattr(hw, 'id', None) or hw.name!r}, {args})"


def _solve(model, hw, kw):
    from ...solvers.serving import ServingModel

    import inspect

    allowed = inspect.signature(ServingModel.solve).parameters
    missing = [k for k in kw if k not in allowed]
    if missing:  # an input the source states but the solver cannot take yet
        raise NotRunnable(f"ServingModel has no input {missing[0]!r}")
    return ServingModel().solve(model, hw, **kw)


def _decode_tps(case):
    model, hw = model_of(case), _device(case)
    cf = case.config
    b = int(number(cf.get("batch_size", 1), "batch_size"))
    out = int(number(cf.get("output_len"), "output_len")) if "output_len" in cf else None
    if out is None:
        raise NotRunnable("output length not stated")
    kw = {"seq_len": int(number(cf.get("input_len"), "input_len")), "batch_size": b, "output_len": out, **_common_kwargs(case)}
    r = _solve(model, hw, kw)
    e2e = r.ttft.to("s").magnitude + out * r.itl.to("s").magnitude
    from ...core.units import Q_

    return Prediction(Q_(b * out / e2e, "token/s"), _call_text(model, hw, kw) + " -> batch·output_len/(ttft + output_len·itl)",
                      r.decode_bottleneck.lower(), tuple(r.assumptions))


def _offline_tps(case):
    model, hw = model_of(case), _device(case)
    cf, sy = case.config, case.system
    if "input_len" not in cf or "output_len" not in cf:
        raise NotRunnable("input and output lengths not stated")
    s, out = int(number(cf["input_len"], "input_len")), int(number(cf["output_len"], "output_len"))
    kw = {"seq_len": s, "output_len": out, **_common_kwargs(case), "batching": "inflight"}
    tp = kw.get("tp_size", 1)
    gpus = int(sy.get("gpus", tp))
    replicas = max(1, gpus // tp)
    from ...solvers.serving import TRTLLM_BENCH_CUDA_GRAPH_BATCH_SIZES, trtllm_bench_inputs

    bench = "trtllm-bench" in str(cf.get("framework", ""))  # otherwise the solver's default token budget
    graphs = cf.get("cuda_graph_batch_sizes")
    perf_overview = bench and str(case.source.get("url", "")).endswith(_PERF_OVERVIEW)
    if graphs is None and perf_overview:
        graphs = TRTLLM_BENCH_CUDA_GRAPH_BATCH_SIZES  # the llm_options.yml the perf overview states
    if perf_overview and "kv_cache_fraction" not in cf:
        kw["kv_cache_fraction"] = PERF_OVERVIEW_KV_FRACTION  # the share the perf overview states
    elif "kv_cache_fraction" in cf:
        kw["kv_cache_fraction"] = float(number(cf["kv_cache_fraction"], "kv_cache_fraction"))
    max_bs = None
    if bench:
        kw, max_bs = trtllm_bench_inputs(lambda k: _solve(model, hw, k), kw, graphs)
        b = kw["batch_size"]
    else:
        if graphs is not None:
            kw["cuda_graph_batch_sizes"] = tuple(int(x) for x in graphs)
        b = _solve(model, hw, {**kw, "batch_size": 1}).max_batch_size
    if "max_batch_size" in cf:
        b = min(b, int(cf["max_batch_size"]))
    if b < 1:
        raise NotRunnable("the weights do not fit on the stated devices")
    kw["batch_size"] = b
    r = _solve(model, hw, kw)
    from ...core.units import Q_

    rule = (f"min(max_batch_size of the batch-1 call, trtllm-bench max batch {max_bs}); max_num_tokens by trtllm-bench's rule"
            if max_bs else "max_batch_size of the batch-1 call")
    text = _call_text(model, hw, kw) + f".throughput [batch = {rule}]" + (f" x {replicas} replicas" if replicas > 1 else "")
    return Prediction(r.throughput.to("token/s") * replicas, text, r.decode_bottleneck.lower(), tuple(r.assumptions))


def _sample_throughput(case):
    """Images or sequences per second of a fixed-shape model at the stated (or a large) batch."""
    from ...solvers.roofline import SingleNodeModel

    model, hw = model_of(case), _device(case)
    cf = case.config
    if "batch_size" not in cf:
        raise NotRunnable("batch size not stated")
    precision, _ = precision_of(cf.get("precision"), "")
    if not precision:
        raise NotRunnable("precision not stated")
    kw = {"batch_size": int(number(cf["batch_size"], "batch_size")), "precision": precision}
    if getattr(model, "kind", None) == "transformer":
        if "seq_len" not in cf:
            raise NotRunnable("sequence length not stated")
        kw["seq_len"] = int(number(cf["seq_len"], "seq_len"))
    r = SingleNodeModel().solve(model, hw, **kw)
    gpus = int(case.system.get("gpus", 1))
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    text = f"SingleNodeModel().solve({model.id or model.name!r}, {hw.id or hw.name!r}, {args}).throughput" + (f" x {gpus}" if gpus > 1 else "")
    return Prediction(r.throughput.to("sample/s") * gpus, text, r.bottleneck.lower(), tuple(r.assumptions))


def predict(case) -> Prediction:
    m = case.metric
    if m == "decode_tokens_per_second":
        return _decode_tps(case)
    if m == "throughput":
        unit = case.unit
        if unit.startswith("tok"):
            if case.config.get("scenario", "").startswith("Server"):
                raise NotRunnable("Server scenario: throughput under Poisson arrivals needs a queueing model")
            return _offline_tps(case)
        return _sample_throughput(case)
    if m in ("ttft", "tpot"):
        raise NotRunnable(f"{m} under load (MLPerf Server) needs a queueing model of in-flight batching")
    raise NotRunnable(f"metric {m!r} is not predicted by the serving adapter")
