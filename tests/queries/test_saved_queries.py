"""Saved queries: headers, parameters, expected rows on the fixture, checks, CLI behaviour."""

from __future__ import annotations

import csv
import io
import re
import shlex

import pyoxigraph as ox
import pytest
from cgtkg.graph import query as Q
from cgtkg.graph.namespaces import DEFAULT_BASE
from cgtkg.graph.store import GraphStore
from click.testing import CliRunner
from query_helpers import CASES, FIXTURES, all_cases, cell, load_out_dir, project, saved_query_names
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from cgtkg.cli import main

OWN = saved_query_names(include_network=False)
README = (Q.QUERIES_DIR / "README.md").read_text(encoding="utf-8")


def run(args, **kw):
    return CliRunner().invoke(main, args, catch_exceptions=False, **kw)


# ------------------------------------------------------------------ the collection


def test_there_are_at_least_twelve_saved_questions_and_some_checks():
    questions = [n for n in OWN if not n.endswith("-violation")]
    checks = [n for n in OWN if n.endswith("-violation")]
    assert len(questions) >= 12, questions
    assert len(checks) >= 3, checks


@pytest.mark.parametrize("name", saved_query_names())
def test_every_query_file_is_documented_in_the_readme(name):
    assert re.search(rf"`{re.escape(name)}(\.rq)?`", README), \
        f"queries/{name}.rq is not described in queries/README.md"


@pytest.mark.parametrize("name", saved_query_names())
def test_header_states_question_parameters_and_a_working_example(name, built):
    q = Q.load(name)
    assert q.title and (q.title.endswith("?") or q.title.startswith("Check:")), q.title
    assert q.examples, f"{name}: no '# example:' line"
    for p in q.params.values():
        assert p.doc, f"{name}: parameter {p.name} has no description"
    # the example really runs (on the repository's build: its keys are checked against it)
    # and uses only declared parameters; tests/daily_use/test_search_examples.py checks rows
    for example in q.examples:
        argv = shlex.split(example)
        assert argv[:3] == ["cgtkg", "query", name], example
        result = run(argv[1:] + ["--out", str(built.out_dir)])
        assert result.exit_code == 0, (example, result.output)


@pytest.mark.parametrize("name", OWN)
def test_every_own_query_has_expected_rows(name):
    assert name in CASES, f"tests/queries/cases.yaml has no case for {name}"


# ------------------------------------------------------------------ rows on the fixture


@pytest.mark.parametrize("name, case", list(all_cases()))
def test_saved_query_returns_the_expected_rows(name, case, fixture_store):
    q = Q.load(name)
    bindings = Q.resolve_bindings(q, case.get("params") or {})
    result = Q.run_local(fixture_store, q, bindings)
    columns = case["columns"]
    assert set(columns) <= set(q.variables), f"{name}: unknown columns {columns}"
    expected = project([dict(zip(columns, map(cell, row))) for row in case["rows"]], columns)
    actual = project(result.rows, columns)
    assert actual == expected, (
        f"{name} {case.get('params')}:\n  missing {dict(expected - actual)}\n"
        f"  unexpected {dict(actual - expected)}")


BROKEN = "https://w3id.org/cgt-kg/id/doc/fx-broken"
EXPECTED_VIOLATIONS = {
    "responsibility-outside-registry-violation": ("agency", {
        f"{DEFAULT_BASE}agency/ghost-bureau", f"{DEFAULT_BASE}agency/unknown-office",
        f"{DEFAULT_BASE}agency/made-up-office"}),
    "provision-number-violation": ("provision", {
        f"{BROKEN}/measure/1", f"{BROKEN}/measure/x", f"{BROKEN}/measure/3"}),
    "date-conflict-unrecorded-violation": ("document", {BROKEN}),
    "concept-outside-scheme-violation": ("target", {
        f"{DEFAULT_BASE}region/atlantis", f"{DEFAULT_BASE}therapy/unknown-therapy",
        f"{DEFAULT_BASE}doctype/memo"}),
    "claim-incomplete-violation": ("conflict", {f"{BROKEN}/conflict/document"}),
    "document-link-dangling-violation": ("target", {f"{DEFAULT_BASE}doc/fx-nowhere",
                                                     f"{DEFAULT_BASE}doc/fx-gone"}),
}


def test_every_check_is_tried_on_broken_data():
    assert set(EXPECTED_VIOLATIONS) == {n for n in OWN if n.endswith("-violation")}


