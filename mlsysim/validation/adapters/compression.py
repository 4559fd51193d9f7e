"""Compression cases (quantized or pruned model against its base) through ``CompressionModel``.

``decode_speedup``: the base model's decode step over the compressed one's, as
``CompressionModel.solve(...).decode_speedup`` prices them on the stated device, with the stated
weight precision, base precision and batch. A storage format the engine has no precision for
(3-bit weights) makes the case not runnable.
"""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable, hardware_of, model_of, number

__all__ = ["predict"]

_FORMATS = {8: "int8", 4: "int4"}


def predict(case) -> Prediction:
    try:
        from ...solvers.compression import CompressionModel
    except ImportError as exc:
        raise SolverUnavailable(f"mlsysim.solvers.compression.CompressionModel ({exc.name or exc})") from None
    if case.metric != "decode_speedup":
        raise NotRunnable(f"metric {case.metric!r} is not predicted by the compression adapter")
    cf = case.config
    bits = cf.get("weight_bits")
    wp = _FORMATS.get(int(bits)) if isinstance(bits, (int, float)) else None
    if wp is None:
        raise NotRunnable(f"no {bits}-bit weight format in the engine")
    if int(case.system.get("gpus_fp16", 1)) != int(case.system.get("gpus_quantized", 1)):
        raise NotRunnable("the base model runs on more devices than the compressed one (pipelined layers)")
    from ...core.units import Q_

    model, hw = model_of(case), hardware_of(case)
    kw = {"weight_precision": wp, "base_precision": str(cf.get("base_precision", "bf16")),
          "batch_size": int(number(cf.get("batch_size", 1), "batch_size"))}
    r = CompressionModel().solve(model, hw, **kw)
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return Prediction(Q_(r.decode_speedup, ""), f"CompressionModel().solve(<{model.name}>, {hw.id!r}, {args}).decode_speedup",
                      str(r.decode_bottleneck).lower() if r.decode_bottleneck else None, tuple(r.assumptions))
