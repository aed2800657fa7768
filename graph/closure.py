"""Shortcuts the build writes next to the facts, so that queries look up instead of walking.

Two walks recur in the saved queries and grew with the corpus: from a provision up its
``eli:is_part_of`` chain to the document (every measure of every network query), and from a
region or therapy type up ``skos:broader`` to the concept a user asked about (Nansha counts
under Guangdong). Evaluated per row they cost seconds at 10,000 texts (benchmarks/run.py);
stored once they are index lookups:

* ``cgt:partOfDocument`` — each ``eli:LegalResourceSubdivision`` to the legal resource at the
  top of its ``eli:is_part_of`` chain, written into the subdivision's own named graph (so an
  incremental build that redoes one document redoes its shortcuts too);
* ``skos:broaderTransitive`` — the SKOS super-property of ``skos:broader``, closed over the
  registry's concept hierarchies, written into the registry graph.

Both are derived, never curated: a record or text that states them is overwritten by the
walk, and SHACL checks that every subdivision has exactly one document.
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from graph.namespaces import CGT, ELI


def materialise(graph: Graph) -> int:
    """Add the shortcuts that ``graph``'s own triples imply; returns how many were added."""
    return _documents(graph) + _broader_transitive(graph)


def _documents(graph: Graph) -> int:
    subdivision = ELI.LegalResourceSubdivision
    added = 0
    for s in set(graph.subjects(RDF.type, subdivision)):
        graph.remove((s, CGT.partOfDocument, None))
        node, seen = s, {s}
        while (node, RDF.type, subdivision) in graph:
            parents = sorted(graph.objects(node, ELI.is_part_of))
            # a subdivision without a parent, with two, or in a cycle has no single document;
            # SHACL reports it (ProvisionShape), a guess here would hide it
            if len(parents) != 1 or parents[0] in seen:
                node = None
                break
            node = parents[0]
            seen.add(node)
        if node is not None and node != s:
            graph.add((s, CGT.partOfDocument, node))
            added += 1
    return added


def _broader_transitive(graph: Graph) -> int:
    up: dict = {}
    for narrower, broader in graph.subject_objects(SKOS.broader):
        up.setdefault(narrower, set()).add(broader)
    if not up:
        return 0
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
            if (start, SKOS.broaderTransitive, node) not in graph:
                graph.add((start, SKOS.broaderTransitive, node))
                added += 1
    return added
