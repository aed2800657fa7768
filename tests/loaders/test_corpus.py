"""The five source texts: the lessons each one teaches must hold (through generic rules).

Skipped with a clear message when ../shared/corpus is absent."""

from __future__ import annotations

import pytest
from cgtkg.graph.namespaces import DEFAULT_BASE

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def corpus_result(corpus_dir, registry):
    from cgtkg.loaders.text import extract_corpus

    return extract_corpus(corpus_dir, registry, DEFAULT_BASE)


def _file(result, prefix):
    fr = next(f for f in result.files if f.path.name.startswith(prefix))
    assert fr.extraction is not None, fr.problems
    return fr


def _by_kind(doc, kind):
    return [p for p in doc.all_provisions() if p.kind == kind]


def test_every_file_is_extracted_into_its_own_named_graph(corpus_result):
    iris = [str(g) for g, _ in corpus_result.graphs]
    assert len(iris) == 5 and len(set(iris)) == 5
    assert all(i.startswith(f"{DEFAULT_BASE}graph/extracted/") for i in iris)
    assert not [p for p in corpus_result.problems if p.severity == "error"]
    assert all(f["coverage"]["classified"] > 0.95 for f in corpus_result.report["files"])
    assert corpus_result.summary_lines()[0].startswith("text extraction: 5 file(s)")


def test_a_measure_quoted_in_the_news_lead_is_not_a_second_measure(corpus_result):
    fr = _file(corpus_result, "000_")
    doc = fr.extraction.documents[0]
    numbers = [p.number for p in _by_kind(doc, "measure")]
    assert numbers == [str(i) for i in range(1, 16)]
    m9 = next(p for p in doc.provisions if p.number == "9")
    assert len(m9.extra_spans) == 1 and fr.source.line_of(m9.extra_spans[0].start) < m9.line
    assert next(p for p in doc.provisions if p.number == "2").printed == "II."


def test_a_bilingual_text_gives_one_document_per_fact_with_two_spans(corpus_result):
    fr = _file(corpus_result, "001_")
    both = [d for d in fr.extraction.documents if {t.lang for t in d.titles} == {"zh", "en"}]
    assert len(both) >= 8
    for d in both:
        assert len({str(t.value) for t in d.titles}) == 2
    dated = [d for d in both if any(x.kind == "document" and len(x.spans) >= 2 for x in d.dates)]
    assert dated  # the same date read in the Chinese and the English paragraph


def test_an_article_printed_twice_is_one_article_and_a_reported_anomaly(corpus_result):
    fr = _file(corpus_result, "002_")
    doc = fr.extraction.documents[0]
    articles = _by_kind(doc, "article")
    assert sorted(int(p.number) for p in articles) == list(range(1, 73))
    dup = [p for p in articles if p.extra_spans]
    assert len(dup) == 1 and len(_by_kind(doc, "chapter")) == 9
    kinds = {a["kind"] for a in doc.anomalies}
    assert {"duplicate-provision", "out-of-order"} <= kinds
    # the official interpretation after the last article is commentary, not more articles
    last = max(articles, key=lambda p: int(p.number))
    assert "Interpretation" not in fr.source.raw[last.span.start:last.span.end]
    assert any(d.doctype and d.doctype.key == "interpretation" for d in fr.extraction.documents)


def test_a_corrupted_year_is_reported_not_guessed(corpus_result):
    fr = _file(corpus_result, "003_")
    docs = fr.extraction.documents
    assert len(docs) == 25
    odd = [d for d in docs if d.odd_dates]
    assert len(odd) == 1 and not [x for x in odd[0].dates if x.kind == "document"]
    assert any("023" in p.message and p.line for p in fr.problems)


def test_a_summary_that_repeats_the_detailed_text_adds_spans_not_provisions(corpus_result):
    fr = _file(corpus_result, "004_")
    plan = next(d for d in fr.extraction.documents if d.provisions)
    paragraphs = _by_kind(plan, "paragraph")
    assert len(paragraphs) == 2
    assert any(p.extra_spans for p in plan.all_provisions())
    summary_start = min(s.start for p in plan.all_provisions() for s in p.extra_spans)
    assert all(p.span.start > summary_start for p in plan.all_provisions())


@pytest.mark.slow
def test_build_with_the_corpus_answers_the_passage_query(built_texts):
    """End to end: `cgtkg build --corpus` stores the extracted graphs next to the curated
    ones, they pass SHACL, and the documented query returns the passage behind a link (on the
    session's build with the five texts)."""
    from cgtkg.graph.store import GraphStore
    from rdflib import URIRef
    from test_provenance import PASSAGE_QUERY

    res = built_texts
    out = res.out_dir
    assert res.ok, "\n".join(map(str, res.problems + res.violations))
    assert res.report["corpus"]["totals"]["files"] == 5
    store = GraphStore.open(out)
    graphs = [str(g) for g in store.named_graphs() if "/graph/extracted/" in str(g)]
    assert len(graphs) == 5
    rows = store.query("""
        PREFIX eli: <http://data.europa.eu/eli/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
        SELECT ?p ?a WHERE { ?p cgt:responsibleAgency ?a ;
                               prov:wasGeneratedBy ?act . FILTER(STRENDS(STR(?act), "activity/extraction")) }""")
    assert len(rows) > 100
    hc = URIRef(f"{DEFAULT_BASE}agency/shenzhen-hc")
    for row in [r for r in rows if r["a"] == hc][:5]:
        found = store.query(PASSAGE_QUERY, {"provision": row["p"], "agency": row["a"]})
        assert found and all(str(f["name"]) in str(f["passage"]) for f in found)
        assert str(found[0]["file"]).startswith("002_")
