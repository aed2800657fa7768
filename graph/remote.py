"""Remote SPARQL endpoints: pushing the graph, and running saved queries there.

Why a remote endpoint: one machine's embedded store is enough for this project's data, but
other people consume the graph through a SPARQL server (Oxigraph server, Virtuoso, Fuseki).
Everything here speaks the standard protocols only:

* **push** replaces each named graph with the SPARQL 1.1 Graph Store Protocol (``PUT`` then
  ``POST`` for further batches, ``?graph=<iri>``), then checks each graph's triple count on
  the server.  A failure says which graphs were replaced and leaves the others alone.
* **query** runs a saved query (SPARQL protocol, POST, JSON results) with the parameters in a
  ``VALUES`` block written from RDF terms (see :func:`graph.query.with_values`) and the
  dataset spelt out with ``FROM``/``FROM NAMED`` (the project's graphs only), so that the
  server's own graphs (Virtuoso keeps several) never leak into the rows.

Credentials come from the environment or a config file, never from the command line, and
are never printed (``Endpoint.__repr__`` hides them).

A server is not trusted (issue 26, item 6).  Every request goes through :func:`_http`: the
timeout is a deadline for the whole exchange (connect, send, headers, body), enforced by
closing the socket, so a server that drips one byte a second cannot hold a command past
it; an answer larger than a limit is refused without being kept; and what the server says
reaches the terminal only as a short snippet without control characters.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import socket
import stat
import sys
import threading
import time
import tomllib
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from cgtkg.graph import query as Q
from cgtkg.graph.errors import EXIT_REMOTE as EXIT_REMOTE  # re-exported: commands and tests use remote.EXIT_REMOTE
from cgtkg.graph.namespaces import DEFAULT_BASE
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

DEFAULT_BATCH = 20_000  # triples per HTTP request; Virtuoso handles this comfortably
DEFAULT_TIMEOUT = 300.0  # seconds; a deadline for the whole exchange, so longer than a per-read wait
MAX_RESPONSE_BYTES = 512 * 1024 * 1024  # a query's answer; more is refused, not read into memory
MAX_REPLY_BYTES = 1024 * 1024  # the answer to a write, or an error page: only a snippet is shown
ENV_USER = "CGTKG_ENDPOINT_USER"
ENV_PASSWORD = "CGTKG_ENDPOINT_PASSWORD"
ENV_CONFIG = "CGTKG_CONFIG"


class RemoteError(RuntimeError):
    """An endpoint could not be reached, refused a request or returned something unusable."""


def catalog_graph(base: str = DEFAULT_BASE) -> URIRef:
    """The graph ``push`` writes the VoID description into; it lists the dataset's graphs."""
    return URIRef(f"{base}graph/void")


# ------------------------------------------------------------------ endpoints and credentials


@dataclass
class Endpoint:
    """Where to query and where to write; the password never appears in ``repr``."""

    query_url: str
    graph_store_url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"  # basic | digest
    timeout: float = DEFAULT_TIMEOUT
    batch_size: int = DEFAULT_BATCH
    name: str | None = None
    # when set (time.monotonic()), no request runs past it: `query` gives its whole run one
    # deadline; `push` gives each request its own (a large push takes many requests)
    deadline: float | None = None
    # how a query names the project's data (DATASETS): "listed" writes FROM / FROM NAMED for
    # each of its graphs; "union" relies on a server whose default graph is their union
    dataset: str = "listed"
    dataset_chosen: bool = False  # set by the user (flag or config): then no hint about it
    # what one command found out about the server, asked once (graphs listed; union checked)
    _graphs: list[str] | None = field(default=None, repr=False, compare=False)
    _union_checked: bool = field(default=False, repr=False, compare=False)

    def __repr__(self) -> str:
        who = f", user={self.user!r}" if self.user else ""
        return f"Endpoint({self.query_url!r}, graph_store={self.graph_store_url!r}{who})"


def config_path() -> Path:
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    root = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return root / "cgtkg" / "endpoints.toml"


