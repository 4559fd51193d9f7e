"""Every tutorial's generated notebook (tools/gen_notebooks.py) runs top to bottom in CPython."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient", reason="the `dev` extra has nbclient")
nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = [p for p in sorted((ROOT / "tutorials").glob("*.qmd")) if ".live-cell" in p.read_text(encoding="utf-8")]


def _gen():
    spec = importlib.util.spec_from_file_location("_t_gen_notebooks", ROOT / "tools" / "gen_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("page", TUTORIALS, ids=lambda p: p.stem)
def test_notebook_executes(page, tmp_path):
    nb = nbformat.from_dict(_gen().notebook(page))
    nbformat.validate(nb)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
