"""Extraction on all cores (cgtkg/pipeline/pool.py): a build whose texts are extracted by two worker
processes publishes the same store, the same files and the same report as a build in one
process, and a text that fails in a worker is reported as it is in one process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from cgtkg.pipeline import pool
from cgtkg.pipeline.build import BuildOptions, build


def quads_by_graph(out: Path) -> dict[str, set[str]]:
    """Every named graph of the published store as a set of N-Triples lines (no blank
    nodes are written, so equal sets are isomorphic graphs)."""
    store = ox.Store.read_only(str((out / "current").resolve() / "store"))
    graphs: dict[str, set[str]] = {}
    for q in store:
        graphs.setdefault(str(q.graph_name), set()).add(f"{q.subject} {q.predicate} {q.object}")
    return graphs


@pytest.fixture
def small_pool(monkeypatch):
    """The pool for any corpus of two texts or more (its threshold is set for real corpora)."""
    monkeypatch.setattr(pool, "MIN_POOL_TEXTS", 2)


def _build(corpus: Path, out: Path, jobs: int):
    res = build(BuildOptions(out_dir=out, corpus_dir=corpus, jobs=jobs), incremental=False)
    assert res.published, "\n".join(map(str, res.problems + res.violations))
    return res


@pytest.mark.slow
def test_two_workers_publish_the_same_store_as_one_process(tmp_path, corpus_dir, small_pool, monkeypatch):
    import cgtkg.pipeline.build

    # the registry, the source list and the records come first: batches two texts longer
    # than them put the five texts in two batches, and the second batch's texts are
    # extracted while the first is validated and written
    records = len(list(cgtkg.pipeline.build.BuildOptions().records_dir.glob("*.yaml")))
    monkeypatch.setattr(cgtkg.pipeline.build, "BATCH_UNITS", 2 + records + 2)
    one = _build(corpus_dir, tmp_path / "one", 1)
    two = _build(corpus_dir, tmp_path / "two", 2)
    # the pool was used: only a pooled text's report says how long the build waited for it
    assert all("waited_s" in f for f in two.report["corpus"]["files"])
    assert not any("waited_s" in f for f in one.report["corpus"]["files"])
    a, b = quads_by_graph(tmp_path / "one"), quads_by_graph(tmp_path / "two")
    assert sorted(a) == sorted(b)
    assert sum("/graph/extracted/" in g for g in a) == 5
    for g in a:
        assert a[g] == b[g], f"{g} differs: {len(a[g] ^ b[g])} triples"
    # the outputs are byte for byte the same, and so is what the report counts and warns
    for name in ("graph.trig", "graph.ttl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert one.stats == two.stats
    assert [str(p) for p in one.problems] == [str(p) for p in two.problems]


@pytest.mark.slow
def test_a_text_that_fails_in_a_worker_is_named_as_in_one_process(tmp_path, corpus_dir, small_pool):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in sorted(corpus_dir.glob("*.txt"))[:3]:
        shutil.copy(f, corpus / f.name)
    (corpus / "zz_broken.txt").write_bytes(b"\xff\xfe\x00\x00" + bytes(range(256)) * 8)
    from cgtkg.cli import main

    results = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        r = CliRunner().invoke(main, ["build", "--corpus", str(corpus), "--out", str(out), "--jobs", str(jobs)],
                               catch_exceptions=False)
        # published without the broken file, which an error names (exit 6)
        assert r.exit_code == 6, r.output
        report = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
        files = {f["file"]: f["status"] for f in report["corpus"]["files"]}
        assert files["zz_broken.txt"] == "failed" and len(files) == 4
        assert "zz_broken.txt" in r.output
        results[jobs] = (files, report["stats"], quads_by_graph(out))
    assert results[1] == results[2]


@pytest.mark.slow
def test_a_killed_worker_leaves_the_rest_to_the_build_process(tmp_path, corpus_dir):
    """A worker that dies (killed, out of memory) breaks the pool; the texts are then
    extracted in the build's own process, with a warning, and nothing is lost."""
    import os
    import signal

    from cgtkg.graph.triples import written_triples

    from cgtkg.pipeline.build import TextExtractor, plan

    p = plan(BuildOptions(out_dir=tmp_path / "out", corpus_dir=corpus_dir), incremental=False)
    texts = [u for u in p.todo if u.kind == "text"]
    ex = pool.PoolExtractor(p, 2)
    try:
        ex.prefetch(texts)
        for proc in list(ex.pool._processes.values()):
            os.kill(proc.pid, signal.SIGKILL)
        got = [ex.extract(u.path, u.rel) for u in texts]
    finally:
        ex.close()
    serial = TextExtractor(p.registry, p.options.base, p.sources_graph)
    for u, fr in zip(texts, got):
        expected = serial.extract(u.path, u.rel)
        assert set(written_triples(fr.graph)) == set(written_triples(expected.graph)), u.rel
        assert fr.report["status"] == expected.report["status"]
    warned = [x for fr in got for x in fr.problems if "worker process stopped" in x.message]
    assert len(warned) == 1 and warned[0].severity == "warning"
