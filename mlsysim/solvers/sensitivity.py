"""Sensitivity and synthesis: which input a result depends on most, and what hardware a target needs.

SensitivityModel: the elasticity of a metric T to an input x, by central finite differences in
log space over any solver (Saltelli et al. 2008):

    ε_x = ∂ln T / ∂ln x ≈ [ln T(x(1+h)) − ln T(x(1−h))] / [ln(1+h) − ln(1−h)]      (eq. A1)

ε = −1: T is inversely proportional to x (x is the binding limit); ε = 0: x does not matter.
Hardware inputs are scaled with ``HardwareNode.copy`` (same id: the same calibration applies).

SynthesisModel: the inverse problem. For the roofline (Williams et al. 2009, inverted):

    β_req = B / ((T* − t_ov) · η_mem),   P_req = F / ((T* − t_ov) · η)                 (eq. A2)

and for any other solver, bisection in log space on the scale of the spec until the metric meets
the target (eq. A3).
"""

from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield

__all__ = ["SensitivityModel", "SensitivityResult", "SynthesisModel", "SynthesisResult", "scale_hardware",
           "elasticity"]

SPEC_INPUTS = ("compute", "bandwidth", "capacity", "network", "efficiency")


def scale_hardware(hw, what: str, k: float):
    """A copy of ``hw`` with one group of specs scaled by k: every dense peak ('compute'), memory
    bandwidth ('bandwidth'), memory capacity ('capacity') or link bandwidths ('network')."""
    if what == "compute":
        c = hw.compute
        peaks = {p: q * k for p, q in c.peaks.items()}
        return hw.copy(compute=c.copy(peak_flops=c.peak_flops * k, **peaks))
    if what == "bandwidth":
        return hw.copy(memory=hw.memory.copy(bandwidth=hw.memory.bandwidth * k))
    if what == "capacity":
        return hw.copy(memory=hw.memory.copy(capacity=hw.memory.capacity * k))
    if what == "network":
        ic = hw.interconnect
        if ic is None:
            raise ConfigError(f"inputs: {hw.name} has no interconnect to scale ('network')")
        ch = {}
        if ic.scaleup_bandwidth is not None:
            ch["scaleup_bandwidth"] = ic.scaleup_bandwidth * k
        if ic.pcie_bandwidth is not None:
            ch["pcie_bandwidth"] = ic.pcie_bandwidth * k
        return hw.copy(interconnect=ic.copy(**ch))
    raise ConfigError(f"inputs: unknown hardware input {what!r}; use {', '.join(SPEC_INPUTS[:4])}")


def elasticity(t_plus: float, t_minus: float, h: float) -> float:
    """ε = Δ ln T / Δ ln x over x(1±h) (eq. A1)."""
    return (math.log(t_plus) - math.log(t_minus)) / (math.log1p(h) - math.log1p(-h))


def _metric(result, target: str) -> float:
    v = getattr(result, target, None)
    if v is None:
        raise ConfigError(f"target: the result of this solver has no value {target!r}")
    m = float(v.to_base_units().magnitude) if hasattr(v, "to_base_units") else float(v)
    if not (m > 0 and math.isfinite(m)):
        raise ConfigError(f"target: {target} is {m}, not a positive number (elasticity undefined)")
    return m


def _call(solver, args, kwargs):
    s = solver() if isinstance(solver, type) else solver
    return s.solve(*args, **kwargs)


def _hw_slot(args: list, kwargs: dict):
    """('kw', 'hardware') or ('pos', i) of the hardware argument of a solve call."""
    if "hardware" in kwargs:
        return ("kw", "hardware")
    for i, a in enumerate(args):
        if hasattr(a, "compute") and hasattr(a, "memory"):
            return ("pos", i)
    if len(args) >= 2 and isinstance(args[1], str):
        return ("pos", 1)
    return None


