"""What is allowed where, on a date: the regulatory status of an activity, with its reasons.

``cgtkg status`` and notebooks call :func:`answer` (one date) and :func:`timeline` (every
date the answer may change).  The graph supplies the candidate rules through saved queries
(``queries/status-*.rq``, parameters as bindings); this module decides, in small named
stages, so that each precedence rule can be read and tested on its own:

1. :func:`load_rules` — provisions with a modality about the activity (or a broader or
   narrower therapy concept), applying in the place (or a region around it or inside it).
2. :func:`in_force` — which of them hold on the date: entry into force (else the date of
   issue, said so), end of force, repeal or supersession by a stated relation.
3. :func:`scope_of` — whether a rule covers the whole question or only part of it (a region
   inside the place, a narrower activity, some addressees only).
4. :func:`beats` — why one rule decides over another, in the order of docs/status.md:
   a derogation stated for this place and addressee, higher legal level, more specific place,
   more specific addressee, later in force.
5. :func:`decide` — the answer for the whole question, and :func:`answer` adds the answers
   for the parts a narrower rule concerns, and for the areas the place shares with another
   region (:func:`load_overlaps`), ``conditional`` when they differ.

Nothing is guessed: a question no rule in force decides, a rule whose dates are unknown, a
mere announcement of a pilot, or two rules neither of which prevails give ``unknown`` with
the reason.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from cgtkg.graph.namespaces import DEFAULT_BASE, instance_prefixes
from rdflib import URIRef
from rdflib.term import Node

CGT_NS = "https://w3id.org/cgt-kg/ontology#"
ELI_NS = "http://data.europa.eu/eli/ontology#"
DEROGATES = URIRef(CGT_NS + "derogatesFrom")
SUPERSEDES = URIRef(CGT_NS + "supersedesEdition")
REPEALS = URIRef(ELI_NS + "repeals")
ENDING = {SUPERSEDES: "superseded edition", REPEALS: "repealed"}

ANSWERS = ("permitted", "prohibited", "required", "conditional", "unknown")
DECISIVE = {"permits": "permitted", "prohibits": "prohibited"}
# Legislation Law hierarchy (higher first); levels on one rung do not override each other
LEGAL_RANK = {
    "legal-constitution": 0, "legal-law": 1, "legal-administrative-regulation": 2,
    "legal-departmental-rule": 3, "legal-local-regulation": 3, "legal-sez-regulation": 3,
    "legal-autonomous-regulation": 3, "legal-local-government-rule": 4,
    "legal-normative-document": 5,
}
ISSUER_RANK = {"level-national": 0, "level-provincial": 1, "level-municipal": 2, "level-district": 3}

Runner = Callable[[str, Mapping[str, Node]], list[dict]]


class StatusError(ValueError):
    """A question that cannot be asked (unknown addressee, bad date): exit code 2."""


# ------------------------------------------------------------------ the data


@dataclass(frozen=True)
class Question:
    place: URIRef
    activity: URIRef
    on: dt.date
    addressee: URIRef | None = None


@dataclass
class Rule:
    """One provision with a modality, as the status query returned it (rows grouped)."""

    provision: URIRef
    document: URIRef
    modality: str  # local name: permits, prohibits, requires, announces-pilot ...
    abouts: dict[URIRef, str] = field(default_factory=dict)  # concept -> same|broader|narrower
    regions: dict[URIRef, str] = field(default_factory=dict)  # region -> same|broader|narrower
    addressees: set[URIRef] = field(default_factory=set)
    issued: dt.date | None = None
    in_force: dt.date | None = None
    until: dt.date | None = None
    unknown_reason: str | None = None
    legal_level: str | None = None
    issuer_levels: set[str] = field(default_factory=set)
    title: str = ""
    document_title: str = ""
    source: URIRef | None = None
    locator: str = ""

    @property
    def start(self) -> dt.date | None:
        """Entry into force, else the date of issue (said so in :meth:`start_note`)."""
        return self.in_force or self.issued

    def start_note(self) -> str | None:
        if self.in_force:
            return None
        if self.issued:
            return (f"{self.document_title or self.document}: no entry-into-force date; "
                    f"taken as in force from its date of issue, {self.issued}"
                    + (f" ({self.unknown_reason})" if self.unknown_reason else ""))
        return None

    def rank(self) -> tuple[str, int] | None:
        """The document's rung: its legal level if known, else its issuing bodies' level."""
        if self.legal_level in LEGAL_RANK:
            return ("legal level", LEGAL_RANK[self.legal_level])
        ranks = [ISSUER_RANK[x] for x in self.issuer_levels if x in ISSUER_RANK]
        return ("issuing body's level", min(ranks)) if ranks else None


@dataclass(frozen=True)
class Relation:
    iri: URIRef
    property: URIRef
    source_end: URIRef  # cgt:relationFrom
    target: URIRef  # cgt:relationTo
    regions: frozenset[URIRef]
    addressees: frozenset[URIRef]
    effective: dt.date | None
    source: URIRef | None


@dataclass
class Graph:
    """Everything the decision reads for one place and activity (all dates)."""

    place: URIRef  # the place and activity asked about; sub-questions lie inside them
    activity: URIRef
    rules: list[Rule]
    relations: list[Relation]
    ancestors: dict[URIRef, set[URIRef]]  # the place and the regions around it -> their ancestors
    addressee_up: dict[URIRef, set[URIRef]]  # addressee -> addressees above it
    conditions: dict[URIRef, list[Rule]]  # document -> its requires-provisions
    # areas inside the place that also lie in a region around neither (a zone area in a
    # city), each with the rules read for it
    overlaps: list[tuple[URIRef, Graph]] = field(default_factory=list)
    # what the decision reads again and again, computed once (:func:`_index`)
    _index: _Index | None = field(default=None, init=False, repr=False, compare=False)

    def regions_above(self, region: URIRef) -> set[URIRef]:
        """The regions known to contain ``region``: for a region inside the asked place (a
        zone of a province), the place and what contains it (the regions between them are
        not read)."""
        if region in self.ancestors:
            return self.ancestors[region]
        return {self.place} | self.ancestors.get(self.place, set())


class _Index:
    """What the decision looks up many times for one graph, read once: the relations that end
    a rule (by the rule or document they end) and the derogations (by the rule or document
    that derogates), each in the graph's order; the first date each rule or document starts;
    and, per question (place, activity, addressee: no date), the rules covering all or part of
    it and each rule's precedence key.  Precedence verdicts between two keys are kept too.

    It assumes the graph does not change while it is asked: a new list of rules or relations,
    or one grown or shrunk, starts a new index (:func:`_index`); a rule or relation replaced
    or changed in place, or a changed hierarchy, is not noticed (build a new Graph)."""

    def __init__(self, g: Graph) -> None:
        self.stamp = _stamp(g)
        self.ending: dict[URIRef, list[tuple[int, Relation]]] = {}
        self.derogating: dict[URIRef, list[tuple[int, Relation]]] = {}
        for pos, rel in enumerate(g.relations):
            if rel.property in ENDING:
                self.ending.setdefault(rel.target, []).append((pos, rel))
            if rel.property == DEROGATES:
                self.derogating.setdefault(rel.source_end, []).append((pos, rel))
        self.start: dict[URIRef, dt.date] = {}  # the first rule's, in the graph's order
        for rule in g.rules:
            if rule.start:
                for term in (rule.provision, rule.document):
                    self.start.setdefault(term, rule.start)
        self.held = {id(r) for r in g.rules}  # rules whose keys may be kept (alive while g is)
        self.scopes: dict[tuple, tuple[list[Rule], list[Rule]]] = {}
        self.keys: dict[tuple[int, URIRef], tuple] = {}
        self.verdicts: dict[tuple, str | bool | None] = {}


def _stamp(g: Graph) -> tuple:
    return id(g.rules), len(g.rules), id(g.relations), len(g.relations)


def _index(g: Graph) -> _Index:
    index = g._index
    if index is None or index.stamp != _stamp(g):
        index = g._index = _Index(g)
    return index


def _by_position(first: list[tuple[int, Relation]], second: list[tuple[int, Relation]]) -> list[Relation]:
    """The relations of two index lists (a rule's and its document's), once each, in the
    graph's order."""
    if not second or second is first:
        return [rel for _, rel in first]
    if not first:
        return [rel for _, rel in second]
    return [rel for _, rel in sorted(dict(first + second).items())]


