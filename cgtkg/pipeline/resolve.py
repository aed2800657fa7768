"""One node per real-world document and provision: the canonical layer.

The same document reaches the graph several times: its curated record, the documents texts
describe (a measures list, a regulation), the copies texts only cite, a Chinese original
beside an English translation. Each copy stays in its own named graph with its provenance.
After every unit is in the store, this stage decides which of them are one document
(``graph/matching.py``: document number, normalised title, issuer, date, with a score and the
evidence), which provisions of two copies are one provision (number *and* content), and
writes ``<base>graph/canonical``:

* ``?copy cgt:canonical ?node`` (and ``prov:alternateOf``) from every copy, document or
  provision, to the node that stands for it. The canonical node is the curated record's own
  IRI when a record is in the cluster (the IRI users know and bookmark, and whose facts were
  reviewed), else a copy kept from the previous build (so adding a text never moves it),
  else the document a text describes before a copy a text only cites, then the shortest
  IRI. Saved queries, ``cgtkg stats`` and the network leave out every node that has a
  ``cgt:canonical``: they count each thing once.
* the copies' facts carried to the canonical node (responsible bodies, regions, therapy
  types, citations, issuers, a title or date in a language or field the canonical node
  lacks), their annotations pointed at it (``cgt:concerns``, ``oa:hasBody``) and their
  passages linked to it (``cgt:passage``), so a curated provision shows the passage behind it;
* provisions only a text holds joined to the canonical document (``cgt:partOfDocument``);
* one ``eli:LegalExpression`` per language of a merged document (``eli:is_realized_by``):
  an English record and a Chinese original are one work in two language versions;
* a ``cgt:SourceConflict`` per date the copies disagree on, with a claim per source, and a
  ``cgt:DataQualityNote`` (``cv:ambiguous-copy``) per pair that might be one document but
  is not merged.
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from cgtkg.graph import namespaces as ns
from cgtkg.graph.errors import Problem
from cgtkg.graph.matching import (
    Decision,
    DocFeatures,
    ProvisionFeatures,
    compare_documents,
    comparison_digest,
    comparison_key,
    is_chinese,
    match_provisions,
    normalise_number,
    normalise_text,
    normalise_zh,
    number_key,
    text_terms,
    title_tokens,
)
from cgtkg.graph.namespaces import CGT, ELI
from cgtkg.graph.store import GraphStore, quads_to_ox, write_atomically

_ELI = "http://data.europa.eu/eli/ontology#"
_OA = "http://www.w3.org/ns/oa#"
_CGT = str(CGT)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


TYPE = _n(str(RDF.type))
LEGAL_RESOURCE = _n(_ELI + "LegalResource")
CITED = _n(_CGT + "CitedDocument")
NUMBER, ID_LOCAL, PASSED_BY = (_n(_ELI + p) for p in ("number", "id_local", "passed_by"))
TITLE = _n("http://purl.org/dc/terms/title")  # on works: ELI keeps eli:title for expressions
DATE_DOCUMENT, TYPE_SUB, IS_PART_OF = (_n(_ELI + p) for p in ("date_document", "type_subdivision", "is_part_of"))
RELEVANT, ABOUT = (_n(_ELI + p) for p in ("relevant_for", "is_about"))
RESPONSIBLE = _n(_CGT + "responsibleAgency")
ABSTRACT = _n("http://purl.org/dc/terms/abstract")
PART_OF_DOC, CONCERNS, ON_PROPERTY, PASSAGE = (
    _n(_CGT + p) for p in ("partOfDocument", "concerns", "onProperty", "passage"))
HAS_BODY, HAS_TARGET, HAS_SELECTOR, EXACT, START, BODY_VALUE = (
    _n(_OA + p) for p in ("hasBody", "hasTarget", "hasSelector", "exact", "start", "bodyValue"))
PRIMARY_SOURCE = _n(str(PROV.hadPrimarySource))
HAS_CLAIM, RDF_VALUE = _n(_CGT + "hasClaim"), _n(str(RDF.value))

# The facts a copy carries to its canonical node. Dates are not among them: two copies that
# date a document differently are a conflict to report, not two dates of one node.
PROVISION_FACTS = tuple(_n(p) for p in (
    _CGT + "responsibleAgency", _ELI + "relevant_for", _ELI + "is_about", _ELI + "cites",
    _CGT + "modality", _CGT + "addressee", _CGT + "excludes"))
DOCUMENT_FACTS = tuple(_n(p) for p in (
    _ELI + "passed_by", _ELI + "relevant_for", _ELI + "is_about", _ELI + "cites", _CGT + "interprets",
    _CGT + "legalLevel"))
# given to the canonical node only when it has none of its own
DOCUMENT_FILL = (TITLE, ID_LOCAL, DATE_DOCUMENT, _n(_ELI + "date_publication"),
                 _n(_ELI + "first_date_entry_in_force"))
DATE_PROPS = {"document": DATE_DOCUMENT, "publication": _n(_ELI + "date_publication"),
              "in_force": _n(_ELI + "first_date_entry_in_force")}
LANGUAGES = {"en": "http://publications.europa.eu/resource/authority/language/ENG",
             "zh": "http://publications.europa.eu/resource/authority/language/ZHO"}
# a token seen in more documents than this does not make two documents candidates
BLOCK_MAX = 300
# ambiguous pairs a build prints without -v (a whole corpus has hundreds)
AMBIGUOUS_SHOWN = 10


@dataclass
class Resolution:
    """What the stage decided, for the build report and the tests."""
    canonical: dict[str, str] = field(default_factory=dict)  # copy -> canonical (documents)
    provisions: dict[str, str] = field(default_factory=dict)  # copy -> canonical (provisions)
    text_only: list[str] = field(default_factory=list)  # provisions only a copy holds
    decisions: list[Decision] = field(default_factory=list)  # merged pairs
    ambiguous: list[Decision] = field(default_factory=list)  # reported, not merged
    conflicts: list[dict] = field(default_factory=list)
    provision_evidence: dict[str, tuple[float, list[str]]] = field(default_factory=dict)
    cache: dict[str, int] = field(default_factory=dict)  # pairs of signatures reused / compared

    def report(self) -> dict:
        return {
            "documents_merged": len(self.canonical),
            "canonical_documents": len(set(self.canonical.values())),
            "provisions_merged": len(self.provisions),
            "provisions_only_in_a_copy": len(self.text_only),
            "merged": [_decision_dict(d) for d in self.decisions],
            "ambiguous": [_decision_dict(d) for d in self.ambiguous],
            "conflicts": self.conflicts,
            "cache": self.cache,
        }

    def summary(self, shown: int | None = None) -> tuple[list[str], list[str]]:
        """The lines a build prints, and the lines it prints only with ``cgtkg -v``: the
        first ``shown`` ambiguous pairs are always printed, every one with ``-v`` (a whole
        corpus has hundreds; all are in the build report)."""
        out = [f"resolution: {len(self.canonical)} document copie(s) merged into "
               f"{len(set(self.canonical.values()))} document(s), {len(self.provisions)} provision "
               f"copie(s) merged, {len(self.text_only)} provision(s) only a copy holds, "
               f"{len(self.ambiguous)} ambiguous pair(s) not merged, {len(self.conflicts)} conflict(s)"]
        shown = AMBIGUOUS_SHOWN if shown is None else shown
        pairs = [f"  ambiguous, not merged: {_short(d.a)} / {_short(d.b)} (score {d.score}: "
                 f"{'; '.join(d.evidence)})" for d in self.ambiguous]
        if len(pairs) <= shown:
            return out + pairs, []
        out += pairs[:shown]
        out.append(f"  … and {len(pairs) - shown} more ambiguous pair(s): `cgtkg -v build` lists them; "
                   "all are in build-report.json (resolution, ambiguous) and the data-quality-notes query")
        return out, pairs[shown:]


def _decision_dict(d: Decision) -> dict:
    return {"a": d.a, "b": d.b, "score": d.score, "points": d.points, "verdict": d.verdict,
            "evidence": d.evidence}


def _short(iri: str) -> str:
    return iri.rsplit("/doc/", 1)[-1]


# ------------------------------------------------------------------ reading

def _objects(store: GraphStore, s, p, g=None) -> list:
    return [q.object for q in store.ox.quads_for_pattern(s, p, None, g)]


def read_documents(store: GraphStore, base: str) -> dict[str, DocFeatures]:
    """Every document of the store with what identifies it, one entry per IRI."""
    curated_prefix = f"{base}graph/doc/"
    docs: dict[str, DocFeatures] = {}
    cited: set[str] = {q.subject.value for q in store.ox.quads_for_pattern(None, TYPE, CITED, None)}
    for q in store.ox.quads_for_pattern(None, TYPE, LEGAL_RESOURCE, None):
        if not isinstance(q.graph_name, ox.NamedNode):
            continue
        iri = q.subject.value
        g = q.graph_name.value
        kind = "curated" if g.startswith(curated_prefix) else "cited" if iri in cited else "text"
        f = docs.get(iri)
        if f is None:
            f = docs[iri] = DocFeatures(iri, kind)
        elif kind == "curated" or (kind == "text" and f.kind == "cited"):
            f.kind = kind
        f.graphs.add(g)
    # each property read whole, once, rather than looked up document by document: 22,718
    # documents of 10,000 texts took two minutes of point lookups (docs/benchmarks.md)
    titles: dict[str, set[str]] = defaultdict(set)
    for s, o in _subject_values(store, TITLE, docs):
        titles[s].add(o)
    for s, o in _subject_values(store, ID_LOCAL, docs):
        docs[s].numbers.add(o)
    for s, o in _subject_values(store, PASSED_BY, docs):
        docs[s].issuers.add(o)
    for s, o in _subject_values(store, DATE_DOCUMENT, docs):
        docs[s].dates.add(o)
    for iri, f in docs.items():
        f.titles = sorted(titles.get(iri, ()))
    for iri, value in _claimed(store, DATE_DOCUMENT, docs):
        docs[iri].dates.add(value)
    return docs


def _subject_values(store: GraphStore, prop: ox.NamedNode, subjects) -> Iterator[tuple[str, str]]:
    """``(subject, value)`` of every ``prop`` triple whose subject is one of ``subjects``."""
    for q in store.ox.quads_for_pattern(None, prop, None, None):
        s = q.subject.value
        if s in subjects:
            yield s, q.object.value


def _claimed(store: GraphStore, prop: ox.NamedNode, docs) -> Iterator[tuple[str, str]]:
    """``(document, value)`` for the values a record's sources claim for ``prop`` when they
    disagree: such a record holds its dates as the claims of a ``cgt:SourceConflict``, not as
    values of ``prop``.

    It starts from the claims, which only conflicts have: every provenance annotation of a
    date also names its property (``cgt:onProperty``), and looking each of those up cost 1.0 s
    of every rebuild at 10,000 synthetic texts, for the six conflicts among them."""
    claims: dict[tuple, list] = defaultdict(list)  # (conflict, graph) -> its claims there
    for q in store.ox.quads_for_pattern(None, HAS_CLAIM, None, None):
        claims[(q.subject, q.graph_name)].append(q.object)
    for (conflict, g), of in claims.items():
        if next(store.ox.quads_for_pattern(conflict, ON_PROPERTY, prop, g), None) is None:
            continue
        concerned = [o.value for o in _objects(store, conflict, CONCERNS, g) if o.value in docs]
        if not concerned:
            continue
        values = {o.value for c in of for o in _objects(store, c, RDF_VALUE, g)}
        for iri in concerned:
            for value in values:
                yield iri, value


# ------------------------------------------------------------------ documents

def _blocks(docs: dict[str, DocFeatures]) -> set[tuple[str, str]]:
    """Candidate pairs: documents sharing a normalised number, a Chinese title, or one of
    their three rarest title words (words in more than ``BLOCK_MAX`` documents are skipped)."""
    keys: dict[str, set[str]] = defaultdict(set)
    words: dict[str, frozenset[str]] = {}
    for iri, f in docs.items():
        for n in f.numbers:
            keys["n:" + normalise_number(n)].add(iri)
        for t in f.zh:
            keys["z:" + normalise_zh(t)].add(iri)
        toks = frozenset().union(*(title_tokens(t) for t in f.en)) if f.en else frozenset()
        words[iri] = toks
        for t in f.en:
            keys["t:" + normalise_text(t)].add(iri)
    df: dict[str, int] = defaultdict(int)
    for toks in words.values():
        for w in toks:
            df[w] += 1
    for iri, toks in words.items():
        for w in sorted(toks, key=lambda w: (df[w], w))[:3]:
            if df[w] <= BLOCK_MAX:
                keys["w:" + w].add(iri)
    pairs: set[tuple[str, str]] = set()
    for members in keys.values():
        ms = sorted(members)
        for i, a in enumerate(ms):
            for b in ms[i + 1:]:
                if not docs[a].graphs & docs[b].graphs:  # a text's own documents are distinct
                    pairs.add((a, b))
    return pairs


class _Clusters:
    """Union-find that refuses a merge joining two records or two document numbers."""

    def __init__(self, docs: dict[str, DocFeatures]):
        self.parent = {d: d for d in docs}
        self.curated = {d: {d} if f.kind == "curated" else set() for d, f in docs.items()}
        self.numbers = {d: {number_key(n) for n in f.numbers} - {None} for d, f in docs.items()}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> str | None:
        """Merge, or say why not."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        if self.curated[ra] and self.curated[rb]:
            return "would join two curated records"
        na, nb = self.numbers[ra], self.numbers[rb]
        if na and nb and not na & nb:
            return "would join two document numbers"
        ra, rb = sorted((ra, rb))
        self.parent[rb] = ra
        self.curated[ra] |= self.curated.pop(rb)
        self.numbers[ra] |= self.numbers.pop(rb)
        return None


