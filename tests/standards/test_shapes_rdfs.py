"""The shapes hold on the default graph with RDFS inference on and ELI loaded.

This is what ``pyshacl -i rdfs -e eli.ttl`` does: a validator that follows cgt.ttl's
``owl:imports`` sees ELI's axioms, under which every ``eli:LegalResourceSubdivision`` is an
``eli:LegalResource`` (and a ``eli:Work``). Shapes that meant "a whole document" by
``eli:LegalResource`` reported about 1,200 false violations on provisions (issue 23); they
target ``cgt:PolicyDocument`` now. And the shapes use SHACL Core only, so an engine without
the SHACL Advanced Features reads them all.
"""

from __future__ import annotations

import time

from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from standards_helpers import SHAPES

SHACL_AF = (SH.SPARQLTarget, SH.SPARQLTargetType, SH.target, SH.rule, SH.SPARQLRule, SH.TripleRule,
            SH.condition, SH.SPARQLFunction, SH.JSFunction, SH.JSTarget)


def test_default_graph_conforms_with_rdfs_inference_and_eli(default_graph, vocabularies):
    started = time.monotonic()
    shapes = Graph().parse(SHAPES, format="turtle")
    conforms, _, text = validate(default_graph, shacl_graph=shapes, ont_graph=vocabularies["eli.ttl"],
                                 inference="rdfs", advanced=True, allow_warnings=True)
    print(f"pySHACL -i rdfs with ELI: conforms={conforms}, {time.monotonic() - started:.1f} s")
    assert conforms, text[:5000]


def test_shapes_use_shacl_core_only():
    shapes = Graph().parse(SHAPES, format="turtle")
    used = {t for t in shapes.predicates() if t in SHACL_AF} | \
           {o for o in shapes.objects(None, RDF.type) if o in SHACL_AF}
    assert not used, f"SHACL Advanced Features in shapes.ttl: {sorted(map(str, used))}"


def test_no_shape_about_whole_documents_targets_eli_legal_resource():
    """Under ELI's axioms eli:LegalResource holds every provision too."""
    shapes = Graph().parse(SHAPES, format="turtle")
    legal_resource = URIRef("http://data.europa.eu/eli/ontology#LegalResource")
    assert not list(shapes.subjects(SH.targetClass, legal_resource))