@dataclass
class Override:
    rule: Rule
    why: str
    detail: str
    relation: Relation | None = None


@dataclass
class Answer:
    question: Question
    answer: str
    reason: str
    deciding: Rule | None = None
    overrides: list[Override] = field(default_factory=list)
    agreeing: list[Rule] = field(default_factory=list)
    conditions: list[Rule] = field(default_factory=list)
    context: list[Rule] = field(default_factory=list)
    not_in_force: list[tuple[Rule, str]] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    parts: list[tuple[str, Answer]] = field(default_factory=list)  # (scope, answer for it)


# ------------------------------------------------------------------ stage 1: the rules


def _local(term) -> str:
    text = str(term)
    return text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _date(term) -> dt.date | None:
    if term is None:
        return None
    try:
        return dt.date.fromisoformat(str(term))
    except ValueError:
        return None


def load_rules(run: Runner, place: URIRef, activity: URIRef) -> list[Rule]:
    """Group the rows of ``status-rules`` into one :class:`Rule` per provision and modality."""
    return rules_from_rows(_rows_by_place(run, place, activity).get(place, []))


def _rows_by_place(run: Runner, place: URIRef, activity: URIRef) -> dict[URIRef, list[dict]]:
    """The rows of ``status-rules`` for the place and for each of its overlapping areas
    (column ``for``), in the query's order."""
    out: dict[URIRef, list[dict]] = {}
    for row in run("status-rules", {"place": place, "activity": activity}):
        out.setdefault(row.get("for", place), []).append(row)
    return out


