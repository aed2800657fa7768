"""Shortcuts the build writes next to the facts, so that queries look up instead of walking.

Two walks recur in the saved queries and grew with the corpus: from a provision up its
``eli:is_part_of`` chain to the document (every measure of every network query), and from a
region or therapy type up ``skos:broader`` to the concept a user asked about (Nansha counts
under Guangdong). Evaluated per row they cost seconds at 10,000 texts (benchmarks/run.py);
stored once they are index lookups:

* ``cgt:partOfDocument`` — each ``eli:LegalResourceSubdivision`` to the legal resource at the
  top of its ``eli:is_part_of`` chain, written into the subdivision's own named graph (so an
  incremental build that redoes one document redoes its shortcuts too);
* ``cgt:broaderTransitive`` — every concept above a concept, the closure of ``skos:broader``
  over the registry's concept hierarchies, written into the registry graph. It is a
  sub-property of ``skos:broaderTransitive``: SKOS leaves that property to be inferred, never
  asserted, so the materialised closure is the project's own term and a reasoner still
  derives the SKOS one from it (docs/standards.md);
* ``cgt:selfOrBroader`` — the same closure plus each concept itself (every ``skos:Concept``
  of the graph), so that "the concept or one inside it" is one pattern. The two-branch form
  it replaces (a ``UNION`` whose second branch matched the concept to itself with a
  ``FILTER``) made Oxigraph pair every concept with every other when the parameter came as
  a ``VALUES`` block, as it does on a remote endpoint: seconds to a minute per query on the
  five source texts.

Both are derived, never curated: a record or text that states them is overwritten by the
walk, and SHACL checks that every subdivision has exactly one document.
"""

from __future__ import annotations

from cgtkg.graph.namespaces import CGT, ELI
from cgtkg.graph.triples import written_triples
from rdflib import Graph
from rdflib.namespace import RDF, SKOS


def materialise(graph: Graph) -> int:
    """Add the shortcuts that ``graph``'s own triples imply; returns how many were added.

    One pass over the triples and the walks in Python dicts: an extracted graph sits in a
    store that builds its indexes on the first pattern query (graph/triples.py), and
    nothing else ever queries it, so pattern lookups here cost more than the walks (the
    build's `derive` stage at 10,000 texts).
    """
    subdivisions, concepts, stated, up, broader = set(), set(), [], {}, {}
    kinds = {RDF.type: 0, ELI.is_part_of: 1, CGT.partOfDocument: 2, SKOS.broader: 3,
             CGT.broaderTransitive: 4}
    closed: set = set()  # (concept, concept above it), stated or derived
    subdivision = ELI.LegalResourceSubdivision
    for s, p, o in written_triples(graph):
        kind = kinds.get(p)
        if kind is None:
            continue
        if kind == 0:
            if o == subdivision:
                subdivisions.add(s)
            elif o == SKOS.Concept:
                concepts.add(s)
        elif kind == 1:
            up.setdefault(s, []).append(o)
        elif kind == 2:
            stated.append((s, p, o))
        elif kind == 3:
            broader.setdefault(s, set()).add(o)
        else:
            closed.add((s, o))
    for triple in stated:  # derived, never curated: the walk below decides
        graph.remove(triple)
    return (_documents(graph, subdivisions, up) + _broader_transitive(graph, broader, closed)
            + _self_or_broader(graph, concepts, closed))


def _documents(graph: Graph, subdivisions: set, up: dict) -> int:
    added = 0
    for s in subdivisions:
        node, seen = s, {s}
        while node in subdivisions:
            parents = up.get(node, ())
            # a subdivision without a parent, with two, or in a cycle has no single document;
            # SHACL reports it (ProvisionDocument), a guess here would hide it
            if len(parents) != 1 or parents[0] in seen:
                node = None
                break
            node = parents[0]
            seen.add(node)
        if node is not None and node != s:
            graph.add((s, CGT.partOfDocument, node))
            added += 1
    return added


def _broader_transitive(graph: Graph, up: dict, closed: set) -> int:
    added = 0
    for start in up:
        reached: set = set()
        todo = list(up[start])
        while todo:
            node = todo.pop()
            if node in reached or node == start:
                continue
            reached.add(node)
            todo.extend(up.get(node, ()))
        for node in reached:
            closed.add((start, node))
            if (start, CGT.broaderTransitive, node) not in graph:
                graph.add((start, CGT.broaderTransitive, node))
                added += 1
    return added


def _self_or_broader(graph: Graph, concepts: set, closed: set) -> int:
    """Each concept to itself and to every concept ``cgt:broaderTransitive`` reaches."""
    added = 0
    for s, o in closed | {(c, c) for c in concepts}:
        if (s, CGT.selfOrBroader, o) not in graph:
            graph.add((s, CGT.selfOrBroader, o))
            added += 1
    return added
