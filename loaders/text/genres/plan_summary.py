"""News items about plans: a lead announcing the document(s), an optional summary under
headings, then "Detailed content" with a heading that names a document and its unnumbered
paragraphs.

Each paragraph of a named document becomes a provision (type *paragraph*, numbered in
order); its first sentence is its heading and every further sentence an *item*.  A summary
that repeats or condenses the detailed text adds spans to the provisions it repeats instead of
new provisions.  A document named only by a heading inherits the date and issuers of the
document the lead announces when it is one of its parts (same type, region named in the
announced title), and says so in the report.
"""

from __future__ import annotations

import re

from .. import common as C
from ..furniture import read_page
from ..model import Document, Extraction, Provision, Segment, Span, Value
from ..source import SourceText
from ..structure import ITEM, LIST_NUM, longest_chain, scan, similar
from . import register

_DOC_HEAD = re.compile(r"\b(?:Plans?|Measures|Opinions|Notice|Regulations|Rules|Guidelines|Programm?e|"
                       r"Scheme|Provisions|Circular|Decision|Policies|Catalogue|List)\b|方案|规划|意见|措施|通知")
_SENT = re.compile(r"[^.!?。！？]+[.!?。！？]?")
_BOILER = re.compile(r"^\s*(?:来源|source)\s*[:：]|reprint|please\s+contact", re.I)


def _paragraphs(src: SourceText, start: int, end: int) -> list[Span]:
    out = []
    page = read_page(src)
    for ln in C.nonblank_lines(src):
        if start <= ln.start < end and not page.is_furniture(ln.number):
            out.append(C.trimmed(src, ln.start, ln.end))
    return out


