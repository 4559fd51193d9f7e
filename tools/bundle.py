"""Bundle the browser runtime: Pyodide, every wheel the engine needs, and our own lock file.

Stage ``bundle_runtime`` of ``tools/build_site.py`` (also runnable alone: ``python tools/bundle.py``).

The npm package ``pyodide`` ships only the runtime (``pyodide.mjs``, ``pyodide.asm.*``,
``python_stdlib.zip``; ``copy_assets`` puts them in ``site/vendor/pyodide/``) and a lock whose
packages live on a CDN. This stage adds, in the same folder:

- the mlsysim wheel, built from the working tree (``pip wheel --no-deps .``);
- the pinned wheels of ``WHEELS`` (pure Python, or built for Pyodide's ABI), downloaded from
  PyPI once into ``.cache/wheels/`` (git-ignored), so later builds are offline;
- each wheel, and the standard library's ``python_stdlib.zip`` (sources in the npm package),
  precompiled to bytecode by the Pyodide interpreter itself (run in Node): Pyodide then imports
  ``.pyc`` instead of compiling source at every page load, which more than halves the time to the
  first result (third-party packages become sourceless, as in Pyodide's own distribution; mlsysim
  keeps its sources beside the bytecode, for readable tracebacks);
- ``pyodide.asm.wasm.gz``: the runtime's binary compressed, whatever the web server does;
- ``pyodide-lock.json`` listing exactly those wheels, written with the Pyodide project's own
  ``pyodide-lock`` (``add_wheels_to_spec``), with the ``info`` block of the npm package's lock so
  the ABI matches. The browser checks every wheel's sha256 against it: a changed wheel needs a
  new lock, which is why the lock is rewritten on every run of this stage.

Nothing here is fetched by the browser from another origin: ``site/live/worker.js`` loads
Pyodide with ``indexURL``, ``lockFileURL`` and ``packageBaseUrl`` all pointing at this folder.

Adding a dependency to the browser: add it to ``WHEELS`` (with its exact version, and its own
dependencies); the lock's ``depends`` come from the wheels' metadata, and a requirement missing
from ``WHEELS`` fails the build with its name.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NPM = ROOT / "node_modules" / "pyodide"
OUT = ROOT / "site" / "vendor" / "pyodide"
CACHE = ROOT / ".cache" / "wheels"

#: Wheels the browser gets, by distribution name and exact version (PyPI).
#: ``engine`` loads first (mlsysim's own dependencies); ``charts`` are loaded when a cell needs them.
WHEELS: dict[str, tuple[str, str]] = {
    # engine: pydantic with its compiled core (the only wasm wheel), pint and their dependencies
    "pydantic": ("2.14.3", "engine"),
    "pydantic-core": ("2.50.4", "engine"),  # cp314-pyemscripten_2026_0_wasm32 wheel on PyPI
    "annotated-types": ("0.8.0", "engine"),
    "typing-inspection": ("0.4.5", "engine"),
    "typing-extensions": ("4.16.0", "engine"),
    "pint": ("0.25.3", "engine"),  # 0.26 needs Python >= 3.12 on the CPython side
    "flexcache": ("0.3", "engine"),
    "flexparser": ("0.4", "engine"),
    "platformdirs": ("4.14.7", "engine"),
    # charts: altair and what it imports
    "altair": ("6.3.0", "charts"),
    "jinja2": ("3.1.6", "charts"),
    "markupsafe": ("3.0.4", "charts"),  # no pure wheel on PyPI: built from the sdist below
    "jsonschema": ("4.26.0", "charts"),  # with referencing, whose cached registry makes charts fast
    "referencing": ("0.37.0", "charts"),
    "jsonschema-specifications": ("2025.9.1", "charts"),
    "attrs": ("26.1.0", "charts"),
    "pyrsistent-as-rpds-py": ("2.1.0", "charts"),  # rpds-py's API in pure Python: see STANDINS
    "pyrsistent": ("0.20.0", "charts"),
    "narwhals": ("2.29.0", "charts"),
    "packaging": ("26.3", "charts"),
}
#: Parts of wheels left out of the browser bundle, as Pyodide's own distribution leaves out test
#: suites ("unvendored tests"): test suites and benchmarks, pydantic's v1 compatibility layer, and
#: narwhals' adapters for dataframe libraries that have no Pyodide wheels here (imported only
#: when such a library is already loaded); mlsysim's own command-line parts.
#: Every tutorial runs on the result in tests/browser.
PRUNE: dict[str, list[str]] = {
    # mlsysim's command line, MCP server and validation suite never run in a page
    "mlsysim": ["mlsysim/cli", "mlsysim/mcp_server.py", "mlsysim/validation", "mlsysim/data/validation"],
    "pint": ["pint/testsuite"],
    "jsonschema": ["jsonschema/tests", "jsonschema/benchmarks"],
    "referencing": ["referencing/tests"],
    "pydantic": ["pydantic/v1"],
    "narwhals": ["narwhals/testing", "narwhals/_pandas_like", "narwhals/_arrow", "narwhals/_polars", "narwhals/_dask",
                 "narwhals/_spark_like", "narwhals/_duckdb", "narwhals/_ibis", "narwhals/_sql"],
}
#: Runtime files also written gzip-compressed (``NAME.gz``). Static hosts differ in what they
#: compress, if anything; the worker fetches these and inflates them with DecompressionStream, so
#: the 9.6 MB WebAssembly binary moves as 3.5 MB everywhere. (Wheels and zips are compressed already.)
GZIP = ["pyodide.asm.wasm"]
#: Local stand-in wheels, built here: rpds-py (a Rust extension, no wasm wheel on PyPI) as a module
#: ``rpds`` that re-exports the pure-Python implementation of PyPI ``pyrsistent-as-rpds-py``, which
#: passes jsonschema's test suite. jsonschema >= 4.18 and referencing import ``rpds``. (jsonschema
#: 4.17.3 needs no rpds, but re-walks the whole Vega-Lite schema for every reference it resolves:
#: a chart took three times longer to build.)
STANDINS: dict[str, dict] = {
    "rpds-py": {
        "version": "0.25.0+pyrsistent",
        "group": "charts",
        "dependencies": ["pyrsistent-as-rpds-py==2.1.0", "pyrsistent"],
        "files": {
            "rpds/__init__.py": (
                '"""rpds-py\'s API (HashTrieMap, HashTrieSet, List, Queue) in pure Python, for jsonschema and\n'
                'referencing in the browser: a stand-in built by mlsysim\'s tools/bundle.py over PyPI\n'
                'pyrsistent-as-rpds-py."""\n\n'
                "from pyrsistent_as_rpds.pure import HashTrieMap, HashTrieSet, List, Queue\n\n"
                "is_pure_pyrsistent_as_rpds = True\n"
                '__all__ = ["HashTrieMap", "HashTrieSet", "List", "Queue"]\n'
            ),
        },
    },
}
#: Built from the sdist with the C compiler disabled: the C speedups are optional.
FROM_SDIST = {"markupsafe"}
#: Build requirements of the mlsysim wheel, cached so the wheel builds offline.
BUILD_DEPS = ["setuptools>=68", "wheel"]

