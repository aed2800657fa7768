"""Building blocks every genre uses: lines and blocks, datelines, markers, titles, document
numbers, document types, issue statements, cited documents, and provision enrichment.

Everything here is a generic rule about how policy texts and the news items that reprint
them are written; nothing refers to a particular file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from cgtkg.graph.errors import Problem
from rdflib import URIRef

from . import dates as dates_mod
from .bodies import BodyFinder
from .furniture import read_page
from .linking import Context, Linker, Registry
from .model import DocDate, Document, Mention, Provision, Span, Value
from .source import Line, SourceText

# ---------------------------------------------------------------- environment


@dataclass
class Env:
    """What a genre gets besides the text: the linker, the sidecar metadata, a problem list."""

    src: SourceText
    registry: Registry
    linker: Linker
    bodies: BodyFinder
    meta: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def warn(self, offset: int | None, message: str, severity: str = "warning") -> None:
        line = self.src.line_of(offset) if offset is not None else None
        self.problems.append(Problem(self.src.path, line, message, severity))


# ---------------------------------------------------------------- lines and blocks

_TERMINAL = re.compile(r"[.;:!?。；：！？…][\"”’')）]*\s*$")


def nonblank_lines(src: SourceText) -> list[Line]:
    return [ln for ln in src.lines() if ln.text.strip()]


def is_heading_like(text: str, max_len: int = 160) -> bool:
    """A short line without closing punctuation: a title, a section heading, a name."""
    t = text.strip()
    return bool(t) and len(t) <= max_len and not _TERMINAL.search(t)


def trimmed(src: SourceText, start: int, end: int) -> Span:
    raw = src.text[start:end]
    ls = len(raw) - len(raw.lstrip())
    rs = len(raw.rstrip())
    return Span(start + ls, start + max(ls, rs))


# ---------------------------------------------------------------- datelines and markers

_MARKER = re.compile(
    r"^\s*(?:the\s+)?(?:full\s+text|original\s+text|text\s+of\s+the\s+\w+|detailed\s+content|"
    r"attached\s+is\s+the\s+full\s+text|全文|原文|附全文|详细内容)\b.{0,40}$", re.I)


def dateline(src: SourceText, max_lines: int = 12) -> dates_mod.DateMention | None:
    """A line near the top that is nothing but a date: the date the text was published;
    else the page's own date (``Updated: …``, a byline with a date: :mod:`.furniture`)."""
    for ln in nonblank_lines(src)[:max_lines]:
        t = ln.text.strip()
        if len(t) > 40:
            continue
        ds = dates_mod.find_dates(ln.text, ln.start)
        if len(ds) == 1 and ds[0].value and len(ds[0].text) >= len(t) - 12:
            return ds[0]
    return read_page(src).date


def markers(src: SourceText) -> list[Line]:
    """Lines announcing that the document's own text follows ("The full text is as follows:")."""
    return [ln for ln in nonblank_lines(src) if _MARKER.match(ln.text) and len(ln.text) < 80]


def resolve_dates(found: list[dates_mod.DateMention], anchor: dates_mod.DateMention | None):
    out = []
    for d in found:
        if d.needs_year and anchor and anchor.value:
            d = dates_mod.with_year(d, anchor.value)
        out.append(d)
    return out


def date_note(d: dates_mod.DateMention, src: SourceText,
              anchor: dates_mod.DateMention | None) -> str | None:
    if d.year_inferred and anchor is not None:
        return (f"year not printed with '{d.text}'; taken from the dateline "
                f"{anchor.iso} on line {src.line_of(anchor.start)}")
    return None


# ---------------------------------------------------------------- titles, numbers, types