def rules_from_rows(rows: Iterable[dict]) -> list[Rule]:
    """One :class:`Rule` per provision and modality from rows of ``status-rules`` read
    against one place."""
    rules: dict[tuple[URIRef, str], Rule] = {}
    for row in by_content(rows, "document", "provision"):
        key = (row["provision"], _local(row["modality"]))
        rule = rules.get(key)
        if rule is None:
            rule = rules[key] = Rule(row["provision"], row["document"], key[1])
        _widen(rule.abouts, row["about"], str(row["activityScope"]))
        _widen(rule.regions, row["region"], str(row["placeScope"]))
        if row.get("addressee") is not None:
            rule.addressees.add(row["addressee"])
        if row.get("issuerLevel") is not None:
            rule.issuer_levels.add(_local(row["issuerLevel"]))
        rule.issued = rule.issued or _date(row.get("issued"))
        rule.in_force = rule.in_force or _date(row.get("inForce"))
        rule.until = rule.until or _date(row.get("until"))
        rule.unknown_reason = rule.unknown_reason or _text(row.get("unknownReason"))
        rule.legal_level = rule.legal_level or (_local(row["legalLevel"]) if row.get("legalLevel") else None)
        rule.title = rule.title or _text(row.get("title")) or ""
        rule.document_title = rule.document_title or _text(row.get("documentTitle")) or ""
        rule.source = rule.source or row.get("source")
        rule.locator = rule.locator or _text(row.get("locator")) or ""
    return conduct_rules(list(rules.values()))


def conduct_rules(rules: list[Rule]) -> list[Rule]:
    """A provision that both requires and permits or prohibits sets rules of conduct for the
    activity (no collection without consent, no false advertising, patients may withdraw):
    it is a duty that comes with the activity, not a ban on or an opening of it, so only its
    ``requires`` side is kept (docs/status.md)."""
    requiring = {r.provision for r in rules if r.modality == "requires"}
    return [r for r in rules if r.modality not in DECISIVE or r.provision not in requiring]


_SCOPE_ORDER = {"same": 0, "broader": 1, "narrower": 2}


def _widen(scopes: dict, term, scope: str) -> None:
    """Keep the best match per concept (a region can be reached as itself and as an ancestor)."""
    if term is None:
        return
    old = scopes.get(term)
    if old is None or _SCOPE_ORDER[scope] < _SCOPE_ORDER[old]:
        scopes[term] = scope


def by_content(rows: Iterable[dict], *first: str) -> list[dict]:
    """Rows sorted by the columns ``first``, then by all their values: what a rule or a
    relation takes from the first of several rows (a title, a source, a date) then depends on
    what the rows say, not on the order an engine returned them in (which changes with the
    query's shape and the store's internal identifiers)."""
    def key(row: dict):
        return tuple(str(row.get(c, "")) for c in first), sorted((k, str(v)) for k, v in row.items())
    return sorted(rows, key=key)


def _text(term) -> str | None:
    return None if term is None else str(term)


def load_relations(run: Runner, rules: Iterable[Rule],
                   rows: list[dict] | None = None) -> list[Relation]:
    """The stated relations (``status-relations``) touching each rule or its document: all
    relations are read in one run (or taken from ``rows``, such a run's) and those of each
    rule and document are kept, in the order they are asked for."""
    if rows is None:
        rows = run("status-relations", {})
    by_term: dict[URIRef, list[dict]] = {}
    for row in rows:
        by_term.setdefault(row["rule"], []).append(row)
    rows_by_relation: dict[URIRef, list[dict]] = {}
    asked: set[URIRef] = set()
    for rule in rules:
        for term in (rule.provision, rule.document):
            if term in asked:
                continue
            asked.add(term)
            for row in by_content(by_term.get(term, []), "relation"):
                rows_by_relation.setdefault(row["relation"], []).append(row)
    relations = []
    for iri, rows in rows_by_relation.items():
        first = rows[0]
        relations.append(Relation(  # a text's copy stands for its canonical node
            iri, first["property"], first.get("fromCanonical") or first["from"],
            first.get("toCanonical") or first["to"],
            frozenset(r["appliesIn"] for r in rows if r.get("appliesIn") is not None),
            frozenset(r["forAddressee"] for r in rows if r.get("forAddressee") is not None),
            _date(first.get("effective")), first.get("source")))
    return relations


def load_place(run: Runner, place: URIRef) -> dict[URIRef, set[URIRef]]:
    """The place and every region around it, each with the regions around it."""
    ancestors: dict[URIRef, set[URIRef]] = {place: set()}
    for row in run("status-place", {"place": place}):
        ancestors[place].add(row["region"])
        ups = ancestors.setdefault(row["region"], set())
        if row.get("up") is not None:
            ups.add(row["up"])
    return ancestors


