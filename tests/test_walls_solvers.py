"""Every wall of the 22 names a solver that imports and has a solve method."""

import importlib

import pytest

from mlsysim.evaluation.walls import WALLS


@pytest.mark.parametrize("wall", WALLS, ids=[w.id for w in WALLS])
def test_wall_solver_imports_and_solves(wall):
    module, name = wall.solver.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    assert callable(getattr(cls, "solve", None)), f"{wall.solver} has no solve method"
    assert cls.solve.__doc__, f"{wall.solver}.solve has no docstring"


@pytest.mark.parametrize("wall", WALLS, ids=[w.id for w in WALLS])
def test_every_wall_has_a_running_example(wall, capsys):
    """The walls page shows each wall's example as a live cell; each must run and print."""
    import mlsysim

    assert wall.example, f"{wall.id} has no example"
    exec(wall.example, {"mlsysim": mlsysim})
    assert capsys.readouterr().out.strip()
