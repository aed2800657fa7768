"""Records' ``relations:``: what a curator writes becomes the plain triple and a
``cgt:DocumentRelation`` with its limits and source, and every mistake is an error naming the
file and line (data/README.md, docs/relations.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cgtkg.graph import namespaces as ns
from cgtkg.graph.namespaces import CGT, ELI
from cgtkg.loaders.records import Registry, compile_records, compile_sources
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, RDF, XSD

from cgtkg.pipeline.build import REPO_ROOT, load_registry

BASE = ns.DEFAULT_BASE
RECORDS = REPO_ROOT / "data" / "records"


@pytest.fixture(scope="module")
def context():
    registry = Registry(load_registry(REPO_ROOT / "ontology", BASE), BASE)
    _, sources, _ = compile_sources(REPO_ROOT / "data" / "sources.yaml", BASE, None)
    return registry, sources


def _compile(context, folder: Path, key: str):
    registry, sources = context
    docs = {f.stem for f in folder.glob("*.yaml")}
    (compiled,) = compile_records([folder / f"{key}.yaml"], registry, sources, BASE, docs)
    return compiled


def _relations(g: Graph) -> Graph:
    """The relation part of a record's graph: plain triples of relation properties and the
    relation nodes' own triples."""
    out = Graph()
    props = set(g.objects(None, CGT.relationProperty))
    for p in props:
        for t in g.triples((None, p, None)):
            out.add(t)
    for node in g.subjects(RDF.type, CGT.DocumentRelation):
        for t in g.triples((node, None, None)):
            out.add(t)
    return out


def test_pilot_notice_derogates_from_the_negative_list_in_four_zones(context):
    c = _compile(context, RECORDS, "healthcare-opening-pilot-notice-2024")
    assert not c.problems, c.problems
    doc, neg, plan = (ns.document(k, BASE) for k in (
        "healthcare-opening-pilot-notice-2024", "fi-negative-list-2024", "fi-action-plan-2024"))
    src = ns.source("hankun-ftz-pilot-article", BASE)
    item, neg_item, plan_item = (URIRef(f"{d}/item/1") for d in (doc, neg, plan))
    zones = [ns.region(k, BASE) for k in ("ftz-beijing", "ftz-shanghai", "ftz-guangdong", "hainan-ftp")]
    fie = ns.concept("foreign-invested-enterprises", BASE)
    day = Literal("2024-09-08", datatype=XSD.date)
    expected = Graph()
    for prop, target, target_item in ((CGT.derogatesFrom, "fi-negative-list-2024", neg_item),
                                      (CGT.pilots, "fi-action-plan-2024", plan_item)):
        node = URIRef(f"{doc}/relation/{str(prop).split('#')[1]}/{target}")
        expected.add((item, prop, target_item))
        for p, o in ((RDF.type, CGT.DocumentRelation), (CGT.relationProperty, prop),
                     (CGT.relationFrom, item), (CGT.relationTo, target_item),
                     (CGT.forAddressee, fie), (CGT.effectiveDate, day), (PROV.wasDerivedFrom, src),
                     (PROV.wasGeneratedBy, URIRef(f"{BASE}activity/curation"))):
            expected.add((node, p, o))
        for z in zones:
            expected.add((node, CGT.appliesIn, z))
    assert isomorphic(_relations(c.graph), expected)


@pytest.mark.parametrize("key, prop, target", [
    ("hebei-ftz-overall-plan-2019", ELI.is_member_of, "six-ftz-overall-plans-2019"),
    ("beijing-service-opening-fi-implementation-plan-2024", ELI.implements,
     "beijing-service-opening-work-plan-2023"),
])
def test_curated_document_relations(context, key, prop, target):
    c = _compile(context, RECORDS, key)
    assert not c.problems, c.problems
    assert (ns.document(key, BASE), prop, ns.document(target, BASE)) in c.graph


BAD = [
    # (the relation's lines, the error's words, the relation line the error is on: 0 = "- type")
    (["type: overrides", "target: fi-negative-list-2024", "source: hankun-ftz-pilot-article"],
     "unknown relation type 'overrides'", 0),
    (["type: repeals", "target: no-such-record", "source: hankun-ftz-pilot-article"],
     "unknown document 'no-such-record'", 1),
    (["type: repeals", "target: healthcare-opening-pilot-notice-2024", "source: hankun-ftz-pilot-article"],
     "this record's own key", 1),
    (["type: derogates-from", "target: fi-negative-list-2024", "regions: [ftz-atlantis]",
      "source: hankun-ftz-pilot-article"], "unknown region 'ftz-atlantis'", 2),
    (["type: derogates-from", "target: fi-negative-list-2024", "addressees: [pirates]",
      "source: hankun-ftz-pilot-article"], "unknown addressee 'pirates'", 2),
    (["type: derogates-from", "target: fi-negative-list-2024"], "missing required field 'source'", 0),
    (["type: derogates-from", "target: fi-negative-list-2024", "source: a-blog"],
     "unknown source 'a-blog'", 2),
    (["type: derogates-from", "target: fi-negative-list-2024", "target_provision: item/9",
      "source: hankun-ftz-pilot-article"], "fi-negative-list-2024 has no provision 'item/9'", 2),
    (["type: derogates-from", "target: fi-negative-list-2024", "provision: \"7\"",
      "source: hankun-ftz-pilot-article"], "has no provision numbered '7'", 2),
    (["type: derogates-from", "target: fi-negative-list-2024", "effective: 2024-02-30",
      "source: hankun-ftz-pilot-article"], "not a valid date", 2),
    (["type: derogates-from", "target: fi-negative-list-2024", "zones: [ftz-beijing]",
      "source: hankun-ftz-pilot-article"], "unknown field 'zones' in relation", 2),
]


@pytest.mark.parametrize("lines, words, offset", BAD, ids=[b[1] for b in BAD])
def test_a_bad_relation_names_its_file_and_line(context, tmp_path, lines, words, offset):
    folder = tmp_path / "records"
    shutil.copytree(RECORDS, folder)
    path = folder / "healthcare-opening-pilot-notice-2024.yaml"
    text = path.read_text(encoding="utf-8").split("relations:\n")[0]
    first = text.count("\n") + 2  # the line of "- type:"
    block = "relations:\n" + "".join(("  - " if i == 0 else "    ") + ln + "\n" for i, ln in enumerate(lines))
    path.write_text(text + block, encoding="utf-8")
    c = _compile(context, folder, path.stem)
    hits = [p for p in c.problems if words in p.message]
    assert hits, c.problems
    assert {(Path(p.file).name, p.line) for p in hits} == {(path.name, first + offset)}
    assert all(p.severity == "error" for p in hits)  # the build stops (exit 2)
    if "unknown field" not in words:  # nothing half-checked is written
        assert not list(c.graph.subjects(RDF.type, CGT.DocumentRelation))


def test_the_same_relation_twice_is_an_error(context, tmp_path):
    folder = tmp_path / "records"
    shutil.copytree(RECORDS, folder)
    path = folder / "hebei-ftz-overall-plan-2019.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "  - {type: member-of, target: six-ftz-overall-plans-2019, source: hebei-ftz-news-2019}\n",
                    encoding="utf-8")
    c = _compile(context, folder, path.stem)
    assert [p.line for p in c.problems if "given twice" in p.message] == [text.count("\n") + 1]
