"""Default efficiencies, from the calibration data (``mlsysim/data/calibration/``).

Each default names the calibration row it comes from. A device measured by a microbenchmark
uses its own row; one that is not uses the median of the measured devices of its tier (or of
all tiers when its tier has none), and the result says so. Never tuned to a validation case.
"""

from __future__ import annotations

import statistics
from functools import lru_cache


__all__ = ["calibration_rows", "gemm_efficiency", "memory_efficiency", "allreduce_efficiency", "launch_overhead", "Default"]


class Default(tuple):
    """(value, source) where source names the calibration rows used."""

    __slots__ = ()

    def __new__(cls, value: float, source: str):
        return super().__new__(cls, (value, source))

    value = property(lambda self: self[0])
    source = property(lambda self: self[1])


def calibration_rows() -> tuple[dict, ...]:
    """Every calibration row (``mlsysim/data/calibration/``), cached."""
    from ..registry import data_rows

    return data_rows("calibration")


def _tier_of(hw_id: str) -> str | None:
    from ..registry import registry

    try:
        return registry("hardware")._group_of(hw_id)
    except Exception:
        return None


#: microcontroller core families, in match order (first hit wins), read from a hardware entry's
#: name and description. Cores in one family share an issue model for the int8 MAC kernels of
#: CMSIS-NN-style libraries: the Cortex-M4 and Cortex-M33 are single-issue 3-stage pipelines
#: (LLVM schedules cortex-m33 with its CortexM4Model, llvm/lib/Target/ARM/ARMProcessors.td), the
#: Cortex-M7 is a dual-issue 6-stage pipeline that can pair a load with the SMLAD (GCC
#: cortex-m7.md), the Xtensa LX7 (ESP32-S3) has its own 128-bit PIE vector unit.
_CORE_FAMILIES = (("cortex-m7", r"cortex[- ]?m7\b"), ("cortex-m4/m33", r"cortex[- ]?m(4|33)f?\b"),
                  ("xtensa", r"xtensa"))


@lru_cache(maxsize=256)
def core_family(hw_id: str | None) -> str | None:
    """The microcontroller core family of a hardware entry ('cortex-m7', 'cortex-m4/m33',
    'xtensa'), from its name and description; None for any other device."""
    import re

    if not hw_id:
        return None
    from ..registry import registry

    try:
        hw = registry("hardware").get(hw_id)
    except Exception:
        return None
    if getattr(hw, "tier", None) != "tiny":
        return None
    text = f"{getattr(hw, 'name', '')} {getattr(hw, 'description', '') or ''}".lower()
    for fam, pat in _CORE_FAMILIES:
        if re.search(pat, text):
            return fam
    return None


def _row_core_family(row) -> str | None:
    return row.get("core_family") or core_family(row.get("hardware"))


def _fraction(row) -> float | None:
    f = row.get("fraction")
    return float(f) if isinstance(f, (int, float)) and 0 < f <= 1.0 else None


def _runtime_key(name) -> str:
    """A runtime's name reduced for matching: ``"X-CUBE-AI v7.3.0"`` -> ``"xcubeai"``."""
    import re

    t = re.sub(r"[^a-z0-9]", "", str(name or "").lower())
    return re.sub(r"v?\d+$", "", t) or t


#: words that mark a kernel library as unconfirmed in a runtime description
_UNSTATED = ("not confirmed", "unconfirmed", "not stated", "unknown", "whether")


