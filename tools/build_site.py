"""Build the mlsysim web book into ``_site/``: the one build entry point (``make site``).

Stages, in order; each is a small function below and skips itself when its outputs are newer
than its inputs (``--force`` runs them all):

1. ``generate_pages``   write ``_version.yml`` and run every ``tools/gen_*.py`` (zoo catalog pages, ...)
2. ``build_reference``  ``quartodoc build``: the API reference in ``reference/``
3. ``copy_assets``      browser assets from ``node_modules/`` (npm) into ``site/vendor/``
4. ``bundle_runtime``   the live pages' Python: wheels and ``pyodide-lock.json`` in ``site/vendor/pyodide/``
                        (``tools/bundle.py``)
5. ``render``           ``quarto render`` when the Quarto CLI is on PATH, else ``smalldocs render``
6. ``live_pages``       put each live cell's build-time output, and the runtime's script, into its
                        page (``tools/gen_live.py``, which also ran the cells in stage 1); then
                        ``notebooks``: copy each tutorial's notebook to ``_site/notebooks/`` and link
                        it from the page (``tools/gen_notebooks.py``)
7. ``post_render``      point KaTeX at ``site/vendor/katex/``, then fail if any page, stylesheet or
                        script loads anything from another origin or by a root-absolute URL
                        (the site must work offline and under any sub-path)

A generator is a script ``tools/gen_<name>.py`` with module-level ``INPUTS`` (globs, relative to
the repository root), ``OUTPUTS`` (paths) and ``main()``; dropping one in is all it takes.
Browser assets are listed in ``ASSETS``; a package is copied when ``package.json`` depends on it.

Usage: ``python tools/build_site.py [--force] [--renderer auto|quarto|smalldocs] [--check-only]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_site"
VENDOR = ROOT / "site" / "vendor"
STAMPS = ROOT / ".site-build"  # one stamp file per stage, for incremental builds
THIS = "tools/build_site.py"

# npm package -> (folder inside the package, files to copy, as globs inside that folder).
# The files land in site/vendor/<package>/ with their paths below the folder kept.
ASSETS: dict[str, tuple[str, list[str]]] = {
    "katex": ("dist", ["katex.min.css", "katex.min.js", "contrib/auto-render.min.js", "fonts/*.woff2", "fonts/*.woff", "fonts/*.ttf"]),
    "vega": ("build", ["vega.min.js"]),
    "vega-lite": ("build", ["vega-lite.min.js"]),
    "vega-embed": ("build", ["vega-embed.min.js"]),
    # the runtime only: the npm lock names packages on a CDN; bundle_runtime writes our own lock
    "pyodide": ("", ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]),
}
PAGE_SUFFIXES = {".qmd", ".md", ".ipynb", ".rmd"}  # never copied into site/vendor: they would become pages

# Everything a render reads: the config, the pages, the site's own files and the copied assets.
RENDER_INPUTS = ["_quarto.yml", "_version.yml", "index.qmd", "site/**", "tutorials/**", "zoo/**", "reference/**", THIS]

# Where the KaTeX that renderers hard-code lives (Quarto/Pandoc: jsdelivr; others: unpkg, cdnjs).
KATEX_CDN = re.compile(
    r"(?:https?:)?//(?:cdn\.jsdelivr\.net/npm/katex@[^/\"'\s]*/dist"
    r"|unpkg\.com/katex@[^/\"'\s]*/dist"
    r"|cdnjs\.cloudflare\.com/ajax/libs/KaTeX/[^/\"'\s]*)/"
)


class BuildError(RuntimeError):
    """A build that cannot go on; the message says why and what to do."""


# ---------------------------------------------------------------- helpers


def say(msg: str) -> None:
    print(f"[site] {msg}", flush=True)


def expand(patterns: Iterable[str]) -> list[Path]:
    """The files under the repository root that match globs (``**`` crosses folders)."""
    out: set[Path] = set()
    for pat in patterns:
        p = ROOT / pat
        if p.is_file():
            out.add(p)
        elif not any(c in pat for c in "*?["):
            continue
        else:
            pat = pat + "/*" if pat.endswith("**") else pat  # before Python 3.13, "**" alone matches folders only
            out.update(f for f in ROOT.glob(pat) if f.is_file() and "__pycache__" not in f.parts)
    return sorted(out)


def newest(paths: Iterable[Path]) -> float:
    return max((p.stat().st_mtime for p in paths), default=0.0)


def stale(stage: str, inputs: list[Path], outputs: list[Path] = (), key: str = "") -> bool:
    """True when a stage must run: an output is missing, an input is newer than the stage's last
    successful run, or the run's key (e.g. the renderer's name) changed."""
    stamp = STAMPS / stage
    if not stamp.exists() or any(not o.exists() for o in outputs):
        return True
    if stamp.read_text(encoding="utf-8") != key:
        return True
    return newest(inputs) > stamp.stat().st_mtime


def done(stage: str, started: float, key: str = "") -> None:
    """Record a successful run. The stamp carries the time the stage *started*, so an input
    edited while it ran is still newer than the stamp and triggers the next build."""
    STAMPS.mkdir(exist_ok=True)
    stamp = STAMPS / stage
    stamp.write_text(key, encoding="utf-8")
    os.utime(stamp, (started, started))


def write_if_changed(path: Path, text: str) -> bool:
    """Write a text file only when its content changes, so later stages see no new input."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def run(cmd: list[str], what: str) -> None:
    say("$ " + " ".join(cmd))
    proc = subprocess.run(cmd, cwd=ROOT)
    if proc.returncode:
        raise BuildError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}")


