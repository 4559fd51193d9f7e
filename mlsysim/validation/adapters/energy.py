"""Energy and carbon of named training runs through ``SustainabilityModel.solve_run``.

The published figures of these runs are themselves computed, not metered: accelerator-hours ×
average power per accelerator × PUE (Patterson et al. 2021, eq. 1), times the grid's carbon
intensity. The inputs each source states are the inputs here (hours or accelerators × days,
the measured average power or the source's stated method, PUE, intensity; the net intensity
where the source gives one, as its carbon column uses). These cases therefore check that the
solver composes the accounting as the sources do (units, PUE, hours, intensity), not a power
model; the accuracy page says so. A case whose source leaves an input out is not runnable.
"""

from __future__ import annotations

from ._common import NotRunnable, Prediction, SolverUnavailable, hardware_of, hours_of, number

__all__ = ["predict"]


def _solver():
    try:
        from ...solvers.sustainability import SustainabilityModel
    except ImportError as exc:
        raise SolverUnavailable(f"mlsysim.solvers.sustainability.SustainabilityModel ({exc.name or exc})") from None
    return SustainabilityModel


def _hours(case) -> float:
    cf, sy = case.config, case.system
    if "gpu_hours" in cf:
        return hours_of(cf["gpu_hours"], "gpu_hours")
    n = cf.get("accelerators") or sy.get("gpus")
    if "duration" in cf and isinstance(n, (int, float)):
        return number(n, "accelerators") * hours_of(cf["duration"], "duration")
    raise NotRunnable("accelerator-hours not stated (neither GPU-hours nor accelerators and duration)")


def predict(case) -> Prediction:
    SustainabilityModel = _solver()
    cf = case.config
    if case.metric not in ("energy", "carbon"):
        raise NotRunnable(f"metric {case.metric!r} is not predicted by the energy adapter")
    method_text = str(cf.get("energy_method", "")).lower()
    kw: dict = {}
    if cf.get("average_power"):
        kw["average_power"] = cf["average_power"]
    elif "tdp" in method_text or "peak power" in method_text:
        kw["hardware"] = hardware_of(case)
        kw["method"] = "tdp"
        if cf.get("power_per_gpu"):
            kw["average_power"], kw["method"] = cf["power_per_gpu"], "tdp"
            kw.pop("hardware")
    else:
        raise NotRunnable("average power per accelerator and the energy method not stated")
    if "pue" in cf:
        kw["pue"] = number(cf["pue"], "pue")
    elif "no pue" in method_text:
        kw["pue"] = 1.0
    else:
        raise NotRunnable("PUE not stated")
    hours = _hours(case)
    if case.metric == "carbon":
        ci = cf.get("grid_intensity_net") or cf.get("grid_intensity") or cf.get("grid_intensity_gross")
        if not ci:
            raise NotRunnable("grid carbon intensity not stated")
        kw["carbon_intensity"] = ci
    r = SustainabilityModel().solve_run(f"{hours:.6g} h", **kw)
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    if case.metric == "energy":
        return Prediction(r.energy.to("MWh"), f"SustainabilityModel().solve_run('{hours:.6g} h', {args}).energy",
                          None, tuple(r.assumptions))
    return Prediction(r.operational_carbon.to("tCO2e"),
                      f"SustainabilityModel().solve_run('{hours:.6g} h', {args}).operational_carbon", None,
                      tuple(r.assumptions))
