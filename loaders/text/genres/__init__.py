"""The loader registry: one module per document genre.

A genre is an object with ``name``, ``detect(src) -> float`` (0 = not this genre, 1 = surely
this genre) and ``extract(env) -> Extraction``.  Each module in this package registers its
genre with :func:`register` when imported; :func:`all_genres` imports them all.  A new genre
is a new module here, nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Protocol

from ..common import Env
from ..model import Extraction
from ..source import SourceText

#: Below this score no genre is trusted and the file is reported as unstructured.
MIN_SCORE = 0.25


class Genre(Protocol):
    name: str
    description: str

    def detect(self, src: SourceText) -> float: ...

    def extract(self, env: Env) -> Extraction: ...


_REGISTRY: dict[str, Genre] = {}


def register(genre: Genre) -> Genre:
    if genre.name in _REGISTRY and _REGISTRY[genre.name] is not genre:
        raise ValueError(f"genre {genre.name!r} registered twice")
    _REGISTRY[genre.name] = genre
    return genre


_IMPORTED = False


def all_genres() -> dict[str, Genre]:
    global _IMPORTED
    if not _IMPORTED:  # the package's modules are listed once per process (a directory scan)
        for info in pkgutil.iter_modules(__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{__name__}.{info.name}")
        _IMPORTED = True
    return dict(sorted(_REGISTRY.items()))


def detect(src: SourceText) -> tuple[Genre | None, dict[str, float]]:
    """The best-scoring genre and every genre's score (for the report)."""
    scores = {name: round(float(g.detect(src)), 3) for name, g in all_genres().items()}
    best = max(scores.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0.0))
    if best[0] is None or best[1] < MIN_SCORE:
        return None, scores
    return _REGISTRY[best[0]], scores
