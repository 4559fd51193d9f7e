"""Validated-range notes: say when a result lies outside the regime its formulas were checked in.

A solver calls ``range_notes(...)`` once and adds the notes to its assumptions. Every note starts
with ``"out of range:"`` so readers, tests and agents can find it. The result is still computed
(the formulas extrapolate); the note says how far to trust it.
"""

from __future__ import annotations

__all__ = ["OUT_OF_RANGE", "range_notes"]

OUT_OF_RANGE = "out of range:"


def range_notes(model, *, seq_len: int | None = None, output_len: int | None = None, batch_size: int | None = None,
                compute_time: float | None = None, memory_time: float | None = None,
                overhead_time: float | None = None) -> tuple[str, ...]:
    """Notes for inputs outside the validated range (times in seconds).

    - the prompt (or prompt + generated tokens) is longer than the model's context window: the
      model was not trained to attend that far, and attention and KV-cache terms extrapolate;
    - the step is overhead-dominated (fixed per-step cost larger than both the compute and the
      memory time, typical of tiny batches on small models): the fixed cost is a coarse default
      (kernel count x measured launch cost), so the latency is less certain than the roofline.
    """
    notes: list[str] = []
    ctx = getattr(model, "seq_len", None) if getattr(model, "kind", None) == "transformer" else None
    name = getattr(model, "name", "the model")
    if ctx and seq_len:
        total = seq_len + (output_len or 0)
        if seq_len > ctx:
            notes.append(f"{OUT_OF_RANGE} a prompt of {seq_len:,} tokens exceeds the {ctx:,}-token context of {name}; "
                         "attention and KV-cache terms are extrapolated")
        elif total > ctx:
            notes.append(f"{OUT_OF_RANGE} prompt + output = {total:,} tokens exceeds the {ctx:,}-token context of {name}; "
                         "attention and KV-cache terms are extrapolated")
    if overhead_time and compute_time is not None and memory_time is not None:
        work = max(compute_time, memory_time)
        if overhead_time > work:
            at = f" at batch {batch_size:,}" if batch_size else ""
            notes.append(f"{OUT_OF_RANGE} overhead-dominated{at}: the fixed per-step overhead "
                         f"({overhead_time * 1e3:.3g} ms) exceeds the compute and memory time ({work * 1e3:.3g} ms); "
                         "the overhead is a coarse default, so the latency is less certain than the roofline terms")
    return tuple(notes)
