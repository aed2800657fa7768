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
