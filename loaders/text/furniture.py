"""Page furniture: the lines of a web page that are not the policy text.

A text saved from a web page carries its page: breadcrumbs (``Home > News > Policies``),
section labels (``News``), share and print buttons, ``Source:`` and ``Editor:`` lines, bylines
(``By A | China Daily | Updated: 2024-11-21``), metadata fields (``Title:``, ``Document
Number:``, ``Effective Date:``), signature blocks (the issuing bodies and the date under a
notice) and closing links (``Read full article``).  None of them is a provision, whatever its
numbering, and the report's coverage classes them as what they are.

Every rule here is about how pages are built, not about any one site: a line is furniture
by its *form* (separators, field labels, a vocabulary of interface words, a date with no
sentence around it), never by its wording matching a known page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import dates as dates_mod
from .source import Line, SourceText

# ---------------------------------------------------------------- metadata fields

#: Field label -> what its value is.  ``title``, ``issuer``, ``number``: the document's;
#: ``document`` / ``publication`` / ``in_force``: its dates; ``page``: the page's own date
#: (a year for month-day dates, never a fact of the document); ``other``: furniture only.
FIELD_KINDS: dict[str, str] = {
    "title": "title", "document title": "title", "document name": "title", "name": "title",
    "issuing authority": "issuer", "issuing authorities": "issuer", "issuing body": "issuer",
    "issuing bodies": "issuer", "issuing agency": "issuer", "issuing department": "issuer",
    "issuing departments": "issuer", "issued by": "issuer", "promulgating entities": "issuer",
    "promulgating entity": "issuer", "promulgating authority": "issuer",
    "promulgating authorities": "issuer", "promulgating body": "issuer", "promulgated by": "issuer",
    "department": "issuer", "publisher": "issuer",
    "document number": "number", "document no": "number", "doc no": "number",
    "issue number": "number", "file number": "number", "reference number": "number",
    "date issued": "document", "issue date": "document", "issuing date": "document",
    "date of issue": "document", "issued on": "document", "promulgation date": "document",
    "date of promulgation": "document", "date promulgated": "document", "signed on": "document",
    "release date": "publication", "date released": "publication", "publication date": "publication",
    "date of publication": "publication", "published on": "publication",
    "effective date": "in_force", "date effective": "in_force", "effective from": "in_force",
    "implementation date": "in_force", "date of implementation": "in_force",
    "date of entry into force": "in_force", "entry into force": "in_force",
    "updated": "page", "last updated": "page", "last update": "page", "release time": "page",
    "posted": "page", "posted on": "page", "published": "page", "date": "page", "time": "page",
    "source": "other", "information source": "other", "author": "other", "editor": "other",
    "reporter": "other", "translator": "other", "translation credit": "other", "photo": "other",
    "level of authority": "other", "area of law": "other", "status": "other",
    "validity status": "other", "timeliness": "other", "category": "other", "subject": "other",
    "keywords": "other", "topic": "other", "index number": "other", "views": "other",
    "source (english)": "other", "source (chinese)": "other", "pdf (simplified chinese)": "other",
    "pdf (traditional chinese)": "other", "effective": "other", "language": "other",
    "来源": "other", "发布时间": "page", "发布日期": "publication", "成文日期": "document",
    "文号": "number", "发文字号": "number", "发文机关": "issuer", "标题": "title",
    "实施日期": "in_force", "施行日期": "in_force", "作者": "other", "编辑": "other",
}
_LABELS = sorted(FIELD_KINDS, key=len, reverse=True)
_FIELD = re.compile(
    r"^[ \t]*(?:[·•▪*-][ \t]*)?(?P<k>" + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in _LABELS) +
    r")\.?[ \t]*(?P<sep>[:：|]|(?=\d))?[ \t]*(?P<v>.*)$", re.I)


@dataclass
class Field:
    kind: str  # see FIELD_KINDS
    label: str
    line: Line
    value_start: int
    value_end: int

    @property
    def value(self) -> str:
        return self.line.text[self.value_start - self.line.start:self.value_end - self.line.start]


def field_of(ln: Line, lines: list[Line], i: int) -> Field | None:
    """``Title: X``, ``Date Issued2023-04-18`` (glued to its value), ``Effective Date:`` with
    the value on the next line.  A label without a colon is a field only when a date or a
    number follows it at once, or when it stands alone on its line."""
    m = _FIELD.match(ln.text)
    if not m:
        return None
    label = re.sub(r"\s+", " ", m.group("k").lower())
    kind = FIELD_KINDS[label]
    value = m.group("v").strip()
    if not m.group("sep"):
        if value and not re.match(r"\d", value):
            return None  # "Title Plan for ...", "Status quo ...": prose, not a field
    if kind in ("title", "issuer") and value and len(value) > 300:
        return None
    if not value:  # the value on the next line (a table of two columns, read as lines)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is None or _FIELD.match(nxt.text) or len(nxt.text.strip()) > 200:
            return Field(kind, label, ln, ln.end, ln.end)
        s = nxt.start + len(nxt.text) - len(nxt.text.lstrip())
        return Field(kind, label, ln, s, nxt.start + len(nxt.text.rstrip()))
    s = ln.start + m.start("v")
    return Field(kind, label, ln, s, s + len(m.group("v").rstrip()))


# ---------------------------------------------------------------- interface lines

_UI_WORDS = {
    "share", "shares", "print", "close", "e-mail", "email", "mail", "bookmark", "and", "to",
    "wechat", "weibo", "facebook", "twitter", "linkedin", "whatsapp", "qq", "copy", "link",
    "font", "size", "large", "medium", "small", "a", "top", "back", "previous", "next", "more",
    "related", "articles", "article", "news", "stories", "subscribe", "newsletter", "our",
    "comment", "comments", "go", "forum", "download", "attachment", "attachments", "pdf",
    "home", "policies", "policy", "regulations", "laws", "english", "chinese", "中文", "en",
    "search", "menu", "login", "sign", "in", "up", "contact", "us", "about", "sitemap",
    "china", "world", "business", "society", "opinion", "sports", "culture", "photos", "video",
    "videos", "tech", "science", "life", "travel", "lifestyle", "markets", "economy", "press",
    "releases", "release", "updates", "update", "services", "service", "government", "latest",
    "the", "this", "page", "view", "full", "text", "original", "edition", "global", "asia",
    "insights", "publications", "alerts", "alert", "client", "briefing", "you", "are", "here",
    "position", "current", "location", "your", "is", "of",
    "分享", "打印", "关闭", "返回", "顶部", "首页", "新闻",
}
_UI_PHRASE = re.compile(
    r"^\s*(?:read\s+(?:the\s+)?(?:full|more|original)\b.*|click\s+here\b.*|.*\bplease\s+click\s+here\b.*|"
    r"enditem|\(?end\)?|\[?\s*editor\s*[:：].*|(?:\(|（)?this\s+(?:article|text|document)\s+has\s+been\s+"
    r"abridged(?:\)|）)?\.?|details\s*>>.*|.*\b(?:all\s+rights\s+reserved|copyright\s*©?)\b.*|"
    r"go\s+to\s+forum.*|\d+\s+comment\(s\)|font\s+size\s*:.*|adjust\s+font\s+size\s*:?|"
    r"(?:previous|next)\s+(?:article|page)\s*[:：].*|(?:related|more)\s+(?:news|articles|stories|reading)\s*:?|"
    r"scan\s+(?:the\s+)?qr\s+code.*|.*打开微信.*|.*扫一扫.*|你的位置.*|当前位置.*)\s*$", re.I)
_BREADCRUMB = re.compile(r"^\s*(?:(?:your\s+(?:current\s+)?(?:position|location)|current\s+location|"
                         r"you\s+are\s+here)\s*(?:is)?\s*[:：]?\s*)?[^.!?。]{1,60}?"
                         r"(?:\s*(?:>>?|»|›|/|\\|→)\s*[^.!?。>/»›]{1,60}){2,}\s*$", re.I)
_BYLINE = re.compile(r"^\s*(?:by|from|author|reporter|written\s+by)\s+[A-Z][^.]{0,120}$")
_SEPARATOR = re.compile(r"^\s*[-–—_*•·=|~#]+\s*$")  # a rule or an empty list bullet
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]M)?\b", re.I)


_UI_LINE_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?|\d+")
_NOT_PUNCT = re.compile(r"[\w\s-]")
_SENTENCE_END = re.compile(r"[.;!?]\s*$")
_YEAR_OR_END = re.compile(r"\d{4}|[.;]\s*$")


def _separators(t: str) -> int:
    """How many characters of ``t`` may separate the steps of a breadcrumb: one that has
    fewer than two cannot match :data:`_BREADCRUMB` (most lines), so it is not tried."""
    return t.count(">") + t.count("»") + t.count("›") + t.count("/") + t.count("\\") + t.count("→")


def is_interface_line(text: str) -> bool:
    """A button row, a section label, a breadcrumb, a closing link."""
    t = text.strip()
    if not t or len(t) > 160:
        return False
    if _UI_PHRASE.match(t):
        return True
    if len(t) <= 120 and _separators(t) >= 2 and _BREADCRUMB.match(t) and not _YEAR_OR_END.search(t):
        return True
    words = _UI_LINE_WORD.findall(t.lower())
    if not words or len(words) > 8:
        return False
    return all(w in _UI_WORDS for w in words) and not _SENTENCE_END.search(t) and \
        len(_NOT_PUNCT.sub("", t)) <= 6


def dated_line(text: str, offset: int = 0) -> dates_mod.DateMention | None:
    """A short line that is a date with at most a few words around it: a dateline, a byline
    (``Shanghai Municipal Bureau of Justice | January 06, 2025``, ``Xinhua, April 08, 2025``),
    the date under a signature.  Not a sentence."""
    t = text.strip()
    if not t or len(t) > 110 or re.search(r"[.;!?。]\s*$", t) and not re.search(r"\d\.\s*$", t):
        return None
    ds = [d for d in dates_mod.find_dates(text, offset) if d.value is not None or d.problem]
    if len(ds) != 1:
        return None
    d = ds[0]
    rest = text[:d.start - offset] + " " + text[d.end - offset:]
    rest = _TIME.sub(" ", rest)
    words = re.findall(r"[A-Za-z\u3400-\u9fff]+", rest)
    if re.search(r"\b(?:issued|released|published|announced|adopted|on|since|from|until|by)\b",
                 rest, re.I) and not re.search(r"[|:：]", rest):
        return None  # "issued on June 1, 2024": part of a statement
    if len(words) > 9:
        return None
    return d


# ---------------------------------------------------------------- the page

_CONTENTS = re.compile(r"^\s*(?:table\s+of\s+)?contents\s*[:：]?\s*$|^\s*目\s*录\s*$", re.I)
_BULLET = re.compile(r"^\s*(?:[-•·*▪]\s*)?")


_LISTING = re.compile(
    r"^\s*(?:most\s+(?:viewed|read|popular|commented|shared)|top\s+(?:news|stories|headlines)|"
    r"popular(?:\s+(?:news|stories|articles|now))?|trending(?:\s+now)?|"
    r"latest\s+(?:news|stories|articles|updates)|related\s+(?:news|articles|stories|reading|reports|content|links)|"
    r"recommended(?:\s+(?:for\s+you|reading|articles))?|you\s+(?:may|might)\s+(?:also\s+)?like|"
    r"editor'?s\s+picks?|hot\s+(?:news|topics|stories)|more\s+(?:news|stories|headlines)|see\s+also|"
    r"further\s+reading|in\s+case\s+you\s+missed\s+it|photos?\s+of\s+the\s+day|"
    r"热点新闻|推荐阅读|相关新闻|相关阅读|热门文章)\s*[:：]?\s*$", re.I)


def _listings(page: Page, nonblank: list[Line]) -> None:
    """"Most Viewed", "Related news", "You may also like": the headlines listed under such a
    heading (often numbered 1, 2, 3 ...) are links to other pages, never provisions."""
    for i, ln in enumerate(nonblank):
        if not _LISTING.match(ln.text):
            continue
        page.kinds[ln.number] = "navigation"
        for x in nonblank[i + 1:i + 16]:
            t = x.text.strip()
            if x.number in page.kinds and page.kinds[x.number] != "navigation":
                break
            if not t or len(t) > 150 or (re.search(r"[.;:]\s*$", t) and not re.search(r"\d\.$", t)):
                break
            page.kinds.setdefault(x.number, "navigation")


_HOME = re.compile(r"^\s*(?:Home|Homepage|Index|首页)\b(?:\s+[\w'’&-]+){1,7}\s*$")


def _crumbs_without_separators(page: Page, top: list[Line]) -> None:
    """A breadcrumb whose separators were lost with the page's markup ("Home Health Page 3")
    and the section labels at the top that repeat one of its words ("Health")."""
    crumbs = [ln for ln in top if ln.number not in page.kinds and _HOME.match(ln.text)]
    if not crumbs:
        return
    words = {w.lower() for ln in crumbs for w in re.findall(r"[^\W\d_]+", ln.text)}
    for ln in crumbs:
        page.kinds[ln.number] = "navigation"
    for ln in top:
        t = ln.text.strip()
        found = re.findall(r"[^\W\d_]+", t)
        if ln.number not in page.kinds and found and len(t.split()) <= 2 and \
                all(w.lower() in words for w in found):
            page.kinds[ln.number] = "navigation"


def _contents(page: Page, nonblank: list[Line]) -> None:
    """A table of contents: its entries repeat headings printed further down, so they are
    furniture, never provisions."""
    for i, ln in enumerate(nonblank):
        if not _CONTENTS.match(ln.text):
            continue
        page.kinds[ln.number] = "contents"
        later = {}
        for y in nonblank[i + 1:]:
            later.setdefault(y.text.strip(), []).append(y.number)
        for x in nonblank[i + 1:i + 80]:
            core = _BULLET.sub("", x.text).strip()
            if not core or len(core) > 160 or not any(n > x.number for n in later.get(core, [])):
                break
            page.kinds[x.number] = "contents"


@dataclass
class Page:
    """What the page itself says about the text on it."""

    kinds: dict[int, str] = field(default_factory=dict)  # line number -> furniture kind
    fields: list[Field] = field(default_factory=list)
    date: dates_mod.DateMention | None = None  # the page's own date (a year for month-days)
    date_line: int = 0

    def is_furniture(self, line_number: int) -> bool:
        return line_number in self.kinds


def read_page(src: SourceText) -> Page:
    """Classify the furniture lines of a text and read its metadata fields and page date.
    Signature blocks are added by :mod:`loaders.text.page`, which knows the bodies."""
    cached = src.__dict__.get("_page")
    if cached is not None and cached[0] is src.text:
        return cached[1]
    page = Page()
    lines = src.lines()
    nonblank = [ln for ln in lines if ln.text.strip()]
    top = {ln.number for ln in nonblank[:15]}
    for i, ln in enumerate(nonblank):
        if ln.number in page.kinds:
            continue
        f = field_of(ln, nonblank, i)
        if f is not None:
            page.fields.append(f)
            page.kinds[ln.number] = "metadata"
            if f.value_start >= ln.end:  # the value on the next line
                page.kinds[src.line_of(f.value_start)] = "metadata"
            continue
        if is_interface_line(ln.text) or _SEPARATOR.match(ln.text):
            page.kinds[ln.number] = "navigation"
            continue
        if (ln.number in top or i >= len(nonblank) - 6) and (
                _BYLINE.match(ln.text) or (" | " in ln.text and len(ln.text) < 120
                                           and not re.search(r"[.;]\s*$", ln.text))):
            page.kinds[ln.number] = "byline"
            d = dated_line(ln.text, ln.start) if page.date is None else None
            if d is not None and d.value is not None:
                page.date, page.date_line = d, ln.number
            continue
        if ln.number in top:
            d = dated_line(ln.text, ln.start)
            if d is not None:
                page.kinds[ln.number] = "dateline"
                if page.date is None and d.value is not None:
                    page.date, page.date_line = d, ln.number
    _crumbs_without_separators(page, nonblank[:8])
    _listings(page, nonblank)
    _contents(page, nonblank)
    for f in page.fields:
        if f.kind == "page" and page.date is None:
            ds = [d for d in dates_mod.find_dates(src.text[f.value_start:f.value_end], f.value_start)
                  if d.value is not None]
            if ds:
                page.date, page.date_line = ds[0], f.line.number
    if page.date is None:
        for f in page.fields:
            if f.kind in ("publication", "document"):
                ds = [d for d in dates_mod.find_dates(src.text[f.value_start:f.value_end], f.value_start)
                      if d.value is not None]
                if ds:
                    page.date, page.date_line = ds[0], f.line.number
                    break
    src.__dict__["_page"] = (src.text, page)
    return page
