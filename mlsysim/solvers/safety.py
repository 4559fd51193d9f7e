"""The safety wall: what input and output guardrails cost.

A guard model (Llama Guard, Inan et al. 2023) classifies the prompt before the model answers and
the conversation (prompt + response) after, each a prefill plus a few verdict tokens
(``ServingModel`` on the guard model):

    T_in   = TTFT_g(s) + v · ITL_g                      input guard (eq. F1)
    T_out  = TTFT_g(s + n) + v · ITL_g                  output guard over prompt and response (eq. F2)
    T      = T_in + T_model + T_out                     serial guardrails (eq. F3)
    GPU overhead = (T_in + T_out)·t_g/b_g ÷ T_model·t/b   guard GPU-seconds per request over the model's (eq. F4)
"""

from __future__ import annotations

import tomllib
from functools import lru_cache

from ..core.errors import ConfigError
from ..core.result import Result, field, qfield
from ..registry import DATA_DIR
from ._inputs import as_hardware, as_model, check_positive_int

__all__ = ["SafetyModel", "SafetyResult", "guard_model"]


@lru_cache(maxsize=8)
def _guard_row(gid: str) -> dict:
    path = DATA_DIR / "safety" / f"{gid}.toml"
    if not path.is_file():
        import difflib

        ids = [p.stem for p in (DATA_DIR / "safety").glob("*.toml")]
        close = difflib.get_close_matches(gid, ids, n=2)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ConfigError(f"guard: unknown guard model {gid!r}{hint}")
    return tomllib.loads(path.read_text("utf-8"))


def guard_model(name: str = "LlamaGuard3_8B"):
    """(workload, verdict tokens, source title) of a guard model from ``mlsysim/data/safety/``: the
    shape of its base model under the guard's name."""
    from ..registry import Models

    row = _guard_row(name)
    base = Models.get(row["base_model"])
    return base.copy(name=row["name"], id=row["id"], aliases=()), int(row["verdict_tokens"]), row["source"]["title"]


class SafetyResult(Result):
    """Result of ``SafetyModel.solve``: guardrail latency and GPU overhead per request."""

    model = field("served model")
    guard = field("guard model")
    hardware = field("device name")
    prompt_len = field("prompt tokens")
    output_len = field("response tokens")
    verdict_tokens = field("tokens the guard generates per check")
    model_latency = qfield("TTFT + n·ITL of the served model", "s", "s")
    input_guard_time = qfield("guard on the prompt", "s", "ms")
    output_guard_time = qfield("guard on prompt + response", "s", "ms")
    latency = qfield("serial total: input guard + model + output guard", "s", "s")
    latency_overhead = field("(total − model) / model")
    model_gpu_seconds = qfield("model GPU-seconds per request", "s", "s")
    guard_gpu_seconds = qfield("guard GPU-seconds per request", "s", "s")
    gpu_overhead = field("guard GPU-seconds / model GPU-seconds")
    assumptions = field("modelling choices and sources")


class SafetyModel:
    """Input and output guardrails (a guard model's prefill passes) added to every request."""

    def solve(self, model, hardware, *, prompt_len: int = 1024, output_len: int = 256, guard="LlamaGuard3_8B",
              input_guard: bool = True, output_guard: bool = True, batch_size: int = 1, guard_batch_size: int | None = None,
              tp_size: int = 1, guard_tp_size: int = 1, precision: str = "bf16", guard_precision: str | None = None,
              guard_hardware=None, verdict_tokens: int | None = None) -> SafetyResult:
        """Price the guardrails of one request.

        Parameters
        ----------
        model, hardware
            The served model and its device.
        prompt_len, output_len
            Tokens of the prompt and of the response.
        guard
            A guard id of ``mlsysim/data/safety/`` (``"LlamaGuard3_8B"``) or a workload object.
        input_guard, output_guard
            Which checks run.
        batch_size, guard_batch_size
            Requests batched on the model and on the guard (default the same).
        guard_hardware
            Device of the guard (default the model's).
        verdict_tokens
            Tokens the guard generates (default from the guard's data row).
        """
        from .serving import ServingModel

        m = as_model(model)
        hw = as_hardware(hardware)
        ghw = as_hardware(guard_hardware) if guard_hardware is not None else hw
        s = check_positive_int(prompt_len, "prompt_len", 10**8)
        n = check_positive_int(output_len, "output_len", 10**8)
        b = check_positive_int(batch_size, "batch_size", 10**7)
        gb = check_positive_int(guard_batch_size, "guard_batch_size", 10**7) if guard_batch_size is not None else b
        assumptions: list[str] = []
        if isinstance(guard, str):
            g, v_default, src = guard_model(guard)
            assumptions.append(f"guard {g.name}: {src}")
        else:
            g, v_default = as_model(guard), 1
        v = check_positive_int(verdict_tokens, "verdict_tokens", 10**5) if verdict_tokens is not None else v_default
        if not (input_guard or output_guard):
            raise ConfigError("input_guard: at least one of input_guard and output_guard must be on")
        sm = ServingModel()
        r = sm.solve(m, hw, seq_len=s, batch_size=b, output_len=n, precision=precision, tp_size=tp_size)
        t_model = r.ttft.to("s").magnitude + n * r.itl.to("s").magnitude
        gp = guard_precision or precision

        def check(ctx: int) -> float:
            gr = sm.solve(g, ghw, seq_len=ctx, batch_size=gb, output_len=v, precision=gp, tp_size=guard_tp_size)
            return gr.ttft.to("s").magnitude + v * gr.itl.to("s").magnitude

        t_in = check(s) if input_guard else 0.0
        t_out = check(s + n) if output_guard else 0.0
        total = t_in + t_model + t_out
        gs_model = t_model * tp_size / b
        gs_guard = (t_in + t_out) * guard_tp_size / gb
        assumptions.append("checks run in series with the model (no streaming overlap); the guard prompt template's tokens are not counted")
        return SafetyResult._make({
            "model": m.name, "guard": g.name, "hardware": hw.name, "prompt_len": s, "output_len": n,
            "verdict_tokens": v, "model_latency": t_model, "input_guard_time": t_in, "output_guard_time": t_out,
            "latency": total, "latency_overhead": (total - t_model) / t_model, "model_gpu_seconds": gs_model,
            "guard_gpu_seconds": gs_guard, "gpu_overhead": gs_guard / gs_model, "assumptions": tuple(assumptions),
        })
