"""`cgtkg status` at scale gives the answers it gave before it was made fast (issue 25).

* the rule cited among rules that agree (``_strongest``, now counted per class of rules) is
  the one a plain count over every pair picks, on generated rule sets, and ``beats`` (now
  read from an index) gives the reasons the stages of docs/status.md give;
* a graph changed between two questions answers the second with the change;
* on a small made-up store: the areas of a place that also lie in another region (read in
  the place's one run of ``status-rules``) are answered as when each is asked alone, the
  relations read in one run are those read rule by rule, and a key checked by one look-up
  is a key of the full list.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from cgtkg.graph import status as S
from cgtkg.graph.closure import materialise
from cgtkg.graph.keys import BadKey, KeyIndex
from cgtkg.graph.namespaces import CGT, ELI
from cgtkg.graph.store import GraphStore
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from cgtkg.cli.cmd_status import StoreRunner

B = "https://w3id.org/cgt-kg/id/"
LAND, COAST, CITY, ZONE, DISTRICT = (URIRef(f"{B}region/{k}") for k in
                                     ("land", "coast", "harbour-city", "trade-zone", "old-town"))
CELLS = URIRef(f"{B}therapy/cells")
FIRMS, FOREIGN, FUNDS = (URIRef(f"{B}concept/{k}") for k in ("firms", "foreign-firms", "funds"))


# ------------------------------------------------------------------ generated rule sets


def reference_beats(a: S.Rule, b: S.Rule, q: S.Question, g: S.Graph) -> str | None:
    """The precedence stages written out plainly, pair by pair (the code before issue 25)."""
    for rel in g.relations:
        if (rel.property == S.DEROGATES and rel.source_end in (a.provision, a.document)
                and rel.target in (b.provision, b.document)):
            when = rel.effective or a.start
            above = g.regions_above(q.place)
            if when is None or when > q.on or (rel.regions and q.place not in rel.regions
                                               and not rel.regions & above):
                continue
            if rel.addressees and S.addressee_covered(set(rel.addressees), q.addressee,
                                                      g.addressee_up) is not True:
                continue
            return "derogation"
    ra, rb = a.rank(), b.rank()
    if ra and rb and ra[0] == rb[0] and ra[1] != rb[1]:
        return "higher level" if ra[1] < rb[1] else None

    def covering(r):
        above = g.regions_above(q.place)
        return {x for x in r.regions if x == q.place or x in above}

    def inside(x, y):
        sx, sy = covering(x), covering(y)
        return bool(sx and sy) and any(all(v in g.regions_above(u) for v in sy) for u in sx)

    def narrower(x, y):
        if not x.addressees:
            return False
        if not y.addressees:
            return True
        return x.addressees != y.addressees and all(
            u in y.addressees or any(v in g.addressee_up.get(u, set()) for v in y.addressees)
            for u in x.addressees)

    for why, ahead, behind in (("more specific place", inside(a, b), inside(b, a)),
                               ("more specific addressee", narrower(a, b), narrower(b, a))):
        if ahead:
            return why
        if behind:
            return None
    if a.start and b.start and a.start > b.start:
        return "later in force"
    return None


def reference_strongest(rules, q, g):
    return max(rules, key=lambda r: (sum(1 for o in rules if o is not r and reference_beats(r, o, q, g)),
                                     r.start or dt.date.min, str(r.provision)))


def generated(seed: int, n: int) -> tuple[S.Graph, list[S.Rule]]:
    """``n`` rules that agree, with few distinct levels, places, addressees and dates (so
    that classes and ties are common), and some derogations between them."""
    rnd = random.Random(seed)
    days = [None] + [dt.date(2010 + rnd.randrange(12), 1 + rnd.randrange(12), 1) for _ in range(6)]
    rules = []
    for i in range(n):
        key = f"gen-{seed}-{i % max(1, n // 3)}"  # provisions share documents
        rules.append(S.Rule(
            URIRef(f"{B}doc/{key}/item/{i}"), URIRef(f"{B}doc/{key}"), "permits",
            abouts={CELLS: "same"},
            regions=dict(rnd.sample([(LAND, "broader"), (COAST, "broader"), (CITY, "same"),
                                     (DISTRICT, "narrower")], rnd.randint(1, 2))),
            addressees=set(rnd.choice([(), (FIRMS,), (FOREIGN,), (FOREIGN, FUNDS)])),
            in_force=rnd.choice(days), issued=rnd.choice(days),
            legal_level=rnd.choice([None, None, "legal-law", "legal-departmental-rule",
                                    "legal-normative-document"]),
            issuer_levels=set(rnd.sample(["level-national", "level-provincial", "level-municipal"],
                                         rnd.randint(0, 2)))))
    relations = []
    for j in range(n if n > 2 else 0):  # an older rule that sets aside others wins by them
        a, b = sorted(rnd.sample(rules, 2), key=lambda r: r.start or dt.date.min)
        relations.append(S.Relation(
            URIRef(f"{B}doc/gen/relation/{seed}-{j}"), S.DEROGATES,
            rnd.choice([a.provision, a.document]), rnd.choice([b.provision, b.document]),
            frozenset(rnd.choice([(), (), (CITY,), (ZONE,)])), frozenset(rnd.choice([(), (), (FOREIGN,)])),
            rnd.choice([None, days[1]]), None))
    ancestors = {CITY: {COAST, LAND}, COAST: {LAND}, LAND: set()}
    g = S.Graph(CITY, CELLS, rules, relations, ancestors, {FOREIGN: {FIRMS}}, {})
    return g, rules


@pytest.mark.parametrize("seed", range(40))
def test_the_rule_cited_is_the_one_a_count_over_every_pair_picks(seed):
    g, rules = generated(seed, n=[2, 5, 12, 40][seed % 4])
    for who in (None, FOREIGN, FIRMS):
        for on in (dt.date(2012, 1, 1), dt.date(2016, 6, 1), dt.date(2030, 1, 1)):
            q = S.Question(CITY, CELLS, on, who)
            picked = S._strongest(rules, q, g)
            assert picked is reference_strongest(rules, q, g), (who, on, picked.provision)


def test_an_older_rule_that_sets_aside_the_later_ones_is_cited():
    def rule(key, year):
        return S.Rule(URIRef(f"{B}doc/{key}/item/1"), URIRef(f"{B}doc/{key}"), "permits",
                      abouts={CELLS: "same"}, regions={CITY: "same"}, in_force=dt.date(year, 1, 1))
    old, new, *later = rule("old", 2010), rule("new", 2020), rule("b1", 2021), rule("b2", 2021), rule("b3", 2021)
    aside = [S.Relation(URIRef(f"{B}doc/old/relation/{i}"), S.DEROGATES, old.provision, r.provision,
                        frozenset(), frozenset(), None, None) for i, r in enumerate(later)]
    rules = [old, new, *later]
    g = S.Graph(CITY, CELLS, rules, aside, {CITY: {COAST, LAND}}, {}, {})
    q = S.Question(CITY, CELLS, dt.date(2022, 1, 1))
    assert S._strongest(rules, q, g) is old is reference_strongest(rules, q, g)


@pytest.mark.parametrize("seed", range(10))
def test_beats_gives_the_reason_of_the_stages_written_out(seed):
    g, rules = generated(seed, n=10)
    q = S.Question(CITY, CELLS, dt.date(2016, 6, 1), FOREIGN)
    for a in rules:
        for b in rules:
            if a is not b:
                got = S.beats(a, b, q, g)
                assert (got and got.why) == reference_beats(a, b, q, g), (a.provision, b.provision)


def test_a_graph_changed_between_two_questions_answers_with_the_change():
    def rule(key, modality, start):
        return S.Rule(URIRef(f"{B}doc/{key}/item/1"), URIRef(f"{B}doc/{key}"), modality,
                      abouts={CELLS: "same"}, regions={CITY: "same"}, in_force=start)
    opening = rule("city-opening", "permits", dt.date(2020, 1, 1))
    g = S.Graph(CITY, CELLS, [opening], [], {CITY: {COAST, LAND}}, {}, {})
    q = S.Question(CITY, CELLS, dt.date(2030, 1, 1))
    assert S.answer(q, g).answer == "permitted"
    ban = rule("city-ban", "prohibits", dt.date(2025, 1, 1))
    g.rules.append(ban)
    after = S.answer(q, g)
    assert (after.answer, after.deciding, after.overrides[0].why) == ("prohibited", ban, "later in force")
    g.relations.append(S.Relation(URIRef(f"{B}doc/city-opening/relation/x"), S.REPEALS, opening.document,
                                  ban.document, frozenset(), frozenset(), dt.date(2026, 1, 1), None))
    assert S.answer(q, g).answer == "permitted"


# ------------------------------------------------------------------ a small store

# A made-up province with a city, a trade zone beside it and two areas in both (the
# registry); the documents are written below: a ban for foreign firms in the whole land, an
# opening in the trade zone that sets it aside there, a city duty about blood cells, and a
# trial in the old town that the duty's document repeals.
REGISTRY = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rg: <https://w3id.org/cgt-kg/id/region/> .
@prefix th: <https://w3id.org/cgt-kg/id/therapy/> .
@prefix cv: <https://w3id.org/cgt-kg/id/concept/> .
@prefix sch: <https://w3id.org/cgt-kg/id/scheme/> .

<https://w3id.org/cgt-kg/id/graph/registry> {
  rg:land a skos:Concept ; skos:prefLabel "Land"@en .
  rg:coast a skos:Concept ; skos:broader rg:land .
  rg:harbour-city a skos:Concept ; skos:broader rg:coast ; skos:altLabel "the harbour"@en .
  rg:trade-zone a skos:Concept ; skos:broader rg:coast .
  rg:pier-area a skos:Concept ; skos:broader rg:harbour-city, rg:trade-zone .
  rg:dock-area a skos:Concept ; skos:broader rg:harbour-city, rg:trade-zone .
  rg:old-town a skos:Concept ; skos:broader rg:harbour-city .
  th:cells a skos:Concept .
  th:blood-cells a skos:Concept ; skos:broader th:cells .
  cv:firms a skos:Concept ; skos:inScheme sch:addressees ; skos:prefLabel "firms"@en .
  cv:foreign-firms a skos:Concept ; skos:inScheme sch:addressees ; skos:broader cv:firms ;
      skos:prefLabel "foreign firms"@en .
}
"""