def load_config(path: Path | None = None) -> dict[str, dict]:
    """``[endpoints.NAME]`` tables from the config file ({} when there is none)."""
    path = path or config_path()
    if not path.is_file():
        if os.environ.get(ENV_CONFIG):
            raise RemoteError(f"{path}: config file named by {ENV_CONFIG} does not exist")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise RemoteError(f"{path}: not valid TOML: {e}") from None
    endpoints = data.get("endpoints", {})
    if not isinstance(endpoints, dict) or not all(isinstance(v, dict) for v in endpoints.values()):
        raise RemoteError(f"{path}: write one [endpoints.NAME] table per endpoint")
    if any("password" in v for v in endpoints.values()):
        mode = path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            print(f"warning: {path} holds a password and others can read it (chmod 600 {path})",
                  file=sys.stderr)
    return endpoints


_KNOWN_KEYS = {"url", "graph_store", "user", "password", "auth", "timeout", "batch_size", "dataset"}
#: How a remote query names the project's data (``dataset`` in the endpoint config, or
#: ``cgtkg query --dataset``): see :func:`run_query`.
DATASETS = ("listed", "union")
#: Past this many graphs, a listed dataset costs the server far more than the query itself
#: (1,054 graphs: 0.01 s -> 3.4 s on Oxigraph), and the command says how to avoid it.
MANY_GRAPHS = 200


def resolve_endpoint(name_or_url: str, graph_store: str | None = None, *,
                     config: Mapping[str, dict] | None = None,
                     env: Mapping[str, str] | None = None,
                     dataset: str | None = None) -> Endpoint:
    """Endpoint from a URL or a config name, credentials from env (first) or config.

    The Graph Store URL, unless given, follows the two servers whose layout is fixed:
    Oxigraph (``/query`` -> ``/store``) and Virtuoso (``/sparql`` ->
    ``/sparql-graph-crud-auth`` with credentials, ``/sparql-graph-crud`` without).
    """
    env = os.environ if env is None else env
    config = load_config() if config is None else config
    entry: dict = {}
    if name_or_url in config:
        entry = dict(config[name_or_url])
        entry.setdefault("name", name_or_url)
    else:
        for key, e in config.items():
            if e.get("url") == name_or_url:
                entry = dict(e, name=key)
                break
    unknown = set(entry) - _KNOWN_KEYS - {"name"}
    if unknown:
        raise RemoteError(f"endpoint {entry.get('name')!r}: unknown settings {sorted(unknown)} "
                          f"(known: {sorted(_KNOWN_KEYS)})")
    url = entry.get("url", name_or_url)
    parsed = urllib.parse.urlsplit(url)
    try:
        parsed.port  # noqa: B018 - raises for a port out of range
        bad_port = False
    except ValueError:
        bad_port = True
    if parsed.scheme not in ("http", "https") or not parsed.hostname or bad_port:
        raise RemoteError(f"--endpoint {name_or_url!r}: not an http(s) URL nor an endpoint name "
                          f"in {config_path()}")
    if parsed.username or parsed.password:
        raise RemoteError("put credentials in the environment (CGTKG_ENDPOINT_USER, "
                          "CGTKG_ENDPOINT_PASSWORD) or the config file, not in the URL")
    user = env.get(ENV_USER) or entry.get("user")
    password = env.get(ENV_PASSWORD) or entry.get("password")
    gsp = graph_store or entry.get("graph_store") or _guess_graph_store(url, bool(user))
    auth = str(entry.get("auth") or ("digest" if gsp and gsp.rstrip("/").endswith("-auth")
                                     else "basic")).lower()
    if auth not in ("basic", "digest"):
        raise RemoteError(f"endpoint {entry.get('name', url)!r}: auth must be basic or digest")
    try:
        timeout = float(entry.get("timeout", DEFAULT_TIMEOUT))
        batch = int(entry.get("batch_size", DEFAULT_BATCH))
    except (TypeError, ValueError, OverflowError):
        raise RemoteError(f"endpoint {entry.get('name', url)!r}: timeout and batch_size "
                          "must be numbers") from None
    if not 0 < timeout < float("inf") or batch < 1:
        raise RemoteError(f"endpoint {entry.get('name', url)!r}: timeout must be a positive number "
                          "of seconds and batch_size at least 1")
    chosen = str(dataset or entry.get("dataset") or DATASETS[0]).lower()
    if chosen not in DATASETS:
        raise RemoteError(f"endpoint {entry.get('name', url)!r}: dataset must be one of "
                          f"{', '.join(DATASETS)}, not {_clean(chosen, 40)!r}")
    return Endpoint(url, gsp, user, password, auth, timeout, batch, entry.get("name"), dataset=chosen,
                    dataset_chosen=bool(dataset or entry.get("dataset")))