@pytest.mark.parametrize("name", sorted(EXPECTED_VIOLATIONS))
def test_violation_queries_catch_broken_data(name, broken_store):
    column, expected = EXPECTED_VIOLATIONS[name]
    rows = Q.run_local(broken_store, Q.load(name), {}).rows
    assert {str(r[column]) for r in rows} == expected


def test_violation_check_exits_1_through_the_cli(tmp_path):
    out = load_out_dir(tmp_path / "out", FIXTURES / "policy.trig", FIXTURES / "violations.trig")
    result = run(["query", "provision-number-violation", "--out", str(out)])
    assert result.exit_code == 1
    assert "3 violation(s)" in result.output


# ------------------------------------------------------------------ parameters


def _param(ptype, name="p"):
    return Q.Param(name, ptype)


@pytest.mark.parametrize("raw, expected", [
    ("ag:nmpa", f"{DEFAULT_BASE}agency/nmpa"),
    (f"<{DEFAULT_BASE}agency/nmpa>", f"{DEFAULT_BASE}agency/nmpa"),
    (f"{DEFAULT_BASE}agency/nmpa", f"{DEFAULT_BASE}agency/nmpa"),
    ("eli:date_document", "http://data.europa.eu/eli/ontology#date_document"),
    ("doc:nansha-market-access-opinions/measure/9",
     f"{DEFAULT_BASE}doc/nansha-market-access-opinions/measure/9"),
])
def test_iri_values_accept_prefixed_names_and_full_iris(raw, expected):
    assert Q.parse_value(_param("iri"), raw) == URIRef(expected)


@pytest.mark.parametrize("raw, words", [
    ("ag:n mpa", "contains ' '"),
    ("https://example.org/a b", "contains ' '"),
    ("foo:bar", "unknown prefix 'foo'"),
    ("nmpa", "not an IRI"),
    ("<ag:nmpa>", "unknown prefix"),
    ('ag:x"y', "contains '\"'"),
    ("", "empty IRI"),
])
def test_malformed_iris_are_refused_with_the_reason(raw, words):
    with pytest.raises(Q.QueryError, match=re.escape(words)):
        Q.parse_value(_param("iri"), raw)


@pytest.mark.parametrize("raw", ["2023-02-30", "yesterday", "2023-1-5", "20230105",
                                 "2023-01-05T00:00"])
def test_dates_that_are_not_dates_are_refused(raw):
    with pytest.raises(Q.QueryError, match="is not a date"):
        Q.parse_value(_param("date"), raw)


def test_values_get_the_declared_rdf_type():
    assert Q.parse_value(_param("date"), "2024-02-29") == Literal("2024-02-29", datatype=XSD.date)
    assert Q.parse_value(_param("integer"), " 12 ") == Literal(12)
    assert Q.parse_value(_param("string"), "干细胞") == Literal("干细胞")
    with pytest.raises(Q.QueryError, match="not an integer"):
        Q.parse_value(_param("integer"), "12.5")


def test_unknown_and_missing_parameters_are_named():
    q = Q.load_text("# Q?\n# param: who (iri, required) — someone\n"
                    "SELECT ?who ?x WHERE { ?x ?p ?who }", "t")
    with pytest.raises(Q.QueryError, match="'who' is required"):
        Q.resolve_bindings(q, {})
    with pytest.raises(Q.QueryError, match="unknown parameter 'agnecy'"):
        Q.resolve_bindings(q, {"who": "ag:nmpa", "agnecy": "ag:nmpa"})


def test_a_hostile_string_stays_one_literal(fixture_store):
    """Quotes, braces and keywords in a value are data, never query text."""
    hostile = '" } ; DROP ALL ; SELECT * { "'
    q = Q.load("keyword-search")
    rows = Q.run_local(fixture_store, q, Q.resolve_bindings(q, {"keyword": hostile})).rows
    assert rows == []
    text = Q.with_values(q.text, {"keyword": Literal(hostile)})
    values = re.search(r"VALUES \(\?keyword\) \{ \((.*)\) \}", text).group(1)
    assert Literal(hostile).n3() == values
    assert Q.inspect_sparql(text)[0] == "SELECT"  # still one query, not an update


def test_values_block_opens_the_where_group_not_a_subquery():
    q = Q.load("agency-measure-counts")
    text = Q.with_values(q.text, {"min": Literal(2)})
    where = text.index("WHERE")
    assert text.index("VALUES (?min)") < text.index("SELECT", where)  # before the subquery
    assert text.index("VALUES (?min)") > where


# ------------------------------------------------------------------ header syntax


