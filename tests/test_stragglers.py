"""StragglerModel: order statistics of the slowest worker; the tail at scale."""

import math
import random
import tomllib
from pathlib import Path

import pytest

from mlsysim import ConfigError
from mlsysim.solvers.stragglers import StragglerModel, expected_max_step, fanout_tail_probability, harmonic

ROOT = Path(__file__).resolve().parents[1]
S = StragglerModel()


def test_dean_barroso_fanout_63_percent():
    row = tomllib.loads((ROOT / "mlsysim/data/stragglers/dean_barroso_fanout.toml").read_text())
    p = fanout_tail_probability(row["per_server_tail_probability"], row["servers"])
    assert p == pytest.approx(1 - 0.99 ** 100) and round(p, 2) == row["fraction_of_requests_slow"]
    r = S.solve(100, "1 s", tail_probability=0.01)
    assert r.p_step_slow == pytest.approx(0.634, abs=1e-3)


def test_exponential_max_is_harmonic():
    """Shifted exponential with cv 1 (pure exponential): E[max of N] = m · H_N."""
    assert expected_max_step(1.0, 10, 1.0, "exponential") == pytest.approx(harmonic(10))
    assert harmonic(4) == pytest.approx(1 + 1 / 2 + 1 / 3 + 1 / 4)


def test_normal_max_known_values():
    """E[max of 2 standard normals] = 1/√π; of 10 ≈ 1.5388 (tables of normal order statistics)."""
    assert expected_max_step(0.0 + 1.0, 2, 1.0) - 1.0 == pytest.approx(1 / math.sqrt(math.pi), rel=1e-4)
    assert expected_max_step(1.0, 10, 1.0) - 1.0 == pytest.approx(1.53875, rel=1e-3)


def test_lognormal_matches_monte_carlo():
    rng = random.Random(1)
    c, m, n = 0.2, 1.0, 64
    s2 = math.log1p(c * c)
    mu = math.log(m) - s2 / 2
    sims = [max(rng.lognormvariate(mu, math.sqrt(s2)) for _ in range(n)) for _ in range(4000)]
    assert expected_max_step(m, n, c, "lognormal") == pytest.approx(sum(sims) / len(sims), rel=0.01)


def test_slowdown_grows_with_workers():
    small = S.solve(8, "200 ms", cv=0.05)
    big = S.solve(8192, "200 ms", cv=0.05)
    assert 1 < small.slowdown < big.slowdown
    assert big.efficiency == pytest.approx(1 / big.slowdown)
    assert S.solve(1, "200 ms", cv=0.5).slowdown == 1


def test_errors():
    with pytest.raises(ConfigError, match="distribution"):
        S.solve(8, "1 s", cv=0.1, distribution="pareto")
    with pytest.raises(ConfigError, match="cv"):
        S.solve(8, "1 s", cv=-1)
