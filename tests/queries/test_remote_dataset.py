"""How a remote query names the project's data: every graph listed (the default), or the
server's default graph when it serves the union of a server holding this project alone.

Real Oxigraph servers on loopback, one started with ``--union-default-graph`` and one
without; the answers are compared with the embedded store's.
"""

from __future__ import annotations

import json

import pytest
from cgtkg.graph import remote
from cgtkg.graph.store import GraphStore
from click.testing import CliRunner
from query_helpers import assert_cases_agree, saved_query_failures
from query_servers import start_oxigraph

from cgtkg.cli import main

NO_CREDS = {"CGTKG_ENDPOINT_USER": "", "CGTKG_ENDPOINT_PASSWORD": "", "CGTKG_CONFIG": ""}


def cli(args, env=None):
    return CliRunner().invoke(main, args, env={**NO_CREDS, **(env or {})}, catch_exceptions=False)


def _server(tmp_path_factory, out, union: bool):
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-union" if union else "oxigraph-plain"),
                            union=union)
    r = cli(["push", "--endpoint", server.query_url, "--out", str(out)])
    assert r.exit_code == 0, r.output
    return server


@pytest.fixture(scope="module")
def union_server(tmp_path_factory, built):
    server = _server(tmp_path_factory, built.out_dir, union=True)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory, fixture_out):
    server = _server(tmp_path_factory, fixture_out, union=False)
    yield server
    server.stop()


def endpoint(url, **kw) -> remote.Endpoint:
    return remote.resolve_endpoint(url, config={}, env={}, **kw)


def test_every_saved_query_answers_from_the_union_as_on_the_embedded_store(built, union_server):
    # (the listed form is compared with the embedded store in test_remote_endpoints.py)
    store = GraphStore.open(built.out_dir)
    union = endpoint(union_server.query_url, dataset="union")
    failures = saved_query_failures(store, lambda q, b: remote.run_query(union, q, b))
    assert not failures, failures
    assert union._graphs is None, "a union query never asks for the list of graphs"


def test_every_case_with_parameters_agrees_on_the_union(fixture_out, tmp_path_factory):
    server = _server(tmp_path_factory, fixture_out, union=True)
    try:
        store = GraphStore.open(fixture_out)
        ep = endpoint(server.query_url, dataset="union")
        assert assert_cases_agree(store, lambda q, b: remote.run_query(ep, q, b)) >= 40
    finally:
        server.stop()


def test_the_cli_and_the_config_choose_the_union(fixture_out, union_server, tmp_path):
    args = ["query", "agency-measures", "-p", "agency=ag:nmpa", "--format", "json"]
    local = json.loads(cli(args + ["--out", str(fixture_out)]).output)
    config = tmp_path / "endpoints.toml"
    config.write_text(f'[endpoints.mine]\nurl = "{union_server.query_url}"\ndataset = "union"\n')
    # the union server holds the real build, the local answer here is the fixture's: compare
    # the union answer with the same server's listed one
    listed = json.loads(cli(args + ["--endpoint", union_server.query_url]).output)
    by_flag = cli(args + ["--endpoint", union_server.query_url, "--dataset", "union"])
    by_config = cli(args + ["--endpoint", "mine"], env={"CGTKG_CONFIG": str(config)})
    key = lambda b: json.dumps(b, sort_keys=True)  # noqa: E731
    for r in (by_flag, by_config):
        assert r.exit_code == 0, r.output
        assert sorted(map(key, json.loads(r.output)["results"]["bindings"])) == \
            sorted(map(key, listed["results"]["bindings"]))
    assert listed["results"]["bindings"] and local["head"] == listed["head"]


def test_union_on_a_server_that_does_not_serve_it_is_refused_with_the_fix(plain_server):
    r = cli(["query", "agency-measures", "-p", "agency=ag:nmpa", "--endpoint", plain_server.query_url,
             "--dataset", "union"])
    assert r.exit_code == remote.EXIT_REMOTE
    assert "--union-default-graph" in r.output and "--dataset listed" in r.output
    # the same server answers when the graphs are listed
    r = cli(["query", "agency-measures", "-p", "agency=ag:nmpa", "--endpoint", plain_server.query_url])
    assert r.exit_code == 0 and "nmpa" in r.output.lower()


def test_union_on_a_server_without_the_project_says_push_first(tmp_path_factory):
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-empty"), union=True)
    try:
        r = cli(["query", "agency-measures", "-p", "agency=ag:nmpa", "--endpoint", server.query_url,
                 "--dataset", "union"])
        assert r.exit_code == remote.EXIT_REMOTE and "cgtkg push" in r.output
    finally:
        server.stop()


def test_a_bad_dataset_in_the_config_is_bad_input(tmp_path):
    config = tmp_path / "endpoints.toml"
    config.write_text('[endpoints.mine]\nurl = "http://127.0.0.1:9/query"\ndataset = "everything"\n')
    r = cli(["query", "agency-measures", "-p", "agency=ag:nmpa", "--endpoint", "mine"],
            env={"CGTKG_CONFIG": str(config)})
    assert r.exit_code == 2 and "listed, union" in r.output


def test_push_says_how_to_query_a_server_with_many_graphs(fixture_out, tmp_path_factory, monkeypatch):
    monkeypatch.setattr(remote, "MANY_GRAPHS", 1)  # the fixture's few graphs count as many
    for union, expected in ((True, "--dataset union (or"), (False, "--union-default-graph")):
        server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-hint"), union=union)
        try:
            r = cli(["push", "--endpoint", server.query_url, "--out", str(fixture_out)])
            assert r.exit_code == 0 and expected in r.output, r.output
            if not union:  # and a listed query says it once, on stderr
                q = cli(["query", "agency-measures", "-p", "agency=ag:nmpa", "--endpoint", server.query_url])
                assert q.exit_code == 0 and q.stderr.count("--dataset union") == 1, q.stderr
                # not to a user who chose to list the graphs
                q = cli(["query", "agency-measures", "-p", "agency=ag:nmpa", "--endpoint", server.query_url,
                         "--dataset", "listed"])
                assert q.exit_code == 0 and "--dataset union" not in q.stderr, q.stderr
        finally:
            server.stop()
