"""Fixtures of the conformance tests (helpers: standards_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from standards_helpers import VOCABULARIES, read_vocabulary


@pytest.fixture(scope="session")
def vocabularies() -> dict[str, Graph]:
    return {name: read_vocabulary(name) for name in VOCABULARIES}


@pytest.fixture(scope="session")
def default_graph(built) -> Graph:
    """The default build's merged graph (``graph.ttl``: every named graph, ontology and
    registries included), as a consumer downloads it."""
    return Graph().parse(Path(built.out_dir) / "graph.ttl", format="turtle")
