"""Items 2 and 10: `cgtkg validate` reads the file it is given and nothing else."""

from __future__ import annotations

import json
import os
import threading

import pytest
from cgtkg.graph.errors import EXIT_BAD_INPUT
from click.testing import CliRunner

from cgtkg.cli import main


def validate(path) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["validate", "--no-registries", str(path)])
    return r.exit_code, r.output


def test_validate_never_fetches_a_remote_jsonld_context(tmp_path, raw_server):
    server = raw_server("count")
    f = tmp_path / "remote.jsonld"
    f.write_text(json.dumps({"@context": server.url, "@id": "https://example.org/a", "name": "x"}))
    code, out = validate(f)
    assert code == EXIT_BAD_INPUT and "context outside the file" in out, out
    assert server.requests == []


@pytest.mark.parametrize("where", ["top", "list", "import", "scoped", "nested-node"])
def test_validate_never_reads_a_file_context_outside_the_input(tmp_path, where):
    secret = tmp_path / "elsewhere" / "ctx.jsonld"
    secret.parent.mkdir()
    secret.write_text(json.dumps({"@context": {"name": "https://example.org/leaked"}}))
    ref = secret.as_uri()
    docs = {
        "top": {"@context": ref, "@id": "https://example.org/a", "name": "x"},
        "list": {"@context": [{"a": "https://example.org/a"}, ref], "@id": "https://example.org/a"},
        "import": {"@context": {"@version": 1.1, "@import": ref}, "@id": "https://example.org/a"},
        "scoped": {"@context": {"p": {"@id": "https://example.org/p", "@context": ref}},
                   "@id": "https://example.org/a", "p": {"@id": "https://example.org/b"}},
        "nested-node": {"@id": "https://example.org/a", "https://example.org/p": [
            {"@context": ref, "@id": "https://example.org/b"}]},
    }
    f = tmp_path / f"{where}.jsonld"
    f.write_text(json.dumps(docs[where]))
    before = os.stat(secret).st_atime_ns
    code, out = validate(f)
    assert code == EXIT_BAD_INPUT and "context outside the file" in out, out
    assert "leaked" not in out and os.stat(secret).st_atime_ns == before


def test_validate_accepts_an_inline_jsonld_context(tmp_path):
    f = tmp_path / "inline.jsonld"
    f.write_text(json.dumps({"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label"},
                             "@id": "https://example.org/a", "label": "x"}))
    code, out = validate(f)
    assert code == 0, out


def test_validate_refuses_a_fifo_instead_of_hanging(tmp_path):
    fifo = tmp_path / "pipe.ttl"
    os.mkfifo(fifo)
    done: list = []
    t = threading.Thread(target=lambda: done.append(validate(fifo)), daemon=True)
    t.start()
    t.join(20)
    if not done:  # unblock the reader we failed to avoid, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("validate blocked on a FIFO")
    code, out = done[0]
    assert code == EXIT_BAD_INPUT and "not a regular file" in out


def test_validate_refuses_dev_zero_without_reading_it():
    code, out = validate("/dev/zero")
    assert code == EXIT_BAD_INPUT and "not a regular file" in out


def test_validate_refuses_a_file_over_the_size_limit(tmp_path):
    f = tmp_path / "big.ttl"
    f.write_bytes(b"# " + b"x" * (2 * 2**20) + b"\n")
    r = CliRunner().invoke(main, ["validate", "--no-registries", "--max-mb", "1", str(f)])
    assert r.exit_code == EXIT_BAD_INPUT and "over the limit" in r.output


@pytest.mark.parametrize("name,data", [
    ("deep.jsonld", "[" * 100_000 + "]" * 100_000),
    ("truncated.jsonld", '{"@id": "https://example.org/a", "https://example.org/p": '),
    ("deep.ttl", "@prefix : <https://example.org/> .\n:a :p " + "[ :p " * 5000 + "1" + " ]" * 5000 + " .\n"),
    ("binary.ttl", "\udcff"),
])
def test_validate_reports_unreadable_files_in_one_line(tmp_path, name, data):
    f = tmp_path / name
    f.write_bytes(data.encode("utf-8", "surrogateescape"))
    code, out = validate(f)
    assert code == EXIT_BAD_INPUT, out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1, out


def test_a_named_graph_of_jsonld_is_read_as_in_trig(tmp_path):
    """`cgtkg validate` reads every graph of a dataset file, whatever its syntax: a JSON-LD
    document's named graph once lost its triples without a word, where the same data as
    TriG kept them (issue 25, twenty-third session)."""
    from cgtkg.graph.safe_rdf import parse_untrusted
    from rdflib.compare import isomorphic

    ex = "https://example.org/"
    jsonld = tmp_path / "two-graphs.jsonld"
    jsonld.write_text(json.dumps({"@context": {"ex": ex}, "@graph": [
        {"@id": "ex:law", "ex:title": "stated in the default graph"},
        {"@id": "ex:source-graph", "@graph": [{"@id": "ex:article", "ex:title": "stated in a named graph"}]},
    ]}), encoding="utf-8")
    trig = tmp_path / "two-graphs.trig"
    trig.write_text(f'<{ex}law> <{ex}title> "stated in the default graph" .\n'
                    f'<{ex}source-graph> {{ <{ex}article> <{ex}title> "stated in a named graph" . }}\n',
                    encoding="utf-8")
    from_jsonld, from_trig = parse_untrusted(jsonld), parse_untrusted(trig)
    assert len(from_jsonld) == 2
    assert isomorphic(from_jsonld, from_trig)
