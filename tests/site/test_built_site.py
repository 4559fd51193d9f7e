"""Checks of the built web book in ``_site/`` (build it first: ``make site``).

Every page of the navbar and sidebars exists; every zoo entry has its anchor; no internal link is
broken; nothing loads from another origin or by a root-absolute URL (the site works offline and
under any sub-path); maths is marked up for a local KaTeX; every Vega-Lite spec parses.

These checks parse the HTML independently of tools/build_site.py's own post-render check.
"""

from __future__ import annotations

import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

yaml = pytest.importorskip("yaml", reason="pyyaml is needed to read _quarto.yml (pip install -e '.[site]')")

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_site"

pytestmark = [
    pytest.mark.site,
    pytest.mark.skipif(not (SITE / "index.html").exists(), reason="_site/ is not built: run `make site` first"),
]


# ---------------------------------------------------------------- parsing


class Page(HTMLParser):
    """Every URL in a page, by the tag and attribute it sits in, plus ids, inline scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str, dict]] = []  # (tag, attribute, url, attrs)
        self.ids: set[str] = set()
        self.scripts: list[tuple[dict, str]] = []
        self.styles: list[str] = []
        self.classes: list[str] = []
        self._in: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        self.classes.append(a.get("class", ""))
        for k in ("href", "src", "poster", "data", "xlink:href", "action"):
            if a.get(k):
                self.urls.append((tag, k, a[k], a))
        for k in ("srcset", "imagesrcset"):
            for part in a.get(k, "").split(","):
                if part.strip():
                    self.urls.append((tag, k, part.strip().split()[0], a))
        if a.get("style"):
            self.styles.append(a["style"])
        self._in = (tag, a) if tag in ("script", "style") else None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in = None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in and self._in[0] == "script":
            self.scripts.append((self._in[1], data))
        elif self._in and self._in[0] == "style":
            self.styles.append(data)


_cache: dict[Path, Page] = {}


def parse(path: Path) -> Page:
    if path not in _cache:
        p = Page()
        p.feed(path.read_text(encoding="utf-8"))
        p.close()
        _cache[path] = p
    return _cache[path]


def html_files() -> list[Path]:
    return sorted(SITE.rglob("*.html"))


def rel(path: Path) -> str:
    return path.relative_to(SITE).as_posix()


def other_origin(url: str) -> bool:
    return bool(re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", url, re.I)) and not url.strip().lower().startswith("file:")


CSS_URLS = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)|url\(\s*["']?([^"')\s]+)""", re.I)


def css_urls(text: str) -> list[str]:
    return [a or b for a, b in CSS_URLS.findall(text)]


# Links a reader follows: these may go anywhere. Everything else with a URL is loaded by the page.
NAVIGATION = {("a", "href"), ("area", "href"), ("form", "action")}
NON_LOADING_RELS = {"canonical", "alternate", "license", "author", "me", "help", "bookmark", "external", "nofollow", "noopener", "noreferrer", "tag", "search"}


def loads(tag: str, attr: str, attrs: dict) -> bool:
    """Whether a URL in this tag and attribute is fetched by the browser when the page loads."""
    if (tag, attr) in NAVIGATION:
        return False
    if tag == "link":
        rels = set(attrs.get("rel", "").lower().split())
        return not rels or not rels <= NON_LOADING_RELS
    return True


# ---------------------------------------------------------------- the config's pages


def config_pages() -> list[str]:
    """Every page file the config names: navbar, menus and sidebars (not globs)."""
    cfg = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(x):
        if isinstance(x, str):
            if x.endswith((".qmd", ".md", ".ipynb")) and not any(c in x for c in "*?["):
                found.append(x)
        elif isinstance(x, list):
            for i in x:
                walk(i)
        elif isinstance(x, dict):
            for k, v in x.items():
                if k in ("href", "file", "contents", "menu", "left", "right", "sidebar", "navbar", "section"):
                    walk(v)

    walk(cfg.get("website", {}))
    return sorted(set(found))


def test_config_names_pages():
    pages = config_pages()
    assert "site/getting-started.qmd" in pages and "reference/index.qmd" in pages, pages


@pytest.mark.parametrize("page", config_pages())
def test_every_config_page_is_built(page):
    out = SITE / Path(page).with_suffix(".html")
    assert out.exists(), f"{page} is in _quarto.yml but {rel(out) if out.is_relative_to(SITE) else out} was not built"


def test_landing_page_and_search_index():
    assert (SITE / "index.html").exists()
    search = SITE / "search.json"
    assert search.exists(), "no search index"
    assert json.loads(search.read_text(encoding="utf-8")), "empty search index"


# ---------------------------------------------------------------- the zoo


