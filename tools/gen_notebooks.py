"""Each tutorial as a Jupyter notebook: ``site/_generated/notebooks/<name>.ipynb``, built from the page.

``main`` (a generator of tools/build_site.py) turns every ``tutorials/<name>.qmd`` with live cells
into a notebook: the prose becomes Markdown cells, each ``.live-cell`` a code cell, and the
page's widgets one first code cell that sets them to their default values (edit it to explore).
Widget defaults come from ``site/_generated/live/outputs.json`` (tools/gen_live.py, which runs
first) when it is there, else from the page's ``value=`` attributes.

``inject(site)`` (the build's ``notebooks`` stage, after rendering) copies the notebooks to
``_site/notebooks/`` and puts a "Download as a Jupyter notebook" link under the title of each
tutorial page; it is idempotent. ``tests/test_notebooks.py`` runs every notebook with nbclient.

Usage: ``python tools/gen_notebooks.py``
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = "tutorials/*.qmd"
OUT = ROOT / "site" / "_generated" / "notebooks"
LIVE = ROOT / "site" / "_generated" / "live" / "outputs.json"

INPUTS = [PAGES, "site/_generated/live/outputs.json"]
OUTPUTS = [f"site/_generated/notebooks/{p.stem}.ipynb" for p in sorted(ROOT.glob(PAGES)) if ":::" in p.read_text(encoding="utf-8") and ".live-cell" in p.read_text(encoding="utf-8")]

_BEGIN, _END = "<!-- mlsysim:notebook -->", "<!-- /mlsysim:notebook -->"
_DIV_OPEN = re.compile(r"^\s*(:{3,})\s*\{(.*)\}\s*$")
_DIV_CLOSE = re.compile(r"^\s*:{3,}\s*$")
_ATTR = re.compile(r'([\w-]+)=("([^"]*)"|\S+)')


def _value(raw: str):
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


def _front(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    end = text.index("\n---", 3)
    import yaml

    return yaml.safe_load(text[3:end]) or {}, text[end + 4:].lstrip("\n")


def _defaults(page: str) -> dict:
    if not LIVE.exists():
        return {}
    data = json.loads(LIVE.read_text(encoding="utf-8")).get(page) or {}
    return {w["name"]: w.get("value") for w in data.get("widgets", []) if "name" in w}


def notebook(path: Path) -> dict | None:
    """The notebook of one page (nbformat 4 as a dict), or None when it has no live cells."""
    rel = path.relative_to(ROOT).as_posix()
    meta, body = _front(path.read_text(encoding="utf-8"))
    lines = body.splitlines()
    cells: list[dict] = []
    widgets: dict = {}
    md: list[str] = []
    title = f"# {meta.get('title', path.stem)}"
    if meta.get("subtitle"):
        title += f"\n\n*{meta['subtitle']}*"
    md += [title, "", f"This notebook is generated from the web book's page `{rel}`; its cells are the page's live cells.", ""]

    def flush():
        text = "\n".join(md).strip()
        if text:
            cells.append({"cell_type": "markdown", "metadata": {}, "source": text})
        md.clear()

    i = 0
    while i < len(lines):
        m = _DIV_OPEN.match(lines[i])
        if m and ".live-widget" in m.group(2):
            attrs = {k: (q if q is not None and v.startswith('"') else v) for k, v, q in _ATTR.findall(m.group(2))}
            if "name" in attrs:
                widgets[attrs["name"]] = _value(attrs.get("value", ""))
            i += 1
            while i < len(lines) and not _DIV_CLOSE.match(lines[i]):
                i += 1
            i += 1
            continue
        if m and ".live-cell" in m.group(2):
            flush()
            i += 1
            code, inside = [], False
            while i < len(lines) and not (not inside and _DIV_CLOSE.match(lines[i])):
                if lines[i].lstrip().startswith("```"):
                    inside = not inside
                elif inside:
                    code.append(lines[i])
                i += 1
            i += 1
            cells.append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": "\n".join(code)})
            continue
        md.append(lines[i])
        i += 1
    flush()
    if not any(c["cell_type"] == "code" for c in cells):
        return None
    widgets.update({k: v for k, v in _defaults(rel).items() if k in widgets or not widgets})
    if widgets:
        src = "# The page's widgets, at their default values: change them and run the cells below again.\n"
        src += "\n".join(f"{k} = {v!r}" for k, v in widgets.items())
        cells.insert(1, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": src})
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}, "mlsysim": {"page": rel}},
        "cells": [dict(c, id=f"cell-{k}") for k, c in enumerate(cells)],
    }


def main(argv: list[str] | None = None) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for path in sorted(ROOT.glob(PAGES)):
        nb = notebook(path)
        if nb is None:
            continue
        target = OUT / f"{path.stem}.ipynb"
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    return 0


def inject(site: Path) -> int:
    """Copy the notebooks into ``site/notebooks/`` and link each from its tutorial page."""
    n = 0
    dest = site / "notebooks"
    for nb in sorted(OUT.glob("*.ipynb")):
        page = site / "tutorials" / f"{nb.stem}.html"
        if not page.exists():
            continue
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(nb, dest / nb.name)
        html = page.read_text(encoding="utf-8")
        html = re.sub(re.escape(_BEGIN) + ".*?" + re.escape(_END), "", html, flags=re.S)
        link = (f'{_BEGIN}<p class="notebook-download"><a href="../notebooks/{nb.name}" download>'
                f"Download this tutorial as a Jupyter notebook</a> (<code>{nb.name}</code>, generated from this page)</p>{_END}")
        at = html.find('id="title-block-header"')
        close = html.find("</header>", at) if at >= 0 else -1
        if close < 0:
            continue
        close += len("</header>")
        page.write_text(html[:close] + link + html[close:], encoding="utf-8")
        n += 1
    return n


if __name__ == "__main__":
    sys.exit(main())