def _item(doc: str, n: int = 1) -> URIRef:
    return URIRef(f"{B}doc/{doc}/item/{n}")


def _store_triples() -> list[tuple[URIRef, list]]:
    """The made-up store, graph by graph."""
    ds = Dataset()
    ds.parse(data=REGISTRY, format="trig")
    graphs = [(URIRef(f"{B}graph/registry"), list(ds.graph(URIRef(f"{B}graph/registry"))))]
    cv = lambda k: URIRef(f"{B}concept/{k}")  # noqa: E731
    rg = lambda k: URIRef(f"{B}region/{k}")  # noqa: E731
    th = lambda k: URIRef(f"{B}therapy/{k}")  # noqa: E731
    day = lambda s: Literal(s, datatype=XSD.date)  # noqa: E731
    docs = {  # key: region, therapy, modality, addressee, in force, legal level
        "land-ban": (rg("land"), th("cells"), "prohibits", cv("foreign-firms"), "2020-01-01", "legal-law"),
        "zone-opening": (rg("trade-zone"), th("cells"), "permits", cv("foreign-firms"), "2023-05-01",
                         "legal-law"),
        "city-duty": (rg("harbour-city"), th("blood-cells"), "requires", None, "2021-03-01", None),
        "old-town-trial": (rg("old-town"), th("cells"), "permits", None, "2019-01-01", None),
    }
    for key, (region, about, modality, who, start, level) in docs.items():
        d, item = URIRef(f"{B}doc/{key}"), _item(key)
        t = [(d, RDF.type, ELI.LegalResource), (d, ELI.relevant_for, region), (d, ELI.is_about, about),
             (d, ELI.first_date_entry_in_force, day(start)), (item, RDF.type, ELI.LegalResourceSubdivision),
             (item, ELI.is_part_of, d), (item, CGT.modality, cv(modality))]
        t += [(d, CGT.legalLevel, cv(level))] if level else []
        t += [(item, CGT.addressee, who)] if who else []
        graphs.append((URIRef(f"{B}graph/doc/{key}"), t))
    relations = [("zone-opening", _item("zone-opening"), _item("land-ban"), CGT.derogatesFrom, "2023-05-01",
                  rg("trade-zone")),
                 ("city-duty", URIRef(f"{B}doc/city-duty"), URIRef(f"{B}doc/old-town-trial"), ELI.repeals,
                  "2022-01-01", None)]
    for key, source, target, prop, when, where in relations:
        rel = URIRef(f"{B}doc/{key}/relation/x/{key}")
        t = [(source, prop, target), (rel, RDF.type, CGT.DocumentRelation), (rel, CGT.relationProperty, prop),
             (rel, CGT.relationFrom, source), (rel, CGT.relationTo, target),
             (rel, CGT.effectiveDate, day(when))]
        t += [(rel, CGT.appliesIn, where)] if where else []
        graphs.append((URIRef(f"{B}graph/relations/{key}"), t))
    return graphs


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    out = tmp_path_factory.mktemp("status-scale") / "out"
    out.mkdir()
    store = GraphStore(out / "store")
    for iri, triples in _store_triples():
        g = Graph(identifier=iri)
        for t in triples:
            g.add(t)
        materialise(g)
        store.add_graph(iri, g)
    store.flush()
    store.close()
    opened = GraphStore.open(out)
    yield StoreRunner(opened, B)
    opened.close()


