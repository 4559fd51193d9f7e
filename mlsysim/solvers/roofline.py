"""Single-node roofline: is a workload compute-bound or memory-bound on one device?

T = max(FLOPs / (peak·η), bytes / (β·η_mem)) + overhead        (Williams et al. 2009)

with the upper bound T_compute + T_memory + overhead (no overlap). ``Engine.solve`` is the
same function.

overhead = N_kernels x t_kernel: the kernels of one forward pass (``_terms.model_terms``: 10 per
transformer layer + 3; one per layer of a fused CNN engine, ``CNNWorkload.layers``) times the
measured cost per kernel of the device's tier (``_defaults.kernel_overhead``: a kernel-boundary
row, else a launch-overhead row, e.g. back-to-back empty-kernel launches on a Jetson Orin). At
batch 1 on an edge GPU each kernel is short, so the launch of the next one is on the critical
path (Williams et al.'s roofline bounds the work; the launch cost is additive to it).
"""

from __future__ import annotations

from typing import Literal

from ..core.errors import ConfigError
from ..core.precision import normalize_precision
from ..core.result import Result, field, qfield
from . import _defaults
from ._inputs import as_hardware, as_model, check_positive_int, efficiencies, opt_quantity
from ._range import range_notes
from ._terms import activation_bytes, bpe, forward_flops, hw_terms, model_terms, peak_rate, weight_read_params

__all__ = ["SingleNodeModel", "PerformanceProfile", "Engine"]


class PerformanceProfile(Result):
    """Result of ``SingleNodeModel.solve``: the roofline terms, bound and utilisation.

    See the math page: [site/math.qmd#mfu](../site/math.qmd#mfu).
    """

    model = field("workload name")
    hardware = field("device name")
    mode = field("'inference' (one forward pass) or 'training' (forward + backward + optimizer step)")
    precision = field("requested precision")
    precision_used = field("precision whose peak the device runs it at (differs when not native)")
    batch_size = field("samples (sequences for transformers) per step")
    seq_len = field("tokens per sequence (transformers), else None")
    flops = qfield("model FLOPs of the step", "FLOP", "GFLOP")
    hardware_flops = qfield("FLOPs executed, including recomputation", "FLOP", "GFLOP")
    memory_bytes = qfield("bytes moved to and from device memory", "B", "MB")
    arithmetic_intensity = qfield("FLOPs per byte moved", "FLOP/B")
    ridge_point = qfield("peak / bandwidth: the intensity where the bound switches", "FLOP/B")
    peak_flops = qfield("dense peak at the precision used", "FLOP/s", "TFLOP/s")
    memory_bandwidth = qfield("peak memory bandwidth", "B/s", "GB/s")
    compute_efficiency = field("achievable fraction of peak FLOP/s used (η)")
    memory_efficiency = field("achievable fraction of peak bandwidth used (η_mem)")
    compute_time = qfield("FLOPs / (peak·η)", "s", "ms")
    memory_time = qfield("bytes / (bandwidth·η_mem)", "s", "ms")
    overhead_time = qfield("fixed per-step overhead (kernel launches)", "s", "ms")
    latency = qfield("time of the step: max(compute, memory) + overhead (or the sum without overlap)", "s", "ms")
    latency_lower_bound = qfield("max(compute, memory) + overhead", "s", "ms")
    latency_upper_bound = qfield("compute + memory + overhead", "s", "ms")
    throughput = qfield("samples per second", "sample/s")
    token_throughput = qfield("tokens per second (transformers)", "token/s")
    bottleneck = field("'Compute', 'Memory' or 'Overhead': the term that sets the latency")
    mfu = field("model FLOPs utilisation: model FLOPs / (latency · peak)")
    hfu = field("hardware FLOPs utilisation: executed FLOPs / (latency · peak)")
    memory_footprint = qfield("bytes resident in device memory", "B", "GB")
    memory_capacity = qfield("device memory capacity", "B", "GB")
    feasible = field("the footprint fits in device memory")
    assumptions = field("modelling choices and default sources used")


