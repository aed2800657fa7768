"""A real ``cgtkg serve`` on 127.0.0.1, started as its own process, over a real build.

The build reads the repository's records and, when ``../shared/corpus`` is there, the five
English texts too (their Web Annotation passages are what the pages show as quotes); the
tests that need passages skip without them.  The server is the installed command line run as
``python -m cgtkg.cli serve --port 0``; the port it got is read from the line it prints.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from serve_server import Server

from cgtkg.pipeline.build import REPO_ROOT

CORPUS = (REPO_ROOT.parent / "shared" / "corpus").resolve()
SHOTS = REPO_ROOT / "test-output" / "serve"


@pytest.fixture(scope="session")
def has_corpus() -> bool:
    return CORPUS.is_dir() and any(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def served_build(tmp_path_factory, has_corpus, request):
    """A copy of the session's build (with the texts when they are there), to which the
    network drawing is added: the shared build itself stays as it was built."""
    shared = request.getfixturevalue("built_texts" if has_corpus else "built")
    assert shared.exit_code in (0, 6), f"the build failed (exit {shared.exit_code})"
    out = tmp_path_factory.mktemp("serve") / "out"
    shutil.copytree(shared.out_dir, out, symlinks=True)
    from cgtkg.graph.network import build_network
    from cgtkg.graph.store import GraphStore

    from cgtkg.cli.cmd_network import write_outputs

    store = GraphStore.open(out)
    try:
        write_outputs(build_network(store), out / "network")  # what `cgtkg network` writes
    finally:
        store.close()
    return out


@pytest.fixture(scope="session")
def server(served_build, tmp_path_factory):
    s = Server(served_build, tmp_path_factory.mktemp("serve-log") / "serve.log")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def dataset(served_build) -> Dataset:
    """The build's own TriG output, parsed by rdflib: the oracle the server is compared with."""
    ds = Dataset()
    ds.parse(served_build / "graph.trig", format="trig")
    return ds


@pytest.fixture(scope="session")
def union(dataset) -> Graph:
    g = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
