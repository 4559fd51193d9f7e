"""Per-workload FLOP and byte counts, as plain floats in SI units (FLOP, bytes, seconds).

These are the small formula functions the solvers compose. Each docstring gives the
equation and its source; symbols follow the math page (P parameters, L layers, h hidden,
a heads, n_kv KV heads, d head dim, f FFN width, V vocabulary, s sequence, b batch).
"""

from __future__ import annotations

import bisect
import math

from ..core.precision import PRECISIONS, normalize_precision
from ..core.errors import ConfigError

__all__ = ["hw_terms", "model_terms", "peak_rate"]


# Derived terms of frozen objects, cached by identity (frozen inputs never change). A plain dict
# lookup: pydantic's private attributes go through a slow __getattr__ path on every access.
_CACHE: dict[int, tuple[object, dict]] = {}
_CACHE_MAX = 4096


def _cached(obj):
    e = _CACHE.get(id(obj))
    return e[1] if e is not None and e[0] is obj else None


def _store(obj, t: dict) -> dict:
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[id(obj)] = (obj, t)
    return t


def hw_terms(hw) -> dict:
    """SI magnitudes of a device, computed once per object."""
    t = _cached(hw)
    if t is None:
        c = hw.compute
        peaks = {p: float(q.to("FLOP/s").magnitude) for p, q in c.peaks.items()}
        ic = hw.interconnect
        t = {
            "peaks": peaks,
            "peak_default": float(c.peak_flops.to("FLOP/s").magnitude),
            "bw": float(hw.memory.bandwidth.to("B/s").magnitude),
            "cap": float(hw.memory.capacity.to("B").magnitude),
            "tdp": float(hw.tdp.to("W").magnitude) if hw.tdp is not None else None,
            "link": float(ic.scaleup_bandwidth.to("B/s").magnitude) if ic and ic.scaleup_bandwidth is not None else None,
            "pcie": float(ic.pcie_bandwidth.to("B/s").magnitude) if ic and ic.pcie_bandwidth is not None else None,
            "rates": {},
        }
        _store(hw, t)
    return t


def peak_rate(hw, precision: str, unit: str | None = None) -> tuple[float, str]:
    """(dense peak FLOP/s, precision it runs at) with the device's fallback for missing formats,
    on compute unit ``unit`` (``HardwareNode.unit``: None or "all" for the whole device).

    See the math page: [site/math.qmd#ridge-point](../site/math.qmd#ridge-point).
    """
    t = hw_terms(hw)
    key = precision if unit in (None, "all") else (unit, precision)
    r = t["rates"].get(key)
    if r is None:
        try:
            q, used = hw.unit(unit).peak(precision)
        except ConfigError as exc:
            if unit in (None, "all"):
                raise
            raise ConfigError(f"compute_unit {unit!r}: {exc}".replace("this device", "this unit")) from None
        r = (float(q.to("FLOP/s").magnitude), used)
        t["rates"][key] = r
    return r


