"""Registries: built-in entries are data files in ``mlsysim/data/<kind>/``, loaded lazily.

Access by attribute (``Hardware.Cloud.H100``), by id or alias (``Hardware.get("h100-sxm")``),
or list them (``Hardware.all()``). Users add their own entries from TOML, JSON or YAML files
(``mlsysim.load("chip.yaml")``) or objects (``Hardware.register(node)``), and models from a
Hugging Face ``config.json`` (``Models.from_hf_config(path)``).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from .core.errors import ConfigError, UnknownNameError

__all__ = ["data_rows", "Registry", "Hardware", "Models", "Systems", "Infra", "resolve", "load", "load_file_data", "DATA_DIR"]

DATA_DIR = Path(__file__).with_name("data")
_PROVENANCE = ("source", "sources")


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def load_file_data(path: str | Path) -> dict:
    """Read a TOML, JSON or YAML file into a dict; one-line ConfigError naming the file on failure."""
    from .core.files import parse_json, parse_toml, read_text

    path = Path(path)
    suffix = path.suffix.lower()
    text = read_text(path)
    if suffix == ".toml":
        data = parse_toml(text, path)
    elif suffix == ".json":
        data = parse_json(text, path)
    elif suffix in (".yaml", ".yml"):
        from .config._yaml import safe_load

        data = safe_load(text, path)
    else:
        raise ConfigError(f"{path}: unknown file type {suffix or '(none)'}; use .toml, .json, .yaml or .yml")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values at the top level, got {type(data).__name__}")
    return data


@lru_cache(maxsize=64)
def data_rows(folder: str) -> tuple[dict, ...]:
    """All TOML rows of ``mlsysim/data/<folder>/`` (sorted by file name; ``id`` defaults to the file
    stem; unreadable files skipped), cached: calibration, prices, reliability and other tables."""
    out = []
    d = DATA_DIR / folder
    if d.is_dir():
        for f in sorted(d.glob("*.toml")):
            try:
                data = tomllib.loads(f.read_text("utf-8"))
            except tomllib.TOMLDecodeError:
                continue
            data.setdefault("id", f.stem)
            out.append(data)
    return tuple(out)


def _prepare(data: dict) -> dict:
    """Turn TOML dates into strings the Source model accepts, and drop keys that are not fields."""
    out = dict(data)
    for key in _PROVENANCE:
        if key in out and isinstance(out[key], dict):
            src = out[key]
            if key == "source":
                out[key] = {k: (v.isoformat() if isinstance(v, _dt.date) else v) for k, v in src.items()}
            else:
                out[key] = {
                    f: {k: (v.isoformat() if isinstance(v, _dt.date) else v) for k, v in s.items()}
                    for f, s in src.items()
                    if isinstance(s, dict)
                }
    if isinstance(out.get("aliases"), list):
        out["aliases"] = tuple(out["aliases"])
    return out


class Registry:
    """One kind of entry (hardware, model, grid, ...), built lazily from its data folder."""

    def __init__(self, kind: str, folder: str, build: Callable[[dict, str | None], Any], groups: tuple[str, ...] = ()):
        self.kind = kind
        self.folder = DATA_DIR / folder
        self._build = build
        self.groups = groups
        self._paths: dict[str, tuple[Path, str | None]] | None = None
        self._aliases: dict[str, str] | None = None
        self._objects: dict[str, Any] = {}
        self._user: dict[str, tuple[Any, str | None]] = {}

    # -- discovery -------------------------------------------------------------------------
    def _scan(self) -> dict[str, tuple[Path, str | None]]:
        if self._paths is None:
            paths: dict[str, tuple[Path, str | None]] = {}
            dirs = [(self.folder / g, g) for g in self.groups] if self.groups else [(self.folder, None)]
            for d, g in dirs:
                if d.is_dir():
                    for f in sorted(d.glob("*.toml")):
                        paths[f.stem] = (f, g)
            self._paths = paths
        return self._paths

    def _alias_index(self) -> dict[str, str]:
        if self._aliases is None:
            idx: dict[str, str] = {}
            for id_, (path, _g) in self._scan().items():
                idx.setdefault(_norm(id_), id_)
                try:
                    data = tomllib.loads(path.read_text("utf-8"))
                except Exception:
                    continue
                for a in [data.get("name", "")] + list(data.get("aliases", [])):
                    if isinstance(a, str) and a:
                        idx.setdefault(_norm(a), id_)
            for id_, (obj, _g) in self._user.items():
                idx[_norm(id_)] = id_
                for a in getattr(obj, "aliases", ()) or ():
                    idx[_norm(a)] = id_
            self._aliases = idx
        return self._aliases

    def ids(self, group: str | None = None) -> list[str]:
        """Ids of built-in and user entries, optionally of one group (tier, family)."""
        out = [i for i, (_p, g) in self._scan().items() if group is None or g == group]
        out += [i for i, (_o, g) in self._user.items() if (group is None or g == group) and i not in out]
        return out

    # -- access ----------------------------------------------------------------------------
    def _load(self, id_: str):
        obj = self._objects.get(id_)
        if obj is None:
            if id_ in self._user:
                return self._user[id_][0]
            path, group = self._scan()[id_]
            data = load_file_data(path)
            rel = path.relative_to(DATA_DIR.parent.parent) if DATA_DIR.parent.parent in path.parents else path
            try:
                obj = self._build(_prepare(data), group)
            except ConfigError as exc:
                detail = getattr(exc, "detail", None) or str(exc)
                raise ConfigError(f"{rel}: {detail}") from None
            self._objects[id_] = obj
        return obj

    def lookup_id(self, name: str, group: str | None = None) -> str:
        """The id for a name or alias (case and punctuation ignored), or UnknownNameError."""
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{self.kind} name: expected a non-empty name, got {name!r}")
        if name in self._user or name in self._scan():
            id_ = name
        else:
            id_ = self._alias_index().get(_norm(name))
        if id_ is None and _plugins_loaded_now():  # plugins may add the name (mlsysim.plugins)
            return self.lookup_id(name, group)
        if id_ is None or (group is not None and self._group_of(id_) != group):
            choices = self.ids(group)
            norm = {_norm(c): c for c in choices}
            close = [norm[c] for c in difflib.get_close_matches(_norm(name), list(norm), n=3, cutoff=0.55)]
            raise UnknownNameError(self.kind, name, close)
        return id_

    def _group_of(self, id_: str) -> str | None:
        if id_ in self._user:
            return self._user[id_][1]
        return self._scan()[id_][1]

    def get(self, name, group: str | None = None):
        """The entry with this id or alias; objects of the right type pass through."""
        if not isinstance(name, str):
            return name
        return self._load(self.lookup_id(name, group))

    def all(self, group: str | None = None) -> list:
        return [self._load(i) for i in self.ids(group)]

    def register(self, obj, group: str | None = None, *, id: str | None = None):
        """Add a user entry (an object of this registry's type); returns it."""
        key = id or getattr(obj, "id", None) or getattr(obj, "name")
        grp = group or getattr(obj, "tier", None) or getattr(obj, "family", None)
        self._user[key] = (obj, grp)
        self._aliases = None
        return obj

    def from_dict(self, data: dict, group: str | None = None, where: str = "entry"):
        try:
            return self._build(_prepare(data), group)
        except ConfigError as exc:
            detail = getattr(exc, "detail", None) or str(exc)
            raise ConfigError(f"{where}: {detail}") from None

    def load(self, path: str | Path, group: str | None = None):
        """Load a user entry from a TOML, JSON or YAML file and register it."""
        data = load_file_data(path)
        dk = data.get("kind")
        if isinstance(dk, str) and dk != self.kind and not (self.kind == "model" and dk in _MODEL_KINDS):
            raise ConfigError(f"{path}: kind: the file holds a {dk} entry, not {self.kind}; load it with mlsysim.load(path)")
        if dk == self.kind and self.kind == "model":
            data.pop("kind")
        return self.register(self.from_dict(data, group or data.get("tier") or data.get("family"), str(path)))


def _plugins_loaded_now() -> bool:
    from .plugins import _on_unknown_name

    return _on_unknown_name()


class Namespace:
    """Attribute access to a registry, optionally restricted to one group."""

    def __init__(self, registry: Registry, group: str | None = None, children: dict[str, "Namespace"] | None = None):
        object.__setattr__(self, "_registry", registry)
        object.__setattr__(self, "_group", group)
        object.__setattr__(self, "_children", children or {})

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        child = self._children.get(name)
        if child is not None:
            return child
        try:
            return self._registry.get(name, self._group)
        except UnknownNameError as exc:
            raise AttributeError(str(exc)) from None

    def __dir__(self):
        return sorted(set(self._registry.ids(self._group)) | set(self._children) | {"get", "all", "ids", "register", "load"})

    def __iter__(self):
        return iter(self.all())

    def __len__(self):
        return len(self.ids())

    def get(self, name):
        return self._registry.get(name, self._group)

    def all(self) -> list:
        return self._registry.all(self._group)

    def ids(self) -> list[str]:
        return self._registry.ids(self._group)

    def register(self, obj, **kw):
        return self._registry.register(obj, self._group, **kw)

    def load(self, path):
        return self._registry.load(path, self._group)

    def __repr__(self) -> str:
        where = f"{self._registry.kind}" + (f" ({self._group})" if self._group else "")
        return f"<{where}: {', '.join(self.ids())}>"


# ---- builders ------------------------------------------------------------------------------
def _build_hardware(data: dict, group):
    from .hardware.types import HardwareNode

    data.pop("kind", None)
    if group and "tier" not in data:
        data["tier"] = group
    return HardwareNode(**data)


def _build_model(data: dict, group):
    from .models.types import CNNWorkload, RecommendationWorkload, TransformerWorkload

    kind = data.get("kind") or ("transformer" if "layers" in data and "hidden_dim" in data else "cnn")
    cls = {"transformer": TransformerWorkload, "cnn": CNNWorkload, "recsys": RecommendationWorkload}.get(kind)
    if cls is None:
        raise ConfigError(f"kind: unknown model kind {kind!r}; use transformer, cnn or recsys")
    if group and "family" not in data:
        data["family"] = group
    return cls(**data)


def _simple(cls_path: str):
    def build(data: dict, group):
        module, name = cls_path.rsplit(".", 1)
        import importlib

        cls = getattr(importlib.import_module(module, __package__), name)
        data.pop("kind", None)
        return cls(**data)

    return build


_REGISTRIES: dict[str, Registry] = {
    "hardware": Registry("hardware", "hardware", _build_hardware, ("cloud", "workstation", "mobile", "edge", "tiny")),
    "model": Registry("model", "models", _build_model, ("language", "vision", "recommendation", "tiny")),
    "grid": Registry("grid", "grids", _simple(".infra.types.GridProfile")),
    "datacenter": Registry("datacenter", "datacenters", _simple(".infra.types.Datacenter")),
    "fabric": Registry("fabric", "fabrics", _simple(".systems.types.NetworkFabric")),
    "node": Registry("node", "nodes", _simple(".systems.types.Node")),
    "cluster": Registry("cluster", "clusters", _simple(".systems.types.Fleet")),
}


def registry(kind: str) -> Registry:
    return _REGISTRIES[kind]


def resolve(kind: str, name):
    """The entry of ``kind`` named ``name`` (objects pass through)."""
    return _REGISTRIES[kind].get(name)


_hw = _REGISTRIES["hardware"]
Hardware = Namespace(
    _hw,
    children={
        "Cloud": Namespace(_hw, "cloud"),
        "Workstation": Namespace(_hw, "workstation"),
        "Mobile": Namespace(_hw, "mobile"),
        "Edge": Namespace(_hw, "edge"),
        "Tiny": Namespace(_hw, "tiny"),
    },
)
_md = _REGISTRIES["model"]


class _ModelsNamespace(Namespace):
    def from_hf_config(self, path_or_dict, name: str | None = None, register: bool = True):
        """A TransformerWorkload from a Hugging Face ``config.json`` (path or dict)."""
        from .models.hf import from_hf_config

        w = from_hf_config(path_or_dict, name=name)
        return _md.register(w, "language") if register else w


Models = _ModelsNamespace(
    _md,
    children={
        "Language": Namespace(_md, "language"),
        "Vision": Namespace(_md, "vision"),
        "Recommendation": Namespace(_md, "recommendation"),
        "Tiny": Namespace(_md, "tiny"),
    },
)
Systems = Namespace(
    _REGISTRIES["cluster"],
    children={
        "Clusters": Namespace(_REGISTRIES["cluster"]),
        "Fabrics": Namespace(_REGISTRIES["fabric"]),
        "Nodes": Namespace(_REGISTRIES["node"]),
    },
)
Infra = Namespace(
    _REGISTRIES["grid"],
    children={"Grids": Namespace(_REGISTRIES["grid"]), "Datacenters": Namespace(_REGISTRIES["datacenter"])},
)

_MODEL_KINDS = ("transformer", "cnn", "recsys")
_KIND_KEYS = {
    "hardware": ("compute", "memory"),
    "model": ("layers", "flops_per_sample"),
    "grid": ("carbon_intensity",),
    "datacenter": ("grid",),
    "fabric": ("topology",),
    "node": ("accelerator",),
    "cluster": ("node",),
}


def load(path: str | Path, kind: str | None = None):
    """Load a user entry of any kind from a file (kind from its ``kind`` key, else guessed)."""
    data = load_file_data(path)
    k = kind or data.get("registry")
    dk = data.get("kind")
    if dk is not None and (not isinstance(dk, str) or dk not in _REGISTRIES and dk not in _MODEL_KINDS):
        close = difflib.get_close_matches(str(dk), list(_REGISTRIES) + list(_MODEL_KINDS), n=1, cutoff=0.6)
        raise ConfigError(f"{path}: kind: unknown kind {dk!r}" + (f"; did you mean {close[0]!r}?" if close else
                          "; use hardware, model (or transformer, cnn, recsys), grid, datacenter, fabric, node or cluster"))
    if k is None:
        if dk in _MODEL_KINDS:
            k = "model"
        elif dk in _REGISTRIES:
            k = dk
        else:
            for cand, keys in _KIND_KEYS.items():
                if any(key in data for key in keys):
                    k = cand
                    break
    if k not in _REGISTRIES:
        raise ConfigError(f"{path}: cannot tell what kind of entry this is; add kind = 'hardware' (or model, grid, fabric, node, cluster)")
    data.pop("registry", None)
    if data.get("kind") == k:  # kind = "model": the model builder tells transformer from cnn by the keys
        data.pop("kind")
    reg = _REGISTRIES[k]
    group = data.get("tier") if k == "hardware" else data.get("family") if k == "model" else None
    return reg.register(reg.from_dict(data, group, str(path)), group)
