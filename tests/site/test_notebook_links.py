"""Each tutorial's notebook (tools/gen_notebooks.py): built from the page, linked from it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_site"


def _gen():
    spec = importlib.util.spec_from_file_location("_t_gen_notebooks", ROOT / "tools" / "gen_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


TUTORIALS = [p for p in sorted((ROOT / "tutorials").glob("*.qmd")) if ".live-cell" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("page", TUTORIALS, ids=lambda p: p.stem)
def test_notebook_mirrors_the_page(page):
    nb = _gen().notebook(page)
    text = page.read_text(encoding="utf-8")
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) == text.count(".live-cell") + (1 if ".live-widget" in text else 0)
    for name in re.findall(r'\.live-widget name="(\w+)"', text):
        assert re.search(rf"^{name} = ", code[0]["source"], re.M), name


@pytest.mark.skipif(not (SITE / "notebooks").exists(), reason="_site/ is not built")
def test_tutorial_pages_link_their_notebook():
    for page in TUTORIALS:
        html = (SITE / "tutorials" / f"{page.stem}.html").read_text(encoding="utf-8")
        assert f'href="../notebooks/{page.stem}.ipynb"' in html, page.stem
        assert html.count("<!-- mlsysim:notebook -->") == 1
        assert (SITE / "notebooks" / f"{page.stem}.ipynb").exists()
