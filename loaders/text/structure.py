"""Numbered structure: markers at line starts, the main numbered run, repeats and anomalies.

Shared by the genres that number their provisions.  The rules are about numbering, not
about any one text:

* a numbered list is the longest chain of markers whose numbers go 1, 2, 3, ...;
* a marker outside that chain with the number *and* the wording of a chain member is the
  same provision printed again (a news summary quoting measure 9, an article printed twice):
  one provision with two spans, and a reported anomaly;
* any other break (gap, duplicate with different wording, order) is reported as printed.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass

from .numbering import sequence_anomalies, to_int
from .source import SourceText

WORD_NUMBERS = {w: i + 1 for i, w in enumerate(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}

CHAPTER_EN = re.compile(r"^[ \t]*(?:Chapter|CHAPTER)\s+(?P<n>\d{1,3}|[IVXLC]{1,7}|[A-Za-z]{3,9})\b"
                        r"\s*[:.：]?\s*(?P<t>.*)$")
CHAPTER_ZH = re.compile(r"^[ \t]*第(?P<n>[零〇一二三四五六七八九十百\d]{1,6})章\s*(?P<t>.*)$")
SECTION_EN = re.compile(r"^[ \t]*(?:Section|SECTION)\s+(?P<n>\d{1,3}|[IVXLC]{1,7})\b\s*[:.：]?\s*(?P<t>.*)$")
SECTION_ZH = re.compile(r"^[ \t]*第(?P<n>[零〇一二三四五六七八九十百\d]{1,6})节\s*(?P<t>.*)$")
ARTICLE_EN = re.compile(r"^[ \t]*(?:Article|ARTICLE|Art\.)\s+(?P<n>\d{1,4}|[IVXLC]{1,7})\b\s*[:.：]?\s*")
ARTICLE_ZH = re.compile(r"^[ \t]*第(?P<n>[零〇一二三四五六七八九十百\d]{1,6})条[\s：:]*")
#: ``(1)``, ``(II)``, ``（一）``, ``(a)`` and a number spelled out in words, ``(Twelve)`` (translations
#: of （十二） do that); a word that is not a number (``(Trial)``) is no marker (:func:`number_of`)
ITEM = re.compile(r"^[ \t]*[(（](?P<n>\d{1,2}|[IVXivx]{1,5}|[一二三四五六七八九十]{1,3}|[a-h]|"
                  r"[A-Za-z]{3,9}(?:-[a-z]{3,5})?)[)）]\s*")
LIST_NUM = re.compile(r"^[ \t]*(?P<n>\d{1,3}|[IVXL]{1,6}|[一二三四五六七八九十]{1,3})\s*[.．、]\s*(?=\S)")
#: a number alone on its line, its text on the next one: ``1.`` / ``2`` / ``II.`` / ``(3)``
#: (pages that set each number in a cell or a paragraph of its own)
BARE_NUM = re.compile(r"^[ \t]*(?P<n>\d{1,3}|[IVXL]{1,6})[ \t]*[.．、]?[ \t]*$")
BARE_ITEM = re.compile(r"^[ \t]*[(（](?P<n>\d{1,2}|[IVXivx]{1,5}|[a-h])[)）][ \t]*$")


@dataclass
class Marker:
    kind: str
    number: int
    printed: str
    line: int
    start: int  # line start
    body_start: int  # after the marker
    end: int  # end of the line
    title: str = ""


def number_of(token: str) -> int | None:
    t = token.strip()
    if t.lower() in WORD_NUMBERS:
        return WORD_NUMBERS[t.lower()]
    if "-" in t:  # twenty-one
        tens, _, unit = t.lower().partition("-")
        if tens in _TENS and unit in WORD_NUMBERS and WORD_NUMBERS[unit] < 10:
            return _TENS[tens] + WORD_NUMBERS[unit]
        return None
    if t.lower() in _TENS:
        return _TENS[t.lower()]
    if len(t) > 2 and t.isalpha() and not re.fullmatch(r"[ivxlc]+", t, re.I):
        return None  # a word, not a numeral
    if len(t) == 1 and "a" <= t <= "h":  # (a), (b) ... items; (i), (v), (x) stay roman
        return ord(t) - ord("a") + 1
    return to_int(t)


def scan(src: SourceText, patterns: dict[str, list[re.Pattern]]) -> list[Marker]:
    out = []
    lines = src.lines()
    for i, ln in enumerate(lines):
        for kind, rxs in patterns.items():
            m = None
            for rx in rxs:
                m = rx.match(ln.text)
                if m:
                    break
            if not m:
                continue
            n = number_of(m.group("n"))
            if n is None:
                continue
            raw = src.raw[ln.start:ln.end]  # as printed, full-width characters and all
            printed = raw[: m.end()].strip()
            title = raw[m.start("t"):m.end("t")] if m.groupdict().get("t") else ""
            body_start, end = ln.start + m.end(), ln.end
            if rx in (BARE_NUM, BARE_ITEM):  # the text is on the next non-blank line
                nxt = next((x for x in lines[i + 1:i + 4] if x.text.strip()), None)
                if nxt is None or BARE_NUM.match(nxt.text) or BARE_ITEM.match(nxt.text):
                    continue
                body_start, end = nxt.start, nxt.end
            out.append(Marker(kind, n, printed, ln.number, ln.start, body_start, end, title.strip()))
            break
    return out


def marker_style(printed: str) -> str:
    """How a marker is numbered: ``arabic`` (``1.``, ``2``), ``roman`` (``II.``), ``zh``
    (``三、``), ``bracket`` (``(1)``, ``(II)``, ``(Three)``, ``（一）``)."""
    t = printed.strip()
    if t[:1] in "(（":
        return "bracket"
    core = t.rstrip(".．、 ")
    if core.isdigit():
        return "arabic"
    if re.fullmatch(r"[IVXLC]+", core):
        return "roman"
    return "zh" if re.fullmatch(r"[一二三四五六七八九十百]+", core) else "other"


def nest(outer: list[Marker], inner: list[Marker]) -> list[tuple[Marker, list[Marker]]] | None:
    """``outer`` headings (``I.`` ``II.`` ...) group ``inner`` markers when the headings are
    numbered 1, 2, 3 ... in order, each heads at least one inner marker, no inner marker
    precedes the first heading, and the inner numbers either run on across the headings or
    start again at 1 under each.  Else ``None``: the two styles are one mixed list (``1.``
    ``II.`` ``3.``, as translations print them), not two levels."""
    if len(outer) < 2 or not inner:
        return None
    if [m.number for m in outer] != list(range(1, len(outer) + 1)):
        return None
    if inner[0].start < outer[0].start:
        return None
    groups = []
    for k, o in enumerate(outer):
        stop = outer[k + 1].start if k + 1 < len(outer) else None
        members = [m for m in inner if m.start > o.start and (stop is None or m.start < stop)]
        if not members:
            return None
        groups.append((o, members))
    numbers = [m.number for _, ms in groups for m in ms]
    runs_on = numbers == list(range(1, len(numbers) + 1))
    restarts = all([m.number for m in ms] == list(range(1, len(ms) + 1)) for _, ms in groups)
    return groups if runs_on or restarts else None


def longest_chain(markers: list[Marker]) -> list[int]:
    """Indexes of the longest run of markers numbered n, n+1, n+2 ... in text order.

    Dynamic programming over "next marker with number + 1"; ties go to the chain that
    starts at 1, then to the later one (a summary usually precedes the full text)."""
    if not markers:
        return []
    positions: dict[int, list[int]] = {}
    for i, m in enumerate(markers):
        positions.setdefault(m.number, []).append(i)
    best_len = [1] * len(markers)
    nxt: list[int | None] = [None] * len(markers)
    for i in range(len(markers) - 1, -1, -1):
        cands = positions.get(markers[i].number + 1, [])
        k = bisect.bisect_right(cands, i)
        if k < len(cands):
            j = cands[k]
            best_len[i] = best_len[j] + 1
            nxt[i] = j
    start = max(range(len(markers)),
                key=lambda i: (best_len[i], markers[i].number == 1, i))
    chain = [start]
    while nxt[chain[-1]] is not None:
        chain.append(nxt[chain[-1]])  # type: ignore[arg-type]
    return chain


def similar(a: str, b: str) -> float:
    """Word-level similarity of two passages, 0..1 (cheap bound first: long texts are
    compared often when looking for repeats)."""
    wa = re.findall(r"\w+", a.lower())
    wb = re.findall(r"\w+", b.lower())
    if not wa or not wb:
        return 0.0
    sm = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    if sm.real_quick_ratio() < 0.3 or sm.quick_ratio() < 0.3:
        return sm.quick_ratio()
    return sm.ratio()


def anomalies_of(numbers: list[int], what: str, lines: list[int] | None = None) -> list[dict]:
    """Sequence anomalies as report entries; with the markers' line numbers, each entry
    names the line where the sequence breaks."""
    out = []
    for a in sequence_anomalies(numbers, what):
        entry = {"kind": a.kind, "numbers": list(a.numbers), "message": a.message}
        if lines:
            at = None
            for i, n in enumerate(numbers):
                if a.kind == "out-of-order" and i and (numbers[i - 1], n) == a.numbers:
                    at = i
                elif a.kind == "duplicate" and n == a.numbers[0] and numbers[:i].count(n):
                    at = i
                elif a.kind == "gap" and i and numbers[i - 1] < a.numbers[0] < n:
                    at = i
                elif a.kind == "not-starting-at-1" and i == 0:
                    at = 0
                if at is not None:
                    break
            if at is not None:
                entry["line"] = lines[at]
        out.append(entry)
    return out


# ---------------------------------------------------------------- Chinese originals as published
#
# Laws and regulations as the legislatures publish them: headings may carry Markdown marks
# (``## 第一章 总则``), a code may be divided into parts (编), numbers may use 千, 两, 〇 and
# full-width digits (the analysis view folds those to ASCII), and an article inserted by a
# later amendment is numbered after the one it follows (``第十条之一``).  These patterns are
# used by the ``statute_zh`` genre; the ones above keep their behaviour.

ZH_NUMERAL = r"[零〇○一二两三四五六七八九十百千\d]{1,12}"
_MD = r"^[ \t]*(?:#{1,6}[ \t]*)?"
PART_ZH = re.compile(_MD + r"第(?P<n>" + ZH_NUMERAL + r")编(?![辑制写])[ \t]*(?P<t>.*)$")
CHAPTER_ZH_MD = re.compile(_MD + r"第(?P<n>" + ZH_NUMERAL + r")章[ \t]*(?P<t>.*)$")
SECTION_ZH_MD = re.compile(_MD + r"第(?P<n>" + ZH_NUMERAL + r")节[ \t]*(?P<t>.*)$")
#: 第五条 / 第十条之一 / 第一千二百六十条, followed by a space, a colon or the end of the line
#: (a sentence that merely starts with a reference, 第五条规定的…, is not an article)
ARTICLE_ZH_SUB = re.compile(r"^[ \t]*第(?P<n>" + ZH_NUMERAL + r")条(?:之(?P<sub>[一二三四五六七八九十\d]{1,3}))?"
                            r"(?=[\s:：]|$)[ \t:：]*")
#: 一、 / 十二、: the numbered points of an amendment or a decision
POINT_ZH = re.compile(r"^[ \t]*(?P<n>[一二三四五六七八九十百]{1,5})[、.．][ \t]*(?=\S)")
#: a Markdown heading of any kind (``## 附则``, ``### 重伤``)
MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(?P<t>\S.*)$")


def zh_number(token: str) -> int | None:
    """A Chinese or arabic numeral as printed in a heading: 十二, 一百零三, 两, 〇/○ as zero."""
    t = token.strip().replace("○", "〇")
    if t.isdigit():
        return int(t)
    if len(t) > 1 and not re.search(r"[十百千]", t):  # 一〇 read digit by digit
        digits = [to_int(ch) for ch in t]
        return None if None in digits else int("".join(str(d) for d in digits))
    return to_int(t)