def _guess_graph_store(url: str, has_credentials: bool) -> str | None:
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    if path.endswith("/query"):
        new = path[: -len("/query")] + "/store"
    elif path == "/sparql":
        new = "/sparql-graph-crud-auth" if has_credentials else "/sparql-graph-crud"
    else:
        return None
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new, "", ""))


# ------------------------------------------------------------------ HTTP for the Graph Store


class _Auth:
    """Sends credentials with the request itself (Basic, or Digest with a known challenge).

    Why not urllib's auth handlers: they send each request without credentials first and
    answer the 401.  Virtuoso closes the connection with that 401, before reading a large
    body, so the upload dies with "broken pipe".  For Digest a body-less ``HEAD`` fetches
    the challenge first; a stale nonce is refreshed once.
    """

    def __init__(self, ep: Endpoint):
        self.ep = ep
        self.challenge: dict[str, str] | None = None
        self.nc = 0

    def header(self, method: str, url: str) -> str | None:
        ep = self.ep
        if not ep.user:
            return None
        if ep.auth == "basic":
            token = base64.b64encode(f"{ep.user}:{ep.password or ''}".encode()).decode()
            return f"Basic {token}"
        if self.challenge is None:
            self.learn(self._fetch_challenge(url))
        c = self.challenge or {}
        self.nc += 1
        parts = urllib.parse.urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        md5 = lambda x: hashlib.md5(x.encode("utf-8")).hexdigest()  # noqa: E731,S324 (RFC 2617)
        ha1 = md5(f"{ep.user}:{c.get('realm', '')}:{ep.password or ''}")
        ha2 = md5(f"{method}:{uri}")
        nonce, nc, cnonce = c.get("nonce", ""), f"{self.nc:08x}", secrets.token_hex(8)
        qop = "auth" if "auth" in c.get("qop", "").split(",") else None
        response = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}" if qop
                       else f"{ha1}:{nonce}:{ha2}")
        fields = [f'username="{ep.user}"', f'realm="{c.get("realm", "")}"', f'nonce="{nonce}"',
                  f'uri="{uri}"', f'response="{response}"', 'algorithm="MD5"']
        if c.get("opaque"):
            fields.append(f'opaque="{c["opaque"]}"')
        if qop:
            fields += [f"qop={qop}", f"nc={nc}", f'cnonce="{cnonce}"']
        return "Digest " + ", ".join(fields)

    def learn(self, www_authenticate: str | None) -> None:
        if not www_authenticate or not www_authenticate.lower().startswith("digest "):
            raise RemoteError(f"{_redact(self.ep.graph_store_url or '')}: the server did not "
                              "offer Digest authentication (set auth = \"basic\" in the config)")
        items = urllib.request.parse_http_list(www_authenticate[7:])
        self.challenge = urllib.request.parse_keqv_list(items)
        self.nc = 0

    def _fetch_challenge(self, url: str) -> str | None:
        reply = _http(self.ep, "HEAD", url, limit=MAX_REPLY_BYTES)
        if reply.status == 401:
            return reply.headers.get("WWW-Authenticate")
        return None  # no authentication asked for


# ------------------------------------------------------------------ HTTP with a deadline


@dataclass
class _Reply:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes


class _Deadline(Exception):
    pass