@pytest.mark.parametrize("header, words", [
    ("# Q?\n# param: who iri — x\n", ":2: cannot read this parameter line"),
    ("# Q?\n# param: who (uri, default ag:x) — x\n", "unknown type 'uri'"),
    ("# Q?\n# param: who (iri, default ag:x) — x\n# param: who (iri, optional) — y\n",
     "declared twice (first on line 2)"),
    ("# Q?\n# param: on (date, default 2023-13-01) — x\n", ":2: the default is not valid"),
    ("# Q?\n# param: nobody (iri, optional) — x\n", "never uses ?nobody"),
])
def test_header_mistakes_name_file_and_line(header, words):
    body = "SELECT ?who ?on ?x WHERE { ?x ?p ?who . ?x ?q ?on }\n"
    if "nobody" in header:
        body = "SELECT ?x WHERE { ?x ?p ?o }\n"
    with pytest.raises(Q.QueryError, match=re.escape(words)):
        Q.load_text(header + body, "t", None)


def test_parameters_must_be_projected_and_never_tested_with_bound():
    with pytest.raises(Q.QueryError, match="must appear in the SELECT clause"):
        Q.load_text("# Q?\n# param: a (iri, optional) — x\nSELECT ?s WHERE { ?s ?p ?a }", "t")
    with pytest.raises(Q.QueryError, match=r"do not test BOUND\(\?a\)"):
        Q.load_text("# Q?\n# param: a (date, optional) — x\n"
                    "SELECT ?s ?a WHERE { ?s ?p ?d FILTER(!BOUND(?a) || ?d > ?a) }", "t")


def test_older_name_description_headers_are_read():
    q = Q.load_text("# name: x\n# description: Old style title.\n#   more\n"
                    "SELECT ?s WHERE { ?s ?p ?o }", "x")
    assert q.title == "Old style title."


# ------------------------------------------------------------------ the command line


def test_malformed_parameter_exits_2_with_a_clear_message(fixture_out):
    r = run(["query", "agency-measures", "--out", str(fixture_out), "--param", "agency=ag:n mpa"])
    assert r.exit_code == 2
    assert "parameter 'agency'" in r.output and "not an agency key" in r.output
    r = run(["query", "in-force-on", "--out", str(fixture_out), "-p", "on=2023-02-30"])
    assert r.exit_code == 2 and "not a date" in r.output
    r = run(["query", "in-force-on", "--out", str(fixture_out), "-p", "on"])
    assert r.exit_code == 2 and "NAME=VALUE" in r.output


def test_unknown_query_suggests_close_names(fixture_out):
    r = run(["query", "agency-measure", "--out", str(fixture_out)])
    assert r.exit_code == 2 and "agency-measures" in r.output


def test_updates_are_refused(tmp_path, fixture_out):
    f = tmp_path / "wipe.rq"
    f.write_text("# Wipe?\nDROP ALL\n")
    r = run(["query", str(f), "--out", str(fixture_out)])
    assert r.exit_code == 2 and "update" in r.output
    f.write_text("INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }\n")
    r = run(["query", str(f), "--out", str(fixture_out)])
    assert r.exit_code == 2 and "update" in r.output
    # and the store is unchanged
    assert not GraphStore.open(fixture_out).query("ASK { <http://example.org/a> ?p ?o }")


def test_service_is_refused_unless_allowed(tmp_path, fixture_out):
    f = tmp_path / "fed.rq"
    f.write_text("# Federated?\nSELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> "
                 "{ ?s ?p ?o } }\n")
    r = run(["query", str(f), "--out", str(fixture_out)])
    assert r.exit_code == 2 and "SERVICE" in r.output and "--allow-service" in r.output
    r = run(["query", str(f), "--out", str(fixture_out), "--allow-service"])
    assert r.exit_code == 0, r.output


def test_syntax_errors_name_file_and_line(tmp_path, fixture_out):
    f = tmp_path / "bad.rq"
    f.write_text("# Bad?\nSELECT ?s\nWHERE { ?s ?p }\n")
    r = run(["query", str(f), "--out", str(fixture_out)])
    assert r.exit_code == 2 and f"{f}:3:" in r.output and "syntax error" in r.output


def test_missing_store_exits_2(tmp_path):
    r = run(["query", "agency-measures", "--out", str(tmp_path / "nothing")])
    assert r.exit_code == 2 and "cgtkg build" in r.output


