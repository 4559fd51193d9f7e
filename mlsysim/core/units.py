"""The single pint unit registry of mlsysim, and the parsing of user quantities.

One registry, built once from the trimmed definitions in ``units.txt`` (pint syntax), with
ML units: FLOP (count) and FLOPS (rate), OP/OPS (integer operations), token, sample, request,
parameter, USD, gCO2e. Byte units are exact (GB = 1e9 B, GiB = 2**30 B).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pint

__all__ = ["ureg", "Q_", "Quantity", "Unit", "parse_quantity", "DIMENSIONS", "describe_dimension"]

ureg = pint.UnitRegistry(
    str(Path(__file__).with_name("units.txt")),
    autoconvert_offset_to_baseunit=True,
    cache_folder=None,
)
ureg.formatter.default_format = "~"
pint.set_application_registry(ureg)

Q_ = ureg.Quantity
Quantity = ureg.Quantity
Unit = ureg.Unit

#: Named dimensions used by the typed layers: name -> (pint dimensionality, example).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "time": ("[time]", "2.5 ms"),
    "information": ("[information]", "80 GB"),
    "bandwidth": ("[information] / [time]", "3.35 TB/s"),
    "compute_rate": ("[operation] / [time]", "989 TFLOP/s"),
    "operations": ("[operation]", "8.2 GFLOP"),
    "power": ("[mass] * [length] ** 2 / [time] ** 3", "700 W"),
    "energy": ("[mass] * [length] ** 2 / [time] ** 2", "1.2 MWh"),
    "currency": ("[currency]", "30000 USD"),
    "price_per_energy": ("[currency] * [time] ** 2 / [mass] / [length] ** 2", "0.08 USD/kWh"),
    "price_per_time": ("[currency] / [time]", "2.5 USD/h"),
    "carbon_intensity": ("[emissions] * [time] ** 2 / [mass] / [length] ** 2", "400 gCO2e/kWh"),
    "emissions": ("[emissions]", "552 tCO2e"),
    "water_intensity": ("[length] * [time] ** 2 / [mass]", "1.8 L/kWh"),
    "frequency": ("1 / [time]", "1.5 GHz"),
    "dimensionless": ("", "0.8"),
}

_DIM_CACHE: dict[str, object] = {}

#: Magnitudes (in SI base units: B, s, g, m, USD, gCO2e) outside this range are refused: they are
#: typing mistakes, and beyond them products and quotients in the solvers overflow or underflow.
SI_MIN, SI_MAX = 1e-30, 1e30

# An exponent applies to a unit and is a small literal ("m**2", "s^-1"): "9**9**9" or "2**4000"
# would make pint compute a number with millions of digits.
_POWER = re.compile(r"(\*\*|\^)")
_POWER_OK = re.compile(r"[A-Za-z_)\]]\s*(?:\*\*|\^)\s*[-+]?\d{1,2}(?:\.\d+)?(?!\s*(?:\*\*|\^|\d))")


def _check_powers(text: str) -> None:
    n = len(_POWER.findall(text))
    if n and (n > 4 or len(_POWER_OK.findall(text)) != n):
        raise ValueError(f"cannot read {text!r}: exponents are allowed only on units, as small whole numbers ('m**2')")


def _dimensionality(name: str):
    dim = _DIM_CACHE.get(name)
    if dim is None:
        expr = DIMENSIONS[name][0]
        dim = ureg.get_dimensionality(expr) if expr else ureg.dimensionless.dimensionality
        _DIM_CACHE[name] = dim
    return dim


_NOUNS = {"information": "size in bytes", "operations": "number of operations", "emissions": "mass of CO2e",
          "currency": "amount of money", "compute_rate": "compute rate", "dimensionless": "plain number"}


def describe_dimension(name: str) -> str:
    """A human name for a dimension, with an example value: ``bandwidth (e.g. '3.35 TB/s')``."""
    return f"{_NOUNS.get(name, name.replace('_', ' '))} (e.g. '{DIMENSIONS[name][1]}')"


def parse_quantity(value, dimension: str, *, allow_zero: bool = False, allow_negative: bool = False):
    """Parse ``value`` (a pint Quantity, a string such as ``"3.35 TB/s"``, or a number for a
    dimensionless quantity) into a Quantity of this registry with the named ``dimension``.

    Raises ``ValueError`` with a one-line message on a wrong dimension, NaN, infinity,
    zero or negative values.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a {describe_dimension(dimension)}, got a boolean")
    if isinstance(value, pint.Quantity):
        q = value if value._REGISTRY is ureg else Q_(str(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError(f"expected a {describe_dimension(dimension)}, got an empty string")
        if len(text) > 200:
            raise ValueError(f"expected a {describe_dimension(dimension)}, got a string of {len(text)} characters")
        _check_powers(text)
        try:
            q = Q_(text)
        except (pint.errors.UndefinedUnitError,) as exc:
            raise ValueError(f"unknown unit {exc.unit_names[0] if exc.unit_names else text!r} in {text!r}") from None
        except Exception:
            raise ValueError(f"cannot read {text!r} as a {describe_dimension(dimension)}") from None
        if not isinstance(q, pint.Quantity):
            q = Q_(q)
    elif isinstance(value, (int, float)):
        if dimension != "dimensionless":
            raise ValueError(
                f"expected a {describe_dimension(dimension)} with a unit, got the bare number {value!r}"
            )
        q = Q_(float(value))
    else:
        raise ValueError(f"expected a {describe_dimension(dimension)}, got {type(value).__name__}")
    if q.dimensionality != _dimensionality(dimension):
        got = str(q.dimensionality) if str(q.dimensionality) != "dimensionless" else "a plain number"
        hint = ""
        if dimension == "compute_rate" and q.dimensionality == _dimensionality("operations"):
            hint = " (a rate needs '/s': write 'TFLOP/s' or 'TFLOPS', not 'TFLOPs')"
        raise ValueError(f"expected a {describe_dimension(dimension)}, got {value!s} ({got}){hint}")
    m = q.magnitude
    try:
        m = float(m)
    except OverflowError:
        raise ValueError(f"is too large to represent, got {_short(value)}") from None
    except (TypeError, ValueError):
        raise ValueError(f"expected a scalar {describe_dimension(dimension)}, got {_short(value)}") from None
    if math.isnan(m):
        raise ValueError("is NaN")
    if math.isinf(m):
        raise ValueError("is infinite")
    if m == 0 and not allow_zero:
        raise ValueError(f"must be greater than zero, got {value!s}")
    if m < 0 and not allow_negative:
        raise ValueError(f"must not be negative, got {value!s}")
    if m != 0:
        try:
            si = abs(float(q.to_base_units().magnitude))
        except (OverflowError, ZeroDivisionError):
            si = math.inf
        if not SI_MIN <= si <= SI_MAX:
            base = f"{Q_(1.0, q.units).to_base_units().units:~}" or "(a plain number)"
            raise ValueError(f"{_short(value)} is outside the supported range (1e-30 to 1e30 {base})")
    return q


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
