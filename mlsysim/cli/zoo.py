"""``mlsysim zoo`` and ``mlsysim show``: the registries as tables that fit 80 columns."""

from __future__ import annotations

from ._output import Output, fmt_q, si

_TITLES = {"hardware": "Hardware", "models": "Models", "systems": "Clusters", "grids": "Grid regions",
           "fabrics": "Network fabrics", "nodes": "Nodes", "datacenters": "Datacenters"}


def _rows(kind: str, tier: str | None):
    from .. import registry as R

    if kind == "hardware":
        cols = ["id", "tier", "peak", "memory", "bandwidth", "TDP", "ridge"]
        rows = []
        for h in R.registry("hardware").all(tier):
            pk = h.compute.peak_flops
            rows.append([h.id, h.tier, si(pk, "FLOP/s"), si(h.memory.capacity, "B"), si(h.memory.bandwidth, "B/s"),
                         si(h.tdp, "W"), f"{(pk / h.memory.bandwidth).to('FLOP/B').magnitude:.3g}"])
        return cols, rows
    if kind == "models":
        cols = ["id", "family", "kind", "params", "layers", "context"]
        rows = []
        for m in R.registry("model").all(tier):
            p = m.total_parameters
            ps = f"{p / 1e9:.3g}B" if p >= 1e9 else f"{p / 1e6:.3g}M" if p >= 1e6 else f"{p / 1e3:.3g}K"
            rows.append([m.id, m.family, m.kind, ps, str(getattr(m, "layers", "") or "—"),
                         str(getattr(m, "seq_len", "—")) if m.kind == "transformer" else "—"])
        return cols, rows
    if kind == "grids":
        cols = ["id", "gCO2e/kWh", "PUE", "WUE L/kWh", "USD/kWh"]
        rows = [[g.id, fmt_q(g.carbon_intensity, "gCO2e/kWh"), f"{g.pue:.2f}", fmt_q(g.wue, "L/kWh"),
                 fmt_q(g.electricity_price, "USD/kWh")] for g in R.registry("grid").all()]
        return cols, rows
    if kind == "systems":
        cols = ["id", "accelerators", "node", "fabric", "Gbit/s/GPU"]
        rows = []
        for f in R.registry("cluster").all():
            rows.append([f.id, f"{f.total_accelerators:,} x {f.node.accelerator.id}", f.node.id,
                         f.fabric.id if f.fabric else "—", fmt_q(f.node.nic_bandwidth_per_accelerator, "Gbit/s")])
        return cols, rows
    if kind == "fabrics":
        cols = ["id", "topology", "Gbit/s", "latency us", "oversub."]
        rows = [[f.id, f.topology, fmt_q(f.bandwidth, "Gbit/s"), fmt_q(f.latency, "us"), f"{f.oversubscription_ratio:g}"]
                for f in R.registry("fabric").all()]
        return cols, rows
    if kind == "nodes":
        cols = ["id", "accelerators", "link GB/s", "NICs", "NIC Gbit/s"]
        rows = [[n.id, f"{n.accelerators_per_node} x {n.accelerator.id}", fmt_q(n.scaleup_bandwidth, "GB/s"),
                 str(n.nics_per_node), fmt_q(n.nic_bandwidth, "Gbit/s")] for n in R.registry("node").all()]
        return cols, rows
    if kind == "datacenters":
        cols = ["id", "grid", "PUE", "WUE L/kWh"]
        rows = [[d.id, d.grid.id, f"{d.effective_pue:.2f}", fmt_q(d.effective_wue, "L/kWh")]
                for d in R.registry("datacenter").all()]
        return cols, rows
    raise ValueError(kind)


def show_zoo(out: Output, kind: str, tier: str | None) -> None:
    from ..core.errors import ConfigError

    if tier is not None:
        from .. import registry as R

        groups = R.registry("hardware" if kind == "hardware" else "model").groups if kind in ("hardware", "models") else ()
        if tier.lower() not in groups:
            raise ConfigError(f"--tier: unknown {'tier' if kind == 'hardware' else 'family'} {tier!r}; choose from {', '.join(groups) or 'none for ' + kind}")
        tier = tier.lower()
    cols, rows = _rows(kind, tier)
    if out.json:
        out.emit_json("zoo", {"kind": kind, "columns": cols, "rows": rows})
        return
    from rich.table import Table

    t = Table(title=_TITLES[kind], title_justify="left", box=None, pad_edge=False, header_style="bold")
    for i, c in enumerate(cols):
        t.add_column(c, justify="left" if i == 0 or c in ("tier", "family", "kind", "topology", "node", "fabric", "grid") else "right",
                     no_wrap=True, overflow="ellipsis", max_width=22 if i == 0 else None)
    for r in rows:
        t.add_row(*[str(x) for x in r])
    out.console.print(t)


def show_entry(out: Output, name: str) -> None:
    from .. import registry as R
    from ..core.errors import ConfigError, UnknownNameError

    if not name.strip():
        raise ConfigError("NAME: expected a registry id such as H100 or Llama3_8B, got an empty string")
    found = None
    for kind in ("hardware", "model", "cluster", "grid", "node", "fabric", "datacenter"):
        try:
            found = (kind, R.registry(kind).get(name))
            break
        except UnknownNameError:
            continue
    if found is None:
        raise UnknownNameError("entry", name, _suggest(name))
    kind, obj = found
    data = obj.model_dump(mode="json", exclude_none=True)
    src = data.pop("source", {}) or {}
    per = data.pop("sources", {}) or {}
    if out.json:
        out.emit_json("show", {"kind": kind, "id": obj.id, "fields": data, "source": src, "sources": per})
        return
    c = out.console
    c.print(f"[bold]{obj.name}[/bold]  ({kind} {obj.id})")
    for path, value in _flatten(data):
        if path in ("name", "id"):
            continue
        s = per.get(path) or per.get(path.split(".")[0])
        tag = f"  [dim]source: {s.get('url')}[/dim]" if s else ""
        c.print(f"  {path:<28} {value}{tag}", soft_wrap=True)
    if src:
        c.print(f"source: {src.get('title') or ''} {src.get('url') or ''} (retrieved {src.get('retrieved')})", soft_wrap=True)
        if src.get("notes"):
            c.print(f"notes: {src['notes']}", soft_wrap=True)


def _flatten(d, prefix=""):
    for k, v in d.items():
        p = f"{prefix}{k}"
        if isinstance(v, dict) and k not in ("accelerator",):
            yield from _flatten(v, p + ".")
        elif isinstance(v, dict):
            yield p, v.get("id") or v.get("name")
        else:
            yield p, v


def _suggest(name: str) -> list[str]:
    import difflib

    from .. import registry as R

    ids = [i for k in ("hardware", "model", "cluster", "grid", "node", "fabric", "datacenter") for i in R.registry(k).ids()]
    return difflib.get_close_matches(name, ids, n=3, cutoff=0.5)