class SensitivityResult(Result):
    """Result of ``SensitivityModel.solve``: elasticities of a metric to each input."""

    solver = field("solver class name")
    target = field("the metric differentiated")
    value = field("the metric at the base point (SI units)")
    step = field("h: relative step of the central difference")
    elasticities = field("input -> ∂ln T/∂ln x")
    most_sensitive = field("the input with the largest |ε|")
    assumptions = field("modelling choices")


class SensitivityModel:
    """Elasticities ∂ln T/∂ln x of any solver's metric to hardware specs or numeric keyword inputs."""

    def solve(self, solver, *args, target: str = "latency", inputs=SPEC_INPUTS, step: float = 0.05,
              **kwargs) -> SensitivityResult:
        """Differentiate ``solver.solve(*args, **kwargs).<target>``.

        Parameters
        ----------
        solver
            A solver class or instance (``SingleNodeModel``, ``ServingModel``, ...).
        *args, **kwargs
            The solve call of the base point.
        target
            Result field to differentiate (``latency``, ``itl``, ``step_time``, ``cost``...).
        inputs
            Names: ``compute``, ``bandwidth``, ``capacity``, ``network`` (hardware specs, scaled
            with ``copy``), ``efficiency`` (the solver's η, default read from the base result),
            or any numeric keyword argument of the call.
        step
            Relative step h (central difference over x(1 ± h)).
        """
        if not 0 < step < 0.5:
            raise ConfigError(f"step: expected a relative step in (0, 0.5), got {step!r}")
        args = list(args)
        base = _call(solver, args, kwargs)
        t0 = _metric(base, target)
        slot = _hw_slot(args, kwargs)
        out: dict[str, float] = {}
        notes: list[str] = []
        for name in inputs:
            vals = []
            for k in (1 + step, 1 - step):
                a, kw = list(args), dict(kwargs)
                if name in ("compute", "bandwidth", "capacity", "network"):
                    if slot is None:
                        raise ConfigError(f"inputs: {name!r} needs a hardware argument in the call")
                    from ._inputs import as_hardware

                    hw = as_hardware(kw["hardware"] if slot[0] == "kw" else a[slot[1]])
                    new = scale_hardware(hw, name, k)
                    if slot[0] == "kw":
                        kw["hardware"] = new
                    else:
                        a[slot[1]] = new
                elif name == "efficiency" and "efficiency" not in kw:
                    eta = getattr(base, "compute_efficiency", None)
                    if eta is None:
                        raise ConfigError("inputs: 'efficiency' needs efficiency= in the call or a result with compute_efficiency")
                    kw["efficiency"] = min(1.0, eta * k)
                elif name in kw and isinstance(kw[name], (int, float)) and not isinstance(kw[name], bool):
                    v = kw[name] * k
                    kw[name] = type(kw[name])(round(v)) if isinstance(kw[name], int) else v
                elif name in kw and hasattr(kw[name], "magnitude") or (name in kw and isinstance(kw[name], str)):
                    from ..core.units import Q_

                    kw[name] = Q_(str(kw[name])) * k if isinstance(kw[name], str) else kw[name] * k
                else:
                    raise ConfigError(f"inputs: {name!r} is neither a hardware spec nor a numeric keyword of the call")
                try:
                    vals.append(_metric(_call(solver, a, kw), target))
                except ConfigError as exc:
                    notes.append(f"{name}: {exc}")
                    vals = None
                    break
            if vals is not None:
                out[name] = elasticity(vals[0], vals[1], step)
        most = max(out, key=lambda n: abs(out[n])) if out else None
        name = solver.__name__ if isinstance(solver, type) else type(solver).__name__
        return SensitivityResult._make({
            "solver": name, "target": target, "value": t0, "step": step, "elasticities": out,
            "most_sensitive": most, "assumptions": tuple([f"central differences at x(1 ± {step:g})"] + notes),
        })


