"""Commentary articles that name many documents, often bilingual (a Chinese paragraph, then
its English translation): law-firm briefings, policy reviews.

Each document the article names becomes a document of its own, with the facts the
surrounding sentence gives: issue date, date in force, issuers, regions, therapy fields.  A
bilingual text states each fact twice; the Chinese and the English mention are aligned (the
k-th title of a paragraph with the k-th title of its translation) and become *one* document
with two titles and two spans per fact.  Short names defined in the text ("hereinafter the
'Notice'", 下称《通知》) point back to their document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import common as C
from .. import dates as dates_mod
from ..model import DocDate, Document, Extraction, Mention, Segment, Span, Value
from ..source import SourceText
from . import register

_MINOR = {"of", "on", "for", "and", "in", "to", "the", "a", "an", "with", "from", "by", "at"}
_STOP_WORDS = {"january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december", "hereinafter", "which", "that"}
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*|\((?=[A-Z0-9])[^()\n]{1,40}\)")
_ZH_TITLE = re.compile(r"《(?P<t>[^《》\n]{2,120})》")
_BAD_ZH = re.compile(r"[|｜〈〉]")
_ISSUE_ZH = re.compile(r"发布|印发|公布|出台|颁布")
_ISSUE_EN = re.compile(r"\b(?:issued|released|promulgated|published|unveiled|announced)\b", re.I)
_EN_NAMED = re.compile(
    r"(?:[A-Z][\w'’-]+\s+){1,8}(?:Notice|Opinions|Measures|Regulations|Plan|Guidelines|Catalogue|"
    r"List|Rules|Law|Provisions|Decision|Programme)\b[^.\n]{0,60}?\b(?:issued|released|"
    r"promulgated|effective|came\s+into\s+(?:effect|force))\b")
_OF_ISSUER = re.compile(r"^(?:Notice|Opinions|Decision|Circular|Announcement|Reply)\s+of\s+", re.I)


@dataclass
class Block:
    start: int
    end: int
    lang: str


@dataclass
class Hit:
    """One title (or short name) printed in the text."""

    span: Span
    title: str
    lang: str
    block: int
    alias_of: str | None = None  # normalised alias this hit uses
    is_alias: bool = False  # a short name for a document named in full elsewhere
    defines: list[str] = field(default_factory=list)  # aliases it defines
    doc: Document | None = None


_CJK_RUNS = re.compile(r"[\u3400-\u9fff]+")
_LATIN_RUNS = re.compile(r"[A-Za-z]+")


def _blocks(src: SourceText) -> list[Block]:
    out = []
    for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", src.text):
        t = m.group(0)
        if not t.strip():
            continue
        cjk = sum(map(len, _CJK_RUNS.findall(t)))  # characters counted run by run
        latin = sum(map(len, _LATIN_RUNS.findall(t)))
        out.append(Block(m.start(), m.end(), "zh" if cjk > latin / 3 else "en"))
    return out


def _norm(t: str) -> str:
    return re.sub(r"[^a-z0-9\u3400-\u9fff]+", " ", t.lower()).strip()


class ArticleMentions:
    name = "article_mentions"
    description = "articles (often bilingual zh/en) naming documents with their dates and issuers"

    def detect(self, src: SourceText) -> float:
        blocks = _blocks(src)
        zh = sum(1 for b in blocks if b.lang == "zh")
        en = sum(1 for b in blocks if b.lang == "en")
        titles = len(_ZH_TITLE.findall(src.text))
        if zh >= 3 and en >= 3:
            pairs = sum(1 for a, b in zip(blocks, blocks[1:]) if a.lang != b.lang)
            return min(1.0, 0.4 + pairs / max(min(zh, en), 1) * 0.3 + min(titles, 10) * 0.03)
        # one language: a commentary that names several documents with their dates
        named = len(_EN_NAMED.findall(src.text)) + titles
        return min(0.45, 0.15 + named * 0.05) if named >= 3 else min(0.2, named * 0.05)

    def extract(self, env: C.Env) -> Extraction:
        src, text = env.src, env.src.text
        out = Extraction()
        self.label_regions: dict[int, list[Mention]] = {}
        blocks = _blocks(src)
        hits: list[Hit] = []
        for i, b in enumerate(blocks):
            hits.extend(self._hits(env, b, i))
        aliases: dict[str, Document] = {}
        docs: list[Document] = []
        by_title: dict[str, Document] = {}
        pairs = _pairs(blocks, text)
        partner: dict[int, int] = {}
        for a, b in pairs:
            partner[a] = b
            partner[b] = a
        done_blocks: set[int] = set()
        for i, _ in enumerate(blocks):
            if i in done_blocks:
                continue
            group = [i] + ([partner[i]] if i in partner else [])
            done_blocks.update(group)
            self._group(env, group, hits, blocks, aliases, by_title, docs)
        kept = []
        for d in docs:
            langs = {t.lang for t in d.titles}
            if len(langs) > 1 or d.dates or any(m.target is not None for m in d.issuers) or d.aliases:
                kept.append(d)
            else:
                out.notes.append(f"line {d.line}: title '{d.titles[0].value}' named only in passing "
                                 "(no translation, date or issuer); not kept as a document")
        for d in kept:
            d.regions = self._regions(env, d)
            for sp in list(d.spans):
                d.regions = C.dedupe(d.regions + C.narrower_regions(env, d, sp.start, sp.end))
            d.key = C.doc_key(d)
        out.documents = kept
        for b in blocks:
            kind = "commentary"
            if re.search(r"cookies|privacy\s+policy|learn\s+more|specialist\s+advice|"
                         r"intended\s+to\s+provide\s+a\s+general\s+guide", text[b.start:b.end], re.I):
                kind = "boilerplate"
            out.segments.append(Segment(kind, Span(b.start, b.end)))
        return out

    # ------------------------------------------------------------ titles

    def _hits(self, env: C.Env, b: Block, i: int) -> list[Hit]:
        text = env.src.text
        out: list[Hit] = []
        if b.lang == "zh":
            for m in _ZH_TITLE.finditer(text, b.start, b.end):
                t = m.group("t").strip()
                if _BAD_ZH.search(t):
                    continue
                out.append(Hit(Span(m.start("t"), m.end("t")), t, "zh", i))
        else:
            out.extend(self._en_titles(env, b, i))
        # aliases defined right after a title: (hereinafter referred to as the "Notice")
        for a in C._ALIAS.finditer(text, b.start, b.end):
            name = (a.group("a") or a.group("z") or "").strip("《》\"“” ")
            prev = [h for h in out if h.span.end <= a.start() and a.start() - h.span.end < 80]
            if prev and name:
                prev[-1].defines.append(_norm(name))
        alias_spans = [Span(a.start(), a.end()) for a in C._ALIAS.finditer(text, b.start, b.end)]
        out = [h for h in out if not any(sp.contains(h.span) for sp in alias_spans)]
        for h in out:
            h.alias_of = _norm(h.title)
        return out

    def _en_titles(self, env: C.Env, b: Block, i: int) -> list[Hit]:
        text = env.src.text
        words = list(_WORD.finditer(text, b.start, b.end))
        runs: list[list[re.Match]] = []
        cur: list[re.Match] = []
        for w in words:
            tok = w.group(0)
            gap = text[cur[-1].end():w.start()] if cur else ""
            ok_gap = not cur or re.fullmatch(r"[ \t]{1,2}|-", gap)
            cap = tok[0].isupper() or tok[0].isdigit() or tok.startswith("(")
            if tok.lower().strip("'’s") in _STOP_WORDS:
                cap = False
            if ok_gap and (cap or (cur and tok.lower() in _MINOR)):
                cur.append(w)
                continue
            runs.append(cur)
            cur = [w] if cap and tok.lower() not in _MINOR else []
        runs.append(cur)
        out = []
        for run in runs:
            while run and (run[-1].group(0).lower() in _MINOR):
                run = run[:-1]
            while run and (run[0].group(0).lower() in _MINOR | {"the"} or run[0].group(0).startswith("(")):
                run = run[1:]
            if len(run) < 1:
                continue
            lead = [k for k, w in enumerate(run[:3]) if w.group(0).lower() == "the"]
            if lead and lead[0] > 0 and _sentence_start(text, run[0].start(), b.start) and \
                    C.doctype_of(text[run[0].start():run[lead[0] - 1].end()], env.linker) is None:
                run = run[lead[0] + 1:]
            if not run:
                continue
            for piece in _split_run(env, run):
                s, e = piece[0].start(), piece[-1].end()
                t = text[s:e]
                if C.doctype_of(t, env.linker) is None:
                    continue
                if len(piece) < 3 and not re.match(r"\d{4}", t):
                    out.append(Hit(Span(s, e), t, "en", i))  # short name, e.g. "Notice"
                    continue
                out.append(Hit(Span(s, e), t, "en", i))
        return out

    # ------------------------------------------------------------ grouping

    def _group(self, env, group, hits, blocks, aliases, by_title, docs) -> None:
        """Titles of one paragraph and its translation -> documents."""
        per = {b: [h for h in hits if h.block == b] for b in group}
        defined_here = {al for b in group for h in per[b] for al in h.defines}
        known = set(aliases) | defined_here
        full = {b: [h for h in per[b] if _norm(h.title) not in known and
                    (len(h.title.split()) >= 3 or blocks[b].lang == "zh")]
                for b in group}
        # short names that refer to a document already defined
        for b in group:
            for h in per[b]:
                key = _norm(h.title)
                if key in aliases:
                    h.doc = aliases[key]
                    h.is_alias = True
        if len(group) == 2:
            a, b = group
            fa = [h for h in full[a] if h.doc is None]
            fb = [h for h in full[b] if h.doc is None]
            matched = _align(env, fa, fb)
        else:
            matched = [(h, None) for h in full[group[0]] if h.doc is None]
        for x, y in matched:
            hs = [h for h in (x, y) if h is not None]
            doc = None
            for h in hs:
                doc = doc or by_title.get(_norm(h.title))
            if doc is None:
                doc = Document(key="", genre=self.name, line=env.src.line_of(hs[0].span.start))
                docs.append(doc)
            for h in hs:
                h.doc = doc
                by_title.setdefault(_norm(h.title), doc)
                if not any(t.lang == h.lang for t in doc.titles):
                    doc.titles.append(Value(h.title, [h.span], h.lang))
                else:
                    for t in doc.titles:
                        if t.lang == h.lang and _norm(str(t.value)) == _norm(h.title):
                            t.spans.append(h.span)
                for al in h.defines:
                    aliases[al] = doc
                    doc.aliases.append(al)
            if doc.doctype is None:
                for h in hs:
                    doc.doctype = doc.doctype or C.doctype_of(h.title, env.linker)
        for b in group:
            for h in per[b]:
                if h.doc is None and _norm(h.title) in aliases:
                    h.doc = aliases[_norm(h.title)]
                    h.is_alias = True
                if h.doc is None:
                    continue
                for al in h.defines:
                    aliases.setdefault(al, h.doc)
                if h.is_alias:  # a short name only adds evidence, not facts
                    h.doc.spans.append(h.span)
                    continue
                self._facts(env, h, per[b], blocks[b])

    def _facts(self, env: C.Env, h: Hit, same_block: list[Hit], block: Block) -> None:
        """Date, in-force date, issuers, therapies from the sentence around one title."""
        text = env.src.text
        doc = h.doc
        assert doc is not None
        s, e = _sentence(text, h.span)
        doc.spans.append(Span(s, e))
        others = [o.span for o in same_block if o is not h and s <= o.span.start < e]
        dates = dates_mod.find_dates(text[s:e], s)
        mine = [d for d in dates if _owner(text, d, [h.span] + others) == h.span]
        for d in mine:
            if d.problem:
                doc.odd_dates.append((Span(d.start, d.end), d.problem))
                continue
            if d.value is None:
                continue
            if d.precision != "day":
                continue
            if C.in_force_date(text, d, s):
                C.add_date(doc, DocDate("in_force", d.value, [Span(d.start, d.end)]))
            else:
                C.add_date(doc, DocDate("document", d.value, [Span(d.start, d.end)]))
                ctx = text[s:e]
                if re.search(r"publicly\s+(?:issued|released)|公开|对外公布", ctx, re.I):
                    C.add_date(doc, DocDate("publication", d.value, [Span(d.start, d.end)]))
        if re.search(r"effective\s+immediately|自即日起", text[s:e], re.I):
            dd = next((x for x in doc.dates if x.kind == "document"), None)
            if dd is not None:
                C.add_date(doc, DocDate("in_force", dd.value, list(dd.spans),
                                        "in force on issue ('effective immediately')"))
        issuers = self._issuers(env, h, s, e, others)
        doc.issuers.extend(issuers)
        th = [m for m in C.therapy_mentions(env, s, e) if
              not any(o.start <= m.span.start < o.end for o in others)]
        doc.therapies.extend(th)
        label = re.match(r"[\s•·*-]*(?P<l>[^:：\n]{2,24})[:：]", text[block.start:block.end])
        if label:
            ls = block.start + label.start("l")
            found = [m for m in env.linker.find(text, ls, block.start + label.end("l"), ("region",))
                     if m.target is not None]
            if found:
                self.label_regions.setdefault(id(doc), []).extend(found)

    def _issuers(self, env: C.Env, h: Hit, s: int, e: int, others: list[Span]) -> list[Mention]:
        text = env.src.text
        out: list[Mention] = []
        # a title that begins with its issuer: 《深圳市人民政府关于……的通知》, "Notice of the X on ..."
        if h.lang == "zh" and "关于" in h.title:
            head_end = h.span.start + h.title.index("关于")
            out += [m for m in env.bodies.agencies(text, h.span.start, head_end, None) if m.target]
        of = _OF_ISSUER.match(h.title)
        if of:
            on = re.search(r"\s(?:on|regarding|concerning)\s", h.title[of.end():])
            if on:
                a, b = h.span.start + of.end(), h.span.start + of.end() + on.start()
                out += [m for m in env.bodies.agencies(text, a, b, None) if m.target]
        # "X issued the <title>" / "X 发布的《title》": bodies before an issue verb before the title
        rx = _ISSUE_ZH if h.lang == "zh" else _ISSUE_EN
        verbs = [v for v in rx.finditer(text, s, h.span.start)]
        if verbs:
            v = verbs[-1]
            lo = max([o.end for o in others if o.end <= v.start()] + [s])
            for m in env.bodies.agencies(text, lo, v.start(), None):
                if m.target is not None:
                    m.passage = Span(s, e)
                    out.append(m)
        for m in out:
            if m.passage is None:
                m.passage = Span(s, e)
        return out

    def _regions(self, env: C.Env, d: Document) -> list[Mention]:
        """The regions in the document's title; else those in the sentences that describe
        it; else its issuers' jurisdictions."""
        regs: list[Mention] = []
        for t in d.titles:
            regs += C.title_regions(env, t)
        if regs:
            return regs
        text = env.src.text
        for sp in d.spans:
            regs += [m for m in env.linker.find(text, sp.start, sp.end, ("region",))
                     if m.target is not None and not any(
                         t_sp.start <= m.span.start < t_sp.end for t in d.titles for t_sp in t.spans)]
        regs = C.subsume(regs, env.registry)
        if regs:
            return regs
        if self.label_regions.get(id(d)):
            return C.subsume(C.dedupe(self.label_regions[id(d)]), env.registry)
        out = []
        for m in d.issuers:
            for r in sorted(env.registry.jurisdiction.get(m.target, ())):
                out.append(Mention("region", m.span, m.surface, r, env.registry.key(r), "issuer jurisdiction",
                                   passage=m.passage))
        return out


