"""The exported graph stays consistent with the vocabularies it reuses, under an OWL reasoner.

Reasoner: HermiT, as shipped inside the PyPI package ``owlready2`` (``owlready2/hermit``),
run as its own command line (``-k``: is ``owl:Thing`` satisfiable, i.e. is the ontology
consistent). It needs Java; without ``java`` on the PATH the tests skip and say so
(``.ci/run`` installs ``default-jre-headless`` when ``/usr/bin/java`` is missing).

The input is the default build's merged graph (``graph.ttl``: data, ontology and registries)
plus the official ELI, ORG, PROV-O, SKOS, Web Annotation and DCMI Terms files of ``vocab/``,
with two adjustments, both recorded here because they are the test's and not the data's:

* ``owl:imports`` are dropped: every imported ontology is already in the input, and HermiT
  would otherwise fetch them from the web;
* ``xsd:date`` values become the ``xsd:dateTime`` at the start of that day (UTC), and the
  ELI ranges ``xsd:date`` become ``xsd:dateTime``. HermiT implements the OWL 2 datatype map,
  which has no ``xsd:date``; the mapping is one-to-one, so two different dates stay two
  different values and a second value of a functional date property is still a
  contradiction (the negative test below proves the reasoner sees it). Other values outside
  the map (the registry's ``xsd:gYear`` approval years) are read with HermiT's
  ``--ignoreUnsupportedDatatypes``: no axiom constrains them.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, XSD
from standards_helpers import ONTOLOGY, java

ELI = "http://data.europa.eu/eli/ontology#"
BEIJING = URIRef("https://w3id.org/cgt-kg/id/doc/beijing-service-opening-work-plan-2023")

pytestmark = pytest.mark.skipif(
    java() is None,
    reason="no java on PATH: the HermiT reasoner (shipped in owlready2) needs a Java runtime; "
           "install default-jre-headless (.ci/run does)")


def reasoner_input(*graphs: Graph) -> Graph:
    """The graphs merged, without owl:imports, with xsd:date as xsd:dateTime (module doc)."""
    g = Graph()
    for part in graphs:
        for s, p, o in part:
            if p == OWL.imports or s == XSD.date:
                continue
            if isinstance(o, Literal) and o.datatype == XSD.date:
                o = Literal(f"{o}T00:00:00Z", datatype=XSD.dateTime)
            elif o == XSD.date:
                o = XSD.dateTime
            g.add((s, p, o))
    return g


def hermit_consistent(g: Graph, tmp_path: Path) -> tuple[bool, str]:
    """(consistent?, HermiT's output) for ``g``, written as N-Triples."""
    import owlready2

    jar_dir = Path(owlready2.__file__).parent / "hermit"
    path = tmp_path / "input.nt"
    g.serialize(path, format="nt", encoding="utf-8")
    cmd = [java(), "-Xmx2000M", "-cp", f"{jar_dir}:{jar_dir / 'HermiT.jar'}",
           "org.semanticweb.HermiT.cli.CommandLine", "-k", "--ignoreUnsupportedDatatypes", path.as_uri()]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    said = (run.stdout + run.stderr).strip()
    if "InconsistentOntologyException" in said:
        return False, said
    assert run.returncode == 0, f"HermiT failed on {path}:\n{said[-3000:]}"
    assert "owl#Thing is satisfiable" in run.stdout, said[-3000:]
    return True, said


def test_default_graph_is_consistent_with_every_vocabulary_it_reuses(default_graph, vocabularies,
                                                                      tmp_path):
    started = time.monotonic()
    g = reasoner_input(default_graph, *vocabularies.values())
    consistent, said = hermit_consistent(g, tmp_path)
    print(f"HermiT: {len(g)} triples, consistent={consistent}, {time.monotonic() - started:.1f} s")
    assert consistent, f"HermiT finds the default graph inconsistent with ELI/ORG/PROV/SKOS/OA/DCTERMS:\n{said[-2000:]}"


def test_the_reasoner_sees_two_values_of_a_functional_eli_date(vocabularies, tmp_path):
    """Regression (issue 23): the Beijing work plan carried both disputed document dates, which
    ELI's functional eli:date_document forbids. The same two values on a document, with the
    ontology and the vocabularies only, must be inconsistent: else the test above could not
    fail."""
    doc = Graph()
    doc.add((BEIJING, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
             URIRef("https://w3id.org/cgt-kg/ontology#PolicyDocument")))
    for day in ("2023-11-18", "2023-11-23"):
        doc.add((BEIJING, URIRef(ELI + "date_document"), Literal(day, datatype=XSD.date)))
    ontology = Graph().parse(ONTOLOGY, format="turtle")
    consistent, _ = hermit_consistent(reasoner_input(ontology, doc, *vocabularies.values()), tmp_path)
    assert not consistent