def model_terms(m) -> dict:
    """Shape-derived counts of a workload, computed once per object."""
    t = _cached(m)
    if t is not None:
        return t
    kind = getattr(m, "kind", "cnn")
    if kind == "transformer":
        h, a, L = m.hidden_dim, m.heads, m.layers
        d, k = m.d_head, m.n_kv
        f_active = (m.moe_ffn_dim or m.d_ff) * ((m.experts_per_token or 1) + m.shared_experts) if m.is_moe else m.d_ff
        g = 2 if m.gated_mlp else 1
        # activation elements read + written per token per layer, each operator reading its inputs and
        # writing its outputs once (attention fused, FlashAttention-style: no s^2 score matrix in memory):
        # QKV, attention, O, MLP up, activation, down, two norms and two residual adds.
        qkv = (a + 2 * k) * d
        # by kernel class, for solvers that put each kernel on its own roofline: the GEMMs' inputs and
        # outputs (QKV, O, MLP up, down) belong to the GEMM kernels, the attention kernel reads Q, K, V
        # and writes its output, and the rest is element-wise (activation, two norms, two residual adds)
        act_gemm = (h + qkv) + (a * d + h) + (h + g * f_active) + (f_active + h)
        act_attn = qkv + a * d
        act_ew = (g * f_active + f_active) + 10 * h
        act = act_gemm + act_attn + act_ew
        t = {
            "kind": "transformer",
            "L": L,
            "h": h,
            "V": m.vocab_size,
            "P": m.total_parameters,
            "P_active": m.active_parameter_count,
            "P_matmul": m.matmul_parameters(),
            "attn_coeff": 2.0 * L * a * (m._qk_dim() + m._v_dim()),  # FLOPs per token per context token
            "kv_elems": m.kv_cache_elements_per_token(),
            # the input embedding is a gather: a forward step reads the rows of its tokens, not
            # the V x h table (a tied table is still read whole, by the output head)
            "P_embed_in": 0.0 if m.tied_embeddings else float(m.vocab_size * h),
            "moe_layers": m.moe_layers,
            "moe_E": m.num_experts or 0,
            "moe_k": m.experts_per_token or 0,
            "P_expert": m._mlp(m.moe_ffn_dim or m.d_ff) if m.is_moe else 0.0,
            "act_elems": float(act * L),  # per token, all layers
            "act_gemm_elems": float(act_gemm * L),
            "act_attn_elems": float(act_attn * L),
            "act_ew_elems": float(act_ew * L),
            "f_act": float(f_active),
            "kernels": 10 * L + 3,
            "seq_len": m.seq_len,
            "moe": m.is_moe,
        }
    else:
        flops = float(m.flops_per_sample.to("FLOP").magnitude)
        t = {
            "kind": kind,
            "P": float(m.parameters),
            "P_active": float(m.parameters),
            "flops": flops,
            "act_elems": float(m.activation_elements) if m.activation_elements is not None else None,
            "input_elems": float(_prod(m.input_shape)) if m.input_shape else 0.0,
            # kernels of a fused inference engine: one per layer the model lists (``layers``: convolution or
            # matmul with its bias, folded BatchNorm and activation fused in, as TensorRT, ONNX Runtime
            # and torch.compile emit them; pools and the classifier are layers of their own)
            "kernels": m.layers if m.layers else 0,
            "emb_bytes_elems": 0.0,
        }
        if kind == "recsys":
            lookups = m.embedding_lookups_per_sample or 0.0
            t["emb_elems"] = lookups * (m.embedding_dim or 0)
            t["P_dense"] = float(m.parameters - (m.embedding_parameters or 0.0))
    _store(m, t)
    return t


def _prod(shape) -> int:
    out = 1
    for x in shape:
        out *= x
    return out


def bpe(precision: str) -> float:
    return PRECISIONS[precision] if precision in PRECISIONS else PRECISIONS[normalize_precision(precision)]


# ---- transformer terms --------------------------------------------------------------------
def forward_flops(t: dict, tokens: float, mean_context: float) -> float:
    """Forward FLOPs of ``tokens`` tokens: tokens·(2·P_matmul + 2·L·a·(d_qk+d_v)·c̄)
    (Kaplan et al. 2020, Table 1; c̄ the mean context a token attends to).

    See the math page: [site/math.qmd#flops-per-token](../site/math.qmd#flops-per-token).
    """
    return tokens * (2.0 * t["P_matmul"] + t["attn_coeff"] * mean_context)


def activation_bytes(t: dict, tokens: float, b: float) -> float:
    """Activation traffic: every operator reads its inputs and writes its outputs once.

    See the math page: [site/math.qmd#roofline](../site/math.qmd#roofline).
    """
    return tokens * t["act_elems"] * b


def activation_bytes_by_kernel(t: dict, tokens: float, b: float) -> tuple[float, float, float]:
    """The same traffic split by the kernel that moves it: (GEMM inputs and outputs, attention's
    Q, K, V reads and output write, element-wise kernels). A kernel's bytes belong on that
    kernel's own roofline, max(FLOPs / rate, bytes / bandwidth) (Williams et al. 2009): a
    compute-bound GEMM hides the activations it reads and writes, so adding them as a kernel of
    their own would count them twice.

    See the math page: [site/math.qmd#roofline](../site/math.qmd#roofline).
    """
    return (tokens * t["act_gemm_elems"] * b, tokens * t["act_attn_elems"] * b, tokens * t["act_ew_elems"] * b)


