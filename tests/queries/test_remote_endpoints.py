"""Push to a real Oxigraph server on loopback and run the saved queries there.

The server is the ``oxigraph`` binary from the PyPI package of that name, started per test
module on a free port with its own data directory.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from cgtkg.graph import remote
from cgtkg.graph.store import GraphStore, to_rdflib
from click.testing import CliRunner
from query_helpers import (
    FIXTURES,
    assert_cases_agree,
    load_out_dir,
    saved_query_failures,
)
from query_servers import GateProxy, SilentServer, free_port, start_oxigraph
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from tty_run import run_on_tty

from cgtkg.cli import main

NO_CREDS = {"CGTKG_ENDPOINT_USER": "", "CGTKG_ENDPOINT_PASSWORD": "", "CGTKG_CONFIG": ""}


def cli(args, env=None):
    env = {**NO_CREDS, **(env or {})}
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-server"))
    yield server
    server.stop()


def endpoint(url, gsp=None, **kw) -> remote.Endpoint:
    return remote.resolve_endpoint(url, gsp, config={}, env={}, **kw)


def gsp_graph(server_gsp: str, graph_iri: str) -> Graph:
    url = f"{server_gsp}?{urllib.parse.urlencode({'graph': graph_iri})}"
    req = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(req, timeout=30) as r:
        data = r.read()
    g = Graph()
    for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return g



# ------------------------------------------------------------------ push and compare


def test_push_then_every_saved_query_gives_the_same_rows_remotely(dataset_out, oxigraph):
    store = GraphStore.open(dataset_out)
    r = cli(["push", "--endpoint", oxigraph.query_url, "--out", str(dataset_out)])
    assert r.exit_code == 0, r.output
    assert "counts verified" in r.output

    # the server holds exactly the store's graphs, blank nodes included
    ep = endpoint(oxigraph.query_url)
    assert remote.dataset_graphs(ep) == sorted(str(g) for g in store.named_graphs())
    for g in store.named_graphs():
        assert isomorphic(gsp_graph(oxigraph.graph_store_url, str(g)), store.graph(g)), g

    # every saved query, with its example's parameters, strictly the same terms
    failures = saved_query_failures(store, lambda q, b: remote.run_query(ep, q, b))
    assert not failures, failures


def test_every_case_with_parameters_agrees_remotely(fixture_out, oxigraph):
    r = cli(["push", "--endpoint", oxigraph.query_url, "--out", str(fixture_out)])
    assert r.exit_code == 0, r.output
    store = GraphStore.open(fixture_out)
    ep = endpoint(oxigraph.query_url)
    graphs = remote.dataset_graphs(ep)
    assert assert_cases_agree(store, lambda q, b: remote.run_query(ep, q, b, graphs=graphs)) >= 40


def test_remote_query_through_the_cli(fixture_out, oxigraph):
    r = cli(["push", "--endpoint", oxigraph.query_url, "--out", str(fixture_out)])
    assert r.exit_code == 0, r.output
    args = ["query", "agency-measures", "-p", "agency=ag:shenzhen-hc", "--format", "json"]
    local = json.loads(cli(args + ["--out", str(fixture_out)]).output)
    r = cli(args + ["--endpoint", oxigraph.query_url])
    assert r.exit_code == 0, r.output
    there = json.loads(r.output)
    assert there["head"] == local["head"]
    key = lambda b: json.dumps(b, sort_keys=True)  # noqa: E731
    assert sorted(map(key, there["results"]["bindings"])) == \
        sorted(map(key, local["results"]["bindings"]))
    # malformed parameters are refused before anything is sent
    r = cli(["query", "agency-measures", "-p", "agency=ag:a b", "--endpoint", oxigraph.query_url])
    assert r.exit_code == 2 and "not an agency key" in r.output


# ------------------------------------------------------------------ batches


def test_large_graphs_go_in_batches_put_then_post_and_blank_nodes_stay_whole(
        fixture_out, oxigraph):
    store = GraphStore.open(fixture_out)
    proxy = GateProxy(oxigraph.graph_store_url.rsplit("/", 1)[0])
    try:
        r = cli(["push", "--endpoint", proxy.url("/query"), "--out", str(fixture_out),
                 "--batch-size", "5"])
        assert r.exit_code == 0, r.output
    finally:
        proxy.close()
    split, large = 0, 0
    for g in store.named_graphs():
        writes = [m for m, graph in proxy.requests if graph == str(g) and m in ("PUT", "POST")]
        quads = list(store.ox.quads_for_pattern(None, None, None, ox.NamedNode(str(g))))
        assert writes == ["PUT"] + ["POST"] * (len(list(remote.batches(quads, 5))) - 1), writes
        split += len(writes) > 1
        large += len(quads) > 5
        # the annotations' blank nodes (target, selectors) arrived as one structure
        assert isomorphic(gsp_graph(oxigraph.graph_store_url, str(g)), store.graph(g)), g
    # every graph of more than 5 triples was split (all but the fixture's small canonical layer)
    assert split == large >= len(store.named_graphs()) - 1


def test_batches_never_split_a_blank_node_and_lose_nothing(fixture_store):
    for g in fixture_store.named_graphs():
        quads = list(fixture_store.ox.quads_for_pattern(None, None, None, ox.NamedNode(str(g))))
        parts = list(remote.batches(quads, 2))
        assert sorted(map(str, (q for p in parts for q in p))) == sorted(map(str, quads))
        seen: dict[str, int] = {}
        for i, part in enumerate(parts):
            for q in part:
                for t in (q.subject, q.object):
                    if isinstance(t, ox.BlankNode):
                        assert seen.setdefault(t.value, i) == i, f"{t} split across batches"


# ------------------------------------------------------------------ failures


def _changed_copy(tmp_path, marker: str):
    """The fixture with one extra triple in every graph, so old and new content differ."""
    out = load_out_dir(tmp_path / f"out-{marker}", FIXTURES / "policy.trig")
    store = GraphStore(out / "store")
    for g in store.named_graphs():
        store.add_graph(g, [(URIRef("https://example.org/version"),
                             URIRef("https://example.org/is"), Literal(marker))])
    store.flush()
    store.close()
    return out


def _version(server, graph: str) -> set[str]:
    g = gsp_graph(server.graph_store_url, graph)
    return {str(o) for o in g.objects(URIRef("https://example.org/version"))}


def test_push_prints_a_total_and_a_line_per_graph_only_with_v(fixture_out, oxigraph):
    graphs = [str(g) for g in GraphStore.open(fixture_out).named_graphs()]
    r = cli(["push", "--endpoint", oxigraph.query_url, "--out", str(fixture_out)])
    assert r.exit_code == 0, r.output
    assert not any(f"replaced {g}:" in r.output for g in graphs)
    total = sum(n for g in graphs for n in [len(gsp_graph(oxigraph.graph_store_url, g))])
    assert f"replaced {len(graphs)} graphs ({total} triples)" in r.output
    r = cli(["-v", "push", "--endpoint", oxigraph.query_url, "--out", str(fixture_out)])
    assert all(f"replaced {g}:" in r.output for g in graphs)
    r = cli(["-q", "push", "--endpoint", oxigraph.query_url, "--out", str(fixture_out)])
    assert r.exit_code == 0 and r.output == ""


def test_push_draws_a_progress_bar_on_a_terminal_only(fixture_out, oxigraph):
    code, out, terminal = run_on_tty(["push", "--endpoint", oxigraph.query_url, "--out", str(fixture_out)],
                                     env=NO_CREDS)
    assert code == 0, terminal
    assert b"\x1b[" in terminal and b"pushing" in terminal
    assert b"counts verified" in out and b"\x1b[" not in out


def test_a_failed_push_says_what_was_replaced_and_leaves_the_rest(tmp_path, oxigraph):
    old, new = _changed_copy(tmp_path, "old"), _changed_copy(tmp_path, "new")
    assert cli(["push", "--endpoint", oxigraph.query_url, "--out", str(old)]).exit_code == 0
    graphs = [str(g) for g in GraphStore.open(new).named_graphs()]
    failing = graphs[2]
    proxy = GateProxy(oxigraph.graph_store_url.rsplit("/", 1)[0], fail_graph=failing)
    try:
        r = cli(["push", "--endpoint", proxy.url("/query"), "--out", str(new)])
    finally:
        proxy.close()
    assert r.exit_code == remote.EXIT_REMOTE
    for g in graphs[:2]:
        assert f"replaced {g}" in r.output and _version(oxigraph, g) == {"new"}
    assert f"FAILED {failing} (left as it was)" in r.output and "HTTP 500" in r.output
    assert _version(oxigraph, failing) == {"old"}
    for g in graphs[3:]:
        assert f"not touched {g}" in r.output and _version(oxigraph, g) == {"old"}


def test_graphs_gone_from_the_store_are_removed_on_the_next_push(tmp_path, oxigraph):
    extra = load_out_dir(tmp_path / "extra", FIXTURES / "policy.trig")
    store = GraphStore(extra / "store")
    gone = URIRef("https://w3id.org/cgt-kg/id/graph/doc/fx-withdrawn")
    store.add_graph(gone, [(URIRef("https://example.org/a"), URIRef("https://example.org/b"),
                            Literal("c"))])
    store.flush()
    store.close()
    assert cli(["push", "--endpoint", oxigraph.query_url, "--out", str(extra)]).exit_code == 0
    ep = endpoint(oxigraph.query_url)
    assert str(gone) in remote.dataset_graphs(ep)
    plain = load_out_dir(tmp_path / "plain", FIXTURES / "policy.trig")
    r = cli(["-v", "push", "--endpoint", oxigraph.query_url, "--out", str(plain)])
    assert r.exit_code == 0 and f"removed {gone}" in r.output
    assert str(gone) not in remote.dataset_graphs(ep)
    assert remote.count_graph(ep, str(gone)) == 0


def test_graphs_are_found_by_prefix_when_the_catalog_is_gone(fixture_out, tmp_path):
    """A server whose VoID catalog was deleted (by hand, by another tool) still shows the
    project's graphs, found by their IRI prefix, and nobody else's."""
    server = start_oxigraph(tmp_path / "server")
    try:
        assert cli(["push", "--endpoint", server.query_url, "--out", str(fixture_out)]).exit_code == 0
        ep = endpoint(server.query_url, server.graph_store_url)
        pushed = remote.dataset_graphs(ep)
        catalog = str(remote.catalog_graph())
        remote._send(ep, "DELETE", remote._gsp_url(ep, catalog))
        remote._send(ep, "PUT", remote._gsp_url(ep, "https://example.org/graph/theirs"),
                     b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
        store = GraphStore.open(fixture_out)
        expected = sorted(str(g) for g in store.named_graphs())
        assert pushed == expected
        assert remote.dataset_graphs(ep) == expected
        assert remote.count_graph(ep, catalog) == 0
        assert remote.count_graph(ep, expected[0]) == len(store.graph(URIRef(expected[0])))
    finally:
        server.stop()


def test_unreachable_and_hanging_endpoints_fail_clearly(fixture_out):
    closed = f"http://127.0.0.1:{free_port()}/query"
    r = cli(["query", "agency-measures", "--endpoint", closed])
    assert r.exit_code == remote.EXIT_REMOTE and "cannot reach" in r.output
    r = cli(["push", "--endpoint", closed, "--out", str(fixture_out)])
    assert r.exit_code == remote.EXIT_REMOTE and "nothing was replaced" in r.output
    silent = SilentServer()
    try:
        r = cli(["query", "agency-measures", "--endpoint",
                 f"http://127.0.0.1:{silent.port}/query", "--timeout", "1"])
    finally:
        silent.close()
    assert r.exit_code == remote.EXIT_REMOTE and "no answer within 1 s" in r.output


def test_a_failing_query_reports_the_server_message(oxigraph, fixture_out, tmp_path):
    # the server holds the project's graphs (whatever ran before), so the query reaches it
    assert cli(["push", "--endpoint", oxigraph.query_url, "--out", str(fixture_out)]).exit_code == 0
    f = tmp_path / "bad-function.rq"
    f.write_text("# Bad?\nSELECT ?x WHERE { BIND(<http://example.org/nofunction>(1) AS ?x) }\n")
    r = cli(["query", str(f), "--endpoint", oxigraph.query_url])
    # Oxigraph refuses a query that calls a function it does not know: the server's message
    # reaches the user, with the remote-failure exit code
    assert r.exit_code == remote.EXIT_REMOTE and "nofunction" in r.output, r.output
    wrong_path = oxigraph.query_url.replace("/query", "/nope")
    r = cli(["query", "agency-measures", "--endpoint", wrong_path])
    assert r.exit_code == remote.EXIT_REMOTE and "nope" in r.output


# ------------------------------------------------------------------ credentials


def test_credentials_come_from_env_or_config_and_are_never_printed(fixture_out, oxigraph,
                                                                    tmp_path):
    secret = "s3cret-pass-phrase"
    proxy = GateProxy(oxigraph.graph_store_url.rsplit("/", 1)[0], basic=("writer", secret))
    try:
        url = proxy.url("/query")
        r = cli(["push", "--endpoint", url, "--out", str(fixture_out)])
        assert r.exit_code == remote.EXIT_REMOTE
        assert "401" in r.output and "CGTKG_ENDPOINT_USER" in r.output

        env = {"CGTKG_ENDPOINT_USER": "writer", "CGTKG_ENDPOINT_PASSWORD": secret}
        r = cli(["push", "--endpoint", url, "--out", str(fixture_out)], env=env)
        assert r.exit_code == 0, r.output
        assert secret not in r.output

        config = tmp_path / "endpoints.toml"
        config.write_text(f'[endpoints.gated]\nurl = "{url}"\nuser = "writer"\n'
                          f'password = "{secret}"\ntimeout = 30\n')
        config.chmod(0o600)
        env = {"CGTKG_CONFIG": str(config)}
        r = cli(["query", "agency-measure-counts", "--endpoint", "gated"], env=env)
        assert r.exit_code == 0, r.output
        assert secret not in r.output and "ag:nmpa" in r.output
        r = cli(["push", "--endpoint", "gated", "--out", str(fixture_out)], env=env)
        assert r.exit_code == 0 and secret not in r.output
    finally:
        proxy.close()
    assert any(a and a.startswith("Basic ") for a in proxy.auth_seen)
    ep = remote.resolve_endpoint("gated", config=remote.load_config(config), env={})
    assert secret not in repr(ep) and secret not in str(ep)


def test_credentials_in_the_url_are_refused(fixture_out):
    r = cli(["push", "--endpoint", "http://u:p@127.0.0.1:9/query", "--out", str(fixture_out)])
    assert r.exit_code == 2 and "not in the URL" in r.output
    assert "u:p" not in r.output.replace("http://u:p@127.0.0.1:9/query", "")


def test_graph_store_url_is_derived_for_known_servers():
    ep = endpoint("http://127.0.0.1:7878/query")
    assert ep.graph_store_url == "http://127.0.0.1:7878/store" and ep.auth == "basic"
    ep = remote.resolve_endpoint("http://127.0.0.1:8890/sparql", config={},
                                 env={"CGTKG_ENDPOINT_USER": "dba", "CGTKG_ENDPOINT_PASSWORD": "x"})
    assert ep.graph_store_url == "http://127.0.0.1:8890/sparql-graph-crud-auth"
    assert ep.auth == "digest"
    assert endpoint("http://127.0.0.1:3030/ds/sparql").graph_store_url is None
    with pytest.raises(remote.RemoteError, match="not an http"):
        endpoint("ftp://127.0.0.1/x")


def test_ask_and_construct_files_agree_locally_and_remotely(fixture_out, oxigraph, tmp_path):
    r = cli(["push", "--endpoint", oxigraph.query_url, "--out", str(fixture_out)])
    assert r.exit_code == 0, r.output
    ask = tmp_path / "ask.rq"
    ask.write_text("# Is the agency responsible for anything?\n"
                   "# param: agency (iri, default ag:nmpa) — the agency\n"
                   "PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>\n"
                   "ASK { ?p cgt:responsibleAgency ?agency }\n")
    for agency, expected in (("ag:nmpa", "true"), ("ag:mfa", "false")):
        for where in (["--out", str(fixture_out)], ["--endpoint", oxigraph.query_url]):
            r = cli(["query", str(ask), "-p", f"agency={agency}"] + where)
            assert r.exit_code == 0 and r.output.strip() == expected, (agency, where, r.output)
    construct = tmp_path / "construct.rq"
    construct.write_text("# Which agency is responsible for what, as triples?\n"
                         "PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>\n"
                         "CONSTRUCT { ?a <http://example.org/responsibleFor> ?p } "
                         "WHERE { ?p cgt:responsibleAgency ?a }\n")
    graphs = []
    for where in (["--out", str(fixture_out)], ["--endpoint", oxigraph.query_url]):
        r = cli(["query", str(construct), "--format", "tsv"] + where)
        assert r.exit_code == 0, r.output
        graphs.append(Graph().parse(data=r.output, format="nt"))
    # 15 responsibilities of the fixture's own provisions and 3 of the text's copy of Nansha
    # measure 2 (a provision of its own graph; queries that count leave copies out)
    assert len(graphs[0]) == 18 and isomorphic(graphs[0], graphs[1])
