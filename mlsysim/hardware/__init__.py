"""Layer B: hardware (``HardwareNode``, ``ComputeCore``, ``MemoryHierarchy``)."""

from .types import ComputeCore, HardwareNode, Interconnect, MemoryHierarchy

__all__ = ["ComputeCore", "HardwareNode", "Interconnect", "MemoryHierarchy"]
