"""The hierarchy queries (region-measures, therapy-timeline, therapy-year-counts) on a graph
made for them: provision trees three levels deep, a region inside two broader regions, and
provisions whose region comes from themselves, from their document, or from nowhere.

The expected rows follow from what each query's header promises, worked out by hand from
fixtures/hierarchies.trig. The same rows must come back from an Oxigraph server and from
Virtuoso: these queries were rewritten for speed (queries/README.md asks every saved query
to give one answer on every engine), and the rewrite compares hierarchy ends through STR()
because Virtuoso 7.2 loses rows with `=` once a graph is large.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from cgtkg.graph import query as Q
from cgtkg.graph import remote
from cgtkg.graph.store import GraphStore
from click.testing import CliRunner
from query_helpers import FIXTURES, differences, load_out_dir
from query_servers import VIRTUOSO_BIN, start_oxigraph, start_virtuoso
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from cgtkg.cli import main

ID = "https://w3id.org/cgt-kg/id/"
RULES, NOTICE, PLAN = (URIRef(f"{ID}doc/hx-{k}") for k in ("rules", "notice", "plan"))
CHAPTER = URIRef(f"{RULES}/chapter/1")
ARTICLE1, ARTICLE2 = URIRef(f"{CHAPTER}/article/1"), URIRef(f"{CHAPTER}/article/2")
ITEM = URIRef(f"{ARTICLE1}/item/1")
NOTICE_MEASURE, PLAN_MEASURE = URIRef(f"{NOTICE}/measure/1"), URIRef(f"{PLAN}/measure/1")
REGIONS = ("hx-country", "hx-province", "hx-city", "hx-zone", "hx-district", "hx-elsewhere")


def rg(key: str) -> URIRef:
    return URIRef(f"{ID}region/{key}")


def th(key: str) -> URIRef:
    return URIRef(f"{ID}therapy/{key}")


def day(text: str) -> Literal:
    return Literal(text, datatype=XSD.date)


@pytest.fixture(scope="module")
def hx_out(tmp_path_factory) -> Path:
    return load_out_dir(tmp_path_factory.mktemp("hierarchies") / "out", FIXTURES / "hierarchies.trig")


@pytest.fixture(scope="module")
def hx_store(hx_out) -> GraphStore:
    return GraphStore.open(hx_out)


def run(store, name: str, **params: str) -> list[dict]:
    q = Q.load(name)
    return Q.run_local(store, q, Q.resolve_bindings(q, params)).rows


def rows_of(rows, *columns) -> Counter:
    return Counter(tuple(r.get(c) for c in columns) for r in rows)


# ------------------------------------------------------------------ region-measures

DOCUMENT_REGION, OWN_REGION = Literal("document"), Literal("provision")
IN_DISTRICT = {  # what lies in hx-district, and so in every region around it
    (ARTICLE1, RULES, rg("hx-district"), DOCUMENT_REGION),
    (ITEM, RULES, rg("hx-district"), DOCUMENT_REGION),
    (PLAN_MEASURE, PLAN, rg("hx-district"), OWN_REGION),
}
EXPECTED_REGION_ROWS = {
    "hx-country": IN_DISTRICT | {(ARTICLE2, RULES, rg("hx-elsewhere"), OWN_REGION)},
    "hx-province": IN_DISTRICT,
    "hx-city": IN_DISTRICT,
    "hx-zone": IN_DISTRICT,
    "hx-district": IN_DISTRICT,
    "hx-elsewhere": {(ARTICLE2, RULES, rg("hx-elsewhere"), OWN_REGION)},
}


@pytest.mark.parametrize("region", REGIONS)
def test_region_measures_follow_regions_down_any_depth_once_each(hx_store, region):
    rows = run(hx_store, "region-measures", region=f"rg:{region}")
    got = rows_of(rows, "provision", "document", "appliesTo", "regionFrom")
    # a Counter equal to a set's Counter: every expected row exactly once, even for hx-zone
    # and hx-city, which both contain hx-district
    assert got == Counter(EXPECTED_REGION_ROWS[region]), region
    assert {r["region"] for r in rows} <= {rg(region)}


def test_a_provision_with_its_own_region_does_not_inherit_the_document_one(hx_store):
    # hx-plan is in hx-province, but its measure names hx-district itself
    rows = run(hx_store, "region-measures", region="rg:hx-province")
    assert {r["regionFrom"] for r in rows if r["provision"] == PLAN_MEASURE} == {OWN_REGION}


def test_a_provision_with_no_region_in_a_document_with_none_applies_nowhere(hx_store):
    for region in REGIONS:
        rows = run(hx_store, "region-measures", region=f"rg:{region}")
        assert NOTICE_MEASURE not in {r["provision"] for r in rows}, region


def test_region_measures_leave_chapters_out_and_carry_titles(hx_store):
    rows = run(hx_store, "region-measures", region="rg:hx-country")
    assert CHAPTER not in {r["provision"] for r in rows}
    titles = {r["provision"]: r.get("title") for r in rows}
    assert titles[ARTICLE1] == Literal("Article one", lang="en")
    assert titles[ITEM] is None


# ------------------------------------------------------------------ therapy queries


def test_therapy_timeline_counts_provisions_at_any_depth_dated_first(hx_store):
    rows = run(hx_store, "therapy-timeline", therapy="th:hx-root")
    assert [(r["document"], r.get("date"), r["about"]) for r in rows] == [
        (RULES, day("2021-03-01"), th("hx-leaf")),  # through item 1, three levels down
        (NOTICE, day("2022-05-01"), th("hx-other")),  # both claimed dates
        (NOTICE, day("2023-01-10"), th("hx-other")),
        (PLAN, None, th("hx-mid")),  # undated documents come last
    ]
    assert {r["document"]: r["title"] for r in rows}[RULES] == Literal("Invented rules",
                                                                       lang="en")


@pytest.mark.parametrize("therapy, documents", [
    ("hx-mid", {RULES, PLAN}),
    ("hx-leaf", {RULES}),
    ("hx-other", {NOTICE}),
])
def test_therapy_timeline_takes_narrower_types_only(hx_store, therapy, documents):
    rows = run(hx_store, "therapy-timeline", therapy=f"th:{therapy}")
    assert {r["document"] for r in rows} == documents
    assert {r["therapy"] for r in rows} == {th(therapy)}


def test_therapy_year_counts_count_each_document_once_per_type_and_year(hx_store):
    rows = run(hx_store, "therapy-year-counts")
    got = {(r["therapy"], r["year"].toPython()): r["documents"].toPython() for r in rows}
    assert got == {
        (th("hx-leaf"), 2021): 1, (th("hx-mid"), 2021): 1,  # hx-plan has no date
        (th("hx-root"), 2021): 1, (th("hx-root"), 2022): 1, (th("hx-root"), 2023): 1,
        (th("hx-other"), 2022): 1, (th("hx-other"), 2023): 1,
    }
    later = run(hx_store, "therapy-year-counts", since="2022")
    assert {r["year"].toPython() for r in later} == {2022, 2023}


# ------------------------------------------------------------------ the same on servers

CASES = (
    [("region-measures", {"region": f"rg:{r}"}) for r in REGIONS]
    + [("therapy-timeline", {"therapy": f"th:{t}"})
       for t in ("hx-root", "hx-mid", "hx-leaf", "hx-other")]
    + [("therapy-year-counts", {}), ("therapy-year-counts", {"since": "2022"})]
)


def _push(server, out: Path):
    r = CliRunner().invoke(main, ["push", "--endpoint", server.query_url, "--out", str(out)],
                           env={"CGTKG_CONFIG": "", **server.env()}, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    ep = remote.resolve_endpoint(server.query_url, config={}, env={})
    return ep, remote.dataset_graphs(ep)


def _assert_same_rows(store, ep, graphs):
    for name, params in CASES:
        q = Q.load(name)
        bindings = Q.resolve_bindings(q, params)
        local = Q.run_local(store, q, bindings).rows
        there = remote.run_query(ep, q, bindings, graphs=graphs).rows
        assert local, (name, params)
        assert not differences(local, there, lenient=True), (name, params)


def test_an_oxigraph_server_gives_the_same_rows(hx_out, hx_store, tmp_path_factory):
    server = start_oxigraph(tmp_path_factory.mktemp("hx-oxigraph"))
    try:
        _assert_same_rows(hx_store, *_push(server, hx_out))
    finally:
        server.stop()


@pytest.mark.virtuoso
def test_virtuoso_gives_the_same_rows(hx_out, hx_store, tmp_path_factory):
    if not Path(VIRTUOSO_BIN).exists():
        pytest.skip(f"{VIRTUOSO_BIN} not found: install Debian's virtuoso-opensource to run the "
                    "Virtuoso integration test")
    server = start_virtuoso(tmp_path_factory.mktemp("hx-virtuoso"))
    try:
        _assert_same_rows(hx_store, *_push(server, hx_out))
    finally:
        server.stop()
