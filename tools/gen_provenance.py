"""Write ``site/provenance.qmd``, the "Source freshness" page: registry sources retrieved too long ago.

Every registry entry names the document its numbers come from (``[source]``) and, where some
numbers come from other documents, one source per field (``[sources.<field>]``). Each has a
``retrieved`` date. This page lists every source retrieved more than N days before the build,
and every source without a date, so stale numbers are found before a reader finds them.

N is ``mlsysim: stale-days:`` in ``_quarto.yml`` (365 when absent), overridden by the
environment variable ``MLSYSIM_STALE_DAYS``. ``MLSYSIM_TODAY`` (``YYYY-MM-DD``) fixes the day the
ages are counted from (default: today), for reproducible builds and tests.

Generated at each build (tools/build_site.py runs this), never committed.

Usage: ``python tools/gen_provenance.py [--stale-days N] [--today YYYY-MM-DD] [--out PATH]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

INPUTS = ["mlsysim/data/**/*.toml", "_quarto.yml", "tools/gen_zoo.py"]
OUTPUTS = ["site/provenance.qmd"]
OUT = ROOT / "site" / "provenance.qmd"
DEFAULT_STALE_DAYS = 365
# registry kind -> (zoo page, anchor prefix), as in tools/gen_zoo.py
PAGES = {
    "hardware": ("hardware", "hardware"), "models": ("models", "model"), "fabrics": ("systems", "fabric"),
    "nodes": ("systems", "node"), "clusters": ("systems", "cluster"), "grids": ("infra", "grid"),
    "datacenters": ("infra", "datacenter"),
}


class Cited(NamedTuple):
    kind: str
    id: str
    name: str
    field: str  # "" for the entry's own [source]
    url: str
    title: str
    retrieved: dt.date | None


def _zoo():
    spec = importlib.util.spec_from_file_location("_prov_gen_zoo", ROOT / "tools" / "gen_zoo.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def stale_days_setting() -> int:
    """N: ``MLSYSIM_STALE_DAYS``, else ``mlsysim: stale-days:`` in ``_quarto.yml``, else 365."""
    env = os.environ.get("MLSYSIM_STALE_DAYS")
    if env:
        return int(env)
    try:
        import yaml

        cfg = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8")) or {}
        value = (cfg.get("mlsysim") or {}).get("stale-days")
        return int(value) if value is not None else DEFAULT_STALE_DAYS
    except (OSError, ValueError, TypeError):
        return DEFAULT_STALE_DAYS


def today_setting() -> dt.date:
    env = os.environ.get("MLSYSIM_TODAY")
    return dt.date.fromisoformat(env) if env else dt.date.today()


def _date(x) -> dt.date | None:
    if x is None:
        return None
    if isinstance(x, dt.date):
        return x
    try:
        return dt.date.fromisoformat(str(x)[:10])
    except ValueError:
        return None


def sources() -> list[Cited]:
    """Every source of every registry entry: the entry's own and its per-field ones."""
    zoo = _zoo()
    out = []
    for kind in PAGES:
        for e in zoo.load(kind):
            eid, name = str(zoo.get(e, "id")), str(zoo.get(e, "name") or zoo.get(e, "id"))
            items = [("", zoo.get(e, "source"))]
            per = zoo.get(e, "sources") or {}
            items += sorted(dict(per).items())
            for field, src in items:
                if src is None or not (zoo.get(src, "url") or zoo.get(src, "title")):
                    continue
                out.append(Cited(kind, eid, name, field, str(zoo.get(src, "url") or ""), str(zoo.get(src, "title") or ""),
                                 _date(zoo.get(src, "retrieved"))))
    return out


def stale(items: list[Cited], stale_days: int, today: dt.date) -> tuple[list[Cited], list[Cited]]:
    """(sources retrieved more than ``stale_days`` before ``today``, oldest first; sources with no date)."""
    old = sorted((c for c in items if c.retrieved and (today - c.retrieved).days > stale_days), key=lambda c: (c.retrieved, c.kind, c.id))
    undated = [c for c in items if c.retrieved is None]
    return old, undated


def _cell(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ").replace("$", "\\$")


def _row(c: Cited, today: dt.date) -> str:
    page, prefix = PAGES[c.kind]
    entry = f"[{_cell(c.name)}](../zoo/{page}.qmd#{prefix}-{c.id})"
    field = f"`{c.field}`" if c.field else "entry"
    when = f"{c.retrieved.isoformat()} ({(today - c.retrieved).days:,} days)" if c.retrieved else "no date"
    doc = f"[{_cell(c.title or c.url)}]({c.url})" if c.url else _cell(c.title)
    return f"| {entry} | {c.kind} | {field} | {doc} | {when} |"


def page(stale_days: int, today: dt.date, items: list[Cited] | None = None) -> str:
    items = sources() if items is None else items
    old, undated = stale(items, stale_days, today)
    dates = [c.retrieved for c in items if c.retrieved]
    entries = {(c.kind, c.id) for c in items}
    head = (
        '---\n# generated by tools/gen_provenance.py, do not edit\ntitle: "Source freshness"\n'
        'description: "Registry sources retrieved longer ago than the configured age, found at each build."\n---\n\n'
        "<!-- generated by tools/gen_provenance.py, do not edit -->\n\n"
    )
    body = [
        f"Every number in the [zoo](../zoo/index.qmd) carries a ✓ src badge linking to its source and the date it was "
        f"retrieved. This page is written at each build: it lists the sources retrieved more than **{stale_days:,} days** "
        f"before {today.isoformat()}, the day of the build.",
        f"The registries cite **{len(items):,} sources** for **{len(entries):,} entries**"
        + (f", retrieved between {min(dates).isoformat()} and {max(dates).isoformat()}." if dates else "."),
        "## Older than the limit {#stale}",
    ]
    if old:
        body.append(f"{len(old):,} source(s) are older than {stale_days:,} days; check each against its document and update "
                    "the entry's `retrieved` date (and its numbers) in `mlsysim/data/`.")
        body.append("| Entry | Registry | Field | Source | Retrieved (age) |\n|:---|:---|:---|:---|---:|\n" + "\n".join(_row(c, today) for c in old))
    else:
        body.append(f"**None.** No source was retrieved more than {stale_days:,} days ago.")
    body.append("## Without a retrieval date {#undated}")
    if undated:
        body.append("| Entry | Registry | Field | Source | Retrieved (age) |\n|:---|:---|:---|:---|---:|\n" + "\n".join(_row(c, today) for c in undated))
    else:
        body.append("**None.** Every source has a retrieval date.")
    body.append("## Changing the limit {#settings}")
    body.append("The limit is `stale-days` under `mlsysim:` in `_quarto.yml`; the environment variable `MLSYSIM_STALE_DAYS` "
                "overrides it for one build (`MLSYSIM_STALE_DAYS=30 make site`), and `MLSYSIM_TODAY=YYYY-MM-DD` fixes the day "
                "ages are counted from. The page is written by `tools/gen_provenance.py`.")
    return head + "\n\n".join(body) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write the Source freshness page.")
    ap.add_argument("--stale-days", type=int, default=None)
    ap.add_argument("--today", type=dt.date.fromisoformat, default=None)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    days = stale_days_setting() if args.stale_days is None else args.stale_days
    text = page(days, args.today or today_setting())
    if not args.out.exists() or args.out.read_text(encoding="utf-8") != text:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