def load_addressees(run: Runner) -> tuple[dict[URIRef, set[URIRef]], dict[URIRef, list[str]]]:
    """Addressee concepts: the ones above each, and their names (for the key check)."""
    up: dict[URIRef, set[URIRef]] = {}
    names: dict[URIRef, list[str]] = {}
    for row in run("status-addressees", {}):
        up.setdefault(row["addressee"], set())
        names.setdefault(row["addressee"], [])
        if row.get("broader") is not None:
            up[row["addressee"]].add(row["broader"])
        if row.get("label") is not None and str(row["label"]) not in names[row["addressee"]]:
            names[row["addressee"]].append(str(row["label"]))
    return up, names


def load_conditions(run: Runner, document: URIRef) -> list[Rule]:
    rules: dict[URIRef, Rule] = {}
    for row in run("status-conditions", {"document": document}):
        rule = rules.setdefault(row["provision"], Rule(row["provision"], document, "requires"))
        if row.get("addressee") is not None:
            rule.addressees.add(row["addressee"])
        if row.get("about") is not None:
            rule.abouts[row["about"]] = "same"
        rule.title = rule.title or _text(row.get("title")) or ""
        rule.source = rule.source or row.get("source")
        rule.locator = rule.locator or _text(row.get("locator")) or ""
    return list(rules.values())


def load(run: Runner, place: URIRef, activity: URIRef, *, with_overlaps: bool = True) -> Graph:
    """Read everything a question about ``place`` and ``activity`` needs, on any date.

    One run of ``status-rules`` reads the rules of the place and of its overlapping areas,
    one run of ``status-relations`` every relation; the relations, conditions and regions
    around are then read for the place, and for an area only when it is kept."""
    rows = _rows_by_place(run, place, activity)
    relation_rows = run("status-relations", {})
    up, _ = load_addressees(run)
    g = _graph(run, place, activity, rules_from_rows(rows.get(place, [])), up, relation_rows)
    if with_overlaps:
        g.overlaps = load_overlaps(run, g, rows, relation_rows)
    return g


def _graph(run: Runner, place: URIRef, activity: URIRef, rules: list[Rule],
           up: dict[URIRef, set[URIRef]], relation_rows: list[dict]) -> Graph:
    """The rules of one place with what the decision reads about them."""
    conditions = {d: load_conditions(run, d) for d in {r.document for r in rules if r.modality in DECISIVE}}
    for rule in rules:  # a condition shares its document's dates
        for cond in conditions.get(rule.document, []):
            cond.issued, cond.in_force, cond.until = rule.issued, rule.in_force, rule.until
            cond.document_title = rule.document_title
    return Graph(place, activity, rules, load_relations(run, rules, relation_rows),
                 load_place(run, place), up, conditions)


def load_overlaps(run: Runner, g: Graph, rows: dict[URIRef, list[dict]] | None = None,
                  relation_rows: list[dict] | None = None) -> list[tuple[URIRef, Graph]]:
    """The areas of the place that lie in another region too (``status-overlaps``), each
    with its own rules, kept when a rule that permits or prohibits applies there and not in
    the place as a whole (the Guangdong zone's rules in Shenzhen's Qianhai area).  The rules
    of each area come from the place's run of ``status-rules`` (``rows``, read again when
    not given)."""
    if rows is None:
        rows = _rows_by_place(run, g.place, g.activity)
    if relation_rows is None:
        relation_rows = run("status-relations", {})
    known = {r.provision for r in g.rules}
    out = []
    for area in dict.fromkeys(row["area"] for row in run("status-overlaps", {"place": g.place})):
        rules = rules_from_rows(rows.get(area, []))
        if any(r.modality in DECISIVE and r.provision not in known for r in rules):
            out.append((area, _graph(run, area, g.activity, rules, g.addressee_up, relation_rows)))
    return out


# ------------------------------------------------------------------ stage 2: in force


def _touches(relation: Relation, rule: Rule, end: str) -> bool:
    term = relation.target if end == "to" else relation.source_end
    return term in (rule.provision, rule.document)


def in_force(rule: Rule, on: dt.date, g: Graph) -> tuple[bool | None, str]:
    """True / False / None (cannot tell) on ``on``, with the reason when not True."""
    return _in_force(rule, on, g, _index(g))


def _in_force(rule: Rule, on: dt.date, g: Graph, index: _Index) -> tuple[bool | None, str]:
    ending = index.ending
    if rule.provision in ending or rule.document in ending:
        for rel in _by_position(ending.get(rule.provision, []), ending.get(rule.document, [])):
            when = rel.effective or index.start.get(rel.source_end)
            if when is not None and when <= on:
                return False, f"{ENDING[rel.property]} by {rel.source_end} from {when} ({rel.iri})"
    start = rule.start
    if start is None:
        why = rule.unknown_reason or "no source gives its date of issue or entry into force"
        return None, f"dates unknown: {why}"
    if start > on:
        return False, f"not yet in force: from {start}"
    if rule.until is not None and rule.until <= on:
        return False, f"no longer in force since {rule.until}"
    return True, ""


