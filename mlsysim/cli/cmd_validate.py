"""``mlsysim validate``: predictions against the published measurements shipped with the package.

    mlsysim validate [--family F] [--output text|json|markdown] [--calibration]

Per case: predicted, measured, error %, and the bottleneck the model names (✓/✗ against the
source's when it states one). Exit 1 when a family misses its tolerance (median and per-case
error, stated bottleneck). ``--calibration`` lists the microbenchmarks the default efficiencies
come from instead; they are never counted as validation.
"""

from __future__ import annotations

import sys
import textwrap
from enum import Enum
from typing import Optional

import typer

__all__ = ["register"]


class ValidateFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _calibration_text(rows) -> str:
    lines = [f"{len(rows)} calibration rows: the microbenchmarks behind the defaults",
             "(never counted as validation)", ""]
    by_q: dict[str, list] = {}
    for r in rows:
        by_q.setdefault(r.quantity, []).append(r)
    for q, rs in sorted(by_q.items()):
        lines.extend(textwrap.wrap(f"{q} -> {rs[0].feeds}", 78))
        for r in rs:
            frac = f"{r.fraction:.3f}" if r.fraction is not None else "—"
            meas = (r.measured or "—")[:14]
            lines.append(f"  {r.id[:42]:<42} {str(r.hardware or '—')[:10]:<10} {meas:>14} {frac:>7}"[:80])
        lines.append("")
    return "\n".join(lines)


def validate_command(obj, family: Optional[str], fmt: Optional[str], calibration: bool) -> int:
    from ..validation import calibration_rows, run
    from ..validation.render import to_json, to_markdown, to_text

    out_fmt = fmt or (getattr(obj, "fmt", None) if obj is not None else None) or "text"
    if calibration:
        rows = calibration_rows()
        if out_fmt == "json":
            import json

            doc = {"command": "validate --calibration", "rows": [
                {"id": r.id, "quantity": r.quantity, "feeds": r.feeds, "hardware": r.hardware, "precision": r.precision,
                 "measured": r.measured, "peak": r.peak, "fraction": r.fraction, "source": r.source.get("url")}
                for r in rows]}
            sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        else:
            sys.stdout.write(_calibration_text(rows) + "\n")
        return 0
    report = run(family)
    if out_fmt == "json":
        import json

        from .._version import __version__

        doc = {"mlsysim_version": __version__, "command": "validate", **report.to_dict()}
        sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    elif out_fmt == "markdown":
        sys.stdout.write(to_markdown(report) + "\n")
    else:
        sys.stdout.write(to_text(report))
    failed = [f.family for f in report.families if f.passed is False]
    if failed:
        sys.stderr.write(f"tolerance missed: {', '.join(failed)}\n")
        return 1
    return 0


def register(app) -> None:
    @app.command()
    def validate(
        ctx: typer.Context,
        family: Optional[str] = typer.Option(None, "--family", "-f", help="One family: training, serving, collectives, energy, compute, reliability."),
        output: Optional[ValidateFormat] = typer.Option(None, "--output", "-o", help="text (default), json or markdown."),
        fmt: Optional[ValidateFormat] = typer.Option(None, "--format", help="Same as --output."),
        calibration: bool = typer.Option(False, "--calibration", help="List the calibration rows behind the defaults instead."),
    ):
        """Compare predictions with published measurements (exit 1 if a family misses its tolerance)."""
        chosen = (fmt or output)
        code = validate_command(ctx.obj, family, chosen.value if chosen else None, calibration)
        if code:
            raise SystemExit(code)
