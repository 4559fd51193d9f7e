"""The simulation config file (YAML or JSON): sections, fields and their meaning.

The seed README's example is valid as written::

    version: "1.0"
    workload: {name: "Llama3_70B", batch_size: 4096}
    hardware: {name: "H100", nodes: 64}
    ops: {region: "Quebec", duration_days: 14.0}
    constraints:
      assert:
        - {metric: "performance.latency", max: 50.0}

Unknown keys are rejected with the closest valid key. Numbers in ``assert`` use the metric's
documented unit (latency in ms, TCO in USD); strings with units ("50 ms") are also accepted.
"""

from __future__ import annotations

from typing import Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["SimulationConfig", "ParallelismSection", "WorkloadSection", "HardwareSection", "OpsSection", "ConstraintsSection", "Assertion"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, v, info):
        """``batch_size: true`` is a mistake, not the number 1 (pydantic would accept it)."""
        if isinstance(v, bool):
            ann = cls.model_fields[info.field_name].annotation
            kinds = get_args(ann) or (ann,)
            if bool not in kinds and (int in kinds or float in kinds):
                raise ValueError(f"expected a number, got {str(v).lower()}")
        return v


def _positive(v, name):
    if v is not None and (isinstance(v, bool) or not v > 0 or v != v or v == float("inf")):
        raise ValueError(f"must be a positive finite number, got {v!r}")
    return v


class WorkloadSection(_Section):
    """What runs: a registry model and how it is driven."""

    name: str = Field(description="Model id or alias from the zoo, e.g. Llama3_70B, ResNet50.", max_length=200)
    batch_size: int = Field(1, ge=1, le=10**9, description="Global batch: sequences (transformers) or samples.")
    mode: Literal["inference", "serving", "training"] = Field("inference", description="inference (forward pass / serving) or training.")
    precision: str = Field("fp16", description="fp32, tf32, bf16, fp16, fp8, int8, int4, fp4.", max_length=20)
    seq_len: int | None = Field(None, ge=1, le=10**8, description="Prompt or training sequence length in tokens.")
    output_len: int | None = Field(None, ge=1, le=10**8, description="Generated tokens per request (serving).")
    efficiency: float | None = Field(None, gt=0, le=1, description="Compute efficiency; default: measured.")
    tokens: float | None = Field(None, gt=0, le=1e16, description="Training tokens (training runs).")
    qps: float | None = Field(None, gt=0, le=1e9, description="Offered load in requests per second (serving).")


class HardwareSection(_Section):
    """Where it runs: an accelerator and how many nodes, or a named cluster."""

    name: str | None = Field(None, description="Accelerator id, e.g. H100, JetsonOrinNX.", max_length=200)
    nodes: int | None = Field(None, ge=1, le=10**7, description="Number of nodes (servers).")
    accelerators_per_node: int | None = Field(None, ge=1, le=1024, description="Accelerators per node; default from the registry's node for this accelerator, else 8 (1 for edge/mobile/tiny).")
    node: str | None = Field(None, description="Node id, e.g. DGX_H100.", max_length=200)
    cluster: str | None = Field(None, description="Cluster id, e.g. Frontier_8K (instead of name/nodes).", max_length=200)
    fabric: str | None = Field(None, description="Fabric id, e.g. InfiniBand_NDR.", max_length=200)
    tp_size: int | None = Field(None, ge=1, le=1024, description="Tensor parallelism.")
    pp_size: int | None = Field(None, ge=1, le=1024, description="Pipeline parallelism.")
    compute_unit: str | None = Field(None, description="One engine of a multi-engine device (cpu, gpu, npu, dla, core): "
                                     "its peaks and, on a phone SoC, its own memory bandwidth. Default: every engine.",
                                     max_length=20)

    @model_validator(mode="after")
    def _need_one(self):
        if not (self.name or self.cluster or self.node):
            raise ValueError("give hardware.name (an accelerator) or hardware.cluster")
        return self


