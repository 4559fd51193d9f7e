"""Output helpers: a rich console for text, one JSON document for ``--output json``."""

from __future__ import annotations

import json
import sys

from .._version import __version__


class Output:
    def __init__(self, fmt: str):
        self.fmt = fmt
        self._console = None

    @property
    def json(self) -> bool:
        return self.fmt == "json"

    @property
    def console(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(highlight=False, soft_wrap=False)
        return self._console

    def emit_json(self, command: str, payload: dict) -> None:
        doc = {"mlsysim_version": __version__, "command": command, **payload}
        sys.stdout.write(json.dumps(doc, indent=2, default=_default, allow_nan=False) + "\n")


def _default(o):
    import pint

    if isinstance(o, pint.Quantity):
        return {"value": float(o.magnitude), "unit": f"{o.units:~}"}
    if hasattr(o, "to_dict"):
        return o.to_dict()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)


def fmt_q(q, unit: str, digits: int = 3) -> str:
    """A quantity in ``unit`` with ``digits`` significant figures, no unit text."""
    if q is None:
        return "—"
    v = float(q.to(unit).magnitude)
    if v == 0:
        return "0"
    if abs(v) >= 10 ** digits:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


_PREFIXES = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "u")]


def si(q, base: str) -> str:
    """A quantity with an SI prefix chosen for 1-3 integer digits: '989 TFLOP/s', '512 kB'."""
    if q is None:
        return "—"
    v = float(q.to(base).magnitude)
    for f, p in _PREFIXES:
        if abs(v) >= f:
            return f"{v / f:.3g} {p}{base}"
    return f"{v:.3g} {base}"
