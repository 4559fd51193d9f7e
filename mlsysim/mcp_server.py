"""``mlsysim mcp``: a Model Context Protocol server over stdio.

Tools: list the zoo, show an entry, get the config JSON Schema, evaluate a config, run the
roofline, serving and (when installed) distributed solvers, and the optimizers. Inputs are
validated; errors come back as structured tool errors (one line naming the field); search
sizes are bounded. Never imported by the core.
"""

from __future__ import annotations

from typing import Any

try:  # mcp >= 2
    from mcp.server.mcpserver import MCPServer as _BaseServer
    from mcp.server.mcpserver.exceptions import ToolError
except ImportError:  # pragma: no cover - mcp 1.x
    from mcp.server.fastmcp import FastMCP as _BaseServer
    from mcp.server.fastmcp.exceptions import ToolError

from ._version import __version__
from .config.loader import _PARAM_PATHS, config_error
from .core.errors import ConfigError, MlsysimError

MAX_MESSAGE = 400


def _one_line(text: str) -> str:
    """A tool error as one line of bounded length."""
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 3] + "..."


def _check_arguments(tool, arguments) -> None:
    """Unknown argument names and booleans given for numbers are errors, not silently ignored or read as 1."""
    props = (getattr(tool, "parameters", None) or {}).get("properties", {})
    if not props or not isinstance(arguments, dict):
        return
    for key, value in arguments.items():
        spec = props.get(key)
        if spec is None:
            import difflib

            close = difflib.get_close_matches(str(key), list(props), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"valid: {', '.join(props)}"
            raise ToolError(f"{_one_line(str(key))[:60]}: unknown argument; {hint}")
        if isinstance(value, bool):
            types = {spec.get("type")} | {a.get("type") for a in spec.get("anyOf", ()) if isinstance(a, dict)}
            if "boolean" not in types and types & {"integer", "number"}:
                raise ToolError(f"{key}: expected a number, got {str(value).lower()}")


class _Server(_BaseServer):
    """The SDK's server with one-line tool errors: argument checks and validation messages rewritten."""

    async def call_tool(self, name, arguments, *args, **kwargs):
        manager = getattr(self, "_tool_manager", None)
        tool = manager.get_tool(name) if manager is not None else None
        if tool is not None:
            try:
                _check_arguments(tool, arguments)
            except ToolError as exc:
                raise ToolError(_one_line(f"Error executing tool {name}: {exc}")) from None
        try:
            return await super().call_tool(name, arguments, *args, **kwargs)
        except ToolError as exc:
            from pydantic import ValidationError

            cause = exc.__cause__
            if isinstance(cause, ValidationError):
                from .core.errors import format_validation_error

                raise ToolError(_one_line(f"Error executing tool {name}: {format_validation_error(cause)}")) from None
            text = str(exc)
            if "\n" in text or len(text) > MAX_MESSAGE:
                raise type(exc)(_one_line(text)) from exc.__cause__
            raise

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
            raise ToolError(_one_line(f"{type(exc).__name__}: {exc}")) from None
        except (ValueError, TypeError, KeyError) as exc:
            raise ToolError(_one_line(f"invalid input: {exc}")) from None
        except RecursionError:
            raise ToolError("invalid input: nested too deeply") from None
        except Exception as exc:  # a bug: still one line, never a traceback for the client
            raise ToolError(_one_line(f"internal error ({type(exc).__name__}: {exc}); please report it")) from None

    return wrapper


class _located:
    """Restate a solver's ConfigError about a config field with its path (``config: workload.batch_size: ...``);
    errors about the tool's own arguments (``tool_args``) pass unchanged."""

    def __init__(self, loaded, tool_args=()):
        self.loaded, self.tool_args = loaded, set(tool_args)

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, ConfigError):
            head = str(exc).partition(": ")[0]
            if head not in self.tool_args and head in _PARAM_PATHS:
                raise config_error(self.loaded, exc) from None
        return False


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
            raise ToolError(f"kind: unknown {_one_line(repr(kind))[:60]}; choose from {', '.join(kinds)}")
        if tier is not None:
            from . import registry as R

            groups = R.registry("hardware" if kind == "hardware" else "model").groups if kind in ("hardware", "models") else ()
            if tier.lower() not in groups:
                raise ToolError(f"tier: unknown {_one_line(repr(tier))[:60]} for {kind}; "
                                + (f"choose from {', '.join(groups)}" if groups else f"{kind} have no tiers"))
            tier = tier.lower()
        cols, rows = _rows(kind, tier)
        return {"kind": kind, "columns": cols, "rows": rows}

    @server.tool(description="Show one registry entry (hardware, model, grid, cluster...) with its sources.")
    @_guard
    def show_entry(name: str) -> dict:
        from . import registry as R
        from .core.errors import UnknownNameError

        if not name.strip():
            raise ToolError("name: expected a registry id such as H100 or Llama3_8B, got an empty string")
        for kind in ("hardware", "model", "cluster", "grid", "node", "fabric", "datacenter"):
            try:
                obj = R.registry(kind).get(name)
            except UnknownNameError:
                continue
            return {"kind": kind, "entry": obj.model_dump(mode="json", exclude_none=True)}
        raise UnknownNameError("entry", name)

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

        loaded = config_from_dict(config, where="config")
        with _located(loaded):
            ev = _ev(loaded)
        d = ev.to_dict()
        d["feasible"] = ev.feasible
        return d

    @server.tool(description="Roofline of a model on one device: latency, bottleneck, MFU.")
    @_guard
    def solve_roofline(model: str, hardware: str, batch_size: int = 1, precision: str = "fp16",
                       efficiency: float | None = None, seq_len: int | None = None, mode: str = "inference",
                       compute_unit: str | None = None) -> dict:
        from .solvers._inputs import as_hardware, check_unit
        from .solvers.roofline import Engine

        _bounded("batch_size", batch_size, MAX_BATCH)
        hw = as_hardware(hardware)
        return Engine.solve(model, hw, batch_size=batch_size, precision=precision, efficiency=efficiency,
                            seq_len=seq_len, mode=mode, compute_unit=check_unit(hw, compute_unit)).to_dict()

    @server.tool(description="LLM serving on one device or a TP group: TTFT, ITL, KV cache, memory fit, max batch.")
    @_guard
    def solve_serving(model: str, hardware: str, seq_len: int | None = None, batch_size: int = 1, tp_size: int = 1,
                      output_len: int | None = None, precision: str = "fp16", compute_unit: str | None = None) -> dict:
        from .solvers._inputs import as_hardware, check_unit
        from .solvers.serving import ServingModel

        _bounded("batch_size", batch_size, MAX_BATCH)
        hw = as_hardware(hardware)
        return ServingModel().solve(model, hw, seq_len=seq_len, batch_size=batch_size, tp_size=tp_size,
                                    output_len=output_len, precision=precision,
                                    compute_unit=check_unit(hw, compute_unit)).to_dict()

    @server.tool(description="Distributed training step on a cluster: step time and breakdown, MFU, memory per GPU, feasibility.")
    @_guard
    def solve_distributed(model: str, fleet: str, batch_size: int, tp_size: int = 1, pp_size: int = 1,
                          microbatch_count: int | None = None, precision: str = "bf16", seq_len: int | None = None,
                          attention: str = "flash") -> dict:
        try:
            from .solvers.distributed import DistributedModel
        except ImportError:
            raise ToolError("the distributed solver is not available in this installation") from None
        _bounded("batch_size", batch_size, MAX_BATCH)
        kw = dict(model=model, fleet=fleet, batch_size=batch_size, tp_size=tp_size, pp_size=pp_size,
                  precision=precision, attention=attention)
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
        seen = [0]

        def bound(done, total):  # the search space is finite, but stop at the caller's budget
            seen[0] = done
            if done > max_candidates:
                raise KeyboardInterrupt

        try:
            att = loaded.config.parallelism.attention
            res = ParallelismOptimizer().solve(loaded.model, loaded.fleet, batch_size=loaded.batch_size,
                                               precision=loaded.precision, seq_len=loaded.seq_len, top=top,
                                               progress=bound, interruptible=True, keep_rejected=200,
                                               **({"attention": att} if att else {}))
        except ConfigError as exc:
            if str(exc).partition(": ")[0] in _PARAM_PATHS:
                raise config_error(loaded, exc) from None
            raise
        d = res.to_dict()
        d["best"] = res.best.to_dict() if res.best is not None else None
        d["ranked"] = list(res.ranked[:top])
        d["rejected"] = list(res.rejected[:50])
        d["stopped_at_max_candidates"] = bool(res.interrupted)
        return d

    @server.tool(description="Rank grid regions by TCO plus a carbon tax (USD per tCO2e) for a config.")
    @_guard
    def optimize_placement(config: dict, carbon_tax: float = 0.0) -> dict:
        from .config import config_from_dict
        from .solvers.placement import PlacementOptimizer

        loaded = config_from_dict(config, where="config")
        with _located(loaded, ("carbon_tax",)):
            return PlacementOptimizer().solve(loaded, carbon_tax=carbon_tax).to_dict()

    @server.tool(description="Largest batch and replicas meeting a latency SLA (ms) at a QPS, for a serving config.")
    @_guard
    def optimize_batching(config: dict, sla_ms: float, qps: float) -> dict:
        from .config import config_from_dict
        from .solvers.placement import BatchingOptimizer

        loaded = config_from_dict(config, where="config")
        with _located(loaded, ("sla_ms", "qps")):
            return BatchingOptimizer().solve(loaded, sla_ms=sla_ms, qps=qps).to_dict()

    return server


def run_stdio() -> None:
    """Serve over stdio until the client disconnects."""
    build_server().run("stdio")
