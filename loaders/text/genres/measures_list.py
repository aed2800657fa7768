"""Numbered lists of measures: "1.", "II.", "3." ... each with a heading, a body and often a
responsibility list "(Responsible departments: ...)".

Typical of opinions, notices and action plans, and of news items that reprint them: a news
lead (which may quote one measure in advance), a marker such as "The full text is as
follows:", the document's header (title, number, addressees, preamble), the numbered
measures, and closing paragraphs.  The main list is the longest chain numbered 1, 2, 3 ...
whatever mix of arabic, roman or Chinese numerals it uses; a measure quoted before the list
is the same measure printed twice, not a new one.
"""

from __future__ import annotations

import re

from .. import common as C
from ..furniture import read_page
from ..model import Document, Extraction, Provision, Segment, Span, Value
from ..source import SourceText
from ..structure import (
    BARE_ITEM,
    BARE_NUM,
    ITEM,
    LIST_NUM,
    Marker,
    anomalies_of,
    longest_chain,
    marker_style,
    nest,
    scan,
    similar,
)
from . import register

_RESP = re.compile(r"[(（]\s*(?:responsible|lead(?:ing)?)\s+(?:departments?|units?)|责任单位|牵头单位|"
                   r"\bwill\s+be\s+responsible\b|\bare\s+responsible\b", re.I)
_BOILER = re.compile(r"reprint(?:ed)?\s+(?:notice|from)|please\s+contact\s+us|related\s+news|"
                     r"all\s+rights\s+reserved|转载|版权", re.I)


def _markers(src: SourceText) -> list[Marker]:
    """Numbered lines of the main list: ``1.``, ``II.``, ``三、``, and a number alone on its
    line with its text on the next; never a line of page furniture."""
    page = read_page(src)
    return [m for m in scan(src, {"measure": [LIST_NUM, BARE_NUM]})
            if m.end - m.body_start >= 4 and not page.is_furniture(src.line_of(m.start))]


def _bracket_markers(src: SourceText) -> list[Marker]:
    """``(I)``, ``(II)``, ``(Three)`` at line starts: the main list of texts that number their
    measures in brackets (English translations of （一）（二）), with Latin script only."""
    cjk, latin = src.script_counts(20000)
    if cjk > latin / 4:
        return []
    page = read_page(src)
    return [m for m in scan(src, {"measure": [ITEM, BARE_ITEM]})
            if m.end - m.body_start >= 4 and not page.is_furniture(src.line_of(m.start))]


def _main_list(src: SourceText) -> tuple[list[Marker], list[int], list[Marker]]:
    """The markers of the main list, the indexes of its chain, and the outer headings (``I.``
    ``II.`` above ``(I)`` ... or above ``1.`` ...) that group it into parts, if any."""
    ms = _markers(src)
    chain = longest_chain(ms)
    brackets = _bracket_markers(src)
    bchain = longest_chain(brackets)
    if len(bchain) >= 3 and len(bchain) > len(chain):
        outer = [ms[i] for i in chain] if len(chain) >= 2 else []
        if outer and nest(outer, [brackets[i] for i in bchain]) is None:
            outer = []
        return brackets, bchain, outer
    # "I." over "1." numbering: roman (or Chinese) headings that group an arabic list
    for style in ("roman", "zh"):
        heads = [m for m in ms if marker_style(m.printed) == style]
        inner = [m for m in ms if marker_style(m.printed) == "arabic"]
        if len(heads) >= 2 and nest(heads, inner) is not None:
            return inner, list(range(len(inner))), heads
    return ms, chain, []


