"""Item 5: a reader never crashes while a build publishes; store errors are one line, exit 5."""

from __future__ import annotations

import threading

import pytest
from cgtkg.graph import store as store_module
from cgtkg.graph.errors import EXIT_BAD_INPUT, EXIT_STORE_WRITE
from cgtkg.graph.store import GraphStore, StoreError, StoreMissing
from click.testing import CliRunner
from hostile_support import publish_tiny

from cgtkg.cli import main


def test_a_query_while_a_build_publishes_never_crashes(tiny_out):
    errors: list[BaseException] = []
    stop = threading.Event()

    def publisher():
        try:
            for i in range(25):
                publish_tiny(tiny_out, n=3 + i % 2)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            stop.set()

    t = threading.Thread(target=publisher)
    t.start()
    opened = 0
    try:
        while not stop.is_set() or opened < 5:
            store = GraphStore.open(tiny_out)
            n = len(store.query("SELECT ?s WHERE { ?s ?p ?o }"))
            assert n in (3, 4)
            store.close()
            opened += 1
    finally:
        stop.set()
        t.join(60)
    assert not errors, errors


def test_a_reader_holds_its_generation_against_pruning(tiny_out):
    store = GraphStore.open(tiny_out)
    held = store.path.parent
    publish_tiny(tiny_out)
    assert held.exists(), "pruned while a reader had it open"
    assert len(store.query("SELECT ?s WHERE { ?s ?p ?o }")) == 3
    store.close()
    publish_tiny(tiny_out)
    assert not held.exists(), "pruned once the reader let go"


def _removers_done() -> None:
    for p in store_module._REMOVERS:
        assert p.wait(60) == 0


def test_a_generation_pruned_in_the_background_goes_once_its_process_ends(tiny_out):
    first = (tiny_out / "current").resolve()
    publish_tiny(tiny_out, n=4, in_background=True)
    store = GraphStore.open(tiny_out)
    assert len(store.query("SELECT ?s WHERE { ?s ?p ?o }")) == 4, "the new generation is published at once"
    store.close()
    _removers_done()
    assert not first.exists()
    assert [g.resolve() for g in (tiny_out / "generations").iterdir()] == [(tiny_out / "current").resolve()]


def test_a_reader_holds_its_generation_against_pruning_in_the_background(tiny_out):
    store = GraphStore.open(tiny_out)
    held = store.path.parent
    publish_tiny(tiny_out, in_background=True)
    _removers_done()
    assert held.exists(), "pruned while a reader had it open"
    assert len(store.query("SELECT ?s WHERE { ?s ?p ?o }")) == 3
    store.close()
    publish_tiny(tiny_out, in_background=True)
    _removers_done()
    assert not held.exists(), "pruned once the reader let go"


def test_a_corrupted_store_is_a_store_error_with_exit_5(tiny_out):
    store_dir = (tiny_out / "store").resolve()
    for f in store_dir.iterdir():
        if f.name.startswith(("CURRENT", "MANIFEST", "OPTIONS")) or f.suffix == ".sst":
            f.write_bytes(b"\x00garbage")
    with pytest.raises(StoreError) as e:
        GraphStore.open(tiny_out)
    assert e.value.exit_code == EXIT_STORE_WRITE
    r = CliRunner().invoke(main, ["query", "agency-measures", "--param", "agency=ag:nmpa",
                                  "--out", str(tiny_out)])
    assert r.exit_code == EXIT_STORE_WRITE, r.output
    assert "Traceback" not in r.output and "cgtkg build" in r.output


def test_no_store_is_bad_input(tmp_path):
    with pytest.raises(StoreMissing):
        GraphStore.open(tmp_path)
    r = CliRunner().invoke(main, ["query", "agency-measures", "--out", str(tmp_path)])
    assert r.exit_code == EXIT_BAD_INPUT and "cgtkg build" in r.output
