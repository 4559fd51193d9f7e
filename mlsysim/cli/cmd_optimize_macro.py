"""``mlsysim optimize placement|batching``: where to run and how to batch (added to the optimize sub-app)."""

from __future__ import annotations

import typer

_DONE = False


def register(app) -> None:
    global _DONE
    if _DONE:
        return
    from .cmd_optimize import get_optimize_app

    opt = get_optimize_app()
    opt.command("placement")(placement)
    opt.command("batching")(batching)
    _DONE = True


def placement(
    ctx: typer.Context,
    config: str = typer.Argument(..., help="Scenario config file (.yaml/.yml/.json)."),
    carbon_tax: float = typer.Option(0.0, "--carbon-tax", min=0, help="USD per tCO2e added to the TCO."),
    top: int = typer.Option(10, "--top", min=1, help="Regions to show."),
):
    """Rank grid regions by TCO + carbon tax x tCO2e for the config's fleet and duration."""
    from ..config import load_config
    from ..solvers.placement import PlacementOptimizer

    out = ctx.find_root().obj
    r = PlacementOptimizer().solve(load_config(config), carbon_tax=carbon_tax)
    if out.json:
        out.emit_json("optimize placement", r.to_dict(top=top))
        return
    from rich.table import Table

    out.console.print(f"[bold]Placement[/bold]: TCO + {carbon_tax:g} USD/tCO2e over {r.duration_days:g} days")
    t = Table(box=None, pad_edge=False, header_style="bold")
    for c in ("region", "TCO USD", "tCO2e", "carbon USD", "objective USD", "gCO2e/kWh"):
        t.add_column(c, justify="left" if c == "region" else "right", no_wrap=True)
    for row in r.ranking[:top]:
        t.add_row(row["region"], f"{row['tco_usd']:,.0f}", f"{row['carbon_t']:,.1f}", f"{row['carbon_cost_usd']:,.0f}",
                  f"{row['objective_usd']:,.0f}", f"{row['carbon_intensity_g_per_kwh']:.0f}")
    out.console.print(t)
    out.console.print(f"best: {r.best}")


def batching(
    ctx: typer.Context,
    config: str = typer.Argument(..., help="Serving scenario config file."),
    sla_ms: float = typer.Option(..., "--sla-ms", help="P99 latency objective per request in ms."),
    qps: float = typer.Option(..., "--qps", help="Requests per second to serve."),
):
    """The batch per replica meeting a P99 SLA at a QPS with the fewest accelerators."""
    from ..config import load_config
    from ..core.errors import InfeasibleError
    from ..solvers.placement import BatchingOptimizer

    out = ctx.find_root().obj
    r = BatchingOptimizer().solve(load_config(config), sla_ms=sla_ms, qps=qps)
    if out.json:
        out.emit_json("optimize batching", r.to_dict())
    else:
        from rich.table import Table

        out.console.print(f"[bold]Batching[/bold]: P99 <= {sla_ms:g} ms at {qps:g} requests/s")
        t = Table(box=None, pad_edge=False, header_style="bold")
        for c in ("batch", "TP", "TTFT ms", "ITL ms", "replicas", "accel.", "P99 ms"):
            t.add_column(c, justify="right", no_wrap=True)
        for row in r.candidates:
            t.add_row(str(row["batch"]), str(row["tp"]), f"{row['ttft_ms']:,.0f}", f"{row['itl_ms']:.1f}",
                      str(row["replicas"] or "—"), str(row["accelerators"] or "—"),
                      f"{row['p99_ms']:,.0f}" if row["p99_ms"] else "misses")
        out.console.print(t)
        b = r.best
        out.console.print(f"best: batch {b['batch']} x TP{b['tp']}, {b['accelerators']} accelerators" if b else "no batch meets the SLA")
    if r.best is None:
        raise InfeasibleError(f"no batch size meets P99 <= {sla_ms:g} ms at {qps:g} requests/s")
