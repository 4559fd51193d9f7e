"""Compression (the fidelity wall): quantization and pruning as changes to bytes, FLOPs and time.

With weight bits b_w (plus 32/g bits of scale and zero per group of g), KV bits b_kv, a sparsity
pattern and the matrix-math precision, one forward pass is priced by the roofline of each variant:

    W'      = P · (b_w + 32/g)/8 · ρ_bytes            weight bytes (eq. C1)
    ρ_bytes = 1/2 · (b + 2/8)/b   for 2:4 (2 bits of index per kept value), 1 − f structured, 1 otherwise
    T_c'    = (F_mm · κ + F_attn) / (peak(p_math) · η),  κ = 1/s for 2:4, 1 − f structured   (eq. C2)
    T'      = max(T_c', (W' + KV' + A') / (β · η_mem))              (eq. C3)

s is the measured 2:4 speedup of the matrix multiplies, applied only on hardware with sparse
matrix units (``mlsysim/data/compression/sparsity_2_4.toml``). Weight-only quantization keeps the
math at the base precision (weights are dequantized on the fly). The accuracy side is never
modelled: the result lists published measurements (perplexity before and after) from
``mlsysim/data/compression/accuracy/``.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache

from ..core.errors import ConfigError
from ..core.precision import normalize_precision
from ..core.result import Result, field, qfield
from ..registry import DATA_DIR
from . import _defaults
from ._inputs import as_hardware, as_model, check_efficiency, check_positive_int
from ._terms import activation_bytes, bpe, forward_flops, hw_terms, model_terms, peak_rate

__all__ = ["CompressionModel", "CompressionResult", "sparsity_2_4", "accuracy_rows", "weight_bytes_per_parameter",
           "sparse_byte_factor"]

_DIR = DATA_DIR / "compression"
_BITS = {"fp32": 32, "bf16": 16, "fp16": 16, "fp8": 8, "int8": 8, "fp4": 4, "int4": 4}


@lru_cache(maxsize=1)
def _table() -> dict:
    return tomllib.loads((_DIR / "sparsity_2_4.toml").read_text("utf-8"))


@lru_cache(maxsize=4)
def _single(name: str) -> dict:
    return tomllib.loads((_DIR / f"{name}.toml").read_text("utf-8"))


def sparsity_2_4(hw) -> tuple[bool, str]:
    """(has 2:4 sparse matrix units, evidence): the device's entry, else the vendor/generation rule."""
    t = _table()
    entry = t.get("hardware", {}).get(hw.id or "")
    if entry is not None:
        return bool(entry["supported"]), entry["evidence"]
    rule = t["rule"]
    ok = (hw.vendor or "").upper() == rule["vendor"].upper() and (hw.year or 0) >= rule["min_year"]
    why = f"rule: {rule['vendor']} devices from {rule['min_year']} on ({rule['source']['title']})"
    return ok, (why if ok else f"not listed and outside the {why}")


@lru_cache(maxsize=1)
def _accuracy() -> tuple[dict, ...]:
    out = []
    for f in sorted((_DIR / "accuracy").glob("*.toml")):
        d = tomllib.loads(f.read_text("utf-8"))
        d.setdefault("id", f.stem)
        out.append(d)
    return tuple(out)


def accuracy_rows(weight_bits: int | None = None, activation_bits: int | None = None, pattern: str | None = None,
                  fraction: float | None = None) -> list[dict]:
    """Published accuracy measurements matching a scheme: one dict per (paper, model) with the metric
    before and after, the absolute and relative change and the source."""
    out = []
    for d in _accuracy():
        if d["kind"] == "quantization":
            if pattern is not None or weight_bits is None:
                continue
            if d["weight_bits"] != weight_bits or d["activation_bits"] != (activation_bits or 16):
                continue
        else:
            if pattern is None or d["pattern"] != pattern:
                continue
            if fraction is not None and abs(d.get("fraction", 0.5) - fraction) > 0.051:
                continue
        for m, b, c in zip(d["models"], d["baseline"], d["compressed"]):
            out.append({"method": d["method"], "model": m, "metric": d["metric"], "baseline": b, "compressed": c,
                        "delta": round(c - b, 4), "relative": round((c - b) / b, 4), "source": d["id"],
                        "citation": d["source"]["title"]})
    return out


