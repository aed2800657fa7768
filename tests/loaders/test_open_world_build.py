"""Bodies no registry lists, end to end (issue #19): a provincial text (written for this test)
names a city's departments that the registry does not have; the build derives them as
function x place, writes their description into the store, validates it, and the saved
queries find them by place and therapy; a body-shaped name of no known function becomes a
provisional body listed for review."""

from __future__ import annotations

import json

import pytest
from cgtkg.graph.errors import EXIT_OK
from cgtkg.graph.store import GraphStore
from click.testing import CliRunner

from cgtkg.cli import main
from cgtkg.pipeline.build import BuildOptions, build

TEXT = """# 广东省促进干细胞产业发展条例

第一条 为了促进本省干细胞产业发展，制定本条例。

第二条 省人民政府统筹全省干细胞产业发展工作。

第三条 支持珠海市开展干细胞临床研究试点，市科学技术部门给予资金支持，市卫生健康部门负责备案管理。

第四条 省生物样本保藏委员会负责干细胞样本保藏的协调工作。

第五条 中国（广东）自由贸易试验区广州南沙新区片区管理委员会负责片区内干细胞项目的服务工作。
"""

ID = "https://w3id.org/cgt-kg/id/"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    root = tmp_path_factory.mktemp("open-world")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "province.md").write_text(TEXT, encoding="utf-8")
    result = build(BuildOptions(out_dir=root / "out", corpus_dir=corpus))
    assert result.exit_code == EXIT_OK, [str(v) for v in result.violations] + [str(p) for p in result.problems]
    return root / "out"


def _rows(out, name, *params):
    args = ["query", name, "--out", str(out), "--format", "json"]
    for p in params:
        args += ["--param", p]
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(r.output)["results"]["bindings"]]


def test_derived_city_bodies_are_in_the_store_with_place_level_and_parent(out):
    store = GraphStore.open(out)
    q = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
           PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
           SELECT ?zh ?place ?level ?parent ?fn WHERE {
             ?b a cgt:LocalGovernmentBody ; skos:prefLabel ?zh ; cgt:jurisdiction ?place ;
                cgt:administrativeLevel ?level ; org:subOrganizationOf ?parent ;
                cgt:governmentFunction ?fn . FILTER (LANG(?zh) = "zh") }"""
    rows = {(str(r["zh"]), str(r["place"]), str(r["level"]), str(r["parent"]), str(r["fn"]))
            for r in store.query(q)}
    assert ("珠海市科学技术局", f"{ID}region/zhuhai", f"{ID}concept/level-municipal",
            f"{ID}agency/zhuhai-gov", f"{ID}concept/fn-science") in rows
    assert ("珠海市卫生健康委员会", f"{ID}region/zhuhai", f"{ID}concept/level-municipal",
            f"{ID}agency/zhuhai-gov", f"{ID}concept/fn-health") in rows


def test_bodies_of_a_province_and_its_cities_by_therapy(out):
    rows = _rows(out, "bodies-in-region", "region=rg:guangdong", "therapy=th:stem-cells")
    got = {(r["agency"].rsplit("/", 1)[-1], r["origin"], r["place"].rsplit("/", 1)[-1]) for r in rows}
    assert ("guangdong-gov", "registry", "guangdong") in got
    assert ("zhuhai-science", "derived", "zhuhai") in got
    assert ("zhuhai-health", "derived", "zhuhai") in got
    # a place elsewhere has none of them
    assert _rows(out, "bodies-in-region", "region=rg:beijing", "therapy=th:stem-cells") == []


def test_a_body_of_no_known_function_is_a_provisional_body_for_review(out):
    rows = _rows(out, "provisional-bodies")
    names = {(r["name"], r.get("region", "").rsplit("/", 1)[-1]) for r in rows}
    assert ("省生物样本保藏委员会", "guangdong") in names
    # a zone's management committee: a body of that zone, of its kind (its label is the
    # name in the loaders' normalised form, half-width brackets; the passage keeps the print)
    assert ("中国(广东)自由贸易试验区广州南沙新区片区管理委员会", "ftz-guangdong-nansha") in names
    store = GraphStore.open(out)
    kinds = {str(r["k"]).rsplit("/", 1)[-1] for r in store.query(
        'PREFIX org: <http://www.w3.org/ns/org#> PREFIX cgt: <https://w3id.org/cgt-kg/ontology#> '
        'SELECT ?k WHERE { ?b a cgt:ProvisionalBody ; org:classification ?k }')}
    assert kinds == {"at-management-committee"}
    # and never a responsibility: it is not an org:Organization
    assert not any(r["agency"].endswith(tuple(r2["body"] for r2 in rows))
                   for r in _rows(out, "bodies-in-region", "region=rg:guangdong", "therapy=th:stem-cells"))


def test_the_network_shows_derived_bodies_with_level_place_and_flag(out):
    import networkx as nx

    r = CliRunner().invoke(main, ["network", "--out", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    g = nx.read_graphml(out / "network" / "agencies.graphml")
    node = g.nodes[f"{ID}agency/zhuhai-science"]
    assert node["derived"] is True and node["level"] == "level-municipal" and node["region"] == "zhuhai"
    assert node["label_zh"] == "珠海市科学技术局" and node["parent"] == "zhuhai-gov"
    assert g.nodes[f"{ID}agency/guangdong-gov"]["derived"] is False
