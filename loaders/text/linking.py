"""Entity linking: names in the text -> registry entries, in the document's own context.

The registry graph (ontology + ``ontology/registries/*.ttl``) is the only source of names:
``skos:prefLabel``, ``skos:altLabel`` and ``skos:hiddenLabel`` in English and Chinese,
abbreviations included.  Matching is on normalised word tokens for English (case, plurals,
possessives, hyphens and "the" do not matter; short all-capital abbreviations such as
``MOST`` or ``CDE`` must match case-sensitively so that the word "most" is not a ministry)
and on characters for Chinese.  The longest name wins.

A name shared by several entries (``municipal health department`` is a hidden label of the
Shenzhen, Tianjin and Shanghai health bodies) is resolved only through the document's
context: the regions the document is about and those of its issuers, with their broader
regions.  If the context does not single out one entry the mention stays unresolved and is
reported; it is never mapped to a body the text does not name.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from cgtkg.graph.namespaces import CGT, DEFAULT_BASE
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF, RDFS, SKOS

from .linkindex import TextIndex
from .model import Mention, Span

_WORD = re.compile(r"[A-Za-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_DROP = {"the"}
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$")  # session numbers are not part of a body's name
_ABBREV = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Za-z0-9&/.-]{2,12}$")


def singular(tok: str) -> str:
    if len(tok) <= 3 or tok.endswith(("ss", "us", "is")):
        return tok
    if tok.endswith("ies") and len(tok) > 4:
        return tok[:-3] + "y"
    if tok.endswith("s"):
        return tok[:-1]
    return tok


def norm_tokens(text: str) -> list[str]:
    """Normalised English tokens of a name (used for labels and for mentions alike)."""
    return [t for t, _, _ in tokenize(text)]


_GLUE = re.compile(r"(?<=[a-z]{3})(?=[A-Z][a-z])")


def _words(text: str):
    """Word matches, splitting words glued by a lost space ("CongressRegulations")."""
    for m in _WORD.finditer(text):
        word, start = m.group(0), m.start()
        if len(word) < 5 or word[1:].islower() or word.isupper():
            yield word, start, m.end()
            continue
        cuts = [c.start() for c in _GLUE.finditer(word)]
        for a, b in zip([0] + cuts, cuts + [len(word)]):
            yield word[a:b], start + a, start + b


def tokenize(text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    out = []
    for word, s, e in _words(text):
        tok = word.lower()
        if tok == "s" and s > 0 and text[s - 1] in "'’":
            continue  # possessive
        if tok in _DROP or _ORDINAL.match(tok):
            continue
        out.append((singular(tok), s + offset, e + offset))
    return out


def raw_tokens(text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    return [(w, s + offset, e + offset) for w, s, e in _words(text)]


@dataclass(frozen=True)
class Entry:
    kind: str  # agency | region | therapy | doctype | addressee | modality
    iri: URIRef
    key: str
    label: str
    lang: str
    label_type: str  # pref | alt | hidden


@dataclass
class Registry:
    """Indexes over the registry graph; built once per corpus run."""

    graph: Graph
    base: str = DEFAULT_BASE
    entries: list[Entry] = field(default_factory=list)
    jurisdiction: dict[URIRef, set[URIRef]] = field(default_factory=dict)
    broader: dict[URIRef, set[URIRef]] = field(default_factory=dict)
    parent_org: dict[URIRef, set[URIRef]] = field(default_factory=dict)
    pref_en: dict[URIRef, str] = field(default_factory=dict)
    labels_of: dict[URIRef, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    kinds: dict[URIRef, str] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, graph: Graph, base: str = DEFAULT_BASE) -> Registry:
        reg = cls(graph, base)
        reg._index()
        return reg

    def _kind_of(self, s: URIRef) -> str | None:
        iri = str(s)
        if not iri.startswith(self.base):
            return None
        head = iri[len(self.base):].split("/", 1)[0]
        if head == "agency":
            return "agency"
        if head in ("region", "therapy", "doctype"):
            return head
        if head == "concept":
            scheme = self.graph.value(s, SKOS.inScheme)
            if scheme is not None and str(scheme).endswith(("scheme/addressees", "scheme/modalities")):
                return "addressee" if str(scheme).endswith("addressees") else "modality"
        return None

    def _index(self) -> None:
        g = self.graph
        for prop, ltype in ((SKOS.prefLabel, "pref"), (SKOS.altLabel, "alt"),
                            (SKOS.hiddenLabel, "hidden"), (RDFS.label, "alt")):
            for s, o in g.subject_objects(prop):
                if not isinstance(s, URIRef):
                    continue
                kind = self._kind_of(s)
                if kind is None:
                    continue
                if kind == "agency" and (s, RDF.type, None) not in g:
                    continue
                lang = getattr(o, "language", None) or ("zh" if _CJK.search(str(o)) else "en")
                e = Entry(kind, s, str(s).rsplit("/", 1)[-1], str(o), lang, ltype)
                self.entries.append(e)
                self.labels_of[s].append(e)
                self.kinds[s] = kind
                if ltype == "pref" and lang == "en":
                    self.pref_en[s] = str(o)
        for s, o in g.subject_objects(CGT.jurisdiction):
            self.jurisdiction.setdefault(s, set()).add(o)
        for s, o in g.subject_objects(SKOS.broader):
            self.broader.setdefault(s, set()).add(o)
        for s, o in g.subject_objects(ORG.subOrganizationOf):
            self.parent_org.setdefault(s, set()).add(o)
        self.entries.sort(key=lambda e: (e.kind, str(e.iri), e.label_type, e.lang, e.label))

    # ---------------------------------------------------------------- regions

    def ancestors(self, region: URIRef) -> list[URIRef]:
        """``region`` and every broader region, nearest first (breadth-first)."""
        out, frontier, seen = [region], [region], {region}
        while frontier:
            nxt = []
            for r in frontier:
                for b in sorted(self.broader.get(r, ())):
                    if b not in seen:
                        seen.add(b)
                        out.append(b)
                        nxt.append(b)
            frontier = nxt
        return out

    def is_within(self, inner: URIRef, outer: URIRef) -> bool:
        return outer in self.ancestors(inner)

    def key(self, iri: URIRef) -> str:
        return str(iri).rsplit("/", 1)[-1]

    def iri(self, kind: str, key: str) -> URIRef | None:
        path = {"agency": "agency", "region": "region", "therapy": "therapy",
                "doctype": "doctype", "addressee": "concept", "modality": "concept"}[kind]
        # compared as a string first: a sidecar may hold any text, and rdflib warns about a
        # URIRef made from one that is no IRI
        iri = f"{self.base}{path}/{key}"
        return URIRef(iri) if iri in self._kind_keys else None

    @functools.cached_property
    def _kind_keys(self) -> set[str]:
        return {str(k) for k in self.kinds}

    @functools.cached_property
    def top_regions(self) -> frozenset[URIRef]:
        """The regions with no broader region (the whole country), found once: the genres
        ask for every text."""
        return frozenset(r for r, k in self.kinds.items() if k == "region" and not self.broader.get(r))

    @functools.cached_property
    def root_region(self) -> URIRef | None:
        """The single top concept of the region scheme (the whole country), if there is one."""
        tops = sorted(o for o in self.graph.objects(None, SKOS.hasTopConcept)
                      if self.kinds.get(o) == "region")
        return tops[0] if len(tops) == 1 else None

    def governments_of(self, region: URIRef) -> list[URIRef]:
        """The people's government(s) of a region: how a text's "Guangdong Province is
        responsible" names a body.  Read from labels, not from a list of keys."""
        out = []
        for ag, regions in self.jurisdiction.items():
            if region not in regions or self.kinds.get(ag) != "agency":
                continue
            labels = [e.label for e in self.labels_of[ag] if e.label_type == "pref"]
            en = " ".join(labels).lower()
            zh = "".join(labels)
            if ("people's government" in en or "人民政府" in zh) and \
                    "office" not in en and "办公厅" not in zh and "办公室" not in zh:
                out.append(ag)
        return sorted(out)


