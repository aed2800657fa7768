"""Item 1: SERVICE in any nesting is refused, on the local store as on a remote one."""

from __future__ import annotations

import pytest
from cgtkg.graph import query as Q
from cgtkg.graph.errors import EXIT_BAD_INPUT
from cgtkg.graph.store import GraphStore
from click.testing import CliRunner

from cgtkg.cli import main

NESTINGS = {
    "filter-not-exists": "SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} LIMIT 1",
    "filter-exists": "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }}",
    "optional": "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?x }} }} }}",
    "minus": "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "subquery": "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ ?s ?p ?o {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }} }}",
    "bind-exists": "SELECT ?s ?e WHERE {{ ?s ?p ?o BIND(EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} AS ?e) }}",
    "ask": "ASK {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "construct": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "lower-case": "select * where {{ ?s ?p ?o filter not exists {{ service <{url}> {{ ?s ?p ?o }} }} }}",
}


@pytest.mark.parametrize("nesting", sorted(NESTINGS))
def test_service_inside_filter_not_exists_is_refused(nesting, tiny_out, tmp_path, raw_server):
    server = raw_server("count")
    f = tmp_path / f"{nesting}.rq"
    f.write_text("# Federated, nested\n" + NESTINGS[nesting].format(url=server.url) + "\n")
    r = CliRunner().invoke(main, ["query", str(f), "--out", str(tiny_out)])
    assert r.exit_code == EXIT_BAD_INPUT, r.output
    assert "SERVICE" in r.output and "--allow-service" in r.output
    assert server.requests == [], "the store must not have called the server"


def test_service_is_refused_by_the_store_itself(tiny_out, raw_server):
    """The store refuses SERVICE even when a caller skipped the saved-query checks."""
    server = raw_server("count")
    store = GraphStore.open(tiny_out)
    text = f"SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{server.url}> {{ ?s ?p ?o }} }} }}"
    with pytest.raises(Q.QueryError, match="SERVICE"):
        store.query(text)
    store.close()
    assert server.requests == []


@pytest.mark.parametrize("text", [
    'SELECT ?s WHERE { ?s ?p ?o FILTER(?o != "SERVICE") }  # SERVICE in a comment',
    "SELECT ?service WHERE { ?service <https://example.org/SERVICE> ?o }",
    "PREFIX ex: <https://example.org/> SELECT ?s WHERE { ?s ex:SERVICE ?o }",
])
def test_the_word_service_elsewhere_is_not_federation(text):
    assert Q.inspect_sparql(text)[2] is False
