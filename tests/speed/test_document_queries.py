"""A document's history, versions and relations stay interactive (issue 25), with the same rows.

``document-history``, ``document-versions`` and ``document-relations`` answer for one
document and the copies merged into it. Written as plain joins, Oxigraph 0.5 planned their
passage block (and the amending decision) as a hash join: pyoxigraph plans a query before it
substitutes the document, so the block looked bigger than one row of the document, and it was
read whole, every annotation of the store, 2-30 s per call on 100-500 real originals. Each
UNION branch also met its required patterns outside the UNION, and the planner started from
every event (version, relation) of the store. The saved queries now start each branch from
the document and nest one pattern per OPTIONAL group (queries/README.md, rule 13).

Here, on texts written for this test (one regulation in three files: a canonical node and two
copies; a measure nothing cites: no copies): the saved queries give the same bindings as the
plain forms (``tests/speed/reference``) on the embedded store and on rdflib, for those two
documents and for every document at once; and Oxigraph's plan (the ``oxigraph`` command's
explanation, same version as pyoxigraph) has no hash join and starts every branch from the
document, which is what keeps a call at milliseconds whatever the size of the store
(docs/benchmarks.md has the timings on 100 and 500 real originals)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from cgtkg.graph import query as Q
from cgtkg.graph.store import GraphStore
from rdflib import Dataset, URIRef

from cgtkg.pipeline.build import BuildOptions, build

sys.path.insert(0, str(Path(__file__).parents[1] / "queries"))
from query_helpers import differences  # noqa: E402
from query_servers import VIRTUOSO_BIN, start_virtuoso  # noqa: E402

NAMES = ("document-history", "document-versions", "document-relations")
REFERENCE = Path(__file__).parent / "reference"
OXIGRAPH_BIN = Path(sys.executable).parent / "oxigraph"
TITLE = "样例市基因治疗临床研究条例"
SOLO_TITLE = "样例市细胞库管理办法"

ARTICLES = [
    "第一条 为了规范基因治疗临床研究，根据《中华人民共和国生物安全法》，结合本市实际，制定本条例。",
    "",
    "第二条 市卫生健康主管部门负责本市基因治疗临床研究的监督管理。",
    "",
]
# the regulation with its history lines (adopted, amended by a named decision) ...
STATUTE = "\n".join([
    f"# {TITLE}",
    "",
    "2016年4月1日 样例市人大常委会第十次会议通过",
    "2021年6月1日 样例市人大常委会第三次会议《关于修改〈样例市基因治疗临床研究条例〉的决定》修正",
    "",
    *ARTICLES,
    "第三条 本条例自2016年7月1日起施行。《样例市基因治疗试行办法》同时废止。",
    "",
])
# ... and two files without them: two copies, each with the entry into force its article states
COPY = "\n".join([f"# {TITLE}", "", *ARTICLES,
                  "第三条 本条例自2016年7月1日起施行。《样例市基因治疗试行办法》同时废止。", ""])
OTHER_COPY = "\n".join([f"# {TITLE}", "", *ARTICLES, "第三条 本条例自2016年7月1日起施行。", ""])
TRIAL = "\n".join([
    "# 样例市基因治疗试行办法",
    "",
    "2012年2月1日 样例市人民政府第八次常务会议通过",
    "",
    "第一条 开展基因治疗研究的机构应当备案。",
    "",
    "第二条 本办法自2012年3月1日起施行。",
    "",
])
SOLO = "\n".join([
    f"# {SOLO_TITLE}",
    "",
    "2019年9月1日 样例市人民政府第二十次常务会议通过",
    "2019年9月10日 样例市人民政府令第15号公布",
    "",
    "第一条 为了加强细胞库的管理，根据《中华人民共和国生物安全法》，制定本办法。",
    "",
    "第二条 本办法自2019年11月1日起施行。",
    "",
])


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("document-queries")
    corpus = root / "corpus"
    (corpus / "other").mkdir(parents=True)
    for rel, text in {f"{TITLE}(2021-06-01).md": STATUTE, f"{TITLE}.md": COPY,
                      f"other/{TITLE}.md": OTHER_COPY, "样例市基因治疗试行办法.md": TRIAL,
                      f"{SOLO_TITLE}.md": SOLO}.items():
        (corpus / rel).write_text(text, encoding="utf-8")
    res = build(BuildOptions(out_dir=root / "out", corpus_dir=corpus))
    assert res.ok, (res.problems, res.violations)
    return Path(res.out_dir)


@pytest.fixture(scope="module")
def store(out) -> GraphStore:
    return GraphStore.open(out)


CANONICAL = ox.NamedNode("https://w3id.org/cgt-kg/ontology#canonical")
TITLE_P = ox.NamedNode("http://purl.org/dc/terms/title")


def _copies(store: GraphStore, title: str) -> tuple[URIRef, list[URIRef]]:
    """The canonical document of that title and the copies merged into it."""
    docs = {q.subject for q in store.ox.quads_for_pattern(None, TITLE_P, None, None)
            if q.object.value == title and not any(store.ox.quads_for_pattern(q.subject, CANONICAL, None, None))}
    assert len(docs) == 1, f"{title}: {len(docs)} canonical documents"
    (doc,) = docs
    copies = {q.subject.value for q in store.ox.quads_for_pattern(None, CANONICAL, doc, None)}
    return URIRef(doc.value), sorted(URIRef(c) for c in copies)


@pytest.fixture(scope="module")
def documents(store) -> dict[str, URIRef]:
    merged, copies = _copies(store, TITLE)
    assert len(copies) == 2, f"the three files of {TITLE} should be one document and two copies: {copies}"
    solo, none = _copies(store, SOLO_TITLE)
    assert none == []
    return {"with copies": merged, "no copies": solo}


def _saved(name: str) -> Q.SavedQuery:
    return Q.load(name)


def _reference(name: str) -> Q.SavedQuery:
    return Q.load(REFERENCE / f"{name}.rq")


def _rows(store: GraphStore, q: Q.SavedQuery, document: URIRef | None) -> Counter:
    bindings = {} if document is None else {"document": document}
    result = Q.run_local(store, q, bindings)
    return Counter(tuple(row.get(v) for v in q.variables) for row in result.rows)


@pytest.mark.parametrize("name", NAMES)
def test_same_bindings_as_the_plain_form(store, documents, name):
    saved, plain = _saved(name), _reference(name)
    assert saved.variables == plain.variables
    for case, doc in documents.items():
        before, after = _rows(store, plain, doc), _rows(store, saved, doc)
        assert before, f"{name} {case}: the plain form has no rows; the case tests nothing"
        assert after == before, (f"{name} {case}:\n  only before: {dict(before - after)}\n"
                                 f"  only after: {dict(after - before)}")


@pytest.mark.parametrize("name", NAMES)
def test_same_bindings_for_every_document_at_once(store, name):
    """The document left open: every document of the store, copies included."""
    before, after = _rows(store, _reference(name), None), _rows(store, _saved(name), None)
    assert sum(before.values()) > 10
    assert after == before


@pytest.mark.parametrize("name", NAMES)
def test_rdflib_gives_the_same_bindings(out, store, documents, name):
    """rdflib gets the document in a VALUES block, as a remote endpoint does."""
    ds = Dataset(default_union=True)
    ds.parse(out / "graph.trig", format="trig")
    saved = _saved(name)
    for case, doc in documents.items():
        result = ds.query(Q.with_values(saved.text, {"document": doc}))
        theirs = Counter(tuple(row[v] if v in row.labels else None for v in saved.variables)
                         for row in result)
        assert theirs == _rows(store, _reference(name), doc), f"{name} {case}"


#: Where Virtuoso 7.2's rows differ from the embedded store's for the plain form already
#: (found by the test below, not explained yet): kept visible, checked against the plain form
#: on Virtuoso only.
VIRTUOSO_LOSES = {
    "document-relations": "on some builds of this corpus Virtuoso leaves out the relations "
                          "of one copy (here = the copy), with the plain form as with the saved one",
}


@pytest.mark.virtuoso
def test_virtuoso_gives_the_same_bindings(out, store, documents, tmp_path_factory):
    """Virtuoso 7.2 gets some OPTIONAL forms wrong (queries/README.md): pushed there, the saved
    queries give the plain forms' rows, and the embedded store's."""
    from cgtkg.graph import remote
    from click.testing import CliRunner

    from cgtkg.cli import main

    if not Path(VIRTUOSO_BIN).exists():
        pytest.skip(f"{VIRTUOSO_BIN} not found: install Debian's virtuoso-opensource")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        r = CliRunner().invoke(main, ["push", "--endpoint", server.query_url, "--out", str(out)],
                               env={"CGTKG_CONFIG": "", **server.env()}, catch_exceptions=False)
        assert r.exit_code == 0, r.output
        ep = remote.resolve_endpoint(server.query_url, config={}, env={})
        graphs = remote.dataset_graphs(ep)
        for name in NAMES:
            for case, doc in documents.items():
                bindings = {"document": doc}
                plain = remote.run_query(ep, _reference(name), bindings, graphs=graphs).rows
                there = remote.run_query(ep, _saved(name), bindings, graphs=graphs).rows
                assert plain, (name, case)
                diff = differences(plain, there, lenient=True)
                assert not diff, (name, case, diff)
                if name in VIRTUOSO_LOSES:
                    continue
                diff = differences(Q.run_local(store, _saved(name), bindings).rows, there, lenient=True)
                assert not diff, (name, case, diff)
    finally:
        server.stop()


def test_the_copies_answer_with_their_passages(store, documents):
    merged, solo = documents["with copies"], documents["no copies"]
    history = Q.run_local(store, _saved("document-history"), {"document": merged}).rows
    copies = [r for r in history if str(r["from"]) == "copy"]
    assert {r["copy"] for r in copies} == set(_copies(store, TITLE)[1])
    assert all(r.get("passage") is not None and r.get("passageSource") is not None for r in history)
    relations = Q.run_local(store, _saved("document-relations"), {"document": merged}).rows
    assert {r["here"] for r in relations} >= {merged, *{r["copy"] for r in copies}}
    assert all(r.get("passage") is not None for r in relations)
    versions = Q.run_local(store, _saved("document-versions"), {"document": merged}).rows
    assert [str(v["amendedByTitle"]) for v in versions if v.get("amendedByTitle") is not None] == [
        "关于修改〈样例市基因治疗临床研究条例〉的决定"]
    solo_history = Q.run_local(store, _saved("document-history"), {"document": solo}).rows
    assert {str(r["from"]) for r in solo_history} == {"document"} and len(solo_history) == 3


def _plan(store_dir: Path, text: str, tmp_path: Path) -> dict:
    """Oxigraph's plan of ``text`` with the document left open: pyoxigraph plans a query before
    it substitutes a parameter, so this is the plan a bound call runs."""
    if not OXIGRAPH_BIN.exists():
        pytest.skip(f"{OXIGRAPH_BIN} not found: pip install oxigraph (the server the remote tests use)")
    version = subprocess.run([str(OXIGRAPH_BIN), "--version"], capture_output=True, text=True).stdout
    if version.split()[-1] != ox.__version__:
        pytest.skip(f"the oxigraph command is {version.strip()}, pyoxigraph {ox.__version__}: "
                    "their plans may differ")
    query, plan = tmp_path / "q.rq", tmp_path / "plan.json"
    query.write_text(text, encoding="utf-8")
    subprocess.run([str(OXIGRAPH_BIN), "query", "--location", str(store_dir), "--query-file", str(query),
                    "--union-default-graph", "--results-format", "tsv", "--explain-file", str(plan)],
                   check=True, capture_output=True)
    return json.loads(plan.read_text(encoding="utf-8"))["plan"]


def _nodes(node: dict):
    yield node
    for child in node.get("children", []):
        yield from _nodes(child)


def _entry_patterns(node: dict, entry: bool = True):
    """The patterns evaluated without a row to look them up from: the first leaf, the first of
    each branch of a UNION met there. A later child (of a lateral or for-loop join, a filter's
    EXISTS) is evaluated per row of the first."""
    children = node.get("children", [])
    if not children:
        if entry:
            yield node["name"]
        return
    for i, child in enumerate(children):
        yield from _entry_patterns(child, entry and (i == 0 or node["name"] == "Union"))


def _timed(store: GraphStore, q: Q.SavedQuery, doc: URIRef) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        Q.run_local(store, q, {"document": doc})
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


@pytest.mark.parametrize("name", NAMES)
def test_the_plan_looks_everything_up_from_the_document(out, store, documents, name, tmp_path):
    plan = _plan(out / "store", _saved(name).text, tmp_path)
    names = [n["name"] for n in _nodes(plan)]
    assert not [n for n in names if "HashBuild" in n], f"{name}: a hash join reads one side whole"
    entries = list(_entry_patterns(plan))
    assert len(entries) >= 2  # the branches of the UNION
    assert all("?document" in e for e in entries), f"{name}: evaluation starts elsewhere: {entries}"
    # the plain form is planned with hash joins: the test above can fail
    assert any("HashBuild" in n["name"] for n in _nodes(_plan(out / "store", _reference(name).text, tmp_path)))
    doc = documents["with copies"]
    print(f"\n{name} on the test corpus: {_timed(store, _saved(name), doc):.1f} ms, "
          f"plain form {_timed(store, _reference(name), doc):.1f} ms")
