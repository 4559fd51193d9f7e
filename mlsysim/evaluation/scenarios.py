"""Scenarios: the lighthouse archetypes as data (``mlsysim/data/scenarios/*.toml``).

Each holds a simulation config (the same schema as config files), a description and the
source of its requirements. ``Scenarios.Chatbot.evaluate()`` runs it in one call.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import ConfigError, UnknownNameError
from ..registry import DATA_DIR, _norm, load_file_data

__all__ = ["Scenario", "Scenarios"]


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    description: str
    config: dict
    source: dict
    aliases: tuple = ()

    def load(self):
        """The config validated and resolved (a ``LoadedConfig``)."""
        from ..config.loader import config_from_dict

        d = dict(self.config)
        d.setdefault("name", self.name)
        return config_from_dict(d, where=f"scenario {self.id}")

    def evaluate(self, **overrides):
        """Evaluate the scenario; ``overrides`` replace SystemEvaluator keywords (e.g. latency_sla_ms)."""
        from .evaluator import SystemEvaluator, config_kwargs, evaluate_config

        loaded = self.load()
        if not overrides:
            return evaluate_config(loaded)
        kw = config_kwargs(loaded)
        kw.update(overrides)
        return SystemEvaluator.evaluate(loaded.name, loaded.model, loaded.hardware, **kw)


class _Scenarios:
    _cache: dict | None = None

    def _all(self) -> dict:
        if self._cache is None:
            out = {}
            for f in sorted((DATA_DIR / "scenarios").glob("*.toml")):
                d = load_file_data(f)
                src = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in d.get("source", {}).items()}
                out[d["id"]] = Scenario(d["id"], d["name"], d.get("description", ""), d["config"], src, tuple(d.get("aliases", ())))
            type(self)._cache = out
        return self._cache

    def get(self, name: str) -> Scenario:
        items = self._all()
        if name in items:
            return items[name]
        for s in items.values():
            if _norm(name) in {_norm(s.id), *(_norm(a) for a in s.aliases)}:
                return s
        import difflib

        raise UnknownNameError("scenario", name, difflib.get_close_matches(name, list(items), n=3, cutoff=0.5))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.get(name)
        except UnknownNameError as exc:
            raise AttributeError(str(exc)) from None

    def all(self) -> list[Scenario]:
        return list(self._all().values())

    def ids(self) -> list[str]:
        return list(self._all())

    def __dir__(self):
        return self.ids() + ["get", "all", "ids"]


Scenarios = _Scenarios()
