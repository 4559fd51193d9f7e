"""The scorecard chart of a ``SystemEvaluation``: its three lenses and how close it is to each wall."""

from __future__ import annotations

import altair as alt

from ._data import magnitude
from ._theme import STATUS_COLORS

__all__ = ["scorecard"]

_LENSES = ("feasibility", "performance", "macro")


def _headline(lens, limit: int = 3) -> str:
    parts = []
    for k, v in lens.metrics.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        unit = lens.units.get(k, "")
        parts.append(f"{k.replace('_', ' ')} {v:.3g}{(' ' + unit) if unit else ''}")
        if len(parts) == limit:
            break
    return "; ".join(parts) or "no metrics"


def scorecard(evaluation, *, width: int = 460, title: str | None = None) -> alt.VConcatChart:
    """The three lenses (Feasibility → Performance → Macro) of an evaluation, then its walls.

    Parameters
    ----------
    evaluation
        A ``SystemEvaluation`` (from ``SystemEvaluator.evaluate``).
    width
        Width in pixels.
    title
        Chart title (default: the scenario's name).

    Returns
    -------
    altair.VConcatChart
        A status strip (one cell per lens, coloured PASS / FAIL / N/A, with its headline metrics)
        above a bar per wall the evaluation covers: demand / limit, where 1 binds.
    """
    lenses = []
    for i, name in enumerate(_LENSES):
        lens = getattr(evaluation, name)
        lenses.append({"order": i, "lens": lens.name, "status": lens.status, "label": f"{lens.name}: {lens.status}",
                       "metrics": _headline(lens), "notes": "; ".join(lens.notes) or "—"})
    status_scale = alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values()))
    base = alt.Chart(alt.Data(values=lenses)).encode(
        x=alt.X("lens:N", sort=[lens["lens"] for lens in lenses], axis=None),
    )
    cells = base.mark_rect(cornerRadius=4, opacity=0.9).encode(
        color=alt.Color("status:N", scale=status_scale, title="Status"),
        tooltip=[alt.Tooltip("lens:N", title="Lens"), alt.Tooltip("status:N", title="Status"),
                 alt.Tooltip("metrics:N", title="Metrics"), alt.Tooltip("notes:N", title="Notes")],
    )
    text = base.mark_text(color="white", fontSize=12, fontWeight="bold").encode(text="label:N")
    strip = alt.layer(cells, text).properties(width=width, height=48)

    walls = [{"wall": w.name, "ratio": magnitude(w.ratio), "binding": "binds" if w.binding else "clear", "detail": w.detail}
             for w in getattr(evaluation, "walls", ()) if magnitude(w.ratio) is not None]
    title = title or f"Scorecard: {evaluation.scenario_name}"
    if not walls:
        return alt.vconcat(strip).properties(title=title)
    bars = alt.Chart(alt.Data(values=walls)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("wall:N", sort="-x", title=None, axis=alt.Axis(labelLimit=180)),
        x=alt.X("ratio:Q", title="Demand / limit (1 binds)",
                scale=alt.Scale(domain=[0, max(1.1, max(w["ratio"] for w in walls) * 1.05)])),
        color=alt.Color("binding:N", title="Wall", scale=alt.Scale(domain=["binds", "clear"], range=[STATUS_COLORS["FAIL"], "#0072B2"])),
        tooltip=[alt.Tooltip("wall:N", title="Wall"), alt.Tooltip("ratio:Q", title="Demand / limit", format=".3~g"),
                 alt.Tooltip("detail:N", title="Detail")],
    )
    one = alt.Chart(alt.Data(values=[{"x": 1.0}])).mark_rule(strokeDash=[4, 3], color="#444444").encode(x="x:Q")
    chart = alt.layer(bars, one).properties(width=width, height=max(60, 26 * len(walls)))
    return alt.vconcat(strip, chart).properties(title=title).resolve_scale(color="independent")
