"""``cgtkg serve`` as a command: what it says and its exit code when it cannot serve."""

from __future__ import annotations

import socket
import subprocess
import sys

from cgtkg.resources import REPO_ROOT


def _serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cgtkg.cli", "serve", *args], capture_output=True,
                          text=True, timeout=60, cwd=REPO_ROOT)


def test_no_store_is_bad_input_and_says_how_to_make_one(tmp_path):
    r = _serve("--out", str(tmp_path / "nothing"), "--port", "0")
    assert r.returncode == 2
    assert "cgtkg build" in r.stderr


def test_a_port_in_use_is_named(served_build):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = _serve("--out", str(served_build), "--port", str(port))
    assert r.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in r.stderr


def test_a_base_that_is_not_an_iri_is_refused(served_build):
    r = _serve("--out", str(served_build), "--base", "not an iri")
    assert r.returncode == 2
    assert "is not a base IRI" in r.stderr
