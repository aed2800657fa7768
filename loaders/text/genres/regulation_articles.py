"""Regulations and rules numbered in articles: "Chapter N" / "Article N:" or 第N章 / 第N条.

Layout this genre expects (in English translation or in Chinese): optional news lead, a
title line, an optional "(Adopted at ... on <date>)" line, chapters holding articles, items
"(1)", "(II)", "（一）" inside articles, and possibly a commentary after the last article
(an official interpretation) that is a document of its own, not more articles.
"""

from __future__ import annotations

import bisect
import re

from cgtkg.graph.errors import Problem

from .. import common as C
from .. import dates as dates_mod
from ..furniture import read_page
from ..model import Citation, Document, Extraction, Provision, Segment, Span, Value
from ..source import SourceText
from ..structure import (
    ARTICLE_EN,
    ARTICLE_ZH,
    CHAPTER_EN,
    CHAPTER_ZH,
    ITEM,
    SECTION_EN,
    SECTION_ZH,
    Marker,
    anomalies_of,
    scan,
    similar,
)
from . import register

_PATTERNS = {"chapter": [CHAPTER_EN, CHAPTER_ZH], "section": [SECTION_EN, SECTION_ZH],
             "article": [ARTICLE_EN, ARTICLE_ZH]}
_ADOPTION = re.compile(r"^\s*[(（].{0,300}(?:adopted|passed|approved|promulgated|revised|通过|修订|公布)"
                       r".{0,200}[)）]\s*$", re.I)
_BOILER = re.compile(r"reprint(?:ed)?\s+(?:notice|from)|please\s+contact\s+us|all\s+rights\s+reserved|"
                     r"related\s+news|转载|版权", re.I)


