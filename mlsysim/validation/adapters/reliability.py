"""Reliability and checkpointing cases through ``ReliabilityModel``.

- ``interruptions`` in a stated period: the expected number of job-interrupting failures T/M of
  the stated fleet (``scope="gpu"`` when the source counts GPU failures only).
- ``job_mttf``: the fleet MTBF M of a job of the stated size.
- ``checkpoint_size``: parameters × 16 B (mixed-precision Adam, the solver's default).

The default failure rates are one measured run's (Llama 3 405B, Meta 2024); a case from that
run, or a case whose value a default was derived from (checkpoint write bandwidth), is shown as
calibration and never counted.
"""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable, fleet_of, hours_of, model_of

__all__ = ["predict"]


def _solver():
    try:
        from ...solvers.reliability import ReliabilityModel
    except ImportError as exc:
        raise SolverUnavailable(f"mlsysim.solvers.reliability.ReliabilityModel ({exc.name or exc})") from None
    return ReliabilityModel


def _rows_sharing_source(case, *, dataset: str | None = None, kind: str | None = None) -> str | None:
    """A data row of ``mlsysim/data/reliability`` (of the default failure dataset, or of ``kind``)
    taken from this case's source: the default is this measurement."""
    from ...solvers._macro import rows

    url = (case.source.get("url") or "").rstrip("/")
    for r in rows("reliability"):
        if dataset and not r["id"].startswith(dataset + "_"):
            continue
        if kind and r.get("kind") != kind:
            continue
        if ((r.get("source") or {}).get("url") or "").rstrip("/") == url:
            return r["id"]
    return None


def predict(case) -> Prediction:
    ReliabilityModel = _solver()
    m = case.metric
    if m == "checkpoint_size":
        model = model_of(case)
        fleet = fleet_of(case)
        r = ReliabilityModel().solve(fleet, "1 h", model=model)
        return Prediction(r.checkpoint_size.to("TB"),
                          f"ReliabilityModel().solve(<{fleet.name}>, '1 h', model=<{model.name}>).checkpoint_size",
                          None, tuple(r.assumptions))
    if m in ("interruptions", "job_mttf", "hardware_interruption_fraction", "effective_training_time_fraction"):
        dataset = "llama3_405b"
        fleet = fleet_of(case)
        cal = _rows_sharing_source(case, dataset=dataset)
        if m == "hardware_interruption_fraction":
            raise NotRunnable("the hardware share of interruptions is the composition of the default failure data itself")
        if m == "effective_training_time_fraction":
            raise NotRunnable("effective training time needs the job's checkpoint and restart times, not stated")
        if "manual_restarts_at_least" in case.config:
            raise NotRunnable("a lower bound on manual restarts only; the model predicts all interruptions")
        scope = "gpu" if "gpu" in str(case.config.get("scope", "")).lower() else "all"
        dur = case.config.get("duration", "1 h")
        t_h = hours_of(dur, "duration") if m == "interruptions" else 1.0
        # the checkpoint time does not enter M or T/M; the solver needs one for its interval terms
        r = ReliabilityModel().solve(fleet, f"{t_h:g} h", "60 s", scope=scope)
        call = f"ReliabilityModel().solve(<{fleet.name}>, '{t_h:g} h', '60 s', scope={scope!r})"
        if m == "interruptions":
            from ...core.units import Q_

            return Prediction(Q_(r.expected_failures, ""), call + ".expected_failures", None, tuple(r.assumptions), cal)
        return Prediction(r.fleet_mtbf.to("h"), call + ".fleet_mtbf", None, tuple(r.assumptions), cal)
    if m == "checkpoint_write_bandwidth":
        cal = _rows_sharing_source(case, kind="checkpoint")
        fleet = fleet_of(case)
        r = ReliabilityModel().solve(fleet, "1 h", checkpoint_bytes="1 TB")
        return Prediction(r.storage_bandwidth.to("GB/s"),
                          f"ReliabilityModel().solve(<{fleet.name}>, '1 h', checkpoint_bytes='1 TB').storage_bandwidth",
                          None, tuple(r.assumptions), cal)
    raise NotRunnable(f"metric {m!r} is not predicted by the reliability adapter")
