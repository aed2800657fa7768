"""Item 6 (and the endpoint cases of items 8 and 10): a remote server cannot hold, flood or
crash `cgtkg query --endpoint` and `cgtkg push`."""

from __future__ import annotations

import time

import pytest
from cgtkg.graph import remote
from cgtkg.graph.errors import EXIT_BAD_INPUT, EXIT_REMOTE
from click.testing import CliRunner

from cgtkg.cli import main

# generous: the commands are given 2 s; this only has to tell "stopped" from "kept going"
BOUND_S = 20


def run(args):
    t0 = time.monotonic()
    r = CliRunner().invoke(main, args)
    return r, time.monotonic() - t0


def one_clean_line(output: str) -> None:
    assert "Traceback" not in output, output
    assert not any(c in output for c in "\x1b\x07\x00\ufffd"), repr(output)
    assert len(output.strip().splitlines()) <= 2, output  # push adds its "pushing ..." line


def test_remote_query_timeout_is_a_deadline(raw_server, tiny_out):
    server = raw_server("drip")
    r, took = run(["query", "agency-measures", "--endpoint", server.url, "--timeout", "2"])
    assert r.exit_code == EXIT_REMOTE and "no answer within 2 s" in r.output, r.output
    assert took < BOUND_S
    one_clean_line(r.output)


def test_push_timeout_is_a_deadline(raw_server, tiny_out):
    server = raw_server("drip")
    r, took = run(["push", "--endpoint", server.url, "--out", str(tiny_out), "--timeout", "2"])
    assert r.exit_code == EXIT_REMOTE and "no answer within 2 s" in r.output, r.output
    assert took < BOUND_S
    one_clean_line(r.output)


def test_truncated_json_with_http_200_exits_4(raw_server):
    server = raw_server("truncated")
    r, _ = run(["query", "agency-measures", "--endpoint", server.url, "--timeout", "10"])
    assert r.exit_code == EXIT_REMOTE and "not valid SPARQL JSON" in r.output, r.output
    one_clean_line(r.output)


def test_a_huge_answer_is_refused_not_read_into_memory(raw_server, monkeypatch):
    monkeypatch.setattr(remote, "MAX_RESPONSE_BYTES", 2 * 2**20)
    server = raw_server("huge")
    r, took = run(["query", "agency-measures", "--endpoint", server.url, "--timeout", "30"])
    assert r.exit_code == EXIT_REMOTE and "larger than 2 MB" in r.output, r.output
    assert took < BOUND_S
    one_clean_line(r.output)


def test_raw_server_bytes_are_not_echoed(raw_server, tiny_out):
    server = raw_server("garbage")
    r, _ = run(["query", "agency-measures", "--endpoint", server.url, "--timeout", "10"])
    assert r.exit_code == EXIT_REMOTE and "HTTP 500" in r.output, r.output
    one_clean_line(r.output)
    assert len(r.output) < 600
    r, _ = run(["push", "--endpoint", server.url, "--out", str(tiny_out), "--timeout", "10"])
    assert r.exit_code == EXIT_REMOTE, r.output
    one_clean_line(r.output)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_timeout_zero_or_negative_is_rejected(value, tiny_out):
    for args in (["query", "agency-measures", "--endpoint", "http://127.0.0.1:9/query"],
                 ["push", "--endpoint", "http://127.0.0.1:9/query", "--out", str(tiny_out)]):
        r = CliRunner().invoke(main, [*args, "--timeout", value])
        assert r.exit_code == EXIT_BAD_INPUT, (args, r.output)


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1/query", "http://", "http://127.0.0.1:99999/query"])
def test_a_bad_endpoint_url_exits_2_for_query_and_push(url, tiny_out):
    r = CliRunner().invoke(main, ["query", "agency-measures", "--endpoint", url])
    q = r.exit_code
    r2 = CliRunner().invoke(main, ["push", "--endpoint", url, "--out", str(tiny_out)])
    assert "Traceback" not in r.output + r2.output
    assert q == r2.exit_code == EXIT_BAD_INPUT, (r.output, r2.output)


def test_a_config_timeout_must_be_positive(tmp_path):
    with pytest.raises(remote.RemoteError, match="positive"):
        remote.resolve_endpoint("x", config={"x": {"url": "http://127.0.0.1:9/query", "timeout": 0}}, env={})