def _http(ep: Endpoint, method: str, url: str, body: bytes | None = None,
          headers: Mapping[str, str] | None = None, *, limit: int = MAX_REPLY_BYTES) -> _Reply:
    """One HTTP exchange that ends by ``ep.timeout`` (or ``ep.deadline``) whatever the server
    does, and never keeps more than ``limit`` bytes of its answer.

    Why not urllib's timeout: it bounds each socket operation, not the exchange, so a
    server that sends a byte a second keeps a read alive forever (issue 26).  Here a timer
    shuts the socket down at the deadline, which ends any read or write in progress.
    Raises :class:`RemoteError` with one line; HTTP error statuses are returned, not raised.
    """
    end = time.monotonic() + ep.timeout
    if ep.deadline is not None:
        end = min(end, ep.deadline)
    parts = urllib.parse.urlsplit(url)
    left = end - time.monotonic()
    if left <= 0:
        raise RemoteError(f"{_redact(url)}: no answer within {ep.timeout:g} s")
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    try:
        conn = cls(parts.hostname or "", parts.port, timeout=left)
    except (ValueError, http.client.InvalidURL) as e:
        raise RemoteError(f"{_redact(url)}: not a usable URL ({_clean(str(e), 120)})") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timer: threading.Timer | None = None
    fired = threading.Event()
    try:
        conn.connect()
        sock = conn.sock

        def stop() -> None:
            fired.set()
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(max(0.0, end - time.monotonic()), stop)
        timer.daemon = True
        timer.start()
        conn.request(method, path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        chunks, size = [], 0
        if method != "HEAD":
            while chunk := resp.read1(1 << 16):
                size += len(chunk)
                if size > limit:
                    if resp.status >= 400 or limit == MAX_REPLY_BYTES:
                        break  # an error page or a write's answer: the start is enough
                    raise RemoteError(f"{_redact(url)}: the answer is larger than "
                                      f"{limit // 2**20} MB; refused (ask for fewer rows)")
                chunks.append(chunk)
                if time.monotonic() >= end:
                    raise _Deadline
        if fired.is_set() or time.monotonic() >= end:
            raise _Deadline
        return _Reply(resp.status, resp.reason or "", resp.headers, b"".join(chunks))
    except RemoteError:
        raise
    except (_Deadline, TimeoutError):
        raise RemoteError(f"{_redact(url)}: no answer within {ep.timeout:g} s") from None
    except (OSError, http.client.HTTPException, ValueError) as e:
        if fired.is_set() or time.monotonic() >= end:
            raise RemoteError(f"{_redact(url)}: no answer within {ep.timeout:g} s") from None
        reason = getattr(e, "strerror", None) or type(e).__name__
        if isinstance(e, http.client.HTTPException):
            reason = f"unusable HTTP response: {type(e).__name__}"
        raise RemoteError(f"{method} {_redact(url)}: cannot reach the server ({_clean(str(reason), 120)})") from None
    finally:
        if timer is not None:
            timer.cancel()
        conn.close()


_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")


def _clean(text: str, limit: int = 300) -> str:
    """Server text for a terminal: no escape sequences, printable characters only (bytes
    that were not UTF-8 dropped), on one line, at most ``limit`` characters."""
    text = _ESCAPES.sub(" ", text)
    text = "".join(c if c.isprintable() and c != "\ufffd" else " " for c in text)
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def _gsp_url(ep: Endpoint, graph_iri: str) -> str:
    if not ep.graph_store_url:
        raise RemoteError(f"no Graph Store URL for {ep.query_url}: pass --graph-store URL "
                          "(or graph_store in the endpoint's config)")
    sep = "&" if "?" in ep.graph_store_url else "?"
    return f"{ep.graph_store_url}{sep}{urllib.parse.urlencode({'graph': graph_iri})}"


def _send(ep: Endpoint, method: str, url: str, body: bytes | None = None,
          content_type: str = "text/turtle; charset=utf-8", auth: _Auth | None = None) -> int:
    auth = auth or _Auth(ep)
    for attempt in (1, 2):
        headers = {"Content-Type": content_type} if body is not None else {}
        if (header := auth.header(method, url)) is not None:
            headers["Authorization"] = header
        try:
            reply = _http(ep, method, url, body, headers)
        except RemoteError as e:
            if (attempt == 1 and ep.user and ep.auth == "digest" and auth.challenge is not None
                    and "cannot reach" in str(e)):
                auth.challenge = None  # the server hung up on a stale nonce: fetch a new one
                continue
            raise
        if reply.status < 400:
            return reply.status
        if reply.status == 401 and ep.user and ep.auth == "digest" and attempt == 1:
            auth.learn(reply.headers.get("WWW-Authenticate"))  # stale nonce: once more
            continue
        if reply.status == 404 and method == "DELETE":
            return 404
        hint = ""
        if reply.status in (401, 403):
            hint = (" — the server wants credentials with write rights" +
                    (" and refused the ones given" if ep.user else "") +
                    f": set {ENV_USER}/{ENV_PASSWORD} or the config file")
        detail = _snippet(reply.body)
        raise RemoteError(f"{method} {_redact(url)}: HTTP {reply.status} {_clean(reply.reason, 80)}{hint}"
                          f"{': ' + detail if detail else ''}")
    raise RemoteError(f"{method} {_redact(url)}: authentication failed twice")


def _snippet(data: bytes, limit: int = 300) -> str:
    return _clean(data[: limit * 4].decode("utf-8", "replace"), limit)


def _redact(url: str) -> str:
    return url.split("?", 1)[0]


# ------------------------------------------------------------------ batches


def _nt_line(q) -> str:
    return f"{q.subject} {q.predicate} {q.object} .\n"


def batches(quads: Iterable, size: int) -> Iterator[list]:
    """Split one graph's quads into batches of about ``size``, never splitting blank nodes.

    Blank nodes are scoped to one request: if two triples that share ``_:b`` went in two
    requests the server would make two different nodes.  Triples joined through blank
    nodes therefore always travel together.
    """
    plain: list = []
    groups: dict[str, list] = {}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with_bnodes = []
    for q in quads:
        bn = [t.value for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)]
        if not bn:
            plain.append(q)
            continue
        with_bnodes.append((q, bn))
        for other in bn[1:]:
            parent[find(other)] = find(bn[0])
        find(bn[0])
    for q, bn in with_bnodes:
        groups.setdefault(find(bn[0]), []).append(q)
    units: list[list] = [[q] for q in plain] + list(groups.values())
    batch: list = []
    for unit in units:
        if batch and len(batch) + len(unit) > size:
            yield batch
            batch = []
        batch.extend(unit)
    if batch:
        yield batch


