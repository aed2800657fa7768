"""The network built from a small made-up store: nodes, attributes, weights and filters.

Expected values come from the hand-written fixture in network_fixture.py (see its
docstring for the layout of the three made-up documents).
"""

from __future__ import annotations

from datetime import date

import pytest
from cgtkg.graph.network import (
    AGENCY,
    MEASURE,
    NetworkError,
    NetworkFilters,
    build_bipartite,
    build_network,
    metrics_report,
    project_agencies,
)
from click.testing import CliRunner
from network_fixture import ag, doc

from cgtkg.cli import main

ALL_AGENCIES = {
    "nmpa",
    "nhc",
    "guangdong-gov",
    "samr",
    "relevant-industry-authorities",
    "shenzhen-hc",
    "shenzhen-gov",
    "cde",
}
ALL_MEASURES = {
    doc("alpha", "measure", "1"),
    doc("alpha", "measure", "2"),
    doc("alpha", "measure", "3"),
    doc("beta", "article", "1"),
    doc("beta", "article", "2"),
    doc("beta", "article", "2", "item", "1"),
    doc("gamma", "measure", "1"),
}


def kinds(g, kind):
    return {n for n, d in g.nodes(data=True) if d["kind"] == kind}


def agency_keys(g):
    return {g.nodes[n]["registry_key"] for n in kinds(g, AGENCY)}


def test_bipartite_graph_has_every_responsibility_link(small_net):
    b = small_net.bipartite
    assert agency_keys(b) == ALL_AGENCIES  # ndrc and mofcom only issue documents
    assert kinds(b, MEASURE) == ALL_MEASURES  # the chapter has nobody responsible
    assert set(b.neighbors(doc("alpha", "measure", "1"))) == {
        ag("nmpa"),
        ag("nhc"),
        ag("guangdong-gov"),
    }
    assert set(b.neighbors(ag("shenzhen-hc"))) == {
        doc("beta", "article", "1"),
        doc("beta", "article", "2"),
        doc("beta", "article", "2", "item", "1"),
    }
    assert b.number_of_edges() == 14
    assert all(b.nodes[n]["bipartite"] == (0 if b.nodes[n]["kind"] == AGENCY else 1) for n in b)


def test_projection_weight_counts_shared_provisions(small_net):
    p = small_net.agencies
    weights = {
        frozenset((p.nodes[u]["registry_key"], p.nodes[v]["registry_key"])): d["weight"]
        for u, v, d in p.edges(data=True)
    }
    assert weights == {
        frozenset(("nmpa", "nhc")): 2,  # alpha measures 1 and 2
        frozenset(("nmpa", "guangdong-gov")): 1,
        frozenset(("nhc", "guangdong-gov")): 1,
        frozenset(("samr", "relevant-industry-authorities")): 1,
        frozenset(("shenzhen-hc", "shenzhen-gov")): 1,
        frozenset(("nmpa", "shenzhen-hc")): 1,  # the item inside beta article 2
        frozenset(("nmpa", "cde")): 1,
    }
    assert set(p) == kinds(small_net.bipartite, AGENCY)


def test_agency_nodes_carry_labels_level_region_and_parent(small_net):
    p = small_net.agencies
    nmpa, hc, cde = p.nodes[ag("nmpa")], p.nodes[ag("shenzhen-hc")], p.nodes[ag("cde")]
    assert (nmpa["label_en"], nmpa["label_zh"]) == (
        "Test Medical Products Administration",
        "测试药品监督管理局",
    )
    assert nmpa["short"] == "TMPA"  # the acronym, not the longer alternative label
    assert (nmpa["level"], nmpa["region"], nmpa["region_label"]) == (
        "level-national",
        "china",
        "China",
    )
    assert (hc["level"], hc["parent"], hc["parent_label"]) == (
        "level-municipal",
        "shenzhen-gov",
        "Test Shenzhen Government",
    )
    assert cde["parent"] == "nmpa" and cde["label_zh"] == ""
    generic = p.nodes[ag("relevant-industry-authorities")]
    assert generic["generic"] is True and generic["level"] == ""
    assert not generic["derived"] and not nmpa["derived"]  # both are registry entries
    assert nmpa["measures"] == 4  # alpha 1, alpha 2, beta item, gamma 1


def test_measure_nodes_carry_document_number_summary_source_and_passage(small_net):
    b = small_net.bipartite
    m1 = b.nodes[doc("alpha", "measure", "1")]
    assert m1["document"] == "alpha"
    assert (m1["document_title_en"], m1["document_title_zh"]) == (
        "Alpha test opinions",
        "阿尔法测试意见",
    )
    assert m1["document_number"] == "Test [2024] No. 1"
    assert (m1["number"], m1["provision"], m1["title"]) == ("1", "Measure 1", "First test measure")
    assert m1["summary"] == "Invented summary of the first measure."
    assert (
        m1["source"].endswith("/source/test-source")
        and m1["source_title"] == "A made-up source text"
    )
    assert m1["locator"] == "Test text, measure 1"
    assert m1["passage"] == "An invented passage that stands in for a quote."
    m2 = b.nodes[doc("alpha", "measure", "2")]
    assert m2["passage"] == "" and m2["printed"] == "II." and "II." in m2["provision"]
    item = b.nodes[doc("beta", "article", "2", "item", "1")]
    assert item["provision"] == "Article 2, item 1"
    assert item["source"].endswith("/source/test-source")  # falls back to the document's source
    assert set(item["document_dates"].split(" / ")) == {"2022-06-01", "2023-02-01"}


