"""Entity resolution rules: is this document (or provision) the same as that one, and why.

Pure functions over small feature records, no store: ``cgtkg/pipeline/resolve.py`` reads the
features from the store, asks these rules, and writes the canonical layer. Kept apart so the
rules can be measured on a labelled table of pairs (``tests/foundation/resolution_pairs.yaml``)
without building anything.

A document pair gets additive evidence (log-odds-like points), each item named, and a
verdict:

* ``same`` (points >= ``SAME_AT``): merged;
* ``ambiguous`` (``AMBIGUOUS_AT`` <= points < ``SAME_AT``): reported, never merged;
* ``different``.

Strong evidence for: the same document number; the same normalised title. For: titles that
are the same set of stemmed words in another order or wording; a shared issuer; the same
date. Strong evidence against: two different document numbers; different years or editions
in the titles (two editions of one catalogue); a title that wraps the other (a notice issuing
a plan, an interpretation of a regulation, the implementing rules of a law); dates more than a
year apart; no issuer in common.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import snowballstemmer

SAME_AT = 3.0
AMBIGUOUS_AT = 1.0

_STEM = snowballstemmer.stemmer("english")
# the Snowball stemmer is pure Python (about 0.3 ms a word): each word is stemmed once
_stem = functools.lru_cache(maxsize=200_000)(_STEM.stemWord)
# Titles and numbers are compared pair by pair, each many times: their normal forms are
# remembered (pure functions of one string; 10,000 texts: 119 s -> see docs/benchmarks.md)
_MEMO = 200_000

# Words that carry no identity in a title ("Several Measures" = "Measures").
_STOP = frozenset("""
a an and the of on for in to at by with from as its their s
several some further certain relevant
""".split())

# Translation variants: one English rendering of a Chinese word, by stem.
_VARIANTS = {
    "expans": "expand", "deepen": "deep", "implement": "implement", "implementari": "implement",
    "guid": "guidanc", "guidelin": "guidelin", "opinion": "opinion", "promot": "promot",
    "regul": "regul", "administr": "administr", "manag": "administr", "develop": "develop",
    "prc": "china", "chines": "china", "pilot": "pilot", "free": "free", "trade": "trade",
    "co": "co", "oper": "oper", "cooper": "cooper", "construct": "build", "build": "build",
}

# Words that make a title a different kind of document when only one title has them
# (the notice issuing a plan, the rules implementing a law, the interpretation of a regulation).
_KIND = frozenset(_STEM.stemWords("""
notice announcement interpretation circular decision reply explanation answers questions
implementation implementing detailed rules catalogue list law regulations measures plan
plans opinions guidelines guideline standards procedures provisions work action overall
amendment revision draft
""".split()))
# Chinese counterparts: what a Chinese title may add around another one.
_KIND_ZH = ("通知", "公告", "解读", "决定", "批复", "实施细则", "实施条例", "实施办法", "实施意见",
            "实施方案", "修正案", "征求意见稿", "目录", "清单", "规定", "办法", "条例", "意见", "方案")

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_QUOTES = dict.fromkeys(map(ord, "\"'`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u300a\u300b\u3008\u3009"
                                 "\u300c\u300d\u300e\u300f\u2039\u203a\u00ab\u00bb"), "")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_PRC_EN = re.compile(r"\bpeople'?s republic of china\b|\bp\.?\s?r\.?\s?c\.?\b")
_WORD = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]+")


@functools.lru_cache(maxsize=_MEMO)
def normalise_text(s: str) -> str:
    """Width, case, dashes and quotes folded; punctuation to single spaces."""
    s = unicodedata.normalize("NFKC", s).translate(_DASHES).translate(_QUOTES).lower()
    s = s.replace("'s ", " ").replace("’s ", " ")
    s = _PRC_EN.sub(" china ", s)
    return " ".join(_WORD.findall(s))


@functools.lru_cache(maxsize=_MEMO)
def is_chinese(s: str) -> bool:
    han = sum(1 for c in s if "\u3400" <= c <= "\u9fff")
    return han > 0 and han >= len([c for c in s if c.isalpha()]) / 2


@functools.lru_cache(maxsize=_MEMO)
def normalise_zh(s: str) -> str:
    """A Chinese title without punctuation, spaces or the state's name in front."""
    s = unicodedata.normalize("NFKC", s).translate(_DASHES).translate(_QUOTES)
    s = re.sub(r"[\s()\[\]【】（）,，、.。:：;；!！?？\-]", "", s)
    return s.removeprefix("中华人民共和国")


