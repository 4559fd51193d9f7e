"""Simulation config files (YAML/JSON/TOML): schema, loading, JSON Schema export."""

from .loader import LoadedConfig, config_from_dict, json_schema, load_config
from .schema import SimulationConfig

__all__ = ["LoadedConfig", "SimulationConfig", "config_from_dict", "json_schema", "load_config"]