@lru_cache(maxsize=256)
def runtime_family(name) -> str | None:
    """The kernel-library family of a microcontroller runtime, parsed from its name by this rule
    (lower case, first match wins): 'x-cube-ai' (X-CUBE-AI, STM32Cube.AI); 'microtvm+cmsis-nn' or
    'microtvm' (microTVM); for TensorFlow Lite Micro ('tflm', 'tflite-micro', 'tensorflow lite
    micro', 'tensorflow lite for microcontrollers', 'esp-tflite-micro') the kernel library it names:
    'tflm+esp-nn' (ESP-NN), 'tflm+cmsis-nn' (CMSIS-NN), 'tflm-reference' (reference kernels), else
    'tflm' (library not stated; also when the name says the library is not confirmed or unknown).
    None for any other runtime. The family is the key calibration rows are matched on: one runtime's
    kernels differ from another's several-fold on the same core (ESP32-S3 person detection: 2300 ms
    reference against 54 ms with ESP-NN, espressif/esp-tflite-micro README)."""
    t = str(name or "").lower()
    if not t:
        return None
    if "x-cube-ai" in t or "xcubeai" in t or "cube.ai" in t:
        return "x-cube-ai"
    def lib(*keys) -> bool:
        return any(k in t for k in keys)

    if "microtvm" in t:
        return "microtvm+cmsis-nn" if lib("cmsis-nn", "cmsis_nn", "cmsisnn") else "microtvm"
    if not lib("tflm", "tflite-micro", "tflite micro", "tensorflow lite micro", "tensorflow lite for micro",
               "tensorflowlite"):
        return None
    if lib(*_UNSTATED):
        return "tflm"
    if lib("esp-nn", "esp_nn", "espnn"):
        return "tflm+esp-nn"
    if lib("cmsis-nn", "cmsis_nn", "cmsisnn"):
        return "tflm+cmsis-nn"
    if "reference" in t:
        return "tflm-reference"
    return "tflm"


#: runtime families that run a network on one core. TensorFlow Lite Micro invokes the operators one
#: after another on the calling task (tflite-micro micro_interpreter_graph.cc,
#: MicroInterpreterGraph::InvokeSubgraph); ESP-NN splits a kernel over both ESP32-S3 cores only after
#: esp_nn_dual_core_enable() (espressif/esp-nn include/esp_nn_multicore.h: 'Opt in to dual-core
#: kernel splitting').
SINGLE_CORE_RUNTIMES = ("tflm", "tflm+esp-nn", "tflm+cmsis-nn", "tflm-reference")


def runtime_unit(hw, runtime) -> str | None:
    """The compute unit a runtime runs on when the call names none: ``"core"`` (one core's peaks,
    ``HardwareNode.compute_units['core']``) for a single-threaded runtime (``SINGLE_CORE_RUNTIMES``)
    on a device that lists a per-core unit; None (the whole device) otherwise."""
    if runtime_family(runtime) in SINGLE_CORE_RUNTIMES and "core" in (getattr(hw, "compute_units", None) or {}):
        return "core"
    return None


def runtime_matches(row_runtime, runtime) -> bool:
    """A row stating a runtime applies only to calls with that runtime; a row stating none applies
    to every call. Two microcontroller runtimes match when their kernel-library families
    (``runtime_family``) are equal."""
    if not row_runtime:
        return True
    if not runtime:
        return False
    fa, fb = runtime_family(row_runtime), runtime_family(runtime)
    if fa and fb:
        return fa == fb
    a, b = _runtime_key(row_runtime), _runtime_key(runtime)
    return bool(a) and (a in b or b in a)


