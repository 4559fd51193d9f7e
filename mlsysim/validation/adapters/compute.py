"""Compute of named training runs: total training FLOPs and GPU-hours.

- ``training_flops``: tokens × ``TransformerWorkload.training_flops_per_token(seq_len)`` (model
  FLOPs, Megatron convention: 3 × forward, attention over the full sequence; Narayanan et al.
  2021, eq. 3). Needs the architecture and the token count the source states.
- ``gpu_hours``: the training-run solver (``mlsysim.solvers.training.TrainingRunModel``).
"""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable, model_of, number

__all__ = ["predict"]


def _tokens(case) -> float:
    for where in (case.config, case.workload):
        if "tokens" in where:
            return number(where["tokens"], "tokens")
    raise NotRunnable("training tokens not stated as a number")


def _training_flops(case) -> Prediction:
    from ...core.units import Q_

    model = model_of(case)
    if getattr(model, "kind", None) != "transformer":
        raise NotRunnable("training FLOPs need a transformer architecture")
    tokens = _tokens(case)
    s = int(case.config.get("seq_len") or case.workload.get("seq_len") or model.seq_len)
    per_tok = model.training_flops_per_token(s)
    call = f"Models.get({model.id or model.name!r}).training_flops_per_token({s}) * {tokens:.4g} tokens"
    return Prediction(Q_(per_tok * tokens, "FLOP"), call)


def _gpu_hours(case) -> Prediction:
    """GPU-hours of a run: ``TrainingRunModel`` with the layout the source states (no failure model:
    the sources' own run logs are what the default failure data would come from)."""
    try:
        from ...solvers.training import TrainingRunModel
    except ImportError as exc:
        raise SolverUnavailable(f"mlsysim.solvers.training.TrainingRunModel ({exc.name or exc})") from None
    from .training import fleet_for_training, plan_of

    tokens = _tokens(case)
    try:
        plan = plan_of(case)
    except NotRunnable as exc:
        raise NotRunnable(f"{exc}: GPU-hours need the run's layout and GPU count") from None
    model = model_of(case)
    fleet = fleet_for_training(case)
    batch = plan.pop("batch_size")
    r = TrainingRunModel().solve(model, fleet, tokens, batch, **plan)
    args = ", ".join(f"{k}={v!r}" for k, v in plan.items())
    return Prediction(r.gpu_hours.to("h"),
                      f"TrainingRunModel().solve(<{model.name}>, <{fleet.name}>, {tokens:.4g}, {batch}, {args}).gpu_hours",
                      None, tuple(r.assumptions))


def predict(case) -> Prediction:
    if case.metric == "training_flops":
        return _training_flops(case)
    if case.metric == "gpu_hours":
        return _gpu_hours(case)
    raise NotRunnable(f"metric {case.metric!r} is not predicted by the compute adapter")
