"""The build's shortcuts in validating a batch give the answers the full check would.

No shape reads the ``oa:`` vocabulary, so the build leaves annotation triples out of the
graph pySHACL copies.  These tests hold that to its promise: on extracted texts broken in
the ways the shapes catch, both paths report exactly the same violations, and a shapes
graph that does mention ``oa:`` turns the shortcut off.

A batch of extracted texts only is also checked without the shapes only curated records
can trip (``cgtkg.pipeline.build.CURATED_ONLY_SHAPES``). A document that two texts date differently
is built with both dates and a recorded source conflict, whether the texts share a batch or
not; and the batch's graphs are freed as soon as the build lets go of them.
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from cgtkg.graph import namespaces as ns
from cgtkg.graph.closure import materialise
from cgtkg.graph.namespaces import CGT, ELI, OA
from cgtkg.graph.store import GraphStore
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from cgtkg.pipeline.build import (
    REPO_ROOT,
    BuildOptions,
    TextExtractor,
    _validate_batch,
    build,
    document_shapes,
    load_registry,
    load_shapes,
    shapes_read_namespace,
    text_shapes,
)

FIXTURES = REPO_ROOT / "tests" / "loaders" / "fixtures"


def _batch(registry: Graph) -> list[tuple[URIRef, Graph]]:
    ex = TextExtractor(registry, ns.DEFAULT_BASE)
    out = []
    for name in ("measures_mixed.txt", "regulation_zh.txt", "roundup.txt"):
        fr = ex.extract(FIXTURES / name)
        materialise(fr.graph)
        out.append((fr.graph_iri, fr.graph))
    return out


def _break(graph: Graph) -> None:
    """Three faults the shapes catch, one of them read from an annotation's triples."""
    provisions = sorted(graph.subjects(RDF.type, ELI.LegalResourceSubdivision))
    assert len(provisions) >= 2
    graph.remove((provisions[0], ELI.number, None))
    graph.add((provisions[1], CGT.responsibleAgency, URIRef("https://example.org/not-an-agency")))
    annotation = next(iter(graph.subjects(RDF.type, OA.Annotation)))
    graph.add((annotation, CGT.concerns, URIRef("https://example.org/nothing-describes-this")))


def _key(v) -> tuple:
    return tuple(x or "" for x in (v.focus, v.path, v.shape, v.value, v.message, v.origin))


def test_skipping_annotations_reports_the_same_violations():
    ontology = Path(REPO_ROOT / "ontology")
    registry, shapes = load_registry(ontology), load_shapes(ontology)
    assert not shapes_read_namespace(shapes, str(OA)), "the shapes now read oa: - the shortcut is off"
    doc_shapes = document_shapes(shapes)
    clean = _batch(registry)
    for skip in (False, True):
        assert _validate_batch(clean, [registry, Graph()], shapes, doc_shapes, {}, skip_annotations=skip) == []
    broken = _batch(registry)
    _break(broken[0][1])
    full = _validate_batch(broken, [registry, Graph()], shapes, doc_shapes, {}, skip_annotations=False)
    slim = _validate_batch(broken, [registry, Graph()], shapes, doc_shapes, {}, skip_annotations=True)
    assert sorted(map(_key, slim)) == sorted(map(_key, full))
    found = {v.focus for v in full}
    assert "https://example.org/not-an-agency" in found
    assert "https://example.org/nothing-describes-this" in found
    assert any(v.path and "number" in v.path for v in full)