def weight_read_params(t: dict, sequences: float) -> float:
    """Weights a forward step of ``sequences`` tokens per position reads from memory:
    P − V·h (the input embedding is a row gather) and, for MoE, only the experts some token is
    routed to: E·(1 − (1 − k/E)^n) of each layer's E experts for n tokens under uniform routing
    (the expected number of distinct experts drawn by n top-k choices)."""
    p = t["P"] - t.get("P_embed_in", 0.0)
    if t.get("moe") and t.get("moe_E"):
        E, k = t["moe_E"], t["moe_k"] or 1
        touched = 1.0 - (1.0 - k / E) ** max(sequences, 1.0)
        p -= t["moe_layers"] * E * t["P_expert"] * (1.0 - touched)
    return p


#: vector (non-tensor) operations to turn one stored weight into a 16-bit operand, by storage
#: format, for weight-only quantization (activations stay 16-bit). int8 per output channel:
#: one int-to-float convert (the channel scale multiplies the output, not each weight).
#: int4 with a scale and zero point per group: the interleaved conversion every production int4
#: kernel uses (FasterTransformer's ``interleaved_numeric_conversion.h``, copied into PyTorch's
#: tinygemm ``aten/src/ATen/native/cuda/int4mm.cu``, the kernel of gpt-fast's
#: ``_weight_int4pack_mm``) turns one 32-bit word of 8 int4 values into 4 packed bf16 pairs with
#: 4 LOP3 (mask and OR in a magic exponent), 3 shifts and 4 ``fma.rn.bf16x2`` (subtract the magic
#: bias), then applies scale and zero point with 4 ``__hfma2``: 15 instructions per 8 weights,
#: 1.875 per weight (AWQ's fp16 variant, TinyChat's kernel, needs one shift instead of three:
#: 13/8; the bf16 count is used for both, about 2% of a TinyChat int4 decode step). Each packed
#: instruction handles two weights, which is why the count is below one extract, one convert and
#: one multiply-add per weight. fp8 and 16-bit formats feed the tensor cores directly (0). The
#: count follows from the kernel's instruction sequence, not a fit.
DEQUANT_OPS = {"int8": 1.0, "int4": 15.0 / 8.0}

#: Vector ISAs with no fp32 -> bf16 conversion instruction: AMD CDNA 2 and CDNA 3 (gfx90a,
#: gfx942). LLVM first added v_cvt_pk_bf16_f32 for gfx950 (CDNA 4; llvm-project pull request
#: 213150, triton pull request 5782), so earlier parts round to bf16 in software, LLVM's
#: expansion of fp_round: bit-field extract, add the rounding bias, OR the quiet-NaN bit,
#: compare unordered, select: 5 vector ops per value.
BF16_ROUND_EMULATED_ISAS = ("CDNA 2", "CDNA 3")
BF16_ROUND_EMULATED_OPS = 5.0


#: vector ops per weight of llama.cpp's 4-bit block formats, by backend (llama.cpp runs CUDA on
#: NVIDIA GPUs, the same code through HIP on AMD, Metal on Apple). CUDA's mat-vec kernel
#: (``vec_dot_q4_0_q8_1_impl``) unpacks one 32-bit word of 8 weights with one shift and two ANDs
#: (``(v >> 0) & 0x0F0F0F0F``, ``(v >> 4) & 0x0F0F0F0F``) and multiplies them with ``dp4a`` against
#: int8 activations: 3/8 per weight. Metal's (``block_q_n_dot_y``) masks each nibble out of a
#: 16-bit word and converts it to float, the shifts folded into activations pre-scaled by 1, 1/16,
#: 1/256, 1/4096: one AND and one convert, 2. Other backends (CPU, Vulkan, OpenCL) were not read
#: and take Metal's scalar count. The multiply-adds are the pass's own FLOPs in every case. 8-bit
#: blocks (Q8_0, Q6_K) keep the int8 count (one convert).
GGML_DEQUANT_OPS = {"cuda": {"int4": 3.0 / 8.0}, "other": {"int4": 2.0}}
GGML_CUDA_VENDORS = ("NVIDIA", "AMD")


