"""Load a simulation config file: strict validation with file, line and field path in errors,
then resolution of registry names into typed objects."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..core.errors import ConfigError, UnknownNameError
from .schema import SimulationConfig

__all__ = ["load_config", "LoadedConfig", "config_from_dict", "json_schema", "config_error"]

@dataclass(frozen=True)
class LoadedConfig:
    """A validated config with registry names resolved to objects."""

    config: SimulationConfig
    path: str
    model: object
    hardware: object
    fleet: object | None
    grid: object | None
    datacenter: object | None
    lines: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.config.name or Path(self.path).stem

    @property
    def batch_size(self) -> int:
        return self.config.workload.batch_size

    @property
    def precision(self) -> str:
        return self.config.workload.precision

    @property
    def seq_len(self):
        return self.config.workload.seq_len

    @property
    def mode(self) -> str:
        return self.config.workload.mode


class _LazyLines(dict):
    """Line numbers of a JSON config, computed only when an error message needs one."""

    def __init__(self, text: str, path):
        super().__init__()
        self._src = (text, path)

    def get(self, key, default=None):
        if self._src is not None:
            text, path = self._src
            self._src = None
            try:
                from ._yaml import load_with_lines

                self.update(load_with_lines(text, path)[1])
            except Exception:  # line numbers are a convenience
                pass
        return super().get(key, default)


def _read(path: Path) -> tuple[object, dict]:
    from ..core.files import parse_json, parse_toml, read_text

    suffix = path.suffix.lower()
    text = read_text(path, "config file")
    if suffix == ".json":
        return parse_json(text, path), _LazyLines(text, path)
    if suffix in (".yaml", ".yml"):
        from ._yaml import load_with_lines

        return load_with_lines(text, path)
    if suffix == ".toml":
        return parse_toml(text, path), {}
    raise ConfigError(f"{path}: unknown config type {suffix or '(none)'}; use .yaml, .yml, .json or .toml")


def _section_fields(loc: tuple) -> list[str]:
    """Valid keys at a location of the config (for 'did you mean')."""
    from . import schema as S

    model = S.SimulationConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        f = model.model_fields.get(part) or next((x for x in model.model_fields.values() if x.alias == part), None)
        if f is None:
            return []
        ann = f.annotation
        inner = getattr(ann, "__args__", None)
        if inner:
            ann = next((a for a in inner if isinstance(a, type) and issubclass(a, S._Section)), ann)
        if isinstance(ann, type) and issubclass(ann, S._Section):
            model = ann
        else:
            return []
    return [f.alias or k for k, f in model.model_fields.items()]


def _fmt_loc(loc) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + str(p))
    return out


def _validation_message(exc: ValidationError, path, lines: dict) -> str:
    errors = exc.errors(include_url=False)
    e = next((x for x in errors if x.get("type") == "extra_forbidden"), errors[0])
    loc = tuple(p for p in e.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
    kind = e.get("type", "")
    msg = e.get("msg", "invalid")
    if kind == "extra_forbidden":
        valid = _section_fields(loc)
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.5)
        msg = "unknown key" + (f"; did you mean {close[0]!r}?" if close else (f"; valid keys: {', '.join(valid)}" if valid else ""))
    elif kind == "missing":
        msg = "required field is missing"
    elif kind == "invalid_key":
        msg = f"key {loc[-1]!r} is not a string (keys are names such as batch_size)"
        loc = loc[:-1]
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    elif kind in ("int_type", "int_parsing", "float_type", "float_parsing", "string_type", "bool_type", "literal_error",
                  "greater_than_equal", "less_than_equal", "greater_than", "less_than", "int_from_float", "finite_number",
                  "string_too_long", "too_long", "dict_type", "model_type", "list_type"):
        got = e.get("input")
        shown = repr(got)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        msg = f"{msg[0].lower()}{msg[1:]} (got {shown})" if kind not in ("dict_type", "model_type") else f"expected a mapping of keys, got {type(got).__name__}"
    line = None
    for n in range(len(loc), -1, -1):
        line = lines.get(loc[:n])
        if line is not None:
            break
    where = f"{path}: line {line}: " if line else f"{path}: "
    more = len(exc.errors()) - 1
    return f"{where}{_fmt_loc(loc) or '(top level)'}: {msg}" + (f" (and {more} more)" if more > 0 else "")


def config_from_dict(data, where: str = "config", lines: dict | None = None) -> LoadedConfig:
    """Validate and resolve a config given as a dict (as the MCP server does)."""
    lines = {} if lines is None else lines
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping with workload and hardware sections, got {type(data).__name__}")
    try:
        cfg = SimulationConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_validation_message(exc, where, lines)) from None
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply") from None
    return _resolve(cfg, where, lines)


def load_config(path) -> LoadedConfig:
    """Read, validate and resolve a YAML/JSON/TOML simulation config file."""
    p = Path(path)
    data, lines = _read(p)
    return config_from_dict(data, str(p), lines)


def _resolve(cfg: SimulationConfig, where: str, lines: dict) -> LoadedConfig:
    from .. import registry as R
    from ..core.precision import normalize_precision

    def at(*loc):
        line = lines.get(loc)
        return f"{where}: line {line}: " if line else f"{where}: "

    def get(kind, name, *loc):
        try:
            return R.registry(kind).get(name)
        except UnknownNameError as exc:
            raise ConfigError(f"{at(*loc)}{'.'.join(loc)}: {exc}") from None
        except ConfigError as exc:
            raise ConfigError(f"{at(*loc)}{'.'.join(loc)}: {exc}") from None

    try:
        normalize_precision(cfg.workload.precision)
    except ConfigError as exc:
        raise ConfigError(f"{at('workload', 'precision')}workload.precision: {exc}") from None
    model = get("model", cfg.workload.name, "workload", "name")
    hw_s = cfg.hardware
    fleet = None
    if hw_s.cluster:
        fleet = get("cluster", hw_s.cluster, "hardware", "cluster")
        hardware = fleet.node.accelerator
        if hw_s.name and get("hardware", hw_s.name, "hardware", "name") is not hardware:
            raise ConfigError(f"{at('hardware', 'name')}hardware.name: {hw_s.name} differs from the accelerator of cluster {fleet.id} ({hardware.id})")
        if hw_s.nodes:
            fleet = fleet.copy(count=hw_s.nodes)
    else:
        hardware = get("hardware", hw_s.name, "hardware", "name") if hw_s.name else None
        node = get("node", hw_s.node, "hardware", "node") if hw_s.node else None
        if node is None:
            node = _default_node(hardware, hw_s.accelerators_per_node)
        elif hw_s.accelerators_per_node and hw_s.accelerators_per_node != node.accelerators_per_node:
            raise ConfigError(f"{at('hardware', 'accelerators_per_node')}hardware.accelerators_per_node: node {node.id} has "
                              f"{node.accelerators_per_node}; omit one of node and accelerators_per_node")
        hardware = hardware or node.accelerator
        fabric = get("fabric", hw_s.fabric, "hardware", "fabric") if hw_s.fabric else _default_fabric(hardware)
        from ..systems.types import Fleet

        fleet = Fleet(name=f"{hw_s.nodes or 1} x {node.name}", node=node, count=hw_s.nodes or 1, fabric=fabric)
    if hw_s.compute_unit is not None:  # one line naming the field and the device's units
        from ..solvers._inputs import check_unit

        try:
            check_unit(hardware, hw_s.compute_unit)
        except ConfigError as exc:
            raise ConfigError(f"{at('hardware', 'compute_unit')}hardware.{exc}") from None
    grid = get("grid", cfg.ops.region, "ops", "region") if cfg.ops.region else None
    dc = get("datacenter", cfg.ops.datacenter, "ops", "datacenter") if cfg.ops.datacenter else None
    if grid is None and dc is not None:
        grid = dc.grid
    return LoadedConfig(config=cfg, path=where, model=model, hardware=hardware, fleet=fleet, grid=grid, datacenter=dc,
                        lines=lines)


#: solver parameter named at the start of a solver's error -> the config field it comes from
_PARAM_PATHS = {
    "batch_size": ("workload", "batch_size"), "seq_len": ("workload", "seq_len"),
    "output_len": ("workload", "output_len"), "efficiency": ("workload", "efficiency"),
    "precision": ("workload", "precision"), "mode": ("workload", "mode"), "qps": ("workload", "qps"),
    "tokens": ("workload", "tokens"), "model": ("workload", "name"), "hardware": ("hardware", "name"),
    "tp_size": ("hardware", "tp_size"), "pp_size": ("hardware", "pp_size"), "fleet": ("hardware",),
    "compute_unit": ("hardware", "compute_unit"),
    "nodes": ("hardware", "nodes"), "duration_days": ("ops", "duration_days"),
    "utilisation": ("ops", "utilisation"), "kwh_price": ("ops", "kwh_price"), "pue": ("ops", "pue"),
    "constraints": ("constraints", "assert"),
}


def config_error(loaded: LoadedConfig, exc: Exception) -> ConfigError:
    """A solver's one-line error about a loaded config, restated with the file, line and field path:
    ``batch_size: 7 sequences do not split ...`` -> ``c.yaml: line 3: workload.batch_size: 7 sequences ...``."""
    msg = str(exc)
    where = loaded.path
    if msg.startswith(f"{where}:"):
        return exc if isinstance(exc, ConfigError) else ConfigError(msg)
    head, sep, rest = msg.partition(": ")
    loc = _PARAM_PATHS.get(head) if sep else None
    if loc is None:
        return ConfigError(f"{where}: {msg}")
    line = None
    for n in range(len(loc), 0, -1):
        line = loaded.lines.get(loc[:n]) if loaded.lines is not None else None
        if line is not None:
            break
    return ConfigError(f"{where}: {f'line {line}: ' if line else ''}{'.'.join(loc)}: {rest}")


def _default_node(hw, per_node: int | None):
    """The registry's node for this accelerator, or a generic one (8 per node in the cloud tier, else 1)."""
    from .. import registry as R
    from ..systems.types import Node

    for n in R.registry("node").all():
        if n.accelerator is hw:
            if not per_node or per_node == n.accelerators_per_node:
                return n
            scale = per_node / n.accelerators_per_node
            changes = {"accelerators_per_node": per_node, "nics_per_node": max(1, round(n.nics_per_node * scale)),
                       "name": f"{per_node}x {hw.id or hw.name} ({n.id} per-GPU share)"}
            if n.power is not None:
                changes["power"] = n.power * scale
            if n.unit_cost is not None:
                changes["unit_cost"] = n.unit_cost * scale
            return n.copy(**changes)
    count = per_node or (8 if hw.tier in (None, "cloud") else 1)
    return Node(name=f"{count}x {hw.id or hw.name} node", accelerator=hw, accelerators_per_node=count,
                nics_per_node=count if hw.tier in (None, "cloud") else 1,
                nic_bandwidth="400 Gbit/s" if hw.tier in (None, "cloud") else "1 Gbit/s")


def _default_fabric(hw):
    from .. import registry as R

    return R.registry("fabric").get("InfiniBand_NDR" if hw.tier in (None, "cloud") else "Ethernet_100G")


def json_schema() -> dict:
    """JSON Schema of the config file (for editors and agents)."""
    schema = SimulationConfig.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mlsysim simulation config"
    return schema
