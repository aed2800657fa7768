"""Extraction on the five source texts against the curated records: precision and recall per
fact type, printed as a table (pytest -s shows it).  The bar for responsible bodies per
provision is P >= 0.95 and R >= 0.90, and no responsible body may be one the text does not
name."""

from __future__ import annotations

import pytest
from cgtkg.graph.namespaces import DEFAULT_BASE
from loaders_accuracy import evaluate, table

from cgtkg.resources import REPO_ROOT

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def scores(corpus_dir, registry):
    scores, log = evaluate(corpus_dir, registry, REPO_ROOT / "data" / "records",
                           REPO_ROOT / "data" / "sources.yaml", DEFAULT_BASE)
    print("\n" + table(scores))
    return scores


def test_responsible_bodies_meet_the_bar(scores):
    s = scores["responsible"]
    assert s.tp > 50
    assert s.precision >= 0.95, s.extras
    assert s.recall >= 0.90, s.misses


def test_documents_and_provisions_are_found(scores):
    assert scores["documents"].recall >= 0.9 and scores["documents"].precision >= 0.9
    assert scores["provisions"].precision >= 0.95
    assert scores["dates"].precision >= 0.9


def test_every_responsible_body_is_named_in_its_passage(corpus_dir, registry):
    """No body the text does not name: each link's annotation quotes a passage containing
    a name that the registry gives that body (in any of its labels, or as a local name)."""
    from cgtkg.loaders.text import extract_corpus
    from cgtkg.loaders.text.linking import Registry

    result = extract_corpus(corpus_dir, registry, DEFAULT_BASE)
    # a name that is a shown label (pref or alt) of some bodies must link to one of them: a
    # linker that swapped two bodies (NMPA for NHC) would still quote the name
    labelled: dict[str, set] = {}
    for e in Registry.from_graph(registry, DEFAULT_BASE).entries:
        if e.kind == "agency" and e.label_type in ("pref", "alt"):
            labelled.setdefault(e.label.casefold(), set()).add(e.iri)
    checked = by_label = 0
    for fr in result.files:
        for doc in fr.extraction.documents:
            for p in doc.all_provisions():
                for m in p.responsible:
                    passage = m.passage or m.span
                    quote = fr.source.raw[passage.start:passage.end]
                    name = fr.source.raw[m.span.start:m.span.end]
                    assert name and name in quote
                    assert p.span.start <= m.span.start < m.span.end <= p.span.end or any(
                        s.start <= m.span.start < s.end for s in p.extra_spans)
                    bodies = labelled.get(name.strip().casefold().removeprefix("the "))
                    if bodies:
                        assert m.target in bodies, (fr.path.name, name, m.target, bodies)
                        by_label += 1
                    checked += 1
    assert checked > 100 and by_label > 30, (checked, by_label)
