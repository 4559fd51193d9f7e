"""Numeric precisions: storage bytes per element and how a missing native peak falls back.

The bytes are definitions of the formats (IEEE 754 and OCP microscaling), not measurements.
"""

from __future__ import annotations

from .errors import ConfigError, UnknownNameError

__all__ = ["PRECISIONS", "bytes_per_element", "normalize_precision", "FALLBACK"]

#: storage bytes per element
PRECISIONS: dict[str, float] = {
    "fp64": 8.0,
    "fp32": 4.0,
    "tf32": 4.0,  # a compute mode on fp32 storage
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "fp4": 0.5,
    "int4": 0.5,
}

_ALIASES = {
    "float32": "fp32", "float": "fp32", "single": "fp32", "float16": "fp16", "half": "fp16",
    "bfloat16": "bf16", "float8": "fp8", "e4m3": "fp8", "e5m2": "fp8", "nvfp4": "fp4",
    "mxfp4": "fp4", "float64": "fp64", "double": "fp64", "i8": "int8", "i4": "int4",
}

#: When a device has no native peak for a precision, the precisions whose peak it runs at,
#: in order (e.g. bf16 on a T4 runs on its fp32 units). The substitution is stated in results.
FALLBACK: dict[str, tuple[str, ...]] = {
    "fp64": ("fp32",),
    "fp32": ("fp64",),
    "tf32": ("fp32",),
    "bf16": ("fp16", "fp32"),
    "fp16": ("bf16", "fp32"),
    "fp8": ("fp16", "bf16", "int8", "fp32"),
    "int8": ("fp8", "fp16", "bf16", "fp32"),
    "fp4": ("fp8", "int4", "int8", "fp16", "bf16", "fp32"),
    "int4": ("int8", "fp8", "fp16", "bf16", "fp32"),
}


def normalize_precision(name) -> str:
    """Canonical precision name (``"BF16"`` -> ``"bf16"``); unknown names raise with a suggestion."""
    if not isinstance(name, str):
        raise ConfigError(f"precision: expected a name such as 'bf16', got {type(name).__name__}")
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in PRECISIONS:
        import difflib

        raise UnknownNameError("precision", name, difflib.get_close_matches(key, list(PRECISIONS), n=2, cutoff=0.5))
    return key


def bytes_per_element(precision: str) -> float:
    return PRECISIONS[normalize_precision(precision)]
