"""The documents a page states, in every form pages state them, and the page around them.

Genres read a text's structure (articles, measures, paragraphs); this module reads what the
*page* says about the documents on it, whatever the genre, and completes the genre's
documents with it.  The forms, each with its passage:

* metadata fields: ``Title:``, ``Issuing Authority:`` / ``Promulgating Entities:``,
  ``Document Number:``, ``Date Issued``, ``Release Date:``, ``Effective Date:`` (glued to
  their value or not, the value on the same or the next line; :mod:`.furniture`);
* a heading naming the issuers before a colon: ``A, B and C: Notice on ...``;
* a heading or title that issues another document: ``Notice of X on Issuing the Y Plan``,
  ``Notice by A, B ... of Issuing the ...``, ``Circular of X on Printing and Distributing
  ...``: two documents, the notice ``cgt:promulgates`` the plan, and the plan takes the
  notice's issuers and date of issue (noted as such);
* a signature block: the issuing bodies, one a line, and the date under them;
* issue statements anywhere outside the provisions, every one of them, not only the first:
  ``On <date>, X issued the "<title>"``, titles without quotes (a Title-Case run that names a
  document type), ``X, in a notice dated <date>, announced ...``, ``..., which X issued on
  <date>``; a month and day take the year of the page's date (a day after the page's date
  is the year before); an effective date in the sentences that follow;
* document numbers in their romanised forms: ``Guo Ban Fa [2023] No. 12``, ``SMPG G [2024]
  No.1``, ``No. 12 [2023] of the Ministry of ...``, ``〔2023〕12号``.

A page whose text names no title at all (a list of tasks with responsibility lists) still
yields its provisions, under a document titled from the page (its first heading, else the
file name), marked as such.  A document that ends with no title is left out and reported,
never a reason to fail the build.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field

from . import common as C
from . import dates as dates_mod
from .furniture import Page, dated_line, read_page
from .model import Citation, DocDate, Document, Extraction, Mention, Segment, Span, Value
from .structure import similar

#: Genres whose structure leaves the page's statements to this module; the others read
#: their documents their own way (a roundup's dated entries, a commentary's mentions, a
#: Chinese original's legislative history) and get only furniture, titles and quarantine.
COMPLETED_GENRES = {"measures_list", "regulation_articles", "plan_summary", "news_item", None}

_TITLE_WORD = r"(?:[A-Z][\w'’.-]*|\d{4}(?:\s*[-–]\s*\d{4})?)"
_MINOR = r"(?:of|on|for|and|in|to|the|a|an|with|from|by|at|or|under|through|into|regarding|concerning|about|its)"
_TITLE_PAREN = (r"(?:\s*\((?:\d{4}(?:\s*[-–]\s*\d{4})?|(?:for\s+)?[Tt]rial(?:\s+[Ii]mplementation)?|"
                r"[Dd]raft[^()]{0,30}|[Rr]evised[^()]{0,20}|\d{4}\s+(?:[Ee]dition|[Vv]ersion|[Rr]evision)|"
                r"[A-Z][a-z]+)\))")
_TITLE_RUN = re.compile(rf"{_TITLE_WORD}(?:,?[ \t]+(?:{_MINOR}[ \t]+)*{_TITLE_WORD}|{_TITLE_PAREN})*")
_ISSUING = re.compile(
    r"^(?P<notice>(?:(?:The|the)\s+)?(?:Notice|Circular|Decision|Order|Decree|Announcement|Letter|Reply)\s+"
    r"(?:of|by|from)\s+(?P<who>.+?)\s+(?:on|of|for|regarding|about)\s+(?:the\s+)?"
    r"(?:Issuing|Printing\s+and\s+Distributing|Promulgating|Releasing|Publishing|Distributing|"
    r"Issuance\s+of|Promulgation\s+of|Publication\s+of)\s+(?:the\s+)?)(?P<what>\S.+)$")
_HEAD_COLON = re.compile(r"^(?P<who>[^:：]{6,260}?)\s*[:：]\s*(?P<title>\S.{8,})$")
_FUTURE = re.compile(r"\b(?:will|shall|would|to\s+be|plans?\s+to|is\s+to|are\s+to|going\s+to|soon)\s+"
                     r"(?:\w+\s+){0,2}$", re.I)
_JOINT = re.compile(r"\b(?:jointly|together|along)\s+with\s+(?P<who>[^.;()]{3,300}?)(?=[,.;]|\s+(?:on|in|to)\s|$)",
                    re.I)
#: "Shanghai Issues Action Plan for Biomedicine": a headline about a document, not its title
_HEADLINE_VERB = re.compile(r"\b(?:issues|releases|unveils|publishes|launches|rolls\s+out|introduces|"
                            r"announces|approves|adopts|passes|sets\s+out|outlines|eyes|to\s+(?:issue|release))\b",
                            re.I)
_BY = re.compile(r"\s+by\s+(?P<who>[^.;()]{3,300}?)(?=\s+(?:on|in|at|to|and\s+(?:took|takes|will|came))\s|[,.;(]|$)",
                 re.I)
#: "Opinions of the General Office of the State Council on ...": the issuer inside a title
_TITLE_OF = re.compile(r"^(?:Several\s+)?(?:[A-Z][a-z]+\s+){1,3}of\s+(?:the\s+)?(?P<who>.+?)\s+"
                       r"(?:on|for|regarding|concerning|about|to)\s+[A-Z]")
_APPLIES = re.compile(r"\bappl(?:y|ies|ied|ying)\s+(?:to|in|within|throughout)\b|\bin\s+force\s+in\b", re.I)
_WIRE = re.compile(r"\s*[A-Z][A-Z .'-]{1,30},\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8})"
                   r"(?:,?\s+\d{4})?\s*(?:\([^()]{2,40}\))?\s*(?:--|—|–|-)\s*")


@dataclass
class Statement:
    """One statement that a document was issued: title, issuers, dates, alias, number."""

    title: Value
    span: Span
    issuers: list[Mention] = field(default_factory=list)
    dates: list[DocDate] = field(default_factory=list)
    odd: list = field(default_factory=list)
    alias: str | None = None
    number: Value | None = None


# ---------------------------------------------------------------- titles


def norm_title(t: str) -> str:
    t = re.sub(r"^(?:the)\s+", "", t.strip().strip('"“”《》').lower())
    return re.sub(r"[^a-z0-9\u3400-\u9fff]+", " ", t).strip()


def same_title(a: str, b: str) -> bool:
    na, nb = norm_title(a), norm_title(b)
    if not na or not nb:
        return False
    if na == nb:
        return True
    if set(re.findall(r"\b(?:19|20)\d{2}\b", na)) != set(re.findall(r"\b(?:19|20)\d{2}\b", nb)):
        return False  # two editions ("... (2024)", "... (2025)") are two documents
    if min(len(na), len(nb)) > 20 and (na in nb or nb in na) and min(len(na), len(nb)) >= 0.75 * max(len(na), len(nb)):
        return True
    return similar(na, nb) >= 0.85


def unquoted_titles(env: C.Env, s: int, e: int) -> list[Span]:
    """Title-Case runs inside ``[s, e)`` that name a document type ("Several Measures for
    Supporting ... (2025)"): titles printed without quotation marks."""
    text = env.src.text
    out = []
    for m in _TITLE_RUN.finditer(text, s, e):
        t = m.group(0).rstrip(" ,")
        while re.search(rf"\s{_MINOR}$", t):
            t = re.sub(rf"\s{_MINOR}$", "", t)
        if len(t.split()) < 3 or not C.looks_like_title(t):
            continue
        if not names_document(env, t):
            continue
        bodies = env.bodies.agencies(text, m.start(), m.start() + len(t), None)
        if sum(len(b.span) for b in bodies) >= 0.5 * len(t):
            continue  # "the State Administration for Market Regulation": bodies, not a title
        start = m.start()
        lead = re.match(r"(?:The|On|In|Under|By|As|With|After|Before|Earlier|Recently|Meanwhile)\s+", t)
        if lead and names_document(env, t[lead.end():]):
            start += lead.end()
            t = t[lead.end():]
        out.append(Span(start, start + len(t)))
    return out


#: Genre words of English titles the document-type registry does not list (规定, 决定, 规则 …):
#: a title that names one is a title, with no eli:type_document read from it.
_GENRE = re.compile(
    r"^(?:(?:Several|Interim|Provisional|Implementing|Detailed|Supplementary)\s+)*"
    r"(?:Provisions|Decision|Rules|Decree|Order|Reply|Resolution|Standards?|Specifications?)\b|"
    r"\b(?:Provisions|Decision|Rules|Resolution|Reply)\s+(?:of|on|for|concerning|regarding)\s|"
    r"\b(?:Provisions|Rules|Decision)(?:\s*\([^()]{1,40}\))?$")


def names_document(env: C.Env, t: str) -> bool:
    """Does this title-like text name a document (a type the registry knows, or a genre word
    of English titles such as "Provisions on ...", "Decision of ... on ...")?"""
    return C.doctype_of(t, env.linker) is not None or bool(_GENRE.search(t.strip().strip('"“”')))


def title_value(env: C.Env, sp: Span, note: str | None = None) -> Value:
    t = re.sub(r"\s+", " ", env.src.raw[sp.start:sp.end]).strip().strip('"“”《》')
    return Value(t, [sp], "zh" if C._is_zh(t) else "en", note=note)


# ---------------------------------------------------------------- statements


def statement(env: C.Env, s: int, e: int, anchor, ctx=None, title_above: Span | None = None) -> list[Statement]:
    """The documents one sentence says were issued (usually one; "X issued A and B" two).
    ``title_above``: a title on the line above, which a sentence naming no title of its own
    speaks of ("Provisions for X" / "Promulgated by Decree No. 27, issued on ...")."""
    text = env.src.text
    wire = _WIRE.match(text, s, e)
    if wire:  # "BEIJING, April 7 (Xinhua) --": the agency and day of the report, not the issue
        s = wire.end()
    sent = text[s:e]
    verb = re.search(r"\b" + C.ISSUE_VERB + r"\b", sent, re.I)
    if not verb or _FUTURE.search(sent[:verb.start()][-40:]):
        return []
    base = C.statement_in(env, s, e, anchor, ctx)
    if base is None:
        return []
    spans = [q for q in C.quoted(text, s, e)
             if names_document(env, text[q.start:q.end]) and C.looks_like_title(text[q.start:q.end])]
    inside = [sp for sp in unquoted_titles(env, s, e) if not any(q.start <= sp.start < q.end for q in spans)]
    spans = sorted(spans + inside, key=lambda x: x.start)
    if not spans and title_above is not None:
        spans = [title_above]
    if not spans:
        return []
    v0 = s + verb.start()
    after = [sp for sp in spans if sp.start >= v0]
    before = [sp for sp in spans if sp.end <= v0]
    # "X issued the T" (after the verb); "T, which X issued on <date>" (before it)
    chosen = after[:1] if after else before[-1:]
    if after and len(after) > 1 and re.match(r"\s*(?:and|as\s+well\s+as)\s+(?:the\s+)?",
                                              text[after[0].end:after[1].start]):
        chosen = after[:2]
    issuers = [m for m in base.issuers if not any(sp.start <= m.span.start < sp.end for sp in spans)]
    if chosen and chosen[0].end <= v0:  # the title before the verb: issuers between them
        issuers = [m for m in env.bodies.agencies(text, chosen[0].end, v0, ctx)]
    by = _BY.match(text, s + verb.end(), e)
    by_date: list[DocDate] = []
    if by:  # "issued by A and B on <date>": the agents of a passive, and its date
        issuers = [m for m in env.bodies.agencies(text, by.start("who"), by.end("who"), ctx)]
        on = re.match(r"\s+on\s+", text[by.end():by.end() + 8])
        ds = C.resolve_dates(dates_mod.find_dates(text[by.end():min(e, by.end() + 40)], by.end()), anchor) \
            if on else []
        if ds and ds[0].value is not None and ds[0].precision == "day" and ds[0].start == by.end() + on.end():
            by_date.append(DocDate("document", ds[0].value, [Span(ds[0].start, ds[0].end)],
                                   C.date_note(ds[0], env.src, anchor)))
    j = _JOINT.search(text, s, e)
    if j:
        extra = env.bodies.agencies(text, j.start("who"), j.end("who"), ctx)
        issuers += [m for m in extra if m.target not in {i.target for i in issuers}]
    dates = []
    for d in base.dates:  # an issue or publication dated by month and day lies before the page
        if d.kind in ("document", "publication") and d.note and anchor is not None and anchor.value:
            d = DocDate(d.kind, dates_mod.not_after(d.value, anchor.value), d.spans, d.note, d.problem, d.weak)
        dates.append(d)
    issuers = C.dedupe(issuers)  # "the National Health Commission (the "NHC")": one body
    out = []
    for sp in chosen:
        st = Statement(title_value(env, sp), Span(s, e), issuers=list(issuers), dates=list(dates),
                       odd=list(base.odd), alias=base.alias)
        if not any(d.kind == "document" for d in st.dates):
            st.dates += by_date or _dates_after_title(env, sp, e, anchor)
        out.append(st)
    return out


def _dates_after_title(env: C.Env, sp: Span, e: int, anchor) -> list[DocDate]:
    """"..., which the same departments issued on May 20, 2024": a date after the verb that
    follows the title (statement_in only dates what precedes or directly follows a verb)."""
    text = env.src.text
    out = []
    for d in C.resolve_dates(dates_mod.find_dates(text[sp.end:e], sp.end), anchor):
        if d.value is None or d.precision != "day":
            continue
        before = text[max(sp.end, d.start - 30):d.start]
        if re.search(r"\b(?:issued|released|published|promulgated|announced|unveiled)\s+(?:it\s+)?on\s*$",
                     before, re.I):
            out.append(DocDate("document", d.value, [Span(d.start, d.end)], C.date_note(d, env.src, anchor)))
            break
    return out


def in_force_after(env: C.Env, start: int, para_end: int, anchor) -> DocDate | None:
    """An effective date in the (at most two) sentences after a statement, in its paragraph:
    "The Measures take effect on August 1 and remain valid for three years"."""
    text = env.src.text
    for k, (ss, se) in enumerate(C.sentences(text, start, para_end)):
        if k >= 2:
            break
        if C.quoted(text, ss, se) and statement_like(text, ss, se):
            break
        for d in C.resolve_dates(dates_mod.find_dates(text[ss:se], ss), anchor):
            if d.value is not None and d.precision == "day" and C.in_force_date(text, d, ss):
                return DocDate("in_force", d.value, [Span(d.start, d.end)], C.date_note(d, env.src, anchor))
    return None


def statement_like(text: str, s: int, e: int) -> bool:
    return bool(re.search(r"\b" + C.ISSUE_VERB + r"\b", text[s:e], re.I))


# ---------------------------------------------------------------- headings, fields, signatures


def split_issuing(env: C.Env, title: Value) -> tuple[list[Mention], Value] | None:
    """"Notice of X on Issuing the Y": the issuers X and the issued document's title Y."""
    t = str(title.value)
    m = _ISSUING.match(t)
    if not m or not title.spans:
        return None
    sp = title.spans[0]
    what = m.group("what").strip().strip('"“”《》').rstrip(".")
    if not names_document(env, what):
        return None
    at = _locate(env.src.text, what, sp.start, sp.end)  # a title may be wrapped over lines
    if at is None:
        return None
    issued = Value(what, [at], title.lang, note="issued by the notice")
    who = _locate(env.src.text, m.group("who"), sp.start, sp.end)
    issuers = env.bodies.agencies(env.src.text, who.start, who.end, None) if who else []
    return issuers, issued


def _span_of(v: Value) -> tuple[int, int]:
    return v.spans[0].start, v.spans[0].end


def _locate(text: str, phrase: str, s: int, e: int) -> Span | None:
    """Where ``phrase`` is printed in ``[s, e)``, whatever the spaces and line breaks."""
    words = phrase.split()
    if not words:
        return None
    m = re.compile(r"\s+".join(re.escape(w) for w in words)).search(text, s, e)
    return Span(m.start(), m.end()) if m else None


def heading_with_issuers(env: C.Env, ln) -> tuple[list[Mention], Value] | None:
    """"A, B and C: Notice on ...": the issuers before the colon, the title after it."""
    text = env.src.text
    m = _HEAD_COLON.match(ln.text.rstrip())
    if not m or len(ln.text) > 400:
        return None
    title = m.group("title").strip()
    if not names_document(env, title) or not C.looks_like_title(title):
        return None
    ws, we = ln.start + m.start("who"), ln.start + m.end("who")
    found = [a for a in env.bodies.agencies(text, ws, we, None) if a.target is not None]
    covered = sum(len(a.span) for a in found)
    letters = len(re.sub(r"[\W\d_]|\band\b", "", text[ws:we]))
    if not found or covered < 0.6 * max(letters, 1):
        return None
    ts = ln.start + m.start("title")
    return found, Value(title, [Span(ts, ts + len(title))], "zh" if C._is_zh(title) else "en")


@dataclass
class Signature:
    issuers: list[Mention]
    date: DocDate | None
    span: Span
    lines: list[int]


def signatures(env: C.Env, page: Page) -> list[Signature]:
    """The issuing bodies, one a line, and the date under them (or on the same line)."""
    src, text = env.src, env.src.text
    lines = C.nonblank_lines(src)
    first_para = next((i for i, ln in enumerate(lines) if len(ln.text.strip()) > 80
                       and not page.is_furniture(ln.number)), len(lines))
    out = []
    for i, ln in enumerate(lines):
        if page.kinds.get(ln.number) in ("byline", "metadata", "navigation", "contents"):
            continue  # "Bureau of Justice | January 06, 2025": who posted the page, and when
        d = dated_line(ln.text, ln.start)
        if d is None:
            continue
        rest = (text[ln.start:d.start] + text[d.end:ln.end]).strip(" ,|")
        bodies: list = []
        first = i
        if rest:  # "General Office of the State Council June 2, 2009"
            found = _body_line(env, ln.start, d.start) if text[ln.start:d.start].strip() else None
            if not found:
                continue
            bodies = found
        else:
            j = i - 1
            while j >= 0 and i - j <= 4 and lines[j].number >= lines[i].number - 4:
                found = _body_line(env, lines[j].start, lines[j].end)
                if not found:
                    break
                bodies = found + bodies
                first = j
                j -= 1
        if not bodies or first <= first_para:
            continue  # a signature closes a text: above every paragraph it is a page's source line
        date = None
        if d.value is not None and d.precision == "day":
            date = DocDate("document", d.value, [Span(d.start, d.end)], "the date under the signature")
        out.append(Signature(bodies, date, Span(lines[first].start, ln.end),
                             [x.number for x in lines[first:i + 1]]))
    return out


def _body_line(env: C.Env, s: int, e: int) -> list[Mention] | None:
    """The line is nothing but the names of bodies."""
    text = env.src.text
    t = text[s:e].strip()
    if not t or len(t) > 160 or re.search(r"[.;:!?。]\s*$", t):
        return None
    found = [a for a in env.bodies.agencies(text, s, e, None) if a.target is not None]
    if not found:
        return None
    covered = sum(len(a.span) for a in found)
    letters = len(re.sub(r"[\W\d_]|\band\b|\bthe\b", "", t, flags=re.I))
    names = len(re.sub(r"[\W\d_]|\band\b|\bthe\b", "", "".join(text[a.span.start:a.span.end] for a in found),
                       flags=re.I))
    return found if names >= 0.8 * max(letters, 1) and covered > 0 else None


# ---------------------------------------------------------------- completing a genre's documents


def complete(env: C.Env, ext: Extraction, genre: str | None) -> None:
    """Furniture, page metadata, all issue statements, notices that issue documents, titles
    from the page, for any genre's extraction (:func:`quarantine_untitled` runs after the
    sidecar metadata, which may still give a title)."""
    page = read_page(env.src)
    sigs = signatures(env, page) if genre in COMPLETED_GENRES else []
    for sg in sigs:
        for n in sg.lines:
            page.kinds.setdefault(n, "signature")
    _drop_furniture_provisions(env, ext, page)
    if genre in COMPLETED_GENRES:
        _complete_documents(env, ext, page, sigs)
    _title_from_page(env, ext, page)
    for n, kind in sorted(page.kinds.items()):
        ln = env.src.lines()[n - 1]
        ext.segments.append(Segment("header" if kind in ("metadata", "signature", "dateline", "byline")
                                    else "boilerplate", Span(ln.start, ln.end)))


def _drop_furniture_provisions(env: C.Env, ext: Extraction, page: Page) -> None:
    """A line of page furniture is never a provision, whatever its numbering."""
    src = env.src
    for doc in ext.documents:
        kept = []
        for p in doc.provisions:
            if page.is_furniture(src.line_of(p.span.start)):
                ext.notes.append(f"line {src.line_of(p.span.start)} ({page.kinds[src.line_of(p.span.start)]}) "
                                 f"is page furniture, not {p.kind} {p.number}")
                ext.segments = [sg for sg in ext.segments if not (sg.kind == "provision" and sg.span == p.span)]
                continue
            p.children = [c for c in p.children if not page.is_furniture(src.line_of(c.span.start))]
            kept.append(p)
        doc.provisions = kept


def _main(ext: Extraction) -> Document | None:
    return next((d for d in ext.documents if d.genre != "cited"), None)


def _complete_documents(env: C.Env, ext: Extraction, page: Page, sigs: list[Signature]) -> None:
    src, text = env.src, env.src.text
    anchor = page.date or C.dateline(src)
    main = _main(ext)
    provs = [p for d in ext.documents for p in d.provisions]
    first_prov = min((p.span.start for p in provs), default=len(text))
    # 1. metadata fields and headings: facts of the main document
    fields = {f.kind: f for f in reversed(page.fields)}
    heads = [ln for ln in C.nonblank_lines(src)[:30] if ln.start < first_prov
             and not page.is_furniture(ln.number) and C.is_heading_like(ln.text, 400)]
    head_issuers: list[Mention] = []
    head_title: Value | None = None
    for ln in heads:
        hit = heading_with_issuers(env, ln)
        if hit:
            head_issuers, head_title = hit
            break
    if "title" in fields and fields["title"].value.strip():
        f = fields["title"]
        head_title = title_value(env, Span(f.value_start, f.value_end))
    weak_main = main is not None and (not main.titles or (
        main.titles[0].note == "header" and not names_document(env, str(main.titles[0].value))))
    if head_title is None and (main is None or weak_main):
        for ln in heads:
            t = ln.text.strip()
            if names_document(env, t) and C.looks_like_title(t) and len(t) < 500 \
                    and not dated_line(ln.text, ln.start) and not re.search(r"[.!?]\s+[A-Z]", t) \
                    and not statement_like(t, 0, len(t)) and not _HEADLINE_VERB.search(t):
                head_title = title_value(env, C.trimmed(src, ln.start, ln.end))
                break
    if head_title is not None:
        head_title = _ordinary_case(env, head_title, heads)
    elif main is not None and main.titles and main.titles[0].spans:
        main.titles[0] = _ordinary_case(env, main.titles[0], heads)
    if head_title is not None:
        if main is None:
            main = Document(key="", genre="news_item", line=src.line_of(head_title.spans[0].start))
            ext.documents.insert(0, main)
        _set_title(main, head_title)
    if main is not None:
        _split_colon_title(env, main)
        if head_issuers and not _resolved(main.issuers):
            main.issuers = head_issuers
        if "issuer" in fields and not _resolved(main.issuers):
            f = fields["issuer"]
            main.issuers = [a for a in env.bodies.agencies(text, f.value_start, f.value_end, None)
                            if a.target is not None] or main.issuers
        if "number" in fields and main.number is None:
            f = fields["number"]
            main.number = C.doc_number(text, f.value_start, f.value_end) or Value(
                f.value.strip(), [Span(f.value_start, f.value_end)])
        if main.number is None:  # a number line of the header (not one inside a statement)
            for ln in heads[:8]:
                if ln.start < first_prov and not statement_like(ln.text, 0, len(ln.text)):
                    main.number = C.doc_number(text, ln.start, ln.end)
                    if main.number is not None:
                        break
        for kind in ("document", "publication", "in_force"):
            f = fields.get(kind)
            if f is None:
                continue
            ds = [d for d in dates_mod.find_dates(text[f.value_start:f.value_end], f.value_start) if d.value]
            if ds:
                C.add_date(main, DocDate(kind, ds[0].value, [Span(ds[0].start, ds[0].end)],
                                         f"the page's '{f.label}' field"))
    if main is not None:
        _date_under_header(env, main, page, first_prov)
    for doc in ext.documents:
        if doc.genre != "cited":
            _clean_title(env, doc)
    # 2. notices that issue a document: two documents, linked
    for doc in list(ext.documents):
        if doc.genre != "cited":
            _issued_document(env, ext, doc)
    # 3. signatures: the document that ends there
    for sg in sigs:
        owner = _owner_of_signature(ext, sg)
        if owner is None:
            continue
        if not _resolved(owner.issuers):
            owner.issuers = sg.issuers
        if sg.date is not None:
            C.add_date(owner, sg.date)
            for c in owner.promulgates:
                if not any(d.kind == "document" for d in c.document.dates):
                    C.add_date(c.document, DocDate("document", sg.date.value, list(sg.date.spans),
                                                   "issued by the notice signed on that date"))
    # 4. every issue statement outside the provisions
    _statements(env, ext, page, anchor)
    # 5. issuers a title names ("Opinions of X on ..."), regions and therapies the text
    # attaches to each announced document
    for doc in ext.documents:
        if doc.genre == "cited":
            continue
        if doc.titles and doc.titles[0].spans and not _resolved(doc.issuers):
            m = _TITLE_OF.match(str(doc.titles[0].value))
            who = _locate(text, m.group("who"), *_span_of(doc.titles[0])) if m else None
            if who is not None and names_document(env, str(doc.titles[0].value)[:m.start("who")]):
                doc.issuers = [a for a in env.bodies.agencies(text, who.start, who.end, None)
                               if a.target is not None] or doc.issuers
        if doc.titles and not doc.regions:
            doc.regions = C.title_regions(env, doc.titles[0])
        _scope_regions(env, doc)
        if not doc.provisions:
            _about(env, doc)


def _ordinary_case(env: C.Env, title: Value, heads: list) -> Value:
    """A title in capitals above the same title in ordinary case (perhaps wrapped over two
    lines): the latter, which reads better and names its issuer in a form the registry has."""
    if not _all_caps(str(title.value)) or not title.spans:
        return title
    src = env.src
    end = title.spans[0].end
    ls = [ln for ln in C.nonblank_lines(src) if ln.start > end][:12]
    for a, b in zip(ls, ls[1:]):
        if b.number == a.number + 1 and not _all_caps(a.text) and \
                norm_title(a.text + " " + b.text) == norm_title(str(title.value)):
            return title_value(env, C.trimmed(src, a.start, b.end))
    again = next((ln for ln in heads if ln.start > end and not _all_caps(ln.text)
                  and same_title(ln.text, str(title.value))), None)
    return title_value(env, C.trimmed(src, again.start, again.end)) if again is not None else title


_MARKUP = re.compile(r"\s*(?:<[a-zA-Z/][^<>]{0,20}>|&nbsp;|&amp;)\s*")


def _clean_title(env: C.Env, doc: Document) -> None:
    """A title line that also holds the document's number, or a markup remnant
    ("Notice on ... <br>国办发[2009]45"): the title is what precedes them."""
    if not doc.titles or not doc.titles[0].spans:
        return
    t = doc.titles[0]
    sp = t.spans[0]
    text = env.src.text
    cut = sp.end
    num = C.doc_number(text, sp.start, sp.end)
    if num is not None and num.spans[0].start > sp.start + 10 and num.spans[0].end >= sp.end - 2:
        cut = num.spans[0].start
        if doc.number is None:
            doc.number = num
    m = _MARKUP.search(text, sp.start, cut)
    if m:
        cut = m.start()
    if cut < sp.end:
        new = title_value(env, C.trimmed(env.src, sp.start, cut), note=t.note)
        if len(str(new.value)) >= 8:
            doc.titles[0] = new


def _all_caps(t: str) -> bool:
    letters = [c for c in t if c.isalpha()]
    return len(letters) > 8 and all(c.isupper() for c in letters if c.isascii())


def _date_under_header(env: C.Env, doc: Document, page: Page, first_prov: int) -> None:
    """A date alone on the line under a document's number or title (legal databases and
    gazettes print it so): the date of issue, when nothing else dates the document."""
    if any(d.kind == "document" for d in doc.dates):
        return
    anchors = [sp.end for sp in ([doc.number.spans[0]] if doc.number and doc.number.spans else [])] + \
              [sp.end for t in doc.titles for sp in t.spans[:1]]
    lines = C.nonblank_lines(env.src)
    for i, ln in enumerate(lines[1:], 1):
        if ln.start >= first_prov:
            break
        prev = lines[i - 1]
        if not any(prev.start <= a <= prev.end for a in anchors):
            continue
        d = dated_line(ln.text, ln.start)
        if d is not None and d.value is not None and len(re.findall(r"[A-Za-z]{4,}", ln.text.replace(d.text, ""))) == 0:
            C.add_date(doc, DocDate("document", d.value, [Span(d.start, d.end)], "the date under the title or number"))
            return


def _resolved(ms: list[Mention]) -> bool:
    return any(m.target is not None for m in ms)


def _set_title(doc: Document, title: Value) -> None:
    if not doc.titles or doc.titles[0].note == "header" or same_title(str(doc.titles[0].value), str(title.value)):
        keep = [t for t in doc.titles if t.lang != title.lang]
        if doc.titles and doc.titles[0].lang == title.lang and same_title(str(doc.titles[0].value), str(title.value)):
            title.spans = list(dict.fromkeys(title.spans + doc.titles[0].spans))
        doc.titles = [title] + keep


def _split_colon_title(env: C.Env, doc: Document) -> None:
    """A title read from a heading "A, B and C: Notice on ..." is the part after the colon."""
    if not doc.titles or not doc.titles[0].spans:
        return
    sp = doc.titles[0].spans[0]
    ln_start = env.src.line_starts[env.src.line_of(sp.start) - 1]
    line = next((ln for ln in env.src.lines() if ln.start == ln_start), None)
    if line is None or ":" not in str(doc.titles[0].value):
        return
    hit = heading_with_issuers(env, line)
    if hit:
        issuers, title = hit
        doc.titles[0] = title
        if not _resolved(doc.issuers):
            doc.issuers = issuers


def _issued_document(env: C.Env, ext: Extraction, doc: Document) -> None:
    if not doc.titles or doc.promulgates:
        return
    hit = split_issuing(env, doc.titles[0])
    if hit is None:
        return
    issuers, issued_title = hit
    if issuers and not _resolved(doc.issuers):
        doc.issuers = [m for m in issuers if m.target is not None]
    target = next((d for d in ext.documents if d is not doc and d.titles
                   and same_title(str(d.titles[0].value), str(issued_title.value))), None)
    if target is None:
        target = Document(key="", genre=doc.genre if doc.genre != "cited" else "news_item",
                          line=env.src.line_of(issued_title.spans[0].start))
        target.titles = [issued_title]
        ext.documents.insert(ext.documents.index(doc) + 1, target)
    elif target.genre == "cited":
        target.genre = doc.genre
    # a heading line later in the text that prints the issued title: where its text starts
    for ln in C.nonblank_lines(env.src):
        if ln.start > issued_title.spans[0].end and same_title(ln.text, str(issued_title.value)) \
                and not _ISSUING.match(ln.text.strip()):
            sp = C.trimmed(env.src, ln.start, ln.end)
            if sp not in target.titles[0].spans:
                target.titles[0].spans.append(sp)
            target.spans.append(sp)
    target.doctype = target.doctype or C.doctype_of(str(issued_title.value), env.linker)
    if not _resolved(target.issuers):
        target.issuers = [m for m in doc.issuers if m.target is not None]
    for d in doc.dates:
        if d.kind == "document" and not any(x.kind == "document" for x in target.dates):
            C.add_date(target, DocDate("document", d.value, list(d.spans), "issued by the notice of that date"))
    # the provisions are the issued document's text, not the notice's
    if doc.provisions and not target.provisions:
        target.provisions, doc.provisions = doc.provisions, []
        target.therapies, doc.therapies = C.dedupe(target.therapies + doc.therapies), []
        target.anomalies, doc.anomalies = doc.anomalies, []
    doc.promulgates.append(Citation(target, issued_title.spans[0]))


def _owner_of_signature(ext: Extraction, sg: Signature) -> Document | None:
    """A notice's signature closes the notice: before the text of the document it issues."""
    docs = [d for d in ext.documents if d.genre != "cited"]
    for d in docs:
        for c in d.promulgates:
            later = [s for s in c.document.titles[0].spans if s.start > sg.span.end] if c.document.titles else []
            if later or any(s.start > sg.span.end for s in c.document.spans):
                return d
    return docs[0] if docs else None


def _statements(env: C.Env, ext: Extraction, page: Page, anchor) -> None:
    src, text = env.src, env.src.text
    inside = sorted(sp for d in ext.documents for p in d.provisions for sp in [p.span] + list(p.extra_spans))
    starts = [sp.start for sp in inside]
    reach = list(itertools.accumulate((sp.end for sp in inside), max))  # furthest end so far

    def in_provision(s: int) -> bool:  # linear in the text, not in lines x provisions
        k = bisect.bisect_right(starts, s) - 1
        return k >= 0 and reach[k] > s

    prev = None
    for ln in C.nonblank_lines(src):
        if page.is_furniture(ln.number) or in_provision(ln.start):
            if not page.is_furniture(ln.number):
                prev = ln
            continue
        above = _title_line_above(env, page, ln, prev)
        prev = ln
        for ss, se in C.sentences(text, ln.start, ln.end):
            for st in statement(env, ss, se, anchor, title_above=above if ss == ln.start else None):
                force = in_force_after(env, se, ln.end, anchor)
                if force is not None and not any(d.kind == "in_force" for d in st.dates):
                    st.dates.append(force)
                num = _number_after(env, st, ln.end)
                st.number = num
                _merge(env, ext, st)


def _title_line_above(env: C.Env, page: Page, ln, prev) -> Span | None:
    """The line above, when it is nothing but a title (a list of documents, each followed by
    the line that says who issued it and when)."""
    if prev is None or prev.number < ln.number - 2:
        return None
    t = prev.text.strip()
    if not t or len(t) > 300 or not C.is_heading_like(t, 300) or statement_like(t, 0, len(t)):
        return None
    if not names_document(env, t) or not C.looks_like_title(t):
        return None
    return C.trimmed(env.src, prev.start, prev.end)


def _number_after(env: C.Env, st: Statement, para_end: int) -> Value | None:
    """A number after the title, in the statement's sentence or the next one of its paragraph."""
    text = env.src.text
    nxt = next(iter(C.sentences(text, st.span.end, para_end)), None)
    end = nxt[1] if nxt else st.span.end
    t0 = st.title.spans[0].end if st.title.spans else st.span.start
    return C.doc_number(text, t0, end)


def _merge(env: C.Env, ext: Extraction, st: Statement) -> None:
    title = str(st.title.value)
    target = next((d for d in ext.documents if any(norm_title(str(t.value)) == norm_title(title)
                                                   for t in d.titles)), None)
    for d in ext.documents if target is None else ():
        names = [str(t.value) for t in d.titles] + list(d.aliases)
        if any(same_title(n, title) for n in names):
            target = d
            break
    if target is None:
        target = Document(key="", genre="news_item", line=env.src.line_of(st.span.start), titles=[st.title])
        ext.documents.append(target)
    elif target.genre == "cited":
        target.genre = "news_item"
        target.titles[0].spans = list(dict.fromkeys(target.titles[0].spans + st.title.spans))
    elif st.title.spans and st.title.spans[0] not in target.titles[0].spans and \
            target.titles[0].lang == st.title.lang:
        target.titles[0].spans.append(st.title.spans[0])
    if st.span not in target.spans:
        target.spans.append(st.span)
    if st.alias and st.alias not in target.aliases:
        target.aliases.append(st.alias)
    if not _resolved(target.issuers):
        target.issuers = [m for m in st.issuers]
    for d in st.dates:
        C.add_date(target, d)
    target.odd_dates.extend(o for o in st.odd if o not in target.odd_dates)
    notice = next((d for d in ext.documents if any(c.document is target for c in d.promulgates)), None)
    if notice is not None:  # issued by a notice: the same day, and the number is the notice's
        for d in st.dates:
            if d.kind == "document" and not any(x.kind == "document" for x in notice.dates):
                C.add_date(notice, DocDate("document", d.value, list(d.spans), "the day it issued the document"))
    owner = notice if notice is not None and notice.number is None else target
    if owner.number is None and st.number is not None:
        owner.number = st.number
    target.doctype = target.doctype or C.doctype_of(title, env.linker)
    if not target.promulgates:
        _issued_document(env, ext, target)


def _scope_regions(env: C.Env, doc: Document) -> None:
    """"... applies in the Hainan Free Trade Port": a place the text says the document
    covers, in a sentence that states or describes it."""
    text = env.src.text
    for sp in doc.spans:
        para_end = text.find("\n", sp.end)
        para_end = len(text) if para_end < 0 else para_end
        for ss, se in C.sentences(text, sp.start, para_end):
            m = _APPLIES.search(text, ss, se)
            if not m:
                continue
            found = [r for r in env.linker.find(text, m.end(), se, ("region",)) if r.target is not None]
            doc.regions = C.subsume(C.dedupe(doc.regions + found), env.registry)


def _about(env: C.Env, doc: Document) -> None:
    """Therapy types of a document without provisions: those its statements and the
    sentences that speak of it by its alias name."""
    text = env.src.text
    spans = list(doc.spans)
    names = [a for a in doc.aliases if a]
    if names:
        rx = re.compile(r"\b(?:the\s+)?(?:" + "|".join(re.escape(a) for a in names) + r")\b")
        for m in rx.finditer(text):
            ls = text.rfind("\n", 0, m.start()) + 1
            for ss, se in C.sentences(text, ls, text.find("\n", m.end()) if "\n" in text[m.end():] else len(text)):
                if ss <= m.start() < se:
                    spans.append(Span(ss, se))
    found = []
    for sp in spans:
        found += C.therapy_mentions(env, sp.start, sp.end)
    doc.therapies = C.most_specific(C.dedupe(doc.therapies + found), env.registry)


# ---------------------------------------------------------------- untitled documents


def _title_from_page(env: C.Env, ext: Extraction, page: Page) -> None:
    """Provisions without a titled document: a document titled from the page."""
    for doc in ext.documents:
        if doc.titles and doc.provisions and doc.titles[0].note == "header" and not doc.promulgates \
                and not names_document(env, str(doc.titles[0].value)):
            # a heading above the list that names no document ("Key tasks for 2024")
            doc.title_from_page = True
            doc.key = _page_key(env, doc)
            doc.anomalies.append({"kind": "title-from-page", "message": "the text prints no title for "
                                  f"these provisions; titled from the page ('{doc.titles[0].value}')"})
            continue
        if doc.titles or doc.genre == "cited" or not doc.provisions:
            continue
        first = min(p.span.start for p in doc.provisions)
        t = None
        for ln in C.nonblank_lines(env.src):
            if ln.start >= first:
                break
            if not page.is_furniture(ln.number) and C.is_heading_like(ln.text, 200):
                t = title_value(env, C.trimmed(env.src, ln.start, ln.end), note="page")
                break
        if t is None:
            name = re.sub(r"[_-]+", " ", env.src.path.stem).strip() or env.src.key
            t = Value(name, [], "en", note="page")
        doc.titles = [t]
        doc.title_from_page = True
        doc.key = _page_key(env, doc)
        doc.anomalies.append({
            "kind": "title-from-page",
            "message": f"the text prints no title for these provisions; titled from the page "
                       f"('{t.value}')"})


def _page_key(env: C.Env, doc: Document) -> str:
    """A title from the page names no document beyond this text ("Key tasks for 2024" heads
    many pages): the key carries the text's, so two such pages never share an IRI."""
    if doc.number is not None:
        return ""  # the number identifies it (common.doc_key)
    return f"x-{env.src.key}-{C.slug(str(doc.titles[0].value), 40) or 'page'}"


def quarantine_untitled(env: C.Env, ext: Extraction) -> None:
    """A document with no title at all is left out of the graph and reported: it cannot be
    told apart from another, and one such document must not cost the rest of the file."""
    kept = []
    for doc in ext.documents:
        if doc.titles:
            kept.append(doc)
            continue
        ext.quarantined.append({"line": doc.line, "genre": doc.genre,
                                "provisions": sum(1 for _ in doc.all_provisions()),
                                "reason": "no title in the text and none from the page"})
        env.warn(env.src.line_starts[max(doc.line, 1) - 1] if doc.line else 0,
                 f"a document (line {doc.line}) has no title; left out of the graph (quarantined)")
    ext.documents = kept
