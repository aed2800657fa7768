"""Chinese legal originals: laws, regulations and rules as the legislatures publish them.

Layout this genre expects (the rules are about how Chinese legislation is printed, not about
any one collection):

* a title (a Markdown ``# `` line, or the first heading-like line);
* the legislative history: dated lines or clauses, one per step (``……会议通过``,
  ``……令第706号公布``, ``……的决定》第一次修正``, ``……修订``, ``……施行``), either one
  per line or together in one parenthesised block (``（2019年6月29日……通过 根据……修正）``);
* optionally a marker that ends the header (``<!-- INFO END -->``);
* parts 编, chapters 章 and sections 节 (with or without Markdown ``#`` marks), articles
  ``第五条 ……`` numbered through the whole text, inserted articles ``第十条之一``; the
  paragraphs (款) of an article are its following lines, items ``（一）`` stand inside a
  paragraph;
* or, in an amendment (修正案) or a decision, numbered points ``一、`` instead of articles.

What it yields: one document with its title (zh), history events, dates, issuers, legal
level (效力级别, from the acting body and the form of promulgation), provisions and the
documents it repeals (``……同时废止``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from cgtkg.graph import namespaces as ns

from .. import common as C
from .. import dates as dates_mod
from ..model import (
    Citation,
    DocDate,
    Document,
    Extraction,
    HistoryEvent,
    Mention,
    Provision,
    Relation,
    Segment,
    Span,
    Value,
)
from ..source import Line, SourceText, name_date
from ..structure import (
    ARTICLE_ZH_SUB,
    CHAPTER_ZH_MD,
    ITEM,
    MD_HEADING,
    PART_ZH,
    POINT_ZH,
    SECTION_ZH_MD,
    anomalies_of,
    zh_number,
)
from . import register

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_HEADER_END = re.compile(r"^\s*<!--\s*INFO\s+END\s*-->\s*$", re.I)
_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
_TITLE_MD = re.compile(r"^[ \t]*#[ \t]+(?P<t>\S.*?)[ \t#]*$")
_LEVELS = ("part", "chapter", "section")
_HEADING_PATTERNS = (("part", PART_ZH), ("chapter", CHAPTER_ZH_MD), ("section", SECTION_ZH_MD))
_ZH_TERMINAL = re.compile(r"[。；：！？.;:!?][”’\"')）]*\s*$")

# ---------------------------------------------------------------- dates in Chinese numerals

_CN_DIGIT = {"〇": 0, "零": 0, "○": 0, "O": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE = re.compile(r"(?P<y>[〇零○Ｏ一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,3})\s*月"
                      r"\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日")


def cn_dates(text: str, offset: int = 0) -> list[dates_mod.DateMention]:
    """Dates written in Chinese numerals (二〇一九年五月二十八日), as :mod:`..dates` gives
    arabic ones; an impossible date is returned with a problem, never guessed."""
    out = []
    for m in _CN_DATE.finditer(text):
        y = int("".join(str(_CN_DIGIT[c]) for c in m.group("y")))
        mo, d = zh_number(m.group("m")), zh_number(m.group("d"))
        s, e = m.start() + offset, m.end() + offset
        try:
            if not dates_mod.MIN_YEAR <= y <= dates_mod.MAX_YEAR:
                raise ValueError
            out.append(dates_mod.DateMention(s, e, m.group(0), dt.date(y, mo or 0, d or 0)))
        except (ValueError, TypeError):
            out.append(dates_mod.DateMention(s, e, m.group(0), None,
                                             problem=f"no such date: '{m.group(0)}'"))
    return out


def all_dates(text: str, start: int, end: int) -> list[dates_mod.DateMention]:
    """Arabic and Chinese-numeral dates between ``start`` and ``end`` of the analysis view."""
    chunk = text[start:end]
    found = dates_mod.find_dates(chunk, start)
    if "年" in chunk:
        taken = [(d.start, d.end) for d in found]
        found += [d for d in cn_dates(chunk, start)
                  if not any(d.start < te and ts < d.end for ts, te in taken)]
    return sorted(found, key=lambda d: d.start)


# ---------------------------------------------------------------- history clauses

#: kind of a history clause, by the verb it uses; checked in this order (修订通过 is a
#: revision, 批准的《…决定》修正 an amendment).  Quoted titles are not read for verbs.
_KINDS = (
    ("revised", re.compile(r"修订")),
    ("amended", re.compile(r"修正|修改|修正案")),
    ("published", re.compile(r"公布|发布|颁布|印发")),
    ("adopted", re.compile(r"批准")),
    ("adopted", re.compile(r"通过")),
    ("in_force", re.compile(r"施行|生效|实施")),
)
_PUBLISHES = re.compile(r"公布|发布|颁布|印发")
_IN_FORCE_WORD = re.compile(r"施行|生效")
_ORDER = re.compile(r"(?P<num>[^\s，,。；《》]{0,40}?(?:令|公告)\s*[\[〔(（]?\s*(?:\d{4})?\s*[\]〕)）]?\s*"
                    r"第\s*[\d一二三四五六七八九十百零〇]+\s*号|[^\s，,。；《》]{0,40}?第\s*\d+\s*号令)")
_VERB_START = re.compile(r"通过|批准|公布|发布|颁布|印发|修订|修正|修改|施行|生效|实施|根据|审议|决定|"
                         r"令|公告|[《〈]|的$")
_QUOTED = re.compile(r"《[^《》]*》|〈[^〈〉]*〉")
_MEETING = re.compile(r"(?:第[一二三四五六七八九十百\d]+届)?.*?(?:会议|常务会议|部务会议|局务会议|委务会议|办公会议)")


@dataclass
class _Clause:
    kind: str
    date: dates_mod.DateMention
    span: Span
    text: str
    approval: bool = False  # 批准: a higher legislature approves a lower one's regulation
    extra: list[str] = field(default_factory=list)  # 公布施行: published and in force


def history_clauses(text: str, start: int, end: int) -> list[_Clause]:
    """Each dated step of a legislative history between ``start`` and ``end``: a clause runs
    from its date to the next date (or the end), ``根据`` before the next date excluded."""
    ds = [d for d in all_dates(text, start, end) if not _inside_quotes(text, start, d.start)]
    out = []
    for i, d in enumerate(ds):
        ce = ds[i + 1].start if i + 1 < len(ds) else end
        raw = text[d.start:ce]
        raw = re.sub(r"[\s，,、；;。）)]*(?:根据)?[\s（(]*$", "", raw)
        # a clause is one line of a history unless the history is one parenthesised block
        nl = raw.find("\n")
        while nl >= 0 and not _VERB_START.search(raw[:nl]):
            nl = raw.find("\n", nl + 1)
        plain = _QUOTED.sub(lambda m: "《》" + ("修正案" if "修正案" in m.group(0) else ""), raw)
        kind = next((k for k, rx in _KINDS if rx.search(plain[len(d.text):])), None)
        if kind is None and not plain[len(d.text):].strip(" \t\u3000\n"):
            kind = "published"  # a date alone on its line under the title: the date of issue
        if kind is None:
            continue
        c = _Clause(kind, d, Span(d.start, d.start + len(raw)), raw)
        c.approval = kind == "adopted" and "批准" in plain and "通过" not in plain
        if kind in ("revised", "amended") and _PUBLISHES.search(plain):
            c.extra.append("published")
        if kind != "in_force" and _IN_FORCE_WORD.search(plain[len(d.text):]):
            c.extra.append("in_force")
        out.append(c)
    return out


def _inside_quotes(text: str, lo: int, at: int) -> bool:
    before = text[lo:at]
    return before.count("《") > before.count("》")


def _body_of(env: C.Env, c: _Clause) -> tuple[Mention | None, str, str | None]:
    """The acting body of a clause (resolved through the registry when possible), the body
    as printed and the order or announcement number."""
    text = env.src.text
    s = c.date.end
    rest = c.text[len(c.date.text):]
    number = None
    om = _ORDER.search(rest)
    if om:
        number = re.sub(r"\s+", "", env.src.raw[s + om.start("num"):s + om.end("num")]).lstrip("经")
    vm = _VERB_START.search(rest)
    cut = vm.start() if vm else len(rest)
    if om and om.start() < cut:
        cut = om.start()
        # the body is the order's issuer: 中华人民共和国国务院令第706号 -> 中华人民共和国国务院
        issuer = re.sub(r"(?:令|公告)\s*[\[〔(（]?.*$|第\s*\d+\s*号令$", "", om.group("num"))
        body_text = issuer
        bs = s + om.start("num")
        be = bs + len(issuer)
    else:
        body_text = rest[:cut]
        bs, be = s, s + cut
    lead = len(body_text) - len(body_text.lstrip(" \t\n：:，,经由"))
    body_text = body_text.strip(" \t\n：:，,的").lstrip("经由")
    bs += lead
    be = bs + len(body_text)
    body_text = env.src.raw[bs:be].strip() if body_text else ""
    found = env.bodies.agencies(text, bs, be, None) if body_text else []
    if not found:  # 《国务院关于修改……的决定》修订: the decision's issuer acted
        q = re.search(r"《[^《》]*》", rest)
        if q:
            qs = s + q.start()
            found = [m for m in env.bodies.agencies(text, qs, qs + len(q.group(0)), None)
                     if m.span.start <= qs + 8]
            if found and not body_text:
                body_text = found[0].surface
    resolved = [m for m in found if m.target is not None]
    if not resolved and body_text and env.bodies.derive:
        # a body no registry lists, named by place and function: 某省第十二届人民代表大会常务
        # 委员会第二十七次会议 is that province's standing committee (the term and the
        # session are not part of the body's name)
        got = env.bodies.resolver.resolve(_SESSION.sub("", body_text), Span(bs, be), None,
                                          body_text)
        if got is not None:
            resolved = [got] if got.target is not None else []
            found = found or [got]
    body = (resolved or found or [None])[0]
    if body is not None:
        body = body.copy()
        body.passage = c.span
    return body, body_text, number


#: The term and the session of a legislature, which the body's name does not include.
_SESSION = re.compile(r"第[一二三四五六七八九十百零〇\d]+(?:届|次(?:全体)?会议|次常务会议|次会议)|"
                      r"(?<=委员会)(?:全体)?会议$|(?<=人民政府)常务会议$")


# ---------------------------------------------------------------- legal level

_LEVEL_LABEL = {
    "constitution": "宪法", "law": "法律", "administrative-regulation": "行政法规",
    "departmental-rule": "部门规章", "local-regulation": "地方性法规",
    "sez-regulation": "经济特区法规", "autonomous-regulation": "自治条例和单行条例",
    "local-government-rule": "地方政府规章", "judicial-interpretation": "司法解释",
    "normative-document": "规范性文件",
}
_PLACE = r"(?:省|市|自治区|自治州|州|县|自治县|区|盟|旗)"
_LOCAL_CONGRESS = re.compile(_PLACE + r"(?:第[一二三四五六七八九十百\d]+届)?人民代表大会")
_AUTONOMOUS_CONGRESS = re.compile(r"自治(?:州|县|旗)(?:第[一二三四五六七八九十百\d]+届)?人民代表大会(?!常务委员会)")
_LOCAL_GOVERNMENT = re.compile(_PLACE + r"人民政府")
_STATE_COUNCIL = re.compile(r"国务院|政务院")
_NATIONAL_CONGRESS = re.compile(r"全国人民代表大会|全国人大")
_COURTS = re.compile(r"最高人民法院|最高人民检察院")
_MINISTRY = re.compile(r"(?:部|委员会|委|局|总局|署|总署|银行|办公厅|中心)(?:\s*[、和])?"
                       r"(?:令|第\s*\d+\s*号令|部务会议|委务会议|局务会议|署务会议|办公会议|主任会议|$)|"
                       r"(?:部|委员会|局|总局|署)\S{0,6}(?:发布|公布|印发)")
_NATIONAL_TITLE_LAW = re.compile(r"^(?:中华人民共和国)?\S*法(?:[(（][^()（）]*[)）])?$")


def level_of(title: str, events: list[HistoryEvent], approvals: set[int],
             local_title: bool = False) -> tuple[str, str, str] | None:
    """(key, surface, how) of a document's legal level.

    The title decides for the Constitution; otherwise the body that adopted (else
    published) the text and the form of promulgation: the NPC or its Standing Committee
    make laws, the State Council administrative regulations (its order or its executive
    meeting), a ministry's order a departmental rule, a local people's congress a local
    regulation (a special economic zone's, or an autonomous area's 自治条例/单行条例, when the
    title says so), a local government's order a local government rule, the Supreme Court or
    Procuratorate a judicial interpretation.  A text without a history is judged by its title
    as Chinese legislation names its forms: 法 for laws, 条例 for national regulations."""
    core = re.sub(r"^中华人民共和国", "", title.strip())
    core = re.sub(r"[(（][^()（）]*[)）]$", "", core)
    if core.startswith("宪法"):
        return "constitution", title, "title"
    # the highest body that adopted, approved or published the text decides: a text the
    # State Council approved and a ministry published is an administrative regulation
    said_all = [((e.body_text or "") + " " + (e.number or "")).strip() for e in events
                if e.kind != "in_force"]
    said_all = [s for s in said_all if s]
    own = [((e.body_text or "") + " " + (e.number or "")).strip() for e in events
           if e.kind in ("adopted", "revised", "published") and id(e) not in approvals]
    own = [s for s in own if s] or said_all
    # the title may name the issuer: 国务院关于…的规定, 某省人民代表大会常务委员会关于…的决定
    issuer_in_title = re.match(r"^(?P<who>\S{2,40}?)关于", core)
    if issuer_in_title:
        said_all.append(issuer_in_title.group("who"))
    for rx, key in ((_NATIONAL_CONGRESS, "law"), (_STATE_COUNCIL, "administrative-regulation"),
                    (_COURTS, "judicial-interpretation")):
        hit = next((s for s in said_all if rx.search(s)), None)
        if hit:
            return key, hit, "acting body"
    for said in own + said_all:
        if _LOCAL_CONGRESS.search(said):
            if "经济特区" in title:
                return "sez-regulation", said, "acting body and title"
            if re.search(r"自治条例|单行条例", title) or _AUTONOMOUS_CONGRESS.search(said):
                return "autonomous-regulation", said, "acting body and title"
            return "local-regulation", said, "acting body"
        if _LOCAL_GOVERNMENT.search(said):
            return "local-government-rule", said, "acting body"
        if _MINISTRY.search(said):
            return "departmental-rule", said, "acting body"
    # no history that names a body: the title's form
    if _NATIONAL_TITLE_LAW.match(core) and not core.endswith("办法"):
        return "law", title, "title (法)"
    local = local_title or re.match(r"^\S{2,12}?" + _PLACE, core)
    if local and re.search(r"(?:条例|规定|办法|细则|规则)$", core):
        if "经济特区" in core:
            return "sez-regulation", title, "title (经济特区)"
        return "local-regulation", title, "title (place)"
    if core.endswith("条例"):
        return "administrative-regulation", title, "title (条例)"
    if re.search(r"(?:规定|办法|细则|规则|规范|标准)$", core):
        return "departmental-rule", title, "title (规定/办法)"
    if re.search(r"(?:通知|意见|决定|方案|规划|纲要|批复|函)$", core):
        return "normative-document", title, "title"
    return None


# ---------------------------------------------------------------- the genre


class StatuteZh:
    name = "statute_zh"
    description = ("Chinese legal originals: title, legislative history (通过/公布/修正/修订/施行), "
                   "编章节 and 第N条 articles with paragraphs and items, or 一、 points of an amendment")

    def detect(self, src: SourceText) -> float:
        text = src.text
        cjk, latin = src.script_counts(30000)
        if cjk < 20 or cjk < 3 * latin:
            return 0.0
        lines = src.lines()
        arts = set()
        points = 0
        for ln in lines:
            t = ln.text
            if not t.startswith(("第", " ", "\t", "　")) and not POINT_ZH.match(t):
                continue
            m = ARTICLE_ZH_SUB.match(t)
            if m:
                arts.add((m.group("n"), m.group("sub")))
            elif POINT_ZH.match(t):
                points += 1
        head = lines[:40]
        history = [c for ln in head for c in history_clauses(text, ln.start, ln.end)]
        enacted = any(c.kind != "published" or re.search(r"公布|发布|颁布", c.text) for c in history)
        if len(arts) >= 3:
            return 1.0
        if enacted and (arts or points >= 2):
            return 1.0  # an amendment or a decision: numbered points under a legislative history
        titled = bool(lines) and bool(_TITLE_MD.match(lines[0].text))
        items = sum(1 for ln in lines if ITEM.match(ln.text))
        if (history or titled) and (arts or points >= 2 or items >= 2):
            return 0.5
        if history and titled:
            return 0.3  # a Chinese original without numbered provisions: its paragraphs are
        return 0.0

    def extract(self, env: C.Env) -> Extraction:
        return _Reader(env).run()


@dataclass
class _Open:
    """The provision being filled while the lines are read."""

    article: Provision | None = None
    paragraph_lines: list[list[Line]] = field(default_factory=list)  # per paragraph
    items: list[list[tuple[Line, re.Match | None]]] = field(default_factory=list)  # per paragraph
    first_body: int = 0


class _Reader:
    def __init__(self, env: C.Env):
        self.env = env
        self.src = env.src
        self.text = env.src.text
        self.out = Extraction()
        self.doc = Document(key="", genre=StatuteZh.name)
        self.lines = self.src.lines()
        self.approvals: set[int] = set()

    # ------------------------------------------------------------ driver

    def run(self) -> Extraction:
        env, doc, out = self.env, self.doc, self.out
        body_from = self._header()
        self._history()
        self._level()
        if doc.titles:
            doc.doctype = C.doctype_of(str(doc.titles[0].value), env.linker)
            doc.regions = C.title_regions(env, doc.titles[0])
        self.ctx = C.context_for(env, doc)
        self._body(body_from)
        self._dates()
        doc.therapies = self._topics()
        doc.key = self._key()
        out.documents.append(doc)
        repealed = self._repeals()
        out.documents.extend(repealed)
        out.documents.extend(self._relations(repealed))
        out.documents.extend(C.cited_documents(env, 0, len(self.text), out.documents))
        return out

    def _topics(self) -> list[Mention]:
        """What the whole document is about: the therapy-scheme concepts its title names, and
        those that at least three of its articles name (half of them in a text of fewer than
        six). A law that mentions stem-cell donation in one of a hundred articles is not a
        stem-cell law; its article still is about stem cells (provision level)."""
        env, doc = self.env, self.doc
        found = list(C.therapy_mentions(env, doc.titles[0].spans[0].start, doc.titles[0].spans[0].end,
                                        self.ctx)) if doc.titles and doc.titles[0].spans else []
        units = [a for a, _ in self.articles]
        need = 3 if len(units) >= 6 else max(1, (len(units) + 1) // 2)
        by_concept: dict = {}
        for u in units:
            for t in C.dedupe([m for p in u.walk() for m in p.therapies]):
                by_concept.setdefault(t.target, []).append(t)
        for ms in by_concept.values():
            if len(ms) >= need:
                found.append(ms[0])
        return C.dedupe(found)

    # ------------------------------------------------------------ header: title, history

    def _header(self) -> int:
        """Classify the lines above the body; returns the offset where the body starts."""
        lines, text = self.lines, self.text
        end_marker = next((i for i, ln in enumerate(lines) if _HEADER_END.match(ln.text)), None)
        first_marker = next((i for i, ln in enumerate(lines) if self._structural(ln.text)), None)
        if end_marker is not None and (first_marker is None or end_marker < first_marker
                                       or self._history_line(lines[first_marker])):
            header_end = end_marker + 1
        elif first_marker is not None:
            header_end = first_marker
        else:  # neither: the header is the title and the history lines at the top
            header_end = 0
            for i, ln in enumerate(lines):
                if not ln.text.strip() or i == header_end and (_TITLE_MD.match(ln.text) or
                                                               self._history_line(ln) or i == 0):
                    header_end = i + 1
                    continue
                break
        self.header_lines = lines[:header_end]
        # title: the "# " lines at the top, else the first heading-like line without a date
        title_lines: list[Line] = []
        for ln in self.header_lines:
            if not ln.text.strip() or _COMMENT.match(ln.text):
                if title_lines:
                    continue
                continue
            m = _TITLE_MD.match(ln.text)
            if m and not self._history_line(ln):
                title_lines.append(ln)
                continue
            if title_lines:
                break
            if C.is_heading_like(ln.text, 200) and not self._history_line(ln) \
                    and not ln.text.lstrip().startswith(("(", "（")):
                title_lines.append(ln)
            break
        if not title_lines:
            first = next((ln for ln in lines if ln.text.strip() and not _COMMENT.match(ln.text)), None)
            if first is not None:
                self.env.warn(first.start, "no title line found above the articles; the first "
                                           "line is taken as the title")
                title_lines = [first]
        if title_lines:
            parts, spans = [], []
            for ln in title_lines:
                m = _TITLE_MD.match(ln.text)
                s = ln.start + (m.start("t") if m else 0)
                sp = C.trimmed(self.src, s, ln.end)
                parts.append(self.src.raw[sp.start:sp.end].strip().rstrip("#").strip())
                spans.append(sp)
                self.out.segments.append(Segment("header", Span(ln.start, ln.end)))
            title = " ".join(p for p in parts if p)
            self.doc.titles.append(Value(title, spans, "zh" if C._is_zh(title) else "en"))
            self.doc.spans.extend(spans)
            self.doc.line = title_lines[0].number
        self.title_end = title_lines[-1].end if title_lines else 0
        for ln in self.header_lines:
            if ln.text.strip() and ln.start >= self.title_end:
                self.out.segments.append(Segment("header", Span(ln.start, ln.end)))
        num = C.doc_number(text, self.title_end, self.header_lines[-1].end if self.header_lines else 0)
        if num:
            self.doc.number = num
        if header_end < len(lines):
            return lines[header_end].start
        return len(text)

    def _structural(self, t: str) -> bool:
        if ARTICLE_ZH_SUB.match(t):
            return True
        return any(rx.match(t) and self._heading_ok(rx.match(t)) for _, rx in _HEADING_PATTERNS)

    @staticmethod
    def _heading_ok(m: re.Match) -> bool:
        title = m.group("t").strip()
        return zh_number(m.group("n")) is not None and len(title) <= 60 and not _ZH_TERMINAL.search(title)

    def _history_line(self, ln: Line) -> bool:
        return bool(history_clauses(self.text, ln.start, ln.end))

    def _history(self) -> None:
        if not self.header_lines:
            return
        s = self.title_end
        e = self.header_lines[-1].end
        for c in history_clauses(self.text, s, e):
            if c.date.problem:
                self.doc.odd_dates.append((Span(c.date.start, c.date.end), c.date.problem))
            body, body_text, number = _body_of(self.env, c)
            for kind in [c.kind] + c.extra:
                ev = HistoryEvent(kind, c.date.value, c.span, body if kind == c.kind else None,
                                  body_text if kind == c.kind else "", number,
                                  c.date.problem)
                if kind != c.kind and kind == "published":
                    ev.body, ev.body_text = body, body_text
                if c.approval and kind == "adopted":
                    self.approvals.add(id(ev))
                self.doc.events.append(ev)
        # issuers: the body of the adoption (the approving legislature is not the author),
        # else of the publication
        adoption = [e for e in self.doc.events if e.kind in ("adopted", "revised")
                    and id(e) not in self.approvals and e.body is not None and e.body.target]
        published = [e for e in self.doc.events if e.kind == "published" and e.body is not None
                     and e.body.target]
        src_ev = (adoption or published or [None])[-1]
        if src_ev is not None:
            self.doc.issuers = [src_ev.body]

    def _level(self) -> None:
        title = self.doc.title("zh") or self.doc.title("en") or ""
        regions = C.title_regions(self.env, self.doc.titles[0]) if self.doc.titles else []
        roots = self.env.registry.top_regions
        local_title = any(m.target not in roots and m.span.start - self.doc.titles[0].spans[0].start <= 2
                          for m in regions) if regions and self.doc.titles[0].spans else False
        found = level_of(title, self.doc.events, self.approvals, local_title)
        if found is None:
            return
        key, surface, how = found
        iri = ns.concept("legal-" + key, self.env.registry.base)
        ev = next((e for e in self.doc.events if surface.startswith(e.body_text or "\0")), None)
        span = ev.span if ev is not None else (self.doc.titles[0].spans[0] if self.doc.titles
                                               and self.doc.titles[0].spans else Span(0, 0))
        self.doc.legal_level = Mention("legallevel", span, surface or _LEVEL_LABEL[key], iri,
                                       "legal-" + key, how)

    # ------------------------------------------------------------ body: structure

    def _body(self, start: int) -> None:
        env, src, text = self.env, self.src, self.text
        body = [ln for ln in self.lines if ln.start >= start]
        has_articles = any(ARTICLE_ZH_SUB.match(ln.text) for ln in body)
        # without articles, the numbered points (一、) are the units; without those, items
        unit = "article" if has_articles else "point" if any(_point(ln.text, "point") for ln in body) \
            else "item" if any(_point(ln.text, "item") for ln in body) else "paragraph"
        stack: dict[str, Provision | None] = {k: None for k in _LEVELS}
        heads: list[tuple[Provision, Line]] = []
        self.articles: list[tuple[Provision, Line]] = []
        top: list[Provision] = []
        cur = _Open()
        seen_article = False
        loose = "preamble"  # what text outside an article is: before the first, after a heading
        prev_text = ""

        def close():
            nonlocal cur
            if cur.article is not None:
                self._finish_article(cur)
            cur = _Open()

        for ln in body:
            t = ln.text
            if not t.strip():
                continue
            if _COMMENT.match(t):
                self.out.segments.append(Segment("header", Span(ln.start, ln.end)))
                continue
            kind, m = self._heading(t)
            if kind is not None:
                close()
                p = Provision(kind, str(zh_number(m.group("n"))), self._printed(ln, m), Span(ln.start, ln.end),
                              line=ln.number)
                title = m.group("t").strip()
                if title:
                    ts = ln.start + m.start("t")
                    p.title = Value(re.sub(r"\s+", "", src.raw[ts:ts + len(m.group("t"))].strip()),
                                    [C.trimmed(src, ts, ln.end)], "zh")
                level = _LEVELS.index(kind)
                parent = next((stack[k] for k in reversed(_LEVELS[:level]) if stack[k] is not None), None)
                (parent.children if parent is not None else top).append(p)
                stack[kind] = p
                for k in _LEVELS[level + 1:]:
                    stack[k] = None
                heads.append((p, ln))
                self.out.segments.append(Segment("header", Span(ln.start, ln.end)))
                loose = "commentary" if seen_article else "preamble"
                prev_text = ""
                continue
            am = ARTICLE_ZH_SUB.match(t) if has_articles else _point(t, unit)
            if am is not None and not (not has_articles and cur.article is not None
                                       and not _ZH_TERMINAL.search(prev_text) and prev_text):
                close()
                n = zh_number(am.group("n")) if unit != "paragraph" else len(self.articles) + 1
                if n is None:
                    n = 0
                sub = am.groupdict().get("sub")
                number = f"{n}-{zh_number(sub)}" if sub else str(n)
                printed = src.raw[ln.start:ln.start + am.end()].strip().lstrip("#").strip(" \t:：、.．")
                # 一、 points of an amendment or a decision are not articles (条): measures
                # a text with no numbering at all: each paragraph is a provision of its own
                art = Provision({"article": "article", "paragraph": "paragraph"}.get(unit, "measure"), number, printed,
                                Span(ln.start, ln.end), line=ln.number)
                parent = next((stack[k] for k in reversed(_LEVELS) if stack[k] is not None), None)
                (parent.children if parent is not None else top).append(art)
                self.articles.append((art, ln))
                cur.article = art
                cur.first_body = ln.start + am.end()
                rest = t[am.end():].strip()
                if t.lstrip().startswith("#") and rest:  # ## 一、关于…: a headed point
                    ts = ln.start + am.end()
                    art.title = Value(src.raw[ts:ln.end].strip(), [C.trimmed(src, ts, ln.end)], "zh")
                    rest = ""
                cur.paragraph_lines.append([ln] if rest else [])
                cur.items.append([])
                seen_article = True
                prev_text = t
                continue
            hm = MD_HEADING.match(t)
            if hm and am is None:  # a heading without a number (附则, 附件, 序言) ends the article
                close()
                self.out.segments.append(Segment("header", Span(ln.start, ln.end)))
                loose = "commentary" if seen_article else "preamble"
                prev_text = ""
                continue
            if cur.article is None:
                self.out.segments.append(Segment(loose, Span(ln.start, ln.end)))
                prev_text = t
                continue
            im = ITEM.match(t)
            wrapped = prev_text and not _ZH_TERMINAL.search(prev_text) and not C.is_heading_like(prev_text, 12)
            if im is not None and zh_number_item(im.group("n")) is not None:
                if not cur.paragraph_lines[-1] and not cur.items[-1]:
                    pass  # the article's first paragraph is its items
                cur.items[-1].append((ln, im))
            elif wrapped or (cur.items[-1] and re.match(r"^\s*\d{1,2}\s*[.、．]", t)):
                # a hard-wrapped line, or a sub-list of an item, continues what precedes
                if cur.items[-1]:
                    cur.items[-1].append((ln, None))
                else:
                    cur.paragraph_lines[-1].append(ln)
            elif not cur.paragraph_lines[-1] and not cur.items[-1]:
                cur.paragraph_lines[-1].append(ln)  # "第五条" alone on its line
            else:
                cur.paragraph_lines.append([ln])
                cur.items.append([])
            prev_text = t
        close()
        # spans of parts, chapters, sections: up to the next heading of the same or a higher level
        for i, (p, ln) in enumerate(heads):
            lvl = _LEVELS.index(p.kind)
            nxt = next((h.start for q, h in heads[i + 1:] if _LEVELS.index(q.kind) <= lvl), None)
            end = nxt if nxt is not None else len(text)
            last = max([a.span.end for a in p.walk() if a.kind == "article"], default=ln.end)
            p.span = C.trimmed(src, ln.start, min(end, max(last, ln.end)))
        self.doc.provisions = top
        self._anomalies(heads)
        if not self.articles:
            env.warn(start, "no 第N条 articles or 一、 points found in the body")
        for art, _ in self.articles:
            C.enrich(env, art, self.ctx, self.doc)
        for sp in self._provision_segments():
            self.out.segments.append(Segment("provision", sp))

    def _heading(self, t: str) -> tuple[str | None, re.Match | None]:
        for kind, rx in _HEADING_PATTERNS:
            m = rx.match(t)
            if m and self._heading_ok(m):
                return kind, m
        return None, None

    def _printed(self, ln: Line, m: re.Match) -> str:
        raw = self.src.raw[ln.start:ln.start + m.start("t")]
        return raw.strip().lstrip("#").strip()

    def _finish_article(self, cur: _Open) -> None:
        """Paragraphs (only when there are two or more) and items of one article."""
        src = self.src
        art = cur.article
        assert art is not None
        last_line = None
        for pl, it in zip(cur.paragraph_lines, cur.items):
            for ln in pl + [x for x, _ in it]:
                if last_line is None or ln.end > last_line.end:
                    last_line = ln
        if last_line is not None:
            art.span = C.trimmed(src, art.span.start, last_line.end)
        paragraphs: list[Provision] = []
        for i, (pl, it) in enumerate(zip(cur.paragraph_lines, cur.items)):
            lines = pl + [x for x, _ in it]
            if not lines:
                continue
            s = cur.first_body if i == 0 else lines[0].start
            e = max(ln.end for ln in lines)
            para = Provision("paragraph", str(len(paragraphs) + 1), "", C.trimmed(src, s, e),
                             line=lines[0].number)
            para.children = self._items(it)
            paragraphs.append(para)
        if len(paragraphs) >= 2:
            art.children = paragraphs
        elif paragraphs:
            art.children = paragraphs[0].children

    def _items(self, it: list[tuple[Line, re.Match | None]]) -> list[Provision]:
        src = self.src
        items: list[Provision] = []
        for ln, m in it:
            if m is None:
                if items:
                    items[-1].span = Span(items[-1].span.start, max(items[-1].span.end, ln.end))
                continue
            n = zh_number_item(m.group("n"))
            printed = src.raw[ln.start:ln.start + m.end()].strip()
            items.append(Provision("item", str(n), printed, C.trimmed(src, ln.start, ln.end),
                                   line=ln.number))
        return items

    def _anomalies(self, heads) -> None:
        nums, lines = [], []
        for art, ln in self.articles:
            if "-" in art.number:
                continue  # 第十条之一 follows 第十条 by design
            nums.append(int(art.number))
            lines.append(ln.number)
        found = [dict(a, about="article") for a in anomalies_of(nums, "article", lines)]
        # chapters restart in each part, sections in each chapter
        groups: dict[tuple[str, int], list[tuple[int, int]]] = {}
        parent_of: dict[int, int] = {}
        for p in self.doc.all_provisions():
            for c in p.children:
                parent_of[id(c)] = id(p)
        for p, ln in heads:
            groups.setdefault((p.kind, parent_of.get(id(p), 0)), []).append((int(p.number), ln.number))
        for (kind, _), seq in groups.items():
            found += [dict(a, about=kind) for a in anomalies_of([n for n, _ in seq], kind,
                                                                  [li for _, li in seq])]
        seen: dict[str, int] = {}
        for art, ln in self.articles:
            if art.number in seen:
                self.env.warn(ln.start, f"article {art.number} printed again (also on line "
                                        f"{seen[art.number]})")
            seen.setdefault(art.number, ln.number)
        for a in found:
            if a["kind"] in ("gap", "out-of-order", "not-starting-at-1", "duplicate"):
                self.env.warn(self.src.line_starts[a["line"] - 1] if a.get("line") else None,
                              f"numbering: {a['message']}")
        self.doc.anomalies.extend(found)

    def _provision_segments(self) -> list[Span]:
        return [a.span for a, _ in self.articles]

    # ------------------------------------------------------------ dates

    def _dates(self) -> None:
        doc = self.doc
        evs = [e for e in doc.events if e.date is not None]
        published = [e for e in evs if e.kind == "published"]
        made = [e for e in evs if e.kind in ("adopted", "revised", "amended")]
        own = [e for e in made if id(e) not in self.approvals]
        # the latest step that gives the text as it now reads: a 公布 line, or an adoption,
        # revision or amendment after it (an amending decision republishes the text; a local
        # regulation is published the day it is adopted or approved)
        steps = published + made
        pub = max(steps, key=lambda e: (e.date, e.kind == "published")) if steps else None
        named = self._name_date(evs)
        if named is not None:
            # the collection dates this version later than anything the text prints: the
            # text's history is incomplete (an amending decision it does not list, a local
            # regulation announced after its approval)
            C.add_date(doc, DocDate("publication", named, [], self._name_note(named, evs)))
        elif pub is not None:
            self._add("publication", pub, "latest 公布/发布 line of the history" if pub.kind == "published"
                      else f"no later 公布 line: published when last {pub.kind}")
        version = [e for e in own if e.kind in ("adopted", "revised", "amended")]
        if version:
            self._add("document", max(version, key=lambda e: e.date), "adoption of this version")
        elif pub is not None:
            self._add("document", pub, "publication")
        in_force = [e for e in evs if e.kind == "in_force"]
        stated = max(in_force, key=lambda e: e.date) if in_force else None
        note = "latest 施行 line of the history"
        if stated is None:
            stated = self._in_force_from_articles(named or (pub.date if pub else None))
            if stated is not None:
                doc.events.append(stated)
                note = f"stated in the article on line {self.src.line_of(stated.span.start)}"
        changed = [e for e in own if e.kind in ("amended", "revised")]
        last = max(changed, key=lambda e: e.date) if changed else None
        if named is not None and evs and (stated is None or stated.date < named):
            # a later version than the text's history shows: like a printed amendment, it
            # takes effect when published unless it says otherwise (the text does not)
            C.add_date(doc, DocDate("in_force", named, [],
                                    f"in force as published on {named} (file name); the text's own "
                                    f"date ({stated.date if stated else 'none'}) is an earlier version's"))
        elif last is not None and (stated is None or stated.date < last.date) and \
                (stated is not None or last.kind == "amended"):
            # the stated date is the first version's: an amending decision takes effect when
            # it is adopted and published, unless it says otherwise
            self._add("in_force", last, f"in force as {last.kind} on {last.date}; the text's own "
                                        f"date ({stated.date if stated else 'none'}) is an earlier version's")
        elif stated is not None:
            C.add_date(doc, DocDate("in_force", stated.date, [stated.span], note))

    def _name_date(self, evs: list[HistoryEvent]) -> dt.date | None:
        """The date in the file's name (:func:`source.name_date`) when it is on or after every
        date of the text's history: the date of the version the file holds."""
        named = name_date(self.src.rel or self.src.path.name)
        if named is None or any(e.date > named for e in evs):
            return None
        if any(e.date == named and e.kind in ("published", "adopted", "revised", "amended") for e in evs):
            return None  # the text prints it: read from the text, with its passage
        return named

    def _name_note(self, named: dt.date, evs: list[HistoryEvent]) -> str:
        latest = max((e.date for e in evs), default=None)
        return (f"from the file name ({self.src.rel or self.src.path.name}): the date of the version it "
                f"holds; " + (f"the text's own history ends on {latest}" if latest
                              else "the text prints no history"))

    def _add(self, kind: str, ev: HistoryEvent, note: str) -> None:
        C.add_date(self.doc, DocDate(kind, ev.date, [ev.span], note))

    def _in_force_from_articles(self, published: dt.date | None) -> HistoryEvent | None:
        """本条例自2019年7月1日起施行 / 自公布之日起施行 / 自…起生效, in the last article
        that says so."""
        text = self.text
        for art, _ in reversed(self.articles):
            seg = text[art.span.start:art.span.end]
            if not re.search(r"施行|生效|实施", seg):
                continue
            for sm in re.finditer(r"[^。；\n]*?自(?P<when>[^。；\n]{1,40}?)起?(?:施行|生效|实施)", seg):
                when = sm.group("when")
                s = art.span.start + sm.start()
                span = Span(s, art.span.start + sm.end())
                ds = [d for d in all_dates(text, art.span.start + sm.start("when"),
                                           art.span.start + sm.end("when"))
                      if d.value and d.precision == "day"]
                if ds:
                    return HistoryEvent("in_force", ds[0].value, span)
                if re.search(r"(?:公布|发布|颁布|印发)之日", when) and published is not None:
                    return HistoryEvent("in_force", published, span)
        return None

    # ------------------------------------------------------------ key, repeals

    def _key(self) -> str:
        title = self.doc.title("zh") or self.doc.title("en") or ""
        norm = re.sub(r"\s+", "", title)
        h = hashlib.sha256(norm.encode("utf-8")).hexdigest()[:8]
        dated = [e.date for e in self.doc.events if e.date is not None
                 and e.span.start < (self.header_lines[-1].end if self.header_lines else 0)]
        dated += [d.value for d in self.doc.dates if d.kind == "publication" and not d.spans and d.value]
        if dated:
            return f"x-zh-{h}-{max(dated).isoformat()}"
        return f"x-zh-{h}-{self.src.key}"

    def _repeals(self) -> list[Document]:
        """``《X》同时废止`` / ``…发布的《X》和《Y》同时废止``: the documents this one repeals."""
        text, src = self.text, self.src
        out: dict[str, Document] = {}
        for art, _ in self.articles:
            s0, e0 = art.span.start, art.span.end
            for wm in re.finditer(r"废止", text[s0:e0]):
                at = s0 + wm.start()
                # the sentence that says so
                ss = max(text.rfind(ch, s0, at) for ch in "。；\n")
                ss = max(ss + 1, s0)
                # 本条例自2015年5月1日起施行。《X》同时废止: the repeal takes effect that day
                starts = [d.value for d in all_dates(text, s0, at)
                          if d.value is not None and re.match(r"\s*(?:起)?(?:施行|生效)", text[d.end:d.end + 6])]
                when = starts[-1] if starts else None
                for q in re.finditer(r"《(?P<t>[^《》\n]{2,120})》", text[ss:at]):
                    qs, qe = ss + q.start("t"), ss + q.end("t")
                    title = src.raw[qs:qe].strip()
                    key = re.sub(r"\s+", "", title)
                    if key in out:
                        out[key].spans.append(Span(qs, qe))
                        continue
                    d = Document(key="", titles=[Value(title, [Span(qs, qe)], "zh")], spans=[Span(qs, qe)],
                                 genre="cited", line=src.line_of(qs))
                    d.doctype = C.doctype_of(title, self.env.linker)
                    out[key] = d
                    self.doc.repeals.append(Citation(d, Span(ss, at + 2), when))
        return list(out.values())


    def _relations(self, known: list[Document]) -> list[Document]:
        """Relations to the documents the text names (docs/relations.md): the decision a
        history line names amends this document on that line's date (修正 / 修订 by
        《…关于修改〈X〉的决定》 or a 修正案); 根据 / 依据《X》…制定本… makes it based on X.
        Returns the documents named that no earlier step made (the text's copies of them)."""
        by_title = {re.sub(r"\s+", "", str(t.value)): d for d in known for t in d.titles}
        new: list[Document] = []

        def named(qs: int, qe: int) -> Document:
            title = self.src.raw[qs:qe].strip()
            key = re.sub(r"\s+", "", title)
            d = by_title.get(key)
            if d is None:
                d = Document(key="", titles=[Value(title, [Span(qs, qe)], "zh")], spans=[Span(qs, qe)],
                             genre="cited", line=self.src.line_of(qs))
                d.doctype = C.doctype_of(title, self.env.linker)
                by_title[key] = d
                new.append(d)
            elif Span(qs, qe) not in d.spans:
                d.spans.append(Span(qs, qe))
            return d

        text, doc = self.text, self.doc
        seen: set[tuple] = set()
        for ev in doc.events:
            if ev.kind not in ("amended", "revised"):
                continue
            for qs, qe in _top_titles(text, ev.span.start, ev.span.end):
                if not _AMENDING.search(re.sub(r"\s+", "", text[qs:qe])):
                    continue
                d = named(qs, qe)
                if (id(d), ev.date) not in seen:
                    seen.add((id(d), ev.date))
                    doc.relations.append(Relation("amends", d, ev.span, ev.date, incoming=True))
        for m in _BASED_ON.finditer(text):
            for qs, qe in _top_titles(text, m.start("q"), m.end("q")):
                if _ALIAS.search(text, max(0, qs - 7), qs - 1):
                    continue  # （以下简称《公司法》）: a short name, not another document
                d = named(qs, qe)
                if d.titles and re.sub(r"\s+", "", str(d.titles[0].value)) == re.sub(
                        r"\s+", "", doc.title("zh") or ""):
                    continue  # 根据本条例: not another document
                if ("based-on", id(d)) not in seen:
                    seen.add(("based-on", id(d)))
                    doc.relations.append(Relation("based-on", d, Span(m.start(), m.end())))
        return new