_QUOTE_PAIRS = [('"', '"'), ("《", "》"), ("«", "»")]
#: Document numbers as printed: the romanised forms of 国办发〔2023〕12号 (``Guo Ban Fa [2023] No.
#: 12``, ``SMPG G [2024] No.1``, ``Guobanfa [2023] 12``, ``Shangzi Han (2024) No. 568``), the
#: number first (``No. 12 [2023] of the Ministry of ...``), the Chinese form, and orders
#: (``SAMR Decree No. 47``, ``Office Regulation No. 9 of 2024``).  "No." is part of the number,
#: never where it is cut.
_DOC_NUMBER = re.compile(
    r"(?P<n>(?:[A-Z][A-Za-z]*\.?[ \t]+(?:(?:and|of|for)[ \t]+)?){0,5}[A-Z][A-Za-z]*\.?[ \t]*"
    r"(?:\[[ \t]*(?:19|20)\d{2}[ \t]*\][ \t]*(?:No\.?[ \t]*)?|\([ \t]*(?:19|20)\d{2}[ \t]*\)[ \t]*No\.?[ \t]*)"
    r"\d+(?![\d-])|"
    r"No\.?[ \t]*\d+[ \t]*\[[ \t]*(?:19|20)\d{2}[ \t]*\]"
    r"(?:[ \t]+of[ \t]+(?:the[ \t]+)?(?:[A-Z][\w'’-]*(?:(?:[ \t]+(?:of|and|for|the))+(?=[ \t]+[A-Z]))?[ \t]*){1,8})?|"
    r"(?:[A-Z][A-Za-z]*[ \t]+){0,6}(?:Decree|Order|Announcement|Regulation)[ \t]+No\.?[ \t]*\d+"
    r"(?:[ \t]+of[ \t]+(?:19|20)\d{2}|[ \t]+of[ \t]+(?:the[ \t]+)?(?:[A-Z][\w'’-]*(?:(?:[ \t]+(?:of|and|for|the))+"
    r"(?=[ \t]+[A-Z]))?[ \t]*){1,8})?|"
    r"[\u3400-\u9fff]{1,8}[〔\[(（]\s*(?:19|20)\d{2}\s*[〕\])）]\s*\d+\s*号?)")
_TRAIL_PAREN = re.compile(r"\s*[(（][^()（）]{1,40}[)）]\s*$")
_PREPOSITION = re.compile(r"\s(?:on|for|of|to|regarding|concerning|about)\s", re.I)


def doc_number(text: str, start: int, end: int) -> Value | None:
    m = _DOC_NUMBER.search(text, start, end)
    if not m:
        return None
    n = m.group("n").rstrip()
    return Value(re.sub(r"\s+", " ", n).strip(), [Span(m.start("n"), m.start("n") + len(n))])


def doctype_of(title: str, linker: Linker) -> Mention | None:
    """The document type named by a title's head noun.

    English titles name their type first ("Opinions on ...", "Detailed Rules for ...") or at
    the end ("... Overall Plan"), or just before the first preposition ("Shenzhen SEZ
    Regulations on ..."); Chinese titles name it last (《……的通知》)."""
    core = title.strip().strip('"“”《》')
    while _TRAIL_PAREN.search(core):
        core = _TRAIL_PAREN.sub("", core)
    core = core.rstrip(" .")
    found = linker.find(core, 0, len(core), ("doctype",))
    found = [f for f in found if f.target is not None]
    if not found:
        return None
    if re.search(r"[\u3400-\u9fff]", core[-4:]):
        last = [f for f in found if f.span.end >= len(core) - 1]
        return last[-1] if last else None
    lead = [f for f in found if core[: f.span.start].strip().lower() in ("", "several", "the")]
    if lead:
        return max(lead, key=lambda f: len(f.span))
    p = _PREPOSITION.search(core)
    if p:
        before = [f for f in found if abs(f.span.end - p.start()) <= 1]
        if before:
            return before[-1]
    tail = [f for f in found if f.span.end >= len(core) - 1]
    if tail:
        return tail[-1]
    return None


def slug(text: str, limit: int = 60) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = ""
    for w in words:
        nxt = f"{out}-{w}" if out else w
        if len(nxt) > limit:
            break
        out = nxt
    return out


def doc_key(doc: Document) -> str:
    """A stable key from the text itself: the document number, else the title."""
    if doc.number is not None:
        s = slug(str(doc.number.value))
        if s:
            return "x-" + s
    for lang in ("en", "zh"):
        t = doc.title(lang)
        if t:
            norm = re.sub(r"\s+", " ", t.strip().lower())
            h = hashlib.sha256(norm.encode("utf-8")).hexdigest()[:8]
            s = slug(t, 48)
            return f"x-{s}-{h}" if s else f"x-{lang}-{h}"
    return "x-untitled"


# ---------------------------------------------------------------- issue statements

ISSUE_VERB = (r"(?:jointly\s+|publicly\s+|officially\s+|formally\s+|recently\s+)?"
              r"(?:issued|released|promulgated|published|announced|unveiled|printed\s+and\s+"
              r"distributed|adopted|passed|deliberated\s+and\s+passed|approved|launched)")
