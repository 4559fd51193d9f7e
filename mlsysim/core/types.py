"""Typed building blocks shared by every layer: frozen models and dimension-checked quantities.

``Qty("bandwidth")`` is a pydantic field type that accepts a pint Quantity or a string such as
``"3.35 TB/s"`` and rejects a wrong dimension, NaN, infinity, zero and negative values with a
message naming the field. Models forbid unknown keys; variants are made with ``copy(...)``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
from functools import partial
from typing import Annotated, Any, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema, field_validator
from pydantic import ValidationError as _PydanticValidationError

from .errors import ConfigError, format_validation_error
from .units import DIMENSIONS, describe_dimension, parse_quantity

__all__ = ["Qty", "Spec", "Result", "Source", "quantity_to_json"]


def quantity_to_json(q) -> str:
    """Serialise a Quantity as a string with its unit, e.g. ``"3.35 TB / s"``."""
    if q is None:
        return None
    return f"{q.magnitude:.6g} {q.units:~}".strip()


def _qty_validator(value, *, dimension: str, allow_zero: bool, allow_negative: bool):
    return parse_quantity(value, dimension, allow_zero=allow_zero, allow_negative=allow_negative)


def Qty(dimension: str, *, allow_zero: bool = False, allow_negative: bool = False):
    """A field type for a Quantity of the named dimension (see ``units.DIMENSIONS``)."""
    if dimension not in DIMENSIONS:
        raise KeyError(dimension)
    return Annotated[
        Any,
        BeforeValidator(
            partial(_qty_validator, dimension=dimension, allow_zero=allow_zero, allow_negative=allow_negative)
        ),
        PlainSerializer(quantity_to_json, return_type=str),
        WithJsonSchema(
            {
                "anyOf": [{"type": "string"}, {"type": "number"}] if dimension == "dimensionless" else [{"type": "string"}],
                "description": f"a {describe_dimension(dimension)}",
            }
        ),
    ]


class Source(BaseModel):
    """Where a number comes from: a document, when it was read, and notes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str | None = None
    title: str | None = None
    retrieved: _dt.date | str | None = None
    notes: str | None = None
    locator: str | None = None
    confidence: str | None = None
    quote: str | None = None


class Spec(BaseModel):
    """Base of every user-facing spec type: frozen, unknown keys rejected, units checked.

    Construction errors are raised as ``ConfigError`` with one line naming the field.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True, validate_default=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except _PydanticValidationError as exc:
            err = ConfigError(_spec_error(type(self), exc))
            err.detail = err.args[0].split(": ", 1)[1] if ": " in err.args[0] else err.args[0]
            raise err from None

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, v, info):
        """``layers = true`` is a mistake, not the number 1 (pydantic would accept it)."""
        if isinstance(v, bool) and info.field_name in _numeric_fields(cls):
            raise ValueError(f"expected a number, got {str(v).lower()}")
        return v

    def copy(self, **changes: Any):  # type: ignore[override]
        """A new, validated object with some fields changed (the original is unchanged)."""
        data = {k: getattr(self, k) for k in type(self).model_fields if k in self.model_fields_set or k in changes}
        data.update(changes)
        return type(self)(**data)


_NUMERIC: dict[type, frozenset] = {}


def _numeric_fields(cls) -> frozenset:
    """Names of the fields typed int or float (and not bool), per class."""
    out = _NUMERIC.get(cls)
    if out is None:
        names = set()
        for name, info in cls.model_fields.items():
            kinds = get_args(info.annotation) or (info.annotation,)
            if bool not in kinds and (int in kinds or float in kinds):
                names.add(name)
        out = _NUMERIC[cls] = frozenset(names)
    return out


def _spec_error(cls, exc) -> str:
    errors = exc.errors(include_url=False)
    # Offer the closest valid key for an unknown one.
    for e in errors:
        if e.get("type") == "extra_forbidden" and e.get("loc"):
            bad = str(e["loc"][-1])
            valid = list(cls.model_fields)
            close = difflib.get_close_matches(bad, valid, n=1, cutoff=0.6)
            if close:
                e.setdefault("ctx", {})["suggestion"] = close[0]
    return format_validation_error(_Errors(errors), where=cls.__name__)


class _Errors:
    def __init__(self, errors):
        self._errors = errors

    def errors(self, include_url=False):
        return self._errors


class Result(BaseModel):
    """Base of solver results: frozen, every intermediate term named, JSON-serialisable.

    Solvers build results without re-validation (their inputs are already typed).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    def to_dict(self) -> dict:
        """Plain JSON-ready dict: quantities become ``{"value": float, "unit": str}``."""
        return {k: _jsonable(getattr(self, k)) for k in type(self).model_fields}


def _jsonable(v):
    import pint

    if isinstance(v, pint.Quantity):
        return {"value": float(v.magnitude), "unit": f"{v.units:~}"}
    if isinstance(v, Result):
        return v.to_dict()
    if isinstance(v, BaseModel):
        name = getattr(v, "name", None)
        return name if name is not None else v.model_dump(mode="json")
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return None
    return v