class PlanSummary:
    name = "plan_summary"
    description = "news on plans: lead, summary, and a named document's unnumbered paragraphs"

    def detect(self, src: SourceText) -> float:
        marks = C.markers(src)
        page = read_page(src)
        heads = [ln for ln in C.nonblank_lines(src) if C.is_heading_like(ln.text, 120)
                 and not page.is_furniture(ln.number)]
        long_paras = [ln for ln in C.nonblank_lines(src) if len(ln.text) > 200]
        if not long_paras:
            return 0.0
        score = 0.15 + (0.25 if marks else 0.0) + min(len(heads), 4) * 0.05
        if re.search(r"\b(?:plan|plans|programme|scheme)\b|方案|规划", src.text[:3000], re.I):
            score += 0.1
        numbered = max(len(longest_chain(scan(src, {"n": [rx]}))) for rx in (LIST_NUM, ITEM))
        if numbered >= 3:
            # "1." / "(I)" ... at line starts: numbered measures, which measures_list reads
            # with their numbers; paragraphs would renumber them
            score = min(score, 0.3)
        if not marks and not any(_DOC_HEAD.search(ln.text) and C.looks_like_title(ln.text) for ln in heads):
            # no "Detailed content" and no heading that names a document: a news item
            # about documents, whose paragraphs are commentary, not provisions
            score = min(score, 0.2)
        return min(score, 0.7)

    def extract(self, env: C.Env) -> Extraction:
        src, text = env.src, env.src.text
        out = Extraction()
        anchor = C.dateline(src)
        lines = C.nonblank_lines(src)
        marks = C.markers(src)
        detail_start = marks[-1].end if marks else 0
        page = read_page(src)
        heads = [ln for ln in lines if ln.start >= detail_start and C.is_heading_like(ln.text, 200)
                 and not page.is_furniture(ln.number) and C.looks_like_title(ln.text)
                 and C.doctype_of(ln.text, env.linker) is not None]
        summary_end = marks[-1].start if marks else (heads[0].start if heads else len(text))
        # the lead: the document(s) the item announces
        lead_doc = None
        lead_end = 0
        for ss, se in C.sentences(text, 0, summary_end):
            st = C.statement_in(env, ss, se, anchor, None)
            if st is None or st.title is None:
                continue
            lead_doc = Document(key="", genre=self.name, line=src.line_of(ss), titles=[st.title],
                                spans=[st.span])
            lead_doc.issuers = [m for m in st.issuers]
            lead_doc.aliases = [st.alias] if st.alias else []
            for d in st.dates:
                C.add_date(lead_doc, d)
            lead_doc.odd_dates.extend(st.odd)
            lead_doc.doctype = C.doctype_of(str(st.title.value), env.linker)
            lead_doc.regions = C.title_regions(env, st.title)
            lead_end = se
            break
        first_head = min([ln.start for ln in lines if C.is_heading_like(ln.text, 120)
                          and ln.start > lead_end and not _BOILER.search(ln.text)] + [summary_end])
        if lead_doc is not None:
            # what the lead says the announced document covers
            lead_doc.therapies = C.dedupe([m for m in env.linker.find(text, lead_doc.spans[0].start,
                                                                      first_head, ("therapy",))
                                           if m.target is not None])
            lead_doc.spans.append(Span(lead_doc.spans[0].start, first_head))
            out.documents.append(lead_doc)
        # the named documents and their paragraphs
        for k, h in enumerate(heads):
            stop = heads[k + 1].start if k + 1 < len(heads) else len(text)
            out.segments.append(Segment("header", Span(h.start, h.end)))
            doc = self._document(env, h, stop, lead_doc, out)
            out.documents.append(doc)
        if not heads and lead_doc is None:
            env.warn(0, "no announced document and no document heading found")
        # the summary before the detailed text: repeats, not new provisions
        for p in _paragraphs(src, first_head, summary_end):
            out.segments.append(Segment("commentary", p))
            self._match_summary(env, p, out.documents)
        out.segments.append(Segment("commentary", Span(0, min(first_head, summary_end))))
        for ln in marks:
            out.segments.append(Segment("header", Span(ln.start, ln.end)))
        for ln in lines:
            if _BOILER.search(ln.text):
                out.segments.append(Segment("boilerplate", Span(ln.start, ln.end)))
        out.documents.extend(C.cited_documents(env, 0, len(text), out.documents))
        return out

    def _document(self, env: C.Env, h, stop: int, lead: Document | None, out: Extraction) -> Document:
        src, text = env.src, env.src.text
        t = C.trimmed(src, h.start, h.end)
        title = text[t.start:t.end]
        doc = Document(key="", genre=self.name, line=h.number,
                       titles=[Value(title, [t], "zh" if C._is_zh(title) else "en")], spans=[t])
        doc.doctype = C.doctype_of(title, env.linker)
        doc.regions = C.title_regions(env, doc.titles[0])
        if lead is not None and _part_of(env, doc, lead):
            doc.issuers = [m for m in lead.issuers]
            for d in lead.dates:
                C.add_date(doc, C.DocDate(d.kind, d.value, list(d.spans),
                                          f"taken from the announcement on line {lead.line}, which "
                                          "issues this document together with others"))
        ctx = C.context_for(env, doc)
        paras = _paragraphs(src, h.end, stop)
        for n, p in enumerate(paras, 1):
            prov = Provision("paragraph", str(n), "", p, line=src.line_of(p.start))
            sents = [Span(p.start + m.start(), p.start + m.end()) for m in _SENT.finditer(text[p.start:p.end])
                     if m.group(0).strip()]
            sents = [C.trimmed(src, s.start, s.end) for s in sents]
            if sents:
                head = sents[0]
                prov.title = Value(text[head.start:head.end].rstrip(" ."), [head])
                for j, s in enumerate(sents[1:], 1):
                    item = Provision("item", str(j), "", s, line=src.line_of(s.start))
                    C.enrich(env, item, ctx, doc, bodies=False)
                    prov.children.append(item)
            C.enrich(env, prov, ctx, doc)
            doc.provisions.append(prov)
            out.segments.append(Segment("provision", p))
        # a plan is about its zone and the areas inside it that its paragraphs name
        inner = [m for p in doc.all_provisions() for m in p.regions
                 if any(r.target and env.registry.is_within(m.target, r.target) and m.target != r.target
                        for r in doc.regions)]
        doc.regions = C.dedupe(doc.regions + inner)
        doc.therapies = C.dedupe([m for p in doc.all_provisions() for m in p.therapies])
        return doc

    def _match_summary(self, env: C.Env, para: Span, docs: list[Document]) -> None:
        """Summary sentences that repeat a detailed paragraph or item add a span to it."""
        text = env.src.text
        provs = [p for d in docs for p in d.all_provisions()]
        if not provs:
            return
        whole = max(provs, key=lambda p: similar(text[para.start:para.end], text[p.span.start:p.span.end]))
        if whole.kind == "paragraph" and similar(text[para.start:para.end],
                                                 text[whole.span.start:whole.span.end]) >= 0.8:
            whole.extra_spans.append(para)
        for m in _SENT.finditer(text[para.start:para.end]):
            s = C.trimmed(env.src, para.start + m.start(), para.start + m.end())
            if len(s) < 20:
                continue
            items = [p for p in provs if p.kind == "item"]
            if not items:
                continue
            best = max(items, key=lambda p: similar(text[s.start:s.end], text[p.span.start:p.span.end]))
            if similar(text[s.start:s.end], text[best.span.start:best.span.end]) >= 0.75:
                best.extra_spans.append(s)


def _part_of(env: C.Env, doc: Document, lead: Document) -> bool:
    """A plan named by a heading is one of the plans the lead announces when both are of
    the same type and the announced title names the heading's region."""
    if doc.doctype is None or lead.doctype is None or doc.doctype.target != lead.doctype.target:
        return False
    lead_regions = {m.target for m in lead.regions}
    for m in doc.regions:
        if m.target in lead_regions or any(env.registry.is_within(m.target, r) for r in lead_regions):
            return True
    return False


register(PlanSummary())