def test_queries_lists_every_saved_query_with_its_question():
    r = run(["queries", "-v"])
    assert r.exit_code == 0
    for name in saved_query_names():
        line = next(ln for ln in r.output.splitlines() if ln.startswith(name + " "))
        assert Q.load(name).title[:40] in line
    assert "--param agency=<agency>  (default ag:nmpa)" in r.output


# ------------------------------------------------------------------ output formats


def _local_rows(store, name, params):
    q = Q.load(name)
    return Q.run_local(store, q, Q.resolve_bindings(q, params)).rows


def _ox_to_rdflib(sol, variables):
    from cgtkg.graph.store import to_rdflib

    return {v: to_rdflib(sol[v]) for v in variables if sol[v] is not None}


@pytest.mark.parametrize("fmt", ["json", "tsv"])
def test_json_and_tsv_output_are_sparql_results_with_the_same_bindings(fmt, fixture_out,
                                                                       fixture_store):
    params = {"agency": "ag:nmpa"}
    r = run(["query", "agency-measures", "--out", str(fixture_out), "--format", fmt,
             "-p", "agency=ag:nmpa"])
    assert r.exit_code == 0
    parsed = ox.parse_query_results(r.output.encode(), format=getattr(ox.QueryResultsFormat,
                                                                      fmt.upper()))
    variables = [v.value for v in parsed.variables]
    assert variables == Q.load("agency-measures").variables
    got = [_ox_to_rdflib(s, variables) for s in parsed]
    expected = _local_rows(fixture_store, "agency-measures", params)
    assert sorted(map(sorted_items, got)) == sorted(map(sorted_items, expected))


def sorted_items(d):
    return sorted((k, v.n3()) for k, v in d.items())


def test_csv_output_has_a_header_and_one_line_per_row(fixture_out, fixture_store):
    r = run(["query", "region-measures", "--out", str(fixture_out), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(r.output)))
    expected = _local_rows(fixture_store, "region-measures", {})
    assert len(rows) == len(expected)
    assert {row["provision"] for row in rows} == {str(e["provision"]) for e in expected}


def test_table_output_shortens_iris_and_counts_rows(fixture_out):
    r = run(["query", "agency-pairs", "--out", str(fixture_out), "-p", "min=2"])
    assert "ag:nhc" in r.output and "ag:nmpa" in r.output and "(1 row)" in r.output


# ------------------------------------------------------------------ another base IRI


def test_queries_follow_a_store_built_on_another_base(tmp_path):
    base = "http://example.org/kg/"
    out = load_out_dir(tmp_path / "out", FIXTURES / "policy.trig", base=base)
    store = GraphStore.open(out)
    assert Q.detect_base(store) == base
    q = Q.load("region-measures")
    rows = Q.run_local(store, q, Q.resolve_bindings(q, {"region": "rg:hainan"}, base),
                       base=base).rows
    assert [str(r["provision"]) for r in rows] == [f"{base}doc/fx-hainan-notice/measure/1"]
    r = run(["query", "agency-pairs", "--out", str(out), "--format", "csv", "-p", "min=2"])
    assert f"{base}agency/nhc" in r.output


@pytest.mark.parametrize("text", [
    "SELECT ?s WHERE { ?s ?p ?o }",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "PREFIX x: <http://example.org/where#>\nSELECT ?s # WHERE in a comment\n"
    "WHERE { ?s x:where 'WHERE {' }",
])
def test_dataset_clauses_go_before_the_where_clause(text):
    out = Q.with_dataset(text, ["http://example.org/g1", "http://example.org/g2"])
    form, _, _ = Q.inspect_sparql(out)
    assert form == Q.inspect_sparql(text)[0]
    assert out.count("FROM <http://example.org/g") == 2 and out.count("FROM NAMED <") == 2
    mine = "SELECT ?s FROM <http://example.org/mine> WHERE { ?s ?p ?o }"
    assert Q.with_dataset(mine, ["http://example.org/g1"]) == mine


def test_expected_counts_allow_for_servers_that_store_literals_by_value():
    from cgtkg.graph.remote import expected_counts

    g, p = ox.NamedNode("http://example.org/g"), ox.NamedNode("http://example.org/p")
    s = ox.NamedNode("http://example.org/s")
    integer = ox.NamedNode(str(XSD.integer))
    quads = [ox.Quad(s, p, ox.Literal(v, datatype=integer), g) for v in ("01", "1", "001")]
    quads.append(ox.Quad(s, p, ox.Literal("x", language="en"), g))
    # Oxigraph keeps four triples; Virtuoso keeps the integer once: two
    assert expected_counts(quads) == {4, 2}