def _solve(model, hardware, batch_size=1, precision="fp16", efficiency=None, *, memory_efficiency=None,
           mode="inference", seq_len=None, overlap="roofline", overhead=None, recompute="none",
           compute_unit=None, runtime=None) -> PerformanceProfile:
    model = as_model(model)
    hw = as_hardware(hardware)
    b = check_positive_int(batch_size, "batch_size")
    precision = normalize_precision(precision)
    if mode not in ("inference", "training"):
        raise ConfigError(f"mode: expected 'inference' or 'training', got {mode!r}")
    if overlap not in ("roofline", "no_overlap"):
        raise ConfigError(f"overlap: expected 'roofline' or 'no_overlap', got {overlap!r}")
    if recompute not in ("none", "selective", "full"):
        raise ConfigError(f"recompute: expected 'none', 'selective' or 'full', got {recompute!r}")
    assumptions = []
    if compute_unit is None and runtime and (unit := _defaults.runtime_unit(hw, runtime)):  # single-threaded: one core
        compute_unit = unit
        assumptions.append(f"runtime {runtime!r} is single-threaded: one core's peaks (compute unit "
                           f"{compute_unit!r}, _defaults.runtime_unit)")
    hw.unit(compute_unit)  # an unknown unit name raises here, naming the device's units
    peak, used = peak_rate(hw, precision, compute_unit)
    if compute_unit not in (None, "all") and hw.compute_units:
        assumptions.append(f"compute unit {compute_unit!r}: that engine's peaks only")
    if used != precision:
        assumptions.append(f"{hw.name} has no native {precision} peak; ran at its {used} peak")
    eta, eta_m = efficiencies(hw, used, efficiency, memory_efficiency, runtime, assumptions, compute_unit)
    h = hw_terms(hw)
    t = model_terms(model)
    by = bpe(precision)
    train = mode == "training"
    s = None
    if t["kind"] == "transformer":
        s = check_positive_int(seq_len, "seq_len") if seq_len is not None else t["seq_len"]
        if seq_len is None:
            assumptions.append(f"seq_len {s} (the model's context length)")
        tokens = b * s
        if train:
            # Megatron convention: attention over the full s (Narayanan et al. 2021, eq. 3); 3x forward
            fwd = forward_flops(t, tokens, s)
            flops = 3.0 * fwd
            extra = {"none": 0.0, "full": fwd, "selective": tokens * t["attn_coeff"] * s}[recompute]
            act = activation_bytes(t, tokens, by) * 3.0
            # weights read in forward and backward, gradients written and read, Adam state
            # (fp32 master, m, v) read and written, new weights written: 34 bytes/parameter at 16-bit
            weights = t["P"] * (2 * by + 2 * by + 24.0 + by) if by <= 2 else t["P"] * 5 * by
            mem_bytes = weights + act
            footprint = t["P"] * (16.0 if by <= 2 else 4 * by) + activation_bytes(t, tokens, by) / 2.0
            assumptions.append("training: mixed-precision Adam, 16 bytes/parameter resident")
        else:
            flops = forward_flops(t, tokens, (s + 1) / 2.0)  # causal: mean context (s+1)/2
            extra = 0.0
            kv = tokens * t["kv_elems"] * by
            # every weight matrix is read once; the input embedding is a gather of one row per token
            mem_bytes = weight_read_params(t, tokens) * by + activation_bytes(t, tokens, by) + kv
            footprint = t["P"] * by + kv + tokens * t["h"] * by * 4
        token_tp = True
    else:
        tokens = None
        flops = b * t["flops"] * (3.0 if train else 1.0)
        extra = b * t["flops"] if (train and recompute == "full") else 0.0
        wbytes = t["P"] * by
        if t["act_elems"] is not None:
            act = b * t["act_elems"] * by * (2.0 if not train else 4.0)
        else:
            act = b * t["input_elems"] * by
            assumptions.append("activation sizes unknown for this model: only weights and inputs counted as traffic")
        if t["kind"] == "recsys":
            wbytes = t["P_dense"] * by
            act += b * t["emb_elems"] * by
        mem_bytes = wbytes * (1.0 if not train else 5.0) + act
        footprint = (t["P"] * (16.0 if train else by)) + (act / 2.0 if t["act_elems"] is not None else act)
        token_tp = False
    hw_flops = flops + extra
    t_c = hw_flops / (peak * eta)
    t_m = mem_bytes / (h["bw"] * eta_m)
    if overhead is None:
        d = _defaults.kernel_overhead(hw.id, hw.tier, runtime)
        ov = d.value * t["kernels"] * (3 if train else 1)
        if ov:
            assumptions.append(f"overhead {t['kernels'] * (3 if train else 1)} kernel boundaries x {d.value * 1e6:.2f} us ({d.source})")
    else:
        ov = opt_quantity(overhead, "time", "overhead", allow_zero=True)
    lower = max(t_c, t_m) + ov
    upper = t_c + t_m + ov
    lat = lower if overlap == "roofline" else upper
    if ov > max(t_c, t_m):
        bott = "Overhead"
    else:
        bott = "Compute" if t_c >= t_m else "Memory"
    cap = h["cap"]
    assumptions.extend(range_notes(model, seq_len=s, batch_size=b, compute_time=t_c, memory_time=t_m, overhead_time=ov))
    return PerformanceProfile._make({
        "model": model.name, "hardware": hw.name, "mode": mode, "precision": precision, "precision_used": used,
        "batch_size": b, "seq_len": s, "flops": flops, "hardware_flops": hw_flops, "memory_bytes": mem_bytes,
        "arithmetic_intensity": flops / mem_bytes, "ridge_point": peak / h["bw"], "peak_flops": peak,
        "memory_bandwidth": h["bw"], "compute_efficiency": eta, "memory_efficiency": eta_m,
        "compute_time": t_c, "memory_time": t_m, "overhead_time": ov, "latency": lat,
        "latency_lower_bound": lower, "latency_upper_bound": upper, "throughput": b / lat,
        "token_throughput": (tokens / lat) if token_tp else None, "bottleneck": bott,
        "mfu": flops / (lat * peak), "hfu": hw_flops / (lat * peak), "memory_footprint": footprint,
        "memory_capacity": cap, "feasible": footprint <= cap, "assumptions": tuple(assumptions),
    })


