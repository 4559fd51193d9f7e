"""The landing page: the hero roofline (generations stepped by site/assets/hero.js) and the
capability carousel (tools/gen_carousel.py), both computed at build time; reduced motion and
keyboard use."""

from __future__ import annotations

import json
import re

import pytest
from _sitehelp import ROOT, SITE, _tool, built


@pytest.fixture(scope="module")
def hero():
    pytest.importorskip("altair")
    return _tool("gen_charts").hero_spec()


def test_hero_spec_is_valid_vega_lite_with_four_generations(hero):
    jsonschema = pytest.importorskip("jsonschema")
    from altair.vegalite.v6.schema import core

    schema = core.load_schema()
    spec = json.loads(json.dumps(hero, allow_nan=False))
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(spec))
    assert not errors, errors[0].message
    gens = spec["usermeta"]["generations"]
    assert len(gens) >= 4
    assert [g["id"] for g in gens][:4] == ["V100", "A100", "H100", "B200"]
    assert spec["params"][0]["name"] == "gen"
    # the ridge point differs between generations: it visibly moves
    assert len({round(g["ridge"]) for g in gens}) == len(gens)
    for layer in spec["layer"]:
        rows = layer["data"]["values"]
        assert {r["gen"] for r in rows} == set(range(len(gens)))
        assert any("gen" in t.get("filter", "") for t in layer["transform"])


def test_carousel_has_six_computed_cards():
    cards = _tool("gen_carousel").cards()
    assert len(cards) == 6
    for c in cards:
        assert re.search(r"\d|Yes|No", c.number), c
        assert (ROOT / "tutorials" / f"{c.tutorial}.qmd").exists(), c.tutorial
        assert re.search(r"\d", c.detail)


@built
def test_built_landing_page():
    html = (SITE / "index.html").read_text(encoding="utf-8")
    assert 'data-mlsysim-hero="landing-hero-spec"' in html
    assert 'id="landing-hero-spec"' in html and "site/assets/hero.js" in html
    assert re.search(r'<button[^>]*class="hero-play"', html), "the hero needs a visible Play/Pause button"
    assert len(re.findall(r'class="hero-gen"', html)) >= 4
    cards = re.findall(r'<li class="cap-card" tabindex="0".*?</li>', html, re.S)
    assert len(cards) == 6
    for card in cards:
        assert re.search(r'class="cap-number">[^<]*[\dA-Za-z]', card)
        tut = re.search(r'href="(tutorials/[\w-]+\.html)"', card)
        ref = re.search(r'href="(reference/[\w.]+\.html)"', card)
        assert tut and (SITE / tut.group(1)).exists(), card
        assert ref and (SITE / ref.group(1)).exists(), card


def test_reduced_motion_and_keyboard():
    css = (ROOT / "site" / "assets" / "styles.css").read_text(encoding="utf-8")
    block = css[css.index("@media (prefers-reduced-motion: reduce)"):]
    assert "transition: none" in block and "scroll-behavior: auto" in block
    assert ":focus-visible" in css
    js = (ROOT / "site" / "assets" / "hero.js").read_text(encoding="utf-8")
    assert "prefers-reduced-motion: reduce" in js
    assert "setPlaying(!reduce.matches)" in js, "no auto-advance under reduced motion"
    assert "mouseenter" in js and "focusin" in js, "pause on hover and focus"
    assert "ArrowRight" in js and "ArrowLeft" in js