def zoo_anchors() -> dict[str, list[str]]:
    spec = importlib.util.spec_from_file_location("gen_zoo", ROOT / "tools" / "gen_zoo.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.anchors()


def test_zoo_pages_are_generated():
    for name in ("hardware", "models", "systems", "infra"):
        src = ROOT / "zoo" / f"{name}.qmd"
        assert src.exists(), f"{src} missing: tools/gen_zoo.py did not run"
        assert "<!-- generated by tools/gen_zoo.py, do not edit -->" in src.read_text(encoding="utf-8")
        assert (SITE / "zoo" / f"{name}.html").exists()


def test_every_zoo_entry_has_an_anchor():
    missing = []
    total = 0
    for page, anchors in zoo_anchors().items():
        ids = parse(SITE / "zoo" / page).ids
        total += len(anchors)
        missing += [f"zoo/{page}#{a}" for a in anchors if a not in ids]
    assert total > 0, "the registries are empty"
    assert not missing, f"{len(missing)} zoo entries without an anchor (stale build?): {missing[:10]}"


def test_hardware_tiers_have_sections():
    ids = parse(SITE / "zoo" / "hardware.html").ids
    assert {"cloud", "workstation", "mobile", "edge", "tiny"} <= ids


# ---------------------------------------------------------------- links


def test_no_broken_internal_links():
    broken = []
    for f in html_files():
        for tag, attr, url, _ in parse(f).urls:
            if attr == "action":
                continue
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//") or not (parts.path or parts.fragment):
                continue
            target = (f.parent / unquote(parts.path)).resolve() if parts.path else f
            if parts.path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{rel(f)}: <{tag} {attr}={url}> -> no such file")
            elif parts.fragment and target.suffix == ".html" and tag == "a" and not rel(f).startswith("reference/"):
                # quartodoc's own pages link to ids it does not always write (the page title's,
                # properties'); a browser then opens the page at its top. Links from our pages are checked.
                frag = unquote(parts.fragment)
                if frag not in parse(target).ids:
                    broken.append(f"{rel(f)}: <a href={url}> -> no id {frag!r} in {rel(target)}")
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(broken[:40])


def test_no_root_absolute_urls():
    """A URL starting with '/' breaks the site when it is served under a sub-path."""
    bad = [
        f"{rel(f)}: <{tag} {attr}={url}>"
        for f in html_files()
        for tag, attr, url, _ in parse(f).urls
        if url.startswith("/") and not url.startswith("//")
    ]
    assert not bad, "\n".join(bad[:40])


# ---------------------------------------------------------------- nothing from another origin


def test_no_resource_from_another_origin_in_html():
    bad = []
    for f in html_files():
        p = parse(f)
        bad += [f"{rel(f)}: <{tag} {attr}={url}>" for tag, attr, url, a in p.urls if loads(tag, attr, a) and other_origin(url)]
        bad += [f"{rel(f)}: CSS url {u}" for s in p.styles for u in css_urls(s) if other_origin(u)]
        for attrs, code in p.scripts:
            bad += [f"{rel(f)}: inline script loads {m}" for m in re.findall(r"""(?:import\s*\(|from|importScripts\s*\(|fetch\s*\()\s*["'`]((?:https?:)?//[^"'`]+)""", code)]
    assert not bad, f"{len(bad)} resources from another origin:\n" + "\n".join(bad[:40])


def test_no_resource_from_another_origin_in_css_and_js():
    bad = []
    for f in sorted(SITE.rglob("*.css")):
        bad += [f"{rel(f)}: {u}" for u in css_urls(f.read_text(encoding="utf-8", errors="replace")) if other_origin(u)]
    for f in sorted([*SITE.rglob("*.js"), *SITE.rglob("*.mjs")]):
        text = f.read_text(encoding="utf-8", errors="replace")
        bad += [f"{rel(f)}: loads {u}" for u in re.findall(r"""(?:\bimport\s*\(|\bfrom|\bimportScripts\s*\(|\bfetch\s*\()\s*["'`]((?:https?:)?//[^"'`]+)""", text)]
        bad += [f"{rel(f)}: CSS {u}" for u in re.findall(r"""@import\s+url\(\s*["']?((?:https?:)?//[^"')]+)""", text)]
    assert not bad, "\n".join(bad[:40])


def test_theme_imports_no_web_fonts():
    for f in SITE.rglob("*.css"):
        assert "fonts.googleapis" not in f.read_text(encoding="utf-8", errors="replace"), rel(f)


# ---------------------------------------------------------------- maths


def test_math_page_uses_local_katex():
    page = SITE / "site" / "math.html"
    p = parse(page)
    assert any("math" in c.split() for c in p.classes), "no maths markup (class 'math') on the math page"
    katex = [(tag, url) for tag, attr, url, _ in p.urls if "katex" in url.lower()]
    assert any(tag == "link" for tag, _ in katex), "the math page does not load KaTeX's stylesheet"
    assert any(tag == "script" for tag, _ in katex), "the math page does not load KaTeX's script"
    for tag, url in katex:
        assert not other_origin(url), f"KaTeX from another origin: {url}"
        assert (page.parent / url).resolve().exists(), f"KaTeX file missing: {url}"
    assert any((SITE / "site" / "vendor" / "katex" / "fonts").glob("*.woff2")), "KaTeX fonts were not copied"


# ---------------------------------------------------------------- charts


def vega_lite_specs():
    """Every Vega-Lite spec the site serves: .vl.json / .vega.json files, and specs inlined in pages
    as <script type="application/json"> or passed to vegaEmbed(...)."""
    for f in sorted([*SITE.rglob("*.vl.json"), *SITE.rglob("*.vega.json"), *SITE.rglob("*.vegalite.json")]):
        yield rel(f), f.read_text(encoding="utf-8")
    for f in html_files():
        for attrs, code in parse(f).scripts:
            if attrs.get("type", "").lower() in ("application/json", "application/vnd.vegalite+json") and "vega" in code:
                yield f"{rel(f)} <script type={attrs['type']}>", code


def test_vega_lite_specs_parse():
    specs = list(vega_lite_specs())
    for where, text in specs:
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as e:
            pytest.fail(f"{where}: not valid JSON: {e}")
        schema = spec.get("$schema", "") if isinstance(spec, dict) else ""
        assert not schema or "vega" in schema, f"{where}: $schema {schema!r} is not Vega-Lite"
    if not specs:
        pytest.skip("no Vega-Lite specs in the site yet")


def test_vega_bundles_are_local():
    for name in ("vega/vega.min.js", "vega-lite/vega-lite.min.js", "vega-embed/vega-embed.min.js"):
        assert (SITE / "site" / "vendor" / name).exists(), f"site/vendor/{name} was not copied"