@lru_cache(maxsize=512)
def _lookup(quantity: str, hw_id: str | None, tier: str | None, precision: str | None, fallback: float,
            runtime: str | None = None) -> Default:
    """This device's rows (at the precision), else the median of the measured devices of its tier,
    else ``fallback`` with an 'uncalibrated' note. A microcontroller with no row of its own takes the
    rows of its core family (``core_family``: Cortex-M4/M33, Cortex-M7, Xtensa) before the median
    of its whole tier, and the source says which. A tier never borrows another tier's rows: the
    achievable fraction of a microcontroller's MAC peak (a few tens of percent, set by
    instruction issue) has nothing to do with a datacenter GPU's (80-90%), and a median over all
    tiers would be dominated by the datacenter rows. Rows that name a runtime (microcontroller
    kernels: X-CUBE-AI, microTVM with CMSIS-NN, TFLM) apply only to calls that state that runtime,
    and take precedence: when rows of the call's runtime family (``runtime_family``) exist for this
    device or its core family, only they are used; otherwise the rows that name no runtime are."""
    rows = [r for r in calibration_rows() if r.get("quantity") == quantity and _fraction(r) is not None
            and runtime_matches(r.get("runtime"), runtime)]
    if runtime_family(runtime) and hw_id:  # the runtime's own rows first (its kernels, this core)
        named, fam0 = [r for r in rows if r.get("runtime")], core_family(hw_id)
        if any(r.get("hardware") == hw_id or (fam0 and _row_core_family(r) == fam0) for r in named):
            rows = named
    sixteen = {"bf16", "fp16"}
    if hw_id:
        mine = [r for r in rows if r.get("hardware") == hw_id]
        if precision:
            exact = [r for r in mine if r.get("precision") == precision] or (
                [r for r in mine if r.get("precision") in sixteen] if precision in sixteen else []
            )
        else:
            exact = mine
        if exact:
            return Default(max(_fraction(r) for r in exact), "calibration:" + ",".join(r["id"] for r in exact))
    pool = [r for r in rows if precision is None or r.get("precision") in (sixteen if precision in sixteen else {precision})]
    def in_tier(r) -> bool:
        return bool(tier) and (r.get("tier") == tier or _tier_of(r.get("hardware", "")) == tier)

    same_tier = [r for r in pool if in_tier(r)]
    fam = core_family(hw_id)
    if fam:  # a microcontroller: its core family's rows first (issue model, not just the tier)
        same_core = [r for r in same_tier if _row_core_family(r) == fam]
        if same_core:
            ids = ",".join(r["id"] for r in same_core)
            return Default(statistics.median(_fraction(r) for r in same_core),
                           f"median of {len(same_core)} measured devices of the {fam} core family ({tier} tier): {ids}")
    if same_tier:
        ids = ",".join(r["id"] for r in same_tier)
        scope = f"{tier} tier; no row of the {fam} core family" if fam else f"{tier} tier"
        return Default(statistics.median(_fraction(r) for r in same_tier),
                       f"median of {len(same_tier)} measured devices ({scope}): {ids}")
    return Default(fallback, f"uncalibrated: no measured device of the {tier or 'unknown'} tier; "
                             f"{fallback:g} of peak assumed")


def gemm_efficiency(hw, precision: str, runtime: str | None = None) -> Default:
    """Achievable fraction of the dense peak for large matrix multiplies (MAMF-style); on
    microcontrollers the achievable fraction of the MAC peak of the stated runtime's kernels."""
    return _lookup("gemm_efficiency", hw.id, hw.tier, precision, 1.0, runtime)


def memory_efficiency(hw, unit: str | None = None) -> Default:
    """Achievable fraction of peak memory bandwidth (device-to-device copy), at most the measured
    bandwidth of the engine the call runs on (``engine_bandwidth``; ``unit`` None or ``"all"``: the
    whole device) over the device peak: η_mem(u) = min(η_mem, B_u / B_mem) (math page N3).

    Rows of this quantity exist for the Snapdragon 8 Gen 3, from HeteroInfer (Chen et al., SOSP 2025,
    arXiv 2501.14794, sections 3.3 and 5.4): the whole SoC reaches 61.9 GB/s in a bulk copy, and one
    processor alone 40-45 GB/s while decoding with the authors' kernels (the GPU 43.3). On the
    device they were measured on they apply as absolute bandwidths; the tier's other devices take
    only the copy fraction (the tier median), never another device's absolute figure."""
    d = _lookup("memory_efficiency", hw.id, hw.tier, None, 1.0)
    e = engine_bandwidth(hw.id, "all" if unit in (None, "all") else unit)
    if e is None:  # the common case: no measured ceiling (and no unit conversion on the hot path)
        return d
    peak = float(hw.memory.bandwidth.to("B/s").magnitude) if hw.memory.bandwidth is not None else 0.0
    if not peak or e.value / peak >= d.value:
        return d
    who = "the whole device" if unit in (None, "all") else f"the {unit} alone"
    return Default(e.value / peak, f"measured ceiling: {who} reaches {e.value / 1e9:.1f} GB/s of {peak / 1e9:.1f} "
                                   f"({e.source}); the copy fraction is {d.value:.3f} ({d.source})")