# ------------------------------------------------------------------ push


@dataclass
class PushReport:
    """Which graphs were replaced (and verified), which failed, which were not touched."""

    endpoint: str
    replaced: list[tuple[str, int]] = field(default_factory=list)  # (graph, triples)
    failed: str | None = None
    partial: bool = False
    untouched: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    error: str | None = None

    def lines(self) -> list[str]:
        out = [f"replaced {g} ({n} triples, count verified)" for g, n in self.replaced]
        out += [f"removed {g} (no longer in the store)" for g in self.pruned]
        if self.failed:
            state = ("partly written: run push again" if self.partial
                     else "left as it was")
            out.append(f"FAILED {self.failed} ({state}): {self.error}")
            out += [f"not touched {g}" for g in self.untouched]
        return out


def expected_counts(quads: list) -> set[int]:
    """Triple counts a faithful server may report for these quads.

    Oxigraph keeps every literal as written; Virtuoso stores numbers, booleans and dates by
    value, so ``"01"^^xsd:integer`` and ``"1"^^xsd:integer`` become one triple, and it folds
    language tags to lower case.  Both counts are correct answers.
    """
    raw = {(q.subject, q.predicate, q.object) for q in quads}
    canonical = {(str(q.subject), str(q.predicate), _canonical(q.object)) for q in quads}
    return {len(raw), len(canonical)}


def _canonical(term) -> str:
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{term.value}@{term.language.lower()}"
        lit = Literal(term.value, datatype=URIRef(term.datatype.value), normalize=True)
        return f"{lit}^^{term.datatype.value}"
    return str(term)


