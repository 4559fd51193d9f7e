"""Shared pieces of the adapters: what a prediction is, why a case cannot run, and how a case's
stated inputs become API arguments (registry names, precisions, quantities)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...core.errors import UnknownNameError

__all__ = ["Prediction", "NotRunnable", "SolverUnavailable", "model_of", "hardware_of", "precision_of", "qty", "number",
           "fleet_of", "hours_of"]


@dataclass(frozen=True)
class Prediction:
    """What the model predicts for a case, in the unit of the measurement.

    ``call`` is the public API call that produced it (shown in reports, so a reader can rerun it);
    ``bottleneck`` is the term the model names as binding, lower case (or None).
    """

    value: object  # a pint Quantity
    call: str
    bottleneck: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: id of the data row a default was derived from when that row *is* this measurement
    #: (the case is then shown, never counted)
    calibration: str | None = None


class NotRunnable(Exception):
    """The case cannot be run as stated (a registry id is missing, an input the model needs is not
    stated by the source, or the metric is not one the model predicts). Shown, never counted."""


class SolverUnavailable(NotRunnable):
    """The solver this family needs is not importable (yet)."""


def model_of(case):
    """The workload the case names: a registry id (``workload.model``) or, when the source gives
    the shapes instead (``layers``, ``hidden_dim``, ...), a ``TransformerWorkload`` built from them."""
    from ...registry import Models

    wl = case.workload
    if "model" in wl:
        try:
            base = Models.get(wl["model"])
        except UnknownNameError:
            raise NotRunnable(f"unknown model {wl['model']}") from None
        shape = {k: wl[k] for k in _SHAPE if k in wl and k not in ("parameters",)}
        return base.copy(**shape) if shape else base
    if "layers" in wl and "hidden_dim" in wl and "heads" in wl:
        from ...models.types import TransformerWorkload

        kw = {k: wl[k] for k in _SHAPE if k in wl}
        return TransformerWorkload(name=wl.get("name", case.id), **kw)
    raise NotRunnable("workload has no registry id and no architecture (layers, hidden_dim, heads)")


_SHAPE = ("architecture", "layers", "hidden_dim", "heads", "kv_heads", "head_dim", "ffn_dim", "vocab_size",
          "seq_len", "gated_mlp", "tied_embeddings", "parameters")


def hardware_of(case):
    from ...registry import Hardware

    name = case.system.get("hardware")
    if not name:
        raise NotRunnable("system.hardware is not stated")
    try:
        return Hardware.get(name)
    except UnknownNameError:
        raise NotRunnable(f"unknown hardware {name}") from None


def precision_of(text: str | None, default: str = "bf16") -> tuple[str, int | None]:
    """(precision, quantization group size) from a source's wording:
    ``"int4 weight-only, group size 32"`` -> ``("int4", 32)``; ``"amp_bf16"`` -> ``("bf16", None)``."""
    if not text:
        return default, None
    t = str(text).lower()
    group = None
    m = re.search(r"group(?: size)?\s*=?\s*(\d+)|g\s*=\s*(\d+)", t)
    if m:
        group = int(m.group(1) or m.group(2))
    for p in ("fp8", "int8", "int4", "fp4", "bf16", "fp16", "fp32", "tf32"):
        if p in t:
            return p, group
    if "mixed" in t:
        return default, group
    return default, group


def qty(v, unit: str | None = None):
    """A quantity from a case field (string with a unit); in ``unit`` when given."""
    from ...core.units import Q_

    q = Q_(v) if isinstance(v, str) else v
    return q.to(unit) if unit else q


def number(v, name: str) -> float:
    """A plain number from a case field; NotRunnable when the source states it only in words."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise NotRunnable(f"{name} is not stated as a number ({v!r})")
    return float(v)


def fleet_of(case):
    """A ``Fleet`` of the stated device, GPUs per node and GPU count (nodes rounded up), on the
    stated fabric when the registry knows it."""
    import math

    from ...registry import Systems
    from ...systems.types import Fleet, Node

    hw = hardware_of(case)
    sy = case.system
    gpus = sy.get("gpus") or case.config.get("gpus") or case.config.get("accelerators")
    if not isinstance(gpus, (int, float)):
        raise NotRunnable("number of accelerators not stated")
    gpn = int(sy.get("gpus_per_node") or min(8, int(gpus)))
    fabric = None
    if sy.get("fabric"):
        try:
            fabric = Systems.Fabrics.get(sy["fabric"])
        except UnknownNameError:
            fabric = None
    node = Node(name=f"{hw.id} x{gpn}", accelerator=hw, accelerators_per_node=gpn)
    return Fleet(name=f"{int(gpus)}x {hw.id}", node=node, count=max(1, math.ceil(int(gpus) / gpn)), fabric=fabric)


def hours_of(v, name: str) -> float:
    """Hours from a case field ("14.8 day", "1 week", "3552000 h" or a number of hours)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        try:
            return float(qty(v, "h").magnitude)
        except Exception:
            pass
    raise NotRunnable(f"{name} is not stated as a time ({v!r})")
