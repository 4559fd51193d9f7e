"""mlsysim: a first-principles analytical simulator of machine-learning systems.

Five layers: workloads (``Models``), hardware (``Hardware``), infrastructure (``Infra``),
systems (``Systems``) and solvers (``SingleNodeModel``, ``ServingModel``, ...). Names are
imported lazily, so ``import mlsysim`` stays fast and never loads the CLI, charts or YAML.
"""

from __future__ import annotations

import importlib

from ._version import __version__

# public name -> module that defines it
_EXPORTS = {
    # registries
    "Hardware": ".registry", "Models": ".registry", "Systems": ".registry", "Infra": ".registry",
    "load": ".registry", "resolve": ".registry",
    # units and errors
    "ureg": ".core.units", "Q_": ".core.units", "Quantity": ".core.units",
    "MlsysimError": ".core.errors", "ConfigError": ".core.errors", "UnknownNameError": ".core.errors",
    "OOMError": ".core.errors", "SLAViolation": ".core.errors", "InfeasibleError": ".core.errors",
    # layer types
    "TransformerWorkload": ".models.types", "CNNWorkload": ".models.types",
    "RecommendationWorkload": ".models.types", "Workload": ".models.types",
    "HardwareNode": ".hardware.types", "ComputeCore": ".hardware.types",
    "MemoryHierarchy": ".hardware.types", "Interconnect": ".hardware.types",
    "GridProfile": ".infra.types", "Datacenter": ".infra.types",
    "Node": ".systems.types", "NetworkFabric": ".systems.types", "Fleet": ".systems.types",
    # solvers
    "SingleNodeModel": ".solvers.roofline", "PerformanceProfile": ".solvers.roofline", "Engine": ".solvers.roofline",
    "ServingModel": ".solvers.serving", "ServingResult": ".solvers.serving",
    "EconomicsModel": ".solvers.economics", "EconomicsResult": ".solvers.economics",
    "SustainabilityModel": ".solvers.sustainability", "SustainabilityResult": ".solvers.sustainability",
    "ReliabilityModel": ".solvers.reliability", "ReliabilityResult": ".solvers.reliability",
    "TailLatencyModel": ".solvers.queueing", "TailLatencyResult": ".solvers.queueing",
    "CapacityModel": ".solvers.queueing", "CapacityResult": ".solvers.queueing",
    "DistributedModel": ".solvers.distributed", "DistributedResult": ".solvers.distributed",
    "TrainingMemoryModel": ".solvers.training_memory", "TrainingMemoryResult": ".solvers.training_memory",
    "CollectiveModel": ".solvers.collectives", "CollectiveResult": ".solvers.collectives",
    "TrainingRunModel": ".solvers.training", "TrainingRunResult": ".solvers.training",
    "ScalingModel": ".solvers.scaling", "ScalingResult": ".solvers.scaling",
    "ParallelismOptimizer": ".solvers.optimizer", "OptimizerResult": ".solvers.optimizer",
    "SystemEvaluator": ".evaluation.evaluator", "SystemEvaluation": ".evaluation.scorecard", "WALLS": ".evaluation.walls",
    # the remaining walls (issue 7)
    "ReasoningModel": ".solvers.reasoning", "CompressionModel": ".solvers.compression",
    "DataPipelineModel": ".solvers.data", "WeightStreamingModel": ".solvers.streaming",
    "PlacementModel": ".solvers.locality", "SchedulerModel": ".solvers.locality",
    "StragglerModel": ".solvers.stragglers", "SensitivityModel": ".solvers.sensitivity",
    "SynthesisModel": ".solvers.sensitivity", "SafetyModel": ".solvers.safety",
    "Datasets": ".datasets", "Dataset": ".datasets", "load_plugins": ".plugins",
    "load_config": ".config.loader", "Scenarios": ".evaluation.scenarios", "SimulationConfig": ".config.schema",
    # the textbook and the efficiency guide (issue 11)
    "chapters_for": ".textbook", "efficiency_regimes": ".evaluation.efficiency_guide",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mlsysim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