def counting(run):
    calls: dict[str, int] = {}

    def counted(name, bindings):
        calls[name] = calls.get(name, 0) + 1
        return run(name, bindings)
    return counted, calls


def test_the_areas_of_a_place_are_answered_as_when_each_is_asked_alone(runner):
    run, calls = counting(runner)
    g = S.load(run, CITY, CELLS)
    assert calls["status-rules"] == 1  # the place and both areas in one run
    areas = [area for area, _ in g.overlaps]
    assert [str(a).rsplit("/", 1)[1] for a in areas] == ["dock-area", "pier-area"]
    for on in (dt.date(2022, 6, 1), dt.date(2024, 1, 1)):
        q = S.Question(CITY, CELLS, on, FOREIGN)
        whole = S.answer(q, g)
        parts = {label: S.answer_json(p) for label, p in whole.parts}
        for area, sub in g.overlaps:
            alone = S.load(runner, area, CELLS)
            assert [S.rule_json(r) for r in sub.rules] == [S.rule_json(r) for r in alone.rules]
            assert sub.relations == alone.relations and sub.ancestors == alone.ancestors
            answered = S.answer(S.Question(area, CELLS, on, FOREIGN), alone)
            if on.year == 2024:  # the opening sets the ban aside in the zone's areas
                assert answered.answer == "permitted"
                assert parts[f"in {str(area).rsplit('/', 1)[1]}"] == S.answer_json(answered)
    assert whole.answer == "conditional" and whole.deciding.provision == _item("land-ban")


def test_the_relations_read_in_one_run_are_those_read_rule_by_rule(runner):
    rules = S.load(runner, CITY, CELLS).rules + S.load(runner, ZONE, CELLS).rules
    one_by_one = [row for r in rules for term in (r.provision, r.document)
                  for row in runner("status-relations", {"rule": term})]
    got = S.load_relations(runner, rules)
    assert got == S.load_relations(runner, rules, rows=one_by_one)
    assert {str(r.property).rsplit("#", 1)[1] for r in got} == {"derogatesFrom", "repeals"}


def test_a_key_is_checked_by_one_look_up_with_the_answer_of_the_full_list(runner):
    store = runner.store
    terms = [LAND, COAST, CITY, ZONE, CELLS, URIRef(f"{B}region/nowhere")]
    listed = KeyIndex.for_store(store, B).entries("region")
    assert set(listed) == {LAND, CITY}  # the regions with a name
    for term in terms:
        assert KeyIndex.for_store(store, B).has("region", term) == (term in listed), term
    with pytest.raises(BadKey, match="did you mean rg:land"):
        KeyIndex.for_store(store, B).check("region", URIRef(f"{B}region/lnd"), "lnd", "--place")

