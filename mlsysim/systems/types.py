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
    """Fabric name."""
    topology: Literal["fat-tree", "rail-optimized", "torus", "dragonfly", "clos", "ring", "switched"] = "fat-tree"
    """fat-tree, rail-optimized, torus, dragonfly, clos, ring or switched."""
    bandwidth: Qty("bandwidth")
    """Port bandwidth per direction (one NIC port)."""
    latency: Qty("time", allow_zero=True) = "5 us"
    """Per-message latency α of one network hop."""
    oversubscription_ratio: float = 1.0
    """Downlink to uplink ratio (1 = non-blocking)."""
    id: str | None = None
    """Registry id, e.g. InfiniBand_NDR."""
    aliases: tuple[str, ...] = ()
    """Other names."""
    description: str | None = None
    """One-line description."""
    source: Source | None = None
    """Where the numbers come from."""
    sources: dict[str, Source] = {}
    """Per-field sources."""

    @field_validator("oversubscription_ratio")
    @classmethod
    def _os(cls, v):
        if not (v == v and 1.0 <= v <= 64.0):
            raise ValueError(f"must be between 1 (non-blocking) and 64, got {v}")
        return v


class Node(Spec):
    """A server: accelerators, their intra-node link (per direction per accelerator) and NICs."""

    name: str
    """Server name."""
    accelerator: HardwareNode
    """The accelerator (object or registry name)."""
    accelerators_per_node: int = 8
    """Accelerators in the server."""
    intra_node_bw: Qty("bandwidth") | None = None
    """Scale-up bandwidth per accelerator, per direction (default: the accelerator's link)."""
    nics_per_node: int = 8
    """Scale-out NICs in the server."""
    nic_bandwidth: Qty("bandwidth") = "400 Gbit/s"
    """Bandwidth of one NIC, per direction."""
    host_memory: Qty("information") | None = None
    """CPU memory."""
    power: Qty("power") | None = None
    """Maximum power of the whole server."""
    unit_cost: Qty("currency") | None = None
    """Price of the server with its accelerators."""
    id: str | None = None
    """Registry id, e.g. DGX_H100."""
    aliases: tuple[str, ...] = ()
    """Other names."""
    description: str | None = None
    """One-line description."""
    source: Source | None = None
    """Where the numbers come from."""
    sources: dict[str, Source] = {}
    """Per-field sources."""

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
    """Cluster name."""
    node: Node
    """The node type (object or registry name)."""
    count: int
    """Number of nodes."""
    fabric: NetworkFabric | None = None
    """The scale-out network (object or registry name)."""
    datacenter: Datacenter | None = None
    """Where it runs (PUE, grid)."""
    grid: GridProfile | None = None
    """The grid, when no datacenter is given."""
    id: str | None = None
    """Registry id, e.g. Frontier_8K."""
    aliases: tuple[str, ...] = ()
    """Other names."""
    description: str | None = None
    """One-line description."""
    source: Source | None = None
    """Where the numbers come from."""
    sources: dict[str, Source] = {}
    """Per-field sources."""

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
