"""Roundups: a list of dated entries, each naming one document ("March 23, 2023 / The X
issued the "Y". / one or more lines describing it"), grouped under headings such as "At the
national level" or a province's name.

Every dated entry is a document of its own.  A date that cannot be read (a year printed as
"023") is reported and the entry keeps no date: nothing is guessed.
"""

from __future__ import annotations

import re

from rdflib import URIRef

from .. import common as C
from .. import dates as dates_mod
from ..model import DocDate, Document, Extraction, Mention, Segment, Span, Value
from ..source import Line, SourceText
from . import register

_NATIONAL = re.compile(r"\b(?:national|central|nationwide|country)\b|国家|全国|中央", re.I)
_VERB = re.compile(r"\b" + C.ISSUE_VERB + r"\b|印发|发布|出台|通过|公布", re.I)
_PASSIVE_TITLE = re.compile(r"^(?:the\s+)?(?P<t>.+?)\s+(?:was|were|has\s+been|have\s+been)\s+"
                            r"(?:publicly\s+|officially\s+|jointly\s+)?(?:issued|released|published|"
                            r"promulgated|unveiled|announced)\b", re.I)
_BY_TITLE = re.compile(r"^(?:issued|released|published|promulgated)\s+by\s+", re.I)


_INLINE = re.compile(r"\s*[-–—:：,，|]\s*")


def _date_lines(src: SourceText) -> list[tuple[Line, dates_mod.DateMention]]:
    """Lines that are a date, or that begin with a date and a separator ("May 5, 2023 –
    The X issued ..."): the start of an entry."""
    out = []
    for ln in C.nonblank_lines(src):
        t = ln.text.strip()
        ds = dates_mod.find_dates(ln.text[:60], ln.start)
        if not ds:
            continue
        d = ds[0]
        lead = ln.text[: d.start - ln.start]
        if lead.strip():
            continue
        if len(t) <= 40 and len(d.text) >= len(t) - 3:
            out.append((ln, d))
        elif _INLINE.match(ln.text, d.end - ln.start) and len(t) - len(d.text) > 20:
            out.append((ln, d))
    return out


