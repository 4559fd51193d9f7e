"""Live cells: run every page's cells at build time, and wire the built pages to the runtime.

A generator of ``tools/build_site.py`` (``INPUTS``, ``OUTPUTS``, ``main``), plus ``inject``, which
the build's ``live_pages`` stage calls after rendering.

1. ``main`` reads each page with live cells (``tutorials/*.qmd``, ``site/*.qmd``), runs its cells in
   order with CPython and the default widget values, through the same ``site/live/kernel.py`` the
   browser uses, and draws each chart as SVG with the npm vega and vega-lite in Node. It writes
   ``site/_generated/live/outputs.json``: per page, the cells, the widgets (select options filled
   from the registries) and each cell's outputs as HTML. A cell that raises fails the build, unless
   it is marked ``expect-error=true``.
2. ``inject`` puts into each built page: those outputs inside their cells (visible at first paint,
   before any script runs), the page's cells and widgets as JSON, and the runtime's stylesheet and
   script (``site/live/live.css``, ``site/live/live.js``) by relative URLs.

The markup is described in ``site/live-pages.qmd``:

    ::: {.live-cell #roofline}
    ::: {.live-widget name="batch" type="slider" min=1 max=1024 value=32 log=true label="Batch size"}
    :::
    ```python
    profile = mlsysim.Engine.solve("Llama3_8B", "H100", batch_size=batch)
    ```
    :::

Usage: ``python tools/gen_live.py [--check]`` (``--check``: run the cells, write nothing).
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT / "site" / "live" / "kernel.py"
OUT = ROOT / "site" / "_generated" / "live" / "outputs.json"
PAGES = ["tutorials/*.qmd", "site/*.qmd"]
ORDER = 90  # after the generators that write pages (tools/gen_walls.py): it runs their live cells too

INPUTS = [*PAGES, "site/live/kernel.py", "mlsysim/**/*.py", "mlsysim/data/**", "package.json"]
OUTPUTS = [OUT.relative_to(ROOT).as_posix()]

WIDGET_TYPES = ("slider", "number", "select")


class LiveError(RuntimeError):
    """A page's live cells cannot be built; the message names the page and the line."""


# ---------------------------------------------------------------- reading pages

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*(.*)$")
_DIV_OPEN = re.compile(r"^\s*(:{3,})\s*(\{.*\}|[\w-]+)\s*:*\s*$")
_DIV_CLOSE = re.compile(r"^\s*:{3,}\s*$")


def parse_attrs(text: str) -> tuple[str, list[str], dict]:
    """Pandoc attributes ``{#id .class key=value key="a b"}``: (id, classes, key-values)."""
    text = text.strip()
    if not text.startswith("{"):
        return "", [text], {}
    ident, classes, kv = "", [], {}
    lex = shlex.shlex(text.strip("{}"), posix=True)
    lex.whitespace_split, lex.commenters = True, ""
    for tok in lex:
        if tok.startswith("#"):
            ident = tok[1:]
        elif tok.startswith("."):
            classes.append(tok[1:])
        elif "=" in tok:
            k, v = tok.split("=", 1)
            kv[k] = v
        elif tok:
            classes.append(tok)
    return ident, classes, kv


