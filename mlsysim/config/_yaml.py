"""Safe YAML reading: no Python objects, bounded aliases and nesting (no alias bombs)."""

from __future__ import annotations

from ..core.errors import ConfigError

MAX_ALIASES = 100
MAX_DEPTH = 40


def safe_load(text: str, path) -> object:
    try:
        import yaml
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError(f"{path}: reading YAML needs pyyaml (pip install 'mlsysim[cli]')") from None

    class _Loader(yaml.SafeLoader):
        aliases = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                _Loader.aliases += 1
                if _Loader.aliases > MAX_ALIASES:
                    mark = self.peek_event().start_mark
                    raise ConfigError(f"{path}: line {mark.line + 1}: more than {MAX_ALIASES} YAML aliases (refused)")
            depth = getattr(self, "_depth", 0) + 1
            if depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ConfigError(f"{path}: line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
            self._depth = depth
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth = depth - 1

    _Loader.aliases = 0
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except ConfigError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark else ""
        raise ConfigError(f"{path}: {line}YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML error: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None
    if data is None:
        raise ConfigError(f"{path}: file has no content")
    return data


def load_with_lines(text: str, path) -> tuple[object, dict]:
    """Parse YAML (or JSON, a subset) and return (data, {path tuple: line number})."""
    try:
        import yaml
    except ImportError:  # pragma: no cover
        raise ConfigError(f"{path}: reading YAML needs pyyaml (pip install 'mlsysim[cli]')") from None
    lines: dict = {}

    def walk(node, prefix):
        lines[prefix] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k)
                lines[prefix + (key,)] = k.start_mark.line + 1
                walk(v, prefix + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, prefix + (i,))

    data = safe_load(text, path)  # checks aliases, depth, syntax first
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            walk(node, ())
    except Exception:  # line numbers are a convenience
        pass
    return data, lines
