"""Scaling charts: one result field against another across a sweep (GPUs, batch size, sequence length...)."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt

from ._data import magnitude

__all__ = ["scaling"]


def _get(row, key):
    if isinstance(row, Mapping):
        return row.get(key)
    if hasattr(row, key):
        return getattr(row, key)
    if hasattr(row, "metric"):  # a SystemEvaluation: "performance.latency"
        try:
            return row.metric(key)[0]
        except KeyError:
            return None
    return None


def _unit_of(values) -> str | None:
    for v in values:
        if hasattr(v, "units"):
            return f"{v.units:~}"
    return None


def scaling(rows, x: str, y: str, *, series: str | None = None, x_unit: str | None = None, y_unit: str | None = None,
            x_title: str | None = None, y_title: str | None = None, log_x: bool = True, log_y: bool = False,
            ideal: bool = False, title: str | None = None, width: int = 500, height: int = 300) -> alt.LayerChart:
    """A line chart of ``y`` against ``x`` over a sweep of results.

    Parameters
    ----------
    rows
        Solver results (``PerformanceProfile``, ``ServingResult``, ...), ``SystemEvaluation`` objects
        (fields as ``"performance.latency"``) or mappings, one per point of the sweep.
    x, y
        Field names, e.g. ``x="batch_size", y="throughput"``. Quantities are converted to
        ``x_unit`` / ``y_unit`` (default: the unit of the first value) and the unit goes in the title.
    series
        Field that names a line (e.g. ``"hardware"``), for several sweeps on one chart.
    log_x, log_y
        Logarithmic axes (``x`` is logarithmic by default: sweeps usually double).
    ideal
        Also draw linear scaling from each series' first point (dashed): y ∝ x.
    title, width, height
        Chart title and size in pixels.

    Returns
    -------
    altair.LayerChart
    """
    rows = list(rows)
    if not rows:
        raise ValueError("rows: give at least one result")
    xs_raw, ys_raw = [_get(r, x) for r in rows], [_get(r, y) for r in rows]
    xu = x_unit or _unit_of(xs_raw)
    yu = y_unit or _unit_of(ys_raw)
    data = []
    for r, xv, yv in zip(rows, xs_raw, ys_raw):
        xm, ym = magnitude(xv, xu if hasattr(xv, "to") else None), magnitude(yv, yu if hasattr(yv, "to") else None)
        if xm is None or ym is None:
            continue
        data.append({"x": xm, "y": ym, "series": str(_get(r, series)) if series else y.replace("_", " ")})
    if not data:
        raise ValueError(f"rows: no result has both {x!r} and {y!r}")
    label = lambda name, unit, given: given or (f"{name.replace('_', ' ').capitalize()}" + (f" ({unit})" if unit else ""))  # noqa: E731
    xt, yt = label(x, xu, x_title), label(y, yu, y_title)
    xs = sorted({d["x"] for d in data})
    # a sweep of a few values (1, 2, 4 ... GPUs or batch): ticks at those values, no empty decades
    x_axis = alt.Axis(values=xs, format="~g") if len(xs) <= 12 else alt.Axis(format="~g")
    x_scale = alt.Scale(type="log" if log_x else "linear", domain=[xs[0], xs[-1]] if len(xs) > 1 else alt.Undefined)
    enc = dict(
        x=alt.X("x:Q", title=xt, scale=x_scale, axis=x_axis),
        y=alt.Y("y:Q", title=yt, scale=alt.Scale(type="log" if log_y else "linear")),
        color=alt.Color("series:N", title=series.replace("_", " ").capitalize() if series else None, legend=alt.Legend(orient="bottom") if series else None),
    )
    layers = [alt.Chart(alt.Data(values=data)).mark_line(point=True).encode(
        **enc, tooltip=[alt.Tooltip("series:N", title=series or "series"), alt.Tooltip("x:Q", title=xt, format=".4~g"),
                        alt.Tooltip("y:Q", title=yt, format=".4~g")],
    )]  # fmt: skip
    if ideal:
        ideal_rows = []
        for s in dict.fromkeys(d["series"] for d in data):
            pts = sorted((d for d in data if d["series"] == s), key=lambda d: d["x"])
            x0, y0 = pts[0]["x"], pts[0]["y"]
            ideal_rows += [{"x": p["x"], "y": y0 * p["x"] / x0, "series": s} for p in pts]
        layers.append(alt.Chart(alt.Data(values=ideal_rows)).mark_line(strokeDash=[5, 4], opacity=0.6).encode(**enc))
    return alt.layer(*layers).properties(title=title or f"{yt} vs {xt}", width=width, height=height)
