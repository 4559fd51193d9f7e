"""The API reference documents every public class and chart function, usefully.

Public means: a class in ``mlsysim.__all__``, in the ``__all__`` of a layer-types, solver,
evaluation or config module, and the chart functions of ``mlsysim.charts``. Each must have a
quartodoc page in ``reference/`` (an anchor ``{ #<defining module>.<name> }``) and a built HTML
page. Typed classes (pydantic specs, solver results) must show a Fields table, not only
``Name(**data)``. When a solver module is added: ``python tools/reference_sections.py``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "reference"
SITE = ROOT / "_site"

pytestmark = [
    pytest.mark.site,
    pytest.mark.skipif(not (REF / "index.qmd").exists(), reason="reference/ is not built: run `make site` first"),
]

MODULES = [
    "mlsysim.models.types", "mlsysim.hardware.types", "mlsysim.infra.types", "mlsysim.systems.types",
    "mlsysim.evaluation.evaluator", "mlsysim.evaluation.scorecard", "mlsysim.evaluation.walls",
    "mlsysim.evaluation.scenarios", "mlsysim.config.schema", "mlsysim.config.loader",
]
CHARTS = ["roofline", "scorecard", "scaling", "carbon_by_region", "cost_by_region"]
ANCHOR = re.compile(r"\{ #([\w.]+) \}")


def public_objects() -> dict[str, str]:
    """Dotted path in the defining module -> where it was found public."""
    import mlsysim
    import mlsysim.solvers

    out: dict[str, str] = {}

    def add(obj, where):
        if inspect.isclass(obj) and obj.__module__.startswith("mlsysim") and not obj.__name__.startswith("_"):
            out.setdefault(f"{obj.__module__}.{obj.__qualname__}", where)

    for name in mlsysim.__all__:
        if name != "__version__":
            add(getattr(mlsysim, name), "mlsysim")
    solver_mods = [f"mlsysim.solvers.{m.name}" for m in pkgutil.iter_modules(mlsysim.solvers.__path__) if not m.name.startswith("_")]
    for modname in MODULES + solver_mods:
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name, None)
            if inspect.isclass(obj) and obj.__module__ == modname:
                add(obj, modname)
    charts = importlib.import_module("mlsysim.charts")
    for name in CHARTS:
        f = getattr(charts, name)
        out[f"{f.__module__}.{f.__name__}"] = "mlsysim.charts"
    return out


def documented() -> dict[str, Path]:
    found = {}
    for page in REF.glob("*.qmd"):
        for anchor in ANCHOR.findall(page.read_text(encoding="utf-8")):
            found.setdefault(anchor, page)
    return found


def test_every_public_class_has_a_reference_page():
    docs = documented()
    missing = sorted(f"{path} (public in {where})" for path, where in public_objects().items() if path not in docs)
    assert not missing, (
        f"{len(missing)} public objects have no API reference page; add them to the quartodoc sections of "
        "_quarto.yml (solvers: python tools/reference_sections.py):\n  " + "\n  ".join(missing)
    )


def test_reference_pages_are_built():
    if not (SITE / "index.html").exists():
        pytest.skip("_site/ is not built")
    docs = documented()
    pages = {docs[p] for p in public_objects() if p in docs}
    unbuilt = sorted(p.name for p in pages if not (SITE / "reference" / p.with_suffix(".html").name).exists())
    assert not unbuilt, f"reference pages not rendered: {unbuilt}"


@pytest.mark.parametrize("cls", ["HardwareNode", "TransformerWorkload", "Fleet", "GridProfile", "PerformanceProfile", "ServingResult", "SimulationConfig"])
def test_typed_classes_show_their_fields(cls):
    page = REF / f"{cls}.qmd"
    assert page.exists(), f"reference/{cls}.qmd missing"
    text = page.read_text(encoding="utf-8")
    assert "## Fields" in text, f"reference/{cls}.qmd has no Fields table (tools/reference_renderer.py)"
    assert f"{cls}(**data)" not in text, f"reference/{cls}.qmd still shows the empty pydantic signature"


def test_result_fields_carry_units():
    text = (REF / "PerformanceProfile.qmd").read_text(encoding="utf-8")
    row = next((line for line in text.splitlines() if line.startswith("| `latency` |")), "")
    assert "`ms`" in row, f"latency row without its unit: {row!r}"


def test_quantity_fields_state_their_dimension():
    text = (REF / "MemoryHierarchy.qmd").read_text(encoding="utf-8")
    row = next((line for line in text.splitlines() if line.startswith("| `bandwidth` |")), "")
    assert "bandwidth" in row and "TB/s" in row, f"bandwidth row without its dimension and example: {row!r}"
