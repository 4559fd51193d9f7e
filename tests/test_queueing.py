"""Queueing: Erlang C, M/M/c waiting-time tails, Kingman/Allen–Cunneen, capacity under an SLA."""

import math

import pytest

from mlsysim import CapacityModel, ConfigError, ServingModel, TailLatencyModel
from mlsysim.solvers.queueing import (allen_cunneen_wait, erlang_c, kingman_wait, latency_percentile, mmc_mean_wait,
                                      mmc_wait_tail, request_service_time)

T, C = TailLatencyModel(), CapacityModel()


def _erlang_c_direct(c, a):
    """Textbook closed form: (a^c/c!)·c/(c−a) / (Σ_{k<c} a^k/k! + (a^c/c!)·c/(c−a))."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_erlang_c_hand_values():
    assert erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: P_wait = ρ
    rho = 0.5
    assert erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho))  # M/M/2: 1/3
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=5e-5)  # 10 Erlangs on 11 servers
    for c, a in [(5, 3.2), (40, 35.0), (60, 57.0)]:
        assert erlang_c(c, a) == pytest.approx(_erlang_c_direct(c, a), rel=1e-9)


def test_mmc_wait_mean_and_tail():
    lam, mu, c = 3.0, 1.0, 4
    pw = erlang_c(c, 3.0)
    assert mmc_mean_wait(c, lam, mu) == pytest.approx(pw / (c * mu - lam))
    assert mmc_wait_tail(0.5, c, lam, mu) == pytest.approx(pw * math.exp(-0.5))


def test_mm1_p99_is_exact_exponential_sojourn():
    # M/M/1 response time is Exp(μ − λ): p99 = ln(100)/(μ − λ), not W_q + 1/μ
    r = T.solve(8, "100 ms", 1)
    assert r.p99_latency.to("s").magnitude == pytest.approx(math.log(100) / 2.0, rel=1e-6)
    assert r.p50_latency.to("s").magnitude == pytest.approx(math.log(2) / 2.0, rel=1e-6)
    assert r.mean_latency.to("s").magnitude == pytest.approx(0.5)
    assert r.p99_latency.magnitude > 4 * r.mean_latency.magnitude  # the tail is not mean + mean


def test_deterministic_service_shifts_the_wait_tail():
    lam, s, c = 30.0, 0.1, 4
    r = T.solve(lam, s, c, service_cv2=0.0)
    # P(T > t) = P_wait·exp(−θ(t − S)), θ = P_wait/W_q
    pw, wq = r.p_wait, r.mean_wait.to("s").magnitude
    expect = s + math.log(pw / 0.01) * wq / pw
    assert r.p99_latency.to("s").magnitude == pytest.approx(expect, rel=1e-6)
    p50 = s + max(0.0, math.log(pw / 0.5) * wq / pw)
    assert r.p50_latency.to("s").magnitude == pytest.approx(p50, rel=1e-6)
    light = T.solve(10.0, s, c, service_cv2=0.0)  # P_wait < 0.5: the median request does not wait
    assert light.p50_latency.to("s").magnitude == pytest.approx(s)


def test_kingman_is_allen_cunneen_for_one_server():
    lam, mu = 0.8, 1.0
    for ca2, cs2 in [(1, 1), (1, 0), (2, 0.5)]:
        assert allen_cunneen_wait(1, lam, mu, ca2, cs2) == pytest.approx(kingman_wait(0.8, ca2, cs2, 1.0))
    assert kingman_wait(0.8, 1, 1, 1.0) == pytest.approx(4.0)  # M/M/1: ρ/(1−ρ)·E[S]


def test_gamma_service_between_deterministic_and_exponential():
    p = [latency_percentile(0.99, 4, 3.0, 1.0, 1.0, cs2) for cs2 in (0.0, 0.5, 1.0)]
    assert p[0] < p[1] < p[2]


def test_capacity_max_qps_meets_sla_and_replicas():
    r = C.solve("500 ms", 0.99, service_time="100 ms", servers_per_replica=4, qps=100)
    lam = r.max_qps_per_replica.magnitude
    assert latency_percentile(0.99, 4, lam, 10.0) == pytest.approx(0.5, rel=1e-4)
    assert r.replicas_needed == math.ceil(100 / lam)
    assert r.latency_at_target.to("s").magnitude <= 0.5
    tight = C.solve("480 ms", 0.99, service_time="100 ms", servers_per_replica=4, qps=100)
    assert tight.max_qps_per_replica.magnitude < lam and tight.replicas_needed >= r.replicas_needed
    none = C.solve("50 ms", 0.99, service_time="100 ms", qps=10, service_cv2=0)
    assert not none.feasible and none.replicas_needed is None


def test_serving_result_gives_service_time_and_slots():
    s = ServingModel().solve("Llama3_8B", "H100", seq_len=512, batch_size=8, output_len=64)
    st, slots = request_service_time(s)
    assert st == pytest.approx(s.ttft.to("s").magnitude + 64 * s.itl.to("s").magnitude) and slots == 8
    r = T.solve(1.0, serving=s, replicas=2)
    assert r.servers == 16 and r.service_distribution == "deterministic"
    assert r.p99_latency.magnitude >= r.service_time.to(r.p99_latency.units).magnitude


def test_unstable_queue_reports_infinite_wait():
    r = T.solve(20, "100 ms", 1)
    assert not r.stable and math.isinf(r.p99_latency.magnitude)
    assert r.to_dict()["p99_latency"]["value"] is None


@pytest.mark.parametrize("kw, field", [
    ({"arrival_rate": -1, "service_time": 0.1}, "arrival_rate"), ({"arrival_rate": 1}, "service_time"),
    ({"arrival_rate": 1, "service_time": 0.1, "percentile": 99}, "percentile"),
    ({"arrival_rate": 1, "service_time": "1 GB"}, "service_time"),
    ({"arrival_rate": 1, "service_time": 0.1, "servers": 0}, "servers"),
])
def test_bad_input_one_line(kw, field):
    with pytest.raises(ConfigError) as e:
        T.solve(**kw)
    assert field in str(e.value) and "\n" not in str(e.value)