def test_a_shape_that_mentions_oa_turns_the_shortcut_off():
    shapes = Graph()
    shapes.parse(data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <https://example.org/s> a sh:NodeShape ;
            sh:targetClass <{OA.Annotation}> ;
            sh:property [ sh:path <{OA.hasTarget}> ; sh:minCount 1 ] .
    """, format="turtle")
    assert shapes_read_namespace(shapes, str(OA))
    sparql = Graph()
    sparql.add((URIRef("https://example.org/c"), URIRef("http://www.w3.org/ns/shacl#select"),
                Literal(f"SELECT $this WHERE {{ $this <{OA.hasBody}> ?b }}")))
    assert shapes_read_namespace(sparql, str(OA))


@pytest.mark.parametrize("how", ["with-the-records", "texts-only-batch", "one-text-a-batch"])
def test_a_document_two_texts_date_differently_keeps_both_dates_and_records_the_conflict(
        tmp_path, monkeypatch, how):
    """The same regulation (same title, so the same document IRI) adopted on two dates, in
    the first batch beside the curated records, in a later batch of texts only, or in two
    batches: the build succeeds, keeps both dates, records a source conflict whose claims
    point at each text's source, and warns naming both files and lines. A later build in
    which the texts agree drops the conflict.

    The texts are read as ``regulation_articles`` (a sidecar says so), whose document key is
    the title: ``statute_zh`` keys a Chinese original by title *and* date, so two dates make
    two editions there (tests/loaders/test_statute_zh.py)."""
    import cgtkg.pipeline.build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a.txt", "b.txt"):
        (corpus / f"{name}.meta.yaml").write_text("genre: regulation_articles\n", encoding="utf-8")
    text = (FIXTURES / "regulation_zh.txt").read_text(encoding="utf-8")
    assert "2024年1月10日" in text
    line = text[:text.index("2024年1月10日")].count("\n") + 1
    opts = BuildOptions(out_dir=tmp_path / "o", corpus_dir=corpus)
    if how == "texts-only-batch":  # published first without them: the rebuild's one batch holds them
        assert build(opts).exit_code == 0
    if how == "one-text-a-batch":
        monkeypatch.setattr(cgtkg.pipeline.build, "BATCH_UNITS", 1)
    (corpus / "a.txt").write_text(text, encoding="utf-8")
    (corpus / "b.txt").write_text(text.replace("2024年1月10日", "2024年3月5日"), encoding="utf-8")
    res = build(opts)
    assert res.ok, (res.violations, res.report.get("failed_checks"))
    store = GraphStore.open(res.out_dir)
    rows = store.query("""
        PREFIX eli: <http://data.europa.eu/eli/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?document ?property ?value ?source WHERE {
            ?c a cgt:SourceConflict ; cgt:concerns ?document ; cgt:onProperty ?property ;
               cgt:hasClaim ?claim .
            ?claim rdf:value ?value ; prov:wasDerivedFrom ?source .
            ?document eli:date_document ?value .
            FILTER (CONTAINS(STR(?document), "/doc/x-"))
        }""")
    assert {(r["property"].rsplit("#")[-1], str(r["value"]), r["source"].rsplit("/")[-1]) for r in rows} == {
        ("date_document", "2024-01-10", "x-a"), ("date_document", "2024-03-05", "x-b")}
    (document,) = {r["document"] for r in rows}
    assert "/doc/x-" in document
    # the in-force date both texts give is one value, not a conflict
    assert len(store.query("SELECT ?c ?d WHERE { ?c a <https://w3id.org/cgt-kg/ontology#SourceConflict> ; "
                           "<https://w3id.org/cgt-kg/ontology#concerns> ?d }", {"d": document})) == 1
    (warning,) = [p for p in res.problems if "dates:" in p.message]
    assert warning.severity == "warning" and warning.line == line and Path(warning.file).name == "b.txt"
    assert f"2024-01-10 by a.txt line {line}" in warning.message
    assert f"2024-03-05 by b.txt line {line}" in warning.message
    # the texts agree again: no conflict, no warning
    (corpus / "b.txt").write_text(text, encoding="utf-8")
    again = build(opts)
    assert again.ok and not [p for p in again.problems if "dates:" in p.message]
    assert not GraphStore.open(again.out_dir).query(
        "ASK { ?c a <https://w3id.org/cgt-kg/ontology#SourceConflict> ; "
        "<https://w3id.org/cgt-kg/ontology#concerns> ?d }", {"d": document})


def test_a_batch_of_texts_is_freed_without_waiting_for_a_collection():
    """The SPARQL targets of the curated-only shapes made rdflib's parser keep the whole call
    stack, and the batch's graphs in it, alive until the next cyclic collection."""
    ontology = Path(REPO_ROOT / "ontology")
    registry, shapes = load_registry(ontology), load_shapes(ontology)
    doc_shapes, texts = document_shapes(shapes), text_shapes(shapes)
    was = gc.isenabled()
    gc.disable()
    try:
        batch = _batch(registry)
        alive = [weakref.ref(g) for _, g in batch]
        assert _validate_batch(batch, [registry, Graph()], shapes, doc_shapes, {}, skip_annotations=True,
                               texts_shapes=texts) == []
        del batch
        assert [r() is None for r in alive] == [True] * len(alive)
    finally:
        if was:
            gc.enable()