_PUBLIC = re.compile(r"public|released|published|announced|unveiled", re.I)
_ALIAS = re.compile(
    r"[(（]\s*(?:hereinafter|hereafter)\s+(?:referred\s+to\s+as\s+|called\s+)?(?:the\s+)?"
    r"[\"“]?(?P<a>[^\"”()]{2,60})[\"”]?\s*[)）]|[(（]\s*(?:下称|以下简称|简称)\s*[\"“]?\s*"
    r"(?P<z>[^\"”()（）]{1,40}?)\s*[\"”]?\s*[)）]", re.I)
_IN_FORCE = re.compile(
    r"(?:come|came|comes|coming|go|went|goes|enter|entered|enters)\s+into\s+(?:effect|force)|"
    r"(?:take|takes|took|taking)\s+effect|becomes?\s+effective|"
    r"(?:effective|in\s+force)\s+(?:from|on|as\s+of)|起施行|起实施|起生效|施行",
    re.I)
_ADOPTED = re.compile(r"\badopted\s+at\b|\bpassed\s+at\b|通过", re.I)


@dataclass
class Statement:
    """"On <date>, <issuers> issued the "<title>" (hereinafter the "<alias>")"."""

    span: Span
    title: Value | None = None
    alias: str | None = None
    issuers: list[Mention] = field(default_factory=list)
    dates: list[DocDate] = field(default_factory=list)
    odd: list[tuple[Span, str]] = field(default_factory=list)


def quoted(text: str, start: int, end: int, min_len: int = 6) -> list[Span]:
    """Spans inside quotation marks or title brackets (content only)."""
    out = []
    i = start
    while i < end:
        m = _OPENER.search(text, i, end)  # jump to the next opening mark
        if m is None:
            break
        i = m.start()
        closer = _CLOSER[m.group(0)]
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


_CLOSER = {'"': '"', "《": "》", "«": "»"}
_OPENER = re.compile('["《«]')


def statement_in(env: Env, s: int, e: int, anchor, ctx: Context | None) -> Statement | None:
    """Parse one sentence that announces a document's issue."""
    text = env.src.text
    sent = text[s:e]
    verb = re.search(r"\b" + ISSUE_VERB + r"\b|印发|发布|公布|出台|通过", sent, re.I)
    if not verb:
        return None
    st = Statement(Span(s, e))
    a = _ALIAS.search(text, s, e)
    titles = [q for q in quoted(text, s, e) if doctype_of(text[q.start:q.end], env.linker)
              and not (a and a.start() <= q.start < a.end())]  # "(hereinafter the "Measures")"
    if titles:
        q = titles[0]
        st.title = Value(text[q.start:q.end].strip(), [q], "zh" if _is_zh(text[q.start:q.end]) else "en")
    if a:
        st.alias = (a.group("a") or a.group("z") or "").strip("《》\"“” ")
    who_end = s + verb.start()
    st.issuers = [m for m in env.bodies.agencies(text, s, who_end, ctx)]
    found = resolve_dates(dates_mod.find_dates(sent, s), anchor)
    for d in found:
        if d.problem:
            st.odd.append((Span(d.start, d.end), d.problem))
            continue
        if d.needs_year:
            st.odd.append((Span(d.start, d.end), f"'{d.text}' has no year and the text has no "
                                                  "dateline to take it from; date not recorded"))
            continue
        if d.value is None or d.precision != "day":
            continue
        before = text[max(s, d.start - 60):d.start]
        after = text[d.end:min(e, d.end + 40)]
        note = date_note(d, env.src, anchor)
        if _IN_FORCE.search(before[-40:]) or re.match(r"\s*起", after):
            st.dates.append(DocDate("in_force", d.value, [Span(d.start, d.end)], note))
        elif d.start < s + verb.start() or re.search(r"issued|released|published|发布|印发", before[-25:], re.I):
            public = bool(_PUBLIC.search(verb.group(0)) or "公" in verb.group(0))
            st.dates.append(DocDate("document", d.value, [Span(d.start, d.end)], note, weak=public))
            if public:
                st.dates.append(DocDate("publication", d.value, [Span(d.start, d.end)], note))
    if re.search(r"effective\s+immediately|with\s+immediate\s+effect|自即日起|自发布之日起施行", sent, re.I):
        doc_date = next((d for d in st.dates if d.kind == "document"), None)
        if doc_date:
            st.dates.append(DocDate("in_force", doc_date.value, doc_date.spans,
                                    "in force on issue ('effective immediately')"))
    return st


