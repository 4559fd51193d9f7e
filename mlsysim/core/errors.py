"""Exceptions of mlsysim. Every message is one human line naming the field or file."""

from __future__ import annotations

__all__ = [
    "MlsysimError",
    "ConfigError",
    "UnknownNameError",
    "OOMError",
    "SLAViolation",
    "InfeasibleError",
    "format_validation_error",
]


class MlsysimError(Exception):
    """Base class: bad input or an impossible request. ``str(exc)`` is one line."""

    exit_code = 1


class ConfigError(MlsysimError, ValueError):
    """A value, a file or a field is invalid."""


class UnknownNameError(ConfigError, KeyError):
    """A registry name does not exist; the message offers the closest valid names."""

    def __init__(self, kind: str, name: str, suggestions: list[str] | None = None):
        self.kind, self.name, self.suggestions = kind, name, list(suggestions or [])
        hint = f"; did you mean {' or '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        shown = repr(name) if len(repr(name)) <= 80 else f"{repr(name)[:60]}... ({len(name):,} characters)"
        super().__init__(f"unknown {kind} {shown}{hint}")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class InfeasibleError(MlsysimError):
    """The configuration cannot run (exit code 2)."""

    exit_code = 2


class OOMError(InfeasibleError):
    """The workload does not fit in memory; ``required`` and ``available`` are Quantities."""

    def __init__(self, message: str, required=None, available=None, term: str | None = None):
        super().__init__(message)
        self.required, self.available, self.term = required, available, term


class SLAViolation(MlsysimError):
    """A constraint or service-level objective failed (exit code 3)."""

    exit_code = 3

    def __init__(self, message: str, metric: str | None = None, value=None, limit=None):
        super().__init__(message)
        self.metric, self.value, self.limit = metric, value, limit


import re

_NESTED = re.compile(r"^([A-Z][A-Za-z]+): ([A-Za-z_][\w.\[\]]*: .*)$")


def _loc(loc) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif p in ("function-before", "function-after", "function-plain", "function-wrap"):
            continue
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts)


def format_validation_error(exc, where: str | None = None) -> str:
    """Rewrite a pydantic ``ValidationError`` into one human line:
    ``where: field.path: problem`` (the first error; the count of others if any)."""
    errors = exc.errors(include_url=False)
    if not errors:
        return f"{where}: invalid" if where else "invalid"
    # a misspelt key also leaves a required field missing: the unknown key (with its suggestion) says more
    e = next((x for x in errors if x.get("type") == "extra_forbidden"), errors[0])
    path = _loc(e.get("loc", ()))
    kind = e.get("type", "")
    msg = e.get("msg", "invalid")
    if kind == "extra_forbidden":
        msg = "unknown key"
        ctx = (e.get("ctx") or {}).get("suggestion")
        if ctx:
            msg += f"; did you mean {ctx!r}?"
    elif kind == "missing":
        msg = "required field is missing"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
        # a nested spec's own one-line error ("MemoryHierarchy: bandwidth: ...") joins the path
        m = _NESTED.match(msg)
        if m and path:
            return f"{where + ': ' if where else ''}{path}.{m.group(2)}"
    elif msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, ") :]
    if kind not in ("missing", "extra_forbidden") and "input" in e and kind.endswith("_type"):
        msg += f" (got {e['input']!r:.60})"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    head = f"{where}: " if where else ""
    return f"{head}{path}: {msg}{more}" if path else f"{head}{msg}{more}"
