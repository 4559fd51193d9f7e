"""The roofline chart (Williams, Waterman and Patterson 2009) of one or more devices.

attainable(I) = min(P_peak, I · B_mem); the two bounds meet at the ridge point I* = P_peak / B_mem.
"""

from __future__ import annotations

import math

import altair as alt

from ._data import magnitude, rate_unit

__all__ = ["roofline"]


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _workload_items(workloads, batch_size, seq_len) -> list[tuple[object, int, int | None]]:
    """Each workload as (model, batch, seq_len): a model, a registry name, or a tuple
    ``(model, batch)`` or ``(model, batch, seq_len)``."""
    items = []
    for w in _as_list(workloads):
        if isinstance(w, tuple) and len(w) in (2, 3) and all(isinstance(v, int) or v is None for v in w[1:]):
            items.append((w[0], w[1], w[2] if len(w) == 3 else seq_len))
        else:
            items.append((w, batch_size, seq_len))
    return items


def roofline(hardware, workloads=(), precision: str = "bf16", *, batch_size: int = 1, mode: str = "inference",
             seq_len: int | None = None, y: str = "attainable", efficiency: float | None = None,
             title: str | None = None, width: int = 520, height: int = 320) -> alt.LayerChart:
    """A roofline chart: each device's ceilings on log-log axes, its ridge point, and workloads as points.

    Parameters
    ----------
    hardware
        A ``HardwareNode`` or registry name, or a list of them (one ceiling each).
    workloads
        Workloads placed on the chart, each a workload, a registry name, or a tuple
        ``(workload, batch_size)`` or ``(workload, batch_size, seq_len)``. Each is solved with
        ``SingleNodeModel`` on every device.
    precision
        Numeric format: selects the dense peak (``bf16`` by default) and the bytes per element.
    batch_size, mode, seq_len, efficiency
        Passed to ``SingleNodeModel.solve`` for workloads given without a batch size.
    y
        Where a workload's point sits: ``"attainable"`` (on the roof, min(P_peak, I·B_mem): the
        bound the device allows) or ``"achieved"`` (model FLOPs / predicted latency: after the
        achievable efficiencies and fixed overheads).
    title, width, height
        Chart title (default: the devices and precision) and size in pixels.

    Returns
    -------
    altair.LayerChart
        The chart; ``chart.to_dict()`` is its Vega-Lite spec.
    """
    from ..solvers._inputs import as_hardware
    from ..solvers.roofline import SingleNodeModel

    if y not in ("attainable", "achieved"):
        raise ValueError(f"y: expected 'attainable' or 'achieved', got {y!r}")
    devices = [as_hardware(h) for h in _as_list(hardware)]
    if not devices:
        raise ValueError("hardware: give at least one device")
    solver = SingleNodeModel()
    ceilings, ridges, points = [], [], []
    for hw in devices:
        peak_q, used = hw.compute.peak(precision)
        peak = magnitude(peak_q, "FLOP/s")
        bw = magnitude(hw.memory.bandwidth, "B/s")
        ridges.append({"device": hw.name, "ridge": peak / bw, "peak": peak, "bandwidth": bw, "precision": used})
        for model, b, s in _workload_items(workloads, batch_size, seq_len):
            r = solver.solve(model, hw, batch_size=b, precision=precision, mode=mode, seq_len=s, efficiency=efficiency)
            intensity = magnitude(r.arithmetic_intensity, "FLOP/B")
            attainable = min(peak, intensity * bw)
            achieved = magnitude(r.flops, "FLOP") / magnitude(r.latency, "s")
            points.append({
                "device": hw.name, "workload": f"{r.model}, batch {r.batch_size}" + (f", {r.seq_len} tokens" if r.seq_len else ""), "intensity": intensity,
                "attainable": attainable, "achieved": achieved, "bottleneck": r.bottleneck,
                "latency_ms": magnitude(r.latency, "ms"),
            })  # fmt: skip
    # x range: two decades either side of the ridge points and the workloads
    xs = [r["ridge"] for r in ridges] + [p["intensity"] for p in points if p["intensity"]]
    lo = 10 ** math.floor(math.log10(min(xs) / 3))
    hi = 10 ** math.ceil(math.log10(max(xs) * 3))
    decades = [10.0**k for k in range(round(math.log10(lo)), round(math.log10(hi)) + 1)]
    unit, scale = rate_unit(max(r["peak"] for r in ridges))
    for r in ridges:
        for x in (lo, r["ridge"], hi):
            ceilings.append({"device": r["device"], "intensity": x, "perf": min(r["peak"], x * r["bandwidth"]) / scale})
        r["peak_scaled"] = r["peak"] / scale
        r["label"] = f"ridge {r['ridge']:.3g} FLOP/byte"
    for p in points:
        p["perf"] = p[y] / scale
        p["attainable_scaled"] = p["attainable"] / scale
        p["achieved_scaled"] = p["achieved"] / scale

    perfs = [c["perf"] for c in ceilings] + [p[y] / scale for p in points]
    ylo = 10 ** math.floor(math.log10(max(min(perfs), 1e-12)))
    yhi = max(perfs) * 2.5  # room above the roof for the ridge label, without an empty decade
    ydecades = [10.0**k for k in range(round(math.log10(ylo)), math.floor(math.log10(yhi)) + 1)]
    x_enc = alt.X("intensity:Q", title="Arithmetic intensity (FLOP/byte)", scale=alt.Scale(type="log", domain=[lo, hi]),
                  axis=alt.Axis(values=decades, format="~s"))
    y_title = f"Performance ({unit})"
    single = len(devices) == 1
    # one device: the roof is dark and each workload has its own colour; several: colour by device
    color = alt.Color("device:N", title="Device", legend=None if single else alt.Legend(orient="bottom"))
    # Layers are built with constructors, not chained methods: every Altair method call deep-copies
    # the chart, which made a roofline cost ~25 ms in CPython and most of a slider step in the browser.
    def layer(values, mark, **encoding):
        return alt.Chart(data=alt.Data(values=values), mark=mark, encoding=alt.FacetedEncoding(**encoding))

    roof_col = alt.ColorValue("#333333") if single else color
    roof = layer(ceilings, alt.MarkDef(type="line"), x=x_enc,
                 y=alt.Y("perf:Q", title=y_title, scale=alt.Scale(type="log", domain=[ylo, yhi]),
                         axis=alt.Axis(values=ydecades, format="~s")),
                 color=roof_col, detail=alt.Detail("device:N"))
    ridge_pts = layer(ridges, alt.MarkDef(type="point", shape="diamond", size=90, filled=True),
                      x=alt.X("ridge:Q"), y=alt.Y("peak_scaled:Q"), color=roof_col,
                      tooltip=[alt.Tooltip("device:N", title="Device"), alt.Tooltip("precision:N", title="Precision"),
                               alt.Tooltip("ridge:Q", title="Ridge point (FLOP/byte)", format=".3~g"),
                               alt.Tooltip("peak_scaled:Q", title=f"Dense peak ({unit})", format=".4~g")])
    ridge_text = layer(ridges, alt.MarkDef(type="text", align="left", dx=6, dy=12, fontSize=11),
                       x=alt.X("ridge:Q"), y=alt.Y("peak_scaled:Q"), text=alt.Text("label:N"), color=roof_col)
    layers = [roof, ridge_pts, ridge_text]
    if points:
        legend = alt.Legend(orient="bottom", columns=2, labelLimit=320)
        layers.append(layer(
            points, alt.MarkDef(type="point", size=80, filled=True, stroke="white", strokeWidth=1),
            x=alt.X("intensity:Q"), y=alt.Y("perf:Q"),
            shape=alt.Shape("workload:N", title="Workload", legend=legend),
            color=alt.Color("workload:N", title="Workload", legend=legend) if single else color,
            tooltip=[alt.Tooltip("workload:N", title="Workload"), alt.Tooltip("device:N", title="Device"),
                     alt.Tooltip("intensity:Q", title="Intensity (FLOP/byte)", format=".3~g"),
                     alt.Tooltip("attainable_scaled:Q", title=f"Attainable ({unit})", format=".4~g"),
                     alt.Tooltip("achieved_scaled:Q", title=f"Achieved ({unit})", format=".4~g"),
                     alt.Tooltip("latency_ms:Q", title="Latency (ms)", format=".4~g"),
                     alt.Tooltip("bottleneck:N", title="Bottleneck")],
        ))
    if title is None:
        title = f"Roofline: {', '.join(d.name for d in devices)} ({precision} dense peak)"
    return alt.LayerChart(layer=layers, title=title, width=width, height=height)
