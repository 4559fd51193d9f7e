"""Layer D: systems (``Node``, ``NetworkFabric``, ``Fleet``)."""

from .types import Fleet, NetworkFabric, Node

__all__ = ["Fleet", "NetworkFabric", "Node"]
