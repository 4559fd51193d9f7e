"""Charts of mlsysim results: functions that return Altair charts and never display them.

``chart.to_dict()`` is the truth (a Vega-Lite spec); showing it is the caller's business
(a notebook, ``chart.save("x.html")``, or the web book's vega-embed). Importing this package
registers and enables the ``mlsysim`` Altair theme. The core never imports it: ``import mlsysim``
stays light, and the charts need the ``charts`` extra (``pip install "mlsysim[charts]"``).

- :func:`roofline`: hardware ceilings on log-log axes, the ridge point, workloads as points.
- :func:`scorecard`: the three lenses of a ``SystemEvaluation`` and its walls.
- :func:`scaling`: any result field against any other across a sweep (GPUs, batch, ...).
- :func:`carbon_by_region`, :func:`cost_by_region`: the same energy on each grid.
"""

from __future__ import annotations

from ._theme import THEME, use_theme
from .regions import carbon_by_region, cost_by_region
from .roofline import roofline
from .scaling import scaling
from .scorecard import scorecard

__all__ = ["roofline", "scorecard", "scaling", "carbon_by_region", "cost_by_region", "THEME", "use_theme"]

use_theme()