# ------------------------------------------------------------------ stage 3: scope


def addressee_covered(rule_addressees: set[URIRef], asked: URIRef | None, up: dict) -> bool | None:
    """True: the rule reaches every addressee asked about; None: only some of them."""
    if not rule_addressees:
        return True
    if asked is None:
        return None
    return any(a == asked or a in up.get(asked, set()) for a in rule_addressees)


def scope_of(rule: Rule, q: Question, g: Graph) -> str:
    """``full`` (the whole question), ``part`` (only a region inside the place, a narrower
    activity or some of the addressees) or ``none``."""
    covered = addressee_covered(rule.addressees, q.addressee, g.addressee_up)
    parts = (_cover(rule.regions, q.place, g.place), _cover(rule.abouts, q.activity, g.activity),
             "none" if covered is False else "full" if covered else "part")
    if "none" in parts:
        return "none"
    return "part" if "part" in parts else "full"


def _scoped(q: Question, g: Graph) -> tuple[list[Rule], list[Rule]]:
    """The rules covering the whole of ``q`` and those covering a part, in the graph's order
    (:func:`scope_of` does not depend on the date: kept per question)."""
    index = _index(g)
    key = (q.place, q.activity, q.addressee)
    if key not in index.scopes:
        full, part = [], []
        for rule in g.rules:
            scope = scope_of(rule, q, g)
            if scope == "full":
                full.append(rule)
            elif scope == "part":
                part.append(rule)
        index.scopes[key] = (full, part)
    return index.scopes[key]


def _cover(scopes: dict[URIRef, str], asked: URIRef, original: URIRef) -> str:
    """How concepts matched against the ``original`` question (same / broader / narrower)
    cover ``asked``: the original itself, or a concept inside it (a sub-question)."""
    if any(s != "narrower" for s in scopes.values()) or asked in scopes:
        return "full"
    if asked == original:
        return "part" if scopes else "none"
    return "none"


# ------------------------------------------------------------------ stage 4: precedence


def _covers_place(regions: frozenset[URIRef], place: URIRef, g: Graph) -> bool:
    return not regions or place in regions or bool(regions & g.regions_above(place))


def _derogation(a: Rule, b: Rule, q: Question, g: Graph) -> Relation | None:
    index = _index(g)
    # the index holds only derogations, under the rule or document they derogate from
    for rel in _by_position(index.derogating.get(a.provision, []), index.derogating.get(a.document, [])):
        if not _touches(rel, b, "to"):
            continue
        when = rel.effective or a.start
        if when is None or when > q.on or not _covers_place(rel.regions, q.place, g):
            continue
        if rel.addressees and addressee_covered(set(rel.addressees), q.addressee, g.addressee_up) is not True:
            continue
        return rel
    return None


def _specificity(rule: Rule, q: Question, g: Graph) -> set[URIRef]:
    """The regions of ``rule`` that cover the place (for comparing how close they are)."""
    above = g.regions_above(q.place)
    return {r for r in rule.regions if r == q.place or r in above}


def _narrower_addressees(a: frozenset[URIRef], b: frozenset[URIRef], up: dict) -> bool:
    """The first rule's addressees lie within the second's, and are not the same (a rule for
    everyone has none)."""
    if not a:
        return False
    if not b:
        return True
    narrower = all(x in b or any(y in up.get(x, set()) for y in b) for x in a)
    return narrower and a != b


def _rank_key(rule: Rule, q: Question, g: Graph) -> tuple:
    """What precedence reads of a rule besides derogations and dates: its rung, its regions
    covering the place, its addressees.  Two rules with the same key fare the same against
    any third (kept per rule and place)."""
    index = _index(g)
    memo = (id(rule), q.place)
    key = index.keys.get(memo)
    if key is None:
        key = (rule.rank(), frozenset(_specificity(rule, q, g)), frozenset(rule.addressees))
        if id(rule) in index.held:
            index.keys[memo] = key
    return key


def _verdict(ka: tuple, kb: tuple, g: Graph) -> str | bool | None:
    """Stages 2-4 of :func:`beats` between two keys: the reason the first prevails, False
    when the second prevails (or ranks above), None when only the dates can tell."""
    index = _index(g)
    if (ka, kb) in index.verdicts:
        return index.verdicts[ka, kb]
    (ra, sa, aa), (rb, sb, ab) = ka, kb
    verdict: str | bool | None = None
    if ra and rb and ra[0] == rb[0] and ra[1] != rb[1]:
        verdict = "higher level" if ra[1] < rb[1] else False
    elif _place_inside(sa, sb, g):
        verdict = "more specific place"
    elif _place_inside(sb, sa, g):
        verdict = False
    elif _narrower_addressees(aa, ab, g.addressee_up):
        verdict = "more specific addressee"
    elif _narrower_addressees(ab, aa, g.addressee_up):
        verdict = False
    index.verdicts[ka, kb] = verdict
    return verdict


