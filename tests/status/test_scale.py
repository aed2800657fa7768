"""`cgtkg status` at scale gives the answers it gave before it was made fast (issue 25).

* the rule cited among rules that agree (``_strongest``, now counted per class of rules) is
  the one a plain count over every pair picks, on generated rule sets, and ``beats`` (now
  read from an index) gives the reasons the stages of docs/status.md give;
* a graph changed between two questions answers the second with the change.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from cgtkg.graph import status as S
from rdflib import URIRef

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
