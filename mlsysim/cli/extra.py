"""Discovers command modules ``mlsysim/cli/cmd_*.py``; each defines ``register(app)``.

One file per command family keeps the CLI a set of thin shells that can be added
independently (validate, optimize, schema, mcp, ...).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def register(app) -> None:
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__package__}.{info.name}")
            module.register(app)