def test_responsibility_passage_sits_on_the_agency_provision_link(small_net):
    """The text loader's annotation naming NHC for alpha measure 1 belongs to that link only."""
    b = small_net.bipartite
    m1 = doc("alpha", "measure", "1")
    assert b.edges[ag("nhc"), m1]["passage"] == "Invented words that name the health commission."
    assert b.edges[ag("nmpa"), m1]["passage"] == ""


def measures_for(store, **filters):
    return kinds(build_bipartite(store, NetworkFilters(**filters)), MEASURE)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # inside Guangdong: nansha (alpha, inherited) and shenzhen (beta); alpha 2 is in Hebei
        (
            {"region": "guangdong"},
            {
                doc("alpha", "measure", "1"),
                doc("alpha", "measure", "3"),
                doc("beta", "article", "1"),
                doc("beta", "article", "2"),
                doc("beta", "article", "2", "item", "1"),
            },
        ),
        ({"region": "hebei"}, {doc("alpha", "measure", "2")}),
        ({"region": "china"}, ALL_MEASURES),
        # car-t is narrower than cell therapy; alpha 2 inherits alpha's cell therapy;
        # alpha 3 is about gene therapy; gamma is about the broader cell-gene-therapy
        ({"therapy": "cell-therapy"}, {doc("alpha", "measure", "1"), doc("alpha", "measure", "2")}),
        (
            {"therapy": "cell-gene-therapy"},
            {
                doc("alpha", "measure", "1"),
                doc("alpha", "measure", "2"),
                doc("alpha", "measure", "3"),
                doc("gamma", "measure", "1"),
            },
        ),
        ({"issuer": "ndrc"}, {doc("alpha", "measure", n) for n in "123"}),
        ({"issuer": "nmpa"}, {doc("gamma", "measure", "1")}),
        (
            {"document": "beta"},
            {
                doc("beta", "article", "1"),
                doc("beta", "article", "2"),
                doc("beta", "article", "2", "item", "1"),
            },
        ),
        # beta has two claimed dates; one of them in 2023 is enough. gamma has no date.
        (
            {"date_from": date(2023, 1, 1), "date_to": date(2023, 12, 31)},
            {
                doc("beta", "article", "1"),
                doc("beta", "article", "2"),
                doc("beta", "article", "2", "item", "1"),
            },
        ),
        ({"date_from": date(2024, 1, 1)}, {doc("alpha", "measure", n) for n in "123"}),
        (
            {"date_to": date(2022, 12, 31)},
            {
                doc("beta", "article", "1"),
                doc("beta", "article", "2"),
                doc("beta", "article", "2", "item", "1"),
            },
        ),
        ({"date_from": date(2025, 1, 1)}, set()),
        # filters combine
        (
            {"region": "guangdong", "issuer": "ndrc"},
            {doc("alpha", "measure", "1"), doc("alpha", "measure", "3")},
        ),
        ({"region": "guangdong", "therapy": "cell-therapy"}, {doc("alpha", "measure", "1")}),
        ({"document": "https://w3id.org/cgt-kg/id/doc/gamma"}, {doc("gamma", "measure", "1")}),
    ],
)
def test_filters(small_store, filters, expected):
    assert measures_for(small_store, **filters) == expected


def test_filtered_projection_only_counts_kept_provisions(small_store):
    b = build_bipartite(small_store, NetworkFilters(region="guangdong"))
    p = project_agencies(b)
    nmpa_nhc = p.edges[ag("nmpa"), ag("nhc")]["weight"]
    assert nmpa_nhc == 1  # alpha 2 (Hebei) no longer counts
    assert ag("cde") not in p  # gamma applies to all China, not inside Guangdong


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"region": "atlantis"}, "no region"),
        ({"therapy": "nansha"}, "no therapy"),  # a region is not a therapy
        ({"issuer": "nobody"}, "no agency"),
        ({"document": "missing-doc"}, "no document"),
        ({"region": "Guangdong Province"}, "not a region key"),
        ({"region": "x> } ; DROP GRAPH <g"}, "not a region key"),
        ({"region": "rg:guangdng"}, "did you mean rg:guangdong"),
        ({"issuer": "rg:guangdong"}, "is a region key, not an agency key"),
        ({"date_from": date(2024, 1, 1), "date_to": date(2023, 1, 1)}, "after"),
    ],
)
def test_bad_filter_values_are_named(small_store, filters, message):
    with pytest.raises(NetworkError, match=message):
        build_bipartite(small_store, NetworkFilters(**filters))