def _place_inside(ra: frozenset[URIRef], rb: frozenset[URIRef], g: Graph) -> bool:
    """Some region of the first rule covering the place lies inside every region of the
    second covering it (the more specific place)."""
    if not ra or not rb:
        return False
    return any(all(y in g.regions_above(x) for y in rb) for x in ra)


def beats(a: Rule, b: Rule, q: Question, g: Graph) -> Override | None:
    """Why ``a`` decides over ``b`` on the question, or None; the first reason that holds."""
    if rel := _derogation(a, b, q, g):
        where = ", ".join(_local(r) for r in sorted(rel.regions)) or "everywhere"
        who = ", ".join(_local(x) for x in sorted(rel.addressees)) or "every addressee"
        return Override(b, "derogation", f"{_local_doc(a)} derogates from {_local_doc(b)} in {where} "
                        f"for {who}" + (f" from {rel.effective}" if rel.effective else ""), rel)
    verdict = _verdict(_rank_key(a, q, g), _rank_key(b, q, g), g)
    if verdict == "higher level":
        return Override(b, "higher level", f"{a.rank()[0]}: {_local_doc(a)} ranks above {_local_doc(b)}")
    if verdict == "more specific place":
        return Override(b, "more specific place", f"{_local_doc(a)} applies in "
                        f"{', '.join(sorted(_local(r) for r in _specificity(a, q, g)))}, "
                        f"{_local_doc(b)} in {', '.join(sorted(_local(r) for r in _specificity(b, q, g)))}")
    if verdict == "more specific addressee":
        return Override(b, "more specific addressee", f"{_local_doc(a)} addresses "
                        f"{', '.join(sorted(_local(x) for x in a.addressees))}")
    if verdict is None and a.start and b.start and a.start > b.start:
        return Override(b, "later in force", f"{_local_doc(a)} from {a.start}, {_local_doc(b)} from {b.start}")
    return None


def _local_doc(rule: Rule) -> str:
    return str(rule.provision).split("/doc/", 1)[-1]


# ------------------------------------------------------------------ stage 5: deciding


def decide(q: Question, g: Graph) -> Answer:
    """The answer for rules that cover the whole of ``q`` (no parts)."""
    held, undated, out = [], [], []
    index = _index(g)
    for rule in _scoped(q, g)[0]:
        state, why = _in_force(rule, q.on, g, index)
        if state is True:
            held.append(rule)
        elif state is None:
            undated.append((rule, why))
        else:
            out.append((rule, why))
    ans = Answer(q, "unknown", "", not_in_force=out)
    ans.caveats = sorted({n for r in held if (n := r.start_note())})
    decisive = [r for r in held if r.modality in DECISIVE]
    ans.context = [r for r in held if r.modality not in DECISIVE and r.modality != "requires"]
    requirements = [r for r in held if r.modality == "requires"]
    if decisive:
        _settle(ans, decisive, q, g)
    elif requirements:
        winner = _strongest(requirements, q, g)
        ans.answer, ans.deciding = "required", winner
        ans.reason = f"a rule in force requires it: {_local_doc(winner)}"
        ans.conditions = [r for r in requirements if r is not winner]
    else:
        ans.reason = _why_unknown(ans.context, undated, out)
    undated_decisive = [(r, why) for r, why in undated if r.modality in DECISIVE]
    if ans.deciding is not None and undated_decisive:
        _weigh_undated(ans, undated_decisive, q, g)
    if ans.answer in ("permitted", "prohibited"):
        ans.conditions = _conditions(ans.deciding, requirements, q, g)
    return ans


def _settle(ans: Answer, decisive: list[Rule], q: Question, g: Graph) -> None:
    groups: dict[str, list[Rule]] = {}
    for r in decisive:
        groups.setdefault(r.modality, []).append(r)
    heads = {m: _strongest(rs, q, g) for m, rs in groups.items()}
    for modality, head in sorted(heads.items()):
        others = [r for m, rs in groups.items() if m != modality for r in rs]
        reasons = [beats(head, other, q, g) for other in others]
        if all(reasons):
            ans.answer, ans.deciding = DECISIVE[modality], head
            ans.overrides = list(reasons)
            ans.agreeing = [r for r in groups[modality] if r is not head]
            ans.reason = (f"{_local_doc(head)} {modality}" +
                          (f" and prevails over {len(others)} other rule(s)" if others else ""))
            return
    names = "; ".join(f"{_local_doc(h)} {m}" for m, h in sorted(heads.items()))
    ans.reason = f"rules in force disagree and none prevails by the precedence rules: {names}"