def push(store, ep: Endpoint, *, base: str = DEFAULT_BASE, catalog: Graph | None = None,
         log: Callable[[str], None] = lambda s: None) -> PushReport:
    """Replace every named graph of ``store`` on the endpoint, batch by batch, and verify.

    After all graphs are in, the VoID ``catalog`` (if given) is written to
    :func:`catalog_graph`; graphs that an earlier push listed there but that the store no
    longer has are deleted.
    """
    report = PushReport(ep.query_url)
    auth = _Auth(ep)  # one Digest challenge serves the whole push
    graphs = [str(g) for g in store.named_graphs()]
    previous = set(_catalog_graphs(ep, base)) if catalog is not None else set()
    for i, g in enumerate(graphs):
        quads = list(store.ox.quads_for_pattern(None, None, None, ox.NamedNode(g)))
        parts = list(batches(quads, max(1, ep.batch_size)))
        url = _gsp_url(ep, g)
        sent = 0
        try:
            for n, part in enumerate(parts or [[]]):
                body = "".join(_nt_line(q) for q in part).encode("utf-8")
                _send(ep, "PUT" if n == 0 else "POST", url, body, auth=auth)
                sent += 1
            remote = count_graph(ep, g)
            allowed = expected_counts(quads)
            if remote not in allowed:
                raise RemoteError(f"the server holds {remote} triples in this graph after the "
                                  f"upload, expected {max(allowed)}")
        except RemoteError as e:
            report.failed, report.error = g, str(e)
            report.partial = sent > 0
            report.untouched = graphs[i + 1:]
            return report
        report.replaced.append((g, len(quads)))
        log(f"replaced {g}: {len(quads)} triples in {len(parts) or 1} request(s)")
    if catalog is not None:
        cat = str(catalog_graph(base))
        try:
            body = catalog.serialize(format="nt", encoding="utf-8")
            _send(ep, "PUT", _gsp_url(ep, cat), body, auth=auth)
            for stale in sorted(previous - set(graphs) - {cat}):
                _send(ep, "DELETE", _gsp_url(ep, stale), auth=auth)
                report.pruned.append(stale)
        except RemoteError as e:
            report.failed, report.error, report.partial = cat, str(e), False
    return report


# ------------------------------------------------------------------ SPARQL protocol


_ACCEPT_JSON = "application/sparql-results+json, application/json;q=0.9"
_ACCEPT_RDF = "application/n-triples, text/turtle;q=0.9"


def _sparql(ep: Endpoint, text: str, accept: str, *, default_graphs: Iterable[str] = (),
            named_graphs: Iterable[str] = ()) -> _Reply:
    """POST one query (form-encoded, SPARQL 1.1 protocol) and return the server's answer.

    Credentials: Basic goes with the request; Digest answers the server's 401 once."""
    form = [("query", Q.strip_comments(text))]
    form += [("default-graph-uri", str(g)) for g in default_graphs]
    form += [("named-graph-uri", str(g)) for g in named_graphs]
    body = urllib.parse.urlencode(form).encode("utf-8")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
    auth = _Auth(ep)
    if ep.user and ep.auth == "basic":
        headers["Authorization"] = auth.header("POST", ep.query_url) or ""
    reply = _http(ep, "POST", ep.query_url, body, headers, limit=MAX_RESPONSE_BYTES)
    if reply.status == 401 and ep.user and ep.auth == "digest":
        auth.learn(reply.headers.get("WWW-Authenticate"))
        headers["Authorization"] = auth.header("POST", ep.query_url) or ""
        reply = _http(ep, "POST", ep.query_url, body, headers, limit=MAX_RESPONSE_BYTES)
    if reply.status == 401:
        raise RemoteError(f"{_redact(ep.query_url)}: HTTP 401, the endpoint wants credentials"
                          f"{' (the ones given were refused)' if ep.user else ''}: set "
                          f"{ENV_USER}/{ENV_PASSWORD} or the config file ({config_path()})")
    if reply.status >= 400:
        detail = _snippet(reply.body)
        raise RemoteError(f"{_redact(ep.query_url)} refused the query: HTTP {reply.status} "
                          f"{_clean(reply.reason, 80)}{': ' + detail if detail else ''}")
    return reply