class MeasuresList:
    name = "measures_list"
    description = "numbered measures (1., II., (一) ...) with headings and responsibility lists"

    def detect(self, src: SourceText) -> float:
        ms, chain, _ = _main_list(src)
        if len(chain) == 2 and ms[chain[0]].number == 1:
            # a short circular of two numbered points: below a news item that announces
            # documents, above nothing
            return 0.255
        if len(chain) < 3:
            return 0.0
        resp = len(_RESP.findall(src.text))
        return min(1.0, 0.3 + len(chain) / 30 + min(resp, len(chain)) / max(len(chain), 1) * 0.5)

    def extract(self, env: C.Env) -> Extraction:
        src, text = env.src, env.src.text
        out = Extraction()
        ms, chain_idx, outer = _main_list(src)
        chain = [ms[i] for i in chain_idx]
        if len(chain) < 2:
            env.warn(0, "no numbered list of measures found")
            return out
        first = chain[0]
        top = min([first.start] + [o.start for o in outer])  # the list's first line
        text_markers = [ln for ln in C.markers(src) if ln.start < top]
        body_start = text_markers[-1].end if text_markers else 0
        lead_end = text_markers[-1].start if text_markers else 0
        end = _end_of_last(src, chain[-1])

        doc = Document(key="", genre=self.name, line=first.line)
        anchor = C.dateline(src)
        # news lead before the "full text" marker; the document's own header after it
        if lead_end > 0:
            out.segments.append(Segment("commentary", Span(0, lead_end)))
            for ln in text_markers:
                out.segments.append(Segment("header", Span(ln.start, ln.end)))
        out.segments.append(Segment("preamble", Span(body_start, top)))
        self._header(env, doc, body_start, top, anchor)
        # the first sentence announcing a titled document gives title, issuers and dates; its
        # quoted title is preferred to header lines, which translations often break up
        for ss, se in _sentences(text, 0, lead_end if lead_end else top):
            st = C.statement_in(env, ss, se, anchor, None)
            if st is None or st.title is None:
                continue
            if not any(t.lang == st.title.lang for t in doc.titles) or doc.titles[0].note == "header":
                doc.titles = [st.title] + [t for t in doc.titles if t.lang != st.title.lang]
            doc.spans.append(st.span)
            if st.alias:
                doc.aliases.append(st.alias)
            if st.issuers:
                doc.issuers = st.issuers
            for d in st.dates:
                C.add_date(doc, d)
            doc.odd_dates.extend(st.odd)
            break
        if doc.titles:
            doc.doctype = C.doctype_of(str(doc.titles[0].value), env.linker)
            doc.regions = C.title_regions(env, doc.titles[0])
        ctx = C.context_for(env, doc)

        provisions = []
        for k, m in enumerate(chain):
            stop = min([chain[k + 1].start if k + 1 < len(chain) else end] +
                       [o.start for o in outer if o.start > m.start])
            span = C.trimmed(src, m.start, stop)
            printed = re.match(r"\s*\S+", src.raw[m.start:m.body_start]).group(0).strip()
            p = Provision("measure", str(m.number), printed, span, line=m.line)
            heading = src.raw[m.body_start:m.end].strip()
            if heading and len(heading) <= 220 and stop > m.end + 1:
                p.title = Value(heading.rstrip(" ."), [Span(m.body_start, m.body_start + len(heading.rstrip(' .')))])
            provisions.append(p)
        # markers outside the chain: repeats of a chain member, or anomalies
        in_chain = set(chain_idx)
        for i, m in enumerate(ms):
            if i in in_chain:
                continue
            twin = next((p for p in provisions if p.number == str(m.number)), None)
            span = _loose_span(src, m, ms, text_markers)
            if twin is not None and twin.title is not None and \
                    similar(text[m.body_start:m.end], str(twin.title.value)) >= 0.8:
                twin.extra_spans.append(span)
                doc.anomalies.append({
                    "kind": "repeated-provision", "about": f"measure/{m.number}", "numbers": [m.number],
                    "lines": [m.line, twin.line],
                    "message": f"measure {m.number} is also printed on line {m.line} (outside the "
                               f"numbered list, e.g. in a news summary); recorded once"})
                out.segments.append(Segment("commentary", span))
            elif first.start <= m.start < end:
                doc.anomalies.append({
                    "kind": "stray-number", "about": "measure", "numbers": [m.number], "lines": [m.line],
                    "message": f"a line numbered {m.printed!r} inside the list breaks its sequence"})
                env.warn(m.start, f"numbered line {m.printed!r} does not fit the list of measures")
        doc.anomalies += [dict(a, about="measure") for a in
                          anomalies_of([int(p.number) for p in provisions], "measure",
                                       [p.line for p in provisions])]
        for p in provisions:
            p.children = _sub_items(env, p)
            C.enrich(env, p, ctx, doc)
            out.segments.append(Segment("provision", p.span))
        doc.therapies = C.dedupe([t for p in provisions for t in p.therapies])
        if outer:
            provisions = self._parts(env, outer, provisions, end, ctx, doc, out)
        doc.provisions = provisions
        if end < len(text):
            out.segments.append(Segment("preamble", Span(end, len(text))))
        for ln in src.lines():
            if _BOILER.search(ln.text) and len(ln.text) < 300:
                out.segments.append(Segment("boilerplate", Span(ln.start, ln.end)))
        out.documents.append(doc)
        out.documents.extend(C.cited_documents(env, 0, len(text), out.documents))
        return out

    def _parts(self, env: C.Env, outer: list[Marker], measures: list[Provision], end: int, ctx,
               doc: Document, out: Extraction) -> list[Provision]:
        """Headings ``I.`` ``II.`` that group the measures: parts holding them."""
        src = env.src
        parts = []
        for k, o in enumerate(outer):
            nxt = outer[k + 1].start if k + 1 < len(outer) else end
            members = [p for p in measures if o.start < p.span.start < nxt]
            head = C.trimmed(src, o.start, o.end)
            span = Span(head.start, max([p.span.end for p in members] + [head.end]))
            printed = re.match(r"\s*\S+", src.raw[o.start:o.body_start]).group(0).strip()
            part = Provision("part", str(o.number), printed, span, line=o.line, children=members)
            title = src.raw[o.body_start:o.end].strip().rstrip(" .")
            if title:
                part.title = Value(title, [Span(o.body_start, o.body_start + len(title))])
            C.enrich(env, part, ctx, doc, bodies=False, span=head)
            out.segments.append(Segment("provision", head))
            parts.append(part)
        loose = [p for p in measures if not any(p in part.children for part in parts)]
        return loose + parts if loose and loose[0].span.start < parts[0].span.start else parts + loose

    def _header(self, env: C.Env, doc: Document, start: int, stop: int, anchor) -> None:
        """Title lines, document number and issuers printed above the first measure (page
        furniture skipped: a breadcrumb or a byline is no part of a title)."""
        src, text = env.src, env.src.text
        page = read_page(src)
        num = C.doc_number(text, start, stop)
        if num:
            doc.number = num
        lines = [ln for ln in C.nonblank_lines(src) if start <= ln.start < stop
                 and not page.is_furniture(ln.number)]
        title_lines = []
        for ln in lines:
            if num and ln.start >= num.spans[0].start:
                break
            if any(ln.text.strip() == t.text.strip() for t in title_lines):
                break  # the title printed again (a page heading above the document's own)
            if not C.is_heading_like(ln.text, 250) and not ln.text.rstrip().endswith(("on", "and")):
                break
            title_lines.append(ln)
        run = title_lines[:1]
        for ln in title_lines[1:]:  # one block of consecutive lines (a wrapped title)
            if ln.number != run[-1].number + 1:
                break
            run.append(ln)
        title_lines = run
        if title_lines:
            t = Span(title_lines[0].start, title_lines[-1].end)
            words = " ".join(text[ln.start:ln.end].strip() for ln in title_lines)
            doc.titles.append(Value(words, [t], "zh" if C._is_zh(words) else "en", note="header"))
            issuers = env.bodies.agencies(text, t.start, t.end, None)
            if issuers and text[t.start:issuers[0].span.start].strip() == "":
                doc.issuers = [m for m in issuers if m.target is not None]


