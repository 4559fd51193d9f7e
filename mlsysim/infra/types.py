"""Layer C, infrastructure: electricity grids and datacenters."""

from __future__ import annotations

from pydantic import field_validator

from ..core.types import Qty, Source, Spec

__all__ = ["GridProfile", "Datacenter"]


def _pue(v):
    if v is None:
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"PUE is a plain number of at least 1.0, got {v!r}") from None
    if f != f or not (1.0 <= f <= 5.0):
        raise ValueError(f"PUE must be between 1.0 and 5.0, got {v!r}")
    return f


class GridProfile(Spec):
    """An electricity grid region: carbon intensity, typical PUE and WUE, water, price."""

    name: str
    carbon_intensity: Qty("carbon_intensity", allow_zero=True)
    pue: float = 1.58
    wue: Qty("water_intensity", allow_zero=True) | None = None
    water_intensity: Qty("water_intensity", allow_zero=True) | None = None
    electricity_price: Qty("price_per_energy") | None = None
    id: str | None = None
    aliases: tuple[str, ...] = ()
    country: str | None = None
    year: int | None = None
    description: str | None = None
    source: Source | None = None
    sources: dict[str, Source] = {}

    _pue = field_validator("pue", mode="before")(classmethod(lambda cls, v: _pue(v)))

    def __repr__(self) -> str:
        return f"GridProfile({self.id or self.name!r})"


class Datacenter(Spec):
    """A datacenter: the grid it draws from and its own PUE and WUE."""

    name: str
    grid: GridProfile
    pue: float | None = None
    wue: Qty("water_intensity", allow_zero=True) | None = None
    id: str | None = None
    aliases: tuple[str, ...] = ()
    description: str | None = None
    source: Source | None = None
    sources: dict[str, Source] = {}

    _pue = field_validator("pue", mode="before")(classmethod(lambda cls, v: _pue(v)))

    @field_validator("grid", mode="before")
    @classmethod
    def _grid(cls, v):
        if isinstance(v, str):
            from ..registry import Infra

            return Infra.Grids.get(v)
        return v

    @property
    def effective_pue(self) -> float:
        return self.pue if self.pue is not None else self.grid.pue

    @property
    def effective_wue(self):
        return self.wue if self.wue is not None else self.grid.wue