def parse_page(path: Path) -> dict:
    """The live cells and widgets of a page, in order; each with the line it starts on."""
    rel = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    cells, widgets = [], []
    stack: list[dict | None] = []  # open fenced divs: a cell, a widget, or another div (None)
    fence = None  # the open code fence, if any
    code: list[str] | None = None
    for no, line in enumerate(lines, 1):
        if fence:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
                if code is not None:
                    cell = next((d for d in reversed(stack) if d and d["kind"] == "cell"), None)
                    if cell["code"] is not None:
                        raise LiveError(f"{rel}:{no}: a live cell holds one python code block; this is the second")
                    cell["code"] = "\n".join(code).rstrip() + "\n"
                    code = None
            elif code is not None:
                code.append(line)
            continue
        m = _FENCE.match(line)
        if m:
            fence = m.group(2)
            info = m.group(3).strip()
            lang = info.strip("{}").split()[0].lstrip(".") if info else ""
            in_cell = any(d and d["kind"] == "cell" for d in stack)
            code = [] if in_cell and lang == "python" else None
            continue
        m = _DIV_OPEN.match(line)
        if m:
            ident, classes, kv = parse_attrs(m.group(2))
            if "live-cell" in classes:
                if any(d and d["kind"] == "cell" for d in stack):
                    raise LiveError(f"{rel}:{no}: live cells cannot be nested")
                d = {"kind": "cell", "id": ident or f"cell-{len(cells) + 1}", "code": None, "line": no,
                     "expect_error": kv.get("expect-error", "false").lower() == "true", "widgets": []}
                cells.append(d)
            elif "live-widget" in classes:
                d = {"kind": "widget", "line": no, "attrs": kv,
                     "cell": next((c["id"] for c in reversed(stack) if c and c["kind"] == "cell"), None)}
                widgets.append(d)
            else:
                d = None
            stack.append(d)
            continue
        if _DIV_CLOSE.match(line) and stack:
            stack.pop()
    if fence:
        raise LiveError(f"{rel}: a code block is not closed")
    for c in cells:
        if c["code"] is None:
            raise LiveError(f"{rel}:{c['line']}: live cell #{c['id']} has no ```python code block")
    ids = [c["id"] for c in cells]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise LiveError(f"{rel}: two live cells have the id {dup[0]!r}")
    return {"page": rel, "cells": cells, "widgets": [widget_spec(w, rel) for w in widgets]}


# ---------------------------------------------------------------- widgets


def _number(text: str, what: str):
    try:
        f = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: expected a number, got {text!r}") from None
    return int(f) if f.is_integer() and "." not in str(text) and "e" not in str(text).lower() else f


def registry_options(ref: str) -> list[dict]:
    """Options for ``registry:KIND[:GROUP]``: hardware, models, grids, datacenters, clusters."""
    import mlsysim

    _, kind, *group = ref.split(":")
    spaces = {"hardware": mlsysim.Hardware, "models": mlsysim.Models, "grids": mlsysim.Infra.Grids,
              "datacenters": mlsysim.Infra.Datacenters, "clusters": mlsysim.Systems.Clusters}
    ns = spaces.get(kind)
    if ns is None:
        raise ValueError(f"options: unknown registry {kind!r}; use one of {', '.join(spaces)}")
    if group:
        children = {k.lower(): v for k, v in ns._children.items()}
        sub = children.get(group[0].lower())
        if sub is None:
            raise ValueError(f"options: {kind} has no group {group[0]!r}")
        ns = sub
    out = []
    for id_ in ns.ids():
        entry = ns.get(id_)
        out.append({"value": id_, "label": str(getattr(entry, "name", id_))})
    return out


