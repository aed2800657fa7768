"""The precedence stages of graph/status.py on small made-up rule sets.

The default build exercises derogation, place, addressee and dates (test_status.py); these
cases cover what its records do not: a higher level over a more specific place, a repeal
and a superseded edition ending a rule, an undated rule that blocks an answer, two rules of
which neither prevails, and an announcement that never decides. The rules are invented.
"""

from __future__ import annotations

import datetime as dt

from cgtkg.graph import status as S
from rdflib import URIRef

B = "https://w3id.org/cgt-kg/id/"
CHINA, GUANGDONG, SHENZHEN = (URIRef(f"{B}region/{k}") for k in ("china", "guangdong", "shenzhen"))
STEM = URIRef(f"{B}therapy/stem-cells")
DAY = dt.date(2025, 1, 1)


def rule(key: str, modality: str, region: URIRef, scope: str, level: str, start: str | None,
         **kw) -> S.Rule:
    return S.Rule(URIRef(f"{B}doc/{key}/item/1"), URIRef(f"{B}doc/{key}"), modality,
                  abouts={STEM: "same"}, regions={region: scope}, issuer_levels={level},
                  in_force=dt.date.fromisoformat(start) if start else None, **kw)


def graph(*rules: S.Rule, relations=()) -> S.Graph:
    ancestors = {SHENZHEN: {GUANGDONG, CHINA}, GUANGDONG: {CHINA}, CHINA: set()}
    return S.Graph(SHENZHEN, STEM, list(rules), list(relations), ancestors, {}, {})


def ask(g: S.Graph, on: dt.date = DAY) -> S.Answer:
    return S.answer(S.Question(SHENZHEN, STEM, on), g)


def test_a_city_cannot_open_what_a_national_rule_closes():
    ban = rule("national-ban", "prohibits", CHINA, "broader", "level-national", "2020-01-01")
    local = rule("city-opening", "permits", SHENZHEN, "same", "level-municipal", "2023-01-01")
    a = ask(graph(ban, local))
    assert (a.answer, a.deciding) == ("prohibited", ban)
    assert [(o.rule, o.why) for o in a.overrides] == [(local, "higher level")]


def test_on_one_level_the_more_specific_place_decides():
    ban = rule("national-ban", "prohibits", CHINA, "broader", "level-national", "2024-11-01")
    pilot = rule("zone-pilot", "permits", SHENZHEN, "same", "level-national", "2024-09-08")
    a = ask(graph(ban, pilot))
    assert (a.answer, a.deciding) == ("permitted", pilot)
    assert a.overrides[0].why == "more specific place"  # not "later in force": the ban is later


def test_a_repeal_and_a_superseded_edition_end_a_rule_from_their_date():
    old = rule("old-ban", "prohibits", CHINA, "broader", "level-national", "2010-01-01")
    new = rule("new-opening", "permits", CHINA, "broader", "level-national", "2024-01-01")
    for prop, why in ((S.REPEALS, "repealed"), (S.SUPERSEDES, "superseded edition")):
        rel = S.Relation(URIRef(f"{B}doc/new-opening/relation/x/old-ban"), prop, new.document,
                         old.document, frozenset(), frozenset(), dt.date(2024, 1, 1), None)
        g = graph(old, new, relations=[rel])
        before, after = ask(g, dt.date(2023, 6, 1)), ask(g)
        assert (before.answer, before.deciding) == ("prohibited", old)
        assert (after.answer, after.deciding) == ("permitted", new)
        assert any(r is old and w.startswith(why) for r, w in after.not_in_force)


def test_an_undated_rule_that_would_contradict_makes_the_answer_unknown():
    dated = rule("dated-opening", "permits", CHINA, "broader", "level-national", "2020-01-01")
    undated = rule("undated-ban", "prohibits", CHINA, "broader", "level-national", None,
                   unknown_reason="no source gives a date")
    a = ask(graph(dated, undated))
    assert a.answer == "unknown" and a.deciding is None
    assert "undated-ban" in a.reason and "no source gives a date" in a.reason


def test_two_rules_neither_of_which_prevails_give_unknown_naming_both():
    one = rule("opening", "permits", CHINA, "broader", "level-national", "2020-01-01")
    other = rule("ban", "prohibits", CHINA, "broader", "level-national", "2020-01-01")
    a = ask(graph(one, other))
    assert a.answer == "unknown"
    assert "opening" in a.reason and "ban" in a.reason


def test_an_announced_pilot_never_permits():
    plan = rule("plan", "announces-pilot", SHENZHEN, "same", "level-national", "2024-03-19")
    a = ask(graph(plan))
    assert a.answer == "unknown" and "announcement" in a.reason
    assert a.context == [plan]


def test_an_issue_date_stands_in_for_a_missing_entry_into_force_and_says_so():
    opening = rule("opening", "permits", SHENZHEN, "same", "level-municipal", None,
                   issued=dt.date(2024, 1, 9))
    a = ask(graph(opening))
    assert (a.answer, a.deciding) == ("permitted", opening)
    assert any("date of issue" in c for c in a.caveats)
    assert ask(graph(opening), dt.date(2024, 1, 8)).answer == "unknown"
