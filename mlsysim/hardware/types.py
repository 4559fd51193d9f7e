"""Layer B, hardware: a device's compute, memory and links, with dense peaks per precision."""

from __future__ import annotations

from typing import Literal

from pydantic import PrivateAttr, model_validator

from ..core.errors import ConfigError
from ..core.precision import FALLBACK, PRECISIONS, normalize_precision
from ..core.types import Qty, Source, Spec

__all__ = ["ComputeCore", "MemoryHierarchy", "Interconnect", "HardwareNode", "TIERS"]

TIERS = ("cloud", "workstation", "mobile", "edge", "tiny")
_DEFAULT_ORDER = ("bf16", "fp16", "fp8", "int8", "tf32", "fp32", "int4", "fp4", "fp64")

Rate = Qty("compute_rate")


class ComputeCore(Spec):
    """Dense peak operation rates per precision (never the 'with sparsity' datasheet figure).

    ``peak_flops`` is the peak at the device's default 16-bit precision (bf16, else fp16,
    else the best precision it has) unless given explicitly.
    """

    peak_flops: Rate | None = None
    fp64: Rate | None = None
    fp32: Rate | None = None
    tf32: Rate | None = None
    bf16: Rate | None = None
    fp16: Rate | None = None
    fp8: Rate | None = None
    int8: Rate | None = None
    fp4: Rate | None = None
    int4: Rate | None = None

    @model_validator(mode="after")
    def _default_peak(self):
        if self.peak_flops is None:
            for p in _DEFAULT_ORDER:
                v = getattr(self, p)
                if v is not None:
                    object.__setattr__(self, "peak_flops", v)
                    break
            else:
                raise ValueError("give peak_flops or at least one precision's peak (e.g. bf16 = '989 TFLOP/s')")
        return self

    @property
    def peaks(self) -> dict:
        """The native dense peaks: precision -> Quantity."""
        return {p: getattr(self, p) for p in PRECISIONS if getattr(self, p) is not None}

    def peak(self, precision: str):
        """(peak, precision used): the native peak, or the fallback the device runs it at."""
        p = normalize_precision(precision)
        v = getattr(self, p)
        if v is not None:
            return v, p
        for alt in FALLBACK[p]:
            v = getattr(self, alt)
            if v is not None:
                return v, alt
        if not self.peaks:  # only peak_flops given
            return self.peak_flops, p
        raise ConfigError(f"no peak for precision {p!r}; this device has {', '.join(self.peaks)}")


class MemoryHierarchy(Spec):
    """Device memory (capacity, peak bandwidth) and optional on-chip SRAM and flash."""

    capacity: Qty("information")
    bandwidth: Qty("bandwidth")
    sram: Qty("information") | None = None
    sram_bandwidth: Qty("bandwidth") | None = None
    flash: Qty("information") | None = None
    type: str | None = None


class Interconnect(Spec):
    """Links of one device: scale-up (NVLink, xGMI, ICI) and PCIe, each per direction."""

    scaleup: str | None = None
    scaleup_bandwidth: Qty("bandwidth") | None = None
    pcie_bandwidth: Qty("bandwidth") | None = None
    notes: str | None = None


class HardwareNode(Spec):
    """One accelerator or SoC: compute, memory, power, cost and links, with provenance."""

    name: str
    compute: ComputeCore
    memory: MemoryHierarchy
    tdp: Qty("power") | None = None
    idle_power: Qty("power") | None = None
    unit_cost: Qty("currency") | None = None
    interconnect: Interconnect | None = None
    id: str | None = None
    aliases: tuple[str, ...] = ()
    tier: Literal["cloud", "workstation", "mobile", "edge", "tiny"] | None = None
    vendor: str | None = None
    year: int | None = None
    description: str | None = None
    form_factor: str | None = None
    embodied_carbon: Qty("emissions") | None = None
    source: Source | None = None
    sources: dict[str, Source] = {}

    _fast: dict | None = PrivateAttr(default=None)

    def peak(self, precision: str = "fp16"):
        """(dense peak, precision used) for a precision; see ``ComputeCore.peak``."""
        return self.compute.peak(precision)

    def ridge_point(self, precision: str = "bf16"):
        """Roofline ridge point I* = peak / bandwidth (Williams et al. 2009), in FLOP/byte.

        See the math page: [site/math.qmd#ridge-point](../site/math.qmd#ridge-point).
        """
        return (self.compute.peak(precision)[0] / self.memory.bandwidth).to("FLOP/B")

    def __repr__(self) -> str:
        return f"HardwareNode({self.id or self.name!r})"

    __str__ = __repr__
