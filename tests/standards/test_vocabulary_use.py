"""How the ontology and the data use the vocabularies, checked against the official files.

Each test is one of issue 23's findings, kept from coming back: imports that name the
ontologies by their own IRIs, no OWL Full through a property ranging over properties, DCMI
properties given resources, no asserted skos:broaderTransitive, selectors that agree, and no
ELI term used against its definition (eli:title on a work, eli:responsibility_of_agent on a
provision).
"""

from __future__ import annotations

from cgtkg.graph.namespaces import CGT, ELI, OA
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from standards_helpers import ONTOLOGY, VOCABULARIES

ONTOLOGY_IRI = URIRef("https://w3id.org/cgt-kg/ontology")


def test_every_vocabulary_file_is_the_ontology_cgt_imports(vocabularies):
    ontology = Graph().parse(ONTOLOGY, format="turtle")
    imports = {str(o) for o in ontology.objects(ONTOLOGY_IRI, OWL.imports)}
    assert imports == set(VOCABULARIES.values())
    for name, iri in VOCABULARIES.items():
        g = vocabularies[name]
        declared = {str(s) for s in g.subjects(RDF.type, OWL.Ontology)}
        # DCMI Terms declares no owl:Ontology; its namespace document describes itself
        assert iri in declared or (URIRef(iri), DCTERMS.title, None) in g, (name, iri, declared)


def test_no_project_property_ranges_over_properties():
    ontology = Graph().parse(ONTOLOGY, format="turtle")
    assert not list(ontology.subjects(RDFS.range, RDF.Property)), "OWL Full: a range of rdf:Property"
    assert (CGT.onProperty, RDF.type, OWL.AnnotationProperty) in ontology


def test_dcmi_properties_get_resources_not_strings(default_graph):
    wrong = [(s, p, o) for p in (DCTERMS.publisher, DCTERMS.language, DCTERMS.format,
                                 DCTERMS.conformsTo, DCTERMS.hasVersion)
             for s, o in default_graph.subject_objects(p) if isinstance(o, Literal)]
    assert not wrong, wrong[:5]
    assert list(default_graph.objects(None, DCTERMS.language)), "the sources name their languages"


def test_skos_broader_transitive_is_inferred_not_asserted(default_graph):
    assert not list(default_graph.triples((None, SKOS.broaderTransitive, None)))
    assert list(default_graph.triples((None, CGT.broaderTransitive, None))), "the closure is stored"


def test_eli_terms_are_used_as_eli_defines_them(default_graph, vocabularies):
    eli = vocabularies["eli.ttl"]
    assert (ELI.title, RDFS.domain, ELI.Expression) in eli
    assert not list(default_graph.triples((None, ELI.title, None))), "eli:title is for expressions"
    assert not list(default_graph.triples((None, ELI.responsibility_of_agent, None)))
    assert list(default_graph.triples((None, CGT.responsibleAgency, None)))
    assert list(default_graph.triples((None, DCTERMS.title, None)))


def test_every_target_s_selectors_select_the_same_content():
    """A target with a position and a quote selector: both are refined by the same selectors
    or neither is (issue 23: the position selector alone was refined to the agency's name,
    while the quote selector covered the whole passage). Read from a made-up measures list
    (tests/loaders/fixtures) through the text loaders."""
    from cgtkg.loaders.text.corpus import extract_file

    from cgtkg.pipeline.build import REPO_ROOT, load_registry

    registry = load_registry(REPO_ROOT / "ontology")
    fixture = REPO_ROOT / "tests" / "loaders" / "fixtures" / "measures_mixed.txt"
    g = extract_file(fixture, registry).graph
    targets = set(g.subjects(OA.hasSelector, None))
    assert targets
    refined = 0
    for target in targets:
        selectors = list(g.objects(target, OA.hasSelector))
        refinements = {frozenset(g.objects(s, OA.refinedBy)) for s in selectors}
        assert len(refinements) == 1, (target, refinements)
        refined += bool(next(iter(refinements)))
    assert refined, "no refined target: the test checks nothing"
