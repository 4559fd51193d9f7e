"""Layer C: infrastructure (``GridProfile``, ``Datacenter``)."""

from .types import Datacenter, GridProfile

__all__ = ["Datacenter", "GridProfile"]