def _sentence_start(text: str, pos: int, block_start: int) -> bool:
    before = text[block_start:pos].rstrip(" \t•·*-")
    return not before or before[-1] in ".!?:;。：；\n"


def _split_run(env: C.Env, run: list[re.Match]) -> list[list[re.Match]]:
    """"The A Catalogue and the B Measures" names two documents."""
    text = env.src.text
    out, cur = [], []
    for k, w in enumerate(run):
        tok = w.group(0)
        if tok.lower() == "and" and k + 1 < len(run) and run[k + 1].group(0).lower() == "the" and cur:
            left = text[cur[0].start():cur[-1].end()]
            rest = run[k + 2:]
            if rest and C.doctype_of(left, env.linker) and \
                    C.doctype_of(text[rest[0].start():rest[-1].end()], env.linker):
                out.append(cur)
                cur = []
                continue
        if tok.lower() == "the" and not cur:
            continue
        cur.append(w)
    if cur:
        out.append(cur)
    return out


def _anchors(text: str, b: Block) -> set[str]:
    """What a paragraph and its translation share: dates, numbers, Latin abbreviations."""
    chunk = text[b.start:b.end]
    out = {d.iso for d in dates_mod.find_dates(chunk) if d.value}
    out |= set(re.findall(r"(?<![\d-])\d{2,4}(?![\d-])", re.sub(r"\d{4}-\d{2}-\d{2}", "", chunk)))
    out |= set(re.findall(r"\b[A-Z][A-Z0-9-]{1,9}\b", chunk))
    return out


