"""Render a validation :class:`Report` as text (80 columns), markdown or JSON."""

from __future__ import annotations

import json
import textwrap

from .report import CASE_TOLERANCE, MEDIAN_TOLERANCE, Outcome, Report

__all__ = ["to_text", "to_markdown", "to_json", "num", "pct", "bottleneck_cell"]

WIDTH = 80


def num(v: float | None) -> str:
    """Four significant figures; exponent form outside 0.01 .. 999,999."""
    if v is None:
        return "—"
    a = abs(v)
    if a != 0 and (a >= 1e6 or a < 1e-2):
        return f"{v:.3e}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")
    if a >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def pct(e: float | None) -> str:
    return "—" if e is None else f"{100 * e:+.1f}%"


def bottleneck_cell(o: Outcome, ascii_only: bool = False) -> str:
    """The named bottleneck, with a mark when the source states one (✓ match, ✗ mismatch)."""
    if not o.ran:
        return ""
    b = o.bottleneck or "—"
    m = o.bottleneck_match
    if m is None:
        return b
    if ascii_only:
        return f"{b} ({'ok' if m else 'source: ' + o.case.bottleneck})"
    return f"{b} {'✓' if m else '✗ ' + o.case.bottleneck}"


def _status(f) -> str:
    return {True: "PASS", False: "FAIL", None: "not run"}[f.passed]


def _clip(s: str, n: int) -> str:
    """Shorten to n characters keeping both ends (case ids differ in their tails)."""
    if len(s) <= n:
        return s
    head = (n - 1) * 2 // 3
    return s[:head] + "…" + s[len(s) - (n - 1 - head):]


_ABBR = {"memory": "mem", "compute": "comp", "communication": "comm", "overhead": "ovh"}


def _short_bound(o: Outcome) -> str:
    """The named bottleneck in at most 6 characters, ✓/✗ against the source's when stated."""
    if not o.ran or not o.bottleneck:
        return ""
    b = _ABBR.get(o.bottleneck, o.bottleneck[:4])
    m = o.bottleneck_match
    return b if m is None else f"{b} {'✓' if m else '✗'}"


def _status_line(o: Outcome) -> str:
    return o.status if o.status != "calibration" else "calibration (not counted)"


def to_text(report: Report, *, show_skipped: bool = True) -> str:
    """Tables that fit 80 columns: one per family, then the overall summary."""
    lines: list[str] = []
    for f in report.families:
        head = f"{f.family}: {f.ran} of {f.cases} cases counted"
        if f.ran:
            head += f", median |error| {100 * f.median_abs_error:.1f}%, worst {pct(f.worst.error)}"
        lines.append(f"{head}  [{_status(f)}]")
        mine = [o for o in report.outcomes if o.case.family == f.family]
        shown = [o for o in mine if o.predicted is not None]
        if shown:
            lines.append(f"  {'case':<36} {'predicted':>9} {'measured':>9} {'unit':<6} {'error':>7} bound")
            for o in shown:
                mark = "" if o.ran else " (cal)"
                lines.append(
                    f"  {_clip(o.case.id, 36 - len(mark)) + mark:<36} {num(o.predicted):>9} {num(o.measured):>9} "
                    f"{_clip(o.case.unit or '-', 6):<6} {pct(o.error):>7} {_short_bound(o)}"
                )
        skipped = [o for o in mine if o.predicted is None]
        if skipped and show_skipped:
            lines.append(f"  not run ({len(skipped)}):")
            groups: dict[str, list[str]] = {}
            for o in skipped:
                groups.setdefault(f"{o.status}: {o.reason}", []).append(o.case.id)
            for why, ids in groups.items():
                lines.extend(textwrap.wrap(f"{why}: {', '.join(ids)}", WIDTH - 4,
                                           initial_indent="  - ", subsequent_indent="    "))
        lines.append("")
    med = report.median_abs_error
    w = report.worst
    total = len(report.outcomes)
    cal = sum(1 for o in report.outcomes if o.status == "calibration")
    lines.append(f"overall: {len(report.ran)} of {total} cases counted, median |error| "
                 + ("—" if med is None else f"{100 * med:.1f}%"))
    if cal:
        lines.append(f"calibration: {cal} cases are the measurements behind defaults (not counted)")
    if w is not None:
        lines.append(f"worst: {pct(w.error)} ({w.case.id})")
    lines.append(f"targets: median <= {100 * MEDIAN_TOLERANCE:.0f}%, every case <= {100 * CASE_TOLERANCE:.0f}%, "
                 f"stated bottleneck named  [{'PASS' if report.passed else 'FAIL'}]")
    return "\n".join(lines) + "\n"


def _md_escape(s: str) -> str:
    return str(s).replace("|", "\\|")


def to_markdown(report: Report, *, links: bool = True) -> str:
    """Markdown: an overall summary table, then one table per family with sources."""
    out = ["| family | cases | run | median \\|error\\| | worst | bottleneck named | status |",
           "|---|---:|---:|---:|---:|---:|---|"]
    for f in report.families:
        med = "—" if f.median_abs_error is None else f"{100 * f.median_abs_error:.1f}%"
        worst = "—" if f.worst is None else f"{pct(f.worst.error)}"
        bn = f"{f.bottleneck_correct}/{f.bottleneck_checked}" if f.bottleneck_checked else "—"
        out.append(f"| {f.family} | {f.cases} | {f.ran} | {med} | {worst} | {bn} | {_status(f)} |")
    med = report.median_abs_error
    out.append(f"| **all** | {len(report.outcomes)} | {len(report.ran)} | "
               f"{'—' if med is None else f'{100 * med:.1f}%'} | "
               f"{'—' if report.worst is None else pct(report.worst.error)} | | "
               f"{'PASS' if report.passed else 'FAIL'} |")
    out.append("")
    for f in report.families:
        mine = [o for o in report.outcomes if o.case.family == f.family]
        out.append(f"### {f.family}")
        out.append("")
        out.append("| case | predicted | measured | unit | error | bottleneck | source |")
        out.append("|---|---:|---:|---|---:|---|---|")
        for o in mine:
            src = o.case.source
            label = _md_escape(o.case.source.get("title") or "source")
            cite = f"[{label}]({src.get('url')})" if links and src.get("url") else label
            cite += f" ({_md_escape(src.get('locator', ''))}) [{o.case.confidence}]"
            if o.ran:
                out.append(f"| {_md_escape(o.case.title)} | {num(o.predicted)} | {num(o.measured)} | {o.case.unit or '—'} | "
                           f"{pct(o.error)} | {_md_escape(bottleneck_cell(o))} | {cite} |")
            elif o.predicted is not None:
                out.append(f"| {_md_escape(o.case.title)} | {num(o.predicted)} | {num(o.measured)} | {o.case.unit or '—'} | "
                           f"{pct(o.error)} ({_status_line(o)}) | {_md_escape(bottleneck_cell(o))} | {cite} |")
            else:
                out.append(f"| {_md_escape(o.case.title)} | — | {num(o.measured)} | {o.case.unit or '—'} | "
                           f"{o.status}: {_md_escape(o.reason)} | | {cite} |")
        out.append("")
    return "\n".join(out)


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, allow_nan=False)