def _one_of_several(docs: dict[str, DocFeatures], decisions: list[Decision],
                    different_pairs: list[tuple[str, str]] = ()) -> None:
    """A document that matches two documents which are not one (two editions of a law, two
    entries of one roundup) is not merged with either: which one it means is a guess. Those
    pairs become ambiguous, with the reason.

    The rival named is the first, in IRI order, of the documents ``one`` matches that are
    another document than ``other`` (compared as different, or described by one text). It is
    found by intersecting sets, not by walking every match of every match: hundreds of texts
    citing one law make hundreds of copies that all match each other, and the walk was cubic
    in them (10,000 synthetic texts: minutes; docs/benchmarks.md)."""
    same_with: dict[str, set[str]] = defaultdict(set)
    different: dict[str, set[str]] = defaultdict(set)
    for d in decisions:
        if d.verdict == "same":
            same_with[d.a].add(d.b)
            same_with[d.b].add(d.a)
        elif d.verdict == "different":
            different[d.a].add(d.b)
            different[d.b].add(d.a)
    # the pairs found different, given apart (see _decisions): only a document with a match
    # is ever asked for its rivals
    for a, b in different_pairs:
        if a in same_with:
            different[a].add(b)
        if b in same_with:
            different[b].add(a)
    in_graph: dict[str, set[str]] = defaultdict(set)
    for iri, f in docs.items():
        for g in f.graphs:
            in_graph[g].add(iri)

    def rival_of(one: str, other: str) -> str | None:
        matches = same_with[one]
        rivals = matches & different[other]
        for g in docs[other].graphs:
            rivals |= matches & in_graph[g]
        rivals.discard(other)
        return min(rivals) if rivals else None

    for d in decisions:
        if d.verdict != "same":
            continue
        for one, other in ((d.a, d.b), (d.b, d.a)):
            rival = rival_of(one, other)
            if rival is not None:
                d.verdict = "ambiguous"
                d.evidence.append(f"not merged: {_short(one)} matches {_short(rival)} too, "
                                  f"which is another document")
                break


