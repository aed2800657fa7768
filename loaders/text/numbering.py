"""Printed provision numbers -> plain numbers, and checks on numbered sequences.

Translations number lists inconsistently: one list may read ``1.``, ``II.``, ``3.``; items
inside an article may read ``(1)``, ``(II)``, ``(III)``, ``(4)``; Chinese texts use ``第十二条``
and ``（一）``.  Every printed form is normalised to arabic digits ("12") and kept as printed
(``cgt:printedNumber``) next to it.  :func:`sequence_anomalies` reports gaps, duplicates and
numbers out of order instead of silently renumbering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

ROMAN_RE = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"
CN_NUM_RE = r"[零〇一二两三四五六七八九十百千]+"


def roman_to_int(s: str) -> int | None:
    s = s.upper()
    if not s or not re.fullmatch(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})", s):
        return None
    total, prev = 0, 0
    for ch in reversed(s):
        v = {"M": 1000, "D": 500, **_ROMAN}[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total or None


def chinese_to_int(s: str) -> int | None:
    """``十二`` -> 12, ``一百零三`` -> 103, ``二十`` -> 20; ``None`` if not a numeral."""
    if not s or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in s):
        return None
    total, current = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            unit = _CN_UNITS[ch]
            total += (current or 1) * unit
            current = 0
    return total + current


_ROMAN_TOKEN = re.compile(r"[IVXLCivxlc]+")


def to_int(token: str) -> int | None:
    """Any printed number core (no brackets or dots): ``12``, ``XII``, ``十二``, ``１２``."""
    token = token.strip()
    if token.isdigit():
        return int(token)
    if _ROMAN_TOKEN.fullmatch(token):
        return roman_to_int(token)
    return chinese_to_int(token)


@dataclass(frozen=True)
class Anomaly:
    kind: str  # gap | duplicate | out-of-order | not-starting-at-1
    numbers: tuple[int, ...]
    message: str


def sequence_anomalies(numbers: list[int], what: str = "provision") -> list[Anomaly]:
    """Gaps, repeats and order breaks in the numbers as they appear in the text."""
    out: list[Anomaly] = []
    if not numbers:
        return out
    if numbers[0] != 1:
        out.append(Anomaly("not-starting-at-1", (numbers[0],),
                           f"{what} numbering starts at {numbers[0]}, not 1"))
    seen: set[int] = set()
    for i, n in enumerate(numbers):
        if n in seen:
            out.append(Anomaly("duplicate", (n,), f"{what} {n} is printed more than once"))
        elif i and n < numbers[i - 1]:
            out.append(Anomaly("out-of-order", (numbers[i - 1], n),
                               f"{what} {n} is printed after {what} {numbers[i - 1]}"))
        seen.add(n)
    present = sorted(seen)
    missing = [n for n in range(present[0], present[-1] + 1) if n not in seen]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        out.append(Anomaly("gap", tuple(missing), f"{what} number(s) missing: {shown}"))
    return out
