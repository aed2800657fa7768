"""Helpers shared by the query, export and remote tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from cgtkg.graph.closure import materialise
from cgtkg.graph.namespaces import bind_prefixes, rebase
from cgtkg.graph.query import QUERIES_DIR, parse_iri
from cgtkg.graph.store import GraphStore
from rdflib import Dataset, Graph, Literal
from rdflib.util import from_n3

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
CASES = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
NSM = bind_prefixes(Graph()).namespace_manager


def load_out_dir(out: Path, *trig_files: Path, base: str | None = None) -> Path:
    """Make ``out/store`` from TriG files (optionally moved onto another base IRI), with the
    shortcuts a build derives in each named graph (graph/closure.py)."""
    out.mkdir(parents=True, exist_ok=True)
    ds = Dataset()
    for f in trig_files:
        ds.parse(f, format="trig")
    store = GraphStore(out / "store")
    for named in ds.graphs():
        if len(named) == 0:
            continue
        g = Graph(identifier=named.identifier)
        for triple in named:
            g.add(triple)
        materialise(g)
        triples = g if base is None else ((rebase(s, base), rebase(p, base), rebase(o, base))
                                          for s, p, o in g)
        store.add_graph(g.identifier if base is None else rebase(g.identifier, base), triples)
    store.flush()
    store.close()
    return out


def cell(value):
    """A cases.yaml cell -> RDF term (see the notation at the top of cases.yaml)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, int):
        return Literal(value)
    text = str(value)
    if text.startswith('"'):
        return from_n3(text, nsm=NSM)
    return parse_iri(text)


def project(rows, columns) -> Counter:
    return Counter(tuple(r.get(c) for c in columns) for r in rows)


def all_cases():
    for name, cases in CASES.items():
        for i, case in enumerate(cases):
            yield pytest.param(name, case, id=f"{name}-{i}")


def saved_query_names(include_network: bool = True) -> list[str]:
    return sorted(p.stem for p in QUERIES_DIR.glob("*.rq")
                  if include_network or not p.stem.startswith("network-"))



def canonical(term, lenient: bool):
    """A term for comparing rows; ``lenient`` forgives what Virtuoso changes on storage.

    Virtuoso folds language tags to lower case and stores typed literals by value
    ("01"^^xsd:integer comes back as "1"); the terms are the same RDF values.
    """
    if not lenient or not isinstance(term, Literal):
        return term
    if term.language:
        return ("lang", str(term), term.language.lower())
    if term.datatype:
        return ("typed", str(term.datatype), Literal(str(term), datatype=term.datatype,
                                                     normalize=True).n3())
    return term


def row_multiset(rows, lenient: bool = False) -> Counter:
    return Counter(frozenset((k, canonical(v, lenient)) for k, v in r.items()) for r in rows)


def differences(local_rows, remote_rows, lenient: bool = False) -> str:
    a, b = row_multiset(local_rows, lenient), row_multiset(remote_rows, lenient)
    if a == b:
        return ""
    only_local = [dict(x) for x in (a - b)][:3]
    only_remote = [dict(x) for x in (b - a)][:3]
    return (f"{sum(a.values())} local vs {sum(b.values())} remote rows; "
            f"only local: {only_local}; only remote: {only_remote}")


def example_params(query) -> dict[str, str]:
    """The ``--param`` values of a saved query's first example call (required ones included)."""
    import shlex

    if not query.examples:
        return {}
    argv = shlex.split(query.examples[0])
    out = {}
    for flag, value in zip(argv, argv[1:]):
        if flag in ("--param", "-p"):
            key, _, val = value.partition("=")
            out[key] = val
    return out


def assert_cases_agree(store, run_remote) -> int:
    """Every case of cases.yaml gives the same rows through ``run_remote(query, bindings)``
    as on the embedded ``store``; returns how many were checked."""
    from cgtkg.graph import query as Q

    checked = 0
    for name, cases in CASES.items():
        q = Q.load(name)
        for case in cases:
            bindings = Q.resolve_bindings(q, case.get("params") or {})
            local = Q.run_local(store, q, bindings).rows
            there = run_remote(q, bindings).rows
            assert not differences(local, there), (name, case.get("params"), differences(local, there))
            checked += 1
    return checked


def saved_query_failures(store, run_remote) -> dict:
    """``{query: differences}`` for each saved query, run with its example's parameters
    through ``run_remote(query, bindings)`` and on the embedded ``store`` (same columns)."""
    from cgtkg.graph import query as Q

    failures = {}
    for name in saved_query_names():
        q = Q.load(name)
        bindings = Q.resolve_bindings(q, example_params(q))
        local = Q.run_local(store, q, bindings)
        there = run_remote(q, bindings)
        assert there.variables == local.variables, name
        if diff := differences(local.rows, there.rows):
            failures[name] = diff
    return failures
