"""Shared by the site tests: the built site's location, a skip marker, and loading a tools/ module."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_site"
built = pytest.mark.skipif(not (SITE / "index.html").exists(), reason="_site/ is not built: run `make site` first")


def _tool(name):
    spec = importlib.util.spec_from_file_location(f"_t_{name}", ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