def dequant_ops(hw, precision: str, ggml: bool = False) -> float:
    """Vector ops per weight to expand a weight-only quantized weight to a bf16 operand
    (``DEQUANT_OPS``; ``GGML_DEQUANT_OPS`` of the device's llama.cpp backend for a block format),
    plus a software rounding to bf16 on ISAs without the instruction."""
    ops = None
    if ggml:
        backend = "cuda" if (getattr(hw, "vendor", None) or "") in GGML_CUDA_VENDORS else "other"
        ops = GGML_DEQUANT_OPS[backend].get(precision)
    ops = ops or DEQUANT_OPS.get(precision, 0.0)
    desc = (getattr(hw, "description", None) or "")
    if ops and any(isa in desc for isa in BF16_ROUND_EMULATED_ISAS):
        ops += BF16_ROUND_EMULATED_OPS
    return ops


#: bytes of metadata per quantization group: a 16-bit scale and a 16-bit zero point
#: (the layout of gpt-fast's WeightOnlyInt4QuantHandler, "scales_and_zeros" in bf16).
GROUP_METADATA_BYTES = 4.0


def vector_rate(hw) -> float | None:
    """Vector (CUDA-core / SIMD) operations per second: the non-tensor fp32 peak / 2 (a FLOP rate
    counts a fused multiply-add as 2; a dequantization step is one instruction per lane)."""
    fp32 = hw_terms(hw)["peaks"].get("fp32")
    return fp32 / 2.0 if fp32 else None


def power_cap_clock(hw, cap_w: float, idle_w: float) -> float:
    """SM clock under a board power cap, as a fraction of the uncapped clock:
    f/f_max = ((P_cap − P_idle) / (TDP − P_idle))^(1/3), capped at 1.

    Dynamic power P = C·V²·f with the supply voltage scaled with the clock along the DVFS curve
    (V ∝ f), so P − P_idle ∝ f³. The cap lowers the clock of compute units only: HBM runs on
    its own clock, and memory-bound decode draws less than the cap, which never triggers
    (Ma et al. 2026, arXiv 2605.11999, measured on H200). Applied to compute roofs only."""
    tdp = hw_terms(hw)["tdp"]
    if not tdp or cap_w >= tdp:
        return 1.0
    span = tdp - idle_w
    if span <= 0:
        return 1.0
    return max(0.0, (cap_w - idle_w) / span) ** (1.0 / 3.0)


# ---- llama.cpp (GGML) weight formats -----------------------------------------------------------
#: bits per weight of llama.cpp's block formats, from their block layouts (ggml-common.h /
#: ggml-quants.h): Q4_0 = fp16 scale + 32 4-bit weights = 18 bytes / 32 = 4.5 bits; Q4_1 adds an
#: fp16 minimum (5.0); Q5_0 (5.5), Q5_1 (6.0); Q8_0 = fp16 scale + 32 int8 = 8.5; the k-quants use
#: 256-weight super-blocks: Q2_K 84 bytes (2.625), Q3_K 110 (3.4375), Q4_K 2 fp16 + 12 bytes of
#: 6-bit scales + 128 bytes = 144 (4.5), Q5_K 176 (5.5), Q6_K 128 + 64 + 16 + 2 = 210 (6.5625).
GGML_BITS = {"f32": 32.0, "f16": 16.0, "bf16": 16.0, "q8_0": 8.5, "q4_0": 4.5, "q4_1": 5.0, "q5_0": 5.5,
             "q5_1": 6.0, "q2_k": 2.625, "q3_k": 3.4375, "q4_k": 4.5, "q5_k": 5.5, "q6_k": 6.5625}

#: the precision a GGML format's weights are expanded from (its dequantization cost, DEQUANT_OPS)
GGML_PRECISION = {"f32": "fp32", "f16": "fp16", "bf16": "bf16", "q8_0": "int8", "q4_0": "int4", "q4_1": "int4",
                  "q5_0": "int4", "q5_1": "int4", "q2_k": "int4", "q3_k": "int4", "q4_k": "int4", "q5_k": "int4",
                  "q6_k": "int8"}


