"""``mlsysim mcp``: a Model Context Protocol server over stdio.

Tools: list the zoo, show an entry, get the config JSON Schema, evaluate a config, run the
roofline, serving and (when installed) distributed solvers, and the optimizers. Inputs are
validated; errors come back as structured tool errors (one line naming the field); search
sizes are bounded. Never imported by the core.
"""

from __future__ import annotations

from typing import Any

try:  # mcp >= 2
    from mcp.server.mcpserver import MCPServer as _Server
    from mcp.server.mcpserver.exceptions import ToolError
except ImportError:  # pragma: no cover - mcp 1.x
    from mcp.server.fastmcp import FastMCP as _Server
    from mcp.server.fastmcp.exceptions import ToolError

from ._version import __version__
from .core.errors import MlsysimError

MAX_BATCH = 10_000_000
MAX_CANDIDATES = 20_000

_INSTRUCTIONS = (
    "mlsysim: a first-principles analytical simulator of ML systems. Use list_zoo to find ids, "
    "get_schema for the config format, evaluate_config to get the three-lens scorecard "
    "(feasibility -> performance -> macro) with the binding walls, and the solve_* tools for one solver."
)


def _guard(fn):
    """Run a tool body; turn bad input into a one-line ToolError."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ToolError:
            raise
        except MlsysimError as exc:
            raise ToolError(f"{type(exc).__name__}: {exc}") from None
        except (ValueError, TypeError, KeyError) as exc:
            raise ToolError(f"invalid input: {exc}") from None
        except RecursionError:
            raise ToolError("invalid input: nested too deeply") from None

    return wrapper


def _bounded(name: str, v, hi: int):
    if v is None:
        return v
    if isinstance(v, bool) or not isinstance(v, int) or v < 1 or v > hi:
        raise ToolError(f"{name}: expected a whole number between 1 and {hi:,}, got {v!r}")
    return v


def build_server() -> Any:
    server = _Server(name="mlsysim", instructions=_INSTRUCTIONS)

    @server.tool(description="List registry entries: kind is hardware, models, systems, grids, fabrics, nodes or datacenters.")
    @_guard
    def list_zoo(kind: str = "hardware", tier: str | None = None) -> dict:
        from .cli.zoo import _rows

        kinds = ("hardware", "models", "systems", "grids", "fabrics", "nodes", "datacenters")
        if kind not in kinds:
            raise ToolError(f"kind: unknown {kind!r}; choose from {', '.join(kinds)}")
        cols, rows = _rows(kind, tier)
        return {"kind": kind, "columns": cols, "rows": rows}

    @server.tool(description="Show one registry entry (hardware, model, grid, cluster...) with its sources.")
    @_guard
    def show_entry(name: str) -> dict:
        from . import registry as R
        from .core.errors import UnknownNameError

        for kind in ("hardware", "model", "cluster", "grid", "node", "fabric", "datacenter"):
            try:
                obj = R.registry(kind).get(name)
            except UnknownNameError:
                continue
            return {"kind": kind, "entry": obj.model_dump(mode="json", exclude_none=True)}
        raise ToolError(f"name: unknown entry {name!r}")

    @server.tool(description="The JSON Schema of simulation configs (workload, hardware, ops, constraints).")
    def get_schema() -> dict:
        from .config import json_schema

        return json_schema()

    @server.tool(description="Evaluate a simulation config (same structure as the YAML file) and return the scorecard: "
                             "feasibility (fits, memory per device), performance (latency, throughput, bottleneck), macro "
                             "(TCO, carbon), binding walls and constraint results.")
    @_guard
    def evaluate_config(config: dict) -> dict:
        from .config import config_from_dict
        from .evaluation.evaluator import evaluate_config as _ev

        ev = _ev(config_from_dict(config, where="config"))
        d = ev.to_dict()
        d["feasible"] = ev.feasible
        return d

    @server.tool(description="Roofline of a model on one device: latency, bottleneck, MFU.")
    @_guard
    def solve_roofline(model: str, hardware: str, batch_size: int = 1, precision: str = "fp16",
                       efficiency: float | None = None, seq_len: int | None = None, mode: str = "inference") -> dict:
        from .solvers.roofline import Engine

        _bounded("batch_size", batch_size, MAX_BATCH)
        return Engine.solve(model, hardware, batch_size=batch_size, precision=precision, efficiency=efficiency,
                            seq_len=seq_len, mode=mode).to_dict()

    @server.tool(description="LLM serving on one device or a TP group: TTFT, ITL, KV cache, memory fit, max batch.")
    @_guard
    def solve_serving(model: str, hardware: str, seq_len: int | None = None, batch_size: int = 1, tp_size: int = 1,
                      output_len: int | None = None, precision: str = "fp16") -> dict:
        from .solvers.serving import ServingModel

        _bounded("batch_size", batch_size, MAX_BATCH)
        return ServingModel().solve(model, hardware, seq_len=seq_len, batch_size=batch_size, tp_size=tp_size,
                                    output_len=output_len, precision=precision).to_dict()

    @server.tool(description="Distributed training step on a cluster: step time and breakdown, MFU, memory per GPU, feasibility.")
    @_guard
    def solve_distributed(model: str, fleet: str, batch_size: int, tp_size: int = 1, pp_size: int = 1,
                          microbatch_count: int | None = None, precision: str = "bf16", seq_len: int | None = None) -> dict:
        try:
            from .solvers.distributed import DistributedModel
        except ImportError:
            raise ToolError("the distributed solver is not available in this installation") from None
        _bounded("batch_size", batch_size, MAX_BATCH)
        kw = dict(model=model, fleet=fleet, batch_size=batch_size, tp_size=tp_size, pp_size=pp_size, precision=precision)
        if microbatch_count is not None:
            kw["microbatch_count"] = microbatch_count
        if seq_len is not None:
            kw["seq_len"] = seq_len
        return DistributedModel().solve(**kw).to_dict()

    @server.tool(description="Search parallelism (TP x PP x DP, microbatch, recompute, ZeRO) for the fastest config that fits.")
    @_guard
    def optimize_parallelism(config: dict, top: int = 5, max_candidates: int = 5000) -> dict:
        from .config import config_from_dict

        _bounded("max_candidates", max_candidates, MAX_CANDIDATES)
        _bounded("top", top, 100)
        try:
            from .solvers.optimizer import ParallelismOptimizer
        except ImportError:
            raise ToolError("the parallelism optimizer is not available in this installation") from None
        loaded = config_from_dict(config, where="config")
        res = ParallelismOptimizer().solve(loaded.model, loaded.fleet, batch_size=loaded.batch_size,
                                           precision=loaded.precision, seq_len=loaded.seq_len, max_candidates=max_candidates)
        return res.to_dict(top=top) if hasattr(res, "to_dict") else {"result": str(res)}

    @server.tool(description="Rank grid regions by TCO plus a carbon tax (USD per tCO2e) for a config.")
    @_guard
    def optimize_placement(config: dict, carbon_tax: float = 0.0) -> dict:
        from .config import config_from_dict
        from .solvers.placement import PlacementOptimizer

        loaded = config_from_dict(config, where="config")
        return PlacementOptimizer().solve(loaded, carbon_tax=carbon_tax).to_dict()

    @server.tool(description="Largest batch and replicas meeting a latency SLA (ms) at a QPS, for a serving config.")
    @_guard
    def optimize_batching(config: dict, sla_ms: float, qps: float) -> dict:
        from .config import config_from_dict
        from .solvers.placement import BatchingOptimizer

        loaded = config_from_dict(config, where="config")
        return BatchingOptimizer().solve(loaded, sla_ms=sla_ms, qps=qps).to_dict()

    return server


def run_stdio() -> None:
    """Serve over stdio until the client disconnects."""
    build_server().run("stdio")