@functools.lru_cache(maxsize=_MEMO)
def title_tokens(title: str) -> frozenset[str]:
    """Stemmed content words of an English title, translation variants folded."""
    words = [w for w in normalise_text(title).split() if w not in _STOP]
    return frozenset(_VARIANTS.get(s, s) for s in map(_stem, words))


@functools.lru_cache(maxsize=_MEMO)
def title_years(title: str) -> frozenset[str]:
    return frozenset(_YEAR.findall(unicodedata.normalize("NFKC", title)))


@dataclass
class DocFeatures:
    """What identifies a document. ``kind``: ``curated``, ``text`` (a document a text
    describes) or ``cited`` (a text's copy of a document it only names)."""
    iri: str
    kind: str = "text"
    titles: list[str] = field(default_factory=list)
    numbers: set[str] = field(default_factory=set)
    issuers: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)  # eli:date_document values, ISO
    graphs: set[str] = field(default_factory=set)

    @property
    def en(self) -> list[str]:
        return [t for t in self.titles if not is_chinese(t)]

    @property
    def zh(self) -> list[str]:
        return [t for t in self.titles if is_chinese(t)]


class _Prepared(NamedTuple):
    numbers: frozenset[str]  # normalised
    number_keys: frozenset[tuple[str, str]]
    first_number: str
    years: frozenset[str]
    zh: frozenset[str]  # normalised Chinese titles
    en: tuple[str, ...]
    en_norm: frozenset[str]
    en_tokens: tuple[frozenset[str], ...]
    days: tuple[int, ...] | None  # the dates as day numbers (None: one is not a date)


def _day_numbers(dates) -> tuple[int, ...] | None:
    try:
        return tuple(sorted(date.fromisoformat(d).toordinal() for d in dates))
    except ValueError:
        return None


def _prepared(f: DocFeatures) -> _Prepared:
    """What :func:`compare_documents` derives from one document's titles and numbers, worked
    out once per document rather than once per pair (a document is compared with every other
    of its block: hundreds of copies of one cited law)."""
    # the same lists and sets, of the same sizes, as when it was worked out
    key = (id(f.titles), len(f.titles), id(f.numbers), len(f.numbers), id(f.dates), len(f.dates))
    hit = f.__dict__.get("_prepared")
    if hit is not None and hit[0] == key:
        return hit[1]
    en = tuple(f.en)
    prep = _Prepared(
        frozenset(normalise_number(n) for n in f.numbers),
        frozenset(number_key(n) for n in f.numbers) - {None},
        sorted(f.numbers)[0] if f.numbers else "",
        frozenset().union(*map(title_years, f.titles)) if f.titles else frozenset(),
        frozenset(normalise_zh(t) for t in f.zh),
        en,
        frozenset(normalise_text(t) for t in en),
        tuple(title_tokens(t) for t in en),
        _day_numbers(f.dates),
    )
    f.__dict__["_prepared"] = (key, prep)
    return prep


@dataclass
class Decision:
    a: str
    b: str
    points: float
    verdict: str
    evidence: list[str]

    @property
    def score(self) -> float:
        """The points as a number in (0, 1): 0.73 and above is merged (``SAME_AT``), 0.27 to
        0.73 ambiguous, below 0.27 different."""
        return round(1 / (1 + math.exp(-(self.points - (SAME_AT + AMBIGUOUS_AT) / 2))), 3)


@functools.lru_cache(maxsize=_MEMO)
def normalise_number(n: str) -> str:
    """``NDRC Reform [2023] No. 1786`` = ``发改体改〔2023〕1786号`` only through the year and
    serial; the issuer's abbreviation differs by language, so it is kept apart."""
    s = unicodedata.normalize("NFKC", n).lower().translate(_DASHES)
    s = s.replace("〔", "[").replace("〕", "]").replace("(", "[").replace(")", "]")
    return " ".join(re.findall(r"[a-z]+|\d+|[\u3400-\u9fff]+", s))


@functools.lru_cache(maxsize=_MEMO)
def number_key(n: str) -> tuple[str, str] | None:
    m = re.search(r"\[?(\d{4})\]?\D*?(\d+)\D*$", unicodedata.normalize("NFKC", n).replace("〔", "[")
                  .replace("〕", "]"))
    return (m.group(1), m.group(2)) if m else None


def _days(a: str, b: str) -> int:
    return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)


def _kind_difference(a: frozenset[str], b: frozenset[str]) -> set[str]:
    return (a ^ b) & _KIND