@lru_cache(maxsize=64)
def engine_bandwidth(hw_id: str | None, unit: str | None) -> Default | None:
    """DRAM bandwidth one engine of a SoC reaches on its own (bytes/s), from calibration rows of
    quantity 'engine_bandwidth' naming this device and unit; None without one (no ceiling: an
    engine's port is a property of one chip, never borrowed from another device or tier)."""
    from ..core.units import Q_

    rows = [r for r in calibration_rows() if r.get("quantity") == "engine_bandwidth"
            and r.get("hardware") == hw_id and r.get("unit") == unit]
    if not rows:
        return None
    vals = [float(Q_(r["measured"]).to("B/s").magnitude) for r in rows]
    return Default(statistics.median(vals), "calibration:" + ",".join(r["id"] for r in rows))


def allreduce_efficiency(hw) -> Default:
    """Achieved all-reduce bus bandwidth as a fraction of the link's per-direction line rate."""
    return _lookup("allreduce_busbw", hw.id, hw.tier, None, 1.0)


@lru_cache(maxsize=64)
def collective_latency(hw_id: str | None, tier: str | None) -> Default:
    """Per-step latency α of an intra-node ring, from a measured small-message all-reduce:
    α = T_small / (2(n−1)) (the ring's latency term). 0 when no row exists."""
    rows = [r for r in calibration_rows() if r.get("quantity") == "allreduce_latency"]
    mine = [r for r in rows if r.get("hardware") == hw_id] or rows
    if not mine:
        return Default(0.0, "no calibration row for collective latency: not counted")
    from ..core.units import Q_

    vals = [float(Q_(r["measured"]).to("s").magnitude) / (2 * (int(r.get("gpus", 8)) - 1)) for r in mine]
    return Default(statistics.median(vals), "calibration:" + ",".join(r["id"] for r in mine))


@lru_cache(maxsize=64)
def launch_overhead(hw_id: str | None, tier: str | None, runtime: str | None = None) -> Default:
    """Fixed cost per kernel launch or operator dispatch (seconds), from calibration rows of
    quantity 'launch_overhead': this device's, else its tier's median. Rows naming a runtime
    (e.g. a framework's eager dispatch) apply only to calls stating that runtime."""
    rows = [r for r in calibration_rows() if r.get("quantity") in ("launch_overhead", "kernel_launch_overhead")
            and runtime_matches(r.get("runtime"), runtime)]
    if runtime:  # the runtime's own rows first
        own = [r for r in rows if r.get("runtime")]
        rows = own or rows
    mine = [r for r in rows if r.get("hardware") == hw_id] or [
        r for r in rows if tier and (r.get("tier") == tier or _tier_of(r.get("hardware", "")) == tier)]
    if not mine:
        return Default(0.0, "no calibration row for kernel launch overhead: not counted")
    from ..core.units import Q_

    vals = [float(Q_(r["measured"]).to("s").magnitude) for r in mine]
    return Default(statistics.median(vals), "calibration:" + ",".join(r["id"] for r in mine))


# ---- distributed training and collectives (added for DistributedModel, CollectiveModel) ----------
def _q(text: str, unit: str) -> float:
    from ..core.units import Q_

    return float(Q_(text).to(unit).magnitude)


@lru_cache(maxsize=64)
def allreduce_busbw_fraction(hw_id: str | None, tier: str | None, algorithm: str = "ring") -> Default:
    """Achieved all-reduce bus bandwidth of ``algorithm`` ('ring' or 'nvls') as a fraction of the
    link's per-direction line rate, from single-node rows (multi-node rows are validation data).

    Unlike ``allreduce_efficiency`` (which takes the best row, NVLink SHARP included) this keeps
    the algorithms apart: a ring all-reduce is what a model of ring steps may assume."""
    want = algorithm.lower()
    rows = [r for r in calibration_rows() if r.get("quantity") == "allreduce_busbw" and not r.get("multi_node")
            and _fraction(r) is not None and str(r.get("algorithm", "ring")).lower().startswith(want)]
    mine = [r for r in rows if r.get("hardware") == hw_id]
    if mine:
        return Default(max(_fraction(r) for r in mine), "calibration:" + ",".join(r["id"] for r in mine))
    same = [r for r in rows if tier and _tier_of(r.get("hardware", "")) == tier]
    use = same or rows
    if use:
        scope = f"{tier} tier" if same else "all tiers"
        return Default(statistics.median(_fraction(r) for r in use),
                       f"median of {len(use)} measured devices ({scope}): " + ",".join(r["id"] for r in use))
    return Default(1.0, "no calibration data: line rate assumed")