# ------------------------------------------------------------------ the decision cache

CACHE_FILE = "resolve-cache.json"
CACHE_FORMAT = 2


@functools.cache
def matching_fingerprint() -> str:
    """SHA-256 of the code that decides (``graph/matching.py`` and this module, with their
    thresholds): a decision cached under another fingerprint is never used."""
    from cgtkg.graph import matching

    h = hashlib.sha256()
    for f in (matching.__file__, __file__):
        h.update(Path(f).read_bytes())
        h.update(b"\0")
    return h.hexdigest()


class DecisionCache:
    """What :func:`compare_documents` said of each pair of document signatures
    (:func:`comparison_digest` of :func:`comparison_key`), kept from one build to the next in
    the generation folder (``resolve-cache.json``: a header line with the format, the
    fingerprint and the SHA-256 of the rest, then the pairs), so a rebuild compares only the pairs in
    which a document is new or changed. A comparison reads nothing but the two keys, so its
    outcome under the same fingerprint is the outcome a full pass would compute.

    A pair found different keeps its points but not its evidence: nothing reads the evidence
    of a pair that is neither merged nor reported (at 3,000 synthetic texts, 404,481 of the
    406,018 pairs of signatures)."""

    def __init__(self, fingerprint: str, known: dict[tuple[str, str], tuple] | None = None) -> None:
        self.fingerprint = fingerprint
        self.known = known or {}
        self.used: dict[tuple[str, str], tuple] = {}  # what this build read or computed
        self.hits = self.misses = 0
        self.source: Path | None = None  # the file it was read from

    @classmethod
    def load(cls, path: Path | None, fingerprint: str) -> tuple[DecisionCache, str | None]:
        """The cache at ``path``, or an empty one and why (missing, unreadable, corrupt, or
        written by other matching code): never a partly read one."""
        if path is None or not Path(path).exists():
            return cls(fingerprint), None
        try:
            body, why = _checked_body(path, CACHE_FORMAT, fingerprint, "every pair compared again")
            if body is None:
                return cls(fingerprint), why
            data = json.loads(body)
            sigs = data["signatures"]
            outcomes = []
            for points, verdict, ev in data["outcomes"]:
                if verdict not in ("same", "ambiguous") or not all(isinstance(e, str) for e in ev):
                    raise ValueError(f"a bad outcome {verdict!r}")
                outcomes.append((float(points), verdict, tuple(ev)))
            known: dict[tuple[str, str], tuple] = {}
            flat = data["different"]
            if len(flat) % 3:
                raise ValueError("a truncated list of different pairs")
            for i in range(0, len(flat), 3):
                known[(sigs[flat[i]], sigs[flat[i + 1]])] = (float(flat[i + 2]), "different", ())
            flat = data["pairs"]
            if len(flat) % 3:
                raise ValueError("a truncated list of pairs")
            for i in range(0, len(flat), 3):
                known[(sigs[flat[i]], sigs[flat[i + 1]])] = outcomes[flat[i + 2]]
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
            return cls(fingerprint), f"{path} cannot be read ({type(e).__name__}: {e}); every pair compared again"
        cache = cls(fingerprint, known)
        cache.source = Path(path)
        return cache, None

    def save(self, path: Path) -> None:
        """The decisions this build used (those of documents gone are dropped), written to a
        temporary file and renamed; the file it was read from, copied, when this build used
        all of it and nothing else."""
        if self.source is not None and not self.misses and len(self.used) == len(self.known):
            write_atomically(path, self.source.read_bytes())
            return
        sig_index: dict[str, int] = {}
        out_index: dict[tuple, int] = {}
        different: list = []
        pairs: list = []
        for (sa, sb), outcome in self.used.items():
            ia = sig_index.setdefault(sa, len(sig_index))
            ib = sig_index.setdefault(sb, len(sig_index))
            if outcome[1] == "different":
                different += (ia, ib, outcome[0])
            else:
                pairs += (ia, ib, out_index.setdefault(outcome, len(out_index)))
        body = json.dumps({"signatures": list(sig_index), "outcomes": [[p, v, list(ev)] for p, v, ev in out_index],
                           "different": different, "pairs": pairs},
                          ensure_ascii=False, separators=(",", ":")).encode()
        _write_checked(path, CACHE_FORMAT, self.fingerprint, body)


def _checked_body(path: Path, fmt: int, fingerprint: str, redone: str) -> tuple[bytes | None, str | None]:
    """The body of a cache file written by :func:`_write_checked`, or ``None`` and why not
    (another format; ``None`` for another fingerprint: the matching code changed, a full pass
    as it should be). Raises ValueError for a body whose checksum does not match."""
    head, _, body = Path(path).read_bytes().partition(b"\n")
    header = json.loads(head)
    if header.get("format") != fmt:
        return None, f"{path}: another format, {redone}"
    if header.get("fingerprint") != fingerprint:
        return None, None
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise ValueError("its checksum does not match: changed or cut short")
    return body, None


def _write_checked(path: Path, fmt: int, fingerprint: str, body: bytes) -> None:
    """A header line (format, fingerprint, checksum of the rest), then ``body``: a changed
    digit is refused, not read as another entry."""
    header = json.dumps({"format": fmt, "fingerprint": fingerprint,
                         "sha256": hashlib.sha256(body).hexdigest()}).encode()
    write_atomically(path, header + b"\n" + body)


def _decisions(docs: dict[str, DocFeatures], pairs, cache: DecisionCache | None = None,
               different: list[tuple[str, str]] | None = None) -> list[Decision]:
    """Every candidate pair compared, each pair of signatures once (copies of one cited law
    in hundreds of texts are hundreds of identical signatures), and not at all when
    ``cache`` holds its outcome from an earlier build. With a list as ``different``, a pair
    found different is appended there as ``(a, b)`` rather than made a decision: nothing but
    its verdict is read, and such pairs are most of them (404,481 of 406,018 signature pairs
    at 3,000 synthetic texts)."""
    sig: dict[str, object] = {}
    if cache is None:
        sig = {iri: comparison_key(f) for iri, f in docs.items()}
        known: dict = {}
        used: dict = {}
    else:
        digests: dict[tuple, str] = {}
        for iri, f in docs.items():
            k = comparison_key(f)
            sig[iri] = digests.get(k) or digests.setdefault(k, comparison_digest(k))
        known, used = cache.known, cache.used
    seen: dict[tuple, tuple] = {}  # signature pair -> (points, verdict, evidence)
    out = []
    for a, b in pairs:
        key = (sig[a], sig[b])
        outcome = seen.get(key)
        if outcome is None:
            outcome = known.get(key)
            if outcome is None:
                d = compare_documents(docs[a], docs[b])
                outcome = (d.points, d.verdict, () if d.verdict == "different" and cache is not None
                           else tuple(d.evidence))
                if cache is not None:
                    cache.misses += 1
            elif cache is not None:
                cache.hits += 1
            seen[key] = used[key] = outcome
        if different is not None and outcome[1] == "different":
            different.append((a, b))
        else:
            out.append(Decision(a, b, outcome[0], outcome[1], list(outcome[2])))
    return out


