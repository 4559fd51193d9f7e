"""Plugins: third-party packages add hardware, models, data folders and solvers.

A package declares an entry point in the group ``mlsysim.plugins`` whose object is a callable
(or a dict) giving what it adds::

    [project.entry-points."mlsysim.plugins"]
    mine = "my_package:register"        # register() -> {"hardware": [...], "models": [...],
                                        #                "data": [folder, ...], "solvers": {name: cls}}

Plugins load lazily: on ``load_plugins()``, or the first time a registry is asked for a name it
does not know. A plugin that fails to load is reported by ``errors()`` and never breaks mlsysim.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

__all__ = ["GROUP", "load_plugins", "solvers", "get_solver", "loaded", "errors", "reset"]

GROUP = "mlsysim.plugins"
_state = {"loaded": False}
_PLUGINS: dict[str, dict] = {}
_SOLVERS: dict[str, type] = {}
_ERRORS: dict[str, str] = {}


def _add_entries(items, kind: str, where: str) -> list[str]:
    from .registry import load, registry

    out = []
    for it in items or ():
        if isinstance(it, (str, Path)):
            obj = load(it, kind)
        else:
            reg = registry(kind)
            group = getattr(it, "tier", None) if kind == "hardware" else getattr(it, "family", None)
            obj = reg.register(it, group)
        out.append(getattr(obj, "id", None) or obj.name)
    return out


def _apply(name: str, spec) -> dict:
    from .registry import load

    if callable(spec):
        spec = spec()
    spec = spec or {}
    if not isinstance(spec, dict):
        raise TypeError(f"plugin {name}: the entry point must return a dict, got {type(spec).__name__}")
    added = {"hardware": _add_entries(spec.get("hardware"), "hardware", name),
             "models": _add_entries(spec.get("models"), "model", name), "data": [], "solvers": []}
    for folder in spec.get("data", ()) or ():
        for f in sorted(Path(folder).glob("*.toml")):
            obj = load(f)
            added["data"].append(getattr(obj, "id", None) or obj.name)
    for sname, cls in (spec.get("solvers") or {}).items():
        if not hasattr(cls, "solve"):
            raise TypeError(f"plugin {name}: solver {sname} has no solve method")
        _SOLVERS[sname] = cls
        added["solvers"].append(sname)
    return added


def load_plugins(force: bool = False) -> dict[str, dict]:
    """Load every installed plugin once; returns plugin name -> what it added."""
    if _state["loaded"] and not force:
        return dict(_PLUGINS)
    _state["loaded"] = True
    for ep in importlib.metadata.entry_points(group=GROUP):
        if ep.name in _PLUGINS and not force:
            continue
        try:
            _PLUGINS[ep.name] = _apply(ep.name, ep.load())
            _ERRORS.pop(ep.name, None)
        except Exception as exc:  # a broken plugin is reported, not fatal
            _ERRORS[ep.name] = f"{type(exc).__name__}: {exc}"
    return dict(_PLUGINS)


def _on_unknown_name() -> bool:
    """Registry hook: load plugins the first time a name is unknown; True if this call loaded them."""
    if _state["loaded"]:
        return False
    load_plugins()
    return True


def loaded() -> dict[str, dict]:
    return dict(_PLUGINS)


def errors() -> dict[str, str]:
    """Plugins that failed to load, with the reason."""
    return dict(_ERRORS)


def solvers() -> dict[str, type]:
    """Solver classes added by plugins (loads plugins first)."""
    load_plugins()
    return dict(_SOLVERS)


def get_solver(name: str):
    s = solvers()
    if name not in s:
        from .core.errors import UnknownNameError
        import difflib

        raise UnknownNameError("solver", name, difflib.get_close_matches(name, list(s), n=2))
    return s[name]


def reset() -> None:
    """Forget loaded plugins (for tests); registry entries already added stay."""
    _state["loaded"] = False
    _PLUGINS.clear()
    _SOLVERS.clear()
    _ERRORS.clear()