def test_sparql_constraints_parsed_once_report_what_plain_rdflib_reports():
    """The batch's data graph prepares each SPARQL constraint's text once
    (``PreparedQueryGraph``) instead of letting rdflib parse it again for every focus node:
    the relation shapes, which are SPARQL-based, report the same violations on the same
    nodes as pySHACL over a plain rdflib graph of the same triples, and a prepared query run
    for one focus node says nothing about the next."""
    from cgtkg.graph.namespaces import CGT as C
    from rdflib import BNode

    from cgtkg.pipeline import build as b
    from cgtkg.pipeline.build import PreparedQueryGraph

    ontology = Path(REPO_ROOT / "ontology")
    registry, shapes = load_registry(ontology), load_shapes(ontology)
    batch = _batch(registry)
    graph = batch[0][1]
    first, second = (next(iter(g.subjects(RDF.type, C.PolicyDocument))) for _, g in batch[:2])
    stated, unstated = BNode(), BNode()  # the second relation's plain triple is missing
    for node, to in ((stated, second), (unstated, URIRef("https://example.org/a-third-document"))):
        for p, o in ((RDF.type, C.DocumentRelation), (C.relationFrom, first), (C.relationTo, to),
                     (C.relationProperty, ELI.based_on)):
            graph.add((node, p, o))
    graph.add((first, ELI.based_on, second))
    graph.add((second, ELI.amends, URIRef("https://example.org/amended-without-a-node")))

    def check(graph_class):
        original = b.PreparedQueryGraph
        b.PreparedQueryGraph = graph_class
        try:
            return _validate_batch(batch, [registry, Graph()], shapes, document_shapes(shapes), {},
                                   skip_annotations=True, texts_shapes=text_shapes(shapes))
        finally:
            b.PreparedQueryGraph = original

    prepared, plain = check(PreparedQueryGraph), check(Graph)
    assert sorted(map(_key, prepared)) == sorted(map(_key, plain))
    fired = {(v.shape, v.focus) for v in prepared}
    assert ("cgts:DocumentRelationTriple", str(unstated)) in fired
    assert ("cgts:DocumentRelationTriple", str(stated)) not in fired
    assert ("cgts:AmendsRelation", str(second)) in fired
    assert ("cgts:BasedOnRelation", str(first)) not in fired


def _nested_no_dangling(shapes: Graph) -> Graph:
    """``shapes`` with NoDanglingShape's type check back under the node shape as an
    ``sh:property`` (the form before issue 25, which pySHACL ran once per focus node)."""
    from rdflib.namespace import RDFS, SH

    shape = URIRef("https://w3id.org/cgt-kg/shapes#NoDanglingShape")
    (split,) = shapes.subjects(RDFS.isDefinedBy, shape)
    nested = Graph()
    for t in shapes:
        if t[0] == split and t[1] in (RDFS.isDefinedBy, SH.targetObjectsOf):
            continue
        nested.add(t)
    nested.add((shape, SH.property, split))
    return nested


