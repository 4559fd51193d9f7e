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
    """Dense peak at the device's default 16-bit precision (bf16, else fp16, else its best format); set from the per-precision peaks when omitted."""
    fp64: Rate | None = None
    """Dense FP64 peak (vector or tensor, the larger)."""
    fp32: Rate | None = None
    """Dense FP32 peak (no TF32)."""
    tf32: Rate | None = None
    """Dense TF32 tensor peak."""
    bf16: Rate | None = None
    """Dense BF16 tensor peak."""
    fp16: Rate | None = None
    """Dense FP16 tensor peak."""
    fp8: Rate | None = None
    """Dense FP8 tensor peak."""
    int8: Rate | None = None
    """Dense INT8 peak (operations per second)."""
    fp4: Rate | None = None
    """Dense FP4 tensor peak."""
    int4: Rate | None = None
    """Dense INT4 peak (operations per second)."""

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
    """Device memory (HBM, GDDR or DRAM) usable for weights, KV cache and activations."""
    bandwidth: Qty("bandwidth")
    """Peak device-memory bandwidth, per direction combined (datasheet figure)."""
    sram: Qty("information") | None = None
    """On-chip SRAM (L2 or scratchpad), for devices where it holds the working set."""
    sram_bandwidth: Qty("bandwidth") | None = None
    """Peak on-chip SRAM bandwidth."""
    flash: Qty("information") | None = None
    """Flash storage for weights (microcontrollers)."""
    type: str | None = None
    """Memory technology, e.g. HBM3, LPDDR5X."""


class Interconnect(Spec):
    """Links of one device: scale-up (NVLink, xGMI, ICI) and PCIe, each per direction."""

    scaleup: str | None = None
    """Name of the scale-up link, e.g. NVLink 4, xGMI, ICI."""
    scaleup_bandwidth: Qty("bandwidth") | None = None
    """Scale-up bandwidth per device, per direction (half the bidirectional datasheet total)."""
    pcie_bandwidth: Qty("bandwidth") | None = None
    """Host link (PCIe) bandwidth per direction."""
    notes: str | None = None
    """How the figures were derived."""


class HardwareNode(Spec):
    """One accelerator or SoC: compute, memory, power, cost and links, with provenance."""

    name: str
    """Display name, e.g. NVIDIA H100 SXM5 80GB."""
    compute: ComputeCore
    """Dense peaks per precision."""
    memory: MemoryHierarchy
    """Device memory capacity and bandwidth."""
    tdp: Qty("power") | None = None
    """Thermal design power (maximum board power)."""
    idle_power: Qty("power") | None = None
    """Power when idle (energy models)."""
    unit_cost: Qty("currency") | None = None
    """Purchase price of one device."""
    interconnect: Interconnect | None = None
    """Scale-up and host links."""
    compute_units: dict[str, ComputeCore] = {}
    """Dense peaks of each engine of a device with several (``gpu``, ``dla``, ``npu``, ``cpu``), when
    they differ; ``compute`` is the whole device (every engine at once). A runtime that uses one
    engine (llama.cpp on the GPU, TensorRT without DLAs) is priced on that engine's peaks."""
    id: str | None = None
    """Registry id, e.g. H100."""
    aliases: tuple[str, ...] = ()
    """Other names it is found by."""
    tier: Literal["cloud", "workstation", "mobile", "edge", "tiny"] | None = None
    """cloud, workstation, mobile, edge or tiny."""
    vendor: str | None = None
    """Manufacturer."""
    year: int | None = None
    """Year of release."""
    description: str | None = None
    """One-line description."""
    form_factor: str | None = None
    """SXM, PCIe, SoC, MCU ..."""
    embodied_carbon: Qty("emissions") | None = None
    """Manufacturing carbon of one device."""
    source: Source | None = None
    """Where the numbers come from (URL, date, notes)."""
    sources: dict[str, Source] = {}
    """Per-field sources, when a field has its own."""

    _fast: dict | None = PrivateAttr(default=None)

    def peak(self, precision: str = "fp16"):
        """(dense peak, precision used) for a precision; see ``ComputeCore.peak``."""
        return self.compute.peak(precision)

    def unit(self, name: str | None) -> ComputeCore:
        """The peaks of compute unit ``name`` (``None`` or ``"all"``: the whole device). A device
        with no per-unit peaks has one engine: every name gives ``compute``."""
        if name is None or name == "all" or not self.compute_units:
            return self.compute
        if name not in self.compute_units:
            raise ConfigError(f"compute_unit: {self.name} has units {', '.join(['all', *self.compute_units])}; got {name!r}")
        return self.compute_units[name]

    def ridge_point(self, precision: str = "bf16"):
        """Roofline ridge point I* = peak / bandwidth (Williams et al. 2009), in FLOP/byte.

        See the math page: [site/math.qmd#ridge-point](../site/math.qmd#ridge-point).
        """
        return (self.compute.peak(precision)[0] / self.memory.bandwidth).to("FLOP/B")

    def __repr__(self) -> str:
        return f"HardwareNode({self.id or self.name!r})"

    __str__ = __repr__
