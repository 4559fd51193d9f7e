"""Weight-streaming cases (offloaded weights and KV cache) through ``WeightStreamingModel``.

FlexGen (Sheng et al. 2023) keeps the weights *and* the KV cache in CPU DRAM and computes the
attention over the offloaded KV cache on the CPU, with 4-bit group-wise compression of both
(decompressed on the processor that uses them). ``WeightStreamingModel`` prices the weights
streamed over the host link and the on-device roofline; it has no CPU-side attention term (KV
read at the host's DRAM bandwidth, score FLOPs at the host CPU's rate, 4-bit decompression on the
CPU) and the sources give no host DRAM bandwidth or CPU peak for the machine used (an Intel Xeon
at 2.00 GHz with 208 GB of DRAM, model and channel count not stated). Without them a prediction
is a bound (about 20x too fast), so such a case is shown as not run with that reason, never
counted. A case whose KV cache stays on the device is priced by the solver as it stands.
"""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable

__all__ = ["predict"]


def predict(case) -> Prediction:
    try:
        from ...solvers.streaming import WeightStreamingModel  # noqa: F401
    except ImportError as exc:
        raise SolverUnavailable(f"mlsysim.solvers.streaming.WeightStreamingModel ({exc.name or exc})") from None
    placement = str(case.config.get("placement", "")).lower()
    if "kv cache in cpu" in placement or "kv" in placement and "cpu" in placement:
        raise NotRunnable("attention over a KV cache offloaded to CPU DRAM runs on the host CPU: WeightStreamingModel "
                          "has no CPU-attention term, and the source states neither the host's DRAM bandwidth nor its "
                          "CPU peak")
    raise NotRunnable(f"metric {case.metric!r} with placement {placement or 'not stated'!r} is not predicted by the "
                      "streaming adapter")