def _strongest(rules: list[Rule], q: Question, g: Graph) -> Rule:
    """Among rules that agree, the one to cite: beats most of the others, then latest (the
    first such in ``rules``).

    The wins are counted per class of rules with the same :func:`_rank_key` (they fare the same
    against any rule, but for derogations and dates), not per pair: a rule beats a whole
    class, none of it, or those of it that started earlier (counted by bisection).  Within a
    class more wins never come with an earlier start, so only each class's latest rules and
    the rules that derogate from another can score highest; only theirs are counted."""
    classes: dict[tuple, list[Rule]] = {}
    for r in rules:
        classes.setdefault(_rank_key(r, q, g), []).append(r)
    starts = {k: sorted(r.start for r in members if r.start) for k, members in classes.items()}
    derogating = _index(g).derogating
    candidates = set()
    for members in classes.values():
        latest = max(r.start or dt.date.min for r in members)
        candidates.update(id(r) for r in members if (r.start or dt.date.min) == latest)
    candidates.update(id(r) for r in rules if r.provision in derogating or r.document in derogating)

    def wins(r: Rule) -> int:
        own = _rank_key(r, q, g)
        n = 0
        for k, members in classes.items():
            verdict = _verdict(own, k, g)
            if verdict is None and r.start:
                n += bisect_left(starts[k], r.start)  # the class's rules that started earlier
            elif verdict:
                n += len(members) - (k == own)
        return n + _derogation_wins(r, rules, q, g)

    def score(r: Rule):
        return (wins(r), r.start or dt.date.min, str(r.provision))
    return max((r for r in rules if id(r) in candidates), key=score)


def _derogation_wins(r: Rule, rules: list[Rule], q: Question, g: Graph) -> int:
    """The rules ``r`` beats by a derogation alone (not by its key or its date)."""
    index = _index(g)
    targets = {rel.target for rel in _by_position(index.derogating.get(r.provision, []),
                                                  index.derogating.get(r.document, []))}
    if not targets:
        return 0
    n = 0
    for o in rules:
        if o is r or not ({o.provision, o.document} & targets) or not _derogation(r, o, q, g):
            continue
        verdict = _verdict(_rank_key(r, q, g), _rank_key(o, q, g), g)
        if not verdict and not (verdict is None and r.start and o.start and r.start > o.start):
            n += 1
    return n


def _weigh_undated(ans: Answer, undated: list[tuple[Rule, str]], q: Question, g: Graph) -> None:
    for rule, why in undated:
        if rule.modality == ans.deciding.modality:
            ans.caveats.append(f"{_local_doc(rule)} agrees; {why}")
            continue
        reason = beats(ans.deciding, rule, q, g)
        if reason and reason.why != "later in force":
            ans.overrides.append(reason)
            ans.caveats.append(f"{_local_doc(rule)}: {why}")
        else:
            ans.reason = (f"{_local_doc(ans.deciding)} {ans.deciding.modality}, but "
                          f"{_local_doc(rule)} {rule.modality} and its {why}")
            ans.answer, ans.deciding, ans.overrides = "unknown", None, []
            return


def _conditions(deciding: Rule, requirements: list[Rule], q: Question, g: Graph) -> list[Rule]:
    """Duties that come with the answer: the deciding document's own requirements for the
    addressee, and requirements in force about the activity in the place."""
    found = {r.provision: r for r in requirements}
    for cond in g.conditions.get(deciding.document, []):
        if addressee_covered(cond.addressees, q.addressee, g.addressee_up) is not False:
            found.setdefault(cond.provision, cond)
    return sorted(found.values(), key=lambda r: str(r.provision))


def _why_unknown(context: list[Rule], undated: list, out: list) -> str:
    announcing = [r for r in context if r.modality == "announces-pilot"]
    if announcing:
        return ("only an announcement that a pilot will be allowed (" +
                ", ".join(_local_doc(r) for r in announcing) + "); no rule in force permits or prohibits")
    decisive_undated = [(r, why) for r, why in undated if r.modality in DECISIVE]
    if decisive_undated:
        r, why = decisive_undated[0]
        return f"{_local_doc(r)} {r.modality}, but its {why}"
    if context:
        return ("only policy support or encouragement (" + ", ".join(_local_doc(r) for r in context)
                + "); no rule in force permits or prohibits")
    if out:
        return "no rule in force on that date; the graph's rules: " + "; ".join(
            f"{_local_doc(r)} ({why})" for r, why in out)
    return "no rule in the graph concerns this activity in this place"


def _parts(q: Question, g: Graph) -> list[tuple[str, Question]]:
    """Sub-questions for the parts of the question a narrower rule in force concerns: a
    region inside the place, a narrower activity, one of the addressees."""
    subs: dict[tuple, tuple[str, Question]] = {}
    for rule in _scoped(q, g)[1]:
        if rule.modality not in DECISIVE:
            continue
        if in_force(rule, q.on, g)[0] is not True:
            continue
        places = _narrower(rule.regions) or [q.place]
        activities = _narrower(rule.abouts) or [q.activity]
        partial = addressee_covered(rule.addressees, q.addressee, g.addressee_up) is None
        whos = sorted(rule.addressees) if partial else [q.addressee]
        for place in places:
            for activity in activities:
                for who in whos:
                    sub = Question(place, activity, q.on, who)
                    label = ", ".join(x for x in (
                        f"in {_local(place)}" if place != q.place else "",
                        f"for {_local(activity)}" if activity != q.activity else "",
                        f"for {_local(who)}" if who is not None and who != q.addressee else "") if x)
                    subs.setdefault((place, activity, who), (label, sub))
    return sorted(subs.values(), key=lambda x: x[0])