def resolve_documents(docs: dict[str, DocFeatures], previous: set[str] = frozenset(),
                      cache: DecisionCache | None = None
                      ) -> tuple[dict[str, str], list[Decision], list[Decision]]:
    """``(copy -> canonical, merged decisions, ambiguous decisions)``; the merged decisions
    are those that joined two groups, one per copy merged. ``previous``: the
    canonical IRIs of the last build, kept when they are still in a cluster; ``cache``: the
    comparisons of an earlier build (:class:`DecisionCache`)."""
    different: list[tuple[str, str]] = []
    decisions = _decisions(docs, _blocks(docs), cache, different)
    clusters = _Clusters(docs)
    merged, ambiguous = [], []
    _one_of_several(docs, decisions, different)  # reads every verdict, in any order
    # a pair found different is neither merged nor reported: only the others are walked, best first
    decisions.sort(key=lambda d: (-d.points, d.a, d.b))
    for d in decisions:
        if d.verdict == "same":
            if clusters.find(d.a) == clusters.find(d.b):
                # already one group: not a merge of its own. Hundreds of copies of one law are
                # tens of thousands of such pairs, which the report listed one by one (15.7 MB
                # of build-report.json at 3,000 synthetic texts)
                continue
            why = clusters.union(d.a, d.b)
            if why is None:
                merged.append(d)
            elif clusters.find(d.a) != clusters.find(d.b):
                d.evidence.append(f"not merged: {why}")
                d.verdict = "ambiguous"
                ambiguous.append(d)
        elif d.verdict == "ambiguous":
            ambiguous.append(d)
    ambiguous = [d for d in ambiguous if clusters.find(d.a) != clusters.find(d.b)]
    groups: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        groups[clusters.find(d)].append(d)
    rank = {"curated": 0, "text": 1, "cited": 2}
    canonical: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        head = min(members, key=lambda m: (docs[m].kind != "curated", m not in previous,
                                           rank[docs[m].kind], len(m), m))
        canonical.update({m: head for m in members if m != head})
    return canonical, merged, ambiguous


# ------------------------------------------------------------------ provisions

def _provisions(store: GraphStore, doc: str, graphs: set[str] | None = None) -> list[ProvisionFeatures]:
    """The provisions of ``doc`` with what identifies them. With a set as ``graphs``, the
    name of every graph a statement read here lies in is added to it (``""`` for the
    default graph): what :class:`ProvisionCache` checks before reusing a match."""
    def objects(s, p) -> list:
        quads = list(store.ox.quads_for_pattern(s, p, None, None))
        if graphs is not None:
            graphs.update(_graph_name(q) for q in quads)
        return [q.object for q in quads]

    out = []
    seen: set[str] = set()
    for q in store.ox.quads_for_pattern(None, PART_OF_DOC, _n(doc), None):
        if graphs is not None:
            graphs.add(_graph_name(q))
        p = q.subject
        if p.value in seen:
            continue
        seen.add(p.value)
        texts = [o.value for prop in (TITLE, ABSTRACT) for o in objects(p, prop)]
        for t in objects(p, PASSAGE):
            for s in objects(t, HAS_SELECTOR):
                texts += [o.value for o in objects(s, EXACT)]
        parents = [o.value for o in objects(p, IS_PART_OF)]
        out.append(ProvisionFeatures(
            p.value, type=next((o.value for o in objects(p, TYPE_SUB)), ""),
            number=next((o.value for o in objects(p, NUMBER)), ""),
            parent=parents[0] if parents else "",
            agencies={o.value for o in objects(p, RESPONSIBLE)},
            regions={o.value for o in objects(p, RELEVANT)},
            therapies={o.value for o in objects(p, ABOUT)},
            terms=text_terms(*texts)))
    return out


def _graph_name(q) -> str:
    return q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""


def match_copy_provisions(store: GraphStore, copy: str, canon: str, graphs: set[str] | None = None
                          ) -> tuple[list[str], list[tuple]]:
    """The provisions of ``copy`` and their matches among those of ``canon``
    (``(copy provision, canonical provision, similarity, evidence)``), level by level from
    the document down; ``graphs`` as in :func:`_provisions`."""
    xs = _provisions(store, copy, graphs)
    if not xs:
        return [], []
    cs = _provisions(store, canon, graphs)
    parents = {copy: canon}
    matches: list[tuple] = []
    remaining = xs
    while remaining:
        level = [x for x in remaining if x.parent in parents or x.parent == copy]
        if not level:
            break
        for xi, ci, sim, ev in match_provisions(level, cs, parents):
            parents[xi] = ci
            matches.append((xi, ci, sim, ev))
        done = {x.iri for x in level}
        # children of an unmatched provision have no parent to match under
        for x in level:
            parents.setdefault(x.iri, "")
        remaining = [x for x in remaining if x.iri not in done]
    return [x.iri for x in xs], matches


def resolve_provisions(store: GraphStore, copy: str, canon: str, res: Resolution,
                       cache: ProvisionCache | None = None) -> tuple[list[str], list[str]]:
    """Match the provisions of ``copy`` to those of ``canon``, level by level from the
    document down, and record the pairs and the provisions only ``copy`` holds; with
    ``cache``, an earlier build's match of the pair when nothing it read has changed.
    Returns the provisions of ``copy`` matched and those only it holds."""
    found = cache.get(copy, canon) if cache is not None else None
    if found is None:
        graphs: set[str] | None = set() if cache is not None else None
        found = match_copy_provisions(store, copy, canon, graphs)
        if cache is not None:
            cache.put(copy, canon, graphs, *found)
    provisions, matches = found
    for xi, ci, sim, ev in matches:
        res.provisions[xi] = ci
        res.provision_evidence[xi] = (sim, ev)
    only = sorted(x for x in provisions if x not in res.provisions)
    res.text_only += only
    return [xi for xi, _, _, _ in matches], only


# ------------------------------------------------------------------ the provision cache

PROVISION_CACHE_FILE = "resolve-provisions.json"
PROVISION_CACHE_FORMAT = 1


