"""Training throughput cases through ``DistributedModel`` (``mlsysim.solvers.distributed``).

The stated layout becomes the call: tensor, pipeline, data and context parallel sizes, global
batch and microbatch, recomputation, sequence parallelism, FSDP/ZeRO stage (and hybrid sharding
inside a node), pipeline schedule, attention kernel, kernel fusion (PyTorch eager or fused
kernels), precision. The fleet is the stated device in its vendor reference node
(DGX/HGX: GPUs per node, NICs, NVLink) on the stated fabric; a stated per-node network bandwidth
replaces the node's NICs. What the source leaves open takes the solver's documented default;
what the call cannot be built without (the split of model parallelism, the batch, the
recomputation of a run at long context) makes the case not runnable.

Metrics: ``tflops_per_gpu`` (model FLOP/s per GPU, or hardware FLOP/s — recomputation counted —
when the source's convention says so, as Narayanan et al. 2021 eq. 3 does), ``mfu``,
``step_time`` and ``tokens_per_second_per_gpu``.
"""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable, hardware_of, model_of, number

__all__ = ["predict", "plan_of", "fleet_for_training"]

#: the vendor reference node of a device, used when the source names no other server
REFERENCE_NODES = {"A100": "DGX_A100", "H100": "DGX_H100", "H200": "HGX_H200", "B200": "DGX_B200"}


def _solver():
    try:
        from ...solvers.distributed import DistributedModel
    except ImportError as exc:
        raise SolverUnavailable(f"mlsysim.solvers.distributed.DistributedModel ({exc.name or exc})") from None
    return DistributedModel


def fleet_for_training(case):
    import math

    from ...core.errors import UnknownNameError
    from ...registry import Systems
    from ...systems.types import Fleet, Node

    hw = hardware_of(case)
    sy = case.system
    gpus = sy.get("gpus")
    if not isinstance(gpus, (int, float)):
        raise NotRunnable("number of GPUs not stated")
    gpn = int(sy.get("gpus_per_node") or 8)
    node = None
    ref = REFERENCE_NODES.get(hw.id)
    if ref and gpn == 8:
        node = Systems.Nodes.get(ref)
        if node.accelerator.id != hw.id:
            node = node.copy(accelerator=hw)
    if node is None:
        node = Node(name=f"{hw.id} x{gpn}", accelerator=hw, accelerators_per_node=gpn)
    if sy.get("internode_bandwidth_per_node"):
        node = node.copy(nics_per_node=1, nic_bandwidth=sy["internode_bandwidth_per_node"])
    fabric = None
    if sy.get("fabric"):
        try:
            fabric = Systems.Fabrics.get(sy["fabric"])
        except UnknownNameError:
            fabric = None
    return Fleet(name=f"{int(gpus)}x {hw.id}", node=node, count=max(1, math.ceil(int(gpus) / gpn)), fabric=fabric)


def _precision(text) -> str:
    t = str(text or "").lower()
    if "fp8" in t:
        return "fp8"
    if t.startswith("fp16") or "fp16 weights" in t:
        return "fp16"
    return "bf16"


def plan_of(case) -> dict:
    """The keyword arguments of ``DistributedModel.solve`` the case states."""
    cf, sy = case.config, case.system
    if "model_parallel_size" in cf and "tp" not in cf:
        raise NotRunnable("the tensor/pipeline split of the model parallelism is not stated")
    if not any(k in cf for k in ("tp", "dp", "pp")):
        raise NotRunnable("parallel layout not stated")
    kw: dict = {}
    for src, dst in (("tp", "tp_size"), ("pp", "pp_size"), ("cp", "cp_size"), ("dp", "dp_size")):
        if src in cf:
            kw[dst] = int(number(cf[src], src))
    gb = cf.get("global_batch")
    if gb is None and "batch_size_per_dp" in cf and "dp" in cf:
        gb = int(cf["batch_size_per_dp"]) * int(cf["dp"])
    if gb is None and "micro_batch" in cf and "dp" in cf:
        gb = int(cf["micro_batch"]) * int(cf["dp"]) * int(cf.get("grad_accum", 1))
    if gb is None:
        raise NotRunnable("global batch not stated")
    kw["batch_size"] = int(number(gb, "global_batch"))
    if "micro_batch" in cf:
        kw["microbatch_size"] = int(number(cf["micro_batch"], "micro_batch"))
    rc = str(cf.get("recompute", "none")).lower()
    if rc not in ("none", "full", "selective"):
        raise NotRunnable(f"activation recomputation not stated ({cf.get('recompute')!r})")
    kw["activation_recomputation"] = rc
    if "sequence_parallel" in cf:
        kw["sequence_parallel"] = bool(cf["sequence_parallel"])
    shard = f"{cf.get('sharding', '')} {cf.get('dp_kind', '')}".lower()
    if "fsdp" in shard or "full_shard" in shard:
        kw["zero_stage"] = 2 if "not resharded" in shard else 3
    strategy = str(cf.get("sharding_strategy", "")).lower()
    if kw.get("zero_stage") == 3 and ("hsdp" in strategy or "hybrid" in strategy):
        kw["shard_group_size"] = int(sy.get("gpus_per_node") or 8)  # PyTorch HYBRID_SHARD: shard within a node
    fusion = str(cf.get("kernel_fusion", "")).lower()
    if fusion in ("eager", "fused"):
        kw["kernel_fusion"] = fusion
    if cf.get("model_code"):
        kw["model_code"] = str(cf["model_code"])
    sched = str(cf.get("pipeline_schedule", "")).lower()
    v = cf.get("virtual_stages") or cf.get("virtual_pipeline")
    if sched.startswith("interleaved") or (isinstance(v, int) and v > 1):
        kw["pipeline_schedule"] = "interleaved"
        if isinstance(v, int) and v > 1:
            kw["virtual_stages"] = v
    if cf.get("pipeline_layout") in ("uniform", "balanced"):
        kw["pipeline_layout"] = cf["pipeline_layout"]
    att = str(cf.get("attention", "")).lower()
    if att:  # the field opens with the kernel class ('flash', 'flash1', 'unfused'), then says why
        head = att.replace(":", " ").replace(",", " ").split()[0]
        kw["attention"] = (head if head in ("flash", "flash1", "unfused")
                           else "unfused" if "unfused" in att else "flash")
    kw["precision"] = _precision(cf.get("precision"))
    s = cf.get("seq_len") or case.workload.get("seq_len")
    if s:
        kw["seq_len"] = int(s)
    return kw


