"""Every saved query gives the same answer on two SPARQL engines: the embedded store
(pyoxigraph, Oxigraph's evaluator) and rdflib (an independent implementation of SPARQL 1.1).

Each query runs with its defaults and with the parameters of each of its ``# example:``
lines. The embedded store binds parameters by substitution; rdflib gets them the way a remote
endpoint does, in a ``VALUES`` block (``graph.query.with_values``). Rows are compared as
multisets of bindings, numbers by value.

Where: the default build for every query rdflib answers in seconds there, and the query
tests' fixture (``tests/queries/fixtures``: made-up documents that exercise every query,
checks with violations included) for every query. Five queries take rdflib 10 s to minutes on the
default build (``SLOW_ON_RDFLIB``, measured with rdflib 7.6 on this project's CI machine;
the embedded store answers each in under 0.1 s): they are compared on the fixture only.
The Oxigraph server is the third engine: ``tests/queries/test_remote_endpoints.py`` pushes
the default build and the fixture to one on 127.0.0.1 and compares every saved query there.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from cgtkg.graph import query as Q
from cgtkg.graph.closure import materialise
from cgtkg.graph.store import GraphStore
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import XSD
from standards_helpers import example_params

from cgtkg.resources import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "queries" / "fixtures"
SLOW_ON_RDFLIB = {
    "bodies-in-region": "over 5 min",  # "the concept itself" pairs every concept with every other
    "therapy-year-counts": "80-100 s",
    "concept-outside-scheme-violation": "36 s",
    "responsibility-outside-registry-violation": "23 s",
    "document-link-dangling-violation": "8-11 s",
    # 70-130 s: rdflib evaluates the OPTIONAL region matches row by row; it also left out the
    # pilot notice's rows for its own zone on the default build (not explained yet); the
    # fixture comparison and the Oxigraph server (tests/queries) still check it
    "status-rules": "70-130 s",
}
#: Where rdflib is wrong, found by these tests: each is an expected failure that must keep
#: failing (strict), so the day rdflib is fixed the test says so.
RDFLIB_WRONG = {
    "network-responsibility": (
        "rdflib 7.6 evaluates an OPTIONAL group of sub-selects without joining it on the outer "
        "?measure: every passage of an nmpa annotation is attached to every nmpa measure of the "
        "fixture (the two passages both concern fx-nansha-opinions/measure/2). The embedded "
        "store and the Oxigraph server (tests/queries/test_remote_endpoints.py) give the "
        "correct rows; the default build has no annotations, and agrees on all three."),
}
NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long,
           XSD.nonNegativeInteger, XSD.positiveInteger}


def calls(q: Q.SavedQuery) -> list[dict[str, str]]:
    """The query's defaults (when every required parameter has one) and its examples."""
    out = []
    if not any(p.required and p.default is None for p in q.params.values()):
        out.append({})
    for example in q.examples:
        given = example_params(example)
        if given not in out:
            out.append(given)
    return out


def canonical(term):
    if isinstance(term, Literal) and term.datatype in NUMERIC:
        return ("number", float(term.toPython()))
    return term


def embedded_answer(store: GraphStore, q: Q.SavedQuery, bindings) -> Counter | bool:
    result = Q.run_local(store, q, bindings)
    if result.form == "ASK":
        return result.boolean
    return Counter(tuple(canonical(row.get(v)) for v in q.variables) for row in result.rows)


def rdflib_answer(ds: Dataset, q: Q.SavedQuery, bindings) -> Counter | bool:
    result = ds.query(Q.with_values(q.text, bindings))
    if result.type == "ASK":
        return bool(result.askAnswer)
    return Counter(tuple(canonical(row[v] if v in row.labels else None) for v in q.variables)
                   for row in result)


def compare(store: GraphStore, ds: Dataset, q: Q.SavedQuery) -> int:
    """Compare every call of ``q``; returns how many rows (or true answers) they had."""
    rows = 0
    for given in calls(q):
        bindings = Q.resolve_bindings(q, given)
        mine, theirs = embedded_answer(store, q, bindings), rdflib_answer(ds, q, bindings)
        assert mine == theirs, (
            f"{q.name} {given}: the embedded store and rdflib disagree:\n"
            f"  only embedded: {dict(mine - theirs) if isinstance(mine, Counter) else mine}\n"
            f"  only rdflib:   {dict(theirs - mine) if isinstance(theirs, Counter) else theirs}")
        rows += (sum(mine.values()) if isinstance(mine, Counter) else int(mine))
    return rows


@pytest.fixture(scope="module")
def default_engines(built) -> tuple[GraphStore, Dataset]:
    ds = Dataset(default_union=True)
    ds.parse(Path(built.out_dir) / "graph.trig", format="trig")
    return GraphStore.open(built.out_dir), ds


@pytest.fixture(scope="module")
def fixture_engines(tmp_path_factory) -> tuple[GraphStore, Dataset]:
    """The query tests' fixture with the shortcuts a build derives, in both engines."""
    source = Dataset()
    for name in ("policy.trig", "violations.trig"):
        source.parse(FIXTURES / name, format="trig")
    store = GraphStore(tmp_path_factory.mktemp("engines") / "store")
    ds = Dataset(default_union=True)
    for named in source.graphs():
        if len(named) == 0:
            continue
        g = Graph(identifier=named.identifier)
        for triple in named:
            g.add(triple)
        materialise(g)
        store.add_graph(g.identifier, g)
        target = ds.graph(g.identifier)
        for triple in g:
            target.add(triple)
    store.flush()
    return store, ds


NAMES = sorted(q.name for q in Q.saved_queries())


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=RDFLIB_WRONG[n], strict=True)) if n in RDFLIB_WRONG else n
    for n in NAMES])
def test_query_agrees_on_rdflib_and_the_embedded_store_on_the_fixture(name, fixture_engines):
    compare(*fixture_engines, Q.load(name))


@pytest.mark.parametrize("name", [n for n in NAMES if n not in SLOW_ON_RDFLIB])
def test_query_agrees_on_rdflib_and_the_embedded_store_on_the_default_build(name, default_engines):
    compare(*default_engines, Q.load(name))


def test_the_comparison_sees_a_difference(fixture_engines):
    """The comparison is not vacuous: a triple only rdflib holds changes an answer."""
    store, ds = fixture_engines
    q = Q.load("agency-measure-counts")
    before = rdflib_answer(ds, q, Q.resolve_bindings(q, {}))
    assert before == embedded_answer(store, q, Q.resolve_bindings(q, {})) and sum(before.values())
    extra = Dataset(default_union=True)
    for s, p, o, g in ds.quads((None, None, None, None)):
        extra.graph(g).add((s, p, o))
    # a provision the query counts (not a copy, part of a document) that SAMR is not yet
    # responsible for, chosen in IRI order: a set's order changes from run to run, and a copy
    # or a provision of SAMR's own would leave the answer as it was
    responsible, samr = Q.parse_iri("cgt:responsibleAgency"), Q.parse_iri("ag:samr")
    measure = min(m for m in set(extra.subjects(responsible, None))
                  if (m, responsible, samr) not in extra
                  and not any(extra.objects(m, Q.parse_iri("cgt:canonical")))
                  and any(extra.objects(m, Q.parse_iri("cgt:partOfDocument"))))
    extra.graph(Q.parse_iri("https://example.org/extra")).add((measure, responsible, samr))
    assert rdflib_answer(extra, q, Q.resolve_bindings(q, {})) != before