class SingleNodeModel:
    """Roofline analysis of one workload on one device (inference forward pass or training step)."""

    def solve(self, model, hardware, batch_size: int = 1, precision: str = "fp16", efficiency: float | None = None,
              *, memory_efficiency: float | None = None, mode: Literal["inference", "training"] = "inference",
              seq_len: int | None = None, overlap: Literal["roofline", "no_overlap"] = "roofline",
              overhead=None, recompute: Literal["none", "selective", "full"] = "none",
              compute_unit: str | None = None, runtime: str | None = None) -> PerformanceProfile:
        """Solve the roofline.

        See the math page: [site/math.qmd#roofline](../site/math.qmd#roofline).

        Parameters
        ----------
        model
            A workload or its registry name (``"ResNet50"``, ``Models.Language.Llama3_8B``).
        hardware
            A ``HardwareNode`` or its registry name.
        batch_size
            Samples (sequences, for transformers) per step.
        precision
            Numeric format of weights and math (``fp32``, ``bf16``, ``fp16``, ``fp8``, ``int8``, ``int4``...).
        efficiency
            Achievable fraction of the dense peak FLOP/s (η). Default: the device's measured
            large-GEMM fraction from the calibration data.
        memory_efficiency
            Achievable fraction of peak memory bandwidth. Default: measured copy bandwidth.
        mode
            ``"inference"`` (one forward pass) or ``"training"`` (forward, backward, Adam step).
        seq_len
            Tokens per sequence (transformers); default the model's context length.
        overlap
            ``"roofline"`` (compute and memory overlap: max) or ``"no_overlap"`` (sum).
        overhead
            Fixed per-step time; default kernel count × measured launch cost.
        recompute
            Activation recomputation in training (counted in HFU, not MFU).
        compute_unit
            The engine the runtime uses on a device with several (``HardwareNode.compute_units``:
            ``"gpu"``, ``"dla"``, ``"npu"``...); default ``None``: the whole device (every engine).
        runtime
            The inference runtime (``"TensorRT"``, ``"X-CUBE-AI"``, ``"microTVM"``, ``"TFLM"``...).
            Selects the calibration rows measured with that runtime where the device's tier is
            calibrated per runtime (microcontrollers; keyed on the kernel-library family,
            ``_defaults.runtime_family``: ``"TFLM with ESP-NN"`` -> ``tflm+esp-nn``); default: any
            runtime's rows. A single-threaded runtime (TFLM) on a device with per-core peaks
            (``compute_units['core']``) is priced on one core unless ``compute_unit`` says otherwise.
        """
        return _solve(model, hardware, batch_size, precision, efficiency, memory_efficiency=memory_efficiency,
                      mode=mode, seq_len=seq_len, overlap=overlap, overhead=overhead, recompute=recompute,
                      compute_unit=compute_unit, runtime=runtime)


class Engine:
    """Shortcut: ``Engine.solve(...)`` gives the same result as ``SingleNodeModel().solve(...)``."""

    @staticmethod
    def solve(model, hardware, batch_size: int = 1, precision: str = "fp16", efficiency: float | None = None,
              **kwargs) -> PerformanceProfile:
        return _solve(model, hardware, batch_size, precision, efficiency, **kwargs)
