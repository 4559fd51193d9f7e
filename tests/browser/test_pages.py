"""Every page of the built site, in Chromium: no request to another origin, no console error.

Pages with live cells are followed until every cell has run, so the runtime's own requests
(worker, Pyodide, wheels, vega) are checked too.
"""

from __future__ import annotations

import pytest
from livehelp import SITE, Watched, wait_idle

pytestmark = pytest.mark.browser


def test_every_page_is_local_and_error_free(browser, site_url):
    pages = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                   if "vendor" not in p.parts and "site_libs" not in p.parts)
    assert pages
    ctx = browser.new_context()
    problems = []
    for rel in pages:
        page = ctx.new_page()
        w = Watched(page, site_url)
        page.goto(site_url + rel, wait_until="load")
        if page.locator("#live-page").count():
            wait_idle(page)
        else:
            page.wait_for_timeout(50)
        if w.foreign():
            problems.append(f"{rel}: requests to other origins: {w.foreign()}")
        if w.errors:
            problems.append(f"{rel}: console errors: {w.errors}")
        page.close()
    ctx.close()
    assert not problems, "\n".join(problems)
