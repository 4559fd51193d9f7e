"""Validation: the model's predictions against published measurements, shipped as data.

    >>> from mlsysim.validation import run
    >>> report = run("serving")
    >>> report.family("serving").median_abs_error      # doctest: +SKIP

``cases`` loads the measurements (``mlsysim/data/validation/<family>/*.toml``); ``adapters``
turns each into a public API call with documented defaults; ``report`` computes the errors and
``render`` prints them. Calibration rows (the microbenchmarks behind default efficiencies) are
listed by ``calibration_rows()`` and never counted as validation.
"""

from __future__ import annotations

from .cases import FAMILIES, Case, CalibrationRow, calibration_rows, load_case, load_cases
from .report import CASE_TOLERANCE, MEDIAN_TOLERANCE, FamilySummary, Outcome, Report, run, run_case

__all__ = [
    "FAMILIES", "Case", "CalibrationRow", "calibration_rows", "load_case", "load_cases",
    "CASE_TOLERANCE", "MEDIAN_TOLERANCE", "FamilySummary", "Outcome", "Report", "run", "run_case",
]