def sparql_json(ep: Endpoint, text: str, form: str = "SELECT", **dataset) -> dict:
    """Run a query and return the SPARQL JSON results; every failure becomes RemoteError.
    (``form`` is accepted for callers that name it: SELECT and ASK are both JSON.)"""
    reply = _sparql(ep, text, _ACCEPT_JSON, **dataset)
    try:
        data = json.loads(reply.body.decode("utf-8-sig"))
    except RecursionError:
        raise RemoteError(f"{_redact(ep.query_url)}: the answer is nested too deeply to read") from None
    except ValueError:
        raise RemoteError(f"{_redact(ep.query_url)}: the answer is not valid SPARQL JSON results "
                          f"({len(reply.body)} bytes, truncated or malformed)") from None
    if not isinstance(data, dict):
        raise RemoteError(f"{_redact(ep.query_url)}: the answer is not SPARQL JSON results")
    return data


def _trim(text: str, limit: int = 600) -> str:
    return _clean(text, limit)


def json_term(b: Mapping) -> Node:
    """One SPARQL-JSON binding -> rdflib term (``typed-literal`` is Virtuoso's older name)."""
    kind = b.get("type")
    value = b.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang = b.get("xml:lang")
        dt = b.get("datatype")
        if lang:
            return Literal(value, lang=lang)
        if dt and dt != str(XSD.string):
            return Literal(value, datatype=URIRef(dt), normalize=False)
        return Literal(value)
    raise RemoteError(f"unexpected term type in the results: {_clean(str(kind), 40)!r}")


def select(ep: Endpoint, text: str, **dataset) -> tuple[list[str], list[dict[str, Node]]]:
    data = sparql_json(ep, text, **dataset)
    if "boolean" in data:
        raise RemoteError("expected SELECT results, got a boolean")
    try:
        variables = [str(v) for v in (data.get("head") or {}).get("vars", [])]
        bindings = (data.get("results") or {}).get("bindings", [])
        rows = [{str(k): json_term(v) for k, v in b.items()} for b in bindings]
    except (AttributeError, TypeError, ValueError):
        raise RemoteError(f"{_redact(ep.query_url)}: the answer is not SPARQL JSON results "
                          "(unexpected structure)") from None
    return variables, rows