def in_force_date(text: str, d: dates_mod.DateMention, lo: int) -> bool:
    """Is this date the one a text says the document takes effect on?"""
    before = text[max(lo, d.start - 45):d.start]
    return bool(_IN_FORCE.search(before) or re.match(r"\s*起(?:施行|实施|生效)", text[d.end:d.end + 6]))


def _is_zh(t: str) -> bool:
    return len(re.findall(r"[\u3400-\u9fff]", t)) > len(t) / 3


# ---------------------------------------------------------------- provision enrichment

_MODALITY_CUES = {
    "prohibits": re.compile(r"\b(?:prohibit(?:ed|s)?|must\s+not|shall\s+not|may\s+not|"
                            r"not\s+(?:be\s+)?(?:allowed|permitted)|forbid(?:den)?|banned)\b|禁止|不得|严禁", re.I),
    "permits": re.compile(r"\b(?:permit(?:ted|s)?|allow(?:ed|s)?|may(?!\s+not)|can\s+(?:then\s+)?be|"
                          r"(?:is|are)\s+eligible)\b|允许|准许|可以", re.I),
    "requires": re.compile(r"\b(?:shall(?!\s+not)|must(?!\s+not)|(?:is|are)\s+required|"
                           r"required\s+to|obliged\s+to)\b|应当|必须|须", re.I),
    "encourages": re.compile(r"\bencourag(?:e|es|ed|ing)\b|鼓励", re.I),
    "supports": re.compile(r"\bsupport(?:s|ed|ing)?\b|支持", re.I),
}
_EXCLUDE = re.compile(
    r"(?:\bexcluding|\bexcept(?:\s+for)?|\bother\s+than|\bwith\s+the\s+exception\s+of|"
    r"不包括|除)(?P<what>[^.;。；()]{3,160})", re.I)


# "May" the month, not the modal: "May 1, 2023", "May 1st", "May 2023", "May, 2023",
# "1 May 2023" (issue 26, item 10).  Only a cue that is the bare word "may" is checked, and
# only a few characters either side of it, so the check stays linear in the text.
_MAY_MONTH_AFTER = re.compile(r"\s*,?\s*\d{1,4}(?:st|nd|rd|th)?\b")
_MAY_MONTH_BEFORE = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+$")


def _is_month_may(text: str, m: re.Match) -> bool:
    if m.group(0).lower() != "may":
        return False
    after = _MAY_MONTH_AFTER.match(text, m.end())
    before = _MAY_MONTH_BEFORE.search(text, max(0, m.start() - 8), m.start())
    if before:
        return True
    if after is None:
        return False
    # "May 1, 2023", "May 2023", "May 1st": a day or a year follows.  "may 3 applicants
    # apply" is rare in policy text and written lowercase; the month is capitalised.
    return m.group(0)[0] == "M" or bool(re.match(r"\s*,?\s*\d{4}\b", text[m.end():m.end() + 8]))


def modalities(env: Env, s: int, e: int) -> list[Mention]:
    text = env.src.text
    out = []
    for key, rx in _MODALITY_CUES.items():
        m = rx.search(text, s, e)
        if m is not None and _is_month_may(text, m):  # rare: the first cue is the month
            m = next((m for m in rx.finditer(text, m.end(), e) if not _is_month_may(text, m)), None)
        if m:
            iri = env.registry.iri("modality", key)
            if iri is not None:
                out.append(Mention("modality", Span(m.start(), m.end()), m.group(0), iri, key, "cue"))
    return out


def subsume(regions: list[Mention], registry: Registry, keep: list[URIRef] = ()) -> list[Mention]:
    """Drop a region when a narrower one is also named (Guangzhou Nansha -> Nansha)."""
    targets = {m.target for m in regions if m.target is not None} | set(keep)
    out = []
    for m in regions:
        if m.target is None:
            continue
        if any(t != m.target and registry.is_within(t, m.target) for t in targets):
            continue
        out.append(m)
    return out


