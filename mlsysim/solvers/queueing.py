"""Tail latency and capacity of a serving deployment: queueing in front of the servers.

a = λ/μ,  ρ = a/c
P_wait = C(c, a)                                   Erlang C (Erlang 1917; Kleinrock 1975 eq. 3.40)
W_q    = P_wait / (cμ − λ)                         M/M/c mean wait
P(W > t) = P_wait · e^{−(cμ−λ)t}                   M/M/c waiting-time distribution (FCFS)
W_q ≈ P_wait/(cμ−λ) · (c_a² + c_s²)/2              Allen–Cunneen G/G/c (Allen 1990, eq. 7.48);
                                                    c = 1 gives Kingman's G/G/1 formula (Kingman 1961)

A latency percentile is the percentile of the sum T = W + S of the wait and the service time,
computed from their distributions (the wait: an atom 1 − P_wait at zero and an exponential tail
with the mean above; the service: deterministic, exponential or gamma with c_s²), never the mean
wait plus the mean service. For M/M/c (c_a² = c_s² = 1) the result is exact.

A served LLM request occupies one batch slot of a replica for S = TTFT + output_len · ITL
(``request_service_time``): a replica with batch b is b servers, each of rate 1/S.
"""

from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from ._macro import _number, as_seconds

__all__ = ["TailLatencyModel", "TailLatencyResult", "CapacityModel", "CapacityResult", "erlang_c",
           "mmc_mean_wait", "mmc_wait_tail", "kingman_wait", "allen_cunneen_wait", "latency_percentile",
           "request_service_time", "max_arrival_rate"]


# ---- formula functions (math page: "Serving at scale") ------------------------------------
def erlang_c(c: int, a: float) -> float:
    """P_wait = C(c, a): probability an arrival waits in M/M/c with offered load a = λ/μ < c
    (Erlang C; Kleinrock 1975, Queueing Systems I, eq. 3.40; eq. Q1). Computed through the stable
    Erlang B recursion B(k) = a·B(k−1)/(k + a·B(k−1)), C = c·B/(c − a(1 − B))."""
    if a <= 0:
        return 0.0
    if a >= c:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def mmc_mean_wait(c: int, lam: float, mu: float) -> float:
    """W_q = P_wait / (cμ − λ) (M/M/c, FCFS; Kleinrock 1975 eq. 3.43; eq. Q2)."""
    if lam >= c * mu:
        return math.inf
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_wait_tail(t: float, c: int, lam: float, mu: float) -> float:
    """P(W > t) = P_wait · e^{−(cμ−λ)t} (M/M/c FCFS waiting time; Gross and Harris 1998 eq. 2.38; eq. Q3)."""
    if lam >= c * mu:
        return 1.0
    return erlang_c(c, lam / mu) * math.exp(-(c * mu - lam) * t)


def kingman_wait(rho: float, ca2: float, cs2: float, service_time: float) -> float:
    """W_q ≈ ρ/(1−ρ) · (c_a² + c_s²)/2 · E[S] (Kingman 1961, G/G/1 heavy traffic; eq. Q4)."""
    if rho >= 1:
        return math.inf
    return rho / (1.0 - rho) * (ca2 + cs2) / 2.0 * service_time


def allen_cunneen_wait(c: int, lam: float, mu: float, ca2: float, cs2: float) -> float:
    """W_q ≈ W_q(M/M/c) · (c_a² + c_s²)/2 (Allen–Cunneen G/G/c; Allen 1990 eq. 7.48; eq. Q5).
    Reduces to Kingman's formula for c = 1."""
    return mmc_mean_wait(c, lam, mu) * (ca2 + cs2) / 2.0


# ---- distributions -------------------------------------------------------------------------
def _gammainc_lower(k: float, x: float) -> float:
    """Regularised lower incomplete gamma P(k, x) (series / continued fraction; Press et al. §6.2)."""
    if x <= 0:
        return 0.0
    lg = math.lgamma(k)
    if x < k + 1.0:
        ap, s, d = k, 1.0 / k, 1.0 / k
        for _ in range(500):
            ap += 1.0
            d *= x / ap
            s += d
            if abs(d) < abs(s) * 1e-14:
                break
        return min(1.0, s * math.exp(-x + k * math.log(x) - lg))
    b, c, d = x + 1.0 - k, 1e300, 1.0 / (x + 1.0 - k)
    h = d
    for i in range(1, 500):
        an = -i * (i - k)
        b += 2.0
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1.0 / d
        de = d * c
        h *= de
        if abs(de - 1.0) < 1e-14:
            break
    return max(0.0, 1.0 - math.exp(-x + k * math.log(x) - lg) * h)


