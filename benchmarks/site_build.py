"""How long the web book takes to build: from a clean tree, and again after one page changes.

    python benchmarks/site_build.py [--keep] [--touch site/math.qmd]

The repository is copied into a temporary folder (without ``.git``, ``.venv``, build output,
generated pages or copied assets), with ``node_modules/`` and the wheel cache ``.cache/`` linked,
not copied: "clean" means clean after the downloads, as on a developer's machine after
``make setup``. Then, in the copy, with this interpreter (``.venv/bin/python``):

1. **full build**: ``tools/build_site.py`` from nothing (every generator, quartodoc, the assets,
   the Pyodide bundle, the render, the post-render check);
2. **no-op rebuild**: the same command again, nothing changed (every stage should skip);
3. **incremental rebuild**: after touching one hand-written page (default ``site/math.qmd``).

Prints one line per run with the stage times the build reported. The working tree is never
touched. Exits 1 when a build fails.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".git", ".venv", "_site", "reference", ".site-build", ".bench", ".pytest_cache", ".hypothesis", ".quarto",
        "node_modules", ".cache", "build", "dist", "__pycache__", "objects.json", "_version.yml"}
LINK = ("node_modules", ".cache")  # the downloads: reused, not rebuilt
GENERATED_DIRS = ("site/_generated", "site/vendor")


def generated_outputs() -> set[str]:
    """Every generator's OUTPUTS (tools/gen_*.py), read without importing them."""
    out = set()
    for gen in (ROOT / "tools").glob("gen_*.py"):
        m = re.search(r"^OUTPUTS\s*=\s*\[(.*?)\]", gen.read_text(encoding="utf-8"), re.S | re.M)
        if m:
            out.update(re.findall(r"[\"']([^\"']+\.qmd)[\"']", m.group(1)))
    return out


def copy_tree(dest: Path) -> None:
    skip_files = generated_outputs()

    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).resolve().relative_to(ROOT)
        out = {n for n in names if n in SKIP or n.endswith(".egg-info")}
        out |= {n for n in names if (rel / n).as_posix() in skip_files or (rel / n).as_posix() in GENERATED_DIRS}
        return out

    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    for name in LINK:
        if (ROOT / name).exists():
            (dest / name).symlink_to(ROOT / name, target_is_directory=True)


def build(tree: Path, label: str) -> float:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "tools/build_site.py"], cwd=tree, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t
    if proc.returncode:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"{label}: the build failed (exit {proc.returncode})")
    stages = re.findall(r"^\[site\] (\w+): ([\d.]+) s$", proc.stdout, re.M)
    detail = ", ".join(f"{name} {float(sec):.1f}" for name, sec in stages if float(sec) >= 0.1)
    print(f"{label:<30} {dt:7.1f} s   ({detail or 'every stage skipped'})", flush=True)
    return dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--touch", default="site/math.qmd", help="the page changed before the incremental rebuild")
    ap.add_argument("--keep", action="store_true", help="keep the temporary copy (its path is printed)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="mlsysim-site-bench-"))
    tree = tmp / "repo"
    try:
        t = time.perf_counter()
        copy_tree(tree)
        print(f"site build benchmark in {tree} (copied in {time.perf_counter() - t:.1f} s); python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        full = build(tree, "full build (clean)")
        noop = build(tree, "no-op rebuild")
        page = tree / args.touch
        page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        incr = build(tree, f"incremental ({args.touch})")
        print(f"summary: full {full:.1f} s, no-op {noop:.1f} s, incremental {incr:.1f} s")
    finally:
        if args.keep:
            print(f"kept {tree}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
