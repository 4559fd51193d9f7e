"""``mlsysim mcp``: run the MCP server over stdio."""

from __future__ import annotations

import typer


def register(app) -> None:
    @app.command()
    def mcp(ctx: typer.Context):
        """Serve the Model Context Protocol over stdio (tools: zoo, schema, evaluate, solvers, optimizers)."""
        try:
            from ..mcp_server import run_stdio
        except ImportError as exc:
            from ..core.errors import ConfigError

            raise ConfigError(f"the MCP server needs the mcp package: pip install 'mlsysim[mcp]' ({exc})") from None
        run_stdio()
