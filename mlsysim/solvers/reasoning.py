"""Inference-time compute (the reasoning wall): chain-of-thought and best-of-N as extra decode steps.

A request with a prompt of s tokens and an answer of n tokens, with R = K·n reasoning tokens
(chain-of-thought, Wei et al. 2022) and N parallel samples (best-of-N, Snell et al. 2024):

    out   = n + R                                   decode steps per sample
    T     = TTFT + out · ITL                        latency (static batching, eq. R1)
    μ     = (b/N) / (TTFT + out · ITL)              requests per second of one replica of b slots (eq. R2)
    GPUs  = ⌈λ / μ⌉ · t                             replicas of t devices for λ requests per second (eq. R3)
    cost  = GPUs · p · T_period                     rental at p per GPU-hour over the period (eq. R4)

Reasoning tokens are generated at the decode rate: every one costs an inter-token latency (ITL)
of ``ServingModel``, which a memory-bound decode step sets by bytes / bandwidth. At a fixed batch
per replica, the GPUs needed at a fixed query rate grow with the latency (Little's law, L = λW).
"""

from __future__ import annotations

import math

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from ._inputs import as_hardware, as_model, check_positive_int

__all__ = ["ReasoningModel", "ReasoningResult", "gpu_hour_price", "request_latency", "replica_capacity",
           "replicas_needed"]

_HOUR = 3600.0


# ---- formula functions (math page: "Reasoning wall") --------------------------------------------
def request_latency(ttft: float, itl: float, decode_steps: float) -> float:
    """T = TTFT + out · ITL: a request's latency under static batching (eq. R1)."""
    return ttft + decode_steps * itl


def replica_capacity(requests_per_batch: float, batch_time: float) -> float:
    """μ = (b/N) / T_batch: requests per second one replica completes (Little's law; eq. R2)."""
    return requests_per_batch / batch_time


def replicas_needed(qps: float, capacity: float) -> int:
    """⌈λ / μ⌉: whole replicas that sustain λ requests per second (eq. R3)."""
    return max(1, math.ceil(qps / capacity - 1e-9))


def as_rate(v, unit: str, name: str) -> float:
    """A rate per second from a positive number or a quantity in ``unit`` (``"30 request/s"``)."""
    from ..core.units import Q_, ureg

    if isinstance(v, bool):
        raise ConfigError(f"{name}: expected a number or a quantity in {unit}, got {v!r}")
    if isinstance(v, (int, float)):
        f = float(v)
    else:
        try:
            q = v if hasattr(v, "to") else Q_(str(v))
            f = float(q.to(ureg.Unit(unit)).magnitude)
        except Exception:
            raise ConfigError(f"{name}: expected a number or a quantity in {unit}, got {v!r}") from None
    if not math.isfinite(f) or f <= 0:
        raise ConfigError(f"{name}: must be a positive finite rate, got {v!r}")
    return f


def _price_rows():
    from ._macro import rows

    return [r for r in rows("prices") if r.get("kind") == "rental"]


def _row_price(r) -> float:
    from ..core.units import Q_

    p = float(Q_(r["price"]).to("USD/h").magnitude)
    if r.get("per") != "gpu" and r.get("gpus_per_instance"):
        p /= int(r["gpus_per_instance"])  # an instance price
    return p


