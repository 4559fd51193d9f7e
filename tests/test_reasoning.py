"""ReasoningModel: chain-of-thought and best-of-N as decode steps, and the $9 Million Question."""

import math
import runpy
from pathlib import Path

import pytest

from mlsysim import ConfigError
from mlsysim.solvers.reasoning import ReasoningModel, gpu_hour_price, replicas_needed
from mlsysim.solvers.serving import ServingModel

ROOT = Path(__file__).resolve().parents[1]
KW = dict(precision="fp8", tp_size=2, batch_size=16, prompt_len=1024, answer_len=256, efficiency=0.7,
          memory_efficiency=0.9)


def test_hand_worked_latency_and_fleet():
    """Every term equals the hand formula built from ServingModel's TTFT and ITL (eqs. R1-R4)."""
    r = ReasoningModel().solve("Llama3_70B", "H100", reasoning_multiple=8, qps=30, price_per_gpu_hour="4 USD/h",
                               duration="10 day", **KW)
    sm = ServingModel()
    skw = {k: v for k, v in KW.items() if k not in ("prompt_len", "answer_len")}
    base = sm.solve("Llama3_70B", "H100", seq_len=1024, output_len=256, **skw)
    cot = sm.solve("Llama3_70B", "H100", seq_len=1024, output_len=256 * 9, **skw)
    lat_b = base.ttft.m_as("s") + 256 * base.itl.m_as("s")
    lat = cot.ttft.m_as("s") + 2304 * cot.itl.m_as("s")
    assert r.reasoning_tokens == 2048 and r.decode_steps == 2304 and r.token_multiple == 9
    assert r.baseline_latency.m_as("s") == pytest.approx(lat_b)
    assert r.latency.m_as("s") == pytest.approx(lat)
    assert r.reasoning_time.m_as("s") == pytest.approx(2048 * cot.itl.m_as("s"))
    mu_b, mu = 16 / lat_b, 16 / lat
    assert r.baseline_replicas == math.ceil(30 / mu_b) and r.replicas == math.ceil(30 / mu)
    assert r.gpus == 2 * r.replicas
    assert r.cost.m_as("USD") == pytest.approx(r.gpus * 4 * 240)
    assert r.baseline_cost.m_as("USD") == pytest.approx(r.baseline_gpus * 4 * 240)
    # reasoning tokens run at the decode rate: the ITL barely moves, the latency multiplies
    assert r.itl.m_as("ms") / r.baseline_itl.m_as("ms") < 1.1
    assert r.decode_bottleneck == "Memory"


def test_gpus_scale_with_latency_at_fixed_batch():
    """At a fixed batch per replica, GPU-seconds per request grow exactly as the latency (Little's law)."""
    r = ReasoningModel().solve("Llama3_8B", "H100", reasoning_multiple=4, price_per_gpu_hour="1 USD/h",
                               **{**KW, "tp_size": 1, "precision": "bf16"})
    assert r.gpus is None and r.cost is None
    ratio = r.gpu_seconds_per_request.m / r.baseline_gpu_seconds_per_request.m
    assert ratio == pytest.approx(r.latency_multiple)


def test_nine_million_question_from_stated_inputs():
    """The slide: K = 8 CoT ~7x latency needs ~7x GPUs at the same QPS; $1.2M -> about $9.1M."""
    mod = runpy.run_path(str(ROOT / "examples" / "nine_million_question.py"))
    r = ReasoningModel().solve(**mod["INPUTS"])
    assert r.price_per_gpu_hour.m_as("USD/h") == pytest.approx(6.88)
    assert r.duration.m_as("day") == pytest.approx(365)
    assert 6.5 <= r.latency_multiple <= 8.5
    assert 6.5 <= r.gpu_multiple <= 8.5
    assert 1.0e6 <= r.baseline_cost.m_as("USD") <= 1.45e6
    assert 7.5e6 <= r.cost.m_as("USD") <= 10.5e6
    assert r.feasible


def test_example_script_prints(capsys):
    runpy.run_path(str(ROOT / "examples" / "nine_million_question.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "yearly GPU bill" in out and "M$" in out


def test_best_of_n_shares_prefill_and_multiplies_decode():
    one = ReasoningModel().solve("Llama3_8B", "H100", best_of_n=1, **{**KW, "tp_size": 1, "precision": "bf16"})
    four = ReasoningModel().solve("Llama3_8B", "H100", best_of_n=4, **{**KW, "tp_size": 1, "precision": "bf16"})
    assert four.requests_per_batch == 4 and four.token_multiple == 4
    assert four.ttft < one.ttft  # 4 prompts prefilled instead of 16
    assert four.gpu_seconds_per_request.m > 3 * one.gpu_seconds_per_request.m


def test_price_sources_and_errors():
    from mlsysim import Hardware

    p, src = gpu_hour_price(Hardware.H100, "prices:lambda_8x_h100_sxm_2026")
    assert p == pytest.approx(3.99) and "lambda" in src
    p, src = gpu_hour_price(Hardware.H100)
    assert p > 0 and src
    with pytest.raises(ConfigError, match="price_per_gpu_hour"):
        gpu_hour_price(Hardware.H100, "prices:aws_p5_48xlarge")
    with pytest.raises(ConfigError, match="reasoning_multiple"):
        ReasoningModel().solve("Llama3_8B", "H100", reasoning_multiple=-1)
    with pytest.raises(ConfigError, match="batching"):
        ReasoningModel().solve("Llama3_8B", "H100", batching="dynamic")
    assert replicas_needed(10.0, 5.0) == 2 and replicas_needed(10.0, 3.0) == 4


def test_slo_and_continuous_batching():
    r = ReasoningModel().solve("Llama3_8B", "H100", reasoning_multiple=8, latency_slo="10 s", batching="continuous",
                               **{**KW, "tp_size": 1, "precision": "bf16"})
    assert r.meets_slo is (r.latency.m_as("s") <= 10)
    assert r.ttft == r.baseline_ttft  # a request's own prefill, alone
    assert "continuous" in " ".join(r.assumptions)