#: Texts shorter than this (names, titles) are scanned directly and memoised by value.
_INDEX_MIN_CHARS = 400
_MISSING = object()  # a memo's "not asked yet" (None is an answer)
_TEXTS_KEPT = 4


@dataclass
class _PerText:
    text: str  # held so that its id() is not reused while the entry lives
    memo: dict
    index: TextIndex


@dataclass
class Context:
    """Where a document belongs: its regions (nearest first) and their broader regions."""

    regions: list[URIRef] = field(default_factory=list)
    _ranks: dict | None = field(default=None, repr=False, compare=False)

    def rank(self, registry: Registry) -> dict[URIRef, int]:
        if self._ranks is not None:
            return self._ranks
        ranks: dict[URIRef, int] = {}
        for i, r in enumerate(self.regions):
            for depth, a in enumerate(registry.ancestors(r)):
                score = depth * 10 + i
                if a not in ranks or score < ranks[a]:
                    ranks[a] = score
        self._ranks = ranks
        return ranks


class Linker:
    """Finds registry names in text spans and resolves them in context."""

    def __init__(self, registry: Registry):
        self.reg = registry
        self.en: dict[str, dict[tuple[str, ...], list[Entry]]] = defaultdict(lambda: defaultdict(list))
        self.en_cs: dict[str, dict[tuple[str, ...], list[Entry]]] = defaultdict(lambda: defaultdict(list))
        self.zh: dict[str, dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
        self._short: dict = {}  # answers about short strings (names, titles), by value
        self._texts: OrderedDict[int, _PerText] = OrderedDict()  # long texts, by identity
        self.max_en = self.max_zh = 1
        self.prefixes: set[tuple[str, ...]] = set()
        self.zh_prefixes: set[str] = set()
        for e in registry.entries:
            if e.kind == "region" and len(e.label) <= 2 and e.label[-1:] in "县区旗市" and \
                    _CJK.search(e.label):
                continue  # 赵县, 沛县: two characters are too often part of other words
            if e.lang == "zh" or _CJK.search(e.label):
                self.zh[e.kind][e.label].append(e)
                self.max_zh = max(self.max_zh, len(e.label))
                for k in range(1, len(e.label) + 1):
                    self.zh_prefixes.add(e.label[:k])
            elif _ABBREV.match(e.label) and " " not in e.label:
                toks = tuple(t for t, _, _ in raw_tokens(e.label))
                if toks:
                    self.en_cs[e.kind][toks].append(e)
            else:
                toks = tuple(norm_tokens(e.label))
                if toks:
                    self.en[e.kind][toks].append(e)
                    self.max_en = max(self.max_en, len(toks))
                    for k in range(1, len(toks) + 1):
                        self.prefixes.add(toks[:k])
        # every kind at once, for the per-text index (which filters by kind per question)
        self.en_all = {key for table in self.en.values() for key in table}
        self.en_cs_all = {key for table in self.en_cs.values() for key in table}
        self.zh_all = {key for table in self.zh.values() for key in table}
        #: every prefix of a Chinese label -> whether it is a label itself: one look-up per
        #: character of the per-text index's walk (linkindex.TextIndex)
        self.zh_walk = {p: p in self.zh_all for p in self.zh_prefixes}
        self.first_words = {key[0] for key in self.prefixes}
        # English names with a comma of their own ("Science, Technology and Innovation
        # Commission of Shenzhen Municipality"): the token scan stops at commas (list
        # punctuation), so these are found whole by a pattern of their own
        comma: dict[str, list[Entry]] = defaultdict(list)
        for e in registry.entries:
            if "," in e.label and not _CJK.search(e.label) and e.kind == "agency":
                comma[re.sub(r"\s+", " ", e.label.lower())].append(e)
        self.comma_names = dict(comma)
        self.comma_re = re.compile(
            r"(?<![\w-])(?:" + "|".join(
                r"\s*,\s*".join(r"\s+".join(map(re.escape, part.split())) for part in lab.split(","))
                for lab in sorted(comma, key=len, reverse=True)) + r")(?![\w-])",
            re.I) if comma else None
        # Chinese names are read from a Chinese character on: the ones that start a label
        firsts = sorted({p[0] for p in self.zh_prefixes if _CJK.match(p[0])})
        self.zh_first_re = re.compile("[" + "".join(map(re.escape, firsts)) + "]" if firsts else "(?!)")
        self._pieces: dict[str, tuple] = {}

    def word_pieces(self, word: str) -> tuple[tuple[str, int, int, str | None], ...]:
        """How :func:`tokenize` reads one word (a maximal ``[A-Za-z0-9]+`` run): its pieces
        (glued words split), their offsets in the word and their normalised tokens (``None``
        for words that are dropped).  A possessive "s" depends on the character before the
        word, so the caller checks it.  Remembered per word: texts repeat their words."""
        got = self._pieces.get(word)
        if got is None:
            out = []
            for piece, a, b in _words(word):
                tok = piece.lower()
                out.append((piece, a, b, None if tok in _DROP or _ORDINAL.match(tok) else singular(tok)))
            got = tuple(out)
            if len(self._pieces) > 200_000:
                self._pieces.clear()
            self._pieces[word] = got
        return got

    # ---------------------------------------------------------------- finding

    def find(self, text: str, start: int, end: int, kinds: tuple[str, ...],
             context: Context | None = None) -> list[Mention]:
        """Every name of the given kinds inside ``text[start:end]`` (analysis view).

        Results are remembered for the text being read (the same span is asked about by
        several rules); callers get copies, so they may change them."""
        regions = tuple(context.regions) if context else None
        if len(text) < _INDEX_MIN_CHARS:
            memo, index = self._short, None
            key: tuple = (text, start, end, kinds, regions)
        else:
            per = self._per_text(text)
            memo, index = per.memo, per.index
            key = (start, end, kinds, regions)
        hit = memo.get(key)
        if hit is None:
            raw = index.hits(start, end, kinds) if index is not None else None
            if raw is None:
                raw = self._scan_hits(text, start, end, kinds)
            hit = self._resolve_hits(text, raw, context)
            if len(memo) > 20000:
                memo.clear()
            memo[key] = hit
        return [m.copy() for m in hit]

    def find_comma_names(self, text: str, start: int, end: int,
                         context: Context | None = None) -> list[Mention]:
        """The registry's English names that contain a comma, found whole in the span."""
        if self.comma_re is None or "," not in text[start:end]:
            return []
        out = []
        for m in self.comma_re.finditer(text, start, end):
            key = re.sub(r"\s*,\s*", ", ", re.sub(r"\s+", " ", m.group(0).lower()))
            entries = self.comma_names.get(key)
            if entries:
                out.append(self.resolve(entries, Span(m.start(), m.end()), m.group(0), context))
        return out

    def _per_text(self, text: str) -> _PerText:
        """The memo and token index of a long text; the few most recent texts are kept."""
        per = self._texts.get(id(text))
        if per is None or per.text is not text:
            per = _PerText(text, {}, TextIndex(self, text))
            self._texts[id(text)] = per
            while len(self._texts) > _TEXTS_KEPT:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(id(text))
        return per

    def _find_scan(self, text: str, start: int, end: int, kinds: tuple[str, ...],
                   context: Context | None = None) -> list[Mention]:
        """The plain scan of one span, without memo or index (the reference the index is
        tested against)."""
        return self._resolve_hits(text, self._scan_hits(text, start, end, kinds), context)

    def _resolve_hits(self, text: str, hits: list, context: Context | None) -> list[Mention]:
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        out: list[Mention] = []
        last_end = -1
        for s, e, entries in hits:
            if s < last_end:
                continue
            if text[e - 1:e] == "部" and text[e:e + 1] == "门":
                continue  # 民政部门 is a place's civil-affairs department, not 民政部
            out.append(self.resolve(entries, Span(s, e), text[s:e], context))
            last_end = e
        return out

    def _scan_hits(self, text: str, start: int, end: int, kinds: tuple[str, ...]) -> list:
        hits: list[tuple[int, int, list[Entry]]] = []
        chunk = text[start:end]
        toks = tokenize(chunk, start)
        rtoks = raw_tokens(chunk, start)
        raw_index = {s: i for i, (_, s, _) in enumerate(rtoks)}
        words = [t for t, _, _ in toks]
        i = 0
        while i < len(toks):
            best = None
            # grow the name token by token while some label still starts this way
            n = 1
            while i + n <= len(toks):
                key = tuple(words[i:i + n])
                if key not in self.prefixes:
                    break
                found = [e for k in kinds for e in self.en[k].get(key, ())]
                if found and _contiguous(chunk, start, toks[i:i + n]):
                    best = (toks[i][1], toks[i + n - 1][2], found, n)
                n += 1
            j = raw_index.get(toks[i][1])
            if j is not None and any(c.isupper() for c in rtoks[j][0]):
                for n in range(min(4, len(rtoks) - j), 0, -1):
                    key = tuple(t for t, _, _ in rtoks[j:j + n])
                    found = [e for k in kinds for e in self.en_cs[k].get(key, ())]
                    if found and _contiguous(chunk, start, rtoks[j:j + n]):
                        cand = (rtoks[j][1], rtoks[j + n - 1][2], found, 0)
                        if best is None or cand[1] - cand[0] > best[1] - best[0]:
                            best = cand
                        break
            if best:
                hits.append(best[:3])
                while i < len(toks) and toks[i][1] < best[1]:
                    i += 1
            else:
                i += 1
        hits.extend(self._find_zh(text, start, end, kinds))
        return hits

    def _find_zh(self, text: str, start: int, end: int, kinds) -> list:
        """Chinese names, longest first.  Session numbers inside a name ("天津市第十八届人民
        代表大会常务委员会") are skipped while matching, as in English."""
        if not _CJK.search(text, start, end):
            return []
        sessions = list(_ZH_SESSION.finditer(text, start, end))
        if sessions:
            skip = {i for m in sessions for i in range(m.start(), m.end())}
            keep = [i for i in range(start, end) if i not in skip]
            compact = "".join(text[i] for i in keep)
        else:
            keep = range(start, end)
            compact = text[start:end]
        hits = []
        i = 0
        tables = [self.zh[k] for k in kinds]
        n_all = len(compact)
        while i < n_all:
            if not _CJK.match(compact[i]):
                i += 1
                continue
            best = None
            n = 1
            while i + n <= n_all and compact[i:i + n] in self.zh_prefixes:
                found = [e for t in tables for e in t.get(compact[i:i + n], ())]
                if found:
                    best = (i, i + n, found)
                n += 1
            if best:
                hits.append((keep[best[0]], keep[best[1] - 1] + 1, best[2]))
                i = best[1]
            else:
                i += 1
        return hits

    # ---------------------------------------------------------------- resolving

    def resolve(self, entries: list[Entry], span: Span, surface: str,
                context: Context | None) -> Mention:
        kind = entries[0].kind
        targets = sorted({e.iri for e in entries})
        # A hidden agency label is a context-bound name ("the municipal health department"):
        # it must be confirmed by the document's region even when one body carries it.
        only_hidden = kind == "agency" and all(e.label_type == "hidden" for e in entries)
        if len(targets) == 1 and not only_hidden:
            return Mention(kind, span, surface, targets[0], self.reg.key(targets[0]), "label")
        ranks = context.rank(self.reg) if context else {}
        scored = []
        for t in targets:
            places = self.reg.jurisdiction.get(t, set()) if kind == "agency" else {t}
            best = min((ranks[p] for p in places if p in ranks), default=None)
            if best is not None:
                scored.append((best, t))
        scored.sort()
        if scored and (len(scored) == 1 or scored[0][0] < scored[1][0]):
            t = scored[0][1]
            return Mention(kind, span, surface, t, self.reg.key(t), "context",
                           tuple(self.reg.key(x) for x in targets))
        reason = "ambiguous in this document's context" if len(targets) > 1 else \
            "a generic name whose body is not fixed by this document's context"
        return Mention(kind, span, surface, None, None, reason,
                       tuple(self.reg.key(x) for x in targets))

    def lookup(self, name: str, kinds: tuple[str, ...], context: Context | None = None,
               offset: int = 0) -> Mention | None:
        """The entry whose label is exactly ``name`` (after normalisation), if any."""
        ms = self.find(name, 0, len(name), kinds, context)
        whole = [m for m in ms if m.span.start == 0 and m.span.end >= len(name.rstrip(" .,;"))]
        if len(whole) != 1:
            return None
        m = whole[0]
        return Mention(m.kind, Span(m.span.start + offset, m.span.end + offset), m.surface,
                       m.target, m.key, m.how, m.candidates)


_ZH_SESSION = re.compile(r"第[一二三四五六七八九十百零〇\d]+(?:届|次)")
_IGNORABLE = re.compile(r"\b(?:the|\d+(?:st|nd|rd|th))\b", re.I)


def _contiguous(chunk: str, base: int, toks) -> bool:
    """Tokens of one name must not be split by sentence or list punctuation."""
    for (_, _, e1), (_, s2, _) in zip(toks, toks[1:]):
        gap = chunk[e1 - base:s2 - base]
        if gap == " ":
            continue  # the usual case, and plainly no break
        gap = _IGNORABLE.sub("", gap)
        # a single line break may fall inside a name in hard-wrapped text; a blank line may not
        if len(gap.strip()) > 3 or len(gap) > 6 or gap.count("\n") > 1 or \
                any(c in gap for c in ",;:。，；：、\""):
            return False
    return True


# ---------------------------------------------------------------- generic local names

LEVEL_WORDS = {"municipal": "city", "city": "city", "municipality": "city",
               "provincial": "province", "province": "province", "district": "district",
               "county": "district", "national": "national", "state": "national"}
ZH_LEVELS = {"市": "city", "省": "province", "区": "district", "县": "district"}
HEAD_WORDS = {"department", "authority", "bureau", "commission", "administration", "office",
              "agency", "committee", "organ", "body", "unit", "competent", "relevant",
              "respective", "wellness", "administrative", "responsible", "sector"}
SYNONYMS = {"supervision": "regulation", "regulatory": "regulation", "supervisory": "regulation",
            "sci": "science", "tech": "technology"}
STOP_WORDS = {"and", "of", "for", "a", "an", "in", "on", "s", "its", "their"}
ZH_HEADS = ("委员会", "管理局", "部门", "委", "局", "厅", "办", "机关")
_LEVEL_CONCEPTS = {"level-national": {"national"}, "level-provincial": {"province"},
                   "level-municipal": {"city"}, "level-district": {"district"}}


def function_core(tokens: list[str], drop: set[str] = frozenset()) -> frozenset[str]:
    """What a body does, without its level, place and head noun: ``municipal market
    supervision department`` and ``Shenzhen Administration for Market Regulation`` both give
    {market, regulation}.  Used only to resolve generic local names in context."""
    out = set()
    for t in tokens:
        t = SYNONYMS.get(t, t)
        if t in STOP_WORDS or t in HEAD_WORDS or t in LEVEL_WORDS or t in drop:
            continue
        out.add(t)
    return frozenset(out)


def _zh_core(label: str, drop: list[str]) -> str:
    for d in sorted(drop, key=len, reverse=True):
        label = label.replace(d, "")
    for h in ZH_HEADS:
        if label.endswith(h):
            label = label[: -len(h)]
            break
    return re.sub(r"[和与及、的]", "", label.lstrip("市省区县"))


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


class LocalNames:
    """Resolves a generic local name ("the municipal health department", "市卫生健康部门") to
    the one body of the document's own region that does that job, or to nothing."""

    def __init__(self, registry: Registry):
        self.reg = registry
        g = registry.graph
        self.cores: dict[URIRef, set[frozenset[str]]] = defaultdict(set)
        self.zh_cores: dict[URIRef, set[str]] = defaultdict(set)
        self.levels: dict[URIRef, set[str]] = {}
        for ag, kind in registry.kinds.items():
            if kind != "agency" or (ag, RDF.type, CGT.GenericAuthority) in g:
                continue  # a role held by many bodies is never "the body of this place"
            places = registry.jurisdiction.get(ag, set())
            drop_en: set[str] = set()
            drop_zh: list[str] = []
            for p in places:
                for e in registry.labels_of.get(p, []):
                    if e.lang == "zh":
                        drop_zh.append(e.label)
                    else:
                        drop_en.update(norm_tokens(e.label))
            for e in registry.labels_of[ag]:
                if e.lang == "zh":
                    core = _zh_core(e.label, drop_zh)
                    if core:
                        self.zh_cores[ag].add(core)
                else:
                    core = function_core(norm_tokens(e.label), drop_en)
                    if core:
                        self.cores[ag].add(core)
            levels: set[str] = set()
            for lv in g.objects(ag, CGT.administrativeLevel):
                levels |= _LEVEL_CONCEPTS.get(str(lv).rsplit("/", 1)[-1], set())
            for p in places:
                for rl in g.objects(p, CGT.regionLevel):
                    if str(rl).endswith("rl-municipality"):
                        levels.add("city")
            self.levels[ag] = levels
        self.agencies = sorted(self.cores.keys() | self.zh_cores.keys())
        self._memo: dict[tuple, tuple | None] = {}

    def lookup(self, phrase: str, context: Context | None, span: Span,
               level: str | None = None) -> Mention | None:
        """The one body of the context's places that ``phrase`` names, an unresolved mention
        when several fit, or None.  Answers are remembered by (phrase, places, level): the
        same generic names come back in every provision of a text, and each answer scans
        every local body of the registry."""
        if context is None or not context.regions:
            return None
        key = (phrase, tuple(context.regions), level)
        got = self._memo.get(key, _MISSING)
        if got is _MISSING:
            got = self._lookup(phrase, context, level)
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[key] = got
        return None if got is None else Mention("agency", span, phrase, *got)

    def _lookup(self, phrase: str, context: Context, level: str | None) -> tuple | None:
        """(target, key, how, candidates) of :meth:`lookup`'s mention, or None."""
        if _CJK.search(phrase):
            lv = level or ZH_LEVELS.get(phrase[:1])
            core_zh = _zh_core(phrase, [])
            if not core_zh:
                return None

            def match(ag: URIRef) -> bool:
                return any(_subsequence(core_zh, c) for c in self.zh_cores.get(ag, ()))
        else:
            toks = norm_tokens(phrase)
            lv = level or next((LEVEL_WORDS[t] for t in toks if t in LEVEL_WORDS), None)
            core = function_core(toks)
            if not core:
                return None

            def match(ag: URIRef) -> bool:
                return core in self.cores.get(ag, ())
        ranks = context.rank(self.reg)
        scored = []
        for ag in self.agencies:
            if lv and lv not in self.levels.get(ag, set()):
                continue
            if lv is None and "national" in self.levels.get(ag, set()):
                continue
            places = self.reg.jurisdiction.get(ag, set())
            best = min((ranks[p] for p in places if p in ranks), default=None)
            if best is None or not match(ag):
                continue
            scored.append((best, str(ag), ag))
        scored.sort()
        if not scored:
            return None
        if len(scored) > 1 and scored[0][0] == scored[1][0]:
            return (None, None, "several bodies of this document's region fit",
                    tuple(self.reg.key(s[2]) for s in scored))
        ag = scored[0][2]
        return (ag, self.reg.key(ag), "context-function", ())


# ---------------------------------------------------------------- Chinese functional descriptors

#: Where a Chinese descriptor's level word puts the body.  National and "role" classes resolve
#: without the document's context (one registry entry each); place classes (市/省/区/县,
#: 本市/本省) only through it.
ZH_LEVEL = re.compile(
    r"(?P<lvl>国务院|县级?以上(?:地方)?(?:各级)?(?:人民政府)?|"
    r"省、自治区、直辖市(?:人民政府)?|省级(?:地方)?(?:人民政府)?|"
    r"设区的市级?(?:以上)?(?:地方)?(?:人民政府)?|"
    r"(?:本市|本省)?(?:地方)?各级人民政府|地方人民政府|县级人民政府|"
    r"乡、镇人民政府|乡镇人民政府|乡（镇）人民政府|乡\(镇\)人民政府|乡级人民政府|"
    r"(?:本市|本省)(?:人民政府)?|区、县(?:人民政府)?|区（县）(?:人民政府)?|"
    r"区县(?:[（(]自治县[）)])?(?:人民政府)?|"
    r"[省市区县](?:[（(](?:自治)?[市区县旗](?:、(?:自治)?[市区县旗])*[）)]|"
    r"[、和](?:[市区县](?!场)){1,2}(?:[（(](?:自治)?[市区县旗](?:、(?:自治)?[市区县旗])*[）)])?)+|"
    r"[省市区县](?![场级域内外长委局厅])(?:人民政府)?)")
#: ``市、区人民政府``: the governments of several levels of the document's place.
_ZH_LEVEL_PAREN = r"[（(](?:自治)?[市区县旗地](?:、(?:自治)?[市区县旗])*[）)]"
ZH_MULTI_GOV = re.compile(rf"([省市区县])((?:{_ZH_LEVEL_PAREN}|(?:[、和]|或者|或)?[市区县])+)人民政府")
#: The function words and head noun that follow the level: ``卫生健康主管部门``.
ZH_FN_HEAD = re.compile(
    r"(?P<fn>[\u3400-\u9fff、]{0,90}?)(?P<head>部门|机关|机构)")
#: ``人民政府管理专利工作的部门``: the department that manages a field, named by the field.
_ZH_MANAGING = re.compile(r"(?:负责)?(?:主管|管理)(?P<fn>[\u3400-\u9fff]{1,10}?)(?:工作)?的(?P<head>部门|机构)")
#: Function words never contain a verb of the clause: such a "descriptor" is a subject
#: followed by its predicate (``市人民政府应当加强…部门``).
_ZH_NOT_FN = re.compile(
    r"应当|负责|可以|会同|按照|依照|依法|根据|组织|加强|做好|建立|制定|统筹|协调|指导|"
    r"设立|确定|批准|规定|授权|委托|支持|鼓励|引导|通过|建立|指定|决定|领导|政府|报|向|对|在|由|将|把|的|与|或|和其|及其|以及|"
    r"其他(?!有关)")
#: Suffixes of the function words that do not change the function: 卫生行政 = 卫生 = 卫生主管.
_ZH_FN_SUFFIX = re.compile(r"(?:行政主管|行政管理|监督管理|主管|行政|监管|监督|管理|工作)+$")
_ZH_RELEVANT = {"有关", "其他有关", "相关", "其他相关", "各", "各有关", "有关主管", "其他"}


def zh_level_class(lvl: str) -> str:
    """national | county-up | provincial | city-up | all-levels | county | township |
    place-city | place-province | place-district."""
    if lvl == "国务院":
        return "national"
    if lvl.startswith(("县级以上", "县以上")):
        return "county-up"
    if lvl.startswith(("省、自治区、直辖市", "省级")):
        return "provincial"
    if lvl.startswith("设区的市"):
        return "city-up"
    if "各级人民政府" in lvl or lvl == "地方人民政府":
        return "all-levels"
    if lvl == "县级人民政府":
        return "county"
    if lvl.startswith("乡"):
        return "township"
    if lvl.startswith(("本市", "市")):
        return "place-city"
    if lvl.startswith(("本省", "省")):
        return "place-province"
    return "place-district"


def zh_cores(fn: str) -> list[str] | None:
    """The functions of a descriptor's function words, each without its administrative
    suffix: ``发展改革、科技创新等`` -> [发展改革, 科技创新]; ``有关`` -> [有关]; a verb among
    the words -> None (not a descriptor)."""
    fn = fn.replace("等", "")
    if fn == "":
        return []
    if _ZH_NOT_FN.search(fn):
        return None
    out = []
    for piece in fn.split("、"):
        if not piece:
            return None
        core = _ZH_FN_SUFFIX.sub("", piece)
        if core in _ZH_RELEVANT or piece in _ZH_RELEVANT:
            core = "有关"
        if not core or len(core) > 12:
            return None
        out.append(core)
    return out


def _bare_descriptor(fn: str, head: str) -> bool:
    """Without a level word only an administrative name counts (``药品监督管理部门``,
    ``公安机关``), not any noun ending in 机构 (``专利代理机构`` is a firm)."""
    if head == "机构" or len(fn) > 10 or "、" in fn or re.search(r"经|须|院|政府|凡|各|其", fn):
        return False
    if head == "机关":
        return fn in ("公安", "税务", "审计", "司法行政", "监察", "行政")
    return bool(_ZH_FN_SUFFIX.search(fn)) or fn.replace("等", "") in _ZH_RELEVANT


@dataclass
class ZhDescriptor:
    """A parsed Chinese descriptor: level word, level class, function cores, and where the
    function words lie (``(start, end)`` per core, for the mentions' spans)."""

    level: str
    cls: str
    cores: list[str]
    pieces: list[tuple[int, int]]
    start: int
    end: int
    gov_only: bool  # "县级以上地方人民政府", "市人民政府": the government itself


def parse_zh_descriptor(text: str, pos: int, limit: int, inherit: str | None = None
                        ) -> ZhDescriptor | None:
    """Read a descriptor starting at ``pos`` (not beyond ``limit``); bounded look-ahead.

    ``inherit``: a level word carried over from a preceding body (``…人民政府及其有关部门``)."""
    if inherit is None:
        mg = ZH_MULTI_GOV.match(text, pos, limit)
        if mg is not None:
            of = _of_government(text, pos, mg.end(), limit, mg.group(0)[:-4])
            if of is not None:
                return of
            return ZhDescriptor(mg.group(0), zh_level_class(mg.group(1)), [], [], pos, mg.end(), True)
        m = ZH_LEVEL.match(text, pos, limit)
        if m is None:
            lvl, after = "", pos  # "药品监督管理部门" without level: reported, not resolved
        else:
            lvl, after = m.group("lvl"), m.end()
            if lvl.endswith("人民政府"):
                of = _of_government(text, pos, after, limit, lvl)
                if of is not None:
                    return of
    else:
        lvl, after = inherit, pos
    h = ZH_FN_HEAD.match(text, after, min(limit, after + 96))
    if lvl:
        h = _ZH_MANAGING.match(text, after, min(limit, after + 30)) or h
    if h is not None:
        cores = zh_cores(h.group("fn"))
        if cores is not None and not lvl and not _bare_descriptor(h.group("fn"), h.group("head")):
            cores = None
        if cores is not None and (cores or lvl):
            pieces, p = [], h.start("fn")
            for piece in h.group("fn").split("、"):
                pieces.append((p, p + len(piece.rstrip("等"))))
                p += len(piece) + 1
            return ZhDescriptor(lvl, zh_level_class(lvl) if lvl else "none", cores, pieces,
                                pos, h.end(), False)
    if lvl and (lvl.endswith("人民政府") or lvl == "国务院") and inherit is None:
        return ZhDescriptor(lvl, zh_level_class(lvl), [], [], pos, after, True)
    return None


def _level_words(level: str) -> list[tuple[str, int]]:
    """The level words of a place-bound descriptor's level, one per level and outside
    parentheses, with their offsets: ``市、县（市、区）`` -> [(市, 0), (县, 2)]."""
    inside = {i for p in re.finditer(_ZH_LEVEL_PAREN, level) for i in range(*p.span())}
    out, classes = [], set()
    for i, ch in enumerate(level):
        if ch in "省市区县" and i not in inside and zh_level_class(ch) not in classes:
            classes.add(zh_level_class(ch))
            out.append((ch, i))
    return out


def _of_government(text: str, pos: int, after: int, limit: int, lvl: str) -> ZhDescriptor | None:
    """``县级以上人民政府的卫生行政部门``: the department, not the government that owns it (a
    possessor is not responsible). The level is the government's, so the department resolves
    as ``县级以上人民政府卫生行政部门`` would."""
    if not text.startswith("的", after):
        return None
    d = parse_zh_descriptor(text, after + 1, limit, inherit=lvl)
    if d is None or d.gov_only or not d.cores:
        return None
    return dataclasses.replace(d, start=pos)


class ZhDescriptors:
    """Resolves ``国务院卫生健康主管部门`` (national: the body whose descriptor labels carry that
    function), ``县级以上地方人民政府卫生健康主管部门`` (a role: a cgt:GenericAuthority) and
    ``市卫生健康部门`` (in context: the body of the document's place).

    The function words of national and role descriptors come from the registry's own Chinese
    labels, parsed the same way as the text, so a synonym is one more label, not code."""

    def __init__(self, registry: Registry, linker: Linker, local: LocalNames):
        self.reg = registry
        self.linker = linker
        self.local = local
        self.resolver: BodyResolver | None = None  # set by the body finder
        self.derive = False  # the body finder's switch (BodyFinder.derive)
        self.table: dict[tuple[str, str], set[URIRef]] = defaultdict(set)
        for ag, kind in registry.kinds.items():
            if kind != "agency":
                continue
            for e in registry.labels_of[ag]:
                if e.lang != "zh" or e.label_type == "hidden":
                    continue
                d = parse_zh_descriptor(e.label, 0, len(e.label))
                if d is None or d.end != len(e.label) or d.cls.startswith("place") or \
                        d.cls == "none" or len(d.cores) > 1:
                    continue
                self.table[(d.cls, d.cores[0] if d.cores else "")].add(ag)

    def resolve(self, text: str, d: ZhDescriptor, ctx: Context | None) -> list[Mention]:
        """One mention per function of the descriptor (resolved or not)."""
        multi = ZH_MULTI_GOV.fullmatch(d.level)
        if multi is not None:  # one government per level (区、县 and 区县（自治县）: one)
            out = []
            for ch, i in _level_words(d.level[:-4]):
                one = ZhDescriptor(ch + "人民政府", zh_level_class(ch), [], [], d.start + i,
                                   d.start + i + 1, True)
                out.append(self._one(text, one, "", Span(d.start + i, d.start + i + 1), ctx, True))
            return out
        if d.gov_only:
            return [self._one(text, d, "", Span(d.start, d.end), ctx)]
        levels = _level_words(d.level) if d.cls.startswith("place") else []
        if len(levels) > 1:  # 市、县（市、区）卫生行政部门: the city's department and the counties'
            out = []
            for ch, i in levels:
                one = dataclasses.replace(d, level=ch, cls=zh_level_class(ch))
                # the level's own words start the descriptor unless it was inherited
                # (市、区X部门及其他相关部门: the second takes the level, not its position)
                at = d.start + i if text.startswith(d.level, d.start) else d.start
                for core, (s, e) in zip(d.cores, d.pieces):
                    span = Span(at, d.end) if len(d.cores) == 1 else Span(s, e)
                    out.append(self._one(text, one, core, span, ctx, True))
            return out
        out = []
        for core, (s, e) in zip(d.cores, d.pieces):
            span = Span(d.start, d.end) if len(d.cores) == 1 else Span(s, e)
            out.append(self._one(text, d, core, span, ctx))
        return out

    def _one(self, text: str, d: ZhDescriptor, core: str, span: Span,
             ctx: Context | None, collective: bool = False) -> Mention:
        surface = text[span.start:span.end]
        if not d.cls.startswith("place") and d.cls != "none":
            hits = sorted(self.table.get((d.cls, core), ()))
            if len(hits) == 1:
                return Mention("agency", span, surface, hits[0], self.reg.key(hits[0]),
                               "descriptor")
            why = ("no registry entry holds this role" if not hits else
                   "several registry entries hold this role")
            return Mention("agency", span, surface, None, None, why,
                           tuple(self.reg.key(h) for h in hits))
        if d.cls == "none":
            return Mention("agency", span, surface, None, None,
                           "a function named without level or place")
        # a place-bound body: the document's own place decides, never a guess
        lv_char = d.level.replace("本", "").replace("人民政府", "")[:1] or "市"
        level = ZH_LEVELS.get(lv_char)
        if d.gov_only:
            name = lv_char + "人民政府"
            m = self.linker.lookup(name, ("agency",), ctx)
            if m is not None and m.target is not None:
                return Mention("agency", span, surface, m.target, m.key, "context")
            if self.resolver is not None and self.derive:
                got = self.resolver.resolve(name, span, ctx, surface, collective)
                if got is not None and got.target is not None:
                    return got
            return Mention("agency", span, surface, None, None,
                           "no people's government of this document's place in the registry",
                           m.candidates if m is not None else ())
        if core == "有关":
            return Mention("agency", span, surface, None, None,
                           "relevant departments of a place: not one body")
        for name in (surface if len(d.cores) == 1 else None,
                     lv_char + core + "部门"):
            if not name:
                continue
            m = self.linker.lookup(name, ("agency",), ctx)
            if m is not None and m.target is not None:
                return Mention("agency", span, surface, m.target, m.key, "context")
        m = self.local.lookup(lv_char + core + "部门", ctx, span, level)
        if m is not None and m.target is not None:
            m.surface = surface
            return m
        if self.resolver is not None and self.derive:
            got = self.resolver.resolve(lv_char + core + "部门", span, ctx, surface, collective)
            if got is not None and got.target is not None:
                return got
        if m is not None:  # the registry's reason it could not decide (several fit, …)
            m.surface = surface
            return m
        cands: tuple = ()
        m2 = self.linker.lookup(lv_char + core + "部门", ("agency",), None)
        if m2 is not None:
            cands = m2.candidates or ((m2.key,) if m2.key else ())
        return Mention("agency", span, surface, None, None,
                       "no body of this function for this document's place in the registry",
                       cands)


# ---------------------------------------------------------------- bodies as function x place

#: The head nouns of a Chinese body name, longest first.
ZH_BODY_HEADS = ("行政主管部门", "监督管理部门", "主管部门", "行政部门", "管理委员会", "管委会", "委员会",
                 "管理局", "办公厅", "办公室", "部门", "局", "厅", "委", "办")
#: The head nouns of an English body name.
EN_BODY_HEADS = {"commission", "bureau", "department", "administration", "office", "committee",
                 "authority", "agency"}
_EN_BODY_RE = re.compile(r"\b(?:Commission|Bureau|Department|Administration|Office|Committee|"
                         r"Authority|Agency|Government|Customs)\b", re.I)
_REGION_RANK = {"rl-municipality": "province", "rl-province": "province", "rl-sar": "province",
                "rl-city": "city", "rl-district": "district", "rl-new-area": "district",
                "rl-development-zone": "district",
                # a zone is a place of its own bodies (管委会, 管理局) but has no standard
                # government departments: no body is derived for it, provisional ones are
                "rl-free-trade-zone": "zone", "rl-zone-area": "zone",
                "rl-special-economic-zone": "zone"}
#: Functions run by vertical management: the local body is a branch of this national body.
_VERTICAL = {"customs": "gac", "tax": "sat"}
#: The head noun an English function name already carries ("Health Commission"); one that has
#: none ("Science and Technology") takes Bureau or Department.
_EN_HEAD_NOUN = re.compile(r"\b(?:Commission|Administration|Bureau|Office|Customs|Government|"
                           r"Committee|Congress)\b")
_LEVEL_OF = {"province": "level-provincial", "city": "level-municipal", "district": "level-district"}


@dataclass
class Function:
    """One concept of scheme/government-functions, read from ``functions.ttl``."""

    iri: URIRef
    key: str
    en_cores: set[frozenset[str]]
    zh_cores: set[str]
    forms: dict[str, str]  # place rank (province | city | district) -> standard Chinese name
    en_head: str


def _description(derived: dict[URIRef, list[tuple]], iri: URIRef) -> tuple:
    """The triples of a derived body and of the derived bodies it depends on."""
    out, todo, seen = [], [iri], set()
    while todo:
        x = todo.pop()
        if x in seen or x not in derived:
            continue
        seen.add(x)
        for t in derived[x]:
            out.append(t)
            if t[1] == ORG.subOrganizationOf:
                todo.append(t[2])
    return tuple(out)


class BodyResolver:
    """A body named by place + function, resolved by rule rather than looked up in a list.

    ``天津市科学技术局``, ``Chongqing Municipal Science and Technology Bureau``, ``Health
    Commission of Jiangsu Province`` and, in a city's text, ``市卫生健康委`` / ``the municipal
    health department`` are read as (function, place): the place from the region registry (the
    gazetteer), the function from ``functions.ttl``.  The registry body that holds that
    function for that place wins (found by reading the registry's own labels the same way);
    otherwise the body is derived: ``agency/<place-key>-<function-key>``, a
    cgt:LocalGovernmentBody whose description (labels, level, jurisdiction, parent
    government, function) travels with the mention into the extracted graph.  A name that
    has the form of a body but no known function is a provisional body, reported, never a
    guess.  Names are never split at 和/and: the function words are matched whole."""

    def __init__(self, registry: Registry, linker: Linker):
        self.reg = registry
        self.linker = linker
        g = registry.graph
        base = registry.base
        self.functions: dict[str, Function] = {}
        scheme = URIRef(f"{base}scheme/government-functions")
        for c in sorted(g.subjects(SKOS.inScheme, scheme)):
            key = str(g.value(c, SKOS.notation) or "")
            if not key:
                continue
            en_cores, zh_cores = set(), set()
            for p in (SKOS.prefLabel, SKOS.altLabel):
                for o in g.objects(c, p):
                    if getattr(o, "language", None) == "zh":
                        zh_cores.add(str(o))
                    else:
                        core = function_core(norm_tokens(str(o)))
                        if core:
                            en_cores.add(core)
            forms, en_head = {}, key
            for o in g.objects(c, SKOS.example):
                m = re.match(r"province: (.+); city: (.+); county: (.+)$", str(o))
                if m:
                    forms = {"province": m.group(1), "city": m.group(2), "district": m.group(3)}
                m = re.match(r"(.+) of X Province", str(o))
                if m:
                    en_head = m.group(1)
            for form in forms.values():
                core = _strip_zh_head(form)
                if core:
                    zh_cores.add(core)
            self.functions[key] = Function(c, key, en_cores, zh_cores, forms, en_head)
        self.zh_core: dict[str, Function] = {}
        self.zh_core_loose: dict[str, Function] = {}
        self.en_core: dict[frozenset[str], Function] = {}
        for f in self.functions.values():
            for z in sorted(f.zh_cores):
                self.zh_core.setdefault(z, f)
                self.zh_core_loose.setdefault(_ZH_FN_SUFFIX.sub("", z) or z, f)
            for e in sorted(f.en_cores, key=sorted):
                self.en_core.setdefault(e, f)
        self.rank: dict[URIRef, str] = {}
        for r, lv in g.subject_objects(CGT.regionLevel):
            rk = _REGION_RANK.get(str(lv).rsplit("/", 1)[-1])
            if rk:
                self.rank[r] = rk
        self.derived: dict[URIRef, list[tuple]] = {}
        self._memo: dict[tuple, Mention | None] = {}  # resolve's answers
        # the registry's own bodies, read as (place, function)
        self.held: dict[tuple[URIRef, str], URIRef] = {}
        for ag, kind in sorted(registry.kinds.items()):
            if kind != "agency" or (ag, RDF.type, CGT.GenericAuthority) in g:
                continue
            places = registry.jurisdiction.get(ag, set())
            if len(places) != 1:
                continue
            place = next(iter(places))
            for e in registry.labels_of[ag]:
                if e.label_type == "hidden":
                    continue
                got = self.parse(e.label, None)
                if got is not None and got[0] == place and got[1] is not None:
                    self.held.setdefault((place, got[1].key), ag)

    # ------------------------------------------------------------ reading a name

    def _places(self, name: str, ctx: Context | None) -> tuple[URIRef | None, int, int]:
        """The place a name starts with (the most specific of a leading chain: 北京市朝阳区)
        and where the place words end; for English, the place anywhere in the name."""
        hits = [m for m in self.linker.find(name, 0, len(name), ("region",), ctx)
                if m.target is not None and m.target in self.rank]
        if not hits:
            return None, 0, 0
        if _CJK.match(name):
            pos, place, start = 0, None, 0
            for m in hits:
                if m.span.start != pos:
                    break
                place, pos = m.target, m.span.end
            return place, start, pos
        m = max(hits, key=lambda m: (self._depth(m.target), -m.span.start))
        return m.target, m.span.start, m.span.end

    def place_in(self, name: str, ctx: Context | None) -> URIRef | None:
        """The place a name names (the most specific), or None."""
        return self._places(name, ctx)[0]

    def _depth(self, region: URIRef) -> int:
        return {"province": 1, "city": 2, "district": 3}.get(self.rank.get(region, ""), 0)

    def parse(self, name: str, ctx: Context | None):
        """(place, function, level word, looks like a body) or None for a name that is not a
        body name at all."""
        name = name.strip(" \t\n,.;:()（）")
        if not name:
            return None
        if _CJK.search(name):
            return self._parse_zh(name, ctx)
        return self._parse_en(name, ctx)

    def _parse_zh(self, name: str, ctx):
        place, _, end = self._places(name, ctx)
        rest = name[end:]
        level = None
        if place is None:
            if rest[:1] in "省市区县" and not rest.startswith("市场"):
                # 区县 / 区（县） / 市（地） / 县级: one level word, however it is written
                lv = re.match(r"[省市区县](?:[（(][^）)]{1,6}[）)]|[区县市](?![场])|级(?!以))*", rest)
                level, rest = ZH_LEVELS[rest[0]], rest[lv.end():]
            elif rest.startswith("本市") or rest.startswith("本省"):
                level, rest = ZH_LEVELS[rest[1]], rest[2:]
            else:
                return None
        fn = self._zh_function(rest)
        head = any(rest.endswith(h) for h in ZH_BODY_HEADS) or rest.endswith(("海关", "政府"))
        if fn is None and not head:
            return None
        return place, fn, level, head

    def _zh_function(self, rest: str) -> Function | None:
        if rest in ("人民政府", "政府"):
            return self.functions.get("gov")
        if rest in ("海关",):
            return self.functions.get("customs")
        for pre in ("人民政府", "政府"):
            if rest.startswith(pre) and rest[len(pre):] in ("办公厅", "办公室"):
                return self.functions.get("gov-go")
        if rest.startswith(("人民代表大会常务委员会", "人大常委会", "人大常务委员会")):
            return self.functions.get("npcsc")
        core = _strip_zh_head(rest)
        if core is None:
            return None
        if core in self.zh_core:
            return self.zh_core[core]
        loose = _ZH_FN_SUFFIX.sub("", core) or core
        return self.zh_core_loose.get(loose) or self.zh_core.get(loose)

    def _parse_en(self, name: str, ctx):
        place, ps, pe = self._places(name, ctx)
        toks = norm_tokens(name[:ps] + " " + name[pe:]) if place is not None else norm_tokens(name)
        level = None
        if place is None:
            level = next((LEVEL_WORDS[t] for t in toks if t in LEVEL_WORDS and
                          LEVEL_WORDS[t] != "national"), None)
            if level is None:
                return None
        head = bool(_EN_BODY_RE.search(name))
        core = function_core(toks)
        fn = self.en_core.get(core)
        if fn is None and "customs" in core and len(core) == 1:
            fn = self.functions.get("customs")
        if fn is None and core - {"people", "government"} == set() and "government" in core:
            fn = self.functions.get("gov")
        if fn is None and not head:
            return None
        return place, fn, level, head

    # ------------------------------------------------------------ resolving

    def context_place(self, level: str, ctx: Context | None) -> URIRef | None:
        """The document's nearest place of that level (市 -> its city or municipality)."""
        if ctx is None:
            return None
        want = {"city": ("city", "province"), "province": ("province",),
                "district": ("district",)}[level]
        ranks = ctx.rank(self.reg)
        best = None
        for r, score in ranks.items():
            rk = self.rank.get(r)
            if rk not in want:
                continue
            if level == "city" and rk == "province" and \
                    not str(self.reg.graph.value(r, CGT.regionLevel)).endswith("rl-municipality"):
                continue  # a province's text has no "市" of its own
            if best is None or (score, str(r)) < best[:2]:
                best = (score, str(r), r)
        return best[2] if best else None

    def resolve(self, name: str, span: Span, ctx: Context | None,
                surface: str | None = None, collective: bool = False) -> Mention | None:
        """The body a name stands for, derived if no registry entry holds it; a provisional
        (unresolved) mention if it has a body's form and no known function; None if it is not
        a body name."""
        surface = surface if surface is not None else name
        # remembered by value: the answer depends on the name, the surface and the context's
        # places, not on where the name stands (derived bodies are made once, on first need)
        key = (name, surface, collective, tuple(ctx.regions) if ctx is not None else None)
        got = self._memo.get(key, _MISSING)
        if got is _MISSING:
            got = self._resolve(name, span, ctx, surface, collective)
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[key] = got.copy() if got is not None else None
        elif got is not None:
            got = got.copy()
            got.span = span
        return got

    def _resolve(self, name: str, span: Span, ctx: Context | None, surface: str,
                 collective: bool) -> Mention | None:
        got = self.parse(name, ctx)
        if got is None:
            return None
        place, fn, level, head = got
        group = False
        if place is None and level is not None:
            place = self.context_place(level, ctx)
            # 区人民政府 in a city's text is its districts' governments; a bare 市X部门 in a
            # province's text is some city's, unknown, unless listed with other levels
            # (市、县人民政府: every city's and every county's)
            group = place is None and (level == "district" or collective)
        if fn is None:
            if not head or not looks_like_a_name(name):
                return None
            m = Mention("agency", span, surface, None, None,
                        "provisional body: a body's name with no known function"
                        + (f" in {self.reg.key(place)}" if place is not None else ""))
            m.about = self.provisional(surface, place)
            return m
        if group:  # 区人民政府 in a city's text: its districts' governments, taken together
            iri = self.derive_group(level, fn, ctx)
            if iri is None:
                return None
            m = Mention("agency", span, surface, iri, self.reg.key(iri), "derived")
            m.about = _description(self.derived, iri)
            return m
        if place is None:
            return None
        held = self.held.get((place, fn.key))
        if held is None and fn.key == "gov":
            govs = self.reg.governments_of(place)
            held = govs[0] if len(govs) == 1 else None
        if held is not None:
            return Mention("agency", span, surface, held, self.reg.key(held), "function-place")
        iri = self.derive(place, fn)
        if iri is None:
            return None
        m = Mention("agency", span, surface, iri, self.reg.key(iri), "derived")
        m.about = _description(self.derived, iri)
        return m

    def government(self, place: URIRef) -> URIRef | None:
        govs = self.reg.governments_of(place)
        if len(govs) == 1:
            return govs[0]
        held = self.held.get((place, "gov"))
        if held is not None:
            return held
        fn = self.functions.get("gov")
        return self.derive(place, fn) if fn is not None else None

    def _place_names(self, place: URIRef) -> tuple[str | None, str | None]:
        """The place's Chinese and English names, as bodies' names start with them."""
        zh = next((str(o) for o in self.reg.graph.objects(place, SKOS.prefLabel)
                   if getattr(o, "language", None) == "zh"), None)
        return zh, self.reg.pref_en.get(place)

    def derive(self, place: URIRef, fn: Function) -> URIRef | None:
        rank = self.rank.get(place)
        if rank not in _LEVEL_OF or not fn.forms:
            return None
        iri = URIRef(f"{self.reg.base}agency/{self.reg.key(place)}-{fn.key}")
        if iri in self.derived:
            return iri
        g = self.reg.graph
        zh_place, en_place = self._place_names(place)
        if zh_place is None or en_place is None:
            return None
        level = str(g.value(place, CGT.regionLevel) or "").rsplit("/", 1)[-1]
        zh = zh_place + fn.forms["city" if level == "rl-municipality" else rank]
        head = fn.en_head
        if not _EN_HEAD_NOUN.search(head):
            head += " Department" if rank == "province" and level != "rl-municipality" else " Bureau"
        if fn.key == "customs":
            en = f"{en_place} Customs"
        elif level == "rl-municipality" or rank == "city":
            en = f"{en_place} Municipal {head}"
        elif level == "rl-province":
            en = f"{head} of {en_place} Province"
        else:
            en = f"{head} of {en_place}"
        base = self.reg.base
        classification = {"gov": "at-government", "gov-go": "at-general-office",
                          "npcsc": "at-legislature"}.get(fn.key, "at-local-department")
        ts: list[tuple] = [
            (iri, RDF.type, ORG.Organization), (iri, RDF.type, ORG.FormalOrganization),
            (iri, RDF.type, CGT.LocalGovernmentBody),
            (iri, SKOS.prefLabel, Literal(en, lang="en")), (iri, SKOS.prefLabel, Literal(zh, lang="zh")),
            (iri, CGT.administrativeLevel, URIRef(f"{base}concept/{_LEVEL_OF[rank]}")),
            (iri, CGT.jurisdiction, place), (iri, CGT.governmentFunction, fn.iri),
            (iri, ORG.classification, URIRef(f"{base}concept/{classification}")),
        ]
        self.derived[iri] = ts
        parent = None
        if fn.key in _VERTICAL:  # branches of a national body, not of the local government
            parent = self.reg.iri("agency", _VERTICAL[fn.key])
        elif fn.key != "gov":
            parent = self.government(place)
        if parent is not None:
            ts.append((iri, ORG.subOrganizationOf, parent))
        return iri

    def derive_group(self, level: str, fn: Function, ctx: Context | None) -> URIRef | None:
        """The bodies of one function at every place of a level below the document's place,
        taken together: ``区卫生健康部门`` in Shanghai's text is the health departments of all
        its districts, ``市、县人民政府`` in a province's text the governments of its cities and
        of its counties. A cgt:GenericAuthority (a collective, as the registry's
        ``shenzhen-district-govs``): ``agency/<place>-counties-<function>`` or
        ``agency/<place>-cities-<function>``. None when the document has no place above that
        level, or the level is a province's (a text never names its own province's peers)."""
        if level == "district":
            place = self.context_place("city", ctx) or self.context_place("province", ctx)
        elif level == "city":
            place = self.context_place("province", ctx)
            if place is not None and str(self.reg.graph.value(place, CGT.regionLevel) or
                                         "").endswith("rl-municipality"):
                return None  # a municipality's 市 is itself, not a group
        else:
            return None
        if place is None or not fn.forms or fn.key in _VERTICAL:
            return None
        which = "counties" if level == "district" else "cities"
        iri = URIRef(f"{self.reg.base}agency/{self.reg.key(place)}-{which}-{fn.key}")
        if iri in self.derived:
            return iri
        zh_place, en_place = self._place_names(place)
        if zh_place is None or en_place is None:
            return None
        municipality = str(self.reg.graph.value(place, CGT.regionLevel) or "").endswith("rl-municipality")
        if level == "district":
            zh = zh_place + ("各区县" if municipality else "各县（市、区）") + fn.forms["district"]
            en_level = "District and County"
        else:
            zh = zh_place + "各设区的市" + fn.forms["city"]
            en_level = "City"
        head = fn.en_head if _EN_HEAD_NOUN.search(fn.en_head) else fn.en_head + " Bureau"
        en = f"{en_level} {head}{'' if head.endswith('s') else 's'} of {en_place}"
        base = self.reg.base
        self.derived[iri] = [
            (iri, RDF.type, ORG.Organization), (iri, RDF.type, CGT.GenericAuthority),
            (iri, SKOS.prefLabel, Literal(en, lang="en")), (iri, SKOS.prefLabel, Literal(zh, lang="zh")),
            (iri, CGT.administrativeLevel, URIRef(f"{base}concept/{_LEVEL_OF[level]}")),
            (iri, CGT.jurisdiction, place), (iri, CGT.governmentFunction, fn.iri),
            (iri, ORG.classification, URIRef(f"{base}concept/at-collective")),
        ]
        return iri

    def provisional(self, name: str, place: URIRef | None) -> tuple:
        """A body-shaped name that nothing known matches: a cgt:ProvisionalBody for review
        (not an org:Organization, so no responsibility points to it)."""
        import hashlib

        # the same name in two places is two bodies (市人民代表大会法制委员会 of two cities)
        where = self.reg.key(place) if place is not None else ""
        key = "provisional-" + hashlib.sha256(f"{where}|{name}".encode()).hexdigest()[:12]
        iri = URIRef(f"{self.reg.base}agency/{key}")
        ts = [(iri, RDF.type, CGT.ProvisionalBody), (iri, RDFS.label, Literal(name))]
        kind = organisation_kind(name)
        if kind is not None:
            ts.append((iri, ORG.classification, URIRef(f"{self.reg.base}concept/{kind}")))
        if place is not None:
            ts.append((iri, CGT.jurisdiction, place))
            level = _LEVEL_OF.get(self.rank.get(place))
            if level:
                ts.append((iri, CGT.administrativeLevel, URIRef(f"{self.reg.base}concept/{level}")))
        return tuple(ts)


#: Organisations of no standard government function, by the head of their name: a zone's
#: management committee, a hospital, an association, an institute or centre.  Concepts of
#: scheme/agency-types (vocab.ttl).
_ORG_KINDS = (
    (re.compile(r"(?:区|园|港|城)(?:管理委员会|管委会|管理局)$|(?:Zone|Park|Area|District)\b.*"
                r"Management Committee$|Management Committee of .*(?:Zone|Park|Area)\b", re.I),
     "at-management-committee"),
    (re.compile(r"医院$|Hospital$", re.I), "at-hospital"),
    (re.compile(r"(?:协会|学会|商会|联合会)$|\b(?:Association|Society|Federation|Chamber)\b", re.I),
     "at-association"),
    (re.compile(r"(?:研究院|研究所|检验院|检定所|检测院|科学院|中心)$|"
                r"\b(?:Institute|Academy|Cent(?:er|re))\b", re.I), "at-public-institution"),
)


def organisation_kind(name: str) -> str | None:
    """The kind of an organisation of no standard function, from its name, or None."""
    name = name.strip()
    for rx, kind in _ORG_KINDS:
        if rx.search(name):
            return kind
    return None


#: Words that make a Chinese body-shaped span a clause, not a name (省人民代表大会会议由…
#: 常务委员会, 省、地级以上市人民政府, 省实行…委员会): such a span is never a provisional body.
_ZH_NOT_A_NAME = re.compile(r"[、，,。；：;:\d与或向报]|(?<!自)由|(?<!共)和|及其|可以|授权|实行|选举|补选|产生|的|会议|"
                            r"以上|以下|应当|负责|设立|建立|组织|依法|按照|根据|坚持|工作|审核|后")


#: English words that make a span a clause, not a name.
_EN_NOT_A_NAME = re.compile(r"\b(?:shall|should|must|will|may|can|is|are|be|been|to|which|that|who|"
                            r"with|by|as|under|through)\b|[;:,]", re.I)
_EN_SMALL = {"of", "and", "for", "the", "on", "in", "at", "&"}


def looks_like_a_name(name: str) -> bool:
    """A body-shaped span that may stand for a body of its own (a provisional body): a name,
    not a clause (Chinese: no 由/向/报/和/的…; English: no modal or linking word, and every
    word but the small ones capitalised, so "the municipal health department" is a generic
    reference and "Chongqing Biotech Promotion Office" a name)."""
    if _CJK.search(name):
        return not _ZH_NOT_A_NAME.search(name)
    words = name.split()
    if not words or len(words) > 12 or _EN_NOT_A_NAME.search(name):
        return False
    return all(w[:1].isupper() or w.lower() in _EN_SMALL or not w[:1].isalpha() for w in words)


def _strip_zh_head(rest: str) -> str | None:
    for h in ZH_BODY_HEADS:
        if rest.endswith(h) and len(rest) > len(h):
            return rest[: -len(h)]
    return None