def widget_spec(w: dict, rel: str) -> dict:
    """A widget declaration, checked and completed: type, bounds, default value, options."""
    a = dict(w["attrs"])
    where = f"{rel}:{w['line']}"
    name = a.pop("name", "")
    if not name.isidentifier():
        raise LiveError(f"{where}: a live widget needs name=... that is a Python variable name, got {name!r}")
    kind = a.pop("type", "slider")
    if kind not in WIDGET_TYPES:
        raise LiveError(f"{where}: widget {name}: type must be one of {', '.join(WIDGET_TYPES)}, got {kind!r}")
    spec = {"name": name, "type": kind, "label": a.pop("label", name.replace("_", " ")), "cell": w["cell"]}
    try:
        if kind in ("slider", "number"):
            lo = _number(a.pop("min", "0"), "min")
            hi = _number(a.pop("max", "100"), "max")
            step = _number(a.pop("step", "1"), "step")
            value = _number(a.pop("value", str(lo)), "value")
            if not lo < hi:
                raise ValueError(f"min ({lo}) must be below max ({hi})")
            if not lo <= value <= hi:
                raise ValueError(f"value {value} is outside [{lo}, {hi}]")
            log = a.pop("log", "false").lower() == "true"
            if log and lo <= 0:
                raise ValueError("a log slider needs min > 0")
            spec.update(min=lo, max=hi, step=step, value=value, log=log,
                        integer=all(isinstance(x, int) for x in (lo, hi, step, value)), unit=a.pop("unit", ""))
        else:
            opts = a.pop("options", "")
            if opts.startswith("registry:"):
                options = registry_options(opts)
            else:
                options = []
                for part in opts.split(","):
                    part = part.strip()
                    if part:
                        v, _, label = part.partition("=")
                        options.append({"value": v.strip(), "label": (label or v).strip()})
            if not options:
                raise ValueError('a select needs options="a,b,c" or options="registry:hardware"')
            value = a.pop("value", options[0]["value"])
            if value not in [o["value"] for o in options]:
                raise ValueError(f"value {value!r} is not among the options")
            spec.update(options=options, value=value)
    except ValueError as e:
        raise LiveError(f"{where}: widget {name}: {e}") from None
    if a:
        raise LiveError(f"{where}: widget {name}: unknown attribute(s) {', '.join(sorted(a))}")
    return spec


# ---------------------------------------------------------------- running