class _KeptCache:
    """What :class:`ProvisionCache` and :class:`GroupCache` share: entries kept from one
    build to the next in a checked file (:func:`_write_checked`), read whole or not at all,
    and the graphs this build wrote, which decide what may be reused."""

    FORMAT = 1
    REDONE = "everything worked out again"  # what a cache that cannot be read means

    def __init__(self, fingerprint: str, known: dict[str, dict] | None = None) -> None:
        self.fingerprint = fingerprint
        self.known: dict[str, dict] = known or {}
        self.used: dict[str, dict] = {}
        self.hits = self.misses = 0
        self.reusable: set[str] = set()  # unit graphs this build did not redo

    @classmethod
    def entries(cls, data: dict) -> dict[str, dict]:
        """The entries of a file's body, or ValueError (and the like) for a bad one."""
        raise NotImplementedError

    @classmethod
    def load(cls, path: Path | None, fingerprint: str):
        """The cache at ``path``, or an empty one and why (as :meth:`DecisionCache.load`)."""
        if path is None or not Path(path).exists():
            return cls(fingerprint), None
        try:
            body, why = _checked_body(path, cls.FORMAT, fingerprint, cls.REDONE)
            if body is None:
                return cls(fingerprint), why
            known = cls.entries(json.loads(body))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            return cls(fingerprint), f"{path} cannot be read ({type(e).__name__}: {e}); {cls.REDONE}"
        return cls(fingerprint, known), None

    def written(self, store: GraphStore, reusable: set[str], max_written: int) -> list[ox.NamedNode] | None:
        """The named graphs this build wrote (those not ``reusable``), or None, to reuse
        nothing, when nothing is kept, more than ``max_written`` were written (following
        each up would cost about what reuse saves) or the default graph holds anything."""
        self.reusable = set(reusable)
        if not self.known:
            return None
        written = [g for g in store.ox.named_graphs() if g.value not in self.reusable]
        if len(written) > max_written:
            return None
        if next(store.ox.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
            return None
        return written

    def save(self, path: Path) -> None:
        body = json.dumps(self.used, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        _write_checked(path, self.FORMAT, self.fingerprint, body)


class ProvisionCache(_KeptCache):
    """The provisions of each merged copy and their matches in its canonical document, kept
    from one build to the next (``resolve-provisions.json`` beside ``resolve-cache.json``:
    a header line with the format, :func:`matching_fingerprint` and the SHA-256 of the rest),
    with the graphs every statement read for them lies in.

    Reading the two documents' provisions and their key terms is what a match costs (on
    real text, most of ``resolve``). An earlier build's match is the match this build would
    compute when the statements it reads are the same, which holds when

    * every graph the earlier reading found statements in is a unit this build reused (its
      digest unchanged, so its triples are those the earlier build had), and
    * no graph this build wrote (the units it redid, ``links``, the shared descriptions)
      holds a statement that reading either document would meet now: each such statement is
      followed up to the documents it would be read for (:func:`documents_reached`).

    Any other case is matched again and its entry replaced."""

    FORMAT = PROVISION_CACHE_FORMAT
    REDONE = "every provision matched again"

    def __init__(self, fingerprint: str, known: dict | None = None) -> None:
        super().__init__(fingerprint, known)
        self.reached: set[str] | None = None  # documents a written graph reaches; None: reuse nothing

    @classmethod
    def entries(cls, data: dict) -> dict[str, dict]:
        known = {}
        for copy, e in data.items():
            if not (isinstance(e["head"], str) and all(isinstance(g, str) for g in e["graphs"])
                    and all(isinstance(x, str) for x in e["provisions"])):
                raise ValueError(f"a bad entry for {copy}")
            matches = [(str(xi), str(ci), None if sim is None else float(sim), [str(x) for x in ev])
                       for xi, ci, sim, ev in e["matches"]]
            known[copy] = {"head": e["head"], "graphs": list(e["graphs"]),
                           "provisions": list(e["provisions"]), "matches": matches}
        return known

    def prepare(self, store: GraphStore, reusable: set[str], max_written: int) -> None:
        """Find what this build wrote that a reading could meet (:meth:`written`)."""
        written = self.written(store, reusable, max_written)
        if written is not None:
            self.reached = documents_reached(store, written)

    def get(self, copy: str, head: str) -> tuple[list[str], list[tuple]] | None:
        e = self.known.get(copy)
        if (e is None or self.reached is None or e["head"] != head or copy in self.reached
                or (e["provisions"] and head in self.reached) or not set(e["graphs"]) <= self.reusable):
            return None
        self.used[copy] = e
        self.hits += 1
        return e["provisions"], e["matches"]

    def put(self, copy: str, head: str, graphs: set[str], provisions: list[str], matches: list[tuple]) -> None:
        self.used[copy] = {"head": head, "graphs": sorted(graphs), "provisions": provisions,
                           "matches": [list(m) for m in matches]}
        self.misses += 1


def documents_reached(store: GraphStore, graphs) -> set[str]:
    """Every document whose provisions' reading (:func:`_provisions`) would meet a statement
    of one of ``graphs``: the document a ``cgt:partOfDocument`` names, and, for any other
    subject, the documents of the provision it is, or whose passage (``cgt:passage``) it is
    or is a selector of (looked up in the whole store)."""
    docs_of: dict = {}

    def docs_of_provision(p) -> set[str]:
        found = docs_of.get(p)
        if found is None:
            found = docs_of[p] = {q.object.value for q in store.ox.quads_for_pattern(p, PART_OF_DOC, None, None)}
        return found

    def passage_of(t) -> set[str]:
        return set().union(*(docs_of_provision(q.subject) for q in store.ox.quads_for_pattern(None, PASSAGE, t, None)))

    def subjects(p, o) -> list:
        return [q.subject for q in store.ox.quads_for_pattern(None, p, o, None)]

    reached: set[str] = set()
    for g in graphs:
        seen: set = set()
        for q in store.ox.quads_for_pattern(None, None, None, g):
            if q.predicate == PART_OF_DOC:
                reached.add(q.object.value)
            x = q.subject
            if x in seen:
                continue
            seen.add(x)
            reached |= docs_of_provision(x) | passage_of(x)  # a provision, its passage's target
            for t in subjects(HAS_SELECTOR, x):  # a selector of the target
                reached |= passage_of(t)
    return reached


# ------------------------------------------------------------------ writing

def _rd(term):
    from cgtkg.graph.store import to_rdflib
    return to_rdflib(term)


def _materialise(store: GraphStore, res: Resolution, base: str, every: dict[str, str],
                 asked: dict[str, str | None]) -> list[tuple]:
    """The canonical layer's facts for the copies of ``res`` (one group); a value that is
    itself a copy becomes its canonical node, looked up in ``every`` (all copies of the
    build), each lookup noted in ``asked`` (value -> canonical node or None)."""
    out: list[tuple] = []
    mapped = {**res.canonical, **res.provisions}

    def canon(term):
        if isinstance(term, ox.NamedNode):
            head = asked[term.value] = every.get(term.value)
            if head is not None:
                return URIRef(head)
        return _rd(term)

    for copy, head in sorted(mapped.items()):
        c, h = URIRef(copy), URIRef(head)
        out += [(c, CGT.canonical, h), (c, PROV.alternateOf, h)]
        facts = DOCUMENT_FACTS if copy in res.canonical else PROVISION_FACTS
        for p in facts:
            out += [(h, _rd(p), canon(o)) for o in _objects(store, _n(copy), p)]
        # the annotations of the copy's facts and text concern the canonical node too
        for p in (CONCERNS, HAS_BODY):
            out += [(_rd(q.subject), _rd(p), h) for q in store.ox.quads_for_pattern(None, p, _n(copy), None)]
        out += [(h, CGT.passage, _rd(o)) for o in _objects(store, _n(copy), PASSAGE)]
    copies_of: dict[str, list[str]] = defaultdict(list)
    for copy, head in sorted(res.canonical.items()):
        copies_of[head].append(copy)
    for head, copies in sorted(copies_of.items()):
        for p in DOCUMENT_FILL:
            own = _objects(store, _n(head), p)
            values = {o for c in copies for o in _objects(store, _n(c), p)}
            if p == TITLE:  # a title in a language the canonical node has none in
                have = {o.language for o in own}
                langs = {o.language for o in values}
                # one title per language, the first in code-point order (deterministic)
                out += [(URIRef(head), _rd(p), _rd(min((o for o in values if o.language == lang), key=str)))
                        for lang in sorted(langs - have, key=str)]
            elif not own and len({o.value for o in values}) == 1:  # all copies agree
                out.append((URIRef(head), _rd(p), _rd(next(iter(values)))))
    for x in res.text_only:
        doc = next((q.object.value for q in store.ox.quads_for_pattern(_n(x), PART_OF_DOC, None, None)), None)
        if doc in res.canonical:
            out.append((URIRef(x), CGT.partOfDocument, URIRef(res.canonical[doc])))
    out += _expressions(store, res)
    return out


def _expressions(store: GraphStore, res: Resolution) -> list[tuple]:
    """One ``eli:LegalExpression`` per language of each merged document, derived from the
    copies that carry a title in it."""
    members: dict[str, list[str]] = defaultdict(list)
    for copy, head in res.canonical.items():
        members[head].append(copy)
    out: list[tuple] = []
    for head, copies in sorted(members.items()):
        by_lang: dict[str, list[tuple]] = defaultdict(list)
        for m in [head, *sorted(copies)]:
            for o in _objects(store, _n(m), TITLE):
                lang = "zh" if is_chinese(o.value) else "en"
                by_lang[lang].append((m, o))
        for lang, found in sorted(by_lang.items()):
            e = URIRef(f"{head}/expression/{lang}")
            out += [(URIRef(head), ELI.is_realized_by, e), (e, RDF.type, ELI.LegalExpression),
                    (e, ELI.realizes, URIRef(head)), (e, ELI.language, URIRef(LANGUAGES[lang])),
                    (e, ELI.title, _rd(found[0][1]))]
            out += [(e, PROV.wasDerivedFrom, URIRef(m)) for m in sorted({m for m, _ in found})]
    return out


def _ambiguity_notes(res: Resolution, base: str) -> list[tuple]:
    out = []
    for d in res.ambiguous:
        key = hashlib.sha256(f"{d.a} {d.b}".encode()).hexdigest()[:16]
        n = URIRef(f"{base}note/ambiguous-copy/{key}")
        out += [(n, RDF.type, CGT.DataQualityNote), (n, CGT.issueType, ns.concept("ambiguous-copy", base)),
                (n, CGT.concerns, URIRef(d.a)), (n, CGT.concerns, URIRef(d.b)),
                (n, RDFS.comment, Literal(f"Possibly one document, not merged (score {d.score}): "
                                          + "; ".join(d.evidence), lang="en"))]
    return out


# ------------------------------------------------------------------ conflicts

def _date_claims(store: GraphStore, doc: str, prop) -> dict[tuple[str, str], tuple[str, int | None]]:
    """``(value, graph) -> (source, start offset of the passage or None)``."""
    out: dict[tuple[str, str], tuple[str, int | None]] = {}
    for q in store.ox.quads_for_pattern(_n(doc), prop, None, None):
        g = q.graph_name
        if not isinstance(g, ox.NamedNode) or g.value.endswith("/graph/canonical"):
            continue
        src = next((o.value for o in _objects(store, _n(doc), PRIMARY_SOURCE, g)), g.value)
        start = None
        for a in store.ox.quads_for_pattern(None, CONCERNS, _n(doc), g):
            if any(o == prop for o in _objects(store, a.subject, ON_PROPERTY, g)) and any(
                    o.value == q.object.value for o in _objects(store, a.subject, BODY_VALUE, g)):
                for t in _objects(store, a.subject, HAS_TARGET, g):
                    for s in _objects(store, t, HAS_SELECTOR, g):
                        start = next((int(o.value) for o in _objects(store, s, START, g)), start)
        out[(q.object.value, g.value)] = (src, start)
    return out


class ClaimLocator:
    """Where a claimed value is printed: ``(where, line, path)`` for the graph it was read
    into and the start offset of its passage — the text file's name and line, or the
    source's key when the graph has no text. Each text is read once."""

    def __init__(self, text_paths: dict[str, Path], max_bytes: int):
        self.text_paths = text_paths
        self.max_bytes = max_bytes
        self.sources: dict[str, object] = {}

    def __call__(self, graph: str, start: int | None, source_key: str
                 ) -> tuple[str, int | None, Path | None]:
        from cgtkg.loaders.text.source import read_source

        path = self.text_paths.get(graph)
        line = None
        if path is not None and start is not None:
            if str(path) not in self.sources:
                self.sources[str(path)] = read_source(path, self.max_bytes)[0]
            src = self.sources[str(path)]
            line = src.line_of(start) if src is not None else None
        return (Path(path).name if path is not None else source_key), line, path


def find_conflicts(store: GraphStore, res: Resolution, base: str, text_paths: dict[str, Path],
                   max_bytes: int) -> tuple[list[tuple], list[Problem]]:
    """A ``cgt:SourceConflict`` per date on which a merged document's copies disagree
    (``<canonical>/conflict/<date>-copies``, one claim per value and source), and a warning
    naming each text and the line of its date."""
    from cgtkg.loaders.records import source_conflict

    members: dict[str, list[str]] = defaultdict(list)
    for copy, head in res.canonical.items():
        members[head].append(copy)
    triples: list[tuple] = []
    problems: list[Problem] = []
    locate = ClaimLocator(text_paths, max_bytes)
    for head, copies in sorted(members.items()):
        for name, prop in DATE_PROPS.items():
            claims: dict[tuple[str, str], tuple[str, int | None]] = {}
            for m in [head, *sorted(copies)]:
                claims.update(_date_claims(store, m, prop))
            values = {v for v, _ in claims}
            by_source = {src for src, _ in claims.values()}
            if len(values) < 2 or len(by_source) < 2:
                continue
            said, claimed = [], []
            for (value, g), (src, start) in sorted(claims.items()):
                said.append((value, *locate(g, start, src.rsplit("/", 1)[-1])))
                claimed.append((Literal(value, datatype=XSD.date), URIRef(src), src.rsplit("/", 1)[-1]))
            node_name = f"{name}-copies"
            triples += source_conflict(URIRef(head), node_name, _rd(prop), claimed, base, "Copies",
                                       labels=[w for _, w, _, _ in said])
            res.conflicts.append({"document": head, "date": name,
                                  "claims": [{"value": v, "source": w, "line": n} for v, w, n, _ in said]})
            path = next((p for _, _, _, p in reversed(said) if p is not None), None)
            line = next((n for _, _, n, p in reversed(said) if p is not None), None)
            problems.append(Problem(path, line, (
                f"{head} is given different {name.replace('_', ' ')} dates by its copies: "
                + ", ".join(f"{v} by {w}" + (f" line {n}" if n else "") for v, w, n, _ in said)
                + "; all kept, with a source conflict recording them"), "warning"))
    return triples, problems


# Facts whose values copies may disagree on: two copies naming different issuers of one
# document, or different responsible bodies of one provision, where neither names a part of
# the other's list (a text that names fewer bodies is a partial list, not a conflict).
VALUE_CONFLICTS = (("issuers", PASSED_BY, "canonical"), ("responsible-bodies", RESPONSIBLE, "provisions"))
DERIVED_FROM = _n(str(PROV.wasDerivedFrom))


def _source_of(store: GraphStore, node: str, g: ox.NamedNode) -> str:
    for p in (PRIMARY_SOURCE, DERIVED_FROM):
        found = _objects(store, _n(node), p, g)
        if found:
            return found[0].value
    for doc in _objects(store, _n(node), PART_OF_DOC, g):
        found = _objects(store, doc, PRIMARY_SOURCE, g)
        if found:
            return found[0].value
    return g.value


def _values_by_graph(store: GraphStore, node: str, prop) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for q in store.ox.quads_for_pattern(_n(node), prop, None, None):
        g = q.graph_name
        if isinstance(g, ox.NamedNode) and not g.value.endswith("/graph/canonical"):
            out[g.value].add(q.object.value)
    return out


def find_value_conflicts(store: GraphStore, res: Resolution, base: str, text_paths: dict[str, Path]
                         ) -> Iterator[tuple[tuple[int, str], list[tuple], dict, Problem]]:
    """A ``cgt:SourceConflict`` (``<node>/conflict/<what>-copies``, one claim per source and
    value) where a copy and its canonical node name issuers or responsible bodies that
    neither list contains the other of: one at a time, each with its triples, its report
    entry, its warning and its place in the report's order (``(kind, copy)``: the issuers of
    documents, then the responsible bodies of provisions, each by the copy's IRI)."""
    for kind, (name, prop, which) in enumerate(VALUE_CONFLICTS):
        mapping: dict[str, str] = getattr(res, which)
        for copy, head in sorted(mapping.items()):
            own, theirs = _values_by_graph(store, head, prop), _values_by_graph(store, copy, prop)
            a, b = set().union(*own.values()), set().union(*theirs.values())
            if not a or not b or a <= b or b <= a:
                continue
            triples: list[tuple] = []
            node = URIRef(f"{head}/conflict/{name}-copies")
            said = []
            for member, by_graph in ((head, own), (copy, theirs)):
                for g, values in sorted(by_graph.items()):
                    src = _source_of(store, member, _n(g))
                    skey = src.rsplit("/", 1)[-1]
                    said.append((sorted(values), skey, text_paths.get(g)))
                    for v in sorted(values):
                        claim = URIRef(f"{node}/claim/{v.rsplit('/', 1)[-1]}-{skey}")
                        triples += [(node, CGT.hasClaim, claim), (claim, RDF.type, CGT.Claim),
                                    (claim, RDF.value, URIRef(v)), (claim, PROV.wasDerivedFrom, URIRef(src)),
                                    (node, PROV.wasDerivedFrom, URIRef(src))]
            listed = "; ".join(f"{', '.join(_short_key(v) for v in vs)} ({k})" for vs, k, _ in said)
            what = name.replace("-", " ")
            triples += [(node, RDF.type, CGT.SourceConflict), (node, RDF.type, CGT.DataQualityNote),
                        (node, CGT.concerns, URIRef(head)), (node, CGT.onProperty, _rd(prop)),
                        (node, CGT.issueType, ns.concept("value-conflict", base)),
                        (node, RDFS.comment, Literal(f"Copies disagree on the {what}: {listed}", lang="en"))]
            conflict = {"node": head, "property": name,
                        "claims": [{"values": vs, "source": k} for vs, k, _ in said]}
            path = next((p for _, _, p in said if p is not None), None)
            problem = Problem(path, None, f"{head} is given different {what} by its copies: {listed}; "
                                          "all kept, with a source conflict recording them", "warning")
            yield (kind, copy), triples, conflict, problem


def _short_key(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


# ------------------------------------------------------------------ the groups' cache

GROUP_CACHE_FILE = "resolve-groups.json"
GROUP_CACHE_FORMAT = 1


def group_fingerprint(base: str) -> str:
    """:func:`matching_fingerprint`, the base and the code that writes a group's conflicts
    (``source_conflict``): a group written under another is written again."""
    from cgtkg.loaders import records

    h = hashlib.sha256(f"{matching_fingerprint()}\0{base}\0".encode())
    h.update(Path(records.__file__).read_bytes())
    return h.hexdigest()


class _Reads:
    """The store as a group's writing sees it (``ox.quads_for_pattern`` is all it calls),
    noting the named graph of every statement found (``graphs``) and, for every lookup, the
    term a matching statement must have: the subject when it is given, else the object
    (``keys``). ``exact`` turns false on a lookup by neither."""

    def __init__(self, store: GraphStore) -> None:
        self._ox = store.ox
        self.graphs: set[str] = set()
        self.keys: set[str] = set()
        self.exact = True

    @property
    def ox(self) -> _Reads:
        return self

    def quads_for_pattern(self, s, p, o, g=None) -> Iterator[ox.Quad]:
        if s is not None:
            self.keys.add(str(s))
        elif o is not None:
            self.keys.add(str(o))
        else:
            self.exact = False
        for q in self._ox.quads_for_pattern(s, p, o, g):
            self.graphs.add(_graph_name(q))  # the default graph's "" is never a reused unit
            yield q


class GroupCache(_KeptCache):
    """What the canonical layer holds for each group of copies (a canonical document, its
    copies, the provisions matched between them and those only a copy holds): its quads,
    date and value conflicts and warnings, kept from one build to the next
    (``resolve-groups.json`` beside ``resolve-cache.json``, in the same checked form), so a
    rebuild writes again only the groups that a unit it redid reaches.

    A group's entry is what this build would write for it when

    * the group is the same: the same canonical node, copies, provision pairs and
      provisions only a copy holds (``sig``);
    * every statement its writing found lies in a unit this build reused (its digest
      unchanged, so its triples are the earlier build's), and
    * no graph this build wrote (the units it redid, ``links``, the shared descriptions)
      holds a statement with a term a lookup of the writing was bound to (``keys``: the
      subject, else the object): only a statement that matches a lookup changes its answer.

    Any other group is written again; when more than ``max_written`` graphs were written (a
    full build, a new code fingerprint), all are."""

    FORMAT = GROUP_CACHE_FORMAT
    REDONE = "every group written again"

    def __init__(self, fingerprint: str, known: dict[str, dict] | None = None) -> None:
        super().__init__(fingerprint, known)
        self.mentioned: set[str] | None = None  # terms of the written graphs; None: reuse nothing

    @classmethod
    def entries(cls, data: dict) -> dict[str, dict]:
        for head, e in data.items():
            rows = [*e["date_problems"], *(row for _, _, _, row in e["value"])]
            if not (isinstance(e["sig"], str) and isinstance(e["quads"], str)
                    and all(isinstance(x, str) for x in e["graphs"] + e["keys"])
                    and all(v is None or isinstance(v, str) for v in e["asked"].values())
                    and all(isinstance(message, str) for _, _, message in rows)):
                raise ValueError(f"a bad entry for {head}")
        return data

    def prepare(self, store: GraphStore, reusable: set[str], max_written: int) -> None:
        """Note every term of the graphs this build wrote (:meth:`written`)."""
        written = self.written(store, reusable, max_written)
        if written is None:
            return
        mentioned: set[str] = set()
        for g in written:
            for q in store.ox.quads_for_pattern(None, None, None, g):
                mentioned.add(str(q.subject))
                mentioned.add(str(q.object))
        self.mentioned = mentioned

    def get(self, head: str, sig: str, every: dict[str, str]) -> dict | None:
        """The group's entry if it still holds; ``every``: this build's copies and their
        canonical nodes, which must give each value the group looked up as before."""
        e = self.known.get(head)
        if (e is None or self.mentioned is None or e["sig"] != sig
                or not self.reusable.issuperset(e["graphs"]) or not self.mentioned.isdisjoint(e["keys"])
                or any(every.get(k) != v for k, v in e["asked"].items())):
            return None
        self.used[head] = e
        self.hits += 1
        return e

    def put(self, head: str, entry: dict | None) -> None:
        """``entry``: ``None`` for a group whose writing cannot be kept (a blank node, a
        lookup by predicate alone): it is written again next time."""
        if entry is not None:
            self.used[head] = entry
        self.misses += 1


def _problem_row(p: Problem) -> list:
    return [None if p.file is None else str(p.file), p.line, p.message]


def _problem_of(row: list) -> Problem:
    f, line, message = row
    return Problem(None if f is None else Path(f), line, str(message), "warning")


def _write_group(store: GraphStore, head: str, copies: list[str], pairs: list[tuple[str, str]],
                 only: list[str], sig: str, every: dict[str, str], base: str, graph: URIRef,
                 text_paths: dict[str, Path], max_bytes: int) -> tuple[list[ox.Quad], dict, bool]:
    """One group's quads in the canonical graph (those no graph states already), its
    :class:`GroupCache` entry (what :func:`_materialise`, :func:`find_conflicts` and
    :func:`find_value_conflicts` write for it, read through :class:`_Reads`), and whether
    the entry may be kept: not with a blank node or a lookup by predicate alone."""
    sub = Resolution(canonical={c: head for c in copies}, provisions=dict(pairs), text_only=list(only))
    reads = _Reads(store)
    asked: dict[str, str | None] = {}
    triples = _materialise(reads, sub, base, every, asked)  # type: ignore[arg-type]
    dated, date_problems = find_conflicts(reads, sub, base, text_paths, max_bytes)  # type: ignore[arg-type]
    value = list(find_value_conflicts(reads, sub, base, text_paths))  # type: ignore[arg-type]
    everything = set(triples + dated + [t for _, ts, _, _ in value for t in ts])
    quads = [q for q in quads_to_ox(graph, everything) if not _stated(reads, q)]  # type: ignore[arg-type]
    report = {"sig": sig, "conflicts": sub.conflicts, "date_problems": [_problem_row(x) for x in date_problems],
              "value": [[k[0], k[1], c, _problem_row(x)] for k, _, c, x in value]}
    if not reads.exact or any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
        return quads, report, False
    return quads, {**report, "graphs": sorted(reads.graphs), "keys": sorted(reads.keys), "asked": asked,
                   "quads": ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES).decode()}, True


def _group_sig(head: str, copies: list[str], pairs: list[tuple[str, str]], only: list[str]) -> str:
    return hashlib.sha256(json.dumps([head, copies, pairs, only], ensure_ascii=False).encode()).hexdigest()


def write_groups(store: GraphStore, res: Resolution, groups: GroupCache, matched: dict[str, list[str]],
                 only_of: dict[str, list[str]], base: str, graph: URIRef, text_paths: dict[str, Path],
                 max_bytes: int) -> tuple[list[ox.Quad], list[Problem]]:
    """Every group's quads and warnings, from ``groups`` where its entry still holds, else
    written (:func:`_write_group`); ``res.conflicts`` gets the groups' conflicts in the order
    :func:`find_conflicts` then :func:`find_value_conflicts` give them. ``matched`` and
    ``only_of``: per copy, its provisions matched and those only it holds."""
    members: dict[str, list[str]] = defaultdict(list)
    for copy, head in res.canonical.items():
        members[head].append(copy)
    every = {**res.canonical, **res.provisions}
    into = ox.NamedNode(str(graph))
    quads: list[ox.Quad] = []
    date_conflicts: list[dict] = []
    date_problems: list[Problem] = []
    valued: list[tuple] = []
    for head, copies in sorted(members.items()):
        copies = sorted(copies)
        pairs = sorted((x, res.provisions[x]) for c in copies for x in matched.get(c, ()))
        only = sorted(x for c in copies for x in only_of.get(c, ()))
        sig = _group_sig(head, copies, pairs, only)
        entry = groups.get(head, sig, every)
        if entry is None:
            found, entry, keep = _write_group(store, head, copies, pairs, only, sig, every, base, graph,
                                              text_paths, max_bytes)
            quads += found
            groups.put(head, entry if keep else None)
        else:
            quads += [ox.Quad(t.subject, t.predicate, t.object, into)
                      for t in ox.parse(entry["quads"].encode(), format=ox.RdfFormat.N_TRIPLES)]
        date_conflicts += entry["conflicts"]
        date_problems += [_problem_of(x) for x in entry["date_problems"]]
        valued += [((k, copy), c, _problem_of(x)) for k, copy, c, x in entry["value"]]
    valued.sort(key=lambda v: v[0])
    res.conflicts += date_conflicts + [c for _, c, _ in valued]
    return quads, date_problems + [x for _, _, x in valued]


# ------------------------------------------------------------------ the stage

def resolve(store: GraphStore, base: str = ns.DEFAULT_BASE, *, text_paths: dict[str, Path] | None = None,
            previous: set[str] = frozenset(), max_bytes: int = 8 * 1024 * 1024,
            cache_in: Path | None = None, cache_out: Path | None = None,
            reused: set[str] = frozenset(), max_written: int = 50
            ) -> tuple[Resolution, list[Problem]]:
    """Resolve the store's copies and write ``<base>graph/canonical`` (replacing it).

    ``cache_in``: the decision cache an earlier build wrote (:class:`DecisionCache`), whose
    comparisons are reused, and beside it its :class:`ProvisionCache`, whose provision
    matches are reused for the pairs that read only graphs in ``reused`` (the units the
    build did not redo; at most ``max_written`` others); ``cache_out``: where to write this
    build's (and beside it the provisions'). A missing cache is a full pass; an unreadable
    one is a full pass and a warning."""
    graph = ns.graph_iri("canonical", base)
    store.replace_graph(graph, [])
    docs = read_documents(store, base)
    res = Resolution()
    cache, why = DecisionCache.load(cache_in, matching_fingerprint())
    early = [Problem(cache_in, None, why, "warning")] if why else []
    res.canonical, res.decisions, res.ambiguous = resolve_documents(docs, previous, cache)
    res.cache = {"pairs_reused": cache.hits, "pairs_compared": cache.misses}
    early += _save(cache, cache_out, "the decision cache", "compares every pair again")
    provisions_in = Path(cache_in).with_name(PROVISION_CACHE_FILE) if cache_in is not None else None
    kept, why = ProvisionCache.load(provisions_in, matching_fingerprint())
    early += [Problem(provisions_in, None, why, "warning")] if why else []
    kept.prepare(store, reused, max_written)
    matched: dict[str, list[str]] = {}
    only_of: dict[str, list[str]] = {}
    for copy, head in sorted(res.canonical.items()):
        matched[copy], only_of[copy] = resolve_provisions(store, copy, head, res, kept)
    res.cache.update({"provision_pairs_reused": kept.hits, "provision_pairs_matched": kept.misses})
    early += _save(kept, cache_out and Path(cache_out).with_name(PROVISION_CACHE_FILE), "the provision cache",
                   "matches every provision again")
    groups_in = Path(cache_in).with_name(GROUP_CACHE_FILE) if cache_in is not None else None
    groups, why = GroupCache.load(groups_in, group_fingerprint(base))
    early += [Problem(groups_in, None, why, "warning")] if why else []
    groups.prepare(store, reused, max_written)
    quads, found = write_groups(store, res, groups, matched, only_of, base, graph, text_paths or {}, max_bytes)
    res.cache.update({"groups_reused": groups.hits, "groups_written": groups.misses})
    early += _save(groups, cache_out and Path(cache_out).with_name(GROUP_CACHE_FILE),
                   "the canonical groups' cache", "writes every group again")
    problems = early + found
    paths = text_paths or {}

    def file_of(*iris: str):
        return next((paths[g] for i in iris for g in sorted(docs[i].graphs) if g in paths), None)

    problems += [Problem(file_of(d.b, d.a), None, f"possibly one document, not merged: {_short(d.a)} / "
                                                  f"{_short(d.b)} (score {d.score}: {'; '.join(d.evidence)})",
                         "warning")
                 for d in res.ambiguous]
    # each term converted once, and in no particular order: the store keeps a set (sorting
    # 42,000 rdflib triples and converting each term again for the lookup took 3.5 s of a
    # whole-corpus rebuild's resolve under the profiler)
    quads += [q for q in quads_to_ox(graph, set(_ambiguity_notes(res, base))) if not _stated(store, q)]
    store.ox.bulk_extend(quads)
    return res, problems


def _save(cache, path: Path | None, what: str, redone: str) -> list[Problem]:
    """Write ``cache`` to ``path`` (if any); one that cannot be written is a warning: the next
    build then works it all out again, slower, never wrong."""
    if path is None:
        return []
    try:
        cache.save(path)
    except OSError as e:
        return [Problem(path, None, f"{what} could not be written ({e}); the next build {redone}", "warning")]
    return []


def _stated(store: GraphStore, quad: ox.Quad) -> bool:
    """Some graph already states ``quad``'s triple (a canonical node that is one of the
    copies has its own facts): stated twice, it would come back twice from the union of the
    graphs."""
    if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
        return False
    return next(store.ox.quads_for_pattern(quad.subject, quad.predicate, quad.object, None), None) is not None