_LLMFOUNDRY_NOTE = (".tokens_per_second / gpus x 3·(2·P + 4·L·d·s) / dense peak (the source's MFU: llm-foundry "
                    "counts every parameter, embeddings included, and full attention)")


def _llmfoundry_mfu(case, model, fleet, r, precision: str, gpus: int):
    """The predicted throughput as llm-foundry's MFU (scripts/train/benchmarking/README.md and
    ``MPTForCausalLM.flops_per_batch``): (3·2·P + 3·n_layers·2·2·d_model·s) FLOPs per token, P the
    model's parameters with the embeddings, over the GPU's dense peak. The measured MFU is in this
    convention, so the prediction is too (mlsysim's own ``mfu`` counts 6·P without embeddings)."""
    from ...core.units import Q_
    from ...solvers._terms import peak_rate

    p_total = float(case.workload.get("parameters") or model.total_parameters)
    s = float(case.config.get("seq_len") or case.workload.get("seq_len"))
    flops_tok = 3.0 * (2.0 * p_total + model.layers * 2 * 2 * model.hidden_dim * s)
    peak, _ = peak_rate(fleet.node.accelerator, precision)
    tps = r.tokens_per_second.to("token/s").magnitude / gpus
    return Q_(tps * flops_tok / peak, "")


def predict(case) -> Prediction:
    DistributedModel = _solver()
    m = case.metric
    if m not in ("tflops_per_gpu", "mfu", "step_time", "tokens_per_second_per_gpu", "hfu"):
        raise NotRunnable(f"metric {m!r} is not predicted by the training adapter")
    model = model_of(case)
    if getattr(model, "kind", None) != "transformer":
        raise NotRunnable("training cases need a transformer architecture")
    kw = plan_of(case)
    fleet = fleet_for_training(case)
    batch = kw.pop("batch_size")
    r = DistributedModel().solve(model, fleet, batch, **kw)
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    call = f"DistributedModel().solve(<{model.name}>, <{fleet.name}>, {batch}, {args})"
    from ...core.units import Q_

    gpus = r.parallelism["tp"] * r.parallelism["pp"] * r.parallelism["dp"] * r.parallelism["cp"]
    if m == "tflops_per_gpu":
        if "hfu" in str(case.config.get("flop_convention", "")).lower():
            from ...solvers._terms import peak_rate

            peak, _ = peak_rate(fleet.node.accelerator, kw["precision"])
            val = Q_(r.hfu * peak, "FLOP/s").to("TFLOP/s")
            call += ".hfu x peak (the source counts recomputed FLOPs)"
        else:
            val = r.tflops_per_gpu.to("TFLOP/s")
            call += ".tflops_per_gpu"
    elif m == "mfu" and str(case.config.get("mfu_convention", "")).lower() == "llm-foundry":
        val, call = _llmfoundry_mfu(case, model, fleet, r, kw["precision"], gpus), call + _LLMFOUNDRY_NOTE
    elif m == "mfu":
        val, call = Q_(r.mfu, ""), call + ".mfu"
    elif m == "hfu":
        val, call = Q_(r.hfu, ""), call + ".hfu"
    elif m == "step_time":
        val, call = r.step_time.to("s"), call + ".step_time"
    else:
        val = (r.tokens_per_second / gpus).to("token/s")
        call += f".tokens_per_second / {gpus}"
    return Prediction(val, call, str(r.bottleneck).lower() if r.bottleneck else None, tuple(r.assumptions))
