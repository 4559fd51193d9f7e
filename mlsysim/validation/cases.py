"""Validation cases: published measurements, loaded from ``mlsysim/data/validation/<family>/*.toml``.

One file per measurement. Each names the workload, the system, the configuration the source
states, the measured value with its unit, the source with a locator (table, figure, log file)
and a confidence grade ([V] read in the primary source, [S] secondary, [U] uncertain)::

    id = "gptfast_llama2_7b_bf16_1gpu_a100_330w"
    family = "serving"
    title = "..."
    metric = "decode_tokens_per_second"
    measured = "104.9 tok/s"
    bottleneck = "memory"            # optional: only when the source states it

    [workload]  model = "Llama2_7B"
    [system]    hardware = "A100"  gpus = 1  power_cap = "330 W"
    [config]    tp = 1  batch_size = 1  input_len = 5  precision = "bf16"
    [source]    url = "..."  locator = "..."  confidence = "V"  quote = "..."

Calibration rows (``mlsysim/data/calibration/``) are a different thing: the microbenchmarks the
solvers' default efficiencies come from. They are listed by :func:`calibration_rows` with the
default each one feeds, and never counted in error figures.
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..core.errors import ConfigError
from ..registry import DATA_DIR

__all__ = ["Case", "FAMILIES", "families", "load_cases", "load_case", "CalibrationRow", "calibration_rows", "calibration_duplicate",
           "VALIDATION_DIR"]

VALIDATION_DIR = DATA_DIR / "validation"

#: families in report order, with the minimum number of cases each must hold
FAMILIES: dict[str, int] = {
    "training": 12,
    "serving": 12,
    "collectives": 4,
    "energy": 5,
    "compute": 5,
    "reliability": 2,
    "edge": 10,
}

_TOP = {"id", "family", "title", "metric", "measured", "bottleneck", "workload", "system", "config", "source"}
_SOURCE = {"url", "title", "locator", "retrieved", "confidence", "quote", "notes"}
_CONFIDENCE = {"V", "S", "U"}
_BOTTLENECKS = {"memory", "compute", "communication", "overhead"}


@dataclass(frozen=True)
class Case:
    """One published measurement and everything the source states about how it was made."""

    id: str
    family: str
    title: str
    metric: str
    measured: object  #: a pint Quantity (dimensionless for fractions and counts)
    workload: dict
    system: dict
    config: dict
    source: dict
    bottleneck: str | None = None  #: the bottleneck the source states, lower case, or None
    path: str = ""

    @property
    def confidence(self) -> str:
        return self.source.get("confidence", "U")

    @property
    def unit(self) -> str:
        """The unit the measurement is stated in (``""`` for a plain number)."""
        u = f"{self.measured.units:~C}"
        return "" if u in ("", "dimensionless") else u

    @property
    def value(self) -> float:
        return float(self.measured.magnitude)

    @property
    def citation(self) -> str:
        """``title, locator`` of the source, for tables."""
        s = self.source
        return ", ".join(x for x in (s.get("title"), s.get("locator")) if x)


def _date(v):
    return v.isoformat() if isinstance(v, (_dt.date, _dt.datetime)) else v


def _case_from(data: dict, path: Path) -> Case:
    from ..core.units import Q_

    rel = path.relative_to(DATA_DIR.parent.parent) if DATA_DIR.parent.parent in path.parents else path
    where = str(rel)
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}")
    for key in ("id", "family", "title", "metric", "measured", "system", "source"):
        if key not in data:
            raise ConfigError(f"{where}: {key}: required field is missing")
    data = {"workload": {}, "config": {}, **data}  # a fleet-level measurement may name no workload
    if data["id"] != path.stem:
        raise ConfigError(f"{where}: id: {data['id']!r} differs from the file name {path.stem!r}")
    if data["family"] != path.parent.name:
        raise ConfigError(f"{where}: family: {data['family']!r} but the file is in {path.parent.name}/")
    for key in ("workload", "system", "config", "source"):
        if not isinstance(data[key], dict):
            raise ConfigError(f"{where}: {key}: expected a table")
    src = {k: _date(v) for k, v in data["source"].items()}
    bad = sorted(set(src) - _SOURCE)
    if bad:
        raise ConfigError(f"{where}: source.{bad[0]}: unknown key")
    for key in ("url", "locator", "confidence"):
        if not src.get(key):
            raise ConfigError(f"{where}: source.{key}: required field is missing")
    if src["confidence"] not in _CONFIDENCE:
        raise ConfigError(f"{where}: source.confidence: expected V, S or U, got {src['confidence']!r}")
    m = data["measured"]
    try:
        q = Q_(m) if isinstance(m, str) else Q_(float(m), "")
    except Exception:
        raise ConfigError(f"{where}: measured: cannot read {m!r} as a quantity") from None
    if not (float(q.magnitude) > 0):
        raise ConfigError(f"{where}: measured: must be positive, got {m!r}")
    b = data.get("bottleneck")
    if b is not None:
        b = str(b).lower()
        if b not in _BOTTLENECKS:
            raise ConfigError(f"{where}: bottleneck: expected one of {', '.join(sorted(_BOTTLENECKS))}, got {b!r}")
    return Case(
        id=data["id"], family=data["family"], title=data["title"], metric=data["metric"], measured=q,
        workload=dict(data["workload"]), system=dict(data["system"]), config=dict(data["config"]),
        source=src, bottleneck=b, path=where,
    )


def load_case(path: str | Path) -> Case:
    """One case from its TOML file (a ``ConfigError`` naming the file and field if invalid)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None
    return _case_from(data, path)


