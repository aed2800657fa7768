"""Helpers the hostile-input tests import by name (see conftest.py for why not from there)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from cgtkg.graph.namespaces import DEFAULT_BASE
from cgtkg.graph.store import GraphStore, new_generation, publish_generation

GRAPH = f"{DEFAULT_BASE}graph/doc/tiny"


def publish_tiny(out: Path, n: int = 3, in_background: bool = False) -> Path:
    """Publish a generation holding ``n`` triples in one named graph, the way a build does
    (``in_background``: as the command line's builds do, see ``prune_generations``)."""
    gen = new_generation(out)
    store = GraphStore(gen / "store")
    g = ox.NamedNode(GRAPH)
    store.ox.extend([ox.Quad(ox.NamedNode(f"{DEFAULT_BASE}doc/x{i}"), ox.NamedNode(f"{DEFAULT_BASE}p"),
                             ox.Literal(str(i)), g) for i in range(n)])
    store.close()
    del store
    publish_generation(out, gen, prune_in_background=in_background)
    return gen