def _curve_rows():
    return [r for r in calibration_rows() if r.get("quantity") == "allreduce_busbw_curve"]


def _fit_curve(row) -> tuple[float, float]:
    """(alpha per ring step in s, fill bytes) from a measured all-reduce bus-bandwidth curve.

    Model (bus time t_b = M / busbw, n ranks): t_b = 2(n-1)/n·... rewritten per byte of bus
    traffic: t_b = α_b + (M + min(M, M_f)) / B_inf. α_b is the smallest message's bus time; B_inf
    the largest message's busbw; M_f (the pipeline-fill bytes) is the median of the residuals
    of messages of 4 MB and more. α per ring step = α_b·n/(2(n-1)) / (n-1)·... see
    ``collectives.ring_allreduce``: t = 2(n-1)·α + 2(n-1)/n·(M + fill)/β, so α = α_b/n·... ."""
    n = int(row.get("gpus", 8))
    sizes = [_q(s, "B") for s in row["sizes"]]
    bws = [_q(b, "B/s") for b in row["busbw"]]
    pts = sorted(zip(sizes, bws))
    b_inf = pts[-1][1]
    t_small = pts[0][0] / pts[0][1]  # bus time of the smallest message
    # real time t = 2(n-1)/n · t_bus ; the ring has 2(n-1) latency steps
    alpha = t_small * (2 * (n - 1) / n) / (2 * (n - 1))
    res = []
    for m, bw in pts:
        if m >= 4e6:
            extra = (m / bw - t_small) * b_inf - m
            if extra > 0:
                res.append(min(extra, m) if extra < m else extra)
    fill = statistics.median(res) if res else 0.0
    return alpha, fill


@lru_cache(maxsize=64)
def collective_ramp(hw_id: str | None, tier: str | None) -> tuple[Default, Default]:
    """(α per ring step, fill bytes) of an intra-node collective, fitted to a measured all-reduce
    bus-bandwidth curve (nccl-tests, 1 KB to 8 GB) of this device, else the median of measured
    devices. The fill is the extra bytes' worth of time a large message pays before the ring
    runs at full bandwidth (Hockney's n_1/2, Hockney 1991)."""
    rows = _curve_rows()
    mine = [r for r in rows if r.get("hardware") == hw_id]
    use = mine or [r for r in rows if tier and _tier_of(r.get("hardware", "")) == tier] or rows
    if not use:
        a = collective_latency(hw_id, tier)
        return a, Default(0.0, "no all-reduce curve: no pipeline fill counted")
    fits = [_fit_curve(r) for r in use]
    src = ("calibration:" if mine else f"median of {len(use)} devices: ") + ",".join(r["id"] for r in use)
    return (Default(statistics.median(f[0] for f in fits), src), Default(statistics.median(f[1] for f in fits), src))


@lru_cache(maxsize=32)
def nic_efficiency(line_rate: float) -> Default:
    """Achievable fraction of a NIC's per-direction line rate (bytes/s) through NCCL, from the
    row whose line rate is closest (p2p_bandwidth rows of NIC_* 'hardware')."""
    rows = [r for r in calibration_rows() if r.get("quantity") == "p2p_bandwidth"
            and str(r.get("hardware", "")).startswith("NIC_") and _fraction(r) is not None]
    if not rows:
        return Default(1.0, "no NIC calibration: line rate assumed")
    best = min(rows, key=lambda r: abs(_q(r["peak"], "B/s") - line_rate))
    return Default(_fraction(best), "calibration:" + best["id"])