def families() -> list[str]:
    """The families in report order: the six of ``FAMILIES``, then any other folder of data."""
    extra = sorted(d.name for d in VALIDATION_DIR.iterdir() if d.is_dir() and d.name not in FAMILIES
                   and not d.name.startswith((".", "_"))) if VALIDATION_DIR.is_dir() else []
    return list(FAMILIES) + extra


@lru_cache(maxsize=1)
def _all_cases() -> tuple[Case, ...]:
    out = []
    for fam in families():
        for f in sorted((VALIDATION_DIR / fam).glob("*.toml")):
            out.append(load_case(f))
    return tuple(out)


def load_cases(family: str | None = None) -> list[Case]:
    """Every validation case of the package (optionally of one family), in report order."""
    if family is not None and family not in families():
        import difflib

        close = difflib.get_close_matches(family, families(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"family: unknown family {family!r}{hint} (one of {', '.join(families())})")
    return [c for c in _all_cases() if family is None or c.family == family]


# ---- calibration rows ------------------------------------------------------------------------

#: calibration quantity -> the default it feeds (a function of mlsysim/solvers/_defaults.py)
FEEDS = {
    "gemm_efficiency": "gemm_efficiency(hw, precision): achievable fraction of the dense peak",
    "memory_efficiency": "memory_efficiency(hw): achievable fraction of peak memory bandwidth",
    "engine_bandwidth": "engine_bandwidth(hw, unit): DRAM bandwidth one engine of a SoC reaches alone (caps memory_efficiency)",
    "attention_efficiency": "attention_efficiency(hw): fused-attention fraction of the 16-bit peak",
    "attention_efficiency_hopper": "attention_efficiency_hopper(hw): Hopper-native prompt attention (FlashAttention-3 class)",
    "attention_causal_curve": "attention_causal_factor(seq_len): FlashAttention-2 under a causal mask / non-causal",
    "attention_fa1_curve": "attention_fa1_factor(seq_len): FlashAttention-1-class kernel / FlashAttention-2, causal",
    "gemm_size_curve": "gemm_size_curve(hw): GEMM rate against GEMM size, over the sweep's best",
    "overlap_slowdown": "overlap_slowdown(): compute slowed beside an overlapped collective",
    "allreduce_busbw": "allreduce_efficiency / allreduce_busbw_fraction(hw): busbw / link line rate",
    "allreduce_busbw_curve": "collective_ramp(hw): latency alpha and pipeline-fill bytes of a ring",
    "allreduce_latency": "collective_latency(hw): per-step latency alpha of a ring",
    "allreduce_latency_oneshot": "oneshot_allreduce_latency(hw): latency of a one-shot all-reduce",
    "kernel_boundary": "kernel_overhead(hw): GPU time lost per kernel boundary",
    "launch_overhead": "launch_overhead(hw): fixed time per kernel launch",
    "kernel_launch_overhead": "launch_overhead(hw, tier): fixed time per kernel launch without CUDA graphs (its tier)",
    "p2p_bandwidth": "nic_efficiency(line rate): attainable fraction of a NIC's line rate",
    "dp_overlap": "dp_overlap_chunks(): exposed data-parallel communication chunks",
    "moe_load_imbalance": "moe_load_imbalance(): busiest expert / mean",
}


def _feeds(row: dict) -> str:
    q = row.get("quantity", "")
    if row.get("multi_node"):
        return "feeds no default (multi-node: a validation candidate)"
    if q in ("gemm_efficiency", "memory_efficiency", "attention_efficiency", "allreduce_busbw") and not isinstance(
            row.get("fraction"), (int, float)):
        return "feeds no default (no fraction of a peak)"
    if q == "p2p_bandwidth" and not str(row.get("hardware", "")).startswith("NIC_"):
        return "feeds no default (kept for reference)"
    return FEEDS.get(q, "feeds no default (kept for reference)")


@dataclass(frozen=True)
class CalibrationRow:
    """A microbenchmark that a default efficiency is derived from (never a validation case)."""

    id: str
    quantity: str
    hardware: str | None
    precision: str | None
    measured: str | None
    peak: str | None
    fraction: float | None
    feeds: str
    source: dict = field(default_factory=dict)


def calibration_rows() -> list[CalibrationRow]:
    """The calibration rows, each with the default it feeds."""
    from ..solvers._defaults import calibration_rows as raw

    out = []
    for r in raw():
        src = {k: _date(v) for k, v in (r.get("source") or {}).items()}
        q = r.get("quantity", "")
        out.append(CalibrationRow(
            id=r["id"], quantity=q, hardware=r.get("hardware"), precision=r.get("precision"),
            measured=r.get("measured"), peak=r.get("peak"),
            fraction=r.get("fraction") if isinstance(r.get("fraction"), (int, float)) else None,
            feeds=_feeds(r), source=src,
        ))
    return out


def _norm_quote(q) -> str:
    return " ".join(str(q or "").split())


def calibration_duplicate(case: Case) -> str | None:
    """The id of a calibration row that *is* this measurement (same source address or the same
    quoted line, or a row whose ``derived_from`` names this case: the holdout anchors of a tier),
    so a default was derived from it: such a case is shown but never counted.
    Rows that feed no efficiency default (multi-node rows, rows of another quantity such as a
    scaling-law fit) do not make a case a duplicate."""
    from ..solvers._defaults import calibration_rows as raw

    url = (case.source.get("url") or "").rstrip("/")
    quote = _norm_quote(case.source.get("quote"))
    for r in raw():
        if r.get("quantity") not in FEEDS or _feeds(r).startswith("feeds no default"):
            continue  # a row that sets no efficiency default (or a different quantity) is not this measurement
        if r.get("derived_from") == case.id:
            return r["id"]
        src = r.get("source") or {}
        if url and (src.get("url") or "").rstrip("/") == url:
            return r["id"]
        if quote and len(quote) > 20 and _norm_quote(src.get("quote")) == quote:
            return r["id"]
    return None
