"""Reading user files (configs, registry entries) defensively: one-line errors naming the file.

Shared by the config loader and the registry. Refused before parsing: missing files, broken
links and link loops, directories, devices and pipes, files over ``MAX_BYTES``, empty files,
binary data and text that is not UTF-8. JSON and TOML are parsed here (YAML in
``mlsysim.config._yaml``): duplicate keys, NaN and Infinity, and numbers too long to convert are
refused as well.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

from .errors import ConfigError

__all__ = ["MAX_BYTES", "read_text", "parse_json", "parse_toml"]

#: Largest config or registry file read. Real ones are a few kB; the pure-Python parsers take
#: about a second per few hundred kB, so this bounds the time a hostile file can cost.
MAX_BYTES = 256_000


def read_text(path, what: str = "file") -> str:
    """The UTF-8 text of a regular file, or a one-line ConfigError naming ``path``."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        if p.is_symlink():
            raise ConfigError(f"{p}: broken symbolic link (points to {os.readlink(p)})") from None
        raise ConfigError(f"{p}: file not found") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError(f"{p}: symbolic link loop") from None
        raise ConfigError(f"{p}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ConfigError(f"{p}: is a directory, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{p}: not a regular file (a device, pipe or socket)")
    if st.st_size > MAX_BYTES:
        raise ConfigError(f"{p}: file is larger than {MAX_BYTES // 1000} kB ({st.st_size:,} bytes)")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"{p}: file is larger than {MAX_BYTES // 1000} kB")
    if not raw.strip():
        raise ConfigError(f"{p}: file is empty")
    if b"\x00" in raw:
        raise ConfigError(f"{p}: binary data, not a text {what}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text (invalid byte at offset {exc.start})") from None


def _first_line(exc: BaseException, limit: int = 120) -> str:
    text = (str(exc).splitlines() or [type(exc).__name__])[0]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_json(text: str, path) -> object:
    """JSON without NaN/Infinity or duplicate keys."""

    def reject_constant(name):
        raise ConfigError(f"{path}: JSON constant {name} is not allowed (use a finite number)")

    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise ConfigError(f"{path}: duplicate key {k!r}")
            out[k] = v
        return out

    try:
        return json.loads(text, parse_constant=reject_constant, object_pairs_hook=pairs)
    except ConfigError:
        raise
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: line {exc.lineno}: JSON syntax error: {exc.msg}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4300 digits
        raise ConfigError(f"{path}: cannot read a value: {_first_line(exc)}") from None


def parse_toml(text: str, path) -> dict:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {_first_line(exc, 200)}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None
    except (ValueError, OverflowError) as exc:
        raise ConfigError(f"{path}: cannot read a value: {_first_line(exc)}") from None