def _sentences(text: str, start: int, end: int):
    pos = start
    for m in re.finditer(r"(?<=[.!?。！？])\s+(?=[A-Z\"“\u3400-\u9fff])|\n+", text[start:end]):
        if start + m.start() > pos:
            yield pos, start + m.start()
        pos = start + m.end()
    if pos < end:
        yield pos, end


def _end_of_last(src: SourceText, last: Marker) -> int:
    """The last measure runs to its responsibility list, or to the end of its first body
    paragraph when it has none; what follows is the document's closing text."""
    text = src.text
    lines = [ln for ln in C.nonblank_lines(src) if ln.start > last.start]
    for ln in lines[:6]:
        if _RESP.search(ln.text):
            return ln.end
    if not lines:
        return len(text)
    # the body block: consecutive lines up to a blank line (or just one line when the text
    # does not separate paragraphs by blank lines)
    end = lines[0].end
    uses_blank_lines = "\n\n" in text[last.start:]
    if uses_blank_lines:
        for prev, ln in zip(lines, lines[1:]):
            if ln.number != prev.number + 1:
                break
            end = ln.end
    # items "(1)" "(2)" under the last measure are part of it (each may sit alone on its line,
    # its text on the next)
    rest = [ln for ln in lines if ln.start > end]
    k = 0
    while k < len(rest) and ITEM.match(rest[k].text) and not read_page(src).is_furniture(rest[k].number):
        end = rest[k].end
        if BARE_ITEM.match(rest[k].text) and k + 1 < len(rest):
            end = rest[k + 1].end
            k += 1
        k += 1
    return end


def _sub_items(env: C.Env, p: Provision) -> list[Provision]:
    """"(1)", "（一）" items at line starts inside a measure."""
    from .regulation_articles import _items

    return _items(env, Span(p.span.start + 1, p.span.end))


def _loose_span(src: SourceText, m: Marker, ms: list[Marker], text_markers) -> Span:
    """A numbered block outside the main list: its line and the body lines under it."""
    stops = [x.start for x in ms if x.start > m.start] + [ln.start for ln in text_markers if ln.start > m.start]
    stop = min(stops) if stops else len(src.text)
    return C.trimmed(src, m.start, stop)


register(MeasuresList())
