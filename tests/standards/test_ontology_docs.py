"""The ontology's reference page (docs/ontology.html, made by pyLODE) builds and is current."""

from __future__ import annotations

import importlib.util
import re

from cgtkg.graph.namespaces import CGT
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS
from standards_helpers import ONTOLOGY

from cgtkg.resources import REPO_ROOT

PAGE = REPO_ROOT / "docs" / "ontology.html"


def _maker():
    spec = importlib.util.spec_from_file_location("make_ontology_docs", REPO_ROOT / "docs" / "make_ontology_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_builds_and_documents_every_term():
    html = _maker().render()
    ontology = Graph().parse(ONTOLOGY, format="turtle")
    terms = {s for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
             for s in ontology.subjects(RDF.type, t) if str(s).startswith(str(CGT._NS))}
    assert len(terms) > 30
    text = re.sub(r"\s+", " ", html)
    missing = [str(t) for t in terms
               if str(ontology.value(t, RDFS.label)) not in text or str(t) not in text]
    assert not missing, f"not on the page: {missing}"


def test_the_published_page_is_current():
    assert PAGE.read_text(encoding="utf-8") == _maker().render(), \
        "docs/ontology.html is out of date: run .venv/bin/python docs/make_ontology_docs.py"