@lru_cache(maxsize=64)
def attention_efficiency(hw_id: str | None, tier: str | None) -> Default:
    """Achievable fraction of the dense 16-bit peak of a fused (FlashAttention-2) attention kernel."""
    return _lookup("attention_efficiency", hw_id, tier, None, 1.0)


@lru_cache(maxsize=64)
def attention_efficiency_hopper(hw_id: str | None, tier: str | None) -> Default | None:
    """Achievable fraction of the dense 16-bit peak of a Hopper-native (FlashAttention-3 class:
    warp-specialised, TMA/WGMMA) fused attention kernel, from rows of quantity
    'attention_efficiency_hopper'; None when no such row exists (the caller keeps FlashAttention-2)."""
    if not any(r.get("quantity") == "attention_efficiency_hopper" for r in calibration_rows()):
        return None
    return _lookup("attention_efficiency_hopper", hw_id, tier, None, 1.0)


@lru_cache(maxsize=256)
def attention_causal_factor(seq_len: int | float) -> Default:
    """FlashAttention-2's rate under a causal mask at ``seq_len``, as a fraction of the non-causal
    rate at the calibration rows' sequence (rows of quantity 'attention_causal_curve': causal(s) /
    non-causal(reference), interpolated in log2 s, held at the ends). 1 without such a row."""
    r = _single("attention_causal_curve")
    if r is None or not seq_len or seq_len <= 0:
        return Default(1.0, "no causal-mask curve: attention at the non-causal rate")
    ref = float(r["reference_seq_len"])
    base = _q(r["noncausal"][list(r["seq_lens"]).index(r["reference_seq_len"])], "FLOP/s")
    y = _log2_interp(r["seq_lens"], [_q(c, "FLOP/s") / base for c in r["causal"]], seq_len)
    return Default(y, f"calibration:{r['id']} (causal at {int(seq_len)} tokens over non-causal at {int(ref)})")


@lru_cache(maxsize=256)
def attention_fa1_factor(seq_len: int | float) -> Default:
    """A FlashAttention-1-class kernel's forward + backward rate under a causal mask at ``seq_len``,
    as a fraction of FlashAttention-2's (rows of quantity 'attention_fa1_curve': flash1(s) /
    flash2(s), the FlashAttention-2 paper's Figure 4c; interpolated in log2 s, held at the ends).
    1 without such a row."""
    r = _single("attention_fa1_curve")
    if r is None or not seq_len or seq_len <= 0:
        return Default(1.0, "no FlashAttention-1 curve: attention at the FlashAttention-2 rate")
    y = _log2_interp(r["seq_lens"], [_q(a, "FLOP/s") / _q(b, "FLOP/s") for a, b in zip(r["flash1"], r["flash2"])],
                     seq_len)
    return Default(y, f"calibration:{r['id']} (FlashAttention-1 over FlashAttention-2 at {int(seq_len)} tokens)")


def _log2_interp(xs_raw, ys, x_raw) -> float:
    """Piecewise-linear interpolation of ``ys`` in log2 of ``xs_raw`` at ``x_raw``, held at the ends."""
    import math

    xs = [math.log2(float(v)) for v in xs_raw]
    x = math.log2(float(x_raw))
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = next(j for j in range(1, len(xs)) if xs[j] >= x)
    return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1])


@lru_cache(maxsize=None)
def _single(quantity: str) -> dict | None:
    rows = [r for r in calibration_rows() if r.get("quantity") == quantity]
    return rows[0] if rows else None


def dp_overlap_chunks() -> Default:
    """How much of the data-parallel gradient communication stays exposed when it is overlapped
    with the backward pass: the number of un-overlapped chunks (Megatron overlaps it chunk by
    chunk at the granularity of a transformer layer of a virtual pipeline stage, and exposes one)."""
    r = _single("dp_overlap")
    if r is None:
        return Default(0.0, "no calibration row: no data-parallel overlap")
    return Default(float(r["exposed_chunks"]), "calibration:" + r["id"])


