"""Provenance: every fact points at the exact passage it was read from, a documented SPARQL
query returns that passage from a real store, and two runs give isomorphic graphs."""

from __future__ import annotations

from cgtkg.graph.namespaces import DCTERMS, DEFAULT_BASE
from cgtkg.graph.store import GraphStore
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic

#: The query documented in docs/loaders.md ("the passage behind a responsibility link").
PASSAGE_QUERY = """
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX oa:  <http://www.w3.org/ns/oa#>
PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?provision ?agency ?file ?start ?end ?passage ?name WHERE {
  ?provision cgt:responsibleAgency ?agency .
  ?ann cgt:concerns ?provision ;
       cgt:onProperty cgt:responsibleAgency ;
       oa:hasBody ?agency ;
       oa:hasTarget ?target .
  ?target oa:hasSource ?source ;
          oa:hasSelector ?position, ?quote .
  ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  OPTIONAL { ?position oa:refinedBy/oa:exact ?name }
  ?quote a oa:TextQuoteSelector ; oa:exact ?passage .
  ?source dcterms:identifier ?file .
}
ORDER BY ?start
"""


def _store(tmp_path, fr):
    store = GraphStore(tmp_path / "store")
    store.add_graph(fr.graph_iri, fr.graph)
    store.flush()
    return store


def test_passage_behind_each_responsibility_link(tmp_path, extract, fixture_text):
    fr = extract(fixture_text("measures_mixed.txt"), "measures.txt")
    store = _store(tmp_path, fr)
    links = store.query("SELECT ?p ?a WHERE { ?p <https://w3id.org/cgt-kg/ontology#responsibleAgency> ?a }")
    assert len(links) == 6
    for link in links:
        rows = store.query(PASSAGE_QUERY, {"provision": link["p"], "agency": link["a"]})
        assert rows, f"no passage for {link}"
        for r in rows:
            start, end = int(r["start"]), int(r["end"])
            assert fr.source.raw[start:end] == str(r["passage"])
            assert str(r["file"]) == "measures.txt"
            assert str(r["name"]) in str(r["passage"])
    # the answer for one link, from the text: measure 3's list names the commissions
    doc = fr.extraction.documents[0].key
    rows = store.query(PASSAGE_QUERY, {
        "provision": URIRef(f"{DEFAULT_BASE}doc/{doc}/measure/3"),
        "agency": URIRef(f"{DEFAULT_BASE}agency/shanghai-stc")})
    assert [str(r["name"]) for r in rows] == ["Municipal Science and Technology Commission"]
    assert "will be responsible according to their respective duties" in str(rows[0]["passage"])


def test_every_fact_of_a_provision_has_a_span_and_unresolved_names_are_kept(tmp_path, extract, fixture_text):
    fr = extract(fixture_text("measures_mixed.txt"), "measures.txt")
    store = _store(tmp_path, fr)
    missing = store.query("""
        PREFIX eli: <http://data.europa.eu/eli/ontology#>
        PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
        SELECT ?s ?p ?o WHERE {
          VALUES ?p { cgt:responsibleAgency eli:is_about eli:relevant_for cgt:modality
                      cgt:addressee cgt:excludes }
          ?s a eli:LegalResourceSubdivision ; ?p ?o .
          FILTER NOT EXISTS { ?a cgt:concerns ?s ; cgt:onProperty ?p ; <http://www.w3.org/ns/oa#hasBody> ?o }
        }""")
    assert missing == []
    unresolved = store.query("""
        PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?label ?exact WHERE { ?m a cgt:UnresolvedMention ; rdfs:label ?label ;
            oa:hasTarget/oa:hasSelector/oa:refinedBy/oa:exact ?exact }""")
    assert {str(r["label"]) for r in unresolved} >= {"Shanghai Municipal Bureau of Quantum Affairs",
                                                      "Pudong New Area"}


def test_extracted_resources_are_marked_as_extracted(extract, fixture_text):
    fr = extract(fixture_text("roundup.txt"), "roundup.txt")
    g = fr.graph
    act = URIRef(f"{DEFAULT_BASE}activity/extraction")
    docs = set(g.subjects(DCTERMS.title, None))
    assert docs and all(str(d).startswith(f"{DEFAULT_BASE}doc/x-") for d in docs)
    from rdflib.namespace import PROV
    assert all((d, PROV.wasGeneratedBy, act) in g for d in docs)
    assert (act, PROV.used, None) in g
    sha = fr.source.sha256
    assert any(str(o) == sha for o in g.objects(None, URIRef("https://w3id.org/cgt-kg/ontology#sha256")))


def test_two_runs_give_isomorphic_graphs_without_clock_times(registry, tmp_path, fixture_text):
    from cgtkg.loaders.text import extract_file

    path = tmp_path / "bilingual.txt"
    path.write_text(fixture_text("bilingual.txt"), encoding="utf-8")
    from rdflib.namespace import XSD

    a = extract_file(path, registry, DEFAULT_BASE)
    b = extract_file(path, registry, DEFAULT_BASE)
    assert isomorphic(a.graph, b.graph)
    assert not [o for o in a.graph.objects() if isinstance(o, Literal) and o.datatype == XSD.dateTime]
    assert set(a.graph.subjects()) == set(b.graph.subjects())  # same IRIs, not just same shape
