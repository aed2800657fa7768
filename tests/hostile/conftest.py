"""Helpers for the hostile-input suite (issue 26): tiny stores, loopback servers that misbehave.

Every server here binds 127.0.0.1 on a free port, runs in a daemon thread of the test process
and is closed by the test; no test in this folder talks to anything else.  The data are made
up by the tests themselves (a few triples, a few YAML lines): nothing is read from the corpus.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

# publish_tiny lives in a module of its own name: test files import it from there, because
# ``from conftest import`` finds whichever conftest.py was imported first (tests/loaders has one).
from hostile_support import GRAPH, publish_tiny  # noqa: E402,F401


@pytest.fixture
def tiny_out(tmp_path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    from cgtkg.graph.store import check_output_dir

    assert check_output_dir(out) is None
    publish_tiny(out)
    return out


class RawServer:
    """A loopback HTTP server written on a bare socket, so that it can misbehave as asked.

    ``mode``: ``count`` answers 200 with empty SPARQL JSON and counts requests; ``drip``
    sends headers then one byte a second; ``truncated`` sends half of a JSON body with
    HTTP 200; ``huge`` streams megabytes of JSON-looking bytes; ``garbage`` answers 500
    with terminal escape sequences and raw bytes in the body.
    """

    def __init__(self, mode: str = "count"):
        self.mode = mode
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/query"
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            self.requests.append(self._read_request(conn))
            ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
            if self.mode == "count":
                body = b'{"head": {"vars": ["g"]}, "results": {"bindings": []}}'
                conn.sendall(ok + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
            elif self.mode == "drip":
                conn.sendall(ok + b"Content-Length: 100000\r\n\r\n")
                for _ in range(300):
                    if self._stop.is_set():
                        break
                    conn.sendall(b" ")
                    time.sleep(1)
            elif self.mode == "truncated":
                body = b'{"head": {"vars": ["g"]}, "results": {"bindings": [{"g": {"type": "ur'
                conn.sendall(ok + b"Connection: close\r\n\r\n" + body)
            elif self.mode == "huge":
                conn.sendall(ok + b"Content-Length: %d\r\n\r\n" % (64 * 2**20))
                conn.sendall(b'{"head": {"vars": ["g"]}, "results": {"bindings": [')
                block = b'{"g": {"type": "uri", "value": "http://x/' + b"a" * 900 + b'"}},'
                for _ in range(64 * 1024):
                    if self._stop.is_set():
                        break
                    conn.sendall(block)
            elif self.mode == "garbage":
                body = b"\x1b[31mEVIL\x1b]0;title\x07\x00\xff\xfe raw bytes\r\n" * 50
                conn.sendall(b"HTTP/1.1 500 Oops\x1b[2J\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def raw_server(request):
    servers: list[RawServer] = []

    def start(mode: str = "count") -> RawServer:
        s = RawServer(mode)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()