def count_graph(ep: Endpoint, graph_iri: str) -> int:
    """Triples in one named graph on the server (the graph IRI goes in as a VALUES term)."""
    text = Q.with_values("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                         {"g": URIRef(graph_iri)})
    _, rows = select(ep, text)
    try:
        return int(rows[0]["n"])
    except (IndexError, KeyError, ValueError):
        raise RemoteError(f"{ep.query_url}: cannot read the triple count of {graph_iri}") from None


def _catalog_graphs(ep: Endpoint, base: str) -> list[str]:
    text = """PREFIX void: <http://rdfs.org/ns/void#>
PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
SELECT DISTINCT ?g WHERE {
  GRAPH ?catalog { ?d void:subset ?s . ?s sd:name ?g }
}
"""
    _, rows = select(ep, Q.with_values(text, {"catalog": catalog_graph(base)}))
    return sorted(str(r["g"]) for r in rows if "g" in r)


def dataset_graphs(ep: Endpoint, base: str = DEFAULT_BASE) -> list[str]:
    """The project's named graphs on the server: from the pushed catalog, else by IRI prefix."""
    graphs = _catalog_graphs(ep, base)
    if graphs:
        return graphs
    prefix = Literal(f"{base}graph/")
    text = Q.with_values("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                         "FILTER (STRSTARTS(STR(?g), ?prefix)) }", {"prefix": prefix})
    _, rows = select(ep, text)
    cat = str(catalog_graph(base))
    return sorted(str(r["g"]) for r in rows if "g" in r and str(r["g"]) != cat)


def _listed_graphs(ep: Endpoint, base: str) -> list[str]:
    """The project's graphs on the server, asked once per command."""
    if ep._graphs is None:
        graphs = dataset_graphs(ep, base)
        if not graphs:
            raise RemoteError(f"{ep.query_url} holds none of this project's graphs "
                              f"(<{base}graph/...>): run `cgtkg push` first")
        if len(graphs) > MANY_GRAPHS and not ep.dataset_chosen:
            print(f"note: {ep.query_url} holds {len(graphs):,} graphs of this project, and each query "
                  "names them all (FROM), which costs the server far more than the query; if it "
                  "holds only this project and serves the union of its graphs as its default "
                  "graph (`oxigraph serve --union-default-graph`), query with --dataset union "
                  "(docs/remote.md)", file=sys.stderr)
        ep._graphs = graphs
    return ep._graphs


def serves_union(ep: Endpoint, base: str = DEFAULT_BASE) -> bool:
    """Whether the server's default graph holds what the pushed graphs hold: the catalog's
    list of this project's graphs, asked for without naming any graph."""
    text = """PREFIX void: <http://rdfs.org/ns/void#>
PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
ASK { ?d void:subset ?s . ?s sd:name ?g FILTER (STRSTARTS(STR(?g), ?prefix)) }
"""
    data = sparql_json(ep, Q.with_values(text, {"prefix": Literal(f"{base}graph/")}), form="ASK")
    return bool(data.get("boolean"))


def check_union(ep: Endpoint, base: str = DEFAULT_BASE) -> None:
    """For ``dataset = "union"``: refuse, with what to do, a server whose default graph does
    not hold the project's graphs (an Oxigraph server started without
    ``--union-default-graph`` answers every query with no rows).  Asked once per command."""
    if ep._union_checked:
        return
    if serves_union(ep, base):
        ep._union_checked = True
        return
    if not _catalog_graphs(ep, base):
        raise RemoteError(f"{ep.query_url} holds none of this project's graphs (no catalog "
                          f"<{catalog_graph(base)}>): run `cgtkg push` first")
    raise RemoteError(f"{ep.query_url}: its default graph does not hold the project's graphs, so "
                      "with dataset \"union\" every query would answer nothing; start the server "
                      "so that its default graph is the union of its graphs (`oxigraph serve "
                      "--union-default-graph`), or query with --dataset listed")


def run_query(ep: Endpoint, query, bindings: Mapping[str, Node], *, base: str = DEFAULT_BASE,
              allow_service: bool = False, graphs: list[str] | None = None):
    """Run a saved query remotely; the result has the same shape as the local one.

    The query reads the project's graphs only.  With ``ep.dataset == "listed"`` (the
    default) it names each of them (``FROM``, ``FROM NAMED``; ``graphs``, or those the
    server's catalog lists), so that graphs the server keeps for other purposes never mix
    in; Oxigraph then does the work once per graph (1,054 graphs: 0.01 -> 3.4 s for a small
    query).  With ``"union"`` it names none and reads the server's default graph, which
    must be the union of the project's graphs (checked, :func:`check_union`): for a server
    that holds this project alone.

    ``ep.timeout`` is a deadline for the whole run (finding the graphs, then the query)."""
    if ep.deadline is None:
        ep.deadline = time.monotonic() + ep.timeout
        try:
            return run_query(ep, query, bindings, base=base, allow_service=allow_service, graphs=graphs)
        finally:
            ep.deadline = None
    Q.prepare(query, allow_service=allow_service)
    text = Q.with_values(Q.rebase_prologue(query.text, base), bindings)
    if ep.dataset == "union" and graphs is None:
        check_union(ep, base)
    else:
        text = Q.with_dataset(text, _listed_graphs(ep, base) if graphs is None else graphs)
    dataset: dict = {}
    if query.form == "SELECT":
        variables, rows = select(ep, text, **dataset)
        return Q.Result("SELECT", list(query.variables) or variables, rows)
    if query.form == "ASK":
        data = sparql_json(ep, text, form="ASK", **dataset)
        return Q.Result("ASK", boolean=bool(data.get("boolean")))
    return Q.Result(query.form, graph=_construct(ep, text, dataset))


def _construct(ep: Endpoint, text: str, dataset: dict) -> Graph:
    reply = _sparql(ep, text, _ACCEPT_RDF, **dataset)
    kind = (reply.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    fmt = "nt" if kind in ("application/n-triples", "text/plain") else "turtle"
    g = Graph()
    try:
        g.parse(data=reply.body.decode("utf-8"), format=fmt)
    except RecursionError:
        raise RemoteError(f"{_redact(ep.query_url)}: the answer is nested too deeply to read") from None
    except Exception:  # noqa: BLE001 - a server's bytes: any parser failure is its failure
        raise RemoteError(f"{_redact(ep.query_url)}: the answer is not valid {kind or 'RDF'} "
                          f"({len(reply.body)} bytes, truncated or malformed)") from None
    return g
