"""Parameters sent as a VALUES block (how they reach a remote server) give the rows a
substitution gives, also where the block is repeated inside OPTIONAL, MINUS and UNION groups
so that an engine looks those groups up instead of reading them whole."""

from __future__ import annotations

import re

import pyoxigraph as ox
from cgtkg.graph import query as Q
from cgtkg.graph.store import to_rdflib
from query_helpers import CASES, differences, example_params, saved_query_names
from rdflib import URIRef

AGENCY = URIRef("https://w3id.org/cgt-kg/id/agency/nmpa")


def _blocks(text: str) -> int:
    return len(re.findall(r"VALUES \(\?agency\)", text))


def _rows(store, text):
    result = store.ox.query(text, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: to_rdflib(v) for n, v in zip(names, row) if v is not None} for row in result]


def test_every_case_answers_the_same_with_the_values_block_as_with_substitution(fixture_store):
    checked = repeated = 0
    calls = [(name, case.get("params") or {}) for name, cases in CASES.items() for case in cases]
    calls += [(name, example_params(Q.load(name))) for name in saved_query_names()]
    for name, params in calls:
        q = Q.load(name)
        if q.form != "SELECT":
            continue
        bindings = Q.resolve_bindings(q, params)
        text = Q.with_values(q.text, bindings)
        repeated += text.count("VALUES (") > 1
        # the substitution itself, not run_local: a query whose header says `# bind: values`
        # runs locally with the block too, and is right to only because the two agree
        local = fixture_store.query(q.text, bindings=dict(bindings))
        assert not differences(local, _rows(fixture_store, text)), (name, params)
        checked += 1
    assert checked >= 80 and repeated >= 5, (checked, repeated)


def test_the_block_goes_into_groups_that_bind_the_parameter_in_their_own_patterns():
    text = """SELECT ?agency ?p ?n WHERE {
      ?p <urn:x:by> ?agency .
      OPTIONAL { ?a <urn:x:body> ?agency ; <urn:x:on> ?p }
      MINUS { ?p <urn:x:drops> ?agency }
      { ?p <urn:x:one> ?agency } UNION { ?p <urn:x:two> ?agency }
    }"""
    out = Q.with_values(text, {"agency": AGENCY})
    assert _blocks(out) == 5  # the outer group, the OPTIONAL, the MINUS and both branches


def test_groups_where_the_value_could_differ_are_left_alone():
    for group in ("OPTIONAL { ?a <urn:x:on> ?p OPTIONAL { ?a <urn:x:body> ?agency } }",  # nested only
                  "OPTIONAL { ?a <urn:x:on> ?p FILTER (?agency != <urn:x:z>) }",  # an expression only
                  "OPTIONAL { SELECT ?p ?agency WHERE { ?p <urn:x:by> ?agency } }",  # its own variable
                  "OPTIONAL { GRAPH ?g { ?p <urn:x:by> ?agency } }",
                  "FILTER NOT EXISTS { ?p <urn:x:by> ?agency }",
                  "OPTIONAL { ?p <urn:x:by> ?other BIND (?other AS ?copy) ?copy <urn:x:of> ?agency }",
                  "{ ?p <urn:x:by> ?agency }"):  # a plain group, joined anyway
        out = Q.with_values(f"SELECT ?agency ?p WHERE {{ ?p <urn:x:in> ?x . {group} }}", {"agency": AGENCY})
        assert _blocks(out) == 1, group


def test_the_repeated_block_keeps_optional_rows_that_lack_the_group():
    store = ox.Store()
    a, b, x = (ox.NamedNode(f"urn:x:{n}") for n in ("a", "b", "x"))
    by, body, other = (ox.NamedNode(f"urn:x:{n}") for n in ("by", "body", "other"))
    for quad in ((a, by, x), (b, by, x), (a, body, x), (b, body, other)):  # b's body: another
        store.add(ox.Quad(*quad))
    q = ("SELECT ?agency ?p ?seen WHERE { ?p <urn:x:by> ?agency "
         "OPTIONAL { ?p <urn:x:body> ?agency . ?p ?seen ?agency } }")
    text = Q.with_values(q, {"agency": URIRef("urn:x:x")})
    assert _blocks(text) == 2
    want = sorted(str(r) for r in store.query(q, substitutions={ox.Variable("agency"): x}))
    got = sorted(str(r) for r in store.query(text))
    assert got == want
    b_rows = [row for row in got if "urn:x:b>" in row]
    assert len(got) == 3 and len(b_rows) == 1 and "seen" not in b_rows[0]  # b kept, without ?seen
