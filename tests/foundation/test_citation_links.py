"""A document that several texts cite and nobody curated: each text keeps its own copy
(``cgt:CitedDocument``), and the build links the copies of one title to one of them, so that
``cited-by`` on that one finds every text that cites it. Made-up texts, the real build."""

from __future__ import annotations

from cgtkg.graph import namespaces as ns
from cgtkg.graph.matching import DocFeatures
from cgtkg.graph.namespaces import CGT
from cgtkg.graph.query import load, run_local
from cgtkg.graph.store import GraphStore
from rdflib import Literal
from rdflib.namespace import PROV

from cgtkg.pipeline.build import BuildOptions, build
from cgtkg.pipeline.resolve import resolve_documents

ALTERNATES = "SELECT ?x ?p ?hub WHERE { ?x ?p ?hub }"
BANKS = "Measures for the Administration of Cell Banks of Hainan Province"


def _regulation(city: str, first_law: str) -> str:
    return "\n".join([
        f"Regulations of {city} on Cell Therapy Services",
        "",
        f"(Adopted at the 5th Meeting of the Standing Committee of the {city} People's Congress"
        " on March 1, 2024)",
        "",
        "Chapter 1 General Provisions",
        "",
        f'Article 1: These Regulations are formulated in accordance with the "{first_law}" and'
        " local conditions.",
        "",
        f'Article 2: Cell banks are kept as the "{BANKS}" require.',
        "",
        "Article 3: These Regulations take effect on May 1, 2024.",
        "",
    ])


def _bank_links(store) -> dict[str, str]:
    return {str(r["x"]).split("/doc/")[1]: str(r["hub"]).split("/doc/")[1]
            for r in store.query(ALTERNATES, {"p": PROV.alternateOf}) if "cell-banks" in str(r["x"])}


def _everyone_citing_the_banks_measures(store, city: str) -> set[str]:
    """What a user does: `cites` on one text's regulation shows what its copy stands for
    (the `record` column, empty for the copy that stands for the others), and `cited-by` on
    that finds every citing provision."""
    (regulation,) = {r["d"] for r in store.query(
        "SELECT ?d ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t }",
        {"t": Literal(f"Regulations of {city} on Cell Therapy Services", lang="en")})}
    (row,) = [r for r in run_local(store, load("cites"), {"document": regulation}).rows
              if "cell-banks" in str(r["cited"])]
    return {str(r["citing"]).split("/doc/")[1]
            for r in run_local(store, load("cited-by"), {"document": row.get("record") or row["cited"]}).rows}


def test_copies_of_an_uncurated_title_are_linked_and_found_from_each_other(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    law = "Biosecurity Law of the People's Republic of China"  # curated: data/records
    cities = ("Haikou City", "Sanya City", "Wenchang City")
    for city in cities:
        (corpus / f"{city.split()[0].lower()}.txt").write_text(_regulation(city, law), encoding="utf-8")
    opts = BuildOptions(out_dir=tmp_path / "o", corpus_dir=corpus)
    res = build(opts)
    assert res.ok, (res.problems, res.violations)
    store = GraphStore.open(res.out_dir)
    copies = {str(r["s"]).split("/doc/")[1]: r["s"]
              for r in store.query("SELECT ?s ?c WHERE { ?s a ?c }", {"c": CGT.CitedDocument})}
    banks = sorted(k for k in copies if "cell-banks" in k)
    assert [k.split("-")[1] for k in banks] == ["haikou", "sanya", "wenchang"], copies
    # the shortest copy IRI (Sanya's) stands for the other two
    assert _bank_links(store) == {banks[0]: banks[1], banks[2]: banks[1]}
    # the curated law's copies point at its record, not at each other
    links = store.query(ALTERNATES, {"p": PROV.alternateOf})
    assert {str(r["hub"]).split("/doc/")[1] for r in links if "biosecurity" in str(r["x"])} == {
        "prc-biosecurity-law"}
    # from any of the three texts, the three Article 2s that cite the measures
    for city in cities:
        citing = _everyone_citing_the_banks_measures(store, city)
        assert {c.split("/", 1)[1] for c in citing} == {"article/2"}, citing
        assert sorted(c.split("-")[3] for c in citing) == ["haikou", "sanya", "wenchang"], citing
    # a copy has no date of its own, and corrupted-dates does not list it for that
    listed = {str(r["document"]) for r in run_local(store, load("corrupted-dates"), {}).rows}
    assert not listed & {str(v) for v in copies.values()}
    # the text whose copy stood for the others goes: another copy stands for the rest
    (corpus / "sanya.txt").unlink()
    again = build(opts)
    assert again.ok, (again.problems, again.violations)
    store = GraphStore.open(again.out_dir)
    assert _bank_links(store) == {banks[2]: banks[0]}
    assert {c.split("-")[3] for c in _everyone_citing_the_banks_measures(store, "Wenchang City")} == {
        "haikou", "wenchang"}
    # one text left: nothing to link
    (corpus / "wenchang.txt").unlink()
    assert build(opts).ok
    assert _bank_links(GraphStore.open(again.out_dir)) == {}


def _doc(key: str, title: str, kind: str, graph: str, numbers=()) -> DocFeatures:
    return DocFeatures(str(ns.document(key)), kind, titles=[title], numbers=set(numbers), graphs={graph})


def test_the_hub_is_the_described_document_and_an_ambiguous_title_links_nothing():
    docs = [
        # one described document of the title: both copies point at it
        _doc("x-notice-a", "Notice A", "text", "g0"), _doc("x-t1-notice-a", "Notice A", "cited", "g1"),
        _doc("x-t2-notice-a", "Notice A", "cited", "g2"),
        # no described document: the shortest copy IRI is the hub
        _doc("x-t1-plan-b", "Plan B", "cited", "g1"), _doc("x-t22-plan-b", "Plan B", "cited", "g22"),
        # two described documents (two numbers) of one title: which one is cited is unknown
        _doc("x-2019-3", "Measures C", "text", "g3", ["X [2019] No. 3"]),
        _doc("x-2021-8", "Measures C", "text", "g4", ["X [2021] No. 8"]),
        _doc("x-t1-measures-c", "Measures C", "cited", "g1"),
        # a single copy, and copies of a curated title: they point at the record
        _doc("x-t1-rules-d", "Rules D", "cited", "g1"), _doc("law-e", "Law E", "curated", "r"),
        _doc("x-t1-law-e", "Law E", "cited", "g1"), _doc("x-t2-law-e", "Law E", "cited", "g2"),
    ]
    canonical, _, ambiguous = resolve_documents({d.iri: d for d in docs})
    links = {(s.split("/doc/")[1], o.split("/doc/")[1]) for s, o in canonical.items()}
    assert links == {("x-t1-notice-a", "x-notice-a"), ("x-t2-notice-a", "x-notice-a"),
                     ("x-t22-plan-b", "x-t1-plan-b"), ("x-t1-law-e", "law-e"), ("x-t2-law-e", "law-e")}
    assert {d.b.split("/doc/")[1] for d in ambiguous if "measures-c" in d.a + d.b} >= {"x-t1-measures-c"}
