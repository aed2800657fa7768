"""The build validates each batch without its Web Annotation triples: same answers.

No shape reads the ``oa:`` vocabulary, so the build leaves annotation triples out of the
graph pySHACL copies.  These tests hold that to its promise: on extracted texts broken in
the ways the shapes catch, both paths report exactly the same violations, and a shapes
graph that does mention ``oa:`` turns the shortcut off.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from graph import namespaces as ns
from graph.build import (
    REPO_ROOT,
    TextExtractor,
    _validate_batch,
    document_shapes,
    load_registry,
    load_shapes,
    shapes_read_namespace,
)
from graph.closure import materialise
from graph.namespaces import CGT, ELI, OA

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
    graph.add((provisions[1], ELI.responsibility_of_agent, URIRef("https://example.org/not-an-agency")))
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
