"""Frozen solver results: every intermediate term named, with its unit and meaning.

Results store SI magnitudes and hand out pint Quantities on access (``r.latency.to("ms")``),
so solvers stay fast: a call builds floats, not dozens of Quantities.
"""

from __future__ import annotations

import math
from typing import Any

from .units import Q_, ureg

__all__ = ["Result", "qfield", "field"]


class _Field:
    __slots__ = ("name", "doc", "unit", "display", "_unit_obj")

    def __init__(self, doc: str, unit: str | None = None, display: str | None = None):
        self.doc, self.unit, self.display = doc, unit, display or unit
        self._unit_obj = None
        self.name = ""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        v = obj._raw[self.name]
        if self.unit is None or v is None:
            return v
        cache = obj._cache
        q = cache.get(self.name)
        if q is None:
            if self._unit_obj is None:
                self._unit_obj = ureg.Unit(self.unit)
            q = Q_(v, self._unit_obj)
            if self.display and self.display != self.unit:
                q = q.to(self.display)
            cache[self.name] = q
        return q


def qfield(doc: str, unit: str, display: str | None = None) -> Any:
    """A quantity-valued result field stored in ``unit`` (shown in ``display``)."""
    return _Field(doc, unit, display)


def field(doc: str) -> Any:
    """A plain result field (number, string, bool, tuple)."""
    return _Field(doc)


class Result:
    """Base of solver results: frozen; ``to_dict()`` gives JSON with explicit units."""

    __slots__ = ("_raw", "_cache")

    def __init__(self, **raw):
        fields = self.fields()
        missing = [f for f in fields if f not in raw]
        if missing:
            raise TypeError(f"{type(self).__name__}: missing {', '.join(missing)}")
        extra = [k for k in raw if k not in fields]
        if extra:
            raise TypeError(f"{type(self).__name__}: unknown {', '.join(extra)}")
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_cache", {})

    @classmethod
    def _make(cls, raw: dict):
        """Fast constructor for solvers (no checks)."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "_raw", raw)
        object.__setattr__(obj, "_cache", {})
        return obj

    @classmethod
    def fields(cls) -> dict[str, _Field]:
        out: dict[str, _Field] = {}
        for klass in reversed(cls.__mro__):
            for k, v in vars(klass).items():
                if isinstance(v, _Field):
                    out[k] = v
        return out

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is frozen; build a new result instead")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __eq__(self, other):
        return type(self) is type(other) and self._raw == other._raw

    def __hash__(self):
        return hash((type(self), tuple(sorted((k, repr(v)) for k, v in self._raw.items()))))

    def __getitem__(self, key):  # dict-style access, as results of earlier versions allowed
        if key not in self.fields():
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key, default=None):
        return getattr(self, key) if key in self.fields() else default

    def keys(self):
        return self.fields().keys()

    def to_dict(self) -> dict:
        """JSON-ready dict; quantities as ``{"value": v, "unit": u}`` in their display unit."""
        out = {}
        for name, f in self.fields().items():
            out[name] = _jsonable(getattr(self, name))
        return out

    def __repr__(self) -> str:
        parts = []
        for name, f in self.fields().items():
            v = getattr(self, name)
            if f.unit is not None and v is not None:
                parts.append(f"{name}={v.magnitude:.4g} {v.units:~}")
            elif isinstance(v, float):
                parts.append(f"{name}={v:.4g}")
            elif isinstance(v, (tuple, list)) and len(v) > 3:
                continue
            else:
                parts.append(f"{name}={v!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _jsonable(v):
    import pint

    if isinstance(v, pint.Quantity):
        m = float(v.magnitude)
        return {"value": m if math.isfinite(m) else None, "unit": f"{v.units:~}"}
    if isinstance(v, Result):
        return v.to_dict()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "model_dump"):
        return getattr(v, "id", None) or getattr(v, "name", None)
    return v
