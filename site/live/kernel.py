"""The Python side of live cells: run a cell in the page's namespace and describe its output.

The same file runs in two places: in the reader's browser (Pyodide, in site/live/worker.js) and
at build time (CPython, in tools/gen_live.py, which stores the outputs shown at first paint).
It needs only the standard library; mlsysim and altair are imported by the cells themselves.

A cell's outputs are a list of JSON-ready dicts, in the order they were produced:

- ``{"type": "stream", "name": "stdout" | "stderr", "text": ...}``  printed text
- ``{"type": "text", "text": ...}``  the value of the last expression (or ``display(x)``)
- ``{"type": "html", "html": ...}``  a result table or a scorecard
- ``{"type": "vega", "spec": {...}}``  an Altair chart, as its Vega-Lite spec
- ``{"type": "error", "ename": ..., "evalue": ..., "traceback": ...}``  what the cell raised

Cells on a page share one namespace, like a notebook; widget values are set in it as variables
before each run.
"""

from __future__ import annotations

import ast
import builtins
import html
import io
import json
import linecache
import math
import sys
import time
import traceback

__all__ = ["NAMESPACE", "analyze", "describe", "reset", "run"]

NAMESPACE: dict = {}
VALIDATE_CHARTS = False  # the build validates every chart spec (CPython); the browser skips it for speed
_BUILTINS = set(dir(builtins))


def reset() -> None:
    """Forget every variable (a fresh page)."""
    NAMESPACE.clear()
    NAMESPACE.update({"__name__": "__main__", "display": display})


# ---------------------------------------------------------------- dependencies


_ANALYZED: dict[str, dict] = {}


def analyze(code: str) -> dict:
    """``_analyze``, remembered per source (a slider re-runs the same code many times)."""
    found = _ANALYZED.get(code)
    if found is None:
        if len(_ANALYZED) > 256:
            _ANALYZED.clear()
        found = _ANALYZED[code] = _analyze(code)
    return found


def _analyze(code: str) -> dict:
    """The names a cell assigns and the names it reads, for re-running the cells that depend on it.

    Imported names are left out of ``defines``: running a cell again does not change them."""
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        return {"defines": [], "uses": [], "error": f"SyntaxError: {e.msg} (line {e.lineno})"}
    defines, uses = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (defines if isinstance(node.ctx, (ast.Store, ast.Del)) else uses).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defines.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            defines.update(node.names)
    return {"defines": sorted(defines), "uses": sorted(uses - _BUILTINS - {"display"}), "error": None}


# ---------------------------------------------------------------- output


