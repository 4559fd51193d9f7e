"""Write output files all or nothing: into a temporary file beside the target, then rename.

A command that fails (bad input, Ctrl-C, a full disk) leaves no partial file, and an existing
file keeps its old content. Commands that write files use ``atomic_write`` or ``atomic_open``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..core.errors import ConfigError

__all__ = ["atomic_open", "atomic_write"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path, mode: str = "w", encoding: str | None = "utf-8"):
    """``with atomic_open("out.json") as fh: fh.write(...)``: the file appears, complete, on success only."""
    if mode not in ("w", "wb"):
        raise ValueError("atomic_open writes whole files: mode 'w' or 'wb'")
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{p}: is a directory, not a file to write")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=str(p.parent))
    except FileNotFoundError:
        raise ConfigError(f"{p}: the directory {p.parent} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot write ({exc.strerror or type(exc).__name__})") from None
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": encoding})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path, data) -> None:
    """Write ``data`` (str or bytes) to ``path`` all or nothing."""
    with atomic_open(path, "wb" if isinstance(data, (bytes, bytearray)) else "w") as fh:
        fh.write(data)