def moe_load_imbalance() -> Default:
    """Ratio of the busiest expert's tokens to the mean (the capacity factor MoE layers are
    provisioned with), which sets the expert all-to-all and expert compute time."""
    r = _single("moe_load_imbalance")
    if r is None:
        return Default(1.0, "no calibration row: perfect expert balance")
    return Default(float(r["value"]), "calibration:" + r["id"])


def overlap_slowdown() -> Default:
    """σ, the fractional slowdown of compute kernels while a collective runs concurrently on the same
    GPU, from the calibration row of quantity ``overlap_slowdown`` ('Characterizing
    Compute-Communication Overlap in GPU-Accelerated Distributed Deep Learning', arXiv 2507.03114:
    an average computational slowdown of 18.9% on A100, H100, MI250 and MI210 GPT and Llama runs);
    0 when no row exists."""
    r = _single("overlap_slowdown")
    if r is None:
        return Default(0.0, "no calibration row: concurrent communication does not slow compute")
    return Default(float(r["value"]), "calibration:" + r["id"])


# ---- serving (added for ServingModel: low-latency tensor-parallel all-reduce) --------------------
@lru_cache(maxsize=64)
def oneshot_allreduce_latency(hw_id: str | None, tier: str | None) -> Default:
    """Latency of a one-shot intra-node all-reduce of a small message (seconds): every rank reads
    the peers' buffers over NVLink/P2P and reduces locally in one kernel (no ring steps). From
    calibration rows of quantity 'allreduce_latency_oneshot' (this device, its tier, else all)."""
    rows = [r for r in calibration_rows() if r.get("quantity") == "allreduce_latency_oneshot"]
    mine = ([r for r in rows if r.get("hardware") == hw_id]
            or [r for r in rows if tier and _tier_of(r.get("hardware", "")) == tier] or rows)
    if not mine:
        return Default(0.0, "no calibration row for one-shot all-reduce latency")
    from ..core.units import Q_

    vals = [float(Q_(r["measured"]).to("s").magnitude) for r in mine]
    return Default(statistics.median(vals), "calibration:" + ",".join(r["id"] for r in mine))


@lru_cache(maxsize=64)
def kernel_overhead(hw_id: str | None, tier: str | None, runtime: str | None = None) -> Default:
    """GPU time lost per kernel boundary in a graph-captured forward pass (seconds): launch and
    teardown, stragglers of the previous kernel, refilling the memory pipeline.

    Derived from rows of quantity 'kernel_boundary': the same batch-1 decode measured with
    kernel boundaries (bandwidth fraction f_k) and fused into one kernel (f_f), so the boundaries
    cost (W/B)·(1/f_k − 1/f_f) per token, spread over the kernels this model counts for that
    workload. This device's row, else its tier's median; else ``launch_overhead`` (a runtime's
    measured dispatch cost per operator, when the call states the runtime). A tier never borrows
    another tier's rows."""
    if runtime:
        d = launch_overhead(hw_id, tier, runtime)
        if not d.source.startswith("no calibration"):
            return d
    rows = [r for r in calibration_rows() if r.get("quantity") == "kernel_boundary"]
    mine = ([r for r in rows if r.get("hardware") == hw_id]
            or [r for r in rows if tier and _tier_of(r.get("hardware", "")) == tier])
    if not mine:
        return launch_overhead(hw_id, tier)
    from ..registry import Hardware, Models
    from ._terms import hw_terms, model_terms, weight_read_params, bpe

    vals = []
    for r in mine:
        t = model_terms(Models.get(r["model"]))
        bw = hw_terms(Hardware.get(r["hardware"]))["bw"]
        w = weight_read_params(t, float(r.get("batch_size", 1))) * bpe(r.get("precision", "bf16"))
        lost = (w / bw) * (1.0 / float(r["bandwidth_fraction_kernels"]) - 1.0 / float(r["bandwidth_fraction_fused"]))
        vals.append(lost / t["kernels"])
    return Default(statistics.median(vals), "derived from calibration:" + ",".join(r["id"] for r in mine))