class RegulationArticles:
    name = "regulation_articles"
    description = "regulations and rules numbered in chapters and articles (Article N / 第N条)"

    def detect(self, src: SourceText) -> float:
        arts = [m for m in scan(src, {"article": [ARTICLE_EN, ARTICLE_ZH]})]
        if len(arts) < 3:
            return 0.0
        distinct = len({m.number for m in arts})
        score = min(1.0, 0.4 + distinct / 20)
        cjk, latin = src.script_counts(30000)
        if cjk >= 20 and cjk >= 3 * latin:
            # a Chinese original: the statute_zh genre reads its history, paragraphs and level
            score = min(score, 0.8)
        return score

    def extract(self, env: C.Env) -> Extraction:
        src, text = env.src, env.src.text
        out = Extraction()
        markers = scan(src, _PATTERNS)
        arts = [m for m in markers if m.kind == "article"]
        if not arts:
            env.warn(0, "no 'Article N' or 第N条 lines found")
            return out
        first_art = arts[0]
        heads = [m for m in markers if m.start <= first_art.start]
        first = heads[-1] if heads else first_art
        for m in reversed(heads):  # a chapter heading directly above the first article
            if m.kind in ("chapter", "section") and not any(a.start < m.start for a in arts):
                first = m
        end = _end_of_run(src, arts[-1])
        markers = [m for m in markers if first.start <= m.start < end]

        doc = Document(key="", genre=self.name, line=first.line)
        title_line, adoption_line, header_start = _header(src, first.start)
        if title_line is not None:
            t = C.trimmed(src, title_line.start, title_line.end)
            title_text = re.sub(r"\s*\n\s*", " ", src.raw[t.start:t.end]).strip().strip('"“”《》')
            doc.titles.append(Value(title_text, [t], "zh" if C._is_zh(title_text) else "en"))
            doc.spans.append(t)
            out.segments.append(Segment("header", Span(title_line.start, title_line.end)))
        if adoption_line is not None:
            out.segments.append(Segment("header", Span(adoption_line.start, adoption_line.end)))
            _adoption(env, doc, adoption_line)
        num = C.doc_number(text, header_start, first.start)
        if num:
            doc.number = num

        lead_end = header_start
        lead = C.markers(src)
        lead_stop = min([ln.start for ln in lead if ln.start < first.start] + [lead_end])
        if lead_stop > 0:
            out.segments.append(Segment("commentary", Span(0, lead_stop)))
        for ln in lead:
            if ln.start < first.start:
                out.segments.append(Segment("header", Span(ln.start, ln.end)))
        if lead_stop < header_start:
            out.segments.append(Segment("header", Span(lead_stop, header_start)))
        anchor = C.dateline(src)
        if doc.titles:
            doc.doctype = C.doctype_of(str(doc.titles[0].value), env.linker)
            doc.regions = C.title_regions(env, doc.titles[0])
        _lead_statements(env, doc, 0, lead_stop, anchor)
        ctx = C.context_for(env, doc)

        provisions, anomalies = self._provisions(env, markers, end, ctx, doc)
        doc.provisions = provisions
        doc.anomalies.extend(anomalies)
        for p in doc.all_provisions():
            for sp in [p.span] + p.extra_spans:
                out.segments.append(Segment("provision", sp))
        _in_force_from_articles(env, doc, provisions, anchor)
        doc.therapies = C.dedupe([t for p in doc.all_provisions() for t in p.therapies])
        doc.key = C.doc_key(doc)
        out.documents.append(doc)

        # after the run: commentary, possibly a document of its own (an interpretation)
        tail = _tail(env, end, doc)
        if tail is not None:
            out.documents.append(tail)
        if end < len(text):
            out.segments.append(Segment("commentary", Span(end, len(text))))
        for ln in src.lines():
            if _BOILER.search(ln.text) and len(ln.text) < 300:
                out.segments.append(Segment("boilerplate", Span(ln.start, ln.end)))
        out.documents.extend(C.cited_documents(env, 0, len(text), out.documents))
        return out

    # ------------------------------------------------------------ provisions

    def _provisions(self, env, markers: list[Marker], end: int, ctx, doc):
        src, text = env.src, env.src.text
        anomalies: list[dict] = []
        chapters: list[Provision] = []
        top: list[Provision] = []
        current_chapter: Provision | None = None
        articles: list[tuple[Marker, Provision, Provision | None]] = []
        for i, m in enumerate(markers):
            nxt = markers[i + 1].start if i + 1 < len(markers) else end
            if m.kind in ("chapter", "section"):
                span = C.trimmed(src, m.start, _chapter_end(markers, i, end))
                p = Provision(m.kind, str(m.number), _printed(m), span, line=m.line)
                if m.title:
                    ts = m.end - len(m.title)
                    p.title = Value(m.title.strip(" :：."), [Span(ts, m.end)])
                if m.kind == "chapter":
                    chapters.append(p)
                    top.append(p)
                    current_chapter = p
                elif current_chapter is not None:
                    current_chapter.children.append(p)
                else:
                    top.append(p)
                continue
            span = C.trimmed(src, m.start, nxt)
            p = Provision("article", str(m.number), _printed(m), span, line=m.line)
            p.children = _items(env, Span(m.body_start, span.end))
            articles.append((m, p, current_chapter))
        printed_numbers = [m.number for m, _, _ in articles]
        anomalies += [dict(a, about="article") for a in
                      anomalies_of(printed_numbers, "article", [m.line for m, _, _ in articles])]
        chapter_numbers = [int(c.number) for c in chapters]
        anomalies += [dict(a, about="chapter") for a in
                      anomalies_of(chapter_numbers, "chapter", [c.line for c in chapters])]
        # one provision per number: repeats become extra spans
        by_number: dict[int, list[int]] = {}
        for idx, (m, _, _) in enumerate(articles):
            by_number.setdefault(m.number, []).append(idx)
        keep: set[int] = set()
        for n, idxs in by_number.items():
            if len(idxs) == 1:
                keep.add(idxs[0])
                continue
            primary = next((i for i in idxs if i > 0 and articles[i - 1][0].number == n - 1), idxs[0])
            keep.add(primary)
            pm, pp, _ = articles[primary]
            for i in idxs:
                if i == primary:
                    continue
                om, op, _ = articles[i]
                sim = similar(text[pp.span.start:pp.span.end], text[op.span.start:op.span.end])
                lines = sorted([pm.line, om.line])
                if sim >= 0.6:
                    pp.extra_spans.append(op.span)
                    anomalies.append({"kind": "duplicate-provision", "about": f"article/{n}",
                                      "numbers": [n], "lines": lines, "similarity": round(sim, 2),
                                      "message": f"article {n} is printed twice (lines {lines[0]} "
                                                 f"and {lines[1]}) with the same content; recorded once"})
                    env.warn(om.start, f"article {n} printed again (also on line {pm.line}); "
                                       "same wording, recorded once")
                else:
                    anomalies.append({"kind": "conflicting-duplicate", "about": f"article/{n}",
                                      "numbers": [n], "lines": lines, "similarity": round(sim, 2),
                                      "message": f"article {n} is printed twice with different "
                                                 f"wording (lines {lines[0]} and {lines[1]}); the "
                                                 f"one on line {pm.line} is kept"})
                    env.warn(om.start, f"article {n} printed twice with different wording; "
                                       f"kept the one on line {pm.line}")
        for a in anomalies:
            if a["kind"] in ("gap", "out-of-order", "not-starting-at-1"):
                line = a.get("line")
                env.problems.append(Problem(src.path, line, f"numbering: {a['message']}", "warning"))
        kept = sorted((articles[i] for i in keep), key=lambda t: int(t[1].number))
        for m, p, ch in kept:
            C.enrich(env, p, ctx, doc)
            (ch.children if ch is not None else top).append(p)
        for ch in chapters:
            ch.children.sort(key=lambda p: (p.kind != "section", int(p.number)))
        return top, anomalies


