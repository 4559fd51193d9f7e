"""The textbook and slides mapping (mlsysim/data/textbook.toml, mlsysim/textbook.py)."""

import inspect
from urllib.parse import urlparse

import pytest

import mlsysim
from mlsysim.textbook import chapters_for, decks, layers, solvers


def _solver_classes():
    """Every class mlsysim exports that answers with ``solve`` or ``evaluate``."""
    out = []
    for name in mlsysim._EXPORTS:
        obj = getattr(mlsysim, name)
        if inspect.isclass(obj) and (hasattr(obj, "solve") or hasattr(obj, "evaluate")):
            out.append(name)
    return sorted(out)


@pytest.mark.parametrize("name", _solver_classes())
def test_every_exported_solver_has_chapters(name):
    ds = chapters_for(name)
    assert ds, f"{name} has no deck"
    assert chapters_for(getattr(mlsysim, name)) == ds


def test_the_seed_mapping_is_kept():
    assert [d.title for d in chapters_for("ServingModel")] == ["Model Serving", "Inference at Scale"]
    assert [(d.volume, d.chapter) for d in chapters_for("ReliabilityModel")] == [(2, 7)]
    assert [d.title for d in chapters_for("SingleNodeModel")] == ["Model Training", "Hardware Acceleration",
                                                                    "Benchmarking", "Performance Engineering"]
    for n in ("SingleNodeModel", "ServingModel", "DistributedModel", "EconomicsModel", "SustainabilityModel",
              "ReliabilityModel"):
        assert solvers()[n]["basis"] == "seed"


def test_layers_a_to_e():
    assert list(layers()) == ["A", "B", "C", "D", "E"]
    assert chapters_for("C") == chapters_for("infrastructure")
    assert chapters_for("C")[0].title == "Sustainable AI"


def test_every_link_is_https():
    for d in decks().values():
        for url in (d.pdf, d.slides):
            u = urlparse(url)
            assert u.scheme == "https" and u.netloc, url
        assert d.pdf.rsplit("/", 1)[-1].startswith(f"{d.id}_"), d.pdf  # the prefixed release assets
        assert d.volume in (1, 2) and d.chapter > 0 and d.title and d.key_concepts


def test_every_referenced_deck_exists():
    for entry in list(solvers().values()) + list(layers().values()):
        for deck in entry["decks"]:
            assert deck in decks(), deck
    for entry in solvers().values():
        assert entry["basis"] in ("seed", "mlsysim")


def test_unknown_name_suggests():
    with pytest.raises(KeyError, match="ServingModel"):
        chapters_for("ServingModle")