class _Outputs:
    """Collects a cell's outputs; also the stdout/stderr of the cell while it runs."""

    def __init__(self):
        self.items: list[dict] = []

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.items[-1] if self.items else None
        if last and last["type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"type": "stream", "name": name, "text": text})


class _Stream(io.TextIOBase):
    def __init__(self, outputs: _Outputs, name: str):
        self._o, self._name = outputs, name

    def write(self, s):
        self._o.stream(self._name, s)
        return len(s)

    def writable(self):
        return True


_current: _Outputs | None = None


def display(*objs) -> None:
    """Show each object under the cell: charts are drawn, results become tables."""
    for obj in objs:
        out = describe(obj)
        if out is not None and _current is not None:
            _current.items.append(out)


def _fmt_number(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "—"
        a = abs(v)
        if a != 0 and (a >= 1e6 or a < 1e-3):
            return f"{v:.3e}"
        return f"{v:,.4g}" if a < 1e4 else f"{v:,.0f}"
    return str(v)


def _fmt_value(v) -> tuple[str, str]:
    """(value, unit) as text."""
    mag = getattr(v, "magnitude", None)
    units = getattr(v, "units", None)
    if mag is not None and units is not None:
        try:
            u = f"{units:~P}"
        except Exception:
            u = str(units)
        return _fmt_number(float(mag)), u
    if v is None:
        return "—", ""
    return _fmt_number(v), ""


def _result_html(r) -> str:
    """A solver result as a table: field, value, unit; each row's meaning as its tooltip."""
    esc = html.escape
    rows, notes = [], []
    nested = []
    for name, f in type(r).fields().items():
        v = getattr(r, name)
        if isinstance(v, (tuple, list)):
            notes.extend(str(x) for x in v)
            continue
        if _is_result(v):
            nested.append(f"<details><summary>{esc(name)}</summary>{_result_html(v)}</details>")
            continue
        if isinstance(v, dict):
            v = ", ".join(f"{k}={x}" for k, x in v.items())
        val, unit = _fmt_value(v)
        rows.append(f'<tr title="{esc(getattr(f, "doc", "") or "")}"><th scope="row">{esc(name)}</th>'
                    f'<td class="num">{esc(val)}</td><td>{esc(unit)}</td></tr>')
    caption = esc(type(r).__name__)
    out = (f'<table class="live-result"><caption>{caption}</caption>'
           f'<thead><tr><th scope="col">field</th><th scope="col">value</th><th scope="col">unit</th></tr></thead>'
           f'<tbody>{"".join(rows)}</tbody></table>')
    out += "".join(nested)
    if notes:
        out += '<details class="live-notes"><summary>Assumptions</summary><ul>' + "".join(
            f"<li>{esc(n)}</li>" for n in notes) + "</ul></details>"
    return out


def _scorecard_html(ev) -> str:
    """A SystemEvaluation as its three lenses side by side, with constraints and binding walls."""
    esc = html.escape
    parts = [f'<div class="live-scorecard" aria-label="Scorecard: {esc(ev.scenario_name)}">']
    for lens in (ev.feasibility, ev.performance, ev.macro):
        status = str(lens.status)
        rows = "".join(
            f'<tr><th scope="row">{esc(k.replace("_", " "))}</th><td class="num">{esc(_fmt_number(v) if v is not None else "—")}</td>'
            f'<td>{esc(str(lens.units.get(k, "")))}</td></tr>' for k, v in lens.metrics.items())
        parts.append(f'<section class="lens"><h4>{esc(lens.name)} <span class="badge status-{esc(status.lower().replace("/", ""))}">'
                     f'{esc(status)}</span></h4><table class="live-result"><tbody>{rows}</tbody></table></section>')
    parts.append("</div>")
    extra = []
    for c in getattr(ev, "constraints", ()):
        extra.append(f'<li class="{"pass" if c.passed else "fail"}">[{"PASS" if c.passed else "FAIL"}] {esc(c.message)}</li>')
    binding = [w for w in getattr(ev, "walls", ()) if w.binding]
    if binding:
        extra.append("<li>Binding walls: " + esc(", ".join(f"{w.name} ({w.ratio:.2f})" for w in binding)) + "</li>")
    if extra:
        parts.append('<ul class="live-constraints">' + "".join(extra) + "</ul>")
    return "".join(parts)


def _rows_html(rows: list[dict]) -> str:
    esc = html.escape
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    head = "".join(f'<th scope="col">{esc(str(c))}</th>' for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            val, unit = _fmt_value(r.get(c))
            cls = ' class="num"' if isinstance(r.get(c), (int, float)) or unit else ""
            cells.append(f"<td{cls}>{esc(val + (' ' + unit if unit else ''))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="live-result"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _is_result(obj) -> bool:
    """An mlsysim solver result (frozen, with named fields)."""
    return hasattr(type(obj), "fields") and hasattr(obj, "to_dict") and hasattr(obj, "_raw")


def describe(obj) -> dict | None:
    """The output for a value: None shows nothing; charts, results and tables get their own view."""
    if obj is None:
        return None
    mod = type(obj).__module__ or ""
    if mod.startswith("altair") and hasattr(obj, "to_dict"):
        try:
            spec = obj.to_dict(validate=VALIDATE_CHARTS)
        except TypeError:
            spec = obj.to_dict()
        return {"type": "vega", "spec": name_datasets(spec)}
    if _is_result(obj):
        return {"type": "html", "html": _result_html(obj)}
    if hasattr(obj, "scorecard") and hasattr(obj, "feasibility") and hasattr(obj, "macro"):
        return {"type": "html", "html": _scorecard_html(obj)}
    if isinstance(obj, list) and obj and len(obj) <= 500 and all(isinstance(r, dict) for r in obj):
        return {"type": "html", "html": _rows_html(obj)}
    if isinstance(obj, str):
        return {"type": "text", "text": obj}
    rh = getattr(obj, "_repr_html_", None)
    if callable(rh) and not isinstance(obj, type):
        try:
            h = rh()
            if h:
                return {"type": "html", "html": h}
        except Exception:
            pass
    if hasattr(obj, "magnitude") and hasattr(obj, "units"):
        val, unit = _fmt_value(obj)
        return {"type": "text", "text": f"{val} {unit}".strip()}
    return {"type": "text", "text": repr(obj)}


# ---------------------------------------------------------------- charts


def speed_up_altair() -> bool:
    """Reuse Altair's schema-to-class table instead of rebuilding it for every channel.

    Altair 6 builds a ``_FromDict`` converter, hashing the schema of each of its ~600 classes, for
    every shorthand channel (``x="batch:Q"``): about 10 ms each in CPython and 40 ms in Pyodide, so
    a chart took hundreds of milliseconds to build. The table depends only on the classes, so it is
    computed once per set of classes. Returns whether the patch was applied."""
    try:
        from altair.utils import schemapi
    except ImportError:
        return False
    cls = getattr(schemapi, "_FromDict", None)
    if cls is None or getattr(cls, "_mlsysim_cached", False):
        return bool(cls)
    original = cls.__init__
    tables: dict = {}

    def __init__(self, wrapper_classes, /):
        key = tuple(wrapper_classes)
        table = tables.get(key)
        if table is None:
            original(self, key)
            tables[key] = self.class_dict
        else:
            self.class_dict = table

    cls.__init__ = __init__
    cls._mlsysim_cached = True
    # the classes themselves are found by walking the subclass tree, also on every call
    for owner in {schemapi.SchemaBase, *(c for c in schemapi.SchemaBase.__subclasses__()
                                          if "_default_wrapper_classes" in vars(c))}:
        found = vars(owner).get("_default_wrapper_classes")
        if isinstance(found, classmethod):
            owner._default_wrapper_classes = classmethod(_memo_classes(found.__func__))
    return True


def _memo_classes(fn):
    box: list = []

    def _default_wrapper_classes(cls):
        if not box:
            box.append(tuple(fn(cls)))
        return iter(box[0])

    return _default_wrapper_classes


def name_datasets(spec: dict) -> dict:
    """The same chart with every data set named by its position: ``datasets`` {"d0": rows, ...}.

    Altair names top-level data sets by a hash of their rows and leaves per-layer data inline, so
    every new value of a slider made a new spec. With positional names, a chart whose rows changed
    but whose structure did not has the same spec apart from ``datasets``, and site/live/render.js
    updates the drawn view in place (``view.data(name, rows)``) instead of drawing it again."""
    if not isinstance(spec, dict):
        return spec
    old = spec.get("datasets") or {}
    datasets: dict = {}
    renamed: dict = {}

    def walk(node):
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for k, v in node.items():
            if k == "data" and isinstance(v, dict):
                if isinstance(v.get("values"), list) and set(v) == {"values"}:
                    name = f"d{len(datasets)}"
                    datasets[name] = v["values"]
                    out[k] = {"name": name}
                    continue
                if set(v) == {"name"} and v["name"] in old:
                    if v["name"] not in renamed:
                        renamed[v["name"]] = f"d{len(datasets)}"
                        datasets[renamed[v["name"]]] = old[v["name"]]
                    out[k] = {"name": renamed[v["name"]]}
                    continue
            out[k] = v if k == "datasets" else walk(v)
        return out

    new = walk(spec)
    for name, rows in old.items():  # referenced elsewhere (lookups, transforms): keep them
        if name not in renamed:
            datasets[name] = rows
    new.pop("datasets", None)
    if datasets:
        new["datasets"] = datasets
    return new


# ---------------------------------------------------------------- running


def _traceback(exc: BaseException, filename: str) -> str:
    """The traceback from the cell's own frame on (the kernel's frames are left out)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    if isinstance(exc, SyntaxError):
        tb = None
    return "".join(traceback.format_exception(type(exc), exc, tb))


_COMPILED: dict[tuple[str, str], tuple] = {}


def _compiled(code: str, filename: str) -> tuple:
    """The cell's statements and its last expression (shown as the cell's value), compiled once."""
    key = (code, filename)
    found = _COMPILED.get(key)
    if found is None:
        tree = ast.parse(code, filename)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = compile(ast.Expression(tree.body.pop().value), filename, "eval")
        found = (compile(tree, filename, "exec"), last)
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        _COMPILED[key] = found
    return found


def run(cell: str, code: str, values: dict | None = None) -> dict:
    """Run ``code`` as cell ``cell`` with the widget ``values`` set as variables.

    Returns ``{"ok", "outputs", "defines", "uses", "ms"}``; never raises for the cell's errors."""
    global _current
    if "display" not in NAMESPACE:
        reset()
    filename = f"<cell {cell}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    deps = analyze(code)
    outputs = _Outputs()
    _current = outputs
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
    t0 = time.perf_counter()
    ok = True
    try:
        NAMESPACE.update(values or {})
        body, last = _compiled(code, filename)
        exec(body, NAMESPACE)
        if last is not None:
            value = eval(last, NAMESPACE)
            out = describe(value)
            if out is not None:
                outputs.items.append(out)
    except BaseException as exc:  # the reader's code: show whatever it raised (SystemExit too), keep the page alive
        ok = False
        outputs.items.append({"type": "error", "ename": type(exc).__name__, "evalue": str(exc),
                              "traceback": _traceback(exc, filename)})
    finally:
        sys.stdout, sys.stderr = old
        _current = None
    return {"ok": ok, "outputs": outputs.items, "defines": deps["defines"], "uses": deps["uses"],
            "ms": round((time.perf_counter() - t0) * 1000, 1)}


def _finite(x):
    """JSON has no NaN or infinity: they become null (as Vega-Lite reads missing values)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def to_json(result: dict) -> str:
    try:
        return json.dumps(result, default=str, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(result), default=str)


def run_json(cell: str, code: str, values_json: str) -> str:
    """``run`` for the worker: JSON in, JSON out (no proxies cross into JavaScript)."""
    return to_json(run(cell, code, json.loads(values_json)))


reset()
