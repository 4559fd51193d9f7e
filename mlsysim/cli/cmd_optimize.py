"""``mlsysim optimize``: design-space searches (``parallelism`` here; more commands join the same sub-app).

Other modules add commands with ``get_optimize_app().command("name")(function)``; the sub-app is
built once and registered on the main app by ``register``.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

_APP: typer.Typer | None = None


def get_optimize_app() -> typer.Typer:
    """The ``optimize`` sub-app (created once; commands can be added by other modules)."""
    global _APP
    if _APP is None:
        _APP = typer.Typer(name="optimize", no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                           help="Search a design space for the best configuration (parallelism, ...).")
        _APP.command("parallelism")(parallelism)
    return _APP


def register(app) -> None:
    app.add_typer(get_optimize_app(), name="optimize")


def parallelism(
    ctx: typer.Context,
    config: str = typer.Argument(..., help="Config file (.yaml/.yml/.json/.toml) naming the workload and the cluster."),
    top: int = typer.Option(10, "--top", "-n", min=1, max=1000, help="How many plans to list."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", "-b", min=1, help="Global batch in sequences (default: the config's)."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar on stderr (default: when stderr is a terminal)."),
):
    """Fastest TP x PP x DP (x CP, EP) x microbatch x recompute x ZeRO plan that fits (exit 2 if none fits)."""
    from ..config import load_config
    from ..solvers.optimizer import ParallelismOptimizer

    out = ctx.obj
    cfg = load_config(config)
    gb = batch_size or cfg.batch_size
    show = sys.stderr.isatty() if progress is None else progress
    bar = _Bar() if show else None
    try:
        att = cfg.config.parallelism.attention
        r = ParallelismOptimizer().solve(cfg.model, cfg.fleet, gb, precision=cfg.precision, seq_len=cfg.seq_len,
                                         top=top, progress=bar.update if bar else None, interruptible=True,
                                         **({"attention": att} if att else {}))
    finally:
        if bar:
            bar.close()
    if out is not None and out.json:
        out.emit_json("optimize parallelism", {"config": str(config), "result": _jsonable(r)})
    else:
        _print(out, r)
    if r.interrupted:
        sys.stderr.write(f"interrupted: {len(r.ranked)} plans found after {r.searched:,} candidates\n")
        raise SystemExit(130)
    if not r.ranked:
        sys.stderr.write(f"infeasible: none of {r.searched:,} candidates fits ({r.does_not_fit:,} do not fit, "
                         f"{r.invalid:,} invalid)\n")
        raise SystemExit(2)


class _Bar:
    """A rich progress bar on stderr, started on first use."""

    def __init__(self):
        self._p = self._task = None

    def update(self, done: int, total: int) -> None:
        if self._p is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self._p = Progress("searching", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                               console=Console(stderr=True), transient=True)
            self._p.start()
            self._task = self._p.add_task("search", total=total)
        self._p.update(self._task, completed=done)

    def close(self) -> None:
        if self._p is not None:
            self._p.stop()


def _jsonable(r) -> dict:
    d = r.to_dict()
    d["best"] = r.best.to_dict() if r.best is not None else None
    d["rejected"] = list(r.rejected[:200])
    d["rejected_shown"] = len(d["rejected"])
    d["units"] = {"step_time_s": "s", "tflops_per_gpu": "TFLOP/s", "memory_gb": "GB", "tokens_per_second": "token/s"}
    return d


def _print(out, r) -> None:
    from rich.table import Table

    console = out.console if out is not None else None
    if console is None:
        from rich.console import Console

        console = Console(highlight=False)
    console.print(f"[bold]{r.model} on {r.fleet}, global batch {r.global_batch}[/bold]")
    t = Table(box=None, pad_edge=False, header_style="bold")
    for name, just in (("#", "right"), ("tp", "right"), ("pp", "right"), ("dp", "right"), ("cp", "right"),
                       ("ep", "right"), ("mb×m", "right"), ("recomp", "left"), ("zero", "right"), ("sched", "left"),
                       ("step s", "right"), ("TF/s", "right"), ("MFU", "right"), ("GB", "right")):
        t.add_column(name, justify=just, no_wrap=True)
    for i, row in enumerate(r.ranked, 1):
        sched = "1f1b" if row["schedule"] == "1f1b" else f"int{row['virtual_stages']}"
        t.add_row(str(i), str(row["tp"]), str(row["pp"]), str(row["dp"]), str(row["cp"]), str(row["ep"]),
                  f"{row['microbatch_size']}×{row['microbatch_count']}", row["recompute"][:4], str(row["zero_stage"]),
                  sched, f"{row['step_time_s']:.3g}", f"{row['tflops_per_gpu']:.0f}", f"{row['mfu']:.0%}",
                  f"{row['memory_gb']:.0f}")
    console.print(t)
    console.print(f"searched {r.searched:,} candidates in {r.elapsed_s:.2f} s ({r.candidates_per_second:,.0f}/s): "
                  f"{r.evaluated:,} timed, {r.pruned:,} pruned, {r.does_not_fit:,} do not fit, {r.invalid:,} invalid")
    reasons: dict[str, int] = {}
    for rej in r.rejected:
        key = rej["reason"].split(":")[0] if rej["kind"] == "invalid" else rej["reason"].split(" (")[0]
        reasons[f"{rej['kind']}: {key}"] = reasons.get(f"{rej['kind']}: {key}", 0) + 1
    for k, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:5]:
        console.print(f"  [dim]· {n:,} × {k}[/dim]")
