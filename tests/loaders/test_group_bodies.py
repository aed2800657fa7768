"""Bodies of every district and county (or every city) of a place, taken together.

A city's regulation says "the city and county governments shall…" or makes "the county health
departments" responsible for inspections in their areas: not one body, and not the city's own,
but the same function at every county-level place of the city. Such a mention resolves to one
collective body per place, level and function (``agency/<place>-counties-<function>``, a
cgt:GenericAuthority like the registry's ``shenzhen-district-govs``), with its place, level and
both names; a passage that names a district of its own still resolves to that district's body.
A government's own department (``人民政府的卫生行政部门``) is the department, not the
government. The texts below are written for this test."""

from __future__ import annotations

import pytest
from cgtkg.graph.errors import EXIT_OK
from cgtkg.graph.store import GraphStore
from rdflib import Literal, URIRef

from cgtkg.pipeline.build import BuildOptions, build

CITY = """# 温州市细胞治疗产业促进条例

第一条 为了促进本市细胞治疗产业健康发展，制定本条例。

第二条 市、县（市、区）人民政府应当将细胞治疗产业纳入本地发展规划。

第三条 市卫生健康主管部门负责全市细胞治疗机构的监督管理；县（市、区）卫生健康主管部门负责本辖区内的日常检查。

第四条 区人民政府应当为细胞治疗企业提供用地保障。
"""

PROVINCE = """# 江西省细胞治疗产业促进条例

第一条 为了促进本省细胞治疗产业健康发展，制定本条例。

第二条 省人民政府统筹全省细胞治疗产业发展工作。

第三条 设区的市、县人民政府应当支持细胞治疗项目落地。

第四条 市、县人民政府应当为细胞治疗企业提供政策咨询服务。

第五条 省人民政府的科学技术主管部门负责组织细胞治疗关键技术攻关。

第六条 国务院和省、自治区、直辖市人民政府的药品监督管理部门应当公布细胞治疗产品抽检结果。
"""

AG = "https://w3id.org/cgt-kg/id/agency/"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    root = tmp_path_factory.mktemp("groups")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "city.md").write_text(CITY, encoding="utf-8")
    (corpus / "province.md").write_text(PROVINCE, encoding="utf-8")
    result = build(BuildOptions(out_dir=root / "out", corpus_dir=corpus))
    assert result.exit_code == EXIT_OK, [str(v) for v in result.violations] + [str(p) for p in result.problems]
    return root / "out"


def _responsible(out, title_word: str) -> dict[str, set[str]]:
    rows = GraphStore.open(out).query(
        """PREFIX eli: <http://data.europa.eu/eli/ontology#> PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
           PREFIX dcterms: <http://purl.org/dc/terms/>
           SELECT ?w ?n ?a WHERE { ?d dcterms:title ?t FILTER (CONTAINS(STR(?t), ?w))
             ?p cgt:partOfDocument ?d ; eli:number ?n ; cgt:responsibleAgency ?a }""",
        {"w": Literal(title_word)})
    got: dict[str, set[str]] = {}
    for r in rows:
        got.setdefault(str(r["n"]), set()).add(str(r["a"]).removeprefix(AG))
    return got


def test_a_citys_county_level_bodies_taken_together(out):
    got = _responsible(out, "温州")
    assert got["2"] == {"wenzhou-gov", "wenzhou-counties-gov"}
    assert got["3"] == {"wenzhou-health", "wenzhou-counties-health"}
    assert got["4"] == {"wenzhou-counties-gov"}


def test_a_provinces_city_and_county_governments_taken_together(out):
    got = _responsible(out, "江西")
    assert got["2"] == {"jiangxi-gov"}
    assert got["4"] == {"jiangxi-cities-gov", "jiangxi-counties-gov"}


def test_a_governments_department_is_responsible_not_the_government(out):
    """人民政府的X部门 names the department; the government only owns it. Before a list's
    last 的X部门, each government of the list owns one (国务院和省…人民政府的X部门)."""
    got = _responsible(out, "江西")
    assert got["5"] == {"jiangxi-science"}
    assert got["6"] == {"nmpa", "provincial-drug-depts"}


def test_the_collective_body_is_described_with_place_level_and_names(out):
    rows = GraphStore.open(out).query(
        """PREFIX org: <http://www.w3.org/ns/org#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
           PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
           SELECT DISTINCT ?b ?zh ?en ?place ?level ?kind ?fn WHERE {
             ?b a cgt:GenericAuthority, org:Organization ; skos:prefLabel ?zh, ?en ;
                cgt:jurisdiction ?place ; cgt:administrativeLevel ?level ; org:classification ?kind ;
                cgt:governmentFunction ?fn
             FILTER (LANG(?zh) = "zh" && LANG(?en) = "en") }""",
        {"b": URIRef(AG + "wenzhou-counties-health")})
    assert len(rows) == 1
    r = rows[0]
    assert str(r["zh"]) == "温州市各县（市、区）卫生健康局"
    assert str(r["en"]) == "District and County Health Commissions of Wenzhou"
    assert str(r["place"]).endswith("/region/wenzhou")
    assert str(r["level"]).endswith("/level-district") and str(r["kind"]).endswith("/at-collective")
