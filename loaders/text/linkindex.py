"""Per-text index for the linker: tokens and label matches computed once per text.

Why: the genres ask the linker about thousands of spans of one text (every provision,
sentence, list item and clause), and the plain scan re-tokenises each span and walks the
label prefixes from every token again.  Tokens and label matches at a position do not depend
on the span asked about, so this module computes them once for the whole text; a question
about ``text[start:end]`` then only visits the positions where some label starts, found by
bisection, and applies the span's own limits (its end, the kinds asked for).

The answers are the plain scan's answers (``Linker._find_scan``), position for position: a
span whose edge cuts through a word, through a Chinese session number or right after a
possessive apostrophe could tokenise differently from the whole text, so for those rare
spans :meth:`TextIndex.hits` returns ``None`` and the linker scans the span itself.
``tests/loaders/test_linkindex.py`` compares both paths over many spans of real texts.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .linking import Entry, Linker

_WORD = re.compile(r"[A-Za-z0-9]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
Hit = tuple[int, int, list["Entry"]]


class TextIndex:
    """Tokens, label matches and Chinese name matches of one whole text."""

    def __init__(self, linker: Linker, text: str):
        from .linking import _ZH_SESSION

        self.linker = linker
        self.text = text
        en_all = linker.en_all
        cs_all = linker.en_cs_all
        prefixes = linker.prefixes
        # word runs (maximal [A-Za-z0-9]+), their pieces (glued words split) and the
        # normalised tokens, each with its raw piece
        self.run_starts: list[int] = []
        self.run_ends: list[int] = []
        raw_words: list[str] = []
        raw_s: list[int] = []
        raw_e: list[int] = []
        norm: list[str] = []
        norm_s: list[int] = []
        norm_e: list[int] = []
        norm_raw: list[int] = []
        pieces_of = linker.word_pieces
        for m in _WORD.finditer(text):
            s0, e0 = m.span()
            self.run_starts.append(s0)
            self.run_ends.append(e0)
            for piece, a, b, tok in pieces_of(m.group()):
                j = len(raw_words)
                raw_words.append(piece)
                raw_s.append(s0 + a)
                raw_e.append(s0 + b)
                if tok is None:
                    continue
                if tok == "s" and s0 + a > 0 and text[s0 + a - 1] in "'’":
                    continue  # possessive
                norm.append(tok)
                norm_s.append(s0 + a)
                norm_e.append(s0 + b)
                norm_raw.append(j)
        self.raw_words, self.raw_s, self.raw_e = raw_words, raw_s, raw_e
        self.norm_s, self.norm_e, self.norm_raw = norm_s, norm_e, norm_raw
        # label walks: at each token, every n such that tokens[i:i+n] is a label (any kind),
        # walking while the tokens are a prefix of some label, as the scan does
        self.walk: dict[int, list[tuple[int, tuple[str, ...]]]] = {}
        n_tok = len(norm)
        firsts = linker.first_words
        for i in range(n_tok):
            if norm[i] not in firsts:
                continue
            key = (norm[i],)
            found = []
            n = 1
            while True:
                if key in en_all:
                    found.append((n, key))
                n += 1
                if i + n > n_tok:
                    break
                key = key + (norm[i + n - 1],)
                if key not in prefixes:
                    break
            if found:
                self.walk[i] = found
        # case-sensitive abbreviations: up to four raw pieces, longest first
        self.cs: dict[int, list[tuple[int, tuple[str, ...]]]] = {}
        n_raw = len(raw_words)
        if cs_all:
            firsts = {key[0] for key in cs_all}
            for j in range(n_raw):
                w = raw_words[j]
                if w not in firsts or w == w.lower():  # ASCII word: lower() only if no capital
                    continue
                found = []
                for n in range(min(4, n_raw - j), 0, -1):
                    key = tuple(raw_words[j:j + n])
                    if key in cs_all:
                        found.append((n, key))
                if found:
                    self.cs[j] = found
        raw_pos = {j: i for i, j in enumerate(norm_raw)}
        self.cands = sorted(set(self.walk) | {raw_pos[j] for j in self.cs if j in raw_pos})
        self._contig: dict[tuple[bool, int, int], bool] = {}
        self._by_kinds: dict[tuple[str, ...], tuple[list[int], dict]] = {}
        self._zh_by_kinds: dict[tuple[str, ...], tuple[list[int], dict]] = {}
        # Chinese: the text without its session numbers, and the names found at each character
        runs = [m.span() for m in _CJK_RUN.finditer(text)]
        self.cjk_ends = [e for _, e in runs]
        self.cjk_starts = [s for s, _ in runs]
        self.sessions = [m.span() for m in _ZH_SESSION.finditer(text)] if runs else []
        self.zwalk: dict[int, list[tuple[int, str]]] = {}
        self.zcands: list[int] = []
        self.keep: Sequence[int] = range(len(text))
        if runs:
            if self.sessions:
                keep: list[int] = []
                parts = []
                prev = 0
                for a, b in self.sessions:
                    keep.extend(range(prev, a))
                    parts.append(text[prev:a])
                    prev = b
                keep.extend(range(prev, len(text)))
                parts.append(text[prev:])
                self.keep = keep
                compact = "".join(parts)
            else:
                compact = text
            walk = linker.zh_walk
            n_all = len(compact)
            # a name can start only at a Chinese character that starts some label
            for m in linker.zh_first_re.finditer(compact):
                c = m.start()
                found = []
                n = 1
                while c + n <= n_all:
                    piece = compact[c:c + n]
                    is_label = walk.get(piece)
                    if is_label is None:  # no label starts this way
                        break
                    if is_label:
                        found.append((n, piece))
                    n += 1
                if found:
                    self.zwalk[c] = found
            self.zcands = sorted(self.zwalk)

    # ------------------------------------------------------------------ queries

    def _cuts_word(self, pos: int) -> bool:
        k = bisect_left(self.run_starts, pos) - 1
        return k >= 0 and self.run_ends[k] > pos

    def _contiguous(self, raw: bool, i: int, n: int) -> bool:
        from .linking import _contiguous

        key = (raw, i, n)
        hit = self._contig.get(key)
        if hit is None:
            if raw:
                toks = [(None, self.raw_s[k], self.raw_e[k]) for k in range(i, i + n)]
            else:
                toks = [(None, self.norm_s[k], self.norm_e[k]) for k in range(i, i + n)]
            hit = self._contig[key] = _contiguous(self.text, 0, toks)
        return hit

    def hits(self, start: int, end: int, kinds: tuple[str, ...]) -> list[Hit] | None:
        """The scan's raw hits (English then Chinese) for ``text[start:end]``, or ``None``
        when the span's edges make the whole-text tokens differ from the span's own."""
        text = self.text
        if not 0 <= start <= end <= len(text):
            return None
        if self._cuts_word(start) or self._cuts_word(end):
            return None
        ri_lo = bisect_left(self.raw_s, start)
        ri_hi = bisect_left(self.raw_s, end)
        if ri_lo < ri_hi and self.raw_s[ri_lo] == start and start > 0 and \
                self.raw_words[ri_lo].lower() == "s" and text[start - 1] in "'’":
            return None  # a possessive "s" at the span's start counts as a word there
        zh = self._zh_hits(start, end, kinds)
        if zh is None:
            return None
        ti_lo = bisect_left(self.norm_s, start)
        ti_hi = bisect_left(self.norm_s, end)
        cands, options = self._options(kinds)
        norm_s, norm_raw = self.norm_s, self.norm_raw
        hits: list[Hit] = []
        p = bisect_left(cands, ti_lo)
        n_c = len(cands)
        while p < n_c and cands[p] < ti_hi:
            i = cands[p]
            en_opts, cs_opts = options[i]
            best = None
            for n, s, e, found in en_opts:  # longest first: the longest that fits the span
                if i + n <= ti_hi and (n == 1 or self._contiguous(False, i, n)):
                    best = (s, e, found)
                    break
            j = norm_raw[i]
            for n, s, e, found in cs_opts:
                if j + n <= ri_hi and (n == 1 or self._contiguous(True, j, n)):
                    if best is None or e - s > best[1] - best[0]:
                        best = (s, e, found)
                    break
            p += 1
            if best is not None:
                hits.append(best)
                while p < n_c and cands[p] < ti_hi and norm_s[cands[p]] < best[1]:
                    p += 1
        hits.extend(zh)
        return hits

    def _options(self, kinds: tuple[str, ...]) -> tuple[list[int], dict[int, tuple[list, list]]]:
        """For one tuple of kinds: the token positions where a name of those kinds starts,
        and at each the names of those kinds that may be read there, longest first, with
        their character spans.  Whether a name's tokens are contiguous is checked (once) when
        a question first reaches it."""
        got = self._by_kinds.get(kinds)
        if got is not None:
            return got
        en = self.linker.en
        en_cs = self.linker.en_cs
        norm_s, norm_e, norm_raw = self.norm_s, self.norm_e, self.norm_raw
        cands: list[int] = []
        options: dict[int, tuple[list, list]] = {}
        for i in self.cands:
            en_opts = []
            for n, key in reversed(self.walk.get(i, ())):
                found = [e for k in kinds for e in en[k].get(key, ())]
                if found:
                    en_opts.append((n, norm_s[i], norm_e[i + n - 1], found))
            j = norm_raw[i]
            cs_opts = []
            for n, key in self.cs.get(j, ()):
                found = [e for k in kinds for e in en_cs[k].get(key, ())]
                if found:
                    cs_opts.append((n, self.raw_s[j], self.raw_e[j + n - 1], found))
            if en_opts or cs_opts:
                cands.append(i)
                options[i] = (en_opts, cs_opts)
        got = self._by_kinds[kinds] = (cands, options)
        return got

    def _zh_hits(self, start: int, end: int, kinds: tuple[str, ...]) -> list[Hit] | None:
        k = bisect_right(self.cjk_ends, start)  # the first run of Chinese ending after start
        if k == len(self.cjk_ends) or self.cjk_starts[k] >= end:
            return []
        for s, e in self.sessions:
            if s < start < e or s < end < e:
                return None  # a session number cut by the span is not skipped by the scan
        keep = self.keep
        c_lo = bisect_left(keep, start)
        c_hi = bisect_left(keep, end)
        zc, names = self._zh_options(kinds)
        hits: list[Hit] = []
        p = bisect_left(zc, c_lo)
        n_c = len(zc)
        while p < n_c:
            c = zc[p]
            if c >= c_hi:
                break
            best = None
            for n, found in names[c]:  # shorter first: the longest that fits the span
                if c + n > c_hi:
                    break
                best = (n, found)
            if best is None:
                p += 1
                continue
            n, found = best
            hits.append((keep[c], keep[c + n - 1] + 1, found))
            p = bisect_left(zc, c + n, p + 1)
        return hits

    def _zh_options(self, kinds: tuple[str, ...]) -> tuple[list[int], dict[int, list[tuple[int, list]]]]:
        """For one tuple of kinds: the characters (of the text without session numbers) where
        a Chinese name of those kinds starts, and at each those names, shorter first, with
        their entries.  A start with names of other kinds only is left out: a question about
        these kinds would find nothing there and go on to the next start."""
        got = self._zh_by_kinds.get(kinds)
        if got is not None:
            return got
        tables = [self.linker.zh[k] for k in kinds]
        cands: list[int] = []
        names: dict[int, list[tuple[int, list]]] = {}
        for c in self.zcands:
            opts = []
            for n, label in self.zwalk[c]:
                found = [e for t in tables for e in t.get(label, ())]
                if found:
                    opts.append((n, found))
            if opts:
                cands.append(c)
                names[c] = opts
        got = self._zh_by_kinds[kinds] = (cands, names)
        return got