def test_filter_value_with_sparql_syntax_is_a_term_not_query_text(small_store):
    """Values reach SPARQL as RDF terms: query syntax in them is refused, never run."""
    nasty = "https://w3id.org/cgt-kg/id/region/x> } UNION { ?measure ?p ?o"
    with pytest.raises(NetworkError, match="not a region key"):
        build_bipartite(small_store, NetworkFilters(region=nasty))
    # a valid IRI that names nothing is looked up as a term, and not found
    with pytest.raises(NetworkError, match="no region"):
        build_bipartite(
            small_store, NetworkFilters(region="https://w3id.org/cgt-kg/id/region/guangdong%3E")
        )


def test_build_is_deterministic(small_store):
    a, b = build_network(small_store), build_network(small_store)
    assert sorted(a.agencies.nodes(data=True)) == sorted(b.agencies.nodes(data=True))
    assert a.communities == b.communities


# one filter of each kind, and two date ranges
FILTER_CASES = [
    {"document": "beta"},
    {"issuer": "ndrc"},
    {"region": "guangdong"},
    {"therapy": "cell-therapy"},
    {"date_from": date(2023, 1, 1), "date_to": date(2023, 12, 31)},
    {"date_from": date(2025, 1, 1)},
]


@pytest.fixture
def queries_read(monkeypatch) -> list[str]:
    """The names of the saved queries graph.network loads from now on, in order."""
    import cgtkg.graph.network as network

    read: list[str] = []
    real = network.load_query
    monkeypatch.setattr(network, "load_query", lambda name, *a: read.append(name) or real(name, *a))
    return read


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_few_kept_provisions_read_one_by_one_give_the_same_graph(small_store, monkeypatch, filters):
    """network-measure-links / network-measure, one provision at a time, build exactly the
    graph that reading every link and provision (network-responsibility / -measures) does."""
    import cgtkg.graph.network as network

    monkeypatch.setattr(network, "FEW_MEASURES_SHARE", 1.0)
    one_by_one = build_bipartite(small_store, NetworkFilters(**filters))
    monkeypatch.setattr(network, "FEW_MEASURES_SHARE", -1.0)
    whole = build_bipartite(small_store, NetworkFilters(**filters))
    assert sorted(one_by_one.nodes(data=True)) == sorted(whole.nodes(data=True))

    def edges(g):
        return sorted((min(u, v), max(u, v), sorted(d.items())) for u, v, d in g.edges(data=True))

    assert edges(one_by_one) == edges(whole)
    assert one_by_one.graph == whole.graph


def test_the_reading_follows_how_many_provisions_the_filters_keep(
    small_store, monkeypatch, queries_read
):
    import cgtkg.graph.network as network

    read = queries_read
    # the fixture has 7 provisions with responsible agencies
    monkeypatch.setattr(network, "FEW_MEASURES_SHARE", 0.2)
    build_bipartite(small_store, NetworkFilters(document="gamma"))  # 1 of 7
    assert "network-measure" in read and "network-measures" not in read
    read.clear()
    build_bipartite(small_store, NetworkFilters(region="guangdong"))  # 5 of 7
    assert "network-measures" in read and "network-measure" not in read
    read.clear()
    build_bipartite(small_store)
    assert "network-measures" in read and "network-provision-count" not in read


@pytest.mark.parametrize("filters", [{}, *FILTER_CASES])
@pytest.mark.parametrize("share", [1.0, -1.0], ids=["one-by-one", "whole"])
def test_metrics_without_provision_details_are_the_same(small_store, monkeypatch, filters, share):
    """What `cgtkg network --metrics` prints does not depend on the provisions' titles,
    numbers and passages, so it is computed without reading them (details=False)."""
    import cgtkg.graph.network as network

    monkeypatch.setattr(network, "FEW_MEASURES_SHARE", share)
    full = build_network(small_store, NetworkFilters(**filters))
    lean = build_network(small_store, NetworkFilters(**filters), details=False)
    assert metrics_report(lean) == metrics_report(full)
    assert sorted(map(sorted, lean.bipartite.edges())) == sorted(map(sorted, full.bipartite.edges()))
    assert all(d == {} for *_, d in lean.bipartite.edges(data=True))
    for m in kinds(lean.bipartite, MEASURE):
        d = lean.bipartite.nodes[m]
        assert d == {
            "kind": MEASURE,
            "bipartite": 1,
            "agencies": full.bipartite.nodes[m]["agencies"],
            **{k: full.bipartite.nodes[m][k] for k in ("iri", "document", "document_iri")},
        }


def test_metrics_command_does_not_read_provision_details(small_out, queries_read):
    read = queries_read
    for args in ([], ["--document", "gamma"]):
        read.clear()
        result = CliRunner().invoke(main, ["network", "--out", str(small_out), "--metrics", *args])
        assert result.exit_code == 0, result.output
        assert read and not {"network-measures", "network-measure"} & set(read), read
        assert "network-responsibility" not in read
    read.clear()
    dest = small_out.parent / "network-files"
    result = CliRunner().invoke(main, ["network", "--out", str(small_out), "--output", str(dest)])
    assert result.exit_code == 0, result.output
    assert {"network-measures", "network-responsibility"} <= set(read)
    assert "network-links" not in read