def test_the_split_dangling_check_reports_what_the_nested_one_did():
    """NoDanglingShape's "the link points to something the graph describes" runs as a
    property shape of its own (one pySHACL call for every focus node, not one per node).
    On texts with links to nothing, a literal where a resource belongs and a source nobody
    describes, it reports the same violations under the same name as the nested form; links
    into the registry and to the texts' own provisions are not reported; and each violation
    now names the text that holds the link, so that text is quarantined instead of the
    build failing on a violation without a file."""
    from rdflib.namespace import PROV

    ontology = Path(REPO_ROOT / "ontology")
    registry, shapes = load_registry(ontology), load_shapes(ontology)
    clean = _batch(registry)
    assert _validate_batch(clean, [registry, Graph()], shapes, document_shapes(shapes), {},
                           skip_annotations=True, texts_shapes=text_shapes(shapes)) == []
    batch = _batch(registry)
    g = batch[1][1]
    provisions = sorted(g.subjects(RDF.type, ELI.LegalResourceSubdivision))
    nowhere, unknown_source = URIRef("https://example.org/no-such-article"), URIRef("https://example.org/lost-source")
    g.add((provisions[0], CGT.concerns, nowhere))
    g.add((provisions[1], ELI.is_about, Literal("gene therapy")))
    g.add((provisions[2], PROV.wasDerivedFrom, unknown_source))
    linked_agencies = set(g.objects(None, CGT.responsibleAgency)) | set(g.objects(None, ELI.passed_by))
    assert linked_agencies, "the fixture links no registry agency: nothing to check the registry side with"

    def run(s: Graph) -> list:
        return _validate_batch(batch, [registry, Graph()], s, document_shapes(s), {},
                               skip_annotations=True, texts_shapes=text_shapes(s))

    from rdflib.namespace import RDFS, SH

    shape = URIRef("https://w3id.org/cgt-kg/shapes#NoDanglingShape")
    (part,) = shapes.subjects(RDFS.isDefinedBy, shape)
    assert set(shapes.objects(part, SH.targetObjectsOf)) == set(shapes.objects(shape, SH.targetObjectsOf)), \
        "the two halves of NoDanglingShape must target the same links"
    split, nested = run(shapes), run(_nested_no_dangling(shapes))
    assert {_key(v)[:5] for v in split} == {_key(v)[:5] for v in nested}
    dangling = {v.focus for v in split if v.shape == "cgts:NoDanglingShape" and v.path == "rdf:type"}
    assert dangling == {str(nowhere), "gene therapy", str(unknown_source)}
    literal = [v for v in split if v.shape == "cgts:NoDanglingShape" and v.path is None]
    assert [v.focus for v in literal] == ["gene therapy"]
    reported = {v.focus for v in split}
    assert not reported & {str(x) for x in linked_agencies | set(provisions)}
    text = str(batch[1][0])
    assert {v.origin for v in split if v.shape == "cgts:NoDanglingShape"} == {text}
    assert {v.origin for v in nested if v.shape == "cgts:NoDanglingShape" and v.path == "rdf:type"} == {None}


def test_a_batch_layered_over_the_indexed_context_reads_like_one_copied_graph():
    """The registry and source list are indexed once per build and each batch is layered over
    them (``LayeredStore``) instead of copied with them into one graph: a triple both hold is
    read once, and pySHACL reports exactly what it reports over one plain rdflib graph of
    the same triples, violations, values and origins alike."""
    from cgtkg.graph.triples import LayeredStore, indexed_layer

    from cgtkg.pipeline.build import validate_graph

    a, b, c = (URIRef(f"https://example.org/{x}") for x in "abc")
    base_graph = Graph()
    base_graph.add((a, RDF.type, b))
    base_graph.add((b, RDF.type, c))
    store = LayeredStore(*indexed_layer([base_graph]))
    for t in ((b, RDF.type, c), (c, RDF.type, a), (c, RDF.type, a)):
        store.put(t)
    layered = Graph(store=store)
    assert len(layered) == 3 and len(list(layered)) == 3
    assert set(layered) == {(a, RDF.type, b), (b, RDF.type, c), (c, RDF.type, a)}
    assert set(layered.subjects(RDF.type, None)) == {a, b, c}
    assert list(layered.objects(b, RDF.type)) == [c]

    ontology = Path(REPO_ROOT / "ontology")
    registry, shapes = load_registry(ontology), load_shapes(ontology)
    batch = _batch(registry)
    _break(batch[0][1])
    texts = text_shapes(shapes)
    found = _validate_batch(batch, [registry, Graph()], shapes, document_shapes(shapes), {},
                            skip_annotations=True, texts_shapes=texts)
    copy, graph_of = Graph(), {}
    copy += registry
    for iri, g in batch:
        for t in g:
            graph_of.setdefault(t[0], iri)
            if not (str(t[1]).startswith(str(OA)) or (t[1] == RDF.type and str(t[2]).startswith(str(OA)))):
                copy.add(t)
    assert sorted(map(_key, found)) == sorted(map(_key, validate_graph(copy, texts, {}, graph_of)))
    assert len(found) >= 3