def gpu_hour_price(hw, price=None) -> tuple[float, str]:
    """(USD per GPU-hour, source) for a rental price.

    ``price`` may be a quantity (``"6.88 USD/h"``), a price row id of ``mlsysim/data/prices/``
    (``"prices:aws_p5_48xlarge_2026"``), or None: the economics solver's default rental price
    for the device (median of the latest dated providers), else the same rule on the price rows."""
    if price is not None:
        if isinstance(price, str) and price.strip().startswith("prices:"):
            rid = price.strip()[len("prices:"):]
            mine = [r for r in _price_rows() if r.get("id") == rid]
            if not mine:
                import difflib

                ids = [r["id"] for r in _price_rows()]
                close = difflib.get_close_matches(rid, ids, n=2)
                hint = f"; did you mean {' or '.join(repr('prices:' + c) for c in close)}?" if close else ""
                raise ConfigError(f"price_per_gpu_hour: no rental price row {rid!r}{hint}")
            r = mine[0]
            src = f"prices:{rid} ({r.get('provider', '?')} {r.get('instance', '')}, {r.get('date')}; {r['source']['title']})"
            return _row_price(r), src
        from ._macro import quantity_si

        return quantity_si(price, "price_per_time", "price_per_gpu_hour") * _HOUR, "given"
    try:  # the economics solver owns the default rental price when it offers one
        from . import economics

        for name in ("cloud_price", "rental_price"):
            fn = getattr(economics, name, None)
            if callable(fn):
                p, src = fn(hw)
                if p is not None:
                    return float(p), f"economics.{name}: {src}"
    except ImportError:
        pass
    import statistics

    mine = [r for r in _price_rows() if r.get("hardware") == hw.id]
    if not mine:
        raise ConfigError(f"price_per_gpu_hour: no rental price known for {hw.name}; give one (e.g. '3.99 USD/h')")
    year = max(str(r.get("date"))[:4] for r in mine)
    latest = [r for r in mine if str(r.get("date"))[:4] == year]
    vals = [_row_price(r) for r in latest]
    return statistics.median(vals), f"median of {len(vals)} rental rows dated {year}: " + ", ".join(r["id"] for r in latest)


class ReasoningResult(Result):
    """Result of ``ReasoningModel.solve``: latency, replicas, GPUs and cost with and without reasoning."""

    model = field("workload name")
    hardware = field("device name")
    precision = field("weight precision")
    tp_size = field("tensor-parallel devices per replica")
    prompt_len = field("prompt tokens per request (s)")
    answer_len = field("answer tokens per request (n)")
    reasoning_tokens = field("reasoning (chain-of-thought) tokens per sample (R = K·n)")
    reasoning_multiple = field("K: reasoning tokens per answer token")
    best_of_n = field("N: parallel samples per request")
    decode_steps = field("decode steps per sample: n + R")
    token_multiple = field("decoded tokens per request with reasoning / without: N·(n + R)/n")
    batch_size = field("sequences decoded together per replica (b)")
    requests_per_batch = field("requests per batch: b / N")
    baseline_ttft = qfield("TTFT without reasoning", "s", "s")
    baseline_itl = qfield("ITL without reasoning", "s", "ms")
    baseline_latency = qfield("request latency without reasoning: TTFT + n·ITL", "s", "s")
    ttft = qfield("TTFT with reasoning (shared prompt: b/N prompts prefilled)", "s", "s")
    itl = qfield("ITL with reasoning (at the longer mean context)", "s", "ms")
    reasoning_time = qfield("R · ITL: the time spent thinking", "s", "s")
    latency = qfield("request latency with reasoning: TTFT + (n + R)·ITL", "s", "s")
    latency_multiple = field("latency / baseline latency")
    decode_bottleneck = field("what bounds a decode step with reasoning ('Memory' or 'Compute')")
    baseline_capacity = qfield("requests per second one replica completes, without reasoning", "request/s")
    capacity = qfield("requests per second one replica completes, with reasoning", "request/s")
    qps = qfield("query rate the fleet must sustain (None: per-replica figures only)", "request/s")
    baseline_replicas = field("replicas needed without reasoning")
    replicas = field("replicas needed with reasoning")
    baseline_gpus = field("GPUs without reasoning (replicas × tp)")
    gpus = field("GPUs with reasoning")
    gpu_multiple = field("GPUs with reasoning / without")
    baseline_gpu_seconds_per_request = qfield("GPU-seconds per request without reasoning", "s", "s")
    gpu_seconds_per_request = qfield("GPU-seconds per request with reasoning", "s", "s")
    price_per_gpu_hour = qfield("rental price per GPU-hour", "USD/s", "USD/h")
    price_source = field("where the price comes from")
    duration = qfield("period of the bill", "s", "day")
    baseline_cost = qfield("fleet bill without reasoning: GPUs · price · period", "USD", "USD")
    cost = qfield("fleet bill with reasoning", "USD", "USD")
    cost_increase = qfield("cost − baseline cost", "USD", "USD")
    cost_multiple = field("cost / baseline cost")
    baseline_cost_per_request = qfield("GPU-seconds per request × price, without reasoning", "USD", "USD")
    cost_per_request = qfield("GPU-seconds per request × price, with reasoning", "USD", "USD")
    latency_slo = qfield("latency objective (None: not checked)", "s", "s")
    meets_slo = field("latency ≤ objective (None when no objective)")
    feasible = field("the batch fits in device memory at the reasoning context")
    assumptions = field("modelling choices, defaults and their sources")


