"""Datasets: sizes and sample counts of training corpora, as data files in ``mlsysim/data/datasets/``.

``Datasets.ImageNet1k``, ``Datasets.get("librispeech")``, ``Datasets.all()``; users add their own
with ``Datasets.register(Dataset(...))`` or ``Datasets.load("my_data.toml")``. Read by the data
pipeline solver (``mlsysim.solvers.data.DataPipelineModel``) for bytes per sample.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .core.types import Qty, Source, Spec
from .registry import Namespace, Registry, _simple

__all__ = ["Dataset", "Datasets"]


class Dataset(Spec):
    """A training corpus: modality, size on disk, and samples (or tokens, or hours of audio)."""

    name: str
    id: str | None = None
    aliases: tuple[str, ...] = ()
    modality: Literal["image", "text", "audio", "video", "tabular", "other"] = "other"
    format: str | None = None
    samples: float | None = None
    tokens: float | None = None
    hours: float | None = None
    size: Qty("information")
    bytes_per_token_tokenized: float | None = None
    description: str | None = None
    source: Source | None = None
    sources: dict[str, Source] = {}

    @model_validator(mode="after")
    def _check(self):
        for f in ("samples", "tokens", "hours", "bytes_per_token_tokenized"):
            v = getattr(self, f)
            if v is not None and not (v > 0 and v == v):
                raise ValueError(f"{f} must be positive, got {v}")
        return self

    @property
    def bytes_per_sample(self):
        """Mean stored bytes per sample (size / samples), or None when the sample count is unknown."""
        return self.size / self.samples if self.samples else None

    def __repr__(self) -> str:
        return f"Dataset({self.id or self.name!r})"


_registry = Registry("dataset", "datasets", _simple(".datasets.Dataset"))
Datasets = Namespace(_registry)