def most_specific(ms: list[Mention], registry: Registry) -> list[Mention]:
    """Therapy types: "CAR-T cell products" is about CAR-T, not also about cell therapy."""
    targets = {m.target for m in ms if m.target is not None}
    return [m for m in ms if m.target is not None and not any(
        t != m.target and registry.is_within(t, m.target) for t in targets)]


def narrower_regions(env: Env, doc: Document, start: int, end: int) -> list[Mention]:
    """Places inside the document's own regions that its description names ("Hebei's
    plan ... Shijiazhuang, Baoding and Xiong'an")."""
    own = [m.target for m in doc.regions if m.target is not None]
    found = [m for m in env.linker.find(env.src.text, start, end, ("region",)) if m.target is not None]
    return [m for m in dedupe(found) if m.target not in own and
            any(env.registry.is_within(m.target, o) for o in own)]


def therapy_mentions(env: Env, start: int, end: int, ctx: Context | None = None) -> list[Mention]:
    """Therapy names, with elliptical pairs read in full: "gene diagnosis and therapy" names
    gene diagnosis and gene therapy, "基因诊断与治疗" 基因诊断 and 基因治疗."""
    text = env.src.text
    found = [m for m in env.linker.find(text, start, end, ("therapy",), ctx) if m.target is not None]
    extra = []
    for m in found:
        after = text[m.span.end:min(end, m.span.end + 40)]
        words = m.surface.split()
        em = re.match(r"\s*(?:and|or|&|/)\s+([A-Za-z-]+)", after)
        if em and len(words) >= 2:
            cand = " ".join(words[:-1] + [em.group(1)])
            hit = env.linker.lookup(cand, ("therapy",), ctx)
            if hit is not None and hit.target is not None and hit.target != m.target:
                s0 = m.span.end + em.start(1)
                extra.append(Mention("therapy", Span(s0, s0 + len(em.group(1))), cand, hit.target,
                                     hit.key, "elliptical pair"))
        zm = re.match(r"[与和及、]([\u3400-\u9fff]{2})", after)
        if zm and len(m.surface) >= 4:
            cand = m.surface[:-2] + zm.group(1)
            hit = env.linker.lookup(cand, ("therapy",), ctx)
            if hit is not None and hit.target is not None and hit.target != m.target:
                s0 = m.span.end + zm.start(1)
                extra.append(Mention("therapy", Span(s0, s0 + 2), cand, hit.target, hit.key,
                                     "elliptical pair"))
    return sorted(found + extra, key=lambda m: m.span.start)


def dedupe(ms: list[Mention]) -> list[Mention]:
    """One mention per target (the first span); unresolved ones are kept apart."""
    seen, out = set(), []
    for m in ms:
        if m.target is None:
            continue
        if m.target in seen:
            continue
        seen.add(m.target)
        out.append(m)
    return out


def enrich(env: Env, prov: Provision, ctx: Context, doc: Document,
           bodies: bool = True, span: Span | None = None) -> None:
    """Responsible bodies, regions, therapies, exclusions, modality and addressees.

    A provision printed twice (a summary quoting it, a repeated article) is read in every
    copy: the facts are merged, each keeping the spans it was read from."""
    spans = [span or prov.span] + ([] if span else list(prov.extra_spans))
    acc: Provision | None = None
    for sp in spans:
        part = Provision(prov.kind, prov.number, prov.printed, sp)
        _enrich_one(env, part, ctx, doc, bodies, sp)
        if acc is None:
            acc = part
            continue
        for attr in ("responsible", "mentioned_bodies", "regions", "therapies", "excludes",
                     "modalities", "addressees"):
            setattr(acc, attr, dedupe(getattr(acc, attr) + getattr(part, attr)))
    assert acc is not None
    for attr in ("responsible", "mentioned_bodies", "regions", "therapies", "excludes",
                 "modalities", "addressees"):
        setattr(prov, attr, getattr(acc, attr))
    excluded = {m.target for m in prov.excludes}
    prov.therapies = [t for t in prov.therapies if t.target not in excluded]


