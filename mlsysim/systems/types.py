"""Layer D, systems: nodes of accelerators, network fabrics and fleets."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from ..core.types import Qty, Source, Spec
from ..hardware.types import HardwareNode
from ..infra.types import Datacenter, GridProfile

__all__ = ["Node", "NetworkFabric", "Fleet"]


def _resolve(kind: str, v):
    if isinstance(v, str):
        from .. import registry

        return registry.resolve(kind, v)
    return v


class NetworkFabric(Spec):
    """A scale-out network: topology, per-port bandwidth (per direction), per-message latency."""

    name: str
    topology: Literal["fat-tree", "rail-optimized", "torus", "dragonfly", "clos", "ring", "switched"] = "fat-tree"
    bandwidth: Qty("bandwidth")
    latency: Qty("time", allow_zero=True) = "5 us"
    oversubscription_ratio: float = 1.0
    id: str | None = None
    aliases: tuple[str, ...] = ()
    description: str | None = None
    source: Source | None = None
    sources: dict[str, Source] = {}

    @field_validator("oversubscription_ratio")
    @classmethod
    def _os(cls, v):
        if not (v == v and 1.0 <= v <= 64.0):
            raise ValueError(f"must be between 1 (non-blocking) and 64, got {v}")
        return v


class Node(Spec):
    """A server: accelerators, their intra-node link (per direction per accelerator) and NICs."""

    name: str
    accelerator: HardwareNode
    accelerators_per_node: int = 8
    intra_node_bw: Qty("bandwidth") | None = None
    nics_per_node: int = 8
    nic_bandwidth: Qty("bandwidth") = "400 Gbit/s"
    host_memory: Qty("information") | None = None
    power: Qty("power") | None = None
    unit_cost: Qty("currency") | None = None
    id: str | None = None
    aliases: tuple[str, ...] = ()
    description: str | None = None
    source: Source | None = None
    sources: dict[str, Source] = {}

    _acc = field_validator("accelerator", mode="before")(classmethod(lambda cls, v: _resolve("hardware", v)))

    @model_validator(mode="after")
    def _check(self):
        if not 1 <= self.accelerators_per_node <= 1024:
            raise ValueError(f"accelerators_per_node must be between 1 and 1024, got {self.accelerators_per_node}")
        if not 0 <= self.nics_per_node <= 1024:
            raise ValueError(f"nics_per_node must be between 0 and 1024, got {self.nics_per_node}")
        return self

    @property
    def scaleup_bandwidth(self):
        """Per-direction bandwidth between accelerators of the node."""
        if self.intra_node_bw is not None:
            return self.intra_node_bw
        ic = self.accelerator.interconnect
        if ic is not None and ic.scaleup_bandwidth is not None:
            return ic.scaleup_bandwidth
        if ic is not None and ic.pcie_bandwidth is not None:
            return ic.pcie_bandwidth
        from ..core.units import Q_

        return Q_(32, "GB/s")  # PCIe 4.0 x16 per direction (PCI-SIG), when nothing is known

    @property
    def nic_bandwidth_per_accelerator(self):
        return self.nic_bandwidth * self.nics_per_node / self.accelerators_per_node


class Fleet(Spec):
    """A cluster: ``count`` identical nodes on one fabric, optionally in a datacenter."""

    name: str
    node: Node
    count: int
    fabric: NetworkFabric | None = None
    datacenter: Datacenter | None = None
    grid: GridProfile | None = None
    id: str | None = None
    aliases: tuple[str, ...] = ()
    description: str | None = None
    source: Source | None = None
    sources: dict[str, Source] = {}

    _node = field_validator("node", mode="before")(classmethod(lambda cls, v: _resolve("node", v)))
    _fab = field_validator("fabric", mode="before")(classmethod(lambda cls, v: _resolve("fabric", v)))
    _dc = field_validator("datacenter", mode="before")(classmethod(lambda cls, v: _resolve("datacenter", v)))
    _grid = field_validator("grid", mode="before")(classmethod(lambda cls, v: _resolve("grid", v)))

    @model_validator(mode="after")
    def _check(self):
        if not 1 <= self.count <= 10_000_000:
            raise ValueError(f"count must be between 1 and 10,000,000 nodes, got {self.count}")
        return self

    @property
    def total_accelerators(self) -> int:
        return self.count * self.node.accelerators_per_node

    @property
    def accelerator(self) -> HardwareNode:
        return self.node.accelerator

    def __repr__(self) -> str:
        return f"Fleet({self.id or self.name!r}, {self.total_accelerators}x {self.node.accelerator.id or self.node.accelerator.name})"
