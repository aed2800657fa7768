"""Each triple stated once (issue 25): what many texts say alike of one thing is stored once.

Every text that names a body the loaders derive (a city's health department) describes it:
names, level, place, function, parent. Kept in each text's named graph, those triples came
back once per graph from the union of the graphs that queries read, and a query joining a
body's level, place and names multiplied them (agencies-by-level: 911,890 rows instead of 243
on 100 real originals). The build now writes them once, to ``<base>graph/shared``; what
belongs to one text (that the body was derived from it) stays in the text's graph, and a body
no text names any more leaves the shared graph on the next rebuild. The texts below are
written for this test."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from cgtkg.graph import query as Q
from cgtkg.graph.errors import EXIT_OK
from cgtkg.graph.store import GraphStore

from cgtkg.pipeline.build import BuildOptions, build

FIRST = """# 温州市干细胞临床研究管理办法

第一条 为了规范本市干细胞临床研究，制定本办法。

第二条 市卫生健康主管部门负责本市干细胞临床研究的监督管理。

第三条 市市场监督管理部门负责相关产品的质量监督。
"""

SECOND = """# 温州市细胞治疗产业扶持办法

第一条 为了扶持本市细胞治疗产业，制定本办法。

第二条 市卫生健康主管部门会同市科学技术主管部门组织实施本办法。
"""

THIRD = """# 温州市免疫细胞治疗技术应用规定

第一条 为了规范免疫细胞治疗技术的应用，制定本规定。

第二条 市卫生健康主管部门应当建立免疫细胞治疗技术应用档案。
"""

AG = "https://w3id.org/cgt-kg/id/agency/"
SHARED = "https://w3id.org/cgt-kg/id/graph/shared"
HEALTH = ox.NamedNode(AG + "wenzhou-health")
DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")


def _corpus(root, texts: dict[str, str]):
    corpus = root / "corpus"
    corpus.mkdir(exist_ok=True)
    for name, text in texts.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


def _build(corpus, out, incremental=True):
    res = build(BuildOptions(out_dir=out, corpus_dir=corpus), incremental=incremental)
    assert res.exit_code == EXIT_OK, [str(v) for v in res.violations] + [str(p) for p in res.problems]
    return res


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("shared")
    corpus = _corpus(root, {"first.md": FIRST, "second.md": SECOND, "third.md": THIRD})
    _build(corpus, root / "out", incremental=False)
    return root


def _quads(out) -> list[ox.Quad]:
    return list(ox.parse(path=str(out / "current" / "graph.trig"), format=ox.RdfFormat.TRIG))


def test_no_triple_is_stated_by_two_graphs(built):
    quads = _quads(built / "out")
    counts = Counter(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    twice = [t for t, n in counts.items() if n > 1]
    assert not twice, f"{len(twice)} triples stated by more than one graph, e.g. {twice[:3]}"
    store = GraphStore.open(built / "out", read_only=True)
    assert len(store.ox) == len(quads), "the store holds what graph.trig holds"


def test_the_body_is_described_once_and_each_text_keeps_its_derivation(built):
    quads = _quads(built / "out")
    about = [q for q in quads if q.subject == HEALTH]
    described = {q.graph_name.value for q in about if q.predicate != DERIVED_FROM}
    assert described == {SHARED}, described
    names = {q.object.value for q in about if q.predicate.value.endswith("prefLabel")}
    assert any("温州" in n and "卫生健康" in n for n in names), names
    # each of the three texts says the body was derived from its own source
    sources = {q.object.value for q in about if q.predicate == DERIVED_FROM}
    graphs = {q.graph_name.value for q in about if q.predicate == DERIVED_FROM}
    assert len(sources) == 3 and len(graphs) == 3 and SHARED not in graphs


def test_a_query_joining_a_bodys_facts_answers_each_row_once(built):
    store = GraphStore.open(built / "out", read_only=True)
    rows = Q.run_local(store, Q.load("agencies-by-level"), {}).rows
    keys = [tuple(sorted((k, str(v)) for k, v in r.items())) for r in rows]
    repeated = [k for k, n in Counter(keys).items() if n > 1]
    assert not repeated, f"{len(repeated)} rows answered more than once"
    assert any(str(r["agency"]) == HEALTH.value for r in rows)


def test_a_body_leaves_the_shared_graph_with_the_last_text_naming_it(tmp_path):
    corpus = _corpus(tmp_path, {"first.md": FIRST, "second.md": SECOND})
    out = tmp_path / "out"
    _build(corpus, out, incremental=False)
    market = ox.NamedNode(AG + "wenzhou-market")
    science = ox.NamedNode(AG + "wenzhou-science")

    def described() -> set[str]:
        return {q.subject.value for q in _quads(out) if q.graph_name.value == SHARED}

    before = described()
    assert {HEALTH.value, market.value, science.value} <= before, before
    (corpus / "first.md").unlink()  # the only text naming the market regulator
    _build(corpus, out)
    after = described()
    assert HEALTH.value in after and science.value in after, "still named by the second text"
    assert market.value not in after, "no text names it any more"
    assert not any(q.subject == market for q in _quads(out)), "nothing else about it is left"
