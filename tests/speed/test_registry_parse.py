"""The registry read by Oxigraph's Turtle parser (issue 25: a one-file rebuild spent most of
its ``load`` stage in rdflib's parser): the same triples as rdflib's, on the base the build
uses and on another, and a broken file still named with its line."""

from __future__ import annotations

import pytest
from cgtkg.graph.errors import BadInput
from rdflib.compare import isomorphic

from cgtkg.pipeline.build import _parse_turtle_fast, parse_rdf_file, registry_files
from cgtkg.resources import resource_dir


@pytest.mark.parametrize("base", ["https://w3id.org/cgt-kg/id/", "http://example.org/kg/"])
def test_the_fast_parse_reads_every_registry_file_as_rdflib_does(base):
    files = registry_files(resource_dir("ontology"))
    assert len(files) >= 5
    for f in files:
        fast, slow = _parse_turtle_fast(f, base), parse_rdf_file(f, base)
        assert len(fast) == len(slow) and isomorphic(fast, slow), f.name


def test_a_broken_registry_file_is_named_with_its_line(tmp_path):
    bad = tmp_path / "agencies.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e \"unclosed .\n",
                   encoding="utf-8")
    with pytest.raises(BadInput) as e:
        _parse_turtle_fast(bad, "https://w3id.org/cgt-kg/id/")
    (problem,) = e.value.problems
    assert problem.file == bad and problem.line == 3, problem


@pytest.mark.parametrize("base", ["https://w3id.org/cgt-kg/id/", "http://example.org/kg/"])
def test_the_registry_graph_is_every_file_read_by_rdflib_and_the_typing_it_adds(base):
    """load_registry puts each file's triples into its graph directly (no parsed graph copied
    into it): it still holds every triple rdflib reads from the files, and beyond them only
    the org:Organization typing and the curation activity it adds, from a cold cache and a
    warm one alike."""
    from rdflib.namespace import ORG, PROV, RDF, RDFS

    from cgtkg.pipeline import build as B

    B._PARSED.clear()
    cold = set(B.load_registry(resource_dir("ontology"), base))
    warm = set(B.load_registry(resource_dir("ontology"), base))
    read = set().union(*(set(parse_rdf_file(f, base)) for f in registry_files(resource_dir("ontology"))))
    assert cold == warm
    assert read <= cold
    added = cold - read
    act = B.curation_activity(base)
    assert all((p, o) == (RDF.type, ORG.Organization) or s == act for s, p, o in added), added
    assert {(act, RDF.type, PROV.Activity)} <= added and any(p == RDFS.label for s, p, _ in added if s == act)
