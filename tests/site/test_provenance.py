"""Provenance you can see: a source badge on every number of the zoo catalogs, and the
Source freshness report (tools/gen_provenance.py) with a configurable age."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from _sitehelp import ROOT, SITE, _tool


@pytest.fixture(scope="module")
def zoo_pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("zoo")
    _tool("gen_zoo").main(["--out", str(out)])
    return {p.stem: p.read_text(encoding="utf-8") for p in out.glob("*.qmd")}


BADGE = re.compile(r'<sup class="src-badge"><a href="(https?://[^"]+)" title="([^"]+)" aria-label="([^"]+)">✓ src</a></sup>')


@pytest.mark.parametrize("page", ["hardware", "models", "systems", "infra"])
def test_zoo_numbers_carry_badges(zoo_pages, page):
    badges = BADGE.findall(zoo_pages[page])
    assert len(badges) >= 5, page
    for url, title, label in badges:
        assert "retrieved" in title, title
        assert label.startswith(("source of", "per-field source of")), label


def test_per_field_sources_are_used(zoo_pages):
    # Grids cite one document per field: their badges point to those, not to the entry's [source]
    zoo = _tool("gen_zoo")
    grid = next(g for g in zoo.load("grids") if zoo.get(g, "sources"))
    field, src = next(iter(dict(grid.sources).items()))
    assert zoo.field_source(grid, field) is src
    assert f'href="{src.url}"' in zoo.badge(grid, field)
    assert "per-field source of" in zoo_pages["infra"]


@pytest.fixture(scope="module")
def prov():
    return _tool("gen_provenance")


def test_report_empty_with_default_threshold(prov):
    items = prov.sources()
    assert len(items) > 50
    newest = max(c.retrieved for c in items if c.retrieved)
    text = prov.page(365, newest, items)
    assert "**None.** No source was retrieved more than 365 days ago." in text


def test_report_lists_entries_with_small_threshold(prov):
    items = prov.sources()
    newest = max(c.retrieved for c in items if c.retrieved)
    later = newest + dt.timedelta(days=10)
    old, undated = prov.stale(items, 3, later)
    assert len(old) == sum(1 for c in items if c.retrieved)
    text = prov.page(3, later, items)
    assert "older than 3 days" in text
    assert text.count("\n| [") == len(old) + len(undated)
    assert "(10 days)" in text


def test_threshold_from_config_and_env(prov, monkeypatch):
    monkeypatch.delenv("MLSYSIM_STALE_DAYS", raising=False)
    assert prov.stale_days_setting() == 365  # _quarto.yml: mlsysim: stale-days: 365
    monkeypatch.setenv("MLSYSIM_STALE_DAYS", "7")
    assert prov.stale_days_setting() == 7


@pytest.mark.skipif(not (SITE / "site" / "provenance.html").exists(), reason="_site/ is not built")
def test_built_pages():
    assert "Source freshness" in (SITE / "site" / "provenance.html").read_text(encoding="utf-8")
    html = (SITE / "zoo" / "hardware.html").read_text(encoding="utf-8")
    assert html.count('class="src-badge"') >= 20