def _pairs(blocks: list[Block], text: str = "") -> list[tuple[int, int]]:
    """Pair each paragraph with its translation: the neighbour in the other language on the
    side (before or after) that shares more dates, numbers and abbreviations overall."""
    anchors = [_anchors(text, b) for b in blocks] if text else [set() for _ in blocks]

    def orient(first: str) -> tuple[int, list[tuple[int, int]]]:
        score, out, i = 0, [], 0
        while i + 1 < len(blocks):
            a, b = blocks[i], blocks[i + 1]
            if a.lang == first and b.lang != first:
                out.append((i, i + 1))
                score += len(anchors[i] & anchors[i + 1]) + 1
                i += 2
            else:
                i += 1
        return score, out

    zh_first, en_first = orient("zh"), orient("en")
    return zh_first[1] if zh_first[0] >= en_first[0] else en_first[1]


def _align(env: C.Env, a: list[Hit], b: list[Hit]) -> list[tuple[Hit | None, Hit | None]]:
    """k-th title with k-th title when both languages name as many; otherwise by the dates
    printed right next to them; the rest stay unpaired."""
    if len(a) == len(b):
        return list(zip(a, b))
    text = env.src.text
    out: list[tuple[Hit | None, Hit | None]] = []
    used: set[int] = set()
    for x in a:
        dx = _near_date(text, x.span)
        match = None
        for j, y in enumerate(b):
            if j in used:
                continue
            if dx is not None and dx == _near_date(text, y.span):
                match = j
                break
        if match is None:
            out.append((x, None))
        else:
            used.add(match)
            out.append((x, b[match]))
    out += [(None, y) for j, y in enumerate(b) if j not in used]
    return out