THIS = "tools/bundle.py"


class BundleError(RuntimeError):
    """The runtime cannot be bundled; the message says why and what to do."""


def say(msg: str) -> None:
    print(f"[bundle] {msg}", flush=True)


def _pip(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if proc.returncode:
        tail = "\n".join(l for l in (proc.stderr or proc.stdout).splitlines() if "is ignored" not in l)[-1500:]
        raise BundleError(f"pip {' '.join(args[:2])} failed:\n{tail}")
    return proc


def npm_info() -> dict:
    """The ``info`` block of the npm package's lock (ABI, platform, Python), plus the version."""
    lock = NPM / "pyodide-lock.json"
    meta = NPM / "package.json"
    if not lock.exists() or not meta.exists():
        raise BundleError("node_modules/pyodide is missing: add pyodide to package.json and run `npm ci`")
    info = dict(json.loads(lock.read_text(encoding="utf-8"))["info"])
    info.setdefault("version", json.loads(meta.read_text(encoding="utf-8"))["version"])
    return info


def wheel_tags(info: dict) -> list[str]:
    """pip's target options for Pyodide's wheels: ``pyemscripten_2026_0_wasm32``, cp314."""
    py = "".join(info["python"].split(".")[:2])
    return ["--platform", f"pyemscripten_{info['abi_version']}_{info['arch']}", "--python-version", info["python"].rsplit(".", 1)[0],
            "--implementation", "cp", "--abi", f"cp{py}"]


def _canon(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _cached(name: str, version: str) -> Path | None:
    stem = f"{_canon(name).replace('-', '_')}-{version}-"
    found = sorted(p for p in CACHE.glob("*.whl") if p.name.lower().startswith(stem))
    return found[0] if found else None


def fetch_wheels(info: dict) -> list[Path]:
    """Every pinned wheel, from ``.cache/wheels/`` or else from PyPI (once)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out = []
    for name, (version, _) in WHEELS.items():
        have = _cached(name, version)
        if have is None:
            if name in FROM_SDIST:
                with tempfile.TemporaryDirectory() as tmp:
                    say(f"{name} {version}: building a pure wheel from the sdist (C speedups off)")
                    _pip("download", "-q", "--no-deps", "--no-binary=:all:", "-d", tmp, f"{name}=={version}")
                    sdist = next(Path(tmp).iterdir())
                    _pip("wheel", "-q", "--no-deps", "-w", str(CACHE), str(sdist), env={**os.environ, "CC": "/bin/false"})
            else:
                say(f"{name} {version}: downloading from PyPI into .cache/wheels/")
                _pip("download", "-q", "--no-deps", "--only-binary=:all:", *wheel_tags(info), "-d", str(CACHE), f"{name}=={version}")
            have = _cached(name, version)
            if have is None:
                raise BundleError(f"{name} {version}: no wheel in .cache/wheels/ after downloading it")
        out.append(have)
    return out


def build_standin(name: str) -> Path:
    """A stand-in wheel of ``STANDINS``, built once (offline) and cached by its content."""
    spec = STANDINS[name]
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    folder = CACHE / "standins" / digest
    found = sorted(folder.glob("*.whl"))
    if found:
        return found[0]
    deps = _build_deps()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        for rel, text in spec["files"].items():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_text(text, encoding="utf-8")
        packages = sorted({rel.split("/")[0] for rel in spec["files"]})
        (src / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["setuptools>=68", "wheel"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{name}"\nversion = "{spec["version"]}"\n'
            f'description = "Stand-in for {name} in Pyodide, built by mlsysim tools/bundle.py"\n'
            f"dependencies = {json.dumps(spec['dependencies'])}\n\n"
            f"[tool.setuptools]\npackages = {json.dumps(packages)}\n", encoding="utf-8")
        say(f"{name}: building the stand-in wheel")
        _pip("wheel", "-q", "--no-deps", "--no-index", "--find-links", str(deps), "-w", str(folder), str(src))
    return next(folder.glob("*.whl"))


def _build_deps() -> Path:
    deps = CACHE / "build-deps"
    if not any(deps.glob("setuptools-*.whl")):
        say("caching the wheel's build requirements into .cache/wheels/build-deps/")
        _pip("download", "-q", "-d", str(deps), *BUILD_DEPS)
    return deps


def build_mlsysim_wheel(dest: Path) -> Path:
    """The mlsysim wheel from the working tree, built offline from cached build requirements."""
    deps = _build_deps()
    with tempfile.TemporaryDirectory() as tmp:
        # build from a copy of the package alone: no egg-info or build/ left in the working tree
        src = Path(tmp) / "src"
        src.mkdir()
        for f in ("pyproject.toml", "README.md", "LICENSE"):
            if (ROOT / f).exists():
                shutil.copy(ROOT / f, src / f)
        shutil.copytree(ROOT / "mlsysim", src / "mlsysim", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        out = Path(tmp) / "out"
        _pip("wheel", "-q", "--no-deps", "--no-index", "--find-links", str(deps), "-w", str(out), str(src))
        whl = next(out.glob("mlsysim-*.whl"))
        target = dest / whl.name
        shutil.copy(whl, target)
    return target


# The compiler: Pyodide's own CPython in Node, over a folder of unpacked wheels mounted from disk.
# Bytecode is hash-based and unchecked (no timestamps): the output is reproducible and never
# revalidated against a source file at import time.
_COMPILE_JS = r"""
import { loadPyodide } from "%(pyodide)s";
const [root, plan] = [process.argv[2], process.argv[3]];
const py = await loadPyodide({ indexURL: "%(index)s", stdout: () => {}, stderr: (s) => console.error(s) });
py.FS.mkdirTree("/work");
py.FS.mount(py.FS.filesystems.NODEFS, { root }, "/work");
py.globals.set("PLAN", plan);
py.runPython(`
import json, os, py_compile, sys
for folder, keep_source, prefix in json.loads(PLAN):
    base = "/work/" + folder
    for dirpath, dirnames, files in os.walk(base):
        for f in files:
            if not f.endswith(".py"):
                continue
            src = os.path.join(dirpath, f)
            shown = prefix + os.path.relpath(src, base)
            if keep_source:
                cfile = os.path.join(dirpath, "__pycache__", f[:-3] + "." + sys.implementation.cache_tag + ".pyc")
            else:
                cfile = src[:-3] + ".pyc"
            py_compile.compile(src, cfile=cfile, dfile=shown, doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                               optimize=0)
            if not keep_source:
                os.remove(src)
`);
"""

_EPOCH = (1980, 1, 1, 0, 0, 0)


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _unpack(whl: Path, dest: Path) -> None:
    with zipfile.ZipFile(whl) as z:
        z.extractall(dest)


def _repack(folder: Path, whl: Path) -> None:
    """Zip ``folder`` into ``whl`` reproducibly (sorted names, fixed dates), with a new RECORD
    when it is a wheel."""
    record = next(folder.glob("*.dist-info/RECORD"), None)
    if record is None:  # the standard library's zip
        with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            for p in sorted(p for p in folder.rglob("*") if p.is_file()):
                info = zipfile.ZipInfo(p.relative_to(folder).as_posix(), _EPOCH)
                info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
                z.writestr(info, p.read_bytes())
        return
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p != record)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for p in files:
            data = p.read_bytes()
            name = p.relative_to(folder).as_posix()
            w.writerow([name, _record_hash(data), len(data)])
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            z.writestr(info, data)
        w.writerow([record.relative_to(folder).as_posix(), "", ""])
        info = zipfile.ZipInfo(record.relative_to(folder).as_posix(), _EPOCH)
        info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
        z.writestr(info, buf.getvalue())


def precompile(archives: list[Path], python: str, keep_source: frozenset = frozenset({"mlsysim"})) -> list[Path]:
    """Each wheel, and the standard library's zip, with its modules compiled to bytecode by
    Pyodide's own interpreter (one Node run for all of them).

    The npm package's ``python_stdlib.zip`` holds sources: compiled, Python starts about twice as
    fast. Results are cached in ``.cache/wheels/pyc/`` by the digest of the input and of this
    file, so only a changed archive (in practice: the mlsysim wheel) is compiled again."""
    major, minor = python.split(".")[:2]
    node = shutil.which("node")
    if node is None:
        raise BundleError("node is not on PATH: the wheels are compiled to bytecode by Pyodide running in Node")
    out, todo = [], []
    for whl in archives:
        # what the compiled archive depends on: its input, the compiler, and what is pruned from it
        recipe = json.dumps([_COMPILE_JS, PRUNE.get(whl.name.split("-")[0].lower()), sorted(keep_source)])
        key = hashlib.sha256(whl.read_bytes()).hexdigest()[:16] + "-" + hashlib.sha256(recipe.encode()).hexdigest()[:8]
        cached = CACHE / "pyc" / key / whl.name
        out.append(cached)
        if not cached.exists():
            todo.append((whl, cached))
    if todo:
        with tempfile.TemporaryDirectory() as tmp:
            plan = []
            for i, (whl, _) in enumerate(todo):
                _unpack(whl, Path(tmp) / str(i))
                name = whl.name.split("-")[0].lower()
                for part in PRUNE.get(name, []):
                    target = Path(tmp) / str(i) / part
                    if not target.exists():
                        raise BundleError(f"{whl.name}: {part} does not exist (PRUNE in {THIS})")
                    shutil.rmtree(target) if target.is_dir() else target.unlink()
                if whl.suffix == ".whl":
                    plan.append([str(i), name in keep_source, f"/lib/python{major}.{minor}/site-packages/"])
                else:
                    plan.append([str(i), False, f"/lib/python{major}{minor}.zip/"])
            script = Path(tmp) / "compile.mjs"
            script.write_text(_COMPILE_JS % {"pyodide": (NPM / "pyodide.mjs").as_uri(), "index": str(NPM) + "/"}, encoding="utf-8")
            say(f"compiling {', '.join(w.name.split('-')[0] for w, _ in todo)} to bytecode with Pyodide's Python (Node)")
            proc = subprocess.run([node, str(script), tmp, json.dumps(plan)], capture_output=True, text=True, cwd=tmp)
            if proc.returncode:
                raise BundleError(f"compiling to bytecode failed:\n{proc.stderr[-2000:]}")
            for i, (whl, cached) in enumerate(todo):
                cached.parent.mkdir(parents=True, exist_ok=True)
                _repack(Path(tmp) / str(i), cached)
    return out


def _put(src: Path, dest: Path) -> Path:
    """Copy a file into place atomically (a page loading meanwhile sees the old or the new one)."""
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.copy(src, tmp)
    os.replace(tmp, dest)
    return dest


def write_lock(info: dict, wheels: list[Path], served: list[Path], folder: Path) -> dict:
    """``pyodide-lock.json`` for the ``served`` wheels in ``folder``, by pyodide-lock's own tooling.

    Names, versions, imports and depends are read from the original ``wheels`` (the compiled
    ones have no ``.py`` files to find the imports by); the sha256 is the served file's.

    pyodide-lock 0.1.2 checks a wheel's platform tag against ``info.platform``, which for the new
    ABI is the wheel tag ``pyemscripten_<abi_version>``, not the lock's ``emscripten_<version>``:
    the wheels are checked against the former, and the written lock carries the npm ``info``."""
    try:
        from pyodide_lock import InfoSpec, PyodideLockSpec
        from pyodide_lock.utils import add_wheels_to_spec, update_package_sha256
    except ImportError as exc:
        raise BundleError(f"{exc}: pip install 'pyodide-lock[wheel]==0.1.2' (the site extra)") from None
    real = InfoSpec(**info)
    check = real.model_copy(update={"platform": f"pyemscripten_{info['abi_version']}"})
    spec = add_wheels_to_spec(PyodideLockSpec(info=check, packages={}), wheels, base_path=wheels[0].parent)
    spec = spec.model_copy(update={"info": real})
    by_name = {p.name: p for p in served}
    for pkg in spec.packages.values():
        path = by_name.get(Path(pkg.file_name).name)
        if path is None or path.parent != folder:
            raise BundleError(f"{pkg.file_name}: not among the served wheels in {folder}")
        update_package_sha256(pkg, path)
    spec.check_wheel_filenames()
    lock = folder / "pyodide-lock.json"
    spec.to_json(lock, indent=1)
    return json.loads(lock.read_text(encoding="utf-8"))


def _closure(lock: dict, names: list[str]) -> list[str]:
    """The wheel files ``loadPackage(names)`` fetches: the packages and all they depend on."""
    seen, todo = [], list(names)
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.append(name)
        todo += lock["packages"][name]["depends"]
    return [lock["packages"][n]["file_name"] for n in seen]


def _files_by_group(lock: dict) -> dict[str, list[str]]:
    """Each group's wheel files, without those an earlier group already loads."""
    out, seen = {}, set()
    for g, names in groups().items():
        files = [f for f in _closure(lock, names) if f not in seen]
        seen.update(files)
        out[g] = files
    return out


def groups() -> dict[str, list[str]]:
    """Package names to load, by group: what ``site/live/worker.js`` reads from ``runtime.json``."""
    return {"engine": ["mlsysim"], "charts": ["altair"]}  # loadPackage follows the lock's depends


def bundle(out: Path = OUT) -> dict:
    """Write the wheels, ``pyodide-lock.json`` and ``runtime.json`` into ``out``; return a summary."""
    info = npm_info()
    for f in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"):
        if not (out / f).exists():
            if not (NPM / f).exists():
                raise BundleError(f"node_modules/pyodide/{f} is missing: run `npm ci`")
            out.mkdir(parents=True, exist_ok=True)
            shutil.copy(NPM / f, out / f)
    with tempfile.TemporaryDirectory() as tmp:
        originals = fetch_wheels(info)
        originals += [build_standin(name) for name in STANDINS]
        originals.append(build_mlsysim_wheel(Path(tmp)))
        staged = Path(tmp) / "originals"  # one folder: the lock's file names are relative to it
        staged.mkdir()
        for w in originals:
            shutil.copy(w, staged / w.name)
        originals = [staged / w.name for w in originals]
        compiled = precompile([*originals, NPM / "python_stdlib.zip"], info["python"])
        wheels = [_put(w, out / w.name) for w in compiled[:-1]]
        _put(compiled[-1], out / "python_stdlib.zip")
        lock = write_lock(info, originals, wheels, out)
    for old in out.glob("*.whl"):  # wheels of earlier builds, once the new lock is in place
        if old not in wheels:
            old.unlink()
    gzipped = []
    for name in GZIP:  # served compressed whatever the web server does: site/live/worker.js inflates them
        data = (NPM / name).read_bytes()
        tmp = out / (name + ".gz.tmp")
        tmp.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        os.replace(tmp, out / (name + ".gz"))
        gzipped.append(name)
    missing = sorted({d for p in lock["packages"].values() for d in p["depends"]} - set(lock["packages"]))
    if missing:
        raise BundleError(f"the lock's packages depend on {', '.join(missing)}: add them to WHEELS in {THIS}")
    # the runtime's own manifest: what to load, and the lock's digest (a cache-buster for the worker)
    digest = hashlib.sha256((out / "pyodide-lock.json").read_bytes()).hexdigest()[:16]
    manifest = {"pyodide": info["version"], "python": info["python"], "lock": digest, "groups": groups(), "gzip": gzipped,
                "files": _files_by_group(lock),
                "bytes": {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}}
    (out / "runtime.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in wheels)
    return {"wheels": len(wheels), "wheel_bytes": total, "lock": digest}


def main(argv: list[str] | None = None) -> int:
    try:
        s = bundle()
    except BundleError as e:
        print(f"[bundle] error: {e}", file=sys.stderr)
        return 1
    say(f"site/vendor/pyodide/: {s['wheels']} wheels ({s['wheel_bytes'] / 1e6:.1f} MB), pyodide-lock.json {s['lock']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
