"""Per-workload FLOP and byte counts, as plain floats in SI units (FLOP, bytes, seconds).

These are the small formula functions the solvers compose. Each docstring gives the
equation and its source; symbols follow the math page (P parameters, L layers, h hidden,
a heads, n_kv KV heads, d head dim, f FFN width, V vocabulary, s sequence, b batch).
"""

from __future__ import annotations

from ..core.precision import PRECISIONS, normalize_precision

__all__ = ["hw_terms", "model_terms", "peak_rate"]


def hw_terms(hw) -> dict:
    """SI magnitudes of a device, computed once per object."""
    t = hw._fast
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
        hw._fast = t
    return t


def peak_rate(hw, precision: str) -> tuple[float, str]:
    """(dense peak FLOP/s, precision it runs at) with the device's fallback for missing formats."""
    t = hw_terms(hw)
    r = t["rates"].get(precision)
    if r is None:
        q, used = hw.compute.peak(precision)
        r = (float(q.to("FLOP/s").magnitude), used)
        t["rates"][precision] = r
    return r


def model_terms(m) -> dict:
    """Shape-derived counts of a workload, computed once per object."""
    t = m._fast
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
        act = (h + qkv) + (qkv + a * d) + (a * d + h) + (h + g * f_active) + (g * f_active + f_active) + (f_active + h) + 10 * h
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
            "act_elems": float(act * L),  # per token, all layers
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
            "kernels": 2 * m.layers if m.layers else 0,
            "emb_bytes_elems": 0.0,
        }
        if kind == "recsys":
            lookups = m.embedding_lookups_per_sample or 0.0
            t["emb_elems"] = lookups * (m.embedding_dim or 0)
            t["P_dense"] = float(m.parameters - (m.embedding_parameters or 0.0))
    m._fast = t
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
    (Kaplan et al. 2020, Table 1; c̄ the mean context a token attends to)."""
    return tokens * (2.0 * t["P_matmul"] + t["attn_coeff"] * mean_context)


def activation_bytes(t: dict, tokens: float, b: float) -> float:
    """Activation traffic: every operator reads its inputs and writes its outputs once."""
    return tokens * t["act_elems"] * b