class ParallelismSection(_Section):
    """How a training job is laid out (the distributed solver's keywords)."""

    tp_size: int | None = Field(None, ge=1, le=1024, description="Tensor parallelism.")
    pp_size: int | None = Field(None, ge=1, le=1024, description="Pipeline parallelism.")
    cp_size: int | None = Field(None, ge=1, le=1024, description="Context parallelism.")
    ep_size: int | None = Field(None, ge=1, le=4096, description="Expert parallelism.")
    microbatch_size: int | None = Field(None, ge=1, le=10**6, description="Sequences per microbatch.")
    zero_stage: Literal[0, 1, 2, 3] | None = Field(None, description="ZeRO stage (1: optimizer states, 2: + gradients, 3: + weights).")
    activation_recomputation: Literal["none", "selective", "full"] | None = Field(None, description="Activation recomputation.")
    sequence_parallel: bool | None = Field(None, description="Megatron sequence parallelism.")
    pipeline_schedule: Literal["1f1b", "interleaved"] | None = Field(None, description="Pipeline schedule.")
    virtual_stages: int | None = Field(None, ge=1, le=64, description="Chunks per rank (interleaved).")
    pipeline_layout: Literal["uniform", "balanced"] | None = Field(None, description="balanced: embedding and output layer get a stage slot each.")
    attention: Literal["flash", "flash1", "unfused"] | None = Field(
        None, description="Fused FlashAttention-2-class ('flash'), FlashAttention-1-class ('flash1') or unfused attention.")
    kernel_fusion: Literal["fused", "eager"] | None = Field(
        None, description="fused: Megatron/Transformer Engine kernels; eager: PyTorch eager mode without torch.compile.")
    model_code: Literal["reference", "ibm-fms"] | None = Field(
        None, description="Whose model code runs in eager mode (its element-wise operators differ).")


class OpsSection(_Section):
    """Where and how long it runs: region, datacenter, duration, prices."""

    region: str | None = Field(None, description="Grid region id, e.g. Quebec, Virginia.", max_length=200)
    datacenter: str | None = Field(None, description="Datacenter id (overrides region's PUE/WUE).", max_length=200)
    duration_days: float = Field(365.0, gt=0, le=36500, description="Operating period in days.")
    utilisation: float | None = Field(None, ge=0, le=1, description="Average accelerator utilisation (energy).")
    kwh_price: float | None = Field(None, gt=0, le=100, description="Electricity price in USD/kWh (overrides the region's).")
    carbon_tax: float | None = Field(None, ge=0, le=1e5, description="USD per tCO2e, for placement optimisation.")
    pue: float | None = Field(None, ge=1.0, le=5.0, description="Overrides the datacenter or region PUE.")


class Assertion(_Section):
    """A constraint on one metric of the scorecard: ``lens.metric`` with ``max`` and/or ``min``."""

    metric: str = Field(description="Scorecard path, e.g. performance.latency, macro.tco_usd, feasibility.memory_utilisation.", max_length=200)
    max: Union[float, str, None] = Field(None, description="Upper bound (the metric's unit, or a string with units).")
    min: Union[float, str, None] = Field(None, description="Lower bound.")

    @field_validator("max", "min", mode="before")
    @classmethod
    def _finite(cls, v):
        if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            raise ValueError(f"must be a finite number, got {v}")
        return v

    @model_validator(mode="after")
    def _bound(self):
        if self.max is None and self.min is None:
            raise ValueError("give max or min")
        for k in ("max", "min"):
            v = getattr(self, k)
            if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
                raise ValueError(f"{k} must be finite")
        return self


class ConstraintsSection(_Section):
    assert_: list[Assertion] = Field(default_factory=list, alias="assert", max_length=100, description="Constraints; exit code 3 if any fails.")
    latency_sla_ms: float | None = Field(None, gt=0, description="Latency SLA in ms (shorthand).")
    power_budget_kw: float | None = Field(None, gt=0, description="Power budget of the fleet in kW.")
    budget_usd: float | None = Field(None, gt=0, description="TCO budget in USD.")


class SimulationConfig(_Section):
    """A whole scenario: workload, hardware, operations and constraints."""

    version: Literal["1.0", "1"] = Field("1.0", description="Config format version.")
    name: str | None = Field(None, description="Scenario name.", max_length=200)
    workload: WorkloadSection
    hardware: HardwareSection
    parallelism: ParallelismSection = Field(default_factory=ParallelismSection)
    ops: OpsSection = Field(default_factory=OpsSection)
    constraints: ConstraintsSection = Field(default_factory=ConstraintsSection)

    @field_validator("version", mode="before")
    @classmethod
    def _v(cls, v):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        return v
