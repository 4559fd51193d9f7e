"""Reliability and checkpointing cases through ``ReliabilityModel``.

- ``interruptions`` in a stated period: the expected number of job-interrupting failures T/M of
  the stated fleet (``scope="gpu"`` when the source counts GPU failures only, ``"hardware"`` when
  it counts hardware failures such as machines going down).
- ``job_mttf``: the fleet MTBF M of a job of the stated size.
- ``checkpoint_size``: parameters × the solver's default bytes per parameter (14: what a
  mixed-precision Adam checkpoint stores).

The failure rates are the solver's default for the fleet's accelerator (``default_dataset``:
measured runs of that generation, else Llama 3 405B's); a case from a run whose rows are that
default, or a case whose value a default was derived from (checkpoint write bandwidth), is shown
as calibration and never counted. A case never selects its own cluster's fitted rate (e.g. the
``kokolis_rsc1`` all-cause node rate for the Kokolis RSC-1 job MTTF): that would predict a paper
from itself.
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
        from ...solvers.reliability import default_dataset

        fleet = fleet_of(case)
        dataset, _why = default_dataset(fleet.node.accelerator.id)
        cal = _rows_sharing_source(case, dataset=dataset)
        if m == "hardware_interruption_fraction":
            from ...core.units import Q_

            t_h = hours_of(case.config.get("duration", "1 h"), "duration")
            r_all = ReliabilityModel().solve(fleet, f"{t_h:g} h", "60 s", scope="all")
            r_hw = ReliabilityModel().solve(fleet, f"{t_h:g} h", "60 s", scope="hardware")
            frac = r_hw.expected_failures / r_all.expected_failures
            call = (f"ReliabilityModel().solve(<{fleet.name}>, '{t_h:g} h', '60 s', scope='hardware').expected_failures"
                    f" / (same, scope='all')")
            return Prediction(Q_(frac, ""), call, None, tuple(r_all.assumptions), cal)
        if m == "effective_training_time_fraction":
            raise NotRunnable("effective training time needs the job's checkpoint and restart times, not stated")
        if "manual_restarts_at_least" in case.config:
            raise NotRunnable("a lower bound on manual restarts only; the model predicts all interruptions")
        scope_text = str(case.config.get("scope", "")).lower()
        scope = "gpu" if "gpu" in scope_text else "hardware" if "hardware" in scope_text else "all"
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