def _sojourn_tail(t: float, s: float, cs2: float, p_wait: float, theta: float) -> float:
    """P(W + S > t) with W = 0 w.p. 1 − P_wait else Exp(θ), S of mean s and squared CV cs2
    (deterministic if 0, exponential if 1, gamma otherwise), W and S independent."""
    if t <= 0:
        return 1.0
    if cs2 == 0.0:  # deterministic service
        return 1.0 if t < s else p_wait * math.exp(-theta * (t - s))
    k = 1.0 / cs2
    beta = s * cs2  # gamma scale
    surv_s = 1.0 - _gammainc_lower(k, t / beta)
    if p_wait == 0.0:
        return surv_s
    if cs2 == 1.0 and abs(theta * beta - 1.0) > 1e-9:  # exponential service: hypo-exponential sum
        mu = 1.0 / s
        conv = (mu * math.exp(-theta * t) - theta * math.exp(-mu * t)) / (mu - theta)
        return (1.0 - p_wait) * math.exp(-mu * t) + p_wait * conv
    # ∫_0^t f_S(x)·P_wait·e^{−θ(t−x)} dx, closed form through the incomplete gamma when θβ < 1
    if theta * beta < 1.0:
        r = 1.0 - theta * beta
        g = _gammainc_lower(k, t * r / beta)
        if g <= 0.0:
            return surv_s
        # e^{−θt}·r^{−k}·P(k, tr/β), in logarithms: r^{−k} alone overflows for small c_s² (large k)
        return surv_s + p_wait * math.exp(min(700.0, -theta * t - k * math.log(r) + math.log(g)))
    n = 400  # numerical (midpoint) otherwise
    h = t / n
    acc = 0.0
    lg = math.lgamma(k)
    for i in range(n):
        x = (i + 0.5) * h
        f = math.exp((k - 1) * math.log(x) - x / beta - lg - k * math.log(beta))
        acc += f * math.exp(-theta * (t - x))
    return surv_s + p_wait * acc * h


def latency_percentile(p: float, c: int, lam: float, mu: float, ca2: float = 1.0, cs2: float = 1.0) -> float:
    """The p-quantile of response time T = W + S, solving P(W + S > t) = 1 − p by bisection
    (wait: Erlang C atom and exponential tail whose mean is the Allen–Cunneen W_q; eq. Q6)."""
    if lam >= c * mu:
        return math.inf
    s = 1.0 / mu
    p_wait = erlang_c(c, lam / mu)
    wq = allen_cunneen_wait(c, lam, mu, ca2, cs2)
    theta = p_wait / wq if wq > 0 else math.inf
    if p_wait == 0.0 or not math.isfinite(theta):
        p_wait, theta = 0.0, 1.0
    target = 1.0 - p
    lo, hi = 0.0, s
    while _sojourn_tail(hi, s, cs2, p_wait, theta) > target:
        hi *= 2.0
        if hi > 1e12 * s:
            return math.inf
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if _sojourn_tail(mid, s, cs2, p_wait, theta) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-9 * hi:
            break
    return hi


def _wait_percentile(p: float, p_wait: float, theta: float) -> float:
    """p-quantile of W: 0 if the atom at zero covers it, else ln(P_wait/(1−p))/θ."""
    if p_wait <= 1.0 - p:
        return 0.0
    return math.log(p_wait / (1.0 - p)) / theta


