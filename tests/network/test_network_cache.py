"""`cgtkg network` keeps what it drew with the published build, and never answers a newer
build, other filters or other options from it (cgtkg/cli/network_cache.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from cgtkg.cli import main
from cgtkg.pipeline.build import BuildOptions, build
from cgtkg.resources import REPO_ROOT

REUSED = "drawn before from this build"
FILES = {"bipartite.graphml", "bipartite.gexf", "agencies.graphml", "agencies.gexf", "metrics.json",
         "agencies.png", "agencies.svg", "network.html"}


def _corpus(dest: Path, n: int, seed: int = 11) -> Path:
    # the benchmark's generator: made-up texts with agencies responsible for their measures
    subprocess.run([sys.executable, "-m", "benchmarks.generate", str(dest), "--n", str(n), "--seed", str(seed)],
                   cwd=REPO_ROOT, check=True, capture_output=True)
    return dest


def _build(corpus: Path, out: Path) -> Path:
    result = build(BuildOptions(out_dir=out, corpus_dir=corpus))
    assert result.ok, result.problems
    return out


def _network(out: Path, *args: str) -> str:
    r = CliRunner().invoke(main, ["network", "--out", str(out), *args])
    assert r.exit_code == 0, r.output
    return r.output


def _meaning(folder: Path) -> dict:
    """What the files say: both GraphML graphs (nodes, edges and every attribute) and the metrics."""
    out = {"metrics": json.loads((folder / "metrics.json").read_text(encoding="utf-8"))}
    for name in ("bipartite", "agencies"):
        g = nx.read_graphml(folder / f"{name}.graphml")
        out[name] = (sorted((n, sorted(d.items())) for n, d in g.nodes(data=True)),
                     sorted((*sorted((u, v)), sorted(d.items())) for u, v, d in g.edges(data=True)))
    return out


def _cache(out: Path) -> Path:
    return (out / "current").resolve() / "network-cache"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("network-cache")
    return _build(_corpus(tmp / "corpus", 5), tmp / "out")


@pytest.fixture(scope="module")
def three_texts(tmp_path_factory) -> tuple[Path, Path]:
    """Three made-up texts and their build, made once for the module and never changed:
    a test copies both before it rebuilds or draws (the network cache lives in out/)."""
    tmp = tmp_path_factory.mktemp("network-cache-3")
    corpus = _corpus(tmp / "corpus", 3)
    return corpus, _build(corpus, tmp / "out")


def _copy_of(three_texts, tmp_path) -> tuple[Path, Path]:
    corpus, out = three_texts
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    return tmp_path / "corpus", tmp_path / "out"


def test_a_second_call_copies_the_network_the_first_drew(out, tmp_path):
    first = _network(out, "--output", str(tmp_path / "a"))
    second = _network(out, "--output", str(tmp_path / "b"))
    assert REUSED not in first
    assert REUSED in second
    assert {p.name for p in (tmp_path / "b").iterdir()} == FILES
    assert _meaning(tmp_path / "b") == _meaning(tmp_path / "a")
    assert _meaning(tmp_path / "a")["metrics"]["counts"]["responsibility_links"] > 0
    # the console says the same counts either way
    assert first.splitlines()[0] == second.splitlines()[0]


def test_other_filters_or_options_are_computed_not_copied(out, tmp_path):
    _network(out, "--output", str(tmp_path / "all"))
    seeded = _network(out, "--seed", "7", "--output", str(tmp_path / "seed7"))
    dated = _network(out, "--to", "2000-01-01", "--output", str(tmp_path / "old"))
    assert REUSED not in seeded
    assert REUSED not in dated
    # and each is kept on its own: asked again, each comes back as it was
    assert REUSED in _network(out, "--seed", "7", "--output", str(tmp_path / "seed7-again"))
    assert _meaning(tmp_path / "seed7-again") == _meaning(tmp_path / "seed7")
    assert _meaning(tmp_path / "old")["metrics"]["counts"] != _meaning(tmp_path / "all")["metrics"]["counts"]


def test_no_cache_computes_again_and_gives_the_same_network(out, tmp_path):
    _network(out, "--output", str(tmp_path / "kept"))
    fresh = _network(out, "--no-cache", "--output", str(tmp_path / "fresh"))
    assert REUSED not in fresh
    assert _meaning(tmp_path / "fresh") == _meaning(tmp_path / "kept")


def test_metrics_after_a_drawing_equal_a_fresh_count(out, tmp_path):
    _network(out, "--output", str(tmp_path / "drawn"))
    kept = sorted(p.name for p in _cache(out).glob("metrics-*.json"))
    assert kept, "drawing the network keeps its metrics"
    reused = json.loads(_network(out, "--metrics", "--format", "json"))
    fresh = json.loads(_network(out, "--metrics", "--format", "json", "--no-cache"))
    assert reused == fresh
    assert reused == json.loads((tmp_path / "drawn" / "metrics.json").read_text(encoding="utf-8"))
    # the table reads the same report
    assert _network(out, "--metrics") == _network(out, "--metrics", "--no-cache")


def test_a_new_build_is_not_answered_from_the_old_ones_files(three_texts, tmp_path):
    corpus, out = _copy_of(three_texts, tmp_path)
    _network(out, "--output", str(tmp_path / "before"))
    assert REUSED in _network(out, "--output", str(tmp_path / "before-again"))
    more = _corpus(tmp_path / "more", 7, seed=29)
    for f in sorted(more.iterdir()):
        shutil.copy(f, corpus / f"extra-{f.name}")
    _build(corpus, out)
    after = _network(out, "--output", str(tmp_path / "after"))
    assert REUSED not in after
    counts = _meaning(tmp_path / "after")["metrics"]["counts"]
    assert counts["measures"] > _meaning(tmp_path / "before")["metrics"]["counts"]["measures"]
    assert _meaning(tmp_path / "after") == _meaning(Path(_fresh(out, tmp_path / "check")))


def _fresh(out: Path, dest: Path) -> Path:
    _network(out, "--no-cache", "--output", str(dest))
    return dest


def test_a_damaged_or_unwritable_cache_is_not_used(three_texts, tmp_path):
    _, out = _copy_of(three_texts, tmp_path)
    _network(out, "--output", str(tmp_path / "a"))
    entry = next(p for p in _cache(out).iterdir() if p.is_dir())
    (entry / "bipartite.gexf").unlink()  # a file lost from the kept copy: computed again
    again = _network(out, "--output", str(tmp_path / "b"))
    assert REUSED not in again
    assert {p.name for p in (tmp_path / "b").iterdir()} == FILES
    assert _meaning(tmp_path / "b") == _meaning(tmp_path / "a")
    # a cache folder that cannot be made: the network is still drawn, and the console says why
    # nothing was kept
    shutil.rmtree(_cache(out))
    _cache(out).write_text("not a folder", encoding="utf-8")
    blocked = _network(out, "--output", str(tmp_path / "c"))
    assert "not kept for reuse" in blocked
    assert _meaning(tmp_path / "c") == _meaning(tmp_path / "a")