# ---- distributed training: GEMM efficiency against GEMM size (added for DistributedModel) ------
@lru_cache(maxsize=64)
def gemm_size_curve(hw_id: str | None, tier: str | None) -> tuple[tuple[tuple[float, float], ...], str]:
    """((log10 FLOPs of one GEMM, rate / best rate of the sweep), ...) from a measured sweep of
    square GEMMs (quantity 'gemm_size_curve'): this device's, else the median ratio of the measured
    devices at each size. Empty when no sweep exists (no size effect)."""
    import math

    rows = [r for r in calibration_rows() if r.get("quantity") == "gemm_size_curve"]
    mine = [r for r in rows if r.get("hardware") == hw_id]
    use = mine or [r for r in rows if tier and _tier_of(r.get("hardware", "")) == tier]
    if not use:
        return (), "no GEMM size sweep: size not counted"
    curves = []
    for r in use:
        rates = [_q(t, "FLOP/s") for t in r["tflops"]]
        best = max(rates)
        curves.append({round(math.log10(2.0 * m * n * k), 3): rate / best for (m, n, k), rate in zip(r["shapes"], rates)})
    keys = sorted(set().union(*curves))
    pts = []
    for k in keys:
        vals = [c[k] for c in curves if k in c]
        pts.append((k, statistics.median(vals)))
    src = ("calibration:" if mine else f"median of {len(use)} devices: ") + ",".join(r["id"] for r in use)
    return tuple(pts), src


# ---- distributed training: sustained GEMM rate (added for DistributedModel) ------------------------
def _steady_state(row: dict) -> bool:
    """A GEMM row measured in steady state: ≥ 1,000 stated warmup iterations, or a burn-test mean
    (``sustained = true``) over a stated run of ≥ 30 s."""
    warm = row.get("warmup_iterations")
    if isinstance(warm, int) and warm >= 1000:
        return True
    dur = row.get("duration_s")
    return row.get("sustained") is True and isinstance(dur, (int, float)) and dur >= 30


@lru_cache(maxsize=128)
def sustained_gemm_efficiency(hw_id: str | None, tier: str | None, precision: str) -> Default:
    """Achievable fraction of the dense peak for the GEMMs of a training step, which run back to back
    for minutes: a steady-state measurement of this device and precision class when one exists, else
    the maximum-achievable-matmul row (``gemm_efficiency``). A row is steady-state when it states
    ≥ 1,000 warmup iterations of a large GEMM on random data (``warmup_iterations``, e.g. the Azure
    AI benchmarking guide's cuBLASLt sweeps) or is a burn-test mean over a stated run of ≥ 30 s of
    back-to-back GEMMs (``sustained = true`` with ``duration_s``, e.g. Hugging Face's gpu-fryer);
    among several, the highest fraction. The rule is per device and precision, never per case.

    Why: a GPU's matmul rate is power-limited; random inputs draw more switching power than zeros
    and lower the clock once the power limit is reached (H. He, "Strangely, Matrix Multiplications
    on GPUs Run Faster When Given 'Predictable' Data", 2024: A100 8192³ bf16 257 TFLOP/s on randn
    against 295 on zeros). MAMF (stas00/ml-engineering) reports the best shape of a short search
    (150 iterations of a small GEMM), which sits above the steady-state rate of large GEMMs
    (A100: 271.2 against 256.5 TFLOP/s; H100 bf16: 794.5 against gpu-fryer's 60 s mean of ~730)."""
    sixteen = {"bf16", "fp16"}
    want = sixteen if precision in sixteen else {precision}
    rows = [r for r in calibration_rows() if r.get("quantity") == "gemm_efficiency" and r.get("hardware") == hw_id
            and r.get("precision") in want and _fraction(r) is not None
            and _steady_state(r)]
    if rows:
        best = max(rows, key=_fraction)
        return Default(_fraction(best), "calibration:" + best["id"] + " (steady state)")
    from types import SimpleNamespace

    return gemm_efficiency(SimpleNamespace(id=hw_id, tier=tier), precision)