def _enrich_one(env: Env, prov: Provision, ctx: Context, doc: Document, bodies: bool,
                sp: Span) -> None:
    text = env.src.text
    lists: list[Span] = []
    if bodies:
        ctx = passage_context(env, ctx, sp)
        f = env.bodies.paren_lists(text, sp.start, sp.end, ctx)
        lists = list(f.spans)
        if not f.responsible:  # an explicit responsibility list is authoritative
            f = env.bodies.find_all(text, sp.start, sp.end, ctx)
        prov.responsible = dedupe(f.responsible)
        prov.mentioned_bodies = dedupe([m for m in f.mentioned if m.target not in
                                        {r.target for r in prov.responsible}])
        doc.unresolved.extend(f.unresolved)
    excluded_spans: list[Span] = []
    for m in _EXCLUDE.finditer(text, sp.start, sp.end):
        ws, we = m.start("what"), m.end("what")
        th = therapy_mentions(env, ws, we, ctx)
        if th:
            prov.excludes.extend(th)
            excluded_spans.append(Span(m.start(), we))
    therapies = [t for t in therapy_mentions(env, sp.start, sp.end, ctx)
                 if not any(x.contains(t.span) for x in excluded_spans)]
    prov.therapies = dedupe(therapies)
    prov.excludes = dedupe(prov.excludes)
    # names that contain a place name ("Shanghai Municipal Health Commission", "Hong Kong and
    # Macao enterprises") are not mentions of the place
    bodies_here = env.linker.find(text, sp.start, sp.end, ("agency", "addressee"), ctx)
    regions = [r for r in env.linker.find(text, sp.start, sp.end, ("region",), ctx) if r.target is not None
               and not any(b.span.contains(r.span) for b in bodies_here)  # "Shanghai" in a body's name
               and not any(x.contains(r.span) for x in lists)]  # a place named as responsible
    prov.regions = subsume(dedupe(regions), env.registry, [r.target for r in doc.regions if r.target])
    prov.modalities = modalities(env, sp.start, sp.end)
    prov.addressees = dedupe([a for a in env.linker.find(text, sp.start, sp.end, ("addressee",), ctx)
                              if a.target is not None])


def passage_context(env: Env, ctx: Context, sp: Span) -> Context:
    """The context for the bodies of one passage: the places the passage itself names (a
    province's text on a measure for Shenzhen: "the municipal health commission" there is
    Shenzhen's) come after the document's own, so they fill a level the document lacks; in a
    text about several places of the same level they come first, so each passage resolves to
    its own place.  Places inside a body's name do not count."""
    text = env.src.text
    rank = env.bodies.resolver.rank
    names = env.linker.find(text, sp.start, sp.end, ("agency",), ctx)
    here: list[URIRef] = []
    for m in env.linker.find(text, sp.start, sp.end, ("region",), ctx):
        if m.target is not None and rank.get(m.target) in ("city", "province") and \
                m.target not in here and not any(b.span.contains(m.span) for b in names):
            here.append(m.target)
    if not here:
        return ctx
    own = [r for r in ctx.regions if rank.get(r) in ("city", "province")]
    several = len({rank.get(r) for r in own}) < len(own)  # two places of one level
    if several:
        return Context(here + [r for r in ctx.regions if r not in here])
    return Context(ctx.regions + [r for r in here if r not in ctx.regions])


def context_for(env: Env, doc: Document) -> Context:
    """A document's context: its own regions first, then its issuers' jurisdictions."""
    regions: list[URIRef] = [m.target for m in doc.regions if m.target is not None]
    for m in doc.issuers:
        if m.target is not None:
            regions.extend(sorted(env.registry.jurisdiction.get(m.target, ())))
    for key in env.meta.get("regions", []) or []:
        iri = env.registry.iri("region", key)
        if iri is not None:
            regions.insert(0, iri)
    seen, out = set(), []
    for r in regions:
        if r not in seen:
            seen.add(r)
            out.append(r)
    return Context(out)


_ZONE_LIST = re.compile(r"(?P<list>(?:\((?:[A-Z][\w' -]{1,30})\)[,\s]*(?:and\s+)?){2,})"
                        r"(?P<head>Pilot\s+Free\s+Trade\s+Zones|Free\s+Trade\s+(?:Pilot\s+)?Zones)")


