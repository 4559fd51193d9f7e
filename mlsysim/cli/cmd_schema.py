"""``mlsysim schema``: the JSON Schema of config files (for editors and agents)."""

from __future__ import annotations

import json
import sys

import typer


def register(app) -> None:
    @app.command()
    def schema(ctx: typer.Context):
        """Print the JSON Schema of simulation config files (always JSON)."""
        from ..config import json_schema

        sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
