"""Graphs as sets of pyoxigraph triples, for tests that compare a build's exports and stores.

rdflib's canonical forms (``rdflib.compare.to_isomorphic``) of a whole build took tens of
seconds per comparison; pyoxigraph parses the same files in a fraction of that.  Without
blank nodes, two graphs are isomorphic exactly when their sets of triples are equal; a graph
with blank nodes is still compared through rdflib's canonical forms.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from cgtkg.graph.store import GraphStore
from rdflib import BNode, Graph
from rdflib.compare import isomorphic as rdflib_isomorphic
from rdflib.compare import to_isomorphic

Triples = frozenset  # of (subject, predicate, object) pyoxigraph terms


def _named(graph_name) -> str:
    # a default graph keeps a name of its own ("DEFAULT"), so that it differs from every named graph
    return graph_name.value if isinstance(graph_name, ox.NamedNode) else str(graph_name)


def _by_graph(quads) -> dict[str, Triples]:
    graphs: dict[str, set] = {}
    for q in quads:
        graphs.setdefault(_named(q.graph_name), set()).add((q.subject, q.predicate, q.object))
    return {name: frozenset(g) for name, g in graphs.items()}


def trig_graphs(path: Path) -> dict[str, Triples]:
    """The graphs of a TriG file that hold triples, by name."""
    return _by_graph(ox.parse(path=path, format=ox.RdfFormat.TRIG))


def turtle_triples(path: Path) -> Triples:
    return frozenset((t.subject, t.predicate, t.object) for t in ox.parse(path=path, format=ox.RdfFormat.TURTLE))


def store_graphs(out: Path) -> dict[str, Triples]:
    """The named graphs of the store an out/ folder publishes that hold triples, by name."""
    store = GraphStore.open(out)
    return _by_graph(q for q in store.ox.quads_for_pattern(None, None, None, None)
                     if isinstance(q.graph_name, ox.NamedNode))


def _has_blank_nodes(triples: Triples) -> bool:
    return any(isinstance(t, (ox.BlankNode, ox.Triple)) for triple in triples for t in triple)


def _rdflib_graph(triples: Triples) -> Graph:
    return Graph().parse(data="".join(f"{s} {p} {o} .\n" for s, p, o in triples), format="nt")


def isomorphic(a: Triples, b: Triples) -> bool:
    """Graph isomorphism: without blank nodes, equal sets of triples and nothing else; with
    them, equal canonical forms (rdflib)."""
    if not (_has_blank_nodes(a) or _has_blank_nodes(b)):
        return a == b
    return to_isomorphic(_rdflib_graph(a)) == to_isomorphic(_rdflib_graph(b))


def graphs_isomorphic(a: Graph, b: Graph) -> bool:
    """rdflib's ``isomorphic`` for two rdflib graphs, without its canonical forms when neither
    graph holds a blank node (then equal sets of triples are exactly isomorphic graphs)."""
    if not any(isinstance(t, BNode) for g in (a, b) for triple in g for t in triple):
        return len(a) == len(b) and set(a) == set(b)
    return rdflib_isomorphic(a, b)
