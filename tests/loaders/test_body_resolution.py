"""Bodies as function x place (issue #19): a table of names (body_names.yaml) resolved by
the linker's BodyResolver, with accuracy and the share wrongly resolved measured and held to
their targets.  The table's origin is in its header."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cgtkg.graph.namespaces import CGT
from cgtkg.loaders.text.bodies import BodyFinder
from cgtkg.loaders.text.linking import Context, Linker, Registry
from cgtkg.loaders.text.model import Span
from rdflib import Graph
from rdflib.namespace import ORG, RDF

from cgtkg.pipeline.build import REPO_ROOT, load_registry

TABLE = Path(__file__).with_name("body_names.yaml")


@pytest.fixture(scope="module")
def finder() -> BodyFinder:
    reg = Registry.from_graph(load_registry(REPO_ROOT / "ontology"))
    finder = BodyFinder(reg, Linker(reg))
    finder.derive = True
    return finder


def resolve(finder: BodyFinder, name: str, place: str | None):
    reg = finder.reg
    ctx = Context([reg.iri("region", place)]) if place else None
    span = Span(0, len(name))
    m = finder.linker.lookup(name, ("agency",), ctx)
    if m is None or m.target is None:
        kind, ms = finder.classify_item(name, 0, len(name), [], ctx, allow_places=False)
        m = ms[0] if ms else None
    if m is None:
        m = finder.resolver.resolve(name, span, ctx)
    if m is None:
        return "none", None
    if m.target is not None:
        return m.key, m
    return ("provisional" if m.how.startswith("provisional") else "none"), m


def test_body_name_table(finder):
    rows = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    assert len(rows) >= 300
    right = wrong = 0
    misses = []
    for r in rows:
        got, _ = resolve(finder, r["name"], r.get("place"))
        if got == r["expect"]:
            right += 1
        else:
            misses.append((r["name"], r.get("place"), r["expect"], got))
            # a miss that names another body is wrong; one that names none is only unresolved
            if got not in ("none", "provisional"):
                wrong += 1
    accuracy, wrong_share = right / len(rows), wrong / len(rows)
    print(f"\nbody names: {len(rows)}, accuracy {accuracy:.3f}, wrongly resolved {wrong_share:.3f}")
    for miss in misses:
        print("  miss:", miss)
    assert accuracy >= 0.95, misses
    assert wrong_share <= 0.01, misses


def test_derived_body_is_described_for_the_shapes(finder):
    name = "天津市科学技术局"
    _, m = resolve(finder, name, None)
    assert m.key == "tianjin-science" and m.how == "derived"
    g = Graph()
    for t in m.about:
        g.add(t)
    iri = m.target
    assert (iri, RDF.type, ORG.Organization) in g and (iri, RDF.type, CGT.LocalGovernmentBody) in g
    assert {str(o) for o in g.objects(iri, CGT.jurisdiction)} == {str(finder.reg.iri("region", "tianjin"))}
    assert str(g.value(iri, ORG.subOrganizationOf)).endswith("/agency/tianjin-gov")


def test_unknown_body_is_provisional_not_dropped(finder):
    got, m = resolve(finder, "天津市细胞产业促进办公室", None)
    assert got == "provisional"
    assert any(t[1] == RDF.type and t[2] == CGT.ProvisionalBody for t in m.about)


def test_names_are_not_split_at_and(finder):
    text = ("(Responsible units: Chongqing Municipal Science and Technology Bureau, "
            "Health Commission of Jiangsu Province)")
    f = finder.paren_lists(text, 0, len(text), None)
    assert sorted(m.key for m in f.responsible) == ["chongqing-science", "jiangsu-health"]
    assert not f.unresolved
