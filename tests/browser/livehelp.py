"""Helpers of the browser tests (fixtures are in conftest.py): the built site served on a free loopback port by
tools/serve.py, and Debian's Chromium driven by Playwright (never `playwright install`).

Every page a test opens records its requests and console errors; the helpers check that nothing
came from another origin and nothing was logged as an error.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_site"
CHROMIUM = os.environ.get("MLSYSIM_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
READY_TIMEOUT_MS = 120_000  # a cold start on a loaded 2-core machine; typically 5-8 s

TUTORIALS = sorted(p.stem for p in (ROOT / "tutorials").glob("*.qmd") if p.stem != "index")


def skip_reason() -> str | None:
    if not (SITE / "index.html").exists():
        return "_site/ is not built: run `make site` (or python tools/build_site.py) first"
    if not any((SITE / "tutorials").glob("*.html")):
        return "_site/tutorials/ has no pages"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: apt-get install chromium (make chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[dev]'"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(directory: Path):
    """tools/serve.py on a free loopback port; returns (process, base URL). Bounded: 15 s to start."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "serve.py"), "--host", "127.0.0.1", "--port", str(port),
                             "--dir", str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tools/serve.py exited with {proc.returncode}")
        try:
            urllib.request.urlopen(base + "index.html", timeout=1).close()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("tools/serve.py did not answer within 15 s")


def stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


class Watched:
    """A page with its requests and console errors recorded."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def _console(self, msg):
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if url.endswith("/favicon.ico"):  # the browser asks for it by itself; the site has none
            return
        self.errors.append(f"{msg.text} ({url})")

    def foreign(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.base) or u.startswith(("data:", "blob:", "about:")))]

    def open(self, path: str, ready: bool = True):
        self.page.goto(self.base + path)
        if ready:
            wait_idle(self.page)
        return self.page


def wait_idle(page, timeout: int = READY_TIMEOUT_MS) -> None:
    """Until every live cell of the page has run (or the runtime failed, which fails the test)."""
    page.wait_for_function("window.mlsysimLive && (window.mlsysimLive.idle || document.documentElement.dataset.liveFailed)",
                           timeout=timeout)
    failed = page.evaluate("document.documentElement.dataset.liveFailed || null")
    assert not failed, f"the runtime failed at stage {failed}: " + page.inner_text(".live-status")


