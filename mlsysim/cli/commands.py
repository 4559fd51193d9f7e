"""Command bodies: eval and serve (more are registered by ``register_extra``)."""

from __future__ import annotations

import sys

from ._output import Output, fmt_q


def _print_kv(out: Output, title: str, rows: list[tuple[str, str]]) -> None:
    from rich.table import Table

    out.console.print(f"[bold]{title}[/bold]")
    t = Table(box=None, show_header=False, pad_edge=False)
    t.add_column("metric", style="bold", no_wrap=True)
    t.add_column("value", no_wrap=False)
    for k, v in rows:
        t.add_row(k, v)
    out.console.print(t)


def _looks_like_path(arg: str) -> bool:
    """A config file rather than a model id: a config suffix, a path separator, or an existing file."""
    import os

    if arg.lower().endswith((".yaml", ".yml", ".json", ".toml")) or os.sep in arg or (os.altsep and os.altsep in arg):
        return True
    return "." in arg and os.path.lexists(arg)


def eval_command(out: Output, model: str, hardware, batch_size, precision, efficiency, seq_len, mode,
                 unit=None) -> None:
    from ..core.errors import ConfigError

    if _looks_like_path(model):
        if hardware is not None or unit is not None:
            raise ConfigError("eval: give either a config file or MODEL HARDWARE [--unit], not both")
        from .config_eval import eval_config

        eval_config(out, model)
        return
    if hardware is None:
        raise ConfigError("eval: missing HARDWARE (e.g. 'mlsysim eval Llama3_8B H100')")
    from ..solvers._inputs import as_hardware, check_unit
    from ..solvers.roofline import Engine

    hw = as_hardware(hardware)
    r = Engine.solve(model, hw, batch_size=batch_size, precision=precision, efficiency=efficiency,
                     seq_len=seq_len, mode=mode, compute_unit=check_unit(hw, unit))
    if out.json:
        out.emit_json("eval", {"result": r.to_dict()})
    else:
        rows = [
            ("bottleneck", r.bottleneck),
            ("latency", f"{fmt_q(r.latency, 'ms', 4)} ms  (bounds {fmt_q(r.latency_lower_bound, 'ms')}–{fmt_q(r.latency_upper_bound, 'ms')} ms)"),
            ("throughput", f"{fmt_q(r.throughput, 'sample/s', 4)} samples/s"
             + (f", {fmt_q(r.token_throughput, 'token/s', 4)} tokens/s" if r.token_throughput is not None else "")),
            ("compute time", f"{fmt_q(r.compute_time, 'ms', 4)} ms  (η {r.compute_efficiency:.2f})"),
            ("memory time", f"{fmt_q(r.memory_time, 'ms', 4)} ms  (η_mem {r.memory_efficiency:.2f})"),
            ("intensity", f"{fmt_q(r.arithmetic_intensity, 'FLOP/B')} FLOP/B (ridge {fmt_q(r.ridge_point, 'FLOP/B')})"),
            ("MFU / HFU", f"{r.mfu:.1%} / {r.hfu:.1%}"),
            ("memory", f"{fmt_q(r.memory_footprint, 'GB')} of {fmt_q(r.memory_capacity, 'GB')} GB"
             + ("" if r.feasible else "  DOES NOT FIT")),
        ]
        _print_kv(out, f"{r.model} on {r.hardware}, batch {r.batch_size}, {r.precision} ({r.mode})", rows)
        for a in r.assumptions:
            out.console.print(f"  [dim]· {a}[/dim]", soft_wrap=True)
    if not r.feasible:
        sys.stderr.write(f"infeasible: needs {fmt_q(r.memory_footprint, 'GB')} GB, device has {fmt_q(r.memory_capacity, 'GB')} GB\n")
        raise SystemExit(2)


def serve_command(out: Output, model, hardware, seq_len, batch_size, tp, output_len, precision, efficiency,
                  unit=None) -> None:
    from ..solvers._inputs import as_hardware, check_unit
    from ..solvers.serving import ServingModel

    hw = as_hardware(hardware)
    r = ServingModel().solve(model, hw, seq_len=seq_len, batch_size=batch_size, tp_size=tp,
                             output_len=output_len, precision=precision, efficiency=efficiency,
                             compute_unit=check_unit(hw, unit))
    if out.json:
        out.emit_json("serve", {"result": r.to_dict()})
    else:
        rows = [
            ("TTFT", f"{fmt_q(r.ttft, 'ms', 4)} ms  (prefill {r.prefill_bottleneck.lower()}-bound)"),
            ("ITL", f"{fmt_q(r.itl, 'ms', 4)} ms  (decode {r.decode_bottleneck.lower()}-bound)"),
            ("throughput", f"{fmt_q(r.throughput, 'token/s', 4)} tokens/s"),
            ("KV cache", f"{fmt_q(r.kv_cache_size, 'GB')} GB ({fmt_q(r.kv_cache_per_token, 'kB')} kB/token)"),
            ("memory/device", f"{fmt_q(r.memory_per_device, 'GB')} of {fmt_q(r.memory_capacity, 'GB')} GB "
             f"(weights {fmt_q(r.weights_per_device, 'GB')}, KV {fmt_q(r.kv_cache_per_device, 'GB')})"),
            ("max batch", str(r.max_batch_size)),
            ("decode MFU", f"{r.decode_mfu:.1%}"),
            ("fits", "yes" if r.feasible else "NO"),
        ]
        _print_kv(out, f"{r.model} on {r.tp_size}x {r.hardware}, batch {r.batch_size}, prompt {r.seq_len}", rows)
        for a in r.assumptions:
            out.console.print(f"  [dim]· {a}[/dim]", soft_wrap=True)
    if not r.feasible:
        sys.stderr.write(f"infeasible: needs {fmt_q(r.memory_per_device, 'GB')} GB per device, has {fmt_q(r.memory_capacity, 'GB')} GB\n")
        raise SystemExit(2)


def register_extra(app) -> None:
    """Hook for commands defined by later layers (validate, optimize, schema, mcp)."""
    try:
        from .extra import register
    except ImportError:
        return
    register(app)
