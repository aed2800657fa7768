"""Real SPARQL servers on loopback for the remote tests: Oxigraph server and Virtuoso.

Each server gets its own data directory and free ports, is waited for until it answers a
query, and is stopped (terminate, then kill) by the test that started it.  Nothing here
talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

OXIGRAPH_BIN = Path(sys.executable).parent / "oxigraph"
VIRTUOSO_BIN = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    query_url: str
    graph_store_url: str
    process: subprocess.Popen
    log: Path
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def env(self) -> dict[str, str]:
        """Environment for a `cgtkg` subprocess or CliRunner that needs write rights."""
        out = {}
        if self.user:
            out["CGTKG_ENDPOINT_USER"] = self.user
            out["CGTKG_ENDPOINT_PASSWORD"] = self.password or ""
        return out


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"server did not answer within {seconds:.0f} s:\n{_tail(log)}")


def _tail(log: Path, n: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def start_oxigraph(workdir: Path, *, union: bool = False) -> Server:
    """``oxigraph serve`` (the binary from the PyPI package ``oxigraph``) on a free port;
    with ``union``, its default graph is the union of its graphs (``--union-default-graph``)."""
    if not OXIGRAPH_BIN.exists():
        raise FileNotFoundError(f"{OXIGRAPH_BIN} not found: pip install oxigraph")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = workdir / "oxigraph.log"
    proc = subprocess.Popen(
        [str(OXIGRAPH_BIN), "serve", "--location", str(workdir / "data"),
         "--bind", f"127.0.0.1:{port}", *(["--union-default-graph"] if union else [])],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_until_up(f"{base}/query", proc, log, 30)
    return Server("oxigraph", f"{base}/query", f"{base}/store", proc, log)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
ServerThreads = 4
MaxClientConnections = 4
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


def start_virtuoso(workdir: Path) -> Server:
    """A throwaway Virtuoso (Debian's virtuoso-opensource) with its own ini and free ports.

    The fresh database has the default ``dba``/``dba`` account; the Graph Store path that
    accepts writes is ``/sparql-graph-crud-auth`` with HTTP digest authentication.
    """
    if not Path(VIRTUOSO_BIN).exists():
        raise FileNotFoundError(VIRTUOSO_BIN)
    workdir.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=workdir, sql_port=sql_port, http_port=http_port))
    log = workdir / "stdout.log"
    proc = subprocess.Popen(
        [VIRTUOSO_BIN, "+foreground", "+configfile", str(ini)],
        cwd=workdir, stdout=log.open("wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("CGTKG_")},
    )
    base = f"http://127.0.0.1:{http_port}"
    _wait_until_up(f"{base}/sparql", proc, log, 120)
    return Server("virtuoso", f"{base}/sparql", f"{base}/sparql-graph-crud-auth", proc, log,
                  user="dba", password="dba")


# ------------------------------------------------------------------ a loopback proxy


class GateProxy:
    """A small HTTP server on loopback that forwards every request to a real upstream server.

    It records what passes (method, graph parameter), and can stand in for the situations a
    push must survive: a server that demands Basic credentials, and one that fails while
    writing one particular graph (HTTP 500) after accepting the others.
    """

    def __init__(self, upstream: str, *, fail_graph: str | None = None,
                 basic: tuple[str, str] | None = None):
        import base64
        import http.server
        import threading

        self.upstream = upstream.rstrip("/")
        self.fail_graph = fail_graph
        self.requests: list[tuple[str, str | None]] = []
        self.auth_seen: list[str | None] = []
        expected = ("Basic " + base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
                    if basic else None)
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                query = urllib.parse.urlsplit(self.path).query
                graph = urllib.parse.parse_qs(query).get("graph", [None])[0]
                proxy.requests.append((self.command, graph))
                proxy.auth_seen.append(self.headers.get("Authorization"))
                if expected and self.headers.get("Authorization") != expected:
                    self._reply(401, b"credentials needed", "text/plain",
                                {"WWW-Authenticate": 'Basic realm="cgtkg-test"'})
                    return
                writing = self.command in ("PUT", "POST")
                if proxy.fail_graph and graph == proxy.fail_graph and writing:
                    self._reply(500, b"simulated failure while writing", "text/plain")
                    return
                req = urllib.request.Request(proxy.upstream + self.path, data=body,
                                             method=self.command)
                for h in ("Content-Type", "Accept"):
                    if self.headers.get(h):
                        req.add_header(h, self.headers[h])
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        self._reply(r.status, r.read(), r.headers.get("Content-Type"))
                except urllib.error.HTTPError as e:
                    self._reply(e.code, e.read(), e.headers.get("Content-Type"))

            def _reply(self, status, data, ctype, extra=None):
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SilentServer:
    """Accepts connections on loopback and never answers: an endpoint that hangs."""

    def __init__(self):
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)
            except OSError:
                continue

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=2)
        for c in self.conns:
            c.close()
        self.sock.close()