# ---- formula functions (math page: "Fidelity wall") ---------------------------------------
def weight_bytes_per_parameter(bits: float, group_size: int | None) -> float:
    """(b_w + 32/g) / 8: quantized bytes per weight with an fp16 scale and zero per group of g (eq. C1)."""
    return (bits + (32.0 / group_size if group_size else 0.0)) / 8.0


def sparse_byte_factor(pattern: str | None, fraction: float, value_bits: float) -> float:
    """ρ_bytes: 2:4 keeps half the values plus 2 bits of index each (PTX sparse storage);
    structured pruning removes a fraction f of the matrices; unstructured keeps dense storage."""
    if pattern == "2:4":
        meta = _single("sparse_metadata")["metadata_bits_per_nonzero"]
        return 0.5 * (value_bits + meta) / value_bits
    if pattern == "structured":
        return 1.0 - fraction
    return 1.0


class CompressionResult(Result):
    """Result of ``CompressionModel.solve``: bytes, FLOPs, times and speedups, with published accuracy."""

    model = field("workload name")
    hardware = field("device name")
    scheme = field("the compression in words, e.g. 'w4a16 g128, kv fp16, 2:4'")
    base_precision = field("precision of the uncompressed model")
    weight_precision = field("storage precision of the weights")
    math_precision = field("precision the matrix units run at")
    kv_precision = field("KV-cache precision (transformers)")
    sparsity = field("'2:4', 'unstructured', 'structured' or None")
    sparsity_fraction = field("fraction of weights removed (2:4 is 0.5)")
    sparsity_supported = field("the device has 2:4 sparse matrix units")
    sparsity_evidence = field("why the device does or does not")
    sparse_speedup = field("achieved speedup of 2:4 matrix multiplies used (1 when not applied)")
    batch_size = field("sequences or samples per pass")
    weight_bytes_base = qfield("weights before compression", "B", "GB")
    weight_bytes = qfield("weights after compression", "B", "GB")
    memory_reduction = field("weight bytes before / after")
    kv_bytes_per_token_base = qfield("KV bytes per token before", "B", "kB")
    kv_bytes_per_token = qfield("KV bytes per token after", "B", "kB")
    flops_base = qfield("FLOPs of one forward pass (prefill) before", "FLOP", "GFLOP")
    flops = qfield("FLOPs executed after (2:4 skips half the matrix math; structured pruning removes rows)", "FLOP", "GFLOP")
    prefill_time_base = qfield("forward pass (prefill) before", "s", "ms")
    prefill_time = qfield("forward pass (prefill) after", "s", "ms")
    prefill_speedup = field("prefill before / after")
    decode_time_base = qfield("one decode step before (None for non-transformers)", "s", "ms")
    decode_time = qfield("one decode step after", "s", "ms")
    decode_speedup = field("decode step before / after")
    decode_bottleneck = field("what bounds the compressed decode step (or forward pass)")
    fits_base = field("uncompressed weights + KV fit in device memory")
    fits = field("compressed weights + KV fit in device memory")
    accuracy = field("published measurements for this scheme: method, model, metric, before, after, change, source")
    accuracy_delta_range = field("(min, max) absolute change of the metric across the published rows (None if none)")
    assumptions = field("modelling choices and sources")


def _bits(p: str) -> int:
    return _BITS[p]