def _near_date(text: str, sp: Span):
    window = text[max(0, sp.start - 40):sp.end + 40]
    ds = [d for d in dates_mod.find_dates(window) if d.value]
    return ds[0].value if len(ds) == 1 else None


def _sentence(text: str, sp: Span) -> tuple[int, int]:
    s = max(text.rfind(c, 0, sp.start) for c in (". ", "。", "\n", "; ", "；", ":", "：")) + 1
    ends = [i for i in (text.find(c, sp.end) for c in (". ", "。", "\n", "；")) if i >= 0]
    e = min(ends) if ends else len(text)
    while s < sp.start and text[s] in " •\t":
        s += 1
    return s, e


_DATE_THEN_TITLE = re.compile(r"^\s*(?:起)?[\u4e00-\u9fff]{0,4}的?\s*《?$")
_TITLE_THEN_DATE = re.compile(r"^[\s,，]*(?:which\s+|that\s+)?(?:was\s+|were\s+|has\s+been\s+)?"
                              r"(?:issued|released|published|promulgated|announced|came\s+into\s+"
                              r"(?:effect|force)|took\s+effect|effective)?\s*(?:on|from|in)?\s*$", re.I)


def _owner(text: str, d, spans: list[Span]) -> Span | None:
    """The title a date belongs to: the one it is tied to by wording ("2019年8月13日发布的《X》",
    "X, issued on August 13, 2019"), else the nearest one."""
    after = sorted((sp for sp in spans if sp.start >= d.end), key=lambda sp: sp.start)
    before = sorted((sp for sp in spans if sp.end <= d.start), key=lambda sp: sp.end)
    if after and _DATE_THEN_TITLE.match(text[d.end:after[0].start]):
        return after[0]
    if before and _TITLE_THEN_DATE.match(text[before[-1].end:d.start]):
        return before[-1]
    return min(spans, key=lambda sp: _distance(d, sp)) if spans else None


def _distance(d, sp: Span) -> int:
    if d.end <= sp.start:
        return sp.start - d.end
    if d.start >= sp.end:
        return d.start - sp.end
    return 0


register(ArticleMentions())
