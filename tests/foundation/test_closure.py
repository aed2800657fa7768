"""The shortcuts the build derives (graph/closure.py) say what the chains they replace say.

Saved queries look up ``cgt:partOfDocument``, ``cgt:broaderTransitive`` and
``cgt:selfOrBroader`` instead of
walking ``eli:is_part_of+`` and ``skos:broader*``; a wrong or missing shortcut would silently
drop provisions from a region's or an agency's answer, so both are checked against the walks
on made-up trees and on the real build.
"""

from __future__ import annotations

from cgtkg.graph.closure import materialise
from cgtkg.graph.namespaces import CGT, ELI
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

EX = "https://example.org/"


def n(key: str) -> URIRef:
    return URIRef(EX + key)


def tree(*edges: tuple[str, str], documents=("doc",)) -> Graph:
    g = Graph()
    for d in documents:
        g.add((n(d), RDF.type, ELI.LegalResource))
    for child, parent in edges:
        g.add((n(child), RDF.type, ELI.LegalResourceSubdivision))
        g.add((n(child), ELI.is_part_of, n(parent)))
    return g


def test_every_depth_points_to_its_document():
    g = tree(("chapter", "doc"), ("article", "chapter"), ("item", "article"), ("other", "doc2"),
             documents=("doc", "doc2"))
    materialise(g)
    got = set(g.subject_objects(CGT.partOfDocument))
    assert got == {(n("chapter"), n("doc")), (n("article"), n("doc")), (n("item"), n("doc")),
                   (n("other"), n("doc2"))}


def test_a_stated_shortcut_is_replaced_by_the_derived_one():
    g = tree(("chapter", "doc"), ("article", "chapter"), documents=("doc", "elsewhere"))
    g.add((n("article"), CGT.partOfDocument, n("elsewhere")))
    materialise(g)
    assert set(g.objects(n("article"), CGT.partOfDocument)) == {n("doc")}


def test_broken_chains_get_no_document():
    # two parents, a cycle, no parent: SHACL reports these (cgts:ProvisionDocument)
    g = tree(("two", "doc"), ("two", "chapter"), ("chapter", "doc"), ("a", "b"), ("b", "a"))
    g.add((n("orphan"), RDF.type, ELI.LegalResourceSubdivision))
    materialise(g)
    assert set(g.subjects(CGT.partOfDocument, None)) == {n("chapter")}


def test_broader_transitive_closes_every_path_including_two_parents():
    g = Graph()
    for narrower, broader in [("nansha", "guangzhou"), ("guangzhou", "guangdong"),
                              ("guangdong", "china"), ("nansha", "gd-ftz"), ("gd-ftz", "guangdong")]:
        g.add((n(narrower), SKOS.broader, n(broader)))
    added = materialise(g)
    assert set(g.objects(n("nansha"), CGT.broaderTransitive)) == {
        n("guangzhou"), n("guangdong"), n("china"), n("gd-ftz")}
    assert set(g.objects(n("china"), CGT.broaderTransitive)) == set()
    assert added == (len(list(g.triples((None, CGT.broaderTransitive, None))))
                     + len(list(g.triples((None, CGT.selfOrBroader, None)))))
    assert materialise(g) == 0  # idempotent


def test_self_or_broader_is_the_closure_with_each_concept_itself():
    """"Guangdong or a region inside it" is one lookup: a concept with no broader one
    (China), an untyped node that only has a broader one, and a concept outside any
    hierarchy each answer as the queries expect."""
    g = Graph()
    for key in ("nansha", "guangzhou", "guangdong", "china", "stem-cells"):
        g.add((n(key), RDF.type, SKOS.Concept))
    for narrower, broader in [("nansha", "guangzhou"), ("guangzhou", "guangdong"),
                              ("guangdong", "china"), ("untyped", "guangdong")]:
        g.add((n(narrower), SKOS.broader, n(broader)))
    materialise(g)
    inside_guangdong = set(g.subjects(CGT.selfOrBroader, n("guangdong")))
    assert inside_guangdong == {n("guangdong"), n("guangzhou"), n("nansha"), n("untyped")}
    assert set(g.objects(n("china"), CGT.selfOrBroader)) == {n("china")}
    assert set(g.objects(n("stem-cells"), CGT.selfOrBroader)) == {n("stem-cells")}
    assert set(g.objects(n("nansha"), CGT.selfOrBroader)) == {
        n("nansha"), n("guangzhou"), n("guangdong"), n("china")}


def test_a_broader_cycle_terminates_without_self_links():
    g = Graph()
    g.add((n("a"), SKOS.broader, n("b")))
    g.add((n("b"), SKOS.broader, n("a")))
    materialise(g)
    assert (n("a"), CGT.broaderTransitive, n("a")) not in g
    assert (n("a"), CGT.broaderTransitive, n("b")) in g


def pairs(rows: list[dict], a: str, b: str) -> list[tuple]:
    return sorted((r[a], r[b]) for r in rows)


def test_the_built_store_holds_exactly_the_walks(store):
    prefixes = """PREFIX eli: <http://data.europa.eu/eli/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>"""
    walked = store.query(prefixes + """
        SELECT ?p ?d WHERE { ?p a eli:LegalResourceSubdivision ; eli:is_part_of+ ?d .
                             ?d a eli:LegalResource .
                             FILTER NOT EXISTS { ?d a eli:LegalResourceSubdivision } }""")
    stored = store.query(prefixes + "SELECT ?p ?d WHERE { ?p cgt:partOfDocument ?d }")
    assert len(walked) > 100
    assert pairs(walked, "p", "d") == pairs(stored, "p", "d")
    walked = store.query(prefixes + "SELECT ?a ?b WHERE { ?a skos:broader+ ?b }")
    stored = store.query(prefixes + "SELECT ?a ?b WHERE { ?a cgt:broaderTransitive ?b }")
    assert len(walked) > 50
    assert pairs(walked, "a", "b") == pairs(stored, "a", "b")
    concepts = store.query(prefixes + "SELECT ?a WHERE { ?a a skos:Concept }")
    self_or_broader = store.query(prefixes + "SELECT ?a ?b WHERE { ?a cgt:selfOrBroader ?b }")
    assert len(concepts) > 50
    assert pairs(self_or_broader, "a", "b") == sorted(
        set(pairs(walked, "a", "b")) | {(r["a"], r["a"]) for r in concepts})


def test_an_extracted_graph_gets_the_same_shortcuts_without_being_indexed():
    """Extracted graphs live in a store that indexes on the first pattern query; the
    shortcuts are read from its buffer, so it stays unindexed (the build never queries it)."""
    from cgtkg.graph.triples import WriteOnceStore

    plain = tree(("chapter", "doc"), ("article", "chapter"), ("item", "article"), ("two", "doc"),
                 ("two", "chapter"))
    plain.add((n("nansha"), SKOS.broader, n("guangzhou")))
    plain.add((n("guangzhou"), SKOS.broader, n("guangdong")))
    buffered = Graph(store=WriteOnceStore())
    for triple in plain:
        buffered.add(triple)
    # 3 documents, 3 broader links and the same 3 in cgt:selfOrBroader
    assert materialise(buffered) == materialise(plain) == 9
    assert buffered.store.buffered() is not None, "materialise indexed the extracted graph"
    assert set(buffered) == set(plain)
