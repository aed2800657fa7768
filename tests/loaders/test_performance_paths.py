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
from cgtkg.graph.triples import WriteOnceStore
from cgtkg.loaders.text.linkindex import TextIndex
from cgtkg.loaders.text.source import SourceText
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

FIXTURES = Path(__file__).parent / "fixtures"

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
CORPUS_ZH = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus-zh"
KINDS = [("agency",), ("region",), ("therapy",), ("doctype",), ("addressee",),
         ("agency", "addressee"), ("agency", "region", "therapy", "doctype", "addressee", "modality")]


def _zh_originals(n: int = 4) -> list[Path]:
    """The first ``n`` Chinese originals of ../shared/corpus-zh that print session numbers
    (第十届…, which the index skips inside names), when that folder is present."""
    if not CORPUS_ZH.is_dir():
        return []
    out = []
    for p in sorted(CORPUS_ZH.rglob("*.md")):
        if "届" in p.read_text(encoding="utf-8")[:3000]:
            out.append(p)
            if len(out) == n:
                break
    return out


def _texts() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.glob("*.txt"))]
    if CORPUS.is_dir():
        out += [(p.name, p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))]
    out += [(p.name, p.read_text(encoding="utf-8")) for p in _zh_originals()]
    return out


def _spans(text: str, rnd: random.Random, n: int):
    """Spans as the genres ask for them (word-aligned: lines, sentences, clauses) and
    arbitrary ones (which may cut words; the index must then decline or agree)."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c in "\n.;,(（、。，；"]
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


def test_chinese_originals_are_compared_when_the_corpus_is_there():
    """The comparison above covers the Chinese index (names by kinds, session numbers
    skipped) only with real originals; say so when they are missing."""
    if not CORPUS_ZH.is_dir():
        pytest.skip("../shared/corpus-zh is absent: Chinese spans of the index not compared")
    assert len(_zh_originals()) == 4


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


def test_late_prefixes_are_the_ones_bound_at_creation():
    import functools

    from cgtkg.graph import namespaces as ns
    from cgtkg.graph.namespaces import DEFAULT_BASE, OA
    from cgtkg.graph.triples import LatePrefixGraph
    from cgtkg.loaders.text.rdf import _bind

    eager = ns.bind_prefixes(Graph(), DEFAULT_BASE)
    eager.bind("oa", OA)
    late = LatePrefixGraph(WriteOnceStore(), bind=functools.partial(_bind, base=DEFAULT_BASE))
    assert sorted(late.namespaces()) == sorted(eager.namespaces())
    # a binding made by the user comes after the project's, as it would have
    late2 = LatePrefixGraph(WriteOnceStore(), bind=functools.partial(_bind, base=DEFAULT_BASE))
    for g in (eager, late2):
        g.bind("oa", URIRef("http://example.org/other-oa#"))
        g.bind("mine", URIRef("http://example.org/mine#"))
    assert sorted(late2.namespaces()) == sorted(eager.namespaces())


# ---------------------------------------------------------------- small helpers, plain vs fast


def _plain_coverage(src, ext) -> dict:
    """The character-by-character count the report used before (the reference)."""
    from collections import Counter

    text = src.text
    total = sum(1 for c in text if not c.isspace())
    if total == 0:
        return {"classified": 0.0, "unclassified_chars": 0}
    order = ["provision", "entry", "header", "preamble", "commentary", "boilerplate"]
    marks = bytearray(len(text))
    for seg in sorted(ext.segments, key=lambda s: order.index(s.kind) if s.kind in order else 99,
                      reverse=True):
        code = order.index(seg.kind) + 1 if seg.kind in order else len(order) + 1
        marks[seg.span.start:seg.span.end] = bytes([code]) * (seg.span.end - seg.span.start)
    counts: Counter = Counter()
    for c, m in zip(text, marks):
        if not c.isspace():
            counts[m] += 1
    out = {kind: round(counts[i + 1] / total, 4) for i, kind in enumerate(order)}
    out["unclassified"] = round(counts[0] / total, 4)
    out["classified"] = round(1 - counts[0] / total, 4)
    out["unclassified_lines"] = sorted({src.line_of(i) for i, (c, m) in enumerate(zip(text, marks))
                                        if m == 0 and not c.isspace()})[:50]
    return out


def _plain_quoted(text: str, start: int, end: int, min_len: int = 6) -> list:
    from cgtkg.loaders.text.model import Span

    out, i = [], start
    while i < end:
        closer = {'"': '"', "《": "》", "«": "»"}.get(text[i])
        if closer:
            j = text.find(closer, i + 1, min(end, i + 400))
            if j > i + min_len and "\n" not in text[i:j]:
                k = j
                while k > i + 1 and text[k - 1] in ",.;: ，。；：":
                    k -= 1
                out.append(Span(i + 1, k))
                i = j + 1
                continue
        i += 1
    return out


def _files() -> list[Path]:
    out = sorted(FIXTURES.glob("*.txt"))
    return out + (sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else [])


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_report_coverage_and_quotes_as_counted_plainly(registry, shared, path):
    from cgtkg.graph.namespaces import DEFAULT_BASE
    from cgtkg.loaders.text import extract_file
    from cgtkg.loaders.text.common import quoted
    from cgtkg.loaders.text.model import Extraction, Segment, Span
    from cgtkg.loaders.text.report import coverage

    fr = extract_file(path, registry, DEFAULT_BASE, _shared=shared)
    src, ext = fr.source, fr.extraction
    assert coverage(src, ext) == _plain_coverage(src, ext)
    # odd segments too: overlapping, unknown kind, running past the end of the text
    n = len(src.text)
    odd = Extraction(segments=[Segment("entry", Span(0, n // 2)), Segment("weird", Span(n // 3, n)),
                               Segment("header", Span(n - 5, n + 40))])
    assert coverage(src, odd) == _plain_coverage(src, odd)
    for a, b in [(0, n), (n // 3, n), (10, min(n, 500))]:
        for min_len in (6, 8):
            assert quoted(src.text, a, b, min_len) == _plain_quoted(src.text, a, b, min_len)


def test_lines_follow_a_replaced_text():
    src = SourceText.from_string("a\nb b\n\nccc\n")
    first = src.lines()
    first.clear()  # callers get their own list
    assert [ln.text for ln in src.lines()] == ["a", "b b", "", "ccc", ""]
    src.text = "x\ny y\n\nzzz\n"  # front matter blanking replaces the analysis view
    assert [ln.text for ln in src.lines()] == ["x", "y y", "", "zzz", ""]


def test_mention_copy_is_a_full_independent_copy():
    import dataclasses

    from cgtkg.loaders.text.model import Mention, Span

    m = Mention("agency", Span(3, 9), "NMPA", URIRef(f"{EX}nmpa"), "nmpa", "context", ("a", "b"),
                Span(0, 20))
    assert {f.name for f in dataclasses.fields(Mention)} <= set(vars(m))  # every field is copied
    c = m.copy()
    assert c == dataclasses.replace(m) and c is not m
    c.passage = None
    c.surface = "other"
    assert m.passage == Span(0, 20) and m.surface == "NMPA"


# ---------------------------------------------------------------- genre detection, cues


def test_script_counts_are_the_plain_counts_and_follow_a_replaced_text():
    import re

    rnd = random.Random(7)
    alphabet = "abcXYZ 中文法规第条，。\n1é"
    for _ in range(50):
        raw = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 400)))
        src = SourceText.from_string(raw)
        for limit in (0, 7, 100, 20000):
            sample = src.text[:limit]
            plain = (len(re.findall(r"[\u3400-\u9fff]", sample)), len(re.findall(r"[A-Za-z]", sample)))
            assert src.script_counts(limit) == plain
            assert src.script_counts(limit) == plain  # the remembered answer
    src = SourceText.from_string("法规 law")
    assert src.script_counts(100) == (2, 3)
    src.text = "abcd    "  # front matter blanking replaces the analysis view
    assert src.script_counts(100) == (0, 4)


def _plain_modalities(env, s: int, e: int) -> list:
    """The cue scan as it was: every match of each cue in turn, the first that is not the
    month May."""
    from cgtkg.loaders.text.common import _MODALITY_CUES, _is_month_may
    from cgtkg.loaders.text.model import Mention, Span

    text = env.src.text
    out = []
    for key, rx in _MODALITY_CUES.items():
        m = next((m for m in rx.finditer(text, s, e) if not _is_month_may(text, m)), None)
        if m:
            iri = env.registry.iri("modality", key)
            if iri is not None:
                out.append(Mention("modality", Span(m.start(), m.end()), m.group(0), iri, key, "cue"))
    return out


def test_modality_cues_as_the_plain_scan_finds_them(shared):
    from cgtkg.loaders.text import common as C

    rnd = random.Random(11)
    pieces = ["May 1, 2023 ", "may ", "May ", "1 May 2023 ", "shall ", "shall not ", "must ",
              "may not ", "is required to ", "permitted ", "support ", "encourage ", "the bureau ",
              "应当", "不得", "可以", "鼓励", "支持", "五月", ", ", ". ", "\n", "In May, 2024 ",
              "may 3 applicants "]
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 40))) for _ in range(200)]
    texts += [raw for _, raw in _texts()[:6]]
    checked = 0
    for raw in texts:
        src = SourceText.from_string(raw)
        env = C.Env(src, shared.registry, shared.linker, shared.bodies, {}, [])
        n = len(src.text)
        for _ in range(20):
            a = rnd.randrange(n + 1)
            b = rnd.randrange(a, n + 1)
            assert C.modalities(env, a, b) == _plain_modalities(env, a, b), (raw[a:b],)
            checked += 1
    assert checked == 20 * len(texts)


def _plain_is_interface_line(text: str) -> bool:
    """:func:`furniture.is_interface_line` as it was, every pattern tried in turn."""
    import re

    from cgtkg.loaders.text.furniture import _BREADCRUMB, _UI_PHRASE, _UI_WORDS

    t = text.strip()
    if not t or len(t) > 160:
        return False
    if _UI_PHRASE.match(t):
        return True
    if len(t) <= 120 and _BREADCRUMB.match(t) and not re.search(r"\d{4}|[.;]\s*$", t):
        return True
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?|\d+", t.lower())
    if not words or len(words) > 8:
        return False
    rest = re.sub(r"[\w\s-]", "", t)
    return all(w in _UI_WORDS for w in words) and not re.search(r"[.;!?]\s*$", t) and len(rest) <= 6


def test_interface_lines_as_the_plain_check_finds_them():
    from cgtkg.loaders.text.furniture import is_interface_line

    rnd = random.Random(5)
    pieces = ["Home", " > ", ">>", " » ", "›", " / ", "\\", "→", "News", "Policies", "首页", "政策",
              "Print", "Close", "Share", " ", "2024", ".", ";", "|", "Back to top", "中文", "-", "!",
              "Read more", "当前位置：", "Font size: A A A", "The commission issued the rules"]
    lines = ["".join(rnd.choice(pieces) for _ in range(rnd.randrange(0, 12))) for _ in range(3000)]
    for _, raw in _texts():
        lines += raw.splitlines()
    hits = 0
    for ln in lines:
        got = is_interface_line(ln)
        assert got == _plain_is_interface_line(ln), ln
        hits += got
    assert hits > 100  # breadcrumbs and button rows are among them


def test_elliptical_lists_as_the_unfiltered_scan_reads_them(shared, monkeypatch):
    """Passages without a level word skip the English ellipsis patterns; with every passage
    scanned (the filter made to match everything) the bodies read are the same."""
    import re

    from cgtkg.loaders.text import bodies
    from cgtkg.loaders.text.linking import Context

    rnd = random.Random(13)
    pieces = ["municipal ", "City's ", "provincial ", "district ", "county ", "competent departments of ",
              "health, education and finance", ", among others", " shall ", "and other relevant departments",
              "people's governments", " and ", "市", "省", "卫生健康、教育、财政", "等有关部门", "Shenzhen ",
              "DISTRICT ", "the ", ". "]
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 30))) for _ in range(300)]
    texts += [raw for _, raw in _texts()]
    finder = shared.bodies
    places = [shared.linker.lookup(name, ("region",)) for name in ("深圳市", "广东省")]
    ctx = Context([m.target for m in places])  # a city's text: its departments are known
    spans = []
    for raw in texts:
        text = SourceText.from_string(raw).text
        for a, b in list(_spans(text, rnd, 15)):
            spans.append((text, a, b))
    fast = [finder._ellipses(t, a, b, ctx) for t, a, b in spans]
    monkeypatch.setattr(bodies, "_LEVEL_WORD", re.compile(""))
    plain = [finder._ellipses(t, a, b, ctx) for t, a, b in spans]
    assert fast == plain
    assert sum(map(len, plain)) > 20  # elliptical lists were read
