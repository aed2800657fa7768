"""Dates in English and Chinese forms, with their spans, and the odd ones reported.

Recognised: ``September 8, 2024``, ``8 September 2024``, ``2024-01-09``, ``2024/1/9``,
``2024年9月8日``; month and day without a year (``On January 9,``), whose year is taken from
the text's own dateline and flagged as inferred.  A date that cannot be a date (``August 29,
023``, ``2023-02-30``) is returned with ``value=None`` and a ``problem`` so that the report
shows it: nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MON = (r"(?P<mon>January|February|March|April|May|June|July|August|September|October|"
        r"November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|"
        r"Nov\.?|Dec\.?)")

_PATTERNS = [
    # 2024年9月8日 / 2024 年 9 月 8 日 / 2024年9月
    ("zh", re.compile(r"(?P<y>\d{2,4})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?")),
    # 2024-01-09, 2024/1/9, 2024.01.09
    ("iso", re.compile(r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d])")),
    # 6/14/2024, 14/6/2024, 09-12-2023: portals print release dates month first (US order);
    # a first number above 12 can only be a day (read day first)
    ("us", re.compile(r"(?<![\d./-])(?P<m>\d{1,2})(?P<sep>[/-])(?P<d>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d])")),
    # September 8, 2024 / September 8 2024 / Sept. 8, 023 / September 8 (no year)
    ("mdy", re.compile(_MON + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?![\d])"
                       r"(?:\s*,?\s*(?P<y>\d{1,5})(?![\d]))?")),
    # 8 September 2024 / 9 September
    ("dmy", re.compile(r"(?<![\d])(?P<d>\d{1,2})\s+" + _MON + r"(?:\s*,?\s*(?P<y>\d{1,5})(?![\d]))?")),
    # 月日 without a year: 9月8日
    ("zh-md", re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")),
]

#: The years a date may have, in texts and in records alike (issue 26, item 10: texts took
#: 2099 and refused 1850 while records took 1850).  From 1900: the corpus is modern Chinese
#: law and policy, PRC texts from 1949 on, and the late-Qing and Republican codes (1902 on) a
#: text may still cite; a year before that in a policy text is a typo or an OCR slip, not a
#: date to record.  Up to ten years after this one: a text may fix a date well ahead (an entry
#: into force after a long transition, a deadline of a plan), but a date further out (2099
#: for 2019) is a mistake.  The bound moves with the clock on purpose: what is "ahead" depends
#: on when the build runs.
MIN_YEAR = 1900
MAX_YEAR = dt.date.today().year + 10


def year_problem(year: int) -> str | None:
    """Why ``year`` cannot be the year of a date, or ``None`` if it can."""
    if MIN_YEAR <= year <= MAX_YEAR:
        return None
    return f"year {year} is outside {MIN_YEAR}..{MAX_YEAR}"
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    value: dt.date | None  # None when the date is odd (see problem) or still needs a year
    year_inferred: bool = False
    needs_year: bool = False
    problem: str | None = None
    precision: str = "day"  # day | month
    md: tuple[int, int] | None = None  # month and day of a mention that lacks its year

    @property
    def iso(self) -> str | None:
        return self.value.isoformat() if self.value else None


def _build(kind: str, m: re.Match, text: str, offset: int) -> DateMention | None:
    g = m.groupdict()
    if kind in ("mdy", "dmy"):
        mon = MONTHS[g["mon"].rstrip(".").lower()]
    elif kind == "us" and int(g["m"]) > 12 >= int(g["d"]):
        mon, g = int(g["d"]), {**g, "d": g["m"]}
    else:
        mon = int(g["m"])
    day = int(g["d"]) if g.get("d") else None
    year_txt = g.get("y")
    start, end = m.start() + offset, m.end() + offset
    span_text = m.group(0)
    if kind in ("mdy", "dmy") and year_txt is not None and len(year_txt) != 4:
        if len(year_txt) <= 2 and kind == "mdy" and not re.match(r"\s*,", text[m.end("d"):]):
            # "January 9 15 measures": a number that is not a year; drop it
            end = m.start("y") + offset
            span_text = text[m.start():m.start("y")].rstrip(" ,")
            end = m.start() + offset + len(span_text)
            year_txt = None
        else:
            return DateMention(start, end, span_text, None,
                               problem=f"year printed as '{year_txt}' in '{span_text}': "
                                       "not a four-digit year, date not recorded")
    if year_txt is None:
        if day is None:
            return None
        return DateMention(start, end, span_text, None, needs_year=True, md=(mon, day))
    year = int(year_txt)
    if len(year_txt) != 4 or year_problem(year):
        return DateMention(start, end, span_text, None,
                           problem=f"year {year_txt} out of range ({MIN_YEAR}..{MAX_YEAR}) in '{span_text}'")
    if day is None:
        try:
            return DateMention(start, end, span_text, dt.date(year, mon, 1), precision="month")
        except ValueError:
            return DateMention(start, end, span_text, None, problem=f"no such month in '{span_text}'")
    try:
        return DateMention(start, end, span_text, dt.date(year, mon, day))
    except ValueError:
        return DateMention(start, end, span_text, None, problem=f"no such date: '{span_text}'")


def find_dates(text: str, offset: int = 0) -> list[DateMention]:
    """All date mentions in ``text`` (an analysis-view slice starting at ``offset``)."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    if not _DIGIT.search(text):  # every form has digits; most lines of a text have none
        return found
    for kind, rx in _PATTERNS:
        for m in rx.finditer(text):
            s, e = m.start() + offset, m.end() + offset
            if any(s < te and ts < e for ts, te in taken):
                continue
            d = _build(kind, m, text, offset)
            if d is None:
                continue
            found.append(d)
            taken.append((d.start, d.end))
    return sorted(found, key=lambda d: d.start)


def with_year(d: DateMention, anchor: dt.date) -> DateMention:
    """Give a month-day mention the year of ``anchor`` (the text's dateline or page date)."""
    if not d.needs_year:
        return d
    mon, day = d.md or (0, 0)
    year = anchor.year
    try:
        value = dt.date(year, mon, day)
    except ValueError:
        return replace(d, needs_year=False, problem=f"no such date: '{d.text}' in {year}")
    new = replace(d, value=value, year_inferred=True, needs_year=False)
    return new


def parse_one(text: str) -> dt.date | None:
    """A whole string that is one full date (used for sidecar metadata)."""
    ds = find_dates(text.strip())
    if len(ds) == 1 and ds[0].value and ds[0].precision == "day":
        return ds[0].value
    return None


def not_after(value: dt.date, anchor: dt.date) -> dt.date:
    """A past event (an issue, a publication) dated by month and day on a page of ``anchor``:
    a day later in the year than the page's own date ("On December 28" on a page of January
    10) is the year before.  Dates in force may lie ahead and are not passed here."""
    if value <= anchor:
        return value
    try:
        return value.replace(year=value.year - 1)
    except ValueError:  # 29 February
        return value
