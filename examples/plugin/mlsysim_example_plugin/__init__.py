"""An example mlsysim plugin: one accelerator (Cerebras WSE-3) and one solver.

mlsysim finds ``register`` through the entry point ``mlsysim.plugins`` declared in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["register", "SRAMResidencyModel"]


class SRAMResidencyModel:
    """Does a model fit in on-chip SRAM, and what decode rate does SRAM bandwidth allow?

    tokens/s ≤ β_SRAM / W   (one read of the weights per decode step, batch 1)."""

    def solve(self, model, hardware, precision: str = "fp16") -> dict:
        from mlsysim.solvers._inputs import as_hardware, as_model

        m, hw = as_model(model), as_hardware(hardware)
        w = m.weight_bytes(precision)
        sram = hw.memory.sram
        fits = sram is not None and w <= sram
        bw = hw.memory.sram_bandwidth if fits and hw.memory.sram_bandwidth is not None else hw.memory.bandwidth
        return {"model": m.name, "hardware": hw.name, "weights": w.to("GB"), "fits_in_sram": fits,
                "decode_bound": (bw / w).to("1/s")}


def register() -> dict:
    """What this plugin adds (every key optional)."""
    return {
        "hardware": [Path(__file__).with_name("wse3.toml")],
        "solvers": {"SRAMResidencyModel": SRAMResidencyModel},
    }