def request_service_time(serving, output_len: int | None = None) -> tuple[float, int]:
    """(S in seconds, batch slots per replica) for a ``ServingResult``: S = TTFT + output_len · ITL,
    the time one request holds a batch slot (eq. Q7)."""
    if type(serving).__name__ != "ServingResult":
        raise ConfigError(f"serving: expected a ServingResult, got {type(serving).__name__}")
    out = output_len if output_len is not None else serving.output_len
    if out is None:
        raise ConfigError("output_len: give the tokens generated per request (the serving result has none)")
    if isinstance(out, bool) or not isinstance(out, int) or out < 1:
        raise ConfigError(f"output_len: expected a positive whole number, got {out!r}")
    s = float(serving.ttft.to("s").magnitude) + out * float(serving.itl.to("s").magnitude)
    return s, int(serving.batch_size)


def max_arrival_rate(sla: float, p: float, c: int, mu: float, ca2: float, cs2: float) -> float:
    """Largest λ whose p-quantile latency stays within ``sla`` (bisection on λ in (0, cμ); eq. Q8).
    0 when even an empty system misses the SLA."""
    if latency_percentile(p, c, 1e-12 * mu, mu, ca2, cs2) > sla:
        return 0.0
    lo, hi = 0.0, c * mu
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if latency_percentile(p, c, mid, mu, ca2, cs2) <= sla:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-9 * c * mu:
            break
    return lo


# ---- input coercion ------------------------------------------------------------------------
def _rate(v, name: str) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _number(v, name, allow_zero=False)
    from ..core.units import Q_, ureg

    try:
        q = v if hasattr(v, "to") else Q_(str(v))
        if q.dimensionality == ureg.Unit("1/s").dimensionality:
            return _number(float(q.to("1/s").magnitude), name, allow_zero=False)
        return _number(float(q.to("request/s").magnitude), name, allow_zero=False)
    except ConfigError:
        raise
    except Exception:
        raise ConfigError(f"{name}: expected requests per second (a number or '20 request/s'), got {v!r}") from None


def _cv2(v, name: str) -> float:
    from ._inputs import check_cv2

    v = _number(v, name, allow_zero=True)
    if v > 100:
        raise ConfigError(f"{name}: a squared coefficient of variation above 100 is not supported, got {v}")
    return check_cv2(v, name)


def _percentile(p, name: str = "percentile") -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not (0 < p < 1):
        raise ConfigError(f"{name}: expected a fraction in (0, 1) such as 0.99, got {p!r}")
    return float(p)


def _service(service_time, serving, output_len, servers, replicas, assumptions):
    if serving is not None:
        if service_time is not None:
            raise ConfigError("service_time: give either service_time or serving, not both")
        s, slots = request_service_time(serving, output_len)
        assumptions.append(f"service time S = TTFT + {output_len or serving.output_len}·ITL = {s*1e3:.1f} ms; "
                           f"each replica is {slots} batch slots (servers) of rate 1/S")
        return s, slots
    if service_time is None:
        raise ConfigError("service_time: give the mean service time of a request (or serving=ServingResult)")
    from ._inputs import check_positive_int

    return as_seconds(service_time, "service_time"), check_positive_int(servers, "servers", 10**7)


_METHOD = ("wait: Erlang C probability of waiting with an exponential conditional wait whose mean is "
           "the Allen–Cunneen G/G/c W_q (exact for M/M/c); latency percentile: quantile of wait + service "
           "from their distributions (not mean + mean)")


def _service_family(cs2: float) -> str:
    return "deterministic" if cs2 == 0 else "exponential" if cs2 == 1 else f"gamma (c_s² = {cs2:g})"


class TailLatencyResult(Result):
    """Result of ``TailLatencyModel.solve``: waiting probability, mean and percentile latencies."""

    arrival_rate = qfield("λ: requests per second", "1/s", "1/s")
    service_time = qfield("E[S]: mean service time of one request", "s", "ms")
    servers = field("c: servers (replicas × batch slots)")
    offered_load = field("a = λ/μ (Erlangs)")
    utilisation = field("ρ = λ/(cμ)")
    stable = field("ρ < 1 (otherwise the queue grows without bound)")
    arrival_cv2 = field("c_a²: squared coefficient of variation of inter-arrival times (1: Poisson)")
    service_cv2 = field("c_s²: squared coefficient of variation of service times")
    service_distribution = field("service-time family used for percentiles")
    p_wait = field("P(wait > 0): Erlang C")
    mean_wait = qfield("W_q (Allen–Cunneen; exact M/M/c when c_a² = c_s² = 1)", "s", "ms")
    mean_latency = qfield("W_q + E[S]", "s", "ms")
    p50_wait = qfield("median wait", "s", "ms")
    p99_wait = qfield("99th-percentile wait", "s", "ms")
    p50_latency = qfield("median of wait + service", "s", "ms")
    p99_latency = qfield("99th percentile of wait + service", "s", "ms")
    percentile = field("the percentile of latency_at_percentile")
    latency_at_percentile = qfield("latency at the requested percentile", "s", "ms")
    sla = qfield("latency objective at the percentile (None if not given)", "s", "ms")
    meets_sla = field("latency_at_percentile ≤ sla (None without an SLA)")
    method = field("how waits and percentiles are computed")
    assumptions = field("modelling choices")