class CompressionModel:
    """Quantization (weights, activations, KV cache) and pruning (2:4, unstructured, structured)."""

    def solve(self, model, hardware, *, weight_precision: str = "int4", activation_precision: str | None = None,
              kv_precision: str | None = None, base_precision: str = "bf16", group_size: int | None = None,
              sparsity: str | None = None, sparsity_fraction: float = 0.5, batch_size: int = 1,
              seq_len: int | None = None, context: int | None = None, sparse_speedup: float | None = None,
              efficiency: float | None = None, memory_efficiency: float | None = None) -> CompressionResult:
        """Compare a compressed model with its base on one device.

        Parameters
        ----------
        model, hardware
            Workload (transformer or CNN) and device, objects or registry names.
        weight_precision
            Storage of the weights: ``int8``, ``fp8``, ``int4``, ``fp4`` (or ``bf16`` for pruning only).
        activation_precision
            Precision of the matrix math and activations (``int8``/``fp8`` for W8A8); None keeps the
            base precision (weight-only quantization: dequantize on the fly).
        kv_precision
            KV-cache precision (``fp8``, ``int8``, ``int4``); default the base precision.
        base_precision
            Precision of the uncompressed model (``bf16``).
        group_size
            Quantization group g (an fp16 scale and zero per g weights); None: per-channel, negligible.
        sparsity, sparsity_fraction
            ``"2:4"`` (fraction 0.5), ``"unstructured"`` or ``"structured"`` pruning of a fraction f.
        batch_size, seq_len, context
            Sequences per pass, prompt length (prefill) and decode context (default seq_len).
        sparse_speedup
            Achieved 2:4 matmul speedup (default the measured value in the data).
        efficiency, memory_efficiency
            Achievable fractions of peak (defaults: calibration data).
        """
        model = as_model(model)
        hw = as_hardware(hardware)
        base_p = normalize_precision(base_precision)
        w_p = normalize_precision(weight_precision)
        a_p = normalize_precision(activation_precision) if activation_precision is not None else base_p
        kv_p = normalize_precision(kv_precision) if kv_precision is not None else base_p
        for name, p in (("weight_precision", w_p), ("activation_precision", a_p), ("base_precision", base_p)):
            if p not in _BITS:
                raise ConfigError(f"{name}: {p} is not a storage format this solver knows ({', '.join(_BITS)})")
        b = check_positive_int(batch_size, "batch_size", 10**7)
        g = check_positive_int(group_size, "group_size", 10**6) if group_size is not None else None
        if sparsity not in (None, "2:4", "unstructured", "structured"):
            raise ConfigError(f"sparsity: expected '2:4', 'unstructured', 'structured' or None, got {sparsity!r}")
        f = 0.5 if sparsity == "2:4" else (float(sparsity_fraction) if sparsity else 0.0)
        if sparsity and not 0 < f < 1:
            raise ConfigError(f"sparsity_fraction: must be in (0, 1), got {sparsity_fraction!r}")
        assumptions: list[str] = []
        t = model_terms(model)
        h = hw_terms(hw)
        eta_m = check_efficiency(memory_efficiency, "memory_efficiency") if memory_efficiency is not None \
            else _defaults.memory_efficiency(hw).value
        bw = h["bw"] * eta_m

        def rate(p):
            peak, used = peak_rate(hw, p)
            eta = check_efficiency(efficiency, "efficiency") if efficiency is not None \
                else _defaults.gemm_efficiency(hw, used).value
            if used != p:
                assumptions.append(f"{hw.name} has no native {p} peak; math at its {used} peak")
            return peak * eta

        rate_base, rate_new = rate(base_p), rate(a_p)
        supported, evidence = sparsity_2_4(hw)
        s24 = 1.0
        if sparsity == "2:4":
            if supported:
                if sparse_speedup is not None:
                    s24 = float(sparse_speedup)
                    if not 1.0 <= s24 <= 2.0:
                        raise ConfigError(f"sparse_speedup: expected a value between 1 and 2, got {sparse_speedup!r}")
                else:
                    row = _single("sparse_speedup_wanda")
                    s24 = float(row["linear_layer_speedup"])
                    assumptions.append(f"2:4 matmul speedup {s24} (measured: {row['source']['title']})")
            else:
                assumptions.append(f"{hw.name} has no 2:4 sparse matrix units ({evidence}): stored and run dense, no gain")
        elif sparsity == "unstructured":
            assumptions.append("unstructured sparsity: dense storage and dense kernels, no speed gain (accuracy only)")

        # bytes per weight
        by_base = bpe(base_p)
        by_w = weight_bytes_per_parameter(_bits(w_p), g)
        if g:
            assumptions.append(f"group size {g}: an fp16 scale and zero per group (+{32 / g:.2f} bits per weight)")
        applied = sparsity == "structured" or (sparsity == "2:4" and supported)
        rho_b = sparse_byte_factor(sparsity, f, _bits(w_p)) if applied else 1.0
        rho_f = (1.0 - f) if applied else 1.0
        # time factor of the matrix multiplies: the measured 2:4 speedup already counts the skipped half
        k_mm = (1.0 / s24) if (sparsity == "2:4" and supported) else rho_f
        P = t["P"]
        kind = t["kind"]
        if kind == "transformer":
            s = check_positive_int(seq_len, "seq_len", 10**8) if seq_len is not None else t["seq_len"]
            c = check_positive_int(context, "context", 10**8) if context is not None else s
            mm = t["P_matmul"]
            non_mm = P - mm  # embedding table: looked up, not multiplied; kept at the base precision
            w_base = P * by_base
            w_new = mm * by_w * rho_b + non_mm * by_base
            kv_tok_base = t["kv_elems"] * bpe(base_p)
            kv_tok = t["kv_elems"] * bpe(kv_p)
            tokens = b * s
            f_mm, f_attn = tokens * 2.0 * mm, tokens * t["attn_coeff"] * (s + 1) / 2.0
            flops_base = f_mm + f_attn
            flops_new = f_mm * rho_f + f_attn
            tc_b = flops_base / rate_base
            tc_n = (f_mm * k_mm + f_attn) / rate_new
            act_b = activation_bytes(t, tokens, by_base)
            act_n = activation_bytes(t, tokens, bpe(a_p))
            tm_b = (w_base + act_b + tokens * kv_tok_base) / bw
            tm_n = (w_new + act_n + tokens * kv_tok) / bw
            pre_b, pre_n = max(tc_b, tm_b), max(tc_n, tm_n)
            # decode step at context c
            d_mm, d_attn = b * 2.0 * mm, b * t["attn_coeff"] * c
            dc_b = (d_mm + d_attn) / rate_base
            dc_n = (d_mm * k_mm + d_attn) / rate_new
            dm_b = (w_base + b * c * kv_tok_base + activation_bytes(t, b, by_base)) / bw
            dm_n = (w_new + b * c * kv_tok + activation_bytes(t, b, bpe(a_p))) / bw
            dec_b, dec_n = max(dc_b, dm_b), max(dc_n, dm_n)
            bott = "Compute" if dc_n >= dm_n else "Memory"
            need_b = w_base + b * c * kv_tok_base
            need_n = w_new + b * c * kv_tok
        else:
            c = s = None
            w_base = P * by_base
            w_new = P * by_w * rho_b
            kv_tok_base = kv_tok = 0.0
            flops_base = b * t["flops"]
            flops_new = flops_base * rho_f
            act = (t["act_elems"] or t["input_elems"]) * b
            tc_b = flops_base / rate_base
            tc_n = flops_base * k_mm / rate_new
            tm_b = (w_base + act * by_base) / bw
            tm_n = (w_new + act * bpe(a_p)) / bw
            pre_b, pre_n = max(tc_b, tm_b), max(tc_n, tm_n)
            dec_b = dec_n = None
            bott = "Compute" if tc_n >= tm_n else "Memory"
            need_b, need_n = w_base, w_new
        if a_p == base_p and w_p != base_p:
            assumptions.append(f"weight-only {w_p}: math at {base_p} (dequantized on the fly)")
        rows = accuracy_rows(pattern=sparsity, fraction=f if sparsity else None) if sparsity else []
        if w_p != base_p:
            rows += accuracy_rows(weight_bits=_bits(w_p), activation_bits=_bits(a_p) if a_p != base_p else 16)
        if kv_p != base_p:
            assumptions.append(f"KV cache in {kv_p}: no published accuracy row in the data for KV quantization")
        deltas = [r["delta"] for r in rows]
        scheme = f"w{_bits(w_p)}a{_bits(a_p)}" + (f" g{g}" if g else "") + f", kv {kv_p}" + (f", {sparsity}" if sparsity else "")
        if sparsity and sparsity != "2:4":
            scheme += f" {f:.0%}"
        cap = h["cap"]
        return CompressionResult._make({
            "model": model.name, "hardware": hw.name, "scheme": scheme, "base_precision": base_p,
            "weight_precision": w_p, "math_precision": a_p, "kv_precision": kv_p if kind == "transformer" else None,
            "sparsity": sparsity, "sparsity_fraction": f, "sparsity_supported": supported,
            "sparsity_evidence": evidence, "sparse_speedup": s24, "batch_size": b,
            "weight_bytes_base": w_base, "weight_bytes": w_new, "memory_reduction": w_base / w_new,
            "kv_bytes_per_token_base": kv_tok_base, "kv_bytes_per_token": kv_tok,
            "flops_base": flops_base, "flops": flops_new,
            "prefill_time_base": pre_b, "prefill_time": pre_n, "prefill_speedup": pre_b / pre_n,
            "decode_time_base": dec_b, "decode_time": dec_n,
            "decode_speedup": (dec_b / dec_n) if dec_b is not None else None, "decode_bottleneck": bott,
            "fits_base": need_b <= cap, "fits": need_n <= cap, "accuracy": tuple(rows),
            "accuracy_delta_range": (min(deltas), max(deltas)) if deltas else None,
            "assumptions": tuple(assumptions),
        })
