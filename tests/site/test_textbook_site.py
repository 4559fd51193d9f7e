"""The "Textbook and slides" callouts, generated from mlsysim/data/textbook.toml: per layer on
the architecture page, the solver guide's chapter table, and each solver's reference page."""

from __future__ import annotations


import pytest

from mlsysim import textbook
from _sitehelp import ROOT, SITE, _tool, built


def test_layer_callouts_follow_the_data():
    gen = _tool("gen_textbook")
    for letter in "ABCDE":
        text = gen.layer_callout(letter)
        assert "## Textbook and slides" in text
        for d in textbook.chapters_for(letter):
            assert d.pdf in text and d.title in text


def test_solver_table_lists_every_solver_with_a_reference_page():
    gen = _tool("gen_textbook")
    table = gen.solver_table()
    pages = gen.reference_pages()
    for name in textbook.solvers():
        assert f"[`{name}`](../reference/{pages[name]}.qmd)" in table, name


def test_pages_include_the_generated_blocks():
    arch = (ROOT / "site" / "architecture.qmd").read_text(encoding="utf-8")
    for letter in "ABCDE":
        assert f"_generated/textbook/layer_{letter}.qmd" in arch
    assert "_generated/textbook/solvers.qmd" in (ROOT / "site" / "solver-guide.qmd").read_text(encoding="utf-8")


def test_reference_renderer_appends_the_callout():
    pytest.importorskip("quartodoc")
    import sys

    sys.path.insert(0, str(ROOT))
    from tools import reference_renderer as rr

    text = rr._textbook("ServingModel")
    assert "Textbook and slides" in text
    assert all(d.pdf in text for d in textbook.chapters_for("ServingModel"))
    assert rr._textbook("HardwareNode") == ""


@built
def test_built_pages_show_callouts():
    assert (SITE / "site" / "architecture.html").read_text(encoding="utf-8").count("Textbook and slides") == 5
    for name in ("ServingModel", "SingleNodeModel", "ReliabilityModel", "locality.PlacementModel"):
        assert "Textbook and slides" in (SITE / "reference" / f"{name}.html").read_text(encoding="utf-8"), name
    guide = (SITE / "site" / "solver-guide.html").read_text(encoding="utf-8")
    assert "vol2_09_inference_at_scale.pdf" in guide or "Inference at Scale" in guide
