"""Safe YAML reading: no Python objects; bounded nesting, aliases and expanded size (no alias bombs).

One pass: libyaml's event parser when it is installed (fast), composed into nodes here with the
limits checked as the document grows, then built by PyYAML's ``SafeConstructor``. The line of
every key comes from the same nodes. A document whose aliases would expand to more than
``MAX_NODES`` values ("billion laughs"), or that refers to itself, is refused before anything
walks the expanded structure.
"""

from __future__ import annotations

from ..core.errors import ConfigError

MAX_ALIASES = 100
MAX_DEPTH = 40
MAX_NODES = 10_000  # values, counted as parsed and again with aliases expanded


def _yaml(path):
    try:
        import yaml
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError(f"{path}: reading YAML needs pyyaml (pip install 'mlsysim[cli]')") from None
    return yaml


def _loader_class(yaml):
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.resolver import Resolver

    try:  # libyaml: scanner and parser in C; composing stays in Python so the limits apply
        from yaml.cyaml import CParser

        bases, reader = (Composer, CParser, SafeConstructor, Resolver), CParser
    except ImportError:  # pragma: no cover - pyyaml without libyaml
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        bases, reader = (Reader, Scanner, Parser, Composer, SafeConstructor, Resolver), Reader

    class _Loader(*bases):
        def __init__(self, stream, path):
            for base in bases:
                if base is reader:
                    base.__init__(self, stream)
                else:
                    base.__init__(self)
            self._path, self._aliases, self._depth, self._nodes = path, 0, 0, 0

        def _refuse(self, what: str):
            mark = self.peek_event().start_mark
            raise ConfigError(f"{self._path}: line {mark.line + 1}: {what}")

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                self._aliases += 1
                if self._aliases > MAX_ALIASES:
                    self._refuse(f"more than {MAX_ALIASES} YAML aliases (refused)")
            self._nodes += 1
            if self._nodes > MAX_NODES:
                self._refuse(f"the document holds more than {MAX_NODES:,} values (refused)")
            self._depth += 1
            if self._depth > MAX_DEPTH:
                self._refuse(f"nested more than {MAX_DEPTH} levels deep")
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return _Loader


def _expanded_size(node, yaml, path, memo: dict, aliased: bool = True) -> int:
    """Values in the document once aliases are expanded (memoised per node, so it is cheap)."""
    key = id(node)
    if key in memo:
        n = memo[key]
        if n is None:
            raise ConfigError(f"{path}: line {node.start_mark.line + 1}: a YAML alias refers to the node that "
                              "contains it (recursive structures are refused)")
        return n
    memo[key] = None
    if isinstance(node, yaml.MappingNode):
        keys: set = set()
        for k, _v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                if k.value in keys:
                    raise ConfigError(f"{path}: line {k.start_mark.line + 1}: duplicate key {k.value!r}")
                keys.add(k.value)
        n = 1 + sum(_expanded_size(k, yaml, path, memo, aliased) + _expanded_size(v, yaml, path, memo, aliased)
                    for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_expanded_size(v, yaml, path, memo, aliased) for v in node.value)
    else:
        n = 1
    if n > MAX_NODES:
        what = "YAML aliases expand to" if aliased else "the document holds"
        raise ConfigError(f"{path}: line {node.start_mark.line + 1}: {what} more than {MAX_NODES:,} values (refused)")
    memo[key] = n
    return n


def _lines(node, yaml) -> dict:
    """{path tuple: line number} of every key and item, each node visited once (aliases not expanded)."""
    lines: dict = {}
    seen: set[int] = set()

    def walk(n, prefix):
        lines.setdefault(prefix, n.start_mark.line + 1)
        if id(n) in seen:
            return
        seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k.tag)
                lines.setdefault(prefix + (key,), k.start_mark.line + 1)
                walk(v, prefix + (key,))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, prefix + (i,))

    walk(node, ())
    return lines


def _parse(text: str, path, want_lines: bool):
    yaml = _yaml(path)
    loader = _loader_class(yaml)(text, path)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigError(f"{path}: file has no content")
        _expanded_size(node, yaml, path, {}, loader._aliases > 0)
        data = loader.construct_document(node)
    except ConfigError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark else ""
        raise ConfigError(f"{path}: {line}YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML error: {(str(exc).splitlines() or ['invalid'])[0]}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4300 digits
        raise ConfigError(f"{path}: cannot read a value: {(str(exc).splitlines() or ['invalid'])[0][:120]}") from None
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()
    if data is None:
        raise ConfigError(f"{path}: file has no content")
    return data, (_lines(node, yaml) if want_lines else {})


def safe_load(text: str, path) -> object:
    """Parse YAML text safely (see the module docstring); one-line ConfigError naming ``path``."""
    return _parse(text, path, False)[0]


def load_with_lines(text: str, path) -> tuple[object, dict]:
    """Parse YAML (or JSON, a subset) and return (data, {path tuple: line number})."""
    return _parse(text, path, True)
