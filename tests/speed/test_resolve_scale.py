"""The canonical layer decides as before when hundreds of texts cite one law.

resolve_documents compares each pair of document signatures once and finds a match's rival by
set intersection (cgtkg/pipeline/resolve.py); both were walks that grew with the square and the
cube of the copies of one document. These tests hold the fast forms to the plain ones on
documents of my own: random titles, numbers, dates and texts drawn from small pools, so that
copies, twins, rivals and refusals all occur.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from cgtkg.graph.matching import DocFeatures, compare_documents

from cgtkg.pipeline import resolve as R

TITLES = ["Regulations on Stem Cell Clinical Research", "Stem Cell Clinical Research Regulations",
          "Measures for Gene Therapy Products", "Measures for Gene Therapy Products (2021)",
          "Notice on Cell Therapy Pilots", "干细胞临床研究管理办法", "基因治疗产品管理办法"]
NUMBERS = ["Guo Ban Fa [2019] No. 12", "国办发〔2019〕12号", "Wei Ke Jiao Fa [2020] No. 3"]
DATES = ["2019-03-01", "2019-03-05", "2021-07-01"]
ISSUERS = ["https://example.org/agency/a", "https://example.org/agency/b"]


def _docs(rng: random.Random, n: int) -> dict[str, DocFeatures]:
    docs = {}
    for i in range(n):
        f = DocFeatures(f"https://example.org/doc/{i:03d}",
                        rng.choices(["text", "cited", "curated"], [6, 6, 1])[0])
        f.titles = sorted(set(rng.sample(TITLES, rng.choice([1, 1, 2]))))
        if rng.random() < 0.3:
            f.numbers = {rng.choice(NUMBERS)}
        if rng.random() < 0.3:
            f.issuers = {rng.choice(ISSUERS)}
        if rng.random() < 0.4:
            f.dates = {rng.choice(DATES)}
        f.graphs = {f"https://example.org/graph/{rng.randrange(n // 3 + 1)}"}
        docs[f.iri] = f
    return docs


def _plain_one_of_several(docs, decisions) -> None:
    """The form before: every match of a document walked for each of its matches."""
    verdict = {(d.a, d.b): d.verdict for d in decisions}
    same_with = defaultdict(set)
    for d in decisions:
        if d.verdict == "same":
            same_with[d.a].add(d.b)
            same_with[d.b].add(d.a)

    def distinct(x, y):
        v = verdict.get((x, y)) or verdict.get((y, x))
        return v == "different" or bool(docs[x].graphs & docs[y].graphs)

    for d in decisions:
        if d.verdict != "same":
            continue
        for one, other in ((d.a, d.b), (d.b, d.a)):
            rival = next((c for c in sorted(same_with[one]) if c != other and distinct(c, other)),
                         None)
            if rival is not None:
                d.verdict = "ambiguous"
                d.evidence.append(f"not merged: {R._short(one)} matches {R._short(rival)} too, "
                                  "which is another document")
                break


def _outcome(decisions) -> list[tuple]:
    return [(d.a, d.b, d.points, d.verdict, tuple(d.evidence)) for d in decisions]


@pytest.mark.parametrize("seed", range(12))
def test_fast_decisions_are_the_plain_ones(seed):
    rng = random.Random(seed)
    docs = _docs(rng, 60)
    pairs = R._blocks(docs)
    fast = sorted(R._decisions(docs, pairs), key=lambda d: (-d.points, d.a, d.b))
    plain = sorted((compare_documents(docs[a], docs[b]) for a, b in pairs),
                   key=lambda d: (-d.points, d.a, d.b))
    assert _outcome(fast) == _outcome(plain)
    R._one_of_several(docs, fast)
    _plain_one_of_several(docs, plain)
    assert _outcome(fast) == _outcome(plain)
    # the pools make every kind of outcome, so the comparison is not of empty lists
    if seed == 0:
        assert {d.verdict for d in fast} >= {"same", "ambiguous", "different"}


def test_a_match_of_two_documents_of_one_text_is_merged_with_neither():
    """Two entries of one roundup with one title are two documents; a third text citing that
    title could mean either, so it is reported as ambiguous and not merged."""
    docs = {}
    for iri, graph in (("https://example.org/doc/cite", "g2"), ("https://example.org/doc/e1", "g1"),
                       ("https://example.org/doc/e2", "g1")):
        docs[iri] = DocFeatures(iri, "text", titles=["Notice on Cell Therapy Pilots"],
                                graphs={graph})
    canonical, merged, ambiguous = R.resolve_documents(docs)
    assert canonical == {} and merged == []
    assert {(d.a, d.b) for d in ambiguous} == {("https://example.org/doc/cite",
                                                "https://example.org/doc/e1"),
                                               ("https://example.org/doc/cite",
                                                "https://example.org/doc/e2")}
    assert all("which is another document" in d.evidence[-1] for d in ambiguous)


def test_hundreds_of_copies_of_one_law_become_one_node():
    """Many texts citing one law by one title: one canonical node, every copy pointing at it."""
    docs = {}
    for i in range(400):
        iri = f"https://example.org/doc/x{i:03d}-law"
        docs[iri] = DocFeatures(iri, "cited", titles=["Drug Administration Law of China"],
                                graphs={f"g{i}"})
    canonical, merged, ambiguous = R.resolve_documents(docs)
    assert ambiguous == []
    assert set(canonical.values()) == {"https://example.org/doc/x000-law"}
    assert len(canonical) == 399


def test_the_dates_a_record_s_sources_claim_are_read_from_its_conflict_only(tmp_path):
    """A record whose sources disagree on a date holds the date as the claims of a
    `cgt:SourceConflict`; the resolution reads them from there (starting from the claims,
    not from every annotation naming the property), in the conflict's own graph only."""
    from cgtkg.graph.namespaces import CGT, ELI, OA
    from cgtkg.graph.store import GraphStore, quads_to_ox
    from cgtkg.loaders.records import conflict_iri, source_conflict
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF, XSD

    base = "https://example.org/id/"
    doc, other = URIRef(f"{base}doc/plan"), URIRef(f"{base}doc/other")
    record, text = URIRef(f"{base}graph/doc/plan"), URIRef(f"{base}graph/text/t")
    src_a, src_b = URIRef(f"{base}source/a"), URIRef(f"{base}source/b")
    claims = [(Literal("2019-05-01", datatype=XSD.date), src_a, "a"),
              (Literal("2019-06-15", datatype=XSD.date), src_b, "b")]
    in_force = [(Literal("2019-07-01", datatype=XSD.date), src_a, "a"),
                (Literal("2019-08-01", datatype=XSD.date), src_b, "b")]
    in_record = [(doc, RDF.type, ELI.LegalResource),
                 *source_conflict(doc, "date_document", ELI.date_document, claims, base, "The sources"),
                 # another date the sources disagree on: its claims are not the document's date
                 *source_conflict(doc, "first_date_entry_in_force", ELI.first_date_entry_in_force, in_force,
                                  base, "The sources")]
    note = URIRef(f"{base}annotation/n1")  # a fact's provenance names the property too: no claims
    in_text = [(other, RDF.type, ELI.LegalResource),
               (other, ELI.date_document, Literal("2020-01-02", datatype=XSD.date)),
               (note, RDF.type, OA.Annotation), (note, CGT.onProperty, ELI.date_document), (note, CGT.concerns, other),
               # a claim-like value in another graph than the conflict's is not the record's claim
               (conflict_iri(doc, "date_document"), CGT.hasClaim, URIRef(f"{base}elsewhere")),
               (URIRef(f"{base}elsewhere"), RDF.value, Literal("2001-01-01", datatype=XSD.date))]
    store = GraphStore(tmp_path / "store")
    store.ox.bulk_extend([*quads_to_ox(record, in_record), *quads_to_ox(text, in_text)])
    docs = R.read_documents(store, base)
    assert docs[str(doc)].dates == {"2019-05-01", "2019-06-15"}
    assert docs[str(other)].dates == {"2020-01-02"}
