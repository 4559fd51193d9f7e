"""Weight streaming and memory tiers (the streaming wall).

When the weights W do not fit in device memory C beside the KV cache, the part that does not
fit is read over the host link (PCIe, NVLink-C2C) or from flash on every step (FlexGen,
Sheng et al. 2023; ZeRO-Infinity, Rajbhandari et al. 2021):

    W_res    = max(0, C − KV(b) − A(b)),  W_s = W − W_res          resident and streamed bytes (eq. S1)
    T_link   = k · W_s / β_link        (k = 1 decode/inference, 3 training: weights in, again, grads out)
    T_device = max(F / (peak·η), (W + KV) / (β_mem·η_mem))        the on-device roofline (eq. S2)
    T_step   = max(T_link, T_device)   (overlap)   or   T_link + T_device   (no overlap)   (eq. S3)
    b*       = smallest batch with T_device ≥ T_link: where streaming stops being the bottleneck (eq. S4)

A model that fits in on-chip SRAM (``memory.sram``, wafer-scale engines, MCUs) is read at the
SRAM bandwidth; an MCU runs weights from flash (``memory.flash``) at the flash bandwidth given.
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache

from ..core.errors import ConfigError
from ..core.precision import normalize_precision
from ..core.result import Result, field, qfield
from ..registry import DATA_DIR
from . import _defaults
from ._inputs import as_hardware, as_model, check_efficiency, check_positive_int, opt_quantity
from ._terms import activation_bytes, bpe, forward_flops, hw_terms, model_terms, peak_rate

__all__ = ["WeightStreamingModel", "WeightStreamingResult", "host_link_bandwidth", "streamed_bytes",
           "crossover_batch"]


@lru_cache(maxsize=1)
def _links() -> tuple[dict, ...]:
    out = []
    for f in sorted((DATA_DIR / "streaming").glob("*.toml")):
        d = tomllib.loads(f.read_text("utf-8"))
        d.setdefault("id", f.stem)
        out.append(d)
    return tuple(out)


def host_link_bandwidth(hw, link: str = "auto") -> tuple[float, str]:
    """(per-direction bytes/s, source) of the link weights stream over: a host-link row for the
    device (NVLink-C2C of GH200), else its PCIe bandwidth, else ConfigError."""
    from ..core.units import Q_

    if link in ("auto", "c2c"):
        for r in _links():
            if r.get("hardware") == hw.id:
                return float(Q_(r["bandwidth"]).to("B/s").magnitude), f"streaming:{r['id']} ({r['name']})"
        if link == "c2c":
            raise ConfigError(f"link: no NVLink-C2C row for {hw.name}; give link_bandwidth")
    if link in ("auto", "pcie"):
        pcie = hw_terms(hw)["pcie"]
        if pcie:
            return pcie, f"{hw.name} PCIe per direction"
    raise ConfigError(f"link_bandwidth: {hw.name} has no host-link bandwidth in its data; give link_bandwidth")


def streamed_bytes(weights: float, capacity: float, other: float) -> tuple[float, float]:
    """(W_res, W_s): what stays on the device beside the other resident bytes, and what streams (eq. S1)."""
    res = min(weights, max(0.0, capacity - other))
    return res, weights - res


def crossover_batch(step_time, link_time, b_max: int = 1 << 24) -> int | None:
    """Smallest batch b with T_device(b) ≥ T_link(b) (bisection on a monotone difference; eq. S4)."""
    if step_time(1) >= link_time(1):
        return 1
    lo, hi = 1, 2
    while step_time(hi) < link_time(hi):
        lo, hi = hi, hi * 2
        if hi > b_max:
            return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if step_time(mid) >= link_time(mid):
            hi = mid
        else:
            lo = mid
    return hi


class WeightStreamingResult(Result):
    """Result of ``WeightStreamingModel.solve``: which tier holds the weights and what streaming costs."""

    model = field("workload name")
    hardware = field("device name")
    mode = field("'inference' (one decode step or forward pass) or 'training' (one step)")
    precision = field("weight precision")
    batch_size = field("sequences (or samples) per step")
    tier = field("where the weights are read from: 'sram', 'device', 'streamed' (host link) or 'flash'")
    weight_bytes = qfield("W: all weights", "B", "GB")
    resident_bytes = qfield("weights kept in device memory", "B", "GB")
    streamed_bytes = qfield("weights read over the link per step (× passes)", "B", "GB")
    other_bytes = qfield("KV cache and activations held on the device", "B", "GB")
    device_capacity = qfield("device memory (or SRAM for an SRAM-resident model)", "B", "GB")
    link = field("the link weights stream over")
    link_bandwidth = qfield("per-direction link bandwidth used", "B/s", "GB/s")
    link_time = qfield("streamed bytes / link bandwidth", "s", "ms")
    compute_time = qfield("FLOPs / (peak·η)", "s", "ms")
    memory_time = qfield("bytes / (tier bandwidth · η_mem)", "s", "ms")
    device_time = qfield("max(compute, memory): the step if the weights were resident", "s", "ms")
    step_time = qfield("max(link, device) with overlap, else the sum", "s", "ms")
    throughput = qfield("tokens (or samples) per second", "token/s")
    bottleneck = field("'Link', 'Compute' or 'Memory'")
    slowdown = field("step time / device time: the cost of streaming")
    crossover_batch = field("smallest batch at which streaming stops being the bottleneck (None: never below 2^24)")
    assumptions = field("modelling choices and sources")


class WeightStreamingModel:
    """Serve or train a model larger than device memory by streaming weights, or from on-chip SRAM."""

    def solve(self, model, hardware, *, batch_size: int = 1, seq_len: int | None = None, context: int | None = None,
              precision: str = "fp16", mode: str = "inference", link: str = "auto", link_bandwidth=None,
              overlap: bool = True, flash_bandwidth=None, efficiency: float | None = None,
              memory_efficiency: float | None = None, link_efficiency: float = 1.0) -> WeightStreamingResult:
        """Price one step with the weights in the fastest tier that holds them.

        Parameters
        ----------
        model, hardware
            Workload and device (objects or registry names).
        batch_size
            Sequences per decode step (transformers) or samples per pass.
        seq_len, context
            Prompt length and decode context (transformers; default the model's context).
        mode
            ``"inference"`` (a transformer: one decode step at ``context``; others: a forward pass)
            or ``"training"`` (forward + backward, weights streamed in twice and gradients out once).
        link
            ``"auto"`` (a host-link row such as GH200's NVLink-C2C, else PCIe), ``"c2c"`` or ``"pcie"``.
        link_bandwidth
            Per-direction bandwidth of the link (overrides ``link``).
        overlap
            Streaming overlaps computation (max) or not (sum).
        flash_bandwidth
            Read bandwidth of on-chip flash, for MCUs that run weights from flash.
        link_efficiency
            Achievable fraction of the link's bandwidth (no sourced default: 1).
        """
        model = as_model(model)
        hw = as_hardware(hardware)
        if mode not in ("inference", "training"):
            raise ConfigError(f"mode: expected 'inference' or 'training', got {mode!r}")
        precision = normalize_precision(precision)
        b = check_positive_int(batch_size, "batch_size", 10**8)
        eta_l = check_efficiency(link_efficiency, "link_efficiency")
        assumptions: list[str] = []
        t = model_terms(model)
        h = hw_terms(hw)
        by = bpe(precision)
        peak, used = peak_rate(hw, precision)
        eta = check_efficiency(efficiency, "efficiency") if efficiency is not None else _defaults.gemm_efficiency(hw, used).value
        eta_m = check_efficiency(memory_efficiency, "memory_efficiency") if memory_efficiency is not None \
            else _defaults.memory_efficiency(hw).value
        rate = peak * eta
        W = t["P"] * by
        train = mode == "training"
        if t["kind"] == "transformer":
            s = check_positive_int(seq_len, "seq_len", 10**8) if seq_len is not None else t["seq_len"]
            c = check_positive_int(context, "context", 10**8) if context is not None else s
            kv_tok = t["kv_elems"] * by

            def other(bb):
                if train:
                    return activation_bytes(t, bb * s, by) / 2.0 + t["P"] * 12.0  # activations + fp32 Adam states
                return bb * c * kv_tok + activation_bytes(t, bb, by)

            def flops(bb):
                return 3.0 * forward_flops(t, bb * s, s) if train else forward_flops(t, bb, c)

            def dev_bytes(bb):
                return W * (3 if train else 1) + (activation_bytes(t, bb * s, by) * 3 if train else bb * c * kv_tok)

            unit = b * s if train else b
        else:
            act = t["act_elems"] or t["input_elems"]

            def other(bb):
                return bb * act * by * (2 if train else 1)

            def flops(bb):
                return bb * t["flops"] * (3.0 if train else 1.0)

            def dev_bytes(bb):
                return W * (3 if train else 1) + bb * act * by

            unit = b
        k = 3.0 if train else 1.0
        # which tier holds the weights
        sram = hw.memory.sram.to("B").magnitude if hw.memory.sram is not None else 0.0
        sram_bw = hw.memory.sram_bandwidth.to("B/s").magnitude if hw.memory.sram_bandwidth is not None else None
        flash = hw.memory.flash.to("B").magnitude if hw.memory.flash is not None else 0.0
        cap = h["cap"]
        o = other(b)
        link_name = "none"
        bw_link = 0.0
        tier_bw = h["bw"] * eta_m
        if sram and sram_bw and W + o <= sram:
            tier, res, ws = "sram", W, 0.0
            tier_bw = sram_bw * eta_m
            cap_used = sram
            assumptions.append(f"weights and state fit in on-chip SRAM ({sram / 1e6:g} MB): read at {sram_bw / 1e12:g} TB/s")
        elif W + o <= cap:
            tier, res, ws, cap_used = "device", W, 0.0, cap
        elif flash and W <= flash and o <= cap:
            if flash_bandwidth is None:
                raise ConfigError(f"flash_bandwidth: {model.name} runs from {hw.name}'s flash; give its read bandwidth")
            tier, res, ws, cap_used = "flash", 0.0, W, cap
            bw_link = opt_quantity(flash_bandwidth, "bandwidth", "flash_bandwidth") * eta_l
            link_name = "flash"
        else:
            tier, cap_used = "streamed", cap
            res, ws = streamed_bytes(W, cap, o)
            if link_bandwidth is not None:
                bw_link, link_name = opt_quantity(link_bandwidth, "bandwidth", "link_bandwidth"), "given"
            else:
                bw_link, link_name = host_link_bandwidth(hw, link)
            bw_link *= eta_l
            assumptions.append(f"{ws / 1e9:.1f} GB of weights streamed per pass over {link_name} "
                               f"at {bw_link / 1e9:g} GB/s (per direction)")
            if o > cap:
                assumptions.append("the KV cache / activations alone exceed device memory: infeasible without offloading them too")

        def link_t(bb):
            if tier not in ("streamed", "flash"):
                return 0.0
            if tier == "flash":
                return k * W / bw_link
            return k * streamed_bytes(W, cap, other(bb))[1] / bw_link

        def dev_t(bb):
            return max(flops(bb) / rate, dev_bytes(bb) / tier_bw)

        tl = link_t(b)
        tc = flops(b) / rate
        tm = dev_bytes(b) / tier_bw
        td = max(tc, tm)
        step = max(tl, td) if overlap else tl + td
        if tl > td:
            bott = "Link"
        else:
            bott = "Compute" if tc >= tm else "Memory"
        xb = crossover_batch(dev_t, link_t) if tier in ("streamed", "flash") else None
        if tier in ("streamed", "flash") and xb is None:
            assumptions.append("streaming stays the bottleneck at every batch up to 2^24")
        return WeightStreamingResult._make({
            "model": model.name, "hardware": hw.name, "mode": mode, "precision": precision, "batch_size": b,
            "tier": tier, "weight_bytes": W, "resident_bytes": res, "streamed_bytes": k * ws, "other_bytes": o,
            "device_capacity": cap_used, "link": link_name, "link_bandwidth": bw_link if bw_link else None,
            "link_time": tl, "compute_time": tc, "memory_time": tm, "device_time": td, "step_time": step,
            "throughput": unit / step, "bottleneck": bott, "slowdown": step / td, "crossover_batch": xb,
            "assumptions": tuple(assumptions),
        })