def _narrower(scopes: dict[URIRef, str]) -> list[URIRef]:
    """The concepts inside the asked one, when none covers it whole."""
    if any(s != "narrower" for s in scopes.values()):
        return []
    return sorted(t for t, s in scopes.items() if s == "narrower")


def answer(q: Question, g: Graph) -> Answer:
    """The status on ``q.on``: the whole question, then its parts (``conditional`` when a
    part — a zone inside the place, one kind of addressee — has another answer)."""
    whole = decide(q, g)
    parts = []
    for label, sub in _parts(q, g):
        part = decide(sub, g)
        if (part.answer, part.deciding and part.deciding.provision) != (
                whole.answer, whole.deciding and whole.deciding.provision):
            parts.append((label, part))
    for area, sub in g.overlaps:
        part = answer(Question(area, q.activity, q.on, q.addressee), sub)
        if (part.answer, part.deciding and part.deciding.provision) != (
                whole.answer, whole.deciding and whole.deciding.provision):
            parts.append((f"in {_local(area)}", part))
    if parts:
        whole.parts = parts
        summary = "; ".join(f"{p.answer} {label}" for label, p in parts)
        rest = whole.answer if whole.deciding else "unknown"
        whole.reason = (f"the answer differs within the question: {summary}; elsewhere {rest}"
                        + (f" ({whole.reason})" if whole.reason else ""))
        whole.answer = "conditional"
    return whole


def change_dates(g: Graph) -> list[dt.date]:
    """Every date on which a candidate rule or relation starts or stops."""
    dates = set()
    for r in g.rules:
        dates.update(d for d in (r.start, r.until) if d)
    for rel in g.relations:
        if rel.effective:
            dates.add(rel.effective)
    for _, sub in g.overlaps:
        dates.update(change_dates(sub))
    return sorted(dates)


def timeline(place: URIRef, activity: URIRef, addressee: URIRef | None, g: Graph) -> list[Answer]:
    """The answer from each date on which it changes (the first entry: before any rule)."""
    dates = change_dates(g)
    points = ([dates[0] - dt.timedelta(days=1)] if dates else []) + dates
    steps: list[Answer] = []
    for day in points:
        a = answer(Question(place, activity, day, addressee), g)
        key = (a.answer, a.deciding and a.deciding.provision,
               tuple((label, p.answer) for label, p in a.parts))
        if not steps or key != _key(steps[-1]):
            steps.append(a)
    return steps


def _key(a: Answer):
    return (a.answer, a.deciding and a.deciding.provision, tuple((label, p.answer) for label, p in a.parts))


# ------------------------------------------------------------------ for people and programs


def rule_json(rule: Rule, base: str = DEFAULT_BASE) -> dict:
    return {
        "rule": str(rule.provision), "document": str(rule.document), "modality": rule.modality,
        "title": rule.title, "document_title": rule.document_title,
        "in_force": rule.in_force.isoformat() if rule.in_force else None,
        "issued": rule.issued.isoformat() if rule.issued else None,
        "until": rule.until.isoformat() if rule.until else None,
        "regions": sorted(str(r) for r in rule.regions),
        "addressees": sorted(str(a) for a in rule.addressees),
        "source": str(rule.source) if rule.source else None, "locator": rule.locator or None,
    }


def answer_json(a: Answer) -> dict:
    q = a.question
    return {
        "question": {"place": str(q.place), "activity": str(q.activity), "date": q.on.isoformat(),
                     "addressee": str(q.addressee) if q.addressee else None},
        "answer": a.answer,
        "deciding": str(a.deciding.provision) if a.deciding else None,
        "reason": a.reason,
        "deciding_rule": rule_json(a.deciding) if a.deciding else None,
        "overrides": [{**rule_json(o.rule), "why": o.why, "detail": o.detail,
                       "relation": str(o.relation.iri) if o.relation else None,
                       "relation_source": str(o.relation.source) if o.relation and o.relation.source else None}
                      for o in a.overrides],
        "conditions": [rule_json(c) for c in a.conditions],
        "agreeing": [rule_json(r) for r in a.agreeing],
        "context": [rule_json(r) for r in a.context],
        "not_in_force": [{**rule_json(r), "why": why} for r, why in a.not_in_force],
        "caveats": a.caveats,
        "parts": [{"scope": label, **answer_json(p)} for label, p in a.parts],
    }


def short(term, base: str = DEFAULT_BASE) -> str:
    text = str(term)
    for prefix, ns in instance_prefixes(base).items():
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns):]}"
    return text