def load_kernel():
    spec = importlib.util.spec_from_file_location("mlsysim_live_kernel", KERNEL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.VALIDATE_CHARTS = True  # the build checks every chart spec against the Vega-Lite schema
    try:
        import altair  # noqa: F401  (the same speed-up as in the browser)

        mod.speed_up_altair()
    except ImportError:
        pass
    return mod


def run_page(page: dict, kernel) -> list[list[dict]]:
    """Run a page's cells in order with the default widget values; their outputs."""
    values = {w["name"]: w["value"] for w in page["widgets"]}
    kernel.reset()
    results = []
    for cell in page["cells"]:
        r = kernel.run(cell["id"], cell["code"], values)
        cell["defines"], cell["uses"] = r["defines"], r["uses"]
        if not r["ok"] and not cell["expect_error"]:
            err = next(o for o in r["outputs"] if o["type"] == "error")
            raise LiveError(f"{page['page']}:{cell['line']}: live cell #{cell['id']} raised at build time "
                            f"(mark it expect-error=true if that is the point):\n{err['traceback']}")
        results.append(json.loads(kernel.to_json(r))["outputs"])
    return results


_SVG_JS = r"""
import * as vega from "vega";
import * as vl from "vega-lite";
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const specs = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const out = [];
for (const spec of specs) {
  try {
    const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
    out.push(await view.toSVG());
    view.finalize();
  } catch (e) {
    out.push({ error: String(e && e.message || e) });
  }
}
process.stdout.write(JSON.stringify(out));
"""


def draw_svgs(specs: list[dict]) -> list[str]:
    """SVG for each Vega-Lite spec, drawn by the npm vega/vega-lite in Node (one process)."""
    if not specs:
        return []
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "vega").exists():
        raise LiveError("drawing the build-time charts needs node and node_modules/vega (npm ci)")
    proc = subprocess.run([node, "--input-type=module", "-e", _SVG_JS], input=json.dumps(specs), capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    if proc.returncode:
        raise LiveError(f"drawing the charts with vega in Node failed:\n{proc.stderr[-2000:]}")
    svgs = json.loads(proc.stdout)
    for s in svgs:
        if isinstance(s, dict):
            raise LiveError(f"vega could not draw a chart: {s['error']}")
    return svgs


# ---------------------------------------------------------------- output HTML (first paint)


def output_html(outputs: list[dict], svgs: dict[int, str]) -> str:
    """A cell's outputs as static HTML, the same markup site/live/render.js produces."""
    esc = html.escape
    parts = []
    for i, o in enumerate(outputs):
        t = o["type"]
        if t == "stream":
            parts.append(f'<pre class="live-stream live-{o["name"]}">{esc(o["text"])}</pre>')
        elif t == "text":
            parts.append(f'<pre class="live-text">{esc(o["text"])}</pre>')
        elif t == "html":
            parts.append(f'<div class="live-html">{o["html"]}</div>')
        elif t == "vega":
            parts.append(f'<div class="live-chart" role="img" aria-label="{esc(_chart_label(o["spec"]))}">{svgs[i]}</div>')
        elif t == "error":
            parts.append(f'<pre class="live-error" role="alert">{esc(o["traceback"])}</pre>')
    return "".join(parts)


def _chart_label(spec: dict) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return f"Chart: {title}" if title else "Chart"


# ---------------------------------------------------------------- main


def pages() -> list[Path]:
    found = []
    for pat in PAGES:
        for p in sorted(ROOT.glob(pat)):
            if p.is_file() and "live-cell" in p.read_text(encoding="utf-8"):
                found.append(p)
    return found


def build(check: bool = False) -> dict:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    kernel = load_kernel()
    data = {}
    charts: list[tuple[str, int, int, dict]] = []
    for path in pages():
        page = parse_page(path)
        if not page["cells"]:
            if page["widgets"]:
                raise LiveError(f"{page['page']}: live widgets but no live cell")
            continue  # the markup only appears in code blocks (this guide, for one)
        results = run_page(page, kernel)
        page["outputs"] = results
        for ci, outs in enumerate(results):
            for oi, o in enumerate(outs):
                if o["type"] == "vega":
                    charts.append((page["page"], ci, oi, o["spec"]))
        data[page["page"]] = page
    svgs = draw_svgs([c[3] for c in charts])
    by_cell: dict[tuple[str, int], dict[int, str]] = {}
    for (pg, ci, oi, _), svg in zip(charts, svgs):
        by_cell.setdefault((pg, ci), {})[oi] = svg
    for pg, page in data.items():
        page["html"] = [output_html(outs, by_cell.get((pg, ci), {})) for ci, outs in enumerate(page.pop("outputs"))]
        for c in page["cells"]:
            c.pop("kind", None)
    if not check:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, indent=1, sort_keys=True) + "\n"
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            OUT.write_text(text, encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        data = build(check="--check" in argv)
    except LiveError as e:
        print(f"[live] error: {e}", file=sys.stderr)
        if __name__ != "__main__":
            raise SystemExit(1)  # inside tools/build_site.py: stop the build, without a traceback
        return 1
    n = sum(len(p["cells"]) for p in data.values())
    print(f"[live] {n} live cell(s) on {len(data)} page(s) ran at build time", flush=True)
    return 0


# ---------------------------------------------------------------- inject (after rendering)

_BEGIN, _END = "<!--live:begin-->", "<!--live:end-->"
_STRIP = re.compile(re.escape(_BEGIN) + r".*?" + re.escape(_END), re.DOTALL)
_STRIP_ATTR = re.compile(r' data-live(?:-widget)?="[^"]*"')


class _Locate(HTMLParser):
    """Offsets of every live cell's and widget's div: (start of tag, end of tag, start of </div>)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self._starts = [0]
        for line in text.splitlines(True):
            self._starts.append(self._starts[-1] + len(line))
        self.cells: list[list[int]] = []
        self.widgets: list[list[int]] = []
        self._stack: list[list[int] | None] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        if tag != "div":
            return
        classes = (dict(attrs).get("class") or "").split()
        start = self._offset()
        rec = [start, start + len(self.get_starttag_text()), -1]
        if "live-cell" in classes:
            self.cells.append(rec)
        elif "live-widget" in classes:
            self.widgets.append(rec)
        else:
            rec = None
        self._stack.append(rec)

    def handle_endtag(self, tag):
        if tag == "div" and self._stack:
            rec = self._stack.pop()
            if rec is not None:
                rec[2] = self._offset()


def _early_start(root: str) -> str:
    """An inline script at the top of <head> that starts the Python worker while the page is still
    being parsed (about half a second earlier than a module script could); site/live/runtime.js
    adopts the worker and the messages it sent meanwhile."""
    return (
        "<script>/* mlsysim live pages: start Python now (site/live-pages.qmd) */(function(){try{"
        f'var b=document.baseURI,w=new Worker(new URL("{root}site/live/worker.js",b),{{type:"module",name:"mlsysim-python"}}),q=[];'
        "w.onmessage=function(e){q.push(e)};w.onerror=function(e){e.preventDefault();q.push(e)};"
        f'w.postMessage({{type:"init",root:new URL("{root}" || "./",b).href}});'
        "window.__mlsysimEarly={worker:w,queue:q}}catch(e){}})();</script>"
    )


def inject(site: Path, data: dict | None = None) -> int:
    """Wire each built page that has live cells; returns the number of pages changed."""
    if data is None:
        if not OUT.exists():
            return 0
        data = json.loads(OUT.read_text(encoding="utf-8"))
    changed = 0
    for rel, page in data.items():
        target = site / (rel[: -len(".qmd")] + ".html")
        if not target.exists():
            raise LiveError(f"{rel} has live cells but {target.relative_to(site)} was not rendered")
        original = target.read_text(encoding="utf-8")
        text = _STRIP_ATTR.sub("", _STRIP.sub("", original))
        loc = _Locate(text)
        loc.feed(text)
        loc.close()
        if len(loc.cells) != len(page["cells"]):
            raise LiveError(f"{target.relative_to(site)}: {len(loc.cells)} live cells rendered, {len(page['cells'])} in {rel}")
        if len(loc.widgets) != len(page["widgets"]):
            raise LiveError(f"{target.relative_to(site)}: {len(loc.widgets)} live widgets rendered, {len(page['widgets'])} in {rel}")
        root = "../" * (len(Path(rel).parts) - 1)
        edits: list[tuple[int, int, str]] = []  # (position, order, text): applied from the end
        for i, (cell, rec) in enumerate(zip(page["cells"], loc.cells)):
            edits.append((rec[1] - 1, 0, f' data-live="{html.escape(cell["id"])}"'))
            edits.append((rec[2], 0, f'{_BEGIN}<div class="live-output" data-origin="build">{page["html"][i]}</div>{_END}'))
        for w, rec in zip(page["widgets"], loc.widgets):
            edits.append((rec[1] - 1, 0, f' data-live-widget="{html.escape(w["name"])}"'))
        payload = {"root": root, "page": rel,
                   "cells": [{k: c[k] for k in ("id", "code", "defines", "uses", "expect_error")} for c in page["cells"]],
                   "widgets": page["widgets"]}
        blob = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
        head = text.find("</head>")
        m = re.search(r"<meta charset[^>]*>", text, re.IGNORECASE) or re.search(r"<head[^>]*>", text)
        head_open = m.end() if m and m.end() < head else head
        body = text.rfind("</body>")
        if head < 0 or body < 0:
            raise LiveError(f"{target.relative_to(site)}: no </head> or </body>")
        edits.append((head_open, 0, f"{_BEGIN}{_early_start(root)}{_END}"))
        edits.append((head, 0, f'{_BEGIN}<link rel="stylesheet" href="{root}site/live/live.css">'
                               f'<link rel="modulepreload" href="{root}site/live/live.js">{_END}'))
        edits.append((body, 0, f'{_BEGIN}<script type="application/json" id="live-page">{blob}</script>'
                               f'<script type="module" src="{root}site/live/live.js"></script>{_END}'))
        for pos, _, ins in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            # a start tag's '>' (or '/>') is at rec[1]-1: insert attributes before it
            if ins.startswith(" data-live"):
                while text[pos] != ">":
                    pos -= 1
                if text[pos - 1] == "/":
                    pos -= 1
            text = text[:pos] + ins + text[pos:]
        if text != original:
            target.write_text(text, encoding="utf-8")
            changed += 1
    return changed


def digest() -> str:
    return hashlib.sha256(OUT.read_bytes()).hexdigest()[:12] if OUT.exists() else ""


if __name__ == "__main__":
    sys.exit(main())