def _use_more_bits(i: int, n: int) -> bool:
    """llama.cpp's rule (llama_tensor_get_type, use_more_bits) for the layers whose V projection
    and FFN down projection a *_M k-quant keeps at higher precision: the first and last eighth of
    the layers and every third layer between."""
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def ggml_format_bits(m, fmt: str) -> tuple[float, float, str]:
    """(bits per weight read by a forward pass, bits per stored weight, base format) of a llama.cpp
    file type for transformer ``m``.

    A plain type (``Q4_0``, ``Q8_0``, ``F16``) stores every matrix in it. The mixed k-quant
    ``Q4_K_M`` / ``Q5_K_M`` (llama.cpp ``llama_tensor_get_type``) stores the output head, and the
    V projection and FFN down projection of the layers chosen by ``use_more_bits``, as Q6_K; the
    rest as Q4_K / Q5_K. The input embedding (a row gather) is not read by a pass."""
    f = fmt.strip().lower().replace("-", "_")
    if f in GGML_BITS:
        b = GGML_BITS[f]
        return b, b, f
    mixes = {"q4_k_m": "q4_k", "q5_k_m": "q5_k", "q4_k_s": "q4_k", "q5_k_s": "q5_k", "q3_k_m": "q3_k"}
    if f not in mixes:
        from ..core.errors import ConfigError

        raise ConfigError(f"weight_format: unknown llama.cpp format {fmt!r} (one of {', '.join(sorted([*GGML_BITS, *mixes]))})")
    base = mixes[f]
    lo = GGML_BITS[base]
    hi = GGML_BITS["q6_k"] if f.endswith("_m") else lo
    L, h = m.layers, m.hidden_dim
    wv = h * m.n_kv * m.d_head
    down = m.d_ff * h  # dense FFN down projection
    more = sum(1 for i in range(L) if _use_more_bits(i, L))
    head = m.vocab_size * h
    emb = m.vocab_size * h
    total = m.total_parameters
    heavy = more * (wv + down) + (0.0 if m.tied_embeddings else head)
    read = total - (0.0 if m.tied_embeddings else emb)
    stored_bits = (heavy * hi + (total - heavy) * lo) / total
    read_bits = (heavy * hi + (read - heavy) * lo) / read
    return read_bits, stored_bits, base


_XS: dict[int, tuple] = {}


def gemm_size_factor(curve, flops: float) -> float:
    """Fraction of the large-GEMM rate a GEMM of ``flops`` FLOPs reaches, interpolated in
    log10(FLOPs) on a measured GEMM size sweep (``_defaults.gemm_size_curve``) and held at its
    ends; 1 without a sweep (small GEMMs fill too few output tiles for full waves of the
    streaming multiprocessors)."""
    if not curve or flops <= 0:
        return 1.0
    e = _XS.get(id(curve))
    if e is None or e[0] is not curve:
        e = _XS[id(curve)] = (curve, [x for x, _ in curve])
    xs = e[1]
    x = math.log10(flops)
    i = bisect.bisect_left(xs, x)
    if i == 0:
        return curve[0][1]
    if i == len(xs):
        return curve[-1][1]
    (x0, y0), (x1, y1) = curve[i - 1], curve[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def dense_gemm_shapes(m) -> list[tuple[float, float]] | None:
    """(weights N·K of one GEMM, how many per pass) of a dense decoder's matmuls: per layer the
    fused QKV projection h·(a + 2·n_kv)·d, the output projection a·d·h, the fused up/gate
    projection h·g·f and the down projection f·h; once, the output head V·h. None for MoE and
    MLA models (their expert and latent GEMMs are priced in aggregate)."""
    t = model_terms(m) if getattr(m, "kind", None) == "transformer" else {}
    if "gemm_shapes" in t:
        return t["gemm_shapes"]
    if getattr(m, "is_moe", False) or getattr(m, "is_mla", False):
        shapes = None
    else:
        h, a, k, d, f, L = m.hidden_dim, m.heads, m.n_kv, m.d_head, m.d_ff, m.layers
        g = 2 if m.gated_mlp else 1
        shapes = [(h * (a + 2 * k) * d, L), (a * d * h, L), (h * g * f, L), (f * h, L), (m.vocab_size * h, 1)]
    if t:
        t["gemm_shapes"] = shapes  # computed once per model, like the other shape-derived terms
    return shapes