class TailLatencyModel:
    """Queueing delay and tail latency of requests served by c identical servers (M/M/c, G/G/c)."""

    def solve(self, arrival_rate, service_time=None, servers: int = 1, *, serving=None, output_len=None,
              replicas: int = 1, percentile: float = 0.99, arrival_cv2: float = 1.0, service_cv2=None,
              sla=None) -> TailLatencyResult:
        """Tail latency at ``arrival_rate`` requests per second.

        Parameters
        ----------
        arrival_rate
            λ: requests per second (a number or ``"20 request/s"``), for all servers together.
        service_time, servers
            Mean service time of a request (seconds or a quantity) and the number of servers.
        serving, output_len, replicas
            Alternatively a ``ServingResult``: S = TTFT + output_len·ITL, servers = replicas × batch.
        percentile
            The percentile reported in ``latency_at_percentile`` and checked against ``sla``.
        arrival_cv2, service_cv2
            Squared coefficients of variation (Poisson arrivals: 1). service_cv2 defaults to 0
            (deterministic) with a ServingResult, else 1 (exponential, M/M/c).
        sla
            Latency objective at ``percentile`` (seconds or a quantity).
        """
        assumptions: list[str] = []
        from ._inputs import check_positive_int

        reps = check_positive_int(replicas, "replicas", 10**6)
        s, c = _service(service_time, serving, output_len, servers, reps, assumptions)
        if serving is not None:
            c *= reps
        elif reps != 1:
            c *= reps
        lam = _rate(arrival_rate, "arrival_rate")
        p = _percentile(percentile)
        ca2 = _cv2(arrival_cv2, "arrival_cv2")
        cs2 = _cv2(service_cv2, "service_cv2") if service_cv2 is not None else (0.0 if serving is not None else 1.0)
        if service_cv2 is None:
            assumptions.append(f"service_cv2 {cs2:g} ({'fixed output length' if serving is not None else 'exponential service (M/M/c)'})")
        mu = 1.0 / s
        a = lam / mu
        rho = a / c
        stable = rho < 1.0
        if stable:
            p_wait = erlang_c(c, a)
            wq = allen_cunneen_wait(c, lam, mu, ca2, cs2)
            theta = p_wait / wq if wq > 0 else math.inf
            w50 = _wait_percentile(0.5, p_wait, theta) if wq > 0 else 0.0
            w99 = _wait_percentile(0.99, p_wait, theta) if wq > 0 else 0.0
            l50 = latency_percentile(0.5, c, lam, mu, ca2, cs2)
            l99 = latency_percentile(0.99, c, lam, mu, ca2, cs2)
            lp = latency_percentile(p, c, lam, mu, ca2, cs2)
        else:
            p_wait, wq, w50, w99, l50, l99, lp = 1.0, math.inf, math.inf, math.inf, math.inf, math.inf, math.inf
            assumptions.append(f"unstable: ρ = {rho:.3f} ≥ 1, waits grow without bound")
        sla_s = as_seconds(sla, "sla") if sla is not None else None
        return TailLatencyResult._make({
            "arrival_rate": lam, "service_time": s, "servers": c, "offered_load": a, "utilisation": rho,
            "stable": stable, "arrival_cv2": ca2, "service_cv2": cs2, "service_distribution": _service_family(cs2),
            "p_wait": p_wait, "mean_wait": wq, "mean_latency": wq + s, "p50_wait": w50, "p99_wait": w99,
            "p50_latency": l50, "p99_latency": l99, "percentile": p, "latency_at_percentile": lp, "sla": sla_s,
            "meets_sla": (lp <= sla_s) if sla_s is not None else None, "method": _METHOD,
            "assumptions": tuple(assumptions),
        })