class Roundup:
    name = "roundup"
    description = "dated entries, one document each, under national/local headings"

    def detect(self, src: SourceText) -> float:
        dl = _date_lines(src)
        if len(dl) < 3:
            return 0.0
        lines = C.nonblank_lines(src)
        return min(1.0, 0.2 + len(dl) / max(len(lines), 1) * 2.5)

    def extract(self, env: C.Env) -> Extraction:
        src, text = env.src, env.src.text
        out = Extraction()
        dl = _date_lines(src)
        if not dl:
            env.warn(0, "no dated entries found")
            return out
        lines = C.nonblank_lines(src)
        date_line_nums = {ln.number for ln, _ in dl}
        heading_region: list[Mention] = []
        national = False
        entries: list[tuple[Line, dates_mod.DateMention, list[Line], list[Mention], bool]] = []
        current: list[Line] | None = None
        for i, ln in enumerate(lines):
            if ln.number in date_line_nums:
                d = next(d for l2, d in dl if l2.number == ln.number)
                current = []
                rest = _INLINE.match(text, d.end)
                if rest and ln.end - rest.end() > 20:  # the entry goes on on the date's line
                    current.append(Line(ln.number, rest.end(), ln.end, text[rest.end():ln.end]))
                entries.append((ln, d, current, list(heading_region), national))
                continue
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            is_heading = C.is_heading_like(ln.text, 60) and (
                nxt is None or nxt.number in date_line_nums or C.is_heading_like(nxt.text, 60))
            if is_heading and (current is None or current):
                current = None
                out.segments.append(Segment("header", Span(ln.start, ln.end)))
                heading_region = [m for m in env.linker.find(text, ln.start, ln.end, ("region",))
                                  if m.target is not None]
                national = bool(_NATIONAL.search(ln.text)) and not heading_region
                continue
            if current is not None:
                current.append(ln)
            else:
                out.segments.append(Segment("preamble", Span(ln.start, ln.end)))
        root = _root_region(env)
        for date_ln, d, body, regions, is_national in entries:
            doc = self._entry(env, date_ln, d, body, regions, is_national, root)
            if doc is not None:
                out.documents.append(doc)
            end = body[-1].end if body else date_ln.end
            out.segments.append(Segment("entry", Span(date_ln.start, end)))
        return out

    def _entry(self, env: C.Env, date_ln: Line, d, body: list[Line], regions: list[Mention],
               is_national: bool, root: URIRef | None) -> Document | None:
        text = env.src.text
        if not body:
            env.warn(date_ln.start, f"dated line '{date_ln.text.strip()}' has no entry under it")
            return None
        st_ln = body[0]
        s, e = st_ln.start, st_ln.end
        doc = Document(key="", genre=self.name, line=date_ln.number)
        doc.spans = [Span(date_ln.start, body[-1].end)]
        if d.problem:
            doc.odd_dates.append((Span(d.start, d.end), d.problem))
        elif d.value is not None and d.precision == "day":
            doc.dates.append(DocDate("document", d.value, [Span(d.start, d.end)], "date of the entry"))
        title_span, who_end = _title(env, s, e)
        if title_span is None:
            env.warn(s, "entry names no document title I can recognise")
            return None
        title = text[title_span.start:title_span.end].strip()
        doc.titles = [Value(title, [title_span], "zh" if C._is_zh(title) else "en")]
        doc.doctype = C.doctype_of(title, env.linker)
        names = env.bodies.names_in(text, s, who_end, None)
        doc.issuers = C.dedupe([m for m in names.responsible if not title_span.contains(m.span)])
        doc.unresolved.extend(m for m in names.unresolved if not title_span.contains(m.span))
        doc.regions = C.title_regions(env, doc.titles[0])
        if not doc.regions:
            if regions:
                doc.regions = C.subsume(regions, env.registry)
            elif is_national and root is not None:
                doc.regions = [Mention("region", Span(date_ln.start, date_ln.start), "national level",
                                       root, env.registry.key(root), "section heading")]
        ctx = C.context_for(env, doc)
        if names.unresolved and who_end > s:
            # a local name such as "the municipal health commission" under a regional heading
            names = env.bodies.names_in(text, s, who_end, ctx)
            doc.issuers = C.dedupe([m for m in names.responsible if not title_span.contains(m.span)])
            doc.unresolved = [m for m in names.unresolved if not title_span.contains(m.span)]
        doc.therapies = C.dedupe(C.therapy_mentions(env, s, body[-1].end, ctx))
        doc.regions = C.dedupe(doc.regions + C.narrower_regions(env, doc, s, body[-1].end))
        return doc


def _title(env: C.Env, s: int, e: int) -> tuple[Span | None, int]:
    """Where the title is in an entry's first line, and where the issuer part ends."""
    text = env.src.text
    qs = [q for q in C.quoted(text, s, e) if C.doctype_of(text[q.start:q.end], env.linker)]
    if qs:
        v = _VERB.search(text, s, qs[0].start)
        return qs[0], (v.start() if v else qs[0].start - 1)
    line = text[s:e]
    m = _PASSIVE_TITLE.match(line)
    if m and C.doctype_of(m.group("t"), env.linker):
        return C.trimmed(env.src, s + m.start("t"), s + m.end("t")), s
    b = _BY_TITLE.match(line)
    if b:
        who = env.bodies.agencies(text, s + b.end(), e, None)
        if who and who[0].span.start - (s + b.end()) <= 5:
            t_start = who[0].span.end
            return _strip_end(env, t_start, e), t_start
    v = _VERB.search(line)
    if v:
        rest_start = s + v.end()
        m2 = re.match(r"\s*(?:the\s+)?", text[rest_start:e], re.I)
        t0 = rest_start + (m2.end() if m2 else 0)
        sp = _strip_end(env, t0, e)
        if C.doctype_of(text[sp.start:sp.end], env.linker):
            return sp, s + v.start()
    return None, s


def _strip_end(env: C.Env, s: int, e: int) -> Span:
    text = env.src.text
    while e > s and text[e - 1] in " .。\t":
        e -= 1
    while s < e and text[s] in " \t":
        s += 1
    return Span(s, e)


def _root_region(env: C.Env) -> URIRef | None:
    return env.registry.root_region


register(Roundup())