def _printed(m: Marker) -> str:
    p = m.printed
    if m.title and p.endswith(m.title):
        p = p[: -len(m.title)]
    return p.strip(" :：.")


def _chapter_end(markers: list[Marker], i: int, end: int) -> int:
    kind = markers[i].kind
    for m in markers[i + 1:]:
        if m.kind == kind or (kind == "section" and m.kind == "chapter"):
            return m.start
    return end


def _items(env: C.Env, span: Span) -> list[Provision]:
    """Items "(1)", "(II)", "（一）" at line starts inside one article."""
    from ..structure import number_of
    src = env.src
    first = bisect.bisect_left(src.line_starts, span.start)
    found = []
    for idx in range(first, len(src.line_starts)):
        ls = src.line_starts[idx]
        if ls >= span.end:
            break
        le = src.line_starts[idx + 1] - 1 if idx + 1 < len(src.line_starts) else len(src.text)
        m = ITEM.match(src.text[ls:le])
        if m:
            n = number_of(m.group("n"))
            if n is not None:
                found.append((n, ls, idx + 1, m))
    items = []
    for i, (n, ls, line_no, m) in enumerate(found):
        e = found[i + 1][1] if i + 1 < len(found) else span.end
        sp = C.trimmed(src, ls, e)
        items.append(Provision("item", str(n), src.raw[ls:ls + m.end()].strip(), sp, line=line_no))
    return items


def _end_of_run(src: SourceText, last: Marker) -> int:
    """The last article ends at the first heading-like line that is not an item and does not
    continue a sentence (hard-wrapped texts break sentences across lines)."""
    end = len(src.text)
    prev = src.text[last.start:last.end]
    for ln in src.lines():
        if ln.start <= last.start or not ln.text.strip():
            continue
        if ITEM.match(ln.text):
            prev = ln.text
            continue
        if C.is_heading_like(ln.text) and not C.is_heading_like(prev, 10_000) \
                and not ln.text.lstrip()[:1].islower():
            return ln.start
        prev = ln.text
    return end


