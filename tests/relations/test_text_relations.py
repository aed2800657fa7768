"""Relations that texts state, through the real build: an English regulation made up for the
test (our own words) and a Chinese original's shape of history line, each relation with its
node, its source and the passage that states it, and the build's SHACL passing."""

from __future__ import annotations

from cgtkg.graph.store import GraphStore
from rdflib import URIRef

from cgtkg.pipeline.build import BuildOptions, build

ENGLISH = "\n".join([
    "Regulations of Sanya City on Cell Bank Services",
    "",
    "(Adopted at the 9th Meeting of the Standing Committee of the Sanya People's Congress on May 5, 2024)",
    "",
    "Chapter 1 General Provisions",
    "",
    'Article 1: These Regulations are formulated in accordance with the "Biosecurity Law of the People\'s'
    ' Republic of China" and local conditions, to implement the "Hainan Cell Industry Action Plan".',
    "",
    'Article 2: A bank that breaks the rules is punished in accordance with the "Drug Administration Law'
    ' of the People\'s Republic of China".',
    "",
    'Article 3: These Regulations take effect on July 1, 2024, and the "Sanya Interim Measures on Cell'
    ' Storage" are repealed at the same time.',
    "",
])

CHINESE = "\n".join([
    "# 测试市细胞库管理条例",
    "",
    "2015年3月1日 测试市人大常委会第二次会议通过",
    "2020年6月1日 测试市人大常委会第五次会议《关于修改〈测试市细胞库管理条例〉的决定》修正",
    "",
    "第一条 为了规范细胞库，根据《中华人民共和国生物安全法》，结合本市实际，制定本条例。",
    "",
    "第二条 本条例自2015年5月1日起施行。《测试市细胞储存暂行办法》同时废止。",
    "",
])

RELATIONS = """
PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?fromTitle ?p ?toTitle ?date ?quote WHERE {
  ?r a cgt:DocumentRelation ; cgt:relationProperty ?p ; cgt:relationFrom ?from ; cgt:relationTo ?to ;
     prov:wasDerivedFrom ?src .
  ?from ?p ?to .
  ?from dcterms:title ?fromTitle . ?to dcterms:title ?toTitle .
  OPTIONAL { ?r cgt:effectiveDate ?date }
  ?a cgt:concerns ?from ; cgt:onProperty ?p ; oa:hasBody ?to ;
     oa:hasTarget/oa:hasSelector/oa:exact ?quote .
}"""

ELI = "http://data.europa.eu/eli/ontology#"
CGT = "https://w3id.org/cgt-kg/ontology#"


def _relations(tmp_path, name: str, text: str) -> set[tuple]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / name).write_text(text, encoding="utf-8")
    res = build(BuildOptions(out_dir=tmp_path / "o", corpus_dir=corpus))
    assert res.ok, (res.problems, res.violations)  # SHACL and the violation queries pass
    store = GraphStore.open(res.out_dir)
    rows = store.query(RELATIONS)
    return {(str(r["fromTitle"]), str(r["p"]).replace(ELI, "eli:").replace(CGT, "cgt:"), str(r["toTitle"]),
             str(r["date"]) if r.get("date") is not None else None) for r in rows}, rows


def test_english_regulation_states_its_basis_what_it_implements_and_repeals(tmp_path):
    got, rows = _relations(tmp_path, "sanya.txt", ENGLISH)
    me = "Regulations of Sanya City on Cell Bank Services"
    assert {(t[1], t[2]) for t in got if t[0] == me} == {
        ("eli:based_on", "Biosecurity Law of the People's Republic of China"),
        ("eli:implements", "Hainan Cell Industry Action Plan"),
        ("eli:repeals", "Sanya Interim Measures on Cell Storage"),
    }  # the Drug Administration Law is only cited (a penalty), not a basis
    assert all(isinstance(r["quote"].toPython(), str) and r["quote"] for r in rows)


def test_chinese_history_line_and_purpose_article(tmp_path):
    got, rows = _relations(tmp_path, "测试市细胞库管理条例.md", CHINESE)
    me = "测试市细胞库管理条例"
    by = {(t[1], t[2] if t[0] == me else t[0], t[3]) for t in got}
    assert ("eli:based_on", "中华人民共和国生物安全法", None) in by
    assert ("eli:repeals", "测试市细胞储存暂行办法", "2015-05-01") in by  # the day of 本条例自…起施行
    # the decision amends the regulation, on the date of its line
    assert ("eli:amends", "关于修改〈测试市细胞库管理条例〉的决定", "2020-06-01") in by
    assert len(got) == 3
    quotes = {str(r["quote"]) for r in rows}
    assert any("修正" in q for q in quotes) and any("同时废止" in q for q in quotes)


def test_relation_node_iri_follows_the_contract(tmp_path):
    _, rows = _relations(tmp_path, "sanya.txt", ENGLISH)
    store = GraphStore.open(tmp_path / "o")
    nodes = {str(r["r"]) for r in store.query(
        "SELECT ?r WHERE { ?r a <https://w3id.org/cgt-kg/ontology#DocumentRelation> }")
        if "cell-bank-services" in str(r["r"])}  # the text's, not the records'
    assert len(nodes) == 3
    assert all(isinstance(URIRef(n), URIRef) and "/relation/" in n for n in nodes)
    assert {n.split("/relation/")[1].split("/")[0] for n in nodes} == {"based_on", "implements", "repeals"}
