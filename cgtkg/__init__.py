"""cgtkg: a knowledge graph of China's cell and gene therapy policies.

One import namespace over the card's top-level folders (``pyproject.toml`` maps them), in
layers; imports only run down this list (``tests/test_layering.py`` checks it):

    cgtkg.cli        the ``cgtkg`` command               cgtkg/cli/
    cgtkg.api        the Python API (``from cgtkg import KnowledgeGraph``)   cgtkg/api.py
    cgtkg.pipeline   the build: registry, records, texts -> validated store   cgtkg/pipeline/
    cgtkg.loaders    curated records and texts -> triples                     loaders/
    cgtkg.graph      vocabulary, store, queries, exports, network, server     graph/
    cgtkg.resources  where the ontology, saved queries and records are

The ontology, the saved queries and the curated records ship inside the package as
``cgtkg/ontology``, ``cgtkg/queries`` and ``cgtkg/data``; :func:`cgtkg.resources.resource`
finds them in a wheel, an editable install and a plain checkout alike.
"""

from __future__ import annotations

from pathlib import Path

# From a checkout (plain or installed with ``pip install -e``), graph/ and loaders/ sit beside
# this folder at the top of the repository instead of inside it, as in an installed wheel.
_here = Path(__file__).resolve().parent
if not (_here / "graph").is_dir() and (_here.parent / "graph" / "__init__.py").is_file():
    __path__.append(str(_here.parent))  # noqa: F821 (a package's own __path__)

__all__ = ["KnowledgeGraph"]


def __getattr__(name: str):
    # lazy: ``import cgtkg.graph.store`` must not pull in the API and the build above it
    if name == "KnowledgeGraph":
        from cgtkg.api import KnowledgeGraph

        return KnowledgeGraph
    raise AttributeError(f"module 'cgtkg' has no attribute {name!r}")