def _header(src: SourceText, first_start: int):
    """Title and adoption note just above the first chapter or article.  Both may be
    wrapped over several lines: they are read as blocks of consecutive lines."""
    page = read_page(src)  # a breadcrumb, a byline or a metadata field is no part of a title
    lines = [ln for ln in C.nonblank_lines(src) if ln.end <= first_start and not page.is_furniture(ln.number)]
    blocks: list[list] = []
    for ln in lines[-8:]:
        if blocks and ln.number == blocks[-1][-1].number + 1 and not C._MARKER.match(ln.text):
            blocks[-1].append(ln)
        else:
            blocks.append([ln])
    title = adoption = None
    header_start = first_start
    for block in reversed(blocks[-3:]):
        t = " ".join(ln.text.strip() for ln in block)
        span = _Block(block[0].start, block[-1].end, block[0].number)
        if adoption is None and title is None and _ADOPTION.match(t):
            adoption = span
            header_start = span.start
            continue
        if title is None and C.is_heading_like(t, 300) and not C._MARKER.match(t):
            title = span
            header_start = span.start
        break
    return title, adoption, header_start


class _Block:
    """A run of lines treated as one (a wrapped title or adoption note)."""

    def __init__(self, start: int, end: int, number: int):
        self.start, self.end, self.number = start, end, number


def _adoption(env: C.Env, doc: Document, ln) -> None:
    text = env.src.text
    doc.issuers = env.bodies.agencies(text, ln.start, ln.end, None)
    for d in dates_mod.find_dates(text[ln.start:ln.end], ln.start):
        if d.problem:
            doc.odd_dates.append((Span(d.start, d.end), d.problem))
        elif d.value and d.precision == "day":
            C.add_date(doc, C.DocDate("document", d.value, [Span(d.start, d.end)],
                                      "adoption date"))
            break


def _lead_statements(env: C.Env, doc: Document, start: int, end: int, anchor) -> None:
    """A news lead that announces the document: issuers, announcement date, alias."""
    if end <= start:
        return
    text = env.src.text
    own = str(doc.titles[0].value) if doc.titles else ""
    for ss, se in C.sentences(text, start, end):
        st = C.statement_in(env, ss, se, anchor, None)
        if st is None or st.title is None:
            continue
        if own and similar(str(st.title.value), own) < 0.8:
            continue
        if not doc.titles:
            doc.titles.append(st.title)
        else:
            doc.titles[0].spans.extend(st.title.spans)
        doc.spans.append(st.span)
        if st.alias:
            doc.aliases.append(st.alias)
        if not doc.issuers:
            doc.issuers = [m for m in st.issuers]
        for d in st.dates:
            C.add_date(doc, d)
        doc.odd_dates.extend(st.odd)


def _in_force_from_articles(env, doc, provisions, anchor) -> None:
    text = env.src.text
    for p in doc.all_provisions():
        if p.kind != "article":
            continue
        seg = text[p.span.start:p.span.end]
        if not C._IN_FORCE.search(seg):
            continue
        for d in C.resolve_dates(dates_mod.find_dates(seg, p.span.start), anchor):
            if not C.in_force_date(text, d, p.span.start):
                continue
            if d.value and d.precision == "day":
                C.add_date(doc, C.DocDate("in_force", d.value, [Span(d.start, d.end)],
                                          f"stated in {p.printed}"))
            elif d.problem:
                doc.odd_dates.append((Span(d.start, d.end), d.problem))


def _tail(env: C.Env, end: int, main: Document) -> Document | None:
    """A heading after the last article that names a document type (an interpretation)."""
    src, text = env.src, env.src.text
    for ln in C.nonblank_lines(src):
        if ln.start < end:
            continue
        if not C.is_heading_like(ln.text, 300):
            return None
        dt_m = C.doctype_of(ln.text, env.linker)
        if dt_m is None:
            return None
        t = C.trimmed(src, ln.start, ln.end)
        title = text[t.start:t.end].replace('"', "").replace("“", "").replace("”", "").strip()
        doc = Document(key="", titles=[Value(title, [t], "zh" if C._is_zh(title) else "en")],
                       doctype=dt_m, spans=[Span(ln.start, len(text))], genre="commentary",
                       line=ln.number)
        doc.regions = C.title_regions(env, doc.titles[0]) or list(main.regions)
        doc.key = C.doc_key(doc)
        if dt_m.key == "interpretation":  # printed after the articles: it explains them
            doc.interprets.append(Citation(main, t))
        return doc
    return None


register(RegulationArticles())