def _top_titles(text: str, start: int, end: int, longest: int = 400):
    """``(start, end)`` of each outermost 《…》 between ``start`` and ``end``: titles nest
    (《关于修改〈浙江省实施《…代表法》办法〉的决定》) and a history line may break inside one."""
    depth, open_at = 0, -1
    for i in range(start, end):
        ch = text[i]
        if ch == "《":
            if depth == 0:
                open_at = i
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0 and 2 <= i - open_at - 1 <= longest:
                yield open_at + 1, i
        elif depth and i - open_at > longest:
            depth = 0


#: a title that amends another, quoted on a 修正 / 修订 line: a decision (关于修改〈X〉的决定,
#: 关于取消……的决定) or an amendment (修正案)
_AMENDING = re.compile(r"修改|修正|决定$")
#: 根据 / 依据《X》（、《Y》 ……）…，结合本地实际，制定本条例: the documents it is made under
_BASED_ON = re.compile(r"(?:根据|依据|依照)(?P<q>[^。；\n《]{0,10}《[^。；\n]{2,400}?)制定本")
_ALIAS = re.compile(r"简称\s*$")


_MD_POINT = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*)?(?P<n>[一二三四五六七八九十百]{1,5})[、.．][ \t]*(?=\S)")


def _point(t: str, unit: str):
    """A unit of a text without articles: 一、 (possibly as a Markdown heading) or （一）; in a
    text with neither, any line that is not a heading."""
    if unit == "paragraph":
        return None if MD_HEADING.match(t) else _ANY_LINE.match(t)
    if unit == "item":
        m = ITEM.match(t)
        return m if m and zh_number_item(m.group("n")) is not None else None
    return _MD_POINT.match(t)


def zh_number_item(token: str) -> int | None:
    from ..structure import number_of
    return number_of(token)


_ANY_LINE = re.compile(r"^\s*(?P<n>)(?=\S)")

register(StatuteZh())
