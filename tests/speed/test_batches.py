"""Batches bounded by the text they hold, not only by how many units (issue 25: peak memory
flat in the number of files). A batch's graphs, pySHACL's copy of them and the bulk load of
its N-Quads are in memory together; a Chinese law is ten times a synthetic text, so 200 real
originals in one batch took the build to 2.4 GB. The texts below are made up for the test."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from cgtkg.graph.errors import EXIT_OK

import cgtkg.pipeline.build as B
from cgtkg.pipeline.build import BuildOptions, Unit, _batches


def _unit(path: Path | None, kind: str = "text") -> Unit:
    return Unit(graph=B.URIRef(f"urn:g:{path.name if path else 'registry'}"), digest="", kind=kind, path=path)


def test_a_batch_holds_at_most_so_many_bytes_of_text(tmp_path):
    sizes = [600, 600, 600, 2500, 100, 100]
    units = [_unit(None, "registry")]
    for i, n in enumerate(sizes):
        f = tmp_path / f"t{i}.md"
        f.write_bytes(b"x" * n)
        units.append(_unit(f))
    batches = [[u.path.stat().st_size if u.path else 0 for u in b] for b in _batches(units, 200, max_bytes=1500)]
    # the registry (no file) rides with the first texts; a text over the bound is a batch alone
    assert batches == [[0, 600, 600], [600], [2500], [100, 100]]
    assert [len(b) for b in _batches(units, 3, max_bytes=10**9)] == [3, 3, 1], "the unit count still bounds"
    assert sum(len(b) for b in _batches(units, 200)) == len(units), "no unit left out"


def test_batches_of_a_text_each_build_the_same_graph(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, place in enumerate(("本市", "本区", "本县")):
        (corpus / f"t{i}.md").write_text(
            f"# 干细胞研究管理办法（第{i + 1}号）\n\n第一条 为了规范{place}干细胞研究，制定本办法。\n\n"
            "第二条 市卫生健康主管部门负责监督管理。\n", encoding="utf-8")

    def quads(out: Path, max_bytes: int) -> set:
        monkeypatch.setattr(B, "BATCH_TEXT_BYTES", max_bytes)
        res = B.build(BuildOptions(out_dir=out, corpus_dir=corpus), incremental=False)
        assert res.exit_code == EXIT_OK, [str(p) for p in res.problems]
        return {(q.subject, q.predicate, q.object, q.graph_name)
                for q in ox.parse(path=str(out / "current" / "graph.trig"), format=ox.RdfFormat.TRIG)
                if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}

    one = quads(tmp_path / "one", 10**9)
    each = quads(tmp_path / "each", 1)
    assert one == each
    assert len({g.value for *_, g in one if "/graph/extracted/" in g.value}) == 3, "each text is in the graph"