class SynthesisResult(Result):
    """Result of ``SynthesisModel.solve``: the spec a target requires."""

    model = field("workload name")
    hardware = field("the base device")
    solve_for = field("'bandwidth' or 'compute'")
    target = field("the metric constrained")
    target_value = qfield("the target", "s", "ms")
    base_value = qfield("the metric on the base device", "s", "ms")
    required_scale = field("required spec / base spec (None: unreachable by this spec alone)")
    required = field("the required spec as a Quantity (None if unreachable)")
    base_spec = field("the base spec as a Quantity")
    method = field("'analytic' (roofline) or 'bisection'")
    feasible = field("the target can be met by changing this spec alone")
    assumptions = field("modelling choices")


class SynthesisModel:
    """Inverse design: the memory bandwidth or FLOP/s a target latency requires."""

    def solve(self, model, hardware, target_latency, *, solve_for: str = "bandwidth", solver=None,
              target: str = "latency", **kwargs) -> SynthesisResult:
        """Find the spec that meets ``target_latency``.

        Parameters
        ----------
        model, hardware
            Workload and base device.
        target_latency
            The target (``"20 ms"``).
        solve_for
            ``"bandwidth"`` (memory bandwidth) or ``"compute"`` (every dense peak, scaled together).
        solver
            None: the roofline (``SingleNodeModel``), solved analytically. Any other solver class
            (``ServingModel`` with ``target="itl"``) is solved by bisection on the spec's scale.
        **kwargs
            Passed to the solver (batch_size, precision, seq_len, ...).
        """
        from ..core.units import Q_
        from ._inputs import as_hardware, as_model
        from ._macro import as_seconds

        hw = as_hardware(hardware)
        model = as_model(model)
        T = as_seconds(target_latency, "target_latency")
        if solve_for not in ("bandwidth", "compute"):
            raise ConfigError(f"solve_for: expected 'bandwidth' or 'compute', got {solve_for!r}")
        base_spec = hw.memory.bandwidth if solve_for == "bandwidth" else hw.compute.peak_flops
        assumptions: list[str] = []
        if solver is None:
            from .roofline import SingleNodeModel

            r = SingleNodeModel().solve(model, hw, **kwargs)
            tc, tm, ov = (r.compute_time.to("s").magnitude, r.memory_time.to("s").magnitude,
                          r.overhead_time.to("s").magnitude)
            base_val = r.latency.to("s").magnitude
            budget = T - ov
            other = tc if solve_for == "bandwidth" else tm
            mine = tm if solve_for == "bandwidth" else tc
            if kwargs.get("overlap", "roofline") != "roofline":
                budget -= other
                ok = budget > 0
            else:
                ok = budget > 0 and other <= budget
            scale = (mine / budget) if ok else None  # time scales as 1/spec: spec_req = spec · T_now/T_budget
            if not ok:
                assumptions.append(f"the {'compute' if solve_for == 'bandwidth' else 'memory'} time or overhead alone "
                                   f"exceeds the target: no {solve_for} meets it")
            method = "analytic"
        else:
            base_val = _metric(_call(solver, [model, hw], kwargs), target)

            def f(k):
                return _metric(_call(solver, [model, scale_hardware(hw, solve_for, k)], kwargs), target)

            method = "bisection"
            lo, hi = 1e-3, 1e4
            if f(hi) > T:
                scale, ok = None, False
                assumptions.append(f"even {hi:g}x the {solve_for} misses the target")
            else:
                if f(lo) <= T:
                    scale = lo
                else:
                    for _ in range(60):
                        mid = math.sqrt(lo * hi)
                        if f(mid) <= T:
                            hi = mid
                        else:
                            lo = mid
                        if hi / lo < 1.0001:
                            break
                    scale = hi
                ok = True
        return SynthesisResult._make({
            "model": model.name, "hardware": hw.name, "solve_for": solve_for, "target": target, "target_value": T,
            "base_value": base_val, "required_scale": scale,
            "required": (base_spec * scale) if scale is not None else None, "base_spec": base_spec,
            "method": method, "feasible": ok, "assumptions": tuple(assumptions),
        })
