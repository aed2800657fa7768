"""The fast paths of the text loaders give the same answers as the plain ones.

Extraction speed comes from computing things once per text (the linker's token index), from
a store that builds its indexes late, and from skipping work whose result is known; none of
that may change what is extracted.  These tests compare each fast path with the plain
computation it replaces, on the fixture texts and on the real corpus when it is present.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from loaders.text.linkindex import TextIndex
from loaders.text.source import SourceText
from loaders.text.triples import WriteOnceStore

FIXTURES = Path(__file__).parent / "fixtures"

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
KINDS = [("agency",), ("region",), ("therapy",), ("doctype",), ("addressee",),
         ("agency", "addressee"), ("agency", "region", "therapy", "doctype", "addressee", "modality")]


def _texts() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.glob("*.txt"))]
    if CORPUS.is_dir():
        out += [(p.name, p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))]
    return out


def _spans(text: str, rnd: random.Random, n: int):
    """Spans as the genres ask for them (word-aligned: lines, sentences, clauses) and
    arbitrary ones (which may cut words; the index must then decline or agree)."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c in "\n.;,(（、"]
    for _ in range(n):
        a = rnd.choice(starts) if rnd.random() < 0.7 else rnd.randrange(len(text))
        b = min(len(text), a + rnd.choice([3, 12, 40, 160, 600, 3000]))
        yield a, b
    yield 0, len(text)


@pytest.mark.parametrize("name, raw", _texts(), ids=lambda v: v if len(v) < 40 else "")
def test_index_answers_as_the_scan_does(shared, name, raw):
    linker = shared.linker
    text = SourceText.from_string(raw, name).text
    index = TextIndex(linker, text)
    rnd = random.Random(name)
    answered = 0
    for a, b in _spans(text, rnd, 300):
        for kinds in KINDS:
            hits = index.hits(a, b, kinds)
            if hits is None:  # the span cuts a word: the linker scans it instead
                continue
            answered += 1
            assert linker._resolve_hits(text, hits, None) == linker._find_scan(text, a, b, kinds), \
                f"{name} [{a}:{b}] {kinds}"
    assert answered > 300  # word-aligned spans are answered by the index


def test_index_declines_spans_that_cut_words_or_follow_a_possessive(shared):
    text = "The Shenzhen Municipal Health Commission's duties and the NMPA. " * 8
    index = TextIndex(shared.linker, text)
    assert index.hits(5, 200, ("agency",)) is None  # inside "Shenzhen"
    assert index.hits(0, 6, ("agency",)) is None  # ends inside "Shenzhen"
    s = text.index("'s") + 1
    assert index.hits(s, 200, ("agency",)) is None  # "s" after an apostrophe
    assert index.hits(0, len(text), ("agency",)) is not None


def test_find_with_memo_and_index_equals_scan_on_a_corpus_text(shared):
    """Through the public entry point (memo, index, copies) on a whole document."""
    linker = shared.linker
    raw = (FIXTURES / "wrapped_regulation.txt").read_text(encoding="utf-8")
    text = SourceText.from_string(raw).text
    spans = list(_spans(text, random.Random(3), 200))
    for _ in range(2):  # the second round comes from the memo
        for a, b in spans:
            got = linker.find(text, a, b, ("agency", "region"))
            assert got == linker._find_scan(text, a, b, ("agency", "region"))
    whole = linker.find(text, 0, len(text), ("agency", "region"))
    assert whole, "the fixture names bodies and places"
    whole[0].surface = "changed"  # callers own their copies: the memo is not touched
    assert linker.find(text, 0, len(text), ("agency", "region"))[0].surface != "changed"


# ---------------------------------------------------------------- the write-once store

EX = "http://example.org/"


def _triples(n: int = 60) -> list[tuple]:
    out = []
    for i in range(n):
        s = URIRef(f"{EX}s{i % 7}")
        out.append((s, RDF.type, URIRef(f"{EX}C{i % 3}")))
        out.append((s, RDFS.label, Literal(f"label {i % 11}")))
        out.append((s, URIRef(f"{EX}p"), Literal(i)))
    return out


def _pair() -> tuple[Graph, Graph]:
    plain, late = Graph(), Graph(store=WriteOnceStore())
    for t in _triples():
        plain.add(t)
        late.store.put(t)
    return plain, late


def test_write_once_graph_reads_like_a_plain_graph():
    plain, late = _pair()
    assert len(late) == len(plain)  # duplicates written twice count once
    assert set(late) == set(plain)  # full iteration before any index exists
    assert (URIRef(f"{EX}s1"), RDF.type, URIRef(f"{EX}C1")) in late
    assert (URIRef(f"{EX}s1"), RDF.type, URIRef(f"{EX}nope")) not in late
    for pattern in [(URIRef(f"{EX}s2"), None, None), (None, RDF.type, None),
                    (None, None, Literal("label 3")), (None, RDFS.label, Literal("label 4")),
                    (URIRef(f"{EX}s3"), RDFS.label, None)]:
        assert set(late.triples(pattern)) == set(plain.triples(pattern)), pattern
    assert isomorphic(late, plain)
    q = "SELECT ?s WHERE { ?s a <http://example.org/C2> ; <http://example.org/p> ?n FILTER(?n > 30) }"
    assert {r.s for r in late.query(q)} == {r.s for r in plain.query(q)}


def test_write_once_graph_changes_like_a_plain_graph():
    for first_read in (True, False):  # before and after the indexes exist
        plain, late = _pair()
        if first_read:
            list(late.triples((None, RDF.type, None)))
        extra = (URIRef(f"{EX}new"), RDFS.label, Literal("new"))
        plain.add(extra)
        late.add(extra)
        plain.remove((None, RDFS.label, Literal("label 5")))
        late.remove((None, RDFS.label, Literal("label 5")))
        assert len(late) == len(plain)
        assert set(late) == set(plain)
        assert set(late.subjects(RDFS.label, Literal("new"))) == {URIRef(f"{EX}new")}