def _zh_wraps(a: str, b: str) -> bool:
    """One Chinese title is the other plus a document kind (关于印发X的通知, X实施细则)."""
    short, long_ = sorted((a, b), key=len)
    if short == long_ or short not in long_:
        return False
    rest = long_.replace(short, "", 1)
    return any(k in rest for k in _KIND_ZH) or "关于" in rest


def _zh_edition_only(a: str, b: str) -> bool:
    """One Chinese title is the other plus an edition (``(2024年版)``, ``(2007年修订)``)."""
    short, long_ = sorted((a, b), key=len)
    if short == long_ or short not in long_:
        return False
    return re.fullmatch(r"\d{4}年(?:版|修订|修正|本)?", long_.replace(short, "", 1)) is not None


def comparison_key(f: DocFeatures) -> tuple:
    """What :func:`compare_documents` reads of a document: two documents with the same key
    compare alike with any third."""
    return (tuple(f.titles), frozenset(f.numbers), frozenset(f.issuers), frozenset(f.dates))


def comparison_digest(key: tuple) -> str:
    """A short, stable name for a :func:`comparison_key` (the same in every process and
    build: sets written sorted), under which a later build finds the decisions taken for
    it (``cgtkg/pipeline/resolve.py``'s decision cache)."""
    titles, numbers, issuers, dates = key
    text = json.dumps([list(titles), sorted(numbers), sorted(issuers), sorted(dates)], ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def compare_documents(a: DocFeatures, b: DocFeatures) -> Decision:
    """The evidence that ``a`` and ``b`` are one real-world document, and the verdict."""
    points = 0.0
    ev: list[str] = []

    def add(p: float, why: str) -> None:
        nonlocal points
        points += p
        ev.append(f"{p:+g} {why}")

    pa, pb = _prepared(a), _prepared(b)
    # document numbers
    if a.numbers and b.numbers:
        if pa.numbers & pb.numbers or pa.number_keys & pb.number_keys:
            # the same, or the same year and serial in another language
            add(4, f"same document number ({pa.first_number} / {pb.first_number})")
        else:
            add(-4, f"different document numbers ({pa.first_number} / {pb.first_number})")

    # titles, in each language both have
    title_said = False
    ya, yb = pa.years, pb.years
    if ya and yb and not ya & yb:
        add(-6, f"different years in the titles ({'/'.join(sorted(ya))} vs {'/'.join(sorted(yb))})")
    elif ya and yb and ya != yb and len(ya | yb) > 2:
        add(-2, "the titles' years differ in part")
    zha, zhb = pa.zh, pb.zh
    if zha and zhb:
        if zha & zhb:
            add(3, "same Chinese title")
            title_said = True
        elif any(_zh_wraps(x, y) for x in sorted(zha) for y in sorted(zhb)):
            add(-4, "one Chinese title wraps the other (a different kind of document)")
            title_said = True
        elif any(_zh_edition_only(x, y) for x in sorted(zha) for y in sorted(zhb)):
            add(1, "one Chinese title names an edition the other does not (which edition is meant?)")
            title_said = True
    if pa.en and pb.en and not title_said:
        if pa.en_norm & pb.en_norm:
            add(3, "same title after normalising punctuation, dashes, quotes, width and case")
        else:
            best, diff, nested = 0.0, set(), False
            for tx in pa.en_tokens:
                for ty in pb.en_tokens:
                    if not tx or not ty:
                        continue
                    j = len(tx & ty) / len(tx | ty)
                    if j > best:
                        best, diff, nested = j, _kind_difference(tx, ty), tx <= ty or ty <= tx
            if diff:
                add(-4, f"the titles differ in what kind of document they name ({', '.join(sorted(diff))})")
            elif best >= 0.85:
                add(2, f"same title words in another order or wording (overlap {best:.2f})")
            elif best >= 0.6 and nested:
                add(1, f"one title is the other with words left out (overlap {best:.2f})")
            elif best >= 0.6:
                ev.append(f"+0 similar titles, each with words the other lacks (overlap {best:.2f}): "
                          "another place or subject?")
            else:
                add(-3, f"different titles (overlap {best:.2f})")
    elif not title_said and (a.titles and b.titles):
        ev.append("+0 titles in different languages: not compared")

    # issuers
    if a.issuers and b.issuers:
        if a.issuers & b.issuers:
            add(1, "an issuer in common")
        else:
            add(-2, "no issuer in common")

    # dates
    if a.dates and b.dates:
        if a.dates & b.dates:
            add(1, "same date")
        else:
            gap = (min(abs(x - y) for x in pa.days for y in pb.days)
                   if pa.days is not None and pb.days is not None
                   else min(_days(x, y) for x in a.dates for y in b.dates))
            if gap > 366:
                add(-4, f"dates {gap} days apart (another edition or another document)")
            else:
                ev.append(f"+0 dates {gap} days apart (a conflict to report if merged)")

    verdict = "same" if points >= SAME_AT else "ambiguous" if points >= AMBIGUOUS_AT else "different"
    return Decision(a.iri, b.iri, points, verdict, ev)


# ------------------------------------------------------------------ provisions

@dataclass
class ProvisionFeatures:
    """A provision's identity: its kind and number, and what it is about."""
    iri: str
    type: str = ""
    number: str = ""
    parent: str = ""  # the parent's IRI (a provision or the document)
    agencies: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    therapies: set[str] = field(default_factory=set)
    terms: frozenset[str] = frozenset()


def text_terms(*texts: str) -> frozenset[str]:
    """Key terms of a provision's title, summary or passage: stemmed English words of four
    letters or more that are not stop words, and Chinese runs as bigrams."""
    out: set[str] = set()
    for t in texts:
        n = normalise_text(t)
        words = [w for w in n.split() if len(w) >= 4 and w not in _STOP and not w.isdigit()]
        out.update(_VARIANTS.get(s, s) for s in map(_stem, words))
        for run in re.findall(r"[\u3400-\u9fff]+", n):
            out.update(run[i:i + 2] for i in range(len(run) - 1))
    return frozenset(out)


def _jaccard(a: set, b: set) -> float | None:
    return len(a & b) / len(a | b) if a and b else None


def content_similarity(x: ProvisionFeatures, c: ProvisionFeatures) -> tuple[float | None, list[str]]:
    """Weighted agreement of bodies, regions, therapy types and key terms, or None when the
    two have nothing to compare."""
    parts = []
    ev = []
    for name, w, sx, sc in (("bodies", 3, x.agencies, c.agencies), ("regions", 2, x.regions, c.regions),
                            ("therapies", 2, x.therapies, c.therapies), ("terms", 2, x.terms, c.terms)):
        j = _jaccard(set(sx), set(sc))
        if j is None:
            continue
        if name == "terms":  # a summary is shorter than the passage it summarises
            j = len(sx & sc) / min(len(sx), len(sc))
        parts.append((w, j))
        ev.append(f"{name} {j:.2f}")
    if not parts:
        return None, ["nothing to compare"]
    return sum(w * j for w, j in parts) / sum(w for w, _ in parts), ev


CONTENT_SAME = 0.5  # with the same number
CONTENT_ALONE = 0.6  # with a different number (a text that merges or splits items)
CONTENT_CLASH = 0.15  # below this, the same number is not enough


def match_provisions(copy: list[ProvisionFeatures], canon: list[ProvisionFeatures],
                     parents: dict[str, str]) -> list[tuple[str, str, float, list[str]]]:
    """Pairs ``(copy provision, canonical provision, similarity, evidence)``, one canonical
    per copy and one copy per canonical, among provisions of the same type whose parents
    match (``parents``: copy parent -> canonical parent; the documents included).

    A pair needs the same number *and* content that does not contradict it (similarity at
    least ``CONTENT_SAME``, or nothing to compare on either side), or, with another number,
    clearly the same content (``CONTENT_ALONE``). Pairs are taken best first."""
    cands = []
    for x in copy:
        for c in canon:
            if x.type != c.type or parents.get(x.parent) != c.parent:
                continue
            sim, ev = content_similarity(x, c)
            same_no = x.number == c.number
            if same_no and (sim is None or sim >= CONTENT_SAME):
                rank = 2 + (sim if sim is not None else 0.0)
            elif same_no and sim is not None and sim >= CONTENT_CLASH:
                rank = 1 + sim  # same number, weak content: only when nothing better
            elif not same_no and sim is not None and sim >= CONTENT_ALONE:
                rank = 1.5 + sim
            else:
                continue
            cands.append((rank, x.iri, c.iri, sim, ["same number" if same_no else "another number"] + ev))
    cands.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_x: set[str] = set()
    used_c: set[str] = set()
    out = []
    for rank, xi, ci, sim, ev in cands:
        if xi in used_x or ci in used_c:
            continue
        used_x.add(xi)
        used_c.add(ci)
        out.append((xi, ci, round(sim, 3) if sim is not None else 1.0, ev))
    return out
