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
    """Region name."""
    carbon_intensity: Qty("carbon_intensity", allow_zero=True)
    """Location-based grid carbon intensity (lifecycle or direct, as the source states)."""
    pue: float = 1.58
    """Typical power usage effectiveness of datacenters in the region (total facility / IT energy, ≥ 1)."""
    wue: Qty("water_intensity", allow_zero=True) | None = None
    """On-site water usage effectiveness (litres per IT kWh)."""
    water_intensity: Qty("water_intensity", allow_zero=True) | None = None
    """Water consumed to generate one kWh on this grid (off-site)."""
    electricity_price: Qty("price_per_energy") | None = None
    """Industrial electricity price."""
    id: str | None = None
    """Registry id, e.g. Quebec."""
    aliases: tuple[str, ...] = ()
    """Other names."""
    country: str | None = None
    """Country."""
    year: int | None = None
    """Year of the data."""
    description: str | None = None
    """One-line description."""
    source: Source | None = None
    """Where the numbers come from."""
    sources: dict[str, Source] = {}
    """Per-field sources."""

    _pue = field_validator("pue", mode="before")(classmethod(lambda cls, v: _pue(v)))

    def __repr__(self) -> str:
        return f"GridProfile({self.id or self.name!r})"


class Datacenter(Spec):
    """A datacenter: the grid it draws from and its own PUE and WUE."""

    name: str
    """Datacenter name."""
    grid: GridProfile
    """The grid it draws power from (object or registry name)."""
    pue: float | None = None
    """Its own PUE (else the grid's typical PUE)."""
    wue: Qty("water_intensity", allow_zero=True) | None = None
    """Its own WUE (else the grid's)."""
    id: str | None = None
    """Registry id."""
    aliases: tuple[str, ...] = ()
    """Other names."""
    description: str | None = None
    """One-line description."""
    source: Source | None = None
    """Where the numbers come from."""
    sources: dict[str, Source] = {}
    """Per-field sources."""

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