def tool(name: str) -> str | None:
    """A console script: beside this Python first (the active venv), then on PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def package_version() -> str:
    """The mlsysim version: pyproject.toml's static version, else the installed package's
    metadata, else ``__version__`` in ``mlsysim/__init__.py``."""
    import tomllib

    pyproject = ROOT / "pyproject.toml"
    if pyproject.exists():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if "version" in project:
            return str(project["version"])
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("mlsysim")
    except PackageNotFoundError:
        pass
    init = ROOT / "mlsysim" / "__init__.py"
    if init.exists():
        m = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", init.read_text(encoding="utf-8"), re.M)
        if m:
            return m.group(1)
    return "dev"


def generators() -> list[Path]:
    return sorted((ROOT / "tools").glob("gen_*.py"))


def load_generator(path: Path):
    spec = importlib.util.spec_from_file_location(f"_site_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for attr in ("INPUTS", "OUTPUTS", "main"):
        if not hasattr(mod, attr):
            raise BuildError(f"{path.relative_to(ROOT)}: a generator needs INPUTS, OUTPUTS and main(); {attr} is missing")
    return mod


# ---------------------------------------------------------------- 1. generated pages


def generate_pages(force: bool) -> None:
    """Write ``_version.yml`` (the footer's version) and run each ``tools/gen_*.py`` that is stale."""
    ver = package_version()
    text = (
        "# generated by tools/build_site.py, do not edit\n"
        "website:\n"
        "  page-footer:\n"
        f'    right: "mlsysim {ver}"\n'
    )
    if write_if_changed(ROOT / "_version.yml", text):
        say(f"_version.yml: mlsysim {ver}")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    # ORDER (default 50) sequences generators that read pages others write: gen_live runs the live
    # cells of every page, generated ones (the walls page) included, so it runs last
    mods = sorted(((load_generator(p), p) for p in generators()), key=lambda mp: (getattr(mp[0], "ORDER", 50), mp[1].name))
    for mod, path in mods:
        rel = path.relative_to(ROOT).as_posix()
        inputs = expand([*mod.INPUTS, rel, THIS])
        outputs = [ROOT / o for o in mod.OUTPUTS]
        if not force and not stale(path.stem, inputs, outputs):
            say(f"{rel}: up to date")
            continue
        t, started = time.perf_counter(), time.time()
        mod.main([])
        done(path.stem, started)
        say(f"{rel}: {len(outputs)} page(s) in {time.perf_counter() - t:.1f} s")


# ---------------------------------------------------------------- 2. API reference


def build_reference(force: bool) -> None:
    """Run ``quartodoc build`` (the ``quartodoc:`` section of ``_quarto.yml``) into ``reference/``.

    Until the package has an ``__init__.py`` there is nothing to document: a placeholder index
    is written instead, so the navbar's Reference link works."""
    ref = ROOT / "reference"
    index = ref / "index.qmd"
    if not (ROOT / "mlsysim" / "__init__.py").exists():
        write_if_changed(
            index,
            "---\ntitle: API reference\n---\n\n<!-- generated by tools/build_site.py, do not edit -->\n\n"
            "The API reference is generated from the package's docstrings by quartodoc. "
            "It appears here once the `mlsysim` package is importable (work in progress).\n",
        )
        say("reference/: placeholder (mlsysim/__init__.py does not exist yet)")
        return
    inputs = expand(["mlsysim/**/*.py", "_quarto.yml", "tools/reference_*.py", THIS])  # tools/reference_renderer.py: the renderer
    if not force and not stale("quartodoc", inputs, [index]):
        say("reference/: up to date")
        return
    started = time.time()
    qd = tool("quartodoc")
    cmd = [qd, "build"] if qd else [sys.executable, "-m", "quartodoc", "build"]
    if ref.exists():  # drop pages of objects that were removed from the config
        shutil.rmtree(ref)
    run(cmd, "quartodoc build (pip install 'quartodoc==0.11.1' 'griffe<2')")
    inventory = ROOT / "objects.json"  # quartodoc always writes its inventory to the root; keep it with the pages
    if inventory.exists():
        shutil.move(inventory, ref / "objects.json")
    done("quartodoc", started)


# ---------------------------------------------------------------- 3. browser assets


def npm_dependencies() -> dict[str, str]:
    pkg = ROOT / "package.json"
    return json.loads(pkg.read_text(encoding="utf-8")).get("dependencies", {}) if pkg.exists() else {}


PYODIDE_CDN = re.compile(r"https://cdn\.jsdelivr\.net/pyodide/v\$\{\w+\}/full/")


def localize_pyodide(path: Path) -> None:
    """Pyodide's loader falls back to its CDN when no indexURL is given; the site always gives a
    local one, and the vendored copy must not even name another origin: point the fallback at
    the loader's own folder."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        path.write_text(PYODIDE_CDN.sub("./", text), encoding="utf-8")


def copy_assets(force: bool) -> None:
    """Copy the files in ``ASSETS`` of every npm dependency into ``site/vendor/<package>/``."""
    deps = npm_dependencies()
    unknown = sorted(set(deps) - set(ASSETS))
    if unknown:
        raise BuildError(f"package.json depends on {', '.join(unknown)}: list its files in ASSETS in {THIS}")
    nm = ROOT / "node_modules"
    for name, want in deps.items():
        meta = nm / name / "package.json"
        if not meta.exists():
            raise BuildError(f"node_modules/{name} is missing: run `npm ci` in {ROOT}")
        have = json.loads(meta.read_text(encoding="utf-8"))["version"]
        if want[:1].isdigit() and have != want:
            raise BuildError(f"node_modules/{name} is {have}, package.json pins {want}: run `npm ci`")
    inputs = expand(["package.json", "package-lock.json", "node_modules/.package-lock.json", THIS])
    outputs = [VENDOR / name for name in deps]
    if not force and not stale("assets", inputs, outputs):
        say("site/vendor/: up to date")
        return
    started = time.time()
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    count = 0
    for name in deps:
        folder, globs = ASSETS[name]
        base = nm / name / folder
        dest = VENDOR / name
        for pattern in globs:
            found = [f for f in base.glob(pattern) if f.is_file() and f.suffix.lower() not in PAGE_SUFFIXES]
            if not found:
                raise BuildError(f"node_modules/{name}/{folder}/{pattern}: no such file (ASSETS in {THIS})")
            for f in found:
                target = dest / f.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(f, target)  # a new mtime: the render stage sees the change
                count += 1
        lic = next((p for p in (nm / name).glob("LICENSE*") if p.is_file()), None)
        if lic:
            shutil.copy(lic, dest / "LICENSE.txt")
        if name == "pyodide":
            localize_pyodide(dest / "pyodide.mjs")
    done("assets", started)
    say(f"site/vendor/: {count} files from {len(deps)} npm packages")


# ---------------------------------------------------------------- 4. the live runtime


def _tool_module(name: str):
    """A module of tools/ (bundle, gen_live), imported by path."""
    spec = importlib.util.spec_from_file_location(f"_site_{name}", ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def bundle_runtime(force: bool) -> None:
    """Wheels and ``pyodide-lock.json`` for the live pages, beside the Pyodide runtime (``tools/bundle.py``).

    Wheels from PyPI are cached in ``.cache/wheels/``; the mlsysim wheel is built from the working
    tree, so the stage runs again whenever the package changes (and the lock follows the wheels)."""
    if "pyodide" not in npm_dependencies():
        say("site/vendor/pyodide/: skipped (package.json does not depend on pyodide)")
        return
    out = VENDOR / "pyodide"
    inputs = expand(["mlsysim/**", "pyproject.toml", "package-lock.json", "tools/bundle.py", THIS])
    if not force and not stale("bundle", inputs, [out / "pyodide-lock.json", out / "runtime.json"]):
        say("site/vendor/pyodide/: up to date")
        return
    started = time.time()
    bundle = _tool_module("bundle")
    try:
        summary = bundle.bundle(out)
    except bundle.BundleError as e:
        raise BuildError(f"bundle_runtime: {e}") from None
    done("bundle", started)
    say(f"site/vendor/pyodide/: {summary['wheels']} wheels ({summary['wheel_bytes'] / 1e6:.1f} MB), lock {summary['lock']}")


# ---------------------------------------------------------------- 5. render


def renderer(choice: str) -> tuple[str, list[str]]:
    """The renderer's name and command: Quarto when installed (or asked for), else smalldocs."""
    quarto = shutil.which("quarto")
    if choice == "quarto" or (choice == "auto" and quarto):
        if not quarto:
            raise BuildError("--renderer quarto, but `quarto` is not on PATH")
        return "quarto", [quarto, "render"]
    sd = tool("smalldocs")
    if not sd:
        raise BuildError("neither `quarto` nor `smalldocs` is installed: pip install 'smalldocs==0.5.4'")
    return "smalldocs", [sd, "render", str(ROOT)]


def render(force: bool, choice: str) -> None:
    """Render the whole site into ``_site/`` (both renderers empty it first)."""
    name, cmd = renderer(choice)
    inputs = expand(RENDER_INPUTS)
    if not force and not stale("render", inputs, [SITE / "index.html"], key=name):
        say("_site/: up to date")
        return
    (STAMPS / "render").unlink(missing_ok=True)
    started = time.time()
    run(cmd, f"{name} render")
    done("render", started, key=name)


# ---------------------------------------------------------------- 6. live pages


def live_pages() -> None:
    """Put the build-time outputs of live cells, their data and the runtime's script into the
    rendered pages (idempotent: a page rendered earlier is rewired, not wired twice)."""
    gen = _tool_module("gen_live")
    try:
        n = gen.inject(SITE)
    except gen.LiveError as e:
        raise BuildError(f"live_pages: {e}") from None
    if n:
        say(f"live pages: {n} page(s) wired to the Python runtime")


def notebooks() -> None:
    """Copy each tutorial's notebook (``tools/gen_notebooks.py``, run in stage 1) into
    ``_site/notebooks/`` and link it from the tutorial's page (idempotent)."""
    n = _tool_module("gen_notebooks").inject(SITE)
    if n:
        say(f"notebooks: {n} tutorial page(s) link their notebook")


# ---------------------------------------------------------------- 7. post-render

RESOURCE_TAGS_SRC = {"script", "img", "iframe", "audio", "video", "source", "track", "embed", "input", "frame"}
# <link rel=...> values that fetch nothing; every other <link href> is a resource
NON_LOADING_RELS = {"canonical", "alternate", "license", "author", "me", "help", "bookmark", "external", "nofollow", "noopener", "noreferrer", "tag", "search"}
CSS_URL = re.compile(r"""(?:@import\s+(?:url\(\s*)?|url\(\s*)(["']?)([^"')\s]+)\1""", re.I)
JS_LOAD = re.compile(
    r"""(?:\bimport\s*\(\s*|\bfrom\s*|\bimport\s+|\bimportScripts\s*\(\s*|\bnew\s+(?:Shared)?Worker\s*\(\s*|\bfetch\s*\(\s*)"""
    r"""(["'`])((?:https?:)?//[^"'`]+)\1"""
)


def is_remote(url: str) -> bool:
    u = url.strip().lower()
    return u.startswith(("http://", "https://", "//"))


def is_root_absolute(url: str) -> bool:
    u = url.strip()
    return u.startswith("/") and not u.startswith("//")


class _Resources(HTMLParser):
    """Collect every URL a page loads by itself (not the links a reader clicks)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []  # (what, url)
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag in RESOURCE_TAGS_SRC and a.get("src"):
            self.found.append((f"<{tag} src>", a["src"]))
        for attr in ("srcset", "imagesrcset"):
            for part in a.get(attr, "").split(","):
                if part.strip():
                    self.found.append((f"<{tag} {attr}>", part.strip().split()[0]))
        if tag == "video" and a.get("poster"):
            self.found.append(("<video poster>", a["poster"]))
        if tag == "object" and a.get("data"):
            self.found.append(("<object data>", a["data"]))
        if tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            if not rels or not rels <= NON_LOADING_RELS:
                self.found.append((f"<link rel={a.get('rel', '')}>", a["href"]))
        if tag == "base" and a.get("href"):
            self.found.append(("<base href>", a["href"]))
        if tag in ("use", "image", "feimage"):
            for k in ("href", "xlink:href"):
                if a.get(k):
                    self.found.append((f"<{tag} {k}>", a[k]))
        if a.get("style"):
            self.found += [("style attribute", m.group(2)) for m in CSS_URL.finditer(a["style"])]
        self._in = tag if tag in ("script", "style") and not a.get("src") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.found += [("<style>", m.group(2)) for m in CSS_URL.finditer(data)]
        elif self._in == "script":
            self.found += [("inline <script>", m.group(2)) for m in JS_LOAD.finditer(data)]


def page_resources(html: str) -> list[tuple[str, str]]:
    p = _Resources()
    p.feed(html)
    p.close()
    return p.found


def offending(site: Path = SITE) -> list[str]:
    """Every resource in the built site that comes from another origin, or from a root-absolute
    URL (which breaks the site under a sub-path): one line per problem."""
    problems = []
    for f in sorted(site.rglob("*")):
        if not f.is_file() or f.suffix.lower() not in (".html", ".htm", ".css", ".js", ".mjs"):
            continue
        rel = f.relative_to(site).as_posix()
        text = f.read_text(encoding="utf-8", errors="replace")
        if f.suffix.lower() in (".html", ".htm"):
            found = page_resources(text)
        elif f.suffix.lower() == ".css":
            found = [("CSS", m.group(2)) for m in CSS_URL.finditer(text)]
        else:
            found = [("script", m.group(2)) for m in JS_LOAD.finditer(text)]
            found += [("CSS in script", m.group(2)) for m in CSS_URL.finditer(text) if is_remote(m.group(2))]
        for what, url in found:
            if is_remote(url):
                problems.append(f"{rel}: {what} loads {url} from another origin")
            elif is_root_absolute(url) and f.suffix.lower() in (".html", ".htm", ".css"):
                problems.append(f"{rel}: {what} {url} is root-absolute (breaks under a sub-path); use a relative URL")
    return problems


def localize_katex(site: Path = SITE) -> int:
    """Rewrite the KaTeX CDN address in every page to the copy in ``site/vendor/katex/``."""
    changed = 0
    for f in site.rglob("*.html"):
        text = f.read_text(encoding="utf-8")
        if not KATEX_CDN.search(text):
            continue
        depth = len(f.relative_to(site).parts) - 1
        local = "../" * depth + "site/vendor/katex/"
        f.write_text(KATEX_CDN.sub(local, text), encoding="utf-8")
        changed += 1
    return changed


def post_render() -> None:
    """Make the built site self-contained, then prove it: no resource from another origin."""
    if not (SITE / "index.html").exists():
        raise BuildError("_site/index.html is missing: the render did not produce a site")
    n = localize_katex()
    if n:
        say(f"KaTeX: {n} page(s) now load site/vendor/katex/")
    if n and not (SITE / "site" / "vendor" / "katex" / "katex.min.js").exists():
        raise BuildError("pages use KaTeX but _site/site/vendor/katex/ is missing (is site/vendor/** in project.resources?)")
    problems = offending()
    if problems:
        (STAMPS / "render").unlink(missing_ok=True)  # rebuild next time, after the fix
        raise BuildError("the site loads files from elsewhere:\n  " + "\n  ".join(problems))
    say("post-render check: every resource is local and relative")


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--force", action="store_true", help="run every stage, even when its outputs are up to date")
    ap.add_argument("--renderer", choices=("auto", "quarto", "smalldocs"), default=os.environ.get("MLSYSIM_RENDERER", "auto"))
    ap.add_argument("--check-only", action="store_true", help="only run the post-render check on the existing _site/")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    t0 = time.perf_counter()
    try:
        if not args.check_only:
            for name, stage in (
                ("generate_pages", lambda: generate_pages(args.force)),
                ("build_reference", lambda: build_reference(args.force)),
                ("copy_assets", lambda: copy_assets(args.force)),
                ("bundle_runtime", lambda: bundle_runtime(args.force)),
                ("render", lambda: render(args.force, args.renderer)),
                ("live_pages", live_pages),
                ("notebooks", notebooks),
            ):
                t = time.perf_counter()
                stage()
                say(f"{name}: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        post_render()
        say(f"post_render: {time.perf_counter() - t:.1f} s")
    except BuildError as e:
        print(f"[site] error: {e}", file=sys.stderr)
        return 1
    say(f"done in {time.perf_counter() - t0:.1f} s: {SITE.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
