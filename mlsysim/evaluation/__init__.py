"""Evaluation: SystemEvaluator, the scorecard, the 22 walls and scenarios."""

from .evaluator import SystemEvaluator, evaluate_config
from .scorecard import Lens, SystemEvaluation
from .walls import WALLS, Wall

__all__ = ["Lens", "SystemEvaluation", "SystemEvaluator", "WALLS", "Wall", "evaluate_config"]