def title_regions(env: Env, title: Value | None, ctx: Context | None = None) -> list[Mention]:
    """Regions a title names.  "China's (Shandong), (Jiangsu) ... Pilot Free Trade Zones"
    names each zone: every "(X)" is read as "China (X) Pilot Free Trade Zone"."""
    if title is None or not title.spans:
        return []
    sp = title.spans[0]
    text = env.src.text
    found: list[Mention] = []
    zones = _ZONE_LIST.search(text, sp.start, sp.end)
    if zones:
        head = re.sub(r"s$", "", zones.group("head"))
        for m in re.finditer(r"\((?P<x>[^()]+)\)", zones.group("list")):
            name = f"China ({m.group('x').strip()}) {head}"
            hit = env.linker.lookup(name, ("region",), ctx)
            if hit is not None and hit.target is not None:
                s0 = zones.start("list") + m.start()
                found.append(Mention("region", Span(s0, s0 + len(m.group(0))), m.group(0), hit.target,
                                     hit.key, "zone list"))
        if found:
            return found
    found = [r for r in env.linker.find(text, sp.start, sp.end, ("region",), ctx)
             if r.target is not None]
    return subsume(dedupe(found), env.registry)


def cited_documents(env: Env, start: int, end: int, known: list[Document]) -> list[Document]:
    """Documents a text only cites by their quoted title ("the "Biosecurity Law of ..."")."""
    text = env.src.text
    names = set()
    for d in known:
        for t in d.titles:
            names.add(_norm_title(str(t.value)))
        names.update(_norm_title(a) for a in d.aliases)
    out: dict[str, Document] = {}
    for q in quoted(text, start, end, 8):
        t = text[q.start:q.end].strip()
        if _norm_title(t) in names or len(t) > 300:
            continue
        if any(_norm_title(t) in n or n in _norm_title(t) for n in names if len(n) > 12):
            continue
        dtm = doctype_of(t, env.linker)
        if dtm is None or not looks_like_title(t):
            continue
        key = _norm_title(t)
        if key in out:
            out[key].spans.append(q)
            out[key].titles[0].spans.append(q)
            continue
        doc = Document(key="", titles=[Value(t, [q], "zh" if _is_zh(t) else "en")], doctype=dtm,
                       spans=[q], genre="cited", line=env.src.line_of(q.start))
        doc.regions = title_regions(env, doc.titles[0])
        out[key] = doc
    return list(out.values())


_MINOR = {"of", "on", "for", "and", "in", "to", "the", "a", "an", "with", "from", "by", "at", "or"}


def looks_like_title(t: str) -> bool:
    """Chinese titles, or English ones in title case ("Biosecurity Law of the PRC")."""
    if _is_zh(t):
        return len(t) >= 4
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", t)
    if len(words) < 3 or not t[:1].isupper():
        return False
    major = [w for w in words if w.lower() not in _MINOR]
    return bool(major) and sum(1 for w in major if w[0].isupper()) / len(major) >= 0.6


def _norm_title(t: str) -> str:
    return re.sub(r"[^a-z0-9\u3400-\u9fff]+", " ", t.lower()).strip()


def add_date(doc: Document, d: DocDate) -> None:
    """Add a date; a second, different value of the same kind is reported, not kept, except
    that a firm date (adoption, signature) replaces one read from an announcement."""
    for i, old in enumerate(doc.dates):
        if old.kind == d.kind and old.weak and not d.weak and old.value != d.value:
            doc.dates[i] = d
            return
        if old.kind == d.kind and d.weak and not old.weak:
            return
        if old.kind == d.kind:
            if old.value == d.value:
                old.spans.extend(s for s in d.spans if s not in old.spans)
            else:
                doc.anomalies.append({
                    "kind": "date-conflict", "property": d.kind,
                    "values": [str(old.value), str(d.value)],
                    "message": f"the text gives two {d.kind} dates: {old.value} and {d.value}"})
            return
    doc.dates.append(d)


_ABBREV = re.compile(r"\b(?:No|Nos|Art|Arts|para|Para|Vol|p|pp)\.$")


def sentences(text: str, start: int, end: int):
    """Spans of the sentences (or lines) between ``start`` and ``end``."""
    pos = start
    for m in re.finditer(r"(?<=[.!?。！？])\s+|\n+", text[start:end]):
        if m.group(0)[0] != "\n" and _ABBREV.search(text, max(start, start + m.start() - 6), start + m.start()) \
                and text[start + m.end():start + m.end() + 1].isdigit():
            continue  # "No. 12", "Art. 5": an abbreviation before a number ends no sentence
        if start + m.start() > pos:
            yield pos, start + m.start()
        pos = start + m.end()
    if pos < end:
        yield pos, end