class ReasoningModel:
    """What chain-of-thought and best-of-N cost: latency, replicas, GPUs and the fleet bill."""

    def solve(self, model, hardware, *, prompt_len: int = 1024, answer_len: int = 256,
              reasoning_multiple: float = 0.0, reasoning_tokens: int | None = None, best_of_n: int = 1,
              batch_size: int | None = None, qps=None, precision: str = "bf16", tp_size: int = 1,
              price_per_gpu_hour=None, duration="365 day", batching: str = "static",
              share_prompt: bool = True, latency_slo=None, efficiency: float | None = None,
              memory_efficiency: float | None = None, kv_precision: str | None = None) -> ReasoningResult:
        """Solve the reasoning wall for one model on one device type.

        Parameters
        ----------
        model, hardware
            Transformer workload and device (objects or registry names).
        prompt_len, answer_len
            Prompt tokens (s) and answer tokens (n) per request.
        reasoning_multiple
            K: reasoning tokens per answer token (R = K·n); "K = 8 chain-of-thought" is K = 8.
        reasoning_tokens
            R directly (overrides ``reasoning_multiple``).
        best_of_n
            N samples per request decoded in parallel (best-of-N; a verifier is not counted).
        batch_size
            Sequences a replica decodes together; default the largest that fits in memory at the
            reasoning context (the batching wall), the same for the baseline.
        qps
            Requests per second to sustain (number or ``"30 request/s"``); None gives per-replica figures.
        precision, tp_size, efficiency, memory_efficiency, kv_precision
            As in ``ServingModel``.
        price_per_gpu_hour
            ``"6.88 USD/h"``, a price row id ``"prices:<id>"``, or None (default rental price).
        duration
            Period of the bill (``"365 day"``; a number is days).
        batching
            ``"static"``: a request waits for its batch's prefill (latency TTFT(b) + out·ITL);
            ``"continuous"``: a new request is prefilled alone (TTFT(1) + out·ITL). Capacity is the same.
        share_prompt
            Best-of-N samples share one prefill of their prompt (prefix caching).
        latency_slo
            A latency objective to check (``"30 s"``).
        """
        from .serving import ServingModel

        model = as_model(model)
        hw = as_hardware(hardware)
        s = check_positive_int(prompt_len, "prompt_len", 10**8)
        n = check_positive_int(answer_len, "answer_len", 10**8)
        N = check_positive_int(best_of_n, "best_of_n", 10**4)
        tp = check_positive_int(tp_size, "tp_size", 1024)
        if batching not in ("static", "continuous"):
            raise ConfigError(f"batching: expected 'static' or 'continuous', got {batching!r}")
        if reasoning_tokens is not None:
            if isinstance(reasoning_tokens, bool) or not isinstance(reasoning_tokens, int) or reasoning_tokens < 0:
                raise ConfigError(f"reasoning_tokens: expected a whole number ≥ 0, got {reasoning_tokens!r}")
            R = int(reasoning_tokens)
            K = R / n
        else:
            if isinstance(reasoning_multiple, bool) or not isinstance(reasoning_multiple, (int, float)) \
                    or not math.isfinite(reasoning_multiple) or reasoning_multiple < 0:
                raise ConfigError(f"reasoning_multiple: expected a number ≥ 0, got {reasoning_multiple!r}")
            K = float(reasoning_multiple)
            R = int(round(K * n))
        out = n + R
        assumptions: list[str] = [
            f"reasoning tokens R = {R} (K = {K:g} × answer {n}); generated at the decode rate (ITL)",
            f"{batching} batching; a replica is {tp} device(s)",
        ]
        kw = dict(precision=precision, tp_size=tp, efficiency=efficiency, memory_efficiency=memory_efficiency,
                  kv_precision=kv_precision)
        sm = ServingModel()
        probe = sm.solve(model, hw, seq_len=s, batch_size=1, output_len=out, **kw)
        fit = probe.max_batch_size
        if fit < N:
            raise ConfigError(f"batch_size: {N} samples of {s + out} tokens do not fit on {tp} x {hw.name} "
                              f"(at most {fit} sequences)")
        if batch_size is None:
            b = fit - fit % N
            assumptions.append(f"batch {b}: the largest that fits at the reasoning context {s + out} (batching wall)")
        else:
            b = check_positive_int(batch_size, "batch_size", 10**7)
            if b < N:
                raise ConfigError(f"batch_size: {b} is smaller than best_of_n {N}")
            b -= b % N
        q_b = b // N
        feasible = b <= fit

        base = sm.solve(model, hw, seq_len=s, batch_size=b, output_len=n, **kw)
        dec = sm.solve(model, hw, seq_len=s, batch_size=b, output_len=out, **kw)
        ttft_b = base.ttft.to("s").magnitude
        itl_b = base.itl.to("s").magnitude
        itl_r = dec.itl.to("s").magnitude
        if N > 1 and share_prompt:
            pre = sm.solve(model, hw, seq_len=s, batch_size=q_b, output_len=out, **kw)
            ttft_r = pre.ttft.to("s").magnitude
            assumptions.append(f"best-of-{N}: the samples share one prefill of the prompt (prefix caching)")
        else:
            ttft_r = dec.ttft.to("s").magnitude
        batch_time_base = request_latency(ttft_b, itl_b, n)
        batch_time = request_latency(ttft_r, itl_r, out)
        if batching == "static":
            lat_b, lat = batch_time_base, batch_time
            user_ttft_b, user_ttft = ttft_b, ttft_r
        else:
            one = sm.solve(model, hw, seq_len=s, batch_size=1, output_len=out, **kw).ttft.to("s").magnitude
            user_ttft_b = user_ttft = one
            lat_b, lat = request_latency(one, itl_b, n), request_latency(one, itl_r, out)
            assumptions.append("continuous batching: a request's own prefill runs alone; capacity counts the batch's prefill")
        mu_b = replica_capacity(b, batch_time_base)  # baseline: one sample per request, b requests
        mu = replica_capacity(q_b, batch_time)

        if qps is None:
            lam = None
            rep_b = rep = None
            g_b = g = None
        else:
            lam = as_rate(qps, "request/s", "qps")
            rep_b, rep = replicas_needed(lam, mu_b), replicas_needed(lam, mu)
            g_b, g = rep_b * tp, rep * tp
        gs_b = tp / mu_b
        gs = tp / mu
        price_h, psrc = gpu_hour_price(hw, price_per_gpu_hour)
        price = price_h / _HOUR
        from ._macro import as_days

        period = as_days(duration, "duration") * 86400.0
        assumptions.append(f"rental {price_h:.2f} USD per GPU-hour ({psrc}); period {period / 86400:g} days")
        if g is not None:
            cost_b, cost = g_b * price * period, g * price * period
        else:
            cost_b = cost = None
        slo = None
        if latency_slo is not None:
            from ._macro import as_seconds

            slo = as_seconds(latency_slo, "latency_slo")
        return ReasoningResult._make({
            "model": model.name, "hardware": hw.name, "precision": base.precision, "tp_size": tp,
            "prompt_len": s, "answer_len": n, "reasoning_tokens": R, "reasoning_multiple": K, "best_of_n": N,
            "decode_steps": out, "token_multiple": N * out / n, "batch_size": b, "requests_per_batch": q_b,
            "baseline_ttft": user_ttft_b, "baseline_itl": itl_b, "baseline_latency": lat_b,
            "ttft": user_ttft, "itl": itl_r, "reasoning_time": R * itl_r, "latency": lat,
            "latency_multiple": lat / lat_b, "decode_bottleneck": dec.decode_bottleneck,
            "baseline_capacity": mu_b, "capacity": mu, "qps": lam,
            "baseline_replicas": rep_b, "replicas": rep, "baseline_gpus": g_b, "gpus": g,
            "gpu_multiple": (g / g_b) if g is not None else gs / gs_b,
            "baseline_gpu_seconds_per_request": gs_b, "gpu_seconds_per_request": gs,
            "price_per_gpu_hour": price, "price_source": psrc, "duration": period,
            "baseline_cost": cost_b, "cost": cost, "cost_increase": (cost - cost_b) if cost is not None else None,
            "cost_multiple": (cost / cost_b) if cost is not None else gs / gs_b,
            "baseline_cost_per_request": gs_b * price, "cost_per_request": gs * price,
            "latency_slo": slo, "meets_slo": (lat <= slo) if slo is not None else None,
            "feasible": feasible, "assumptions": tuple(assumptions + list(dec.assumptions)),
        })
