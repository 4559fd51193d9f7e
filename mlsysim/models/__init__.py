"""Layer A: workloads (``TransformerWorkload``, ``CNNWorkload``, ``RecommendationWorkload``)."""

from .types import CNNWorkload, LoweredWorkload, RecommendationWorkload, TransformerWorkload, Workload

__all__ = ["CNNWorkload", "LoweredWorkload", "RecommendationWorkload", "TransformerWorkload", "Workload"]
