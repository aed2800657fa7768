"""Metrics, the `cgtkg network` command, and GraphML/GEXF files read back with networkx."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import networkx as nx
import pytest
from cgtkg.graph import query as saved_queries
from cgtkg.graph.network import QUERIES_DIR, build_network, metrics_report, write_graph_files
from click.testing import CliRunner
from network_fixture import ag

from cgtkg.cli import main


def test_weighted_degree_is_the_sum_of_shared_provisions(small_net):
    p = small_net.agencies
    for n in p:
        assert p.nodes[n]["strength"] == sum(d["weight"] for *_, d in p.edges(n, data=True))
    assert p.nodes[ag("nmpa")]["strength"] == 5  # 2 with nhc + guangdong + shenzhen-hc + cde
    assert p.nodes[ag("nmpa")]["partners"] == 4


def test_betweenness_marks_the_broker(small_net):
    """NMPA alone links the health-commission group, CDE and the Shenzhen pair."""
    p = small_net.agencies
    top = max(p, key=lambda n: p.nodes[n]["betweenness"])
    assert top == ag("nmpa")
    leaves = [ag("cde"), ag("samr"), ag("relevant-industry-authorities"), ag("shenzhen-gov")]
    assert all(p.nodes[n]["betweenness"] == 0 for n in leaves)
    assert p.nodes[ag("shenzhen-hc")]["betweenness"] > 0  # between NMPA and the Shenzhen government


@pytest.mark.parametrize("method", ["louvain", "greedy"])
def test_communities_partition_the_agencies_and_are_reproducible(small_store, method):
    a = build_network(small_store, method=method, seed=7)
    b = build_network(small_store, method=method, seed=7)
    assert a.communities == b.communities
    members = [n for c in a.communities for n in c]
    assert sorted(members) == sorted(a.agencies)  # every agency in exactly one community
    p = a.agencies
    # the two components that touch nothing else can never share a community with NMPA
    assert (
        p.nodes[ag("samr")]["community"]
        == p.nodes[ag("relevant-industry-authorities")]["community"]
    )
    assert p.nodes[ag("samr")]["community"] != p.nodes[ag("nmpa")]["community"]
    assert [len(c) for c in a.communities] == sorted((len(c) for c in a.communities), reverse=True)


def test_metrics_json_from_the_command_line(small_out, small_net):
    result = CliRunner().invoke(
        main, ["network", "--out", str(small_out), "--metrics", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"] == {
        "agencies": 8,
        "measures": 7,
        "responsibility_links": 14,
        "agency_pairs": 7,
        "communities": len(small_net.communities),
    }
    rows = {r["agency"]: r for r in report["agencies"]}
    assert rows["nmpa"]["rank"] == 1 and rows["nmpa"]["weighted_degree"] == 5
    assert rows["nmpa"]["label_zh"] == "测试药品监督管理局"
    assert [r["rank"] for r in report["agencies"]] == list(range(1, 9))


def test_metrics_table_with_filters(small_out):
    # wide enough for the table form: narrower output is printed a record per row
    # (graph/tables.py), and pytest-xdist's workers run with COLUMNS=80
    result = CliRunner().invoke(
        main,
        ["network", "--out", str(small_out), "--metrics", "--region", "shenzhen"],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.output
    assert "filters: region=shenzhen" in result.output
    lines = result.output.splitlines()
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("─")) + 1 :]
    # a cell may wrap onto a second line (graph/tables.py): read the keys off the text
    ranked_keys = re.findall(r"\(([a-z0-9-]+)\)", " ".join(body))
    assert set(ranked_keys) == {"shenzhen-hc", "shenzhen-gov", "nmpa"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "atlantis"], "no region"),
        (["--from", "2023-02-30"], "is not a date"),
        (["--from", "2024-01-01", "--to", "2023-01-01"], "after"),
    ],
)
def test_command_rejects_bad_filters_with_exit_2(small_out, args, message):
    result = CliRunner().invoke(main, ["network", "--out", str(small_out), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_command_without_a_store_says_how_to_make_one(tmp_path):
    result = CliRunner().invoke(main, ["network", "--out", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert "cgtkg build" in result.output


def test_command_writes_every_output(small_out, tmp_path):
    dest = tmp_path / "net"
    result = CliRunner().invoke(main, ["network", "--out", str(small_out), "--output", str(dest)])
    assert result.exit_code == 0, result.output
    expected = {
        "bipartite.graphml",
        "bipartite.gexf",
        "agencies.graphml",
        "agencies.gexf",
        "metrics.json",
        "agencies.png",
        "agencies.svg",
        "network.html",
    }
    assert {p.name for p in dest.iterdir()} == expected
    assert all((dest / name).stat().st_size > 0 for name in expected)
    for name in expected:
        assert str(dest / name) in result.output


def _same_graph(read: nx.Graph, made: nx.Graph, *, gexf: bool = False) -> None:
    assert set(read.nodes) == set(made.nodes)
    assert {frozenset(e) for e in read.edges} == {frozenset(e) for e in made.edges}
    for n, d in made.nodes(data=True):
        got = dict(read.nodes[n])
        if gexf:
            got.pop("label", None)  # GEXF keeps the node label in its own field
            got.pop("viz", None)  # and the drawing (position, colour, size) in viz: (test below)
        want = {k: v for k, v in d.items() if not (gexf and k == "label")}
        assert got == want, n
    for u, v, d in made.edges(data=True):
        if "weight" in d:
            assert read.edges[u, v]["weight"] == d["weight"]


@pytest.fixture(scope="module")
def exported(small_net, tmp_path_factory):
    return write_graph_files(small_net, tmp_path_factory.mktemp("exports"))


def test_graphml_reads_back_equal(small_net, exported):
    _same_graph(nx.read_graphml(exported["bipartite.graphml"]), small_net.bipartite)
    _same_graph(nx.read_graphml(exported["agencies.graphml"]), small_net.agencies)


def test_gexf_reads_back_equal(small_net, exported):
    b = nx.read_gexf(exported["bipartite.gexf"])
    p = nx.read_gexf(exported["agencies.gexf"])
    _same_graph(b, small_net.bipartite, gexf=True)
    _same_graph(p, small_net.agencies, gexf=True)
    assert p.nodes[ag("nmpa")]["label"] == "Test Medical Products Administration"


def test_metrics_file_matches_the_report(small_net, exported):
    assert json.loads(exported["metrics.json"].read_text(encoding="utf-8")) == metrics_report(
        small_net
    )


NETWORK_QUERIES = sorted(p.stem for p in QUERIES_DIR.glob("network-*.rq"))


@pytest.mark.parametrize("name", NETWORK_QUERIES)
def test_network_queries_are_saved_queries_with_working_examples(name, built):
    """Each query the network reads through is also a documented `cgtkg query` question
    (its example run on the repository's build, whose keys it names)."""
    q = saved_queries.load(name)
    assert q.title.endswith("?"), q.title
    assert q.examples, f"{name}: no '# example:' line"
    assert all(p.doc for p in q.params.values())
    for example in q.examples:
        argv = shlex.split(example)
        assert argv[:3] == ["cgtkg", "query", name]
        result = CliRunner().invoke(main, argv[1:] + ["--out", str(built.out_dir)])
        assert result.exit_code == 0, (example, result.output)


def test_network_reads_only_through_its_saved_queries():
    """No SPARQL text hides in the network modules: every query is a queries/network-*.rq."""
    import cgtkg.graph.network as network_module

    source = Path(network_module.__file__).read_text(encoding="utf-8")
    assert not re.search(r"\b(SELECT|ASK|CONSTRUCT)\b\s", source)
    used = set(re.findall(r'"(network-[a-z-]+)"', source))
    assert used == set(NETWORK_QUERIES)


def test_gexf_carries_the_drawing_so_gephi_shows_what_the_png_shows(small_out, small_net, tmp_path):
    """Gephi reads viz:position, viz:color and viz:size; without them it opened the file grey
    and piled up (issue 24). The files `cgtkg network` writes carry the PNG's layout, its
    level colours, and sizes and line widths that grow with the provisions."""
    import xml.etree.ElementTree as ET

    from cgtkg.graph.network import LEVELS, VIZ_HEIGHT, VIZ_WIDTH
    from cgtkg.graph.network_draw import layout_positions

    dest = tmp_path / "net"
    result = CliRunner().invoke(main, ["network", "--out", str(small_out), "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    ns = {"g": "http://www.gexf.net/1.2draft", "viz": "http://www.gexf.net/1.2draft/viz"}
    root = ET.parse(dest / "agencies.gexf").getroot()
    pos = layout_positions(small_net.agencies, 42)
    p = small_net.agencies
    sizes = {}
    for node in root.iterfind(".//g:nodes/g:node", ns):
        n = node.get("id")
        xy, colour, size = (node.find(f"viz:{t}", ns) for t in ("position", "color", "size"))
        assert xy is not None and colour is not None and size is not None, n
        assert float(xy.get("x")) == pytest.approx(pos[n][0] * VIZ_WIDTH, abs=1e-2)
        assert float(xy.get("y")) == pytest.approx(pos[n][1] * VIZ_HEIGHT, abs=1e-2)
        want = LEVELS.get(p.nodes[n]["level"] or "", LEVELS[""])[1]
        assert "#" + "".join(f"{int(colour.get(c)):02x}" for c in "rgb") == want
        sizes[n] = float(size.get("value"))
    assert set(sizes) == set(p)
    by_measures = sorted(p, key=lambda n: p.nodes[n]["measures"])
    assert [sizes[n] for n in by_measures] == sorted(sizes.values())
    widths = {(e.get("source"), e.get("target")): float(e.find("viz:thickness", ns).get("value"))
              for e in root.iterfind(".//g:edges/g:edge", ns)}
    assert len(widths) == p.number_of_edges()
    heaviest = max(p.edges, key=lambda e: p.edges[e]["weight"])
    assert max(widths.values()) == widths.get(heaviest, widths.get(heaviest[::-1]))
    # networkx (as Gephi) reads the drawing back; every provision has a place too
    b = nx.read_gexf(dest / "bipartite.gexf")
    assert all("position" in d["viz"] and "color" in d["viz"] for _, d in b.nodes(data=True))
