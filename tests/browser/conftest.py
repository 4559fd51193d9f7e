"""Fixtures for the browser tests: the built site served on a free loopback port by
tools/serve.py (started and stopped here), and Debian's Chromium driven by Playwright (never
`playwright install`). Every test module here sets ``pytestmark = pytest.mark.browser``."""

from __future__ import annotations

import shutil

import pytest
from livehelp import ARGS, CHROMIUM, SITE, Watched, serve, skip_reason, stop


@pytest.fixture(scope="session")
def site_url():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    proc, base = serve(SITE)
    yield base
    stop(proc)


@pytest.fixture(scope="session")
def browser():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def watched(browser, site_url):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    page = ctx.new_page()
    w = Watched(page, site_url)
    yield w
    ctx.close()


@pytest.fixture
def broken_site(tmp_path):
    """A copy of the site (symbolic links) where a test can break a file of the runtime."""

    def make(mutate):
        root = tmp_path / "site"
        root.mkdir()
        for entry in SITE.iterdir():
            (root / entry.name).symlink_to(entry)
        vendor = root / "site"
        vendor.unlink()
        vendor.mkdir()
        for entry in (SITE / "site").iterdir():
            (vendor / entry.name).symlink_to(entry)
        (vendor / "vendor").unlink()
        (vendor / "vendor").mkdir()
        for entry in (SITE / "site" / "vendor").iterdir():
            (vendor / "vendor" / entry.name).symlink_to(entry)
        py = vendor / "vendor" / "pyodide"
        py.unlink()
        shutil.copytree(SITE / "site" / "vendor" / "pyodide", py)
        mutate(py)
        return root

    procs = []

    def start(mutate):
        proc, base = serve(make(mutate))
        procs.append(proc)
        return base

    yield start
    for p in procs:
        stop(p)

