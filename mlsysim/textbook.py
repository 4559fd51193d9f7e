"""Where each layer and solver is taught: chapters and lecture decks of the *Machine Learning Systems* book.

The mapping is data (``mlsysim/data/textbook.toml``)::

    >>> from mlsysim.textbook import chapters_for
    >>> [d.title for d in chapters_for("ServingModel")]
    ['Model Serving', 'Inference at Scale']
    >>> chapters_for("A")[0].pdf  # a layer, by letter or name
    'https://github.com/harvard-edge/cs249r_book/releases/download/slides-latest/vol1_05_nn_computation.pdf'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from .core.errors import UnknownNameError
from .registry import DATA_DIR

__all__ = ["Deck", "chapters_for", "decks", "layers", "solvers", "TEXTBOOK_FILE"]

TEXTBOOK_FILE = DATA_DIR / "textbook.toml"


@dataclass(frozen=True)
class Deck:
    """A chapter of the book and its lecture deck."""

    id: str
    volume: int
    chapter: int
    title: str
    topic: str
    key_concepts: tuple[str, ...]
    pdf: str  #: the deck's PDF (GitHub release asset)
    slides: str  #: the volume's slide portal

    def __str__(self) -> str:
        return f"Vol {'I' * self.volume} Ch {self.chapter}: {self.title}"


@lru_cache(maxsize=1)
def _data() -> dict:
    return tomllib.loads(TEXTBOOK_FILE.read_text("utf-8"))


@lru_cache(maxsize=1)
def decks() -> dict[str, Deck]:
    """Every deck, by id (``vol1_13``)."""
    return {k: Deck(k, int(v["volume"]), int(v["chapter"]), v["title"], v.get("topic", ""),
                    tuple(v.get("key_concepts", ())), v["pdf"], v["slides"]) for k, v in _data()["decks"].items()}


def layers() -> dict[str, dict]:
    """The five layers (``A`` … ``E``): name, module and deck ids."""
    return dict(_data()["layers"])


def solvers() -> dict[str, dict]:
    """Solver class name → deck ids, basis (``seed`` or ``mlsysim``) and note."""
    return dict(_data()["solvers"])


def chapters_for(name) -> tuple[Deck, ...]:
    """The decks that teach a solver (class or class name) or a layer (``"A"`` … ``"E"`` or its name)."""
    key = name if isinstance(name, str) else getattr(name, "__name__", str(name))
    entry = solvers().get(key)
    if entry is None:
        entry = next((v for k, v in layers().items() if key.strip().lower() in (k.lower(), v["name"].lower())), None)
    if entry is None:
        import difflib

        known = list(solvers()) + list(layers()) + [v["name"] for v in layers().values()]
        raise UnknownNameError("solver or layer", key, difflib.get_close_matches(key, known, n=2))
    table = decks()
    return tuple(table[d] for d in entry["decks"])