class CapacityResult(Result):
    """Result of ``CapacityModel.solve``: the largest load under an SLA and the replicas for a target."""

    sla = qfield("latency objective", "s", "ms")
    percentile = field("percentile at which the SLA applies")
    service_time = qfield("E[S]: mean service time of one request", "s", "ms")
    servers_per_replica = field("servers (batch slots) per replica")
    service_cv2 = field("c_s² used")
    arrival_cv2 = field("c_a² used")
    feasible = field("an idle replica meets the SLA (the service-time percentile is within it)")
    max_qps_per_replica = qfield("largest arrival rate per replica meeting the SLA", "1/s", "1/s")
    utilisation_at_max = field("ρ of a replica at max_qps_per_replica")
    qps = qfield("target arrival rate (None if not given)", "1/s", "1/s")
    replicas_needed = field("replicas for the target rate with random (independent) routing")
    utilisation_at_target = field("ρ of each replica at the target with replicas_needed")
    latency_at_target = qfield("latency at the percentile with replicas_needed", "s", "ms")
    method = field("how waits and percentiles are computed")
    assumptions = field("modelling choices")


class CapacityModel:
    """Capacity planning under a latency SLA: max QPS per replica and replicas for a target QPS."""

    def solve(self, sla, percentile: float = 0.99, *, service_time=None, servers_per_replica: int = 1,
              serving=None, output_len=None, qps=None, arrival_cv2: float = 1.0,
              service_cv2=None) -> CapacityResult:
        """Largest QPS per replica whose ``percentile`` latency is within ``sla``, and the replicas
        a target ``qps`` needs when requests are routed to replicas at random (each replica an
        independent G/G/c queue receiving qps/replicas).

        Parameters
        ----------
        sla
            Latency objective (seconds or a quantity such as ``"2 s"``).
        percentile
            Percentile at which the SLA applies (0.99 for P99).
        service_time, servers_per_replica
            Mean service time and servers (batch slots) of one replica.
        serving, output_len
            Alternatively a ``ServingResult`` (S = TTFT + output_len·ITL, slots = batch size).
        qps
            Target arrival rate for ``replicas_needed``.
        arrival_cv2, service_cv2
            As in ``TailLatencyModel``.
        """
        assumptions: list[str] = []
        s, c = _service(service_time, serving, output_len, servers_per_replica, 1, assumptions)
        sla_s = as_seconds(sla, "sla")
        p = _percentile(percentile)
        ca2 = _cv2(arrival_cv2, "arrival_cv2")
        cs2 = _cv2(service_cv2, "service_cv2") if service_cv2 is not None else (0.0 if serving is not None else 1.0)
        mu = 1.0 / s
        lam_max = max_arrival_rate(sla_s, p, c, mu, ca2, cs2)
        feasible = lam_max > 0
        target = _rate(qps, "qps") if qps is not None else None
        reps = lat = rho_t = None
        if target is not None:
            if not feasible:
                assumptions.append("the SLA is below the service-time percentile: no number of replicas meets it")
            else:
                reps = max(1, math.ceil(target / lam_max * (1 - 1e-12)))
                lam_r = target / reps
                while latency_percentile(p, c, lam_r, mu, ca2, cs2) > sla_s:  # guard against rounding
                    reps += 1
                    lam_r = target / reps
                lat = latency_percentile(p, c, lam_r, mu, ca2, cs2)
                rho_t = lam_r / (c * mu)
        assumptions.append("random routing: each replica is an independent queue (pooling across replicas would need fewer)")
        return CapacityResult._make({
            "sla": sla_s, "percentile": p, "service_time": s, "servers_per_replica": c, "service_cv2": cs2,
            "arrival_cv2": ca2, "feasible": feasible, "max_qps_per_replica": lam_max,
            "utilisation_at_max": lam_max / (c * mu), "qps": target, "replicas_needed": reps,
            "utilisation_at_target": rho_t, "latency_at_target": lat, "method": _METHOD,
            "assumptions": tuple(assumptions),
        })
