"""graph.trig and graph.ttl say what the store holds.

The build serialises each batch's named graphs from the quads it has just written instead of
reading them back from the on-disk store; these tests hold it to the store: after a full build
with extracted texts, and after a rebuild that redid one text, every named graph of graph.trig
is isomorphic to the store's graph of the same name, and graph.ttl is their union.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from cgtkg.graph.store import GraphStore, graph_triples
from rdflib import Graph, Literal, URIRef
from triple_sets import isomorphic, store_graphs, trig_graphs, turtle_triples

from cgtkg.pipeline.build import REPO_ROOT, BuildOptions, build, write_batch_fragments

XSD = "http://www.w3.org/2001/XMLSchema#"


def _assert_outputs_match_store(out: Path) -> None:
    stored, exported = store_graphs(out), trig_graphs(out / "graph.trig")
    assert set(exported) == set(stored), (
        f"graphs only in graph.trig: {sorted(set(exported) - set(stored))[:3]}; "
        f"only in the store: {sorted(set(stored) - set(exported))[:3]}")
    for name, g in stored.items():
        assert isomorphic(exported[name], g), f"graph.trig's {name} is not the store's"
    union = frozenset().union(*stored.values())
    assert isomorphic(turtle_triples(out / "graph.ttl"), union), "graph.ttl is not the union of the store's graphs"


def test_exports_match_the_store_after_full_and_incremental_builds(tmp_path):
    corpus = tmp_path / "corpus"
    # the benchmark's generator (benchmarks/ is not an installed package: run it from the checkout)
    subprocess.run([sys.executable, "-m", "benchmarks.generate", str(corpus), "--n", "6", "--seed", "3"],
                   cwd=REPO_ROOT, check=True, capture_output=True)
    out = tmp_path / "out"
    opts = BuildOptions(out_dir=out, corpus_dir=corpus)
    full = build(opts)
    assert full.ok, [str(p) for p in full.problems + full.violations]
    assert full.report["stats"]["documents"] > 6  # the texts' documents are in, besides the records
    _assert_outputs_match_store(out)

    text = sorted(corpus.glob("*.txt"))[0]
    text.write_text(text.read_text(encoding="utf-8") + "\nA closing remark added later.\n", encoding="utf-8")
    again = build(opts)
    assert again.ok and again.report["units"]["rebuilt"] == 1
    _assert_outputs_match_store(out)
    # the report's extraction is of the one text redone, not of the whole corpus
    assert full.report["corpus"]["extracted_files"] == 6
    assert again.report["corpus"]["extracted_files"] == 1
    assert again.report["corpus"]["extracted_mb"] == round(text.stat().st_size / (1 << 20), 3)
    assert again.report["corpus"]["text_mb"] > 3 * again.report["corpus"]["extracted_mb"]  # six texts of like size
    assert not (out / "current" / "fragments").exists(), "fragments are a staging area"
    assert again.report["stats"]["triples"] == len(GraphStore.open(out))

    # a rebuild from the blocks a rebuild placed (it copies runs of unchanged blocks at once)
    text = sorted(corpus.glob("*.txt"))[-1]
    text.write_text(text.read_text(encoding="utf-8") + "\nA last remark.\n", encoding="utf-8")
    assert build(opts).report["units"]["rebuilt"] == 1
    _assert_outputs_match_store(out)

    # the published files changed behind the manifest's back: their recorded blocks cannot
    # be trusted, so the rebuild serialises the unchanged graphs from the store instead
    published = out / "current" / "graph.trig"
    published.write_bytes(b"# edited by hand\n" + published.read_bytes())  # every block moves
    text = sorted(corpus.glob("*.txt"))[1]
    text.write_text(text.read_text(encoding="utf-8") + "\nAnother remark.\n", encoding="utf-8")
    third = build(opts)
    assert third.ok and third.report["units"]["rebuilt"] == 1
    _assert_outputs_match_store(out)


def test_a_literal_oxigraph_rewrites_is_exported_as_stored(tmp_path):
    """Oxigraph keeps "+5"^^xsd:nonNegativeInteger as "5"^^xsd:integer: the fragment written
    from a batch must say what the on-disk store says, not what the loader wrote."""
    g = URIRef("https://example.org/graph/x")
    s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    written = Graph()
    written.add((s, p, Literal("+5", datatype=URIRef(XSD + "nonNegativeInteger"))))
    store = GraphStore(tmp_path / "store")
    batch = store.add_graphs([(g, written)])
    gen = tmp_path / "gen"
    gen.mkdir()
    sizes = write_batch_fragments(batch, gen, {})
    assert sizes == {str(g): 1}
    fragment = next((gen / "fragments").glob("*.trig")).read_bytes()
    from_fragment = [q.object for q in ox.parse(fragment, format=ox.RdfFormat.TRIG)]
    from_store = [q.object for q in store.ox.quads_for_pattern(None, None, None, ox.NamedNode(str(g)))]
    assert from_fragment == from_store
    assert from_store[0].datatype == ox.NamedNode(XSD + "integer")  # what Oxigraph does today
    shutil.rmtree(gen)


def test_two_literals_the_store_holds_as_one_are_counted_once(tmp_path):
    """"7"^^xsd:nonNegativeInteger and "7"^^xsd:integer are two rdflib terms and one quad in
    Oxigraph: the batch's count (which the build's statistics add up) is what the store
    holds, not the lines written."""
    g = URIRef("https://example.org/graph/x")
    s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    written = Graph()
    for datatype in ("nonNegativeInteger", "integer"):
        written.add((s, p, Literal("7", datatype=URIRef(XSD + datatype))))
    assert len(written) == 2
    store = GraphStore(tmp_path / "store")
    batch = store.add_graphs([(g, written)])
    gen = tmp_path / "gen"
    gen.mkdir()
    assert write_batch_fragments(batch, gen, {}) == {str(g): len(store)} == {str(g): 1}


def test_each_graph_counts_its_own_triples_and_an_absent_graph_none():
    """The count a rebuild records for the graphs it serialises (canonical, shared): each
    graph's own triples, a triple stated in two graphs counted in each, none for a graph
    the store does not hold."""
    store = ox.Store()
    a, b = ox.NamedNode("https://example.org/graph/a"), ox.NamedNode("https://example.org/graph/b")
    p = ox.NamedNode("https://example.org/p")
    for i in range(3):
        store.add(ox.Quad(ox.NamedNode(f"https://example.org/s{i}"), p, ox.Literal(str(i)), a))
    store.add(ox.Quad(ox.NamedNode("https://example.org/s0"), p, ox.Literal("0"), b))
    assert graph_triples(store, a.value) == 3
    assert graph_triples(store, b.value) == 1
    assert graph_triples(store, "https://example.org/graph/none") == 0


def test_a_term_the_store_cannot_hold_is_named_before_anything_is_written(tmp_path):
    """An IRI Oxigraph refuses (here with a space) stops the conversion with an error that
    names it, and the store is left as it was."""
    store = GraphStore(tmp_path / "store")
    good = Graph()
    good.add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal("kept")))
    store.add_graphs([(URIRef("https://example.org/graph/good"), good)])
    bad = Graph()
    bad.add((URIRef("https://example.org/a b"), URIRef("https://example.org/p"), Literal("x")))
    with pytest.raises(ValueError, match=r"cannot store <https://example.org/a b>: Invalid IRI"):
        store.add_graphs([(URIRef("https://example.org/graph/bad"), bad)])
    assert len(store) == 1


def test_a_rebuild_that_redoes_every_unit_holds_what_a_build_from_nothing_holds(tmp_path):
    """A changed ontology redoes every unit, and the rebuild starts from an empty store rather
    than a copy of the published one (emptied graph by graph, that copy made the whole Chinese
    corpus's rebuild 11 minutes instead of 6-7): nothing of the published store may linger,
    a text removed meanwhile included."""
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, "-m", "benchmarks.generate", str(corpus), "--n", "4", "--seed", "5"],
                   cwd=REPO_ROOT, check=True, capture_output=True)
    out = tmp_path / "out"
    assert build(BuildOptions(out_dir=out, corpus_dir=corpus)).ok
    sorted(corpus.glob("*.txt"))[0].unlink()
    ontology = tmp_path / "ontology"
    shutil.copytree(BuildOptions().ontology_dir, ontology)
    with (ontology / "cgt.ttl").open("a", encoding="utf-8") as f:
        f.write("\n# a comment: the ontology's digest changes, every unit is redone\n")
    again = build(BuildOptions(out_dir=out, corpus_dir=corpus, ontology_dir=ontology))
    assert again.ok and again.report["units"]["reused"] == 0 and again.report["units"]["removed"] == 1
    fresh = build(BuildOptions(out_dir=tmp_path / "fresh", corpus_dir=corpus, ontology_dir=ontology))
    assert fresh.ok
    rebuilt, expected = store_graphs(out), store_graphs(tmp_path / "fresh")
    assert set(rebuilt) == set(expected)
    for name, g in expected.items():
        assert isomorphic(rebuilt[name], g), f"{name} differs from a build from nothing"
    _assert_outputs_match_store(out)
