"""Commands of the ``mlsysim`` CLI. Each is a thin shell over the Python API."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from .._version import __version__
from ._output import Output


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class ZooKind(str, Enum):
    hardware = "hardware"
    models = "models"
    systems = "systems"
    grids = "grids"
    fabrics = "fabrics"
    nodes = "nodes"
    datacenters = "datacenters"
    show = "show"


#: the --unit option's help (eval, serve)
UNIT_HELP = ("Compute unit of a multi-engine device (cpu, gpu, npu, dla, core; 'mlsysim show HW' lists them): that "
             "engine's peaks and, on a phone SoC, its own memory bandwidth. Default: the whole device.")


def _version_cb(value: bool):
    if value:
        typer.echo(f"mlsysim {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="mlsysim", add_completion=False, no_args_is_help=True, rich_markup_mode=None,
        help="A first-principles analytical simulator of ML systems. Exit codes: 0 ok, 1 bad input, "
             "2 infeasible, 3 a constraint failed.",
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def root(
        ctx: typer.Context,
        output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o", help="text (tables) or json (one document on stdout)."),
        version: bool = typer.Option(False, "--version", callback=_version_cb, is_eager=True, help="Print the version and exit."),
    ):
        ctx.obj = Output(output.value)

    @app.command()
    def zoo(
        ctx: typer.Context,
        kind: ZooKind = typer.Argument(ZooKind.hardware, help="What to list, or 'show' and a name."),
        name: Optional[str] = typer.Argument(None, help="With 'show': an id or alias (H100, Llama3_8B, Quebec)."),
        tier: Optional[str] = typer.Option(None, "--tier", help="Hardware tier (cloud, workstation, mobile, edge, tiny) or model family."),
    ):
        """List the built-in registry (hardware, models, systems, grids), or 'zoo show NAME' for one entry with its sources."""
        from ..core.errors import ConfigError
        from .zoo import show_entry, show_zoo

        if kind is ZooKind.show:
            if not name:
                raise ConfigError("zoo show: give a name, e.g. 'mlsysim zoo show H100'")
            show_entry(ctx.obj, name)
            return
        if name is not None:
            raise ConfigError(f"zoo {kind.value}: unexpected argument {name!r} (did you mean 'zoo show {name}'?)")
        show_zoo(ctx.obj, kind.value, tier)

    @app.command()
    def show(ctx: typer.Context, name: str = typer.Argument(..., help="An id or alias: H100, Llama3_8B, Quebec, Frontier_8K ...")):
        """Show one registry entry, every field with its source."""
        from .zoo import show_entry

        show_entry(ctx.obj, name)

    @app.command("eval")
    def eval_(
        ctx: typer.Context,
        model: str = typer.Argument(..., help="Model id (e.g. Llama3_8B) or a config file (.yaml/.yml/.json)."),
        hardware: Optional[str] = typer.Argument(None, help="Hardware id (e.g. H100); omit with a config file."),
        batch_size: int = typer.Option(1, "--batch-size", "-b", min=1, help="Samples (sequences) per step."),
        precision: str = typer.Option("fp16", "--precision", "-p", help="fp32, tf32, bf16, fp16, fp8, int8, int4, fp4."),
        efficiency: Optional[float] = typer.Option(None, "--efficiency", "-e", help="Compute efficiency in (0, 1]; default: measured."),
        seq_len: Optional[int] = typer.Option(None, "--seq-len", min=1, help="Tokens per sequence (transformers)."),
        mode: str = typer.Option("inference", "--mode", help="inference or training."),
        unit: Optional[str] = typer.Option(None, "--unit", help=UNIT_HELP),
    ):
        """Roofline evaluation of MODEL on HARDWARE (or of a config file's scenario)."""
        from .commands import eval_command

        eval_command(ctx.obj, model, hardware, batch_size, precision, efficiency, seq_len, mode, unit)

    @app.command()
    def serve(
        ctx: typer.Context,
        model: str = typer.Argument(..., help="Transformer model id, e.g. Llama3_70B."),
        hardware: str = typer.Argument(..., help="Hardware id, e.g. H100."),
        seq_len: Optional[int] = typer.Option(None, "--seq-len", min=1, help="Prompt tokens (default: the model's context)."),
        batch_size: int = typer.Option(1, "--batch-size", "-b", min=1, help="Concurrent sequences."),
        tp: int = typer.Option(1, "--tp", min=1, help="Tensor-parallel devices in the node."),
        output_len: Optional[int] = typer.Option(None, "--output-len", min=1, help="Generated tokens per sequence."),
        precision: str = typer.Option("fp16", "--precision", "-p", help="Weight precision."),
        efficiency: Optional[float] = typer.Option(None, "--efficiency", "-e", help="Compute efficiency in (0, 1]."),
        unit: Optional[str] = typer.Option(None, "--unit", help=UNIT_HELP),
    ):
        """LLM serving: TTFT, ITL, KV cache and memory fit (exit 2 when it does not fit)."""
        from .commands import serve_command

        serve_command(ctx.obj, model, hardware, seq_len, batch_size, tp, output_len, precision, efficiency, unit)

    try:  # commands added by later layers register themselves here
        from .commands import register_extra

        register_extra(app)
    except ImportError:
        pass
    return app
