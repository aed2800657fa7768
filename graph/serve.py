"""The built store over HTTP, read-only: a SPARQL endpoint, a query page, and the dataset's
IRIs made dereferenceable.

One small WSGI application (werkzeug for routing, request parsing and ``Accept`` headers;
jinja2, which escapes every value, for the pages) answers:

* ``/sparql`` — the SPARQL 1.1 Protocol's *query* operation: ``GET ?query=``, ``POST`` of a
  form or of ``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri``; results
  as SPARQL JSON, XML, CSV or TSV (graphs as Turtle, N-Triples, JSON-LD, RDF/XML) by ``Accept``.
  The *update* operation is refused (403) and the store is opened read-only, so nothing a
  client sends can change it; ``SERVICE`` is refused too, so the server never calls out.
* ``/id/…`` — every IRI the build minted under its base IRI (``/id/doc/…``, ``/id/agency/…``,
  regions, therapies, doctypes, concepts, schemes, sources, events, annotations, notes,
  activities, named graphs).  Such an IRI names a thing — a law, an agency — not a web page,
  so it answers ``303 See Other`` with ``Vary: Accept`` to a description of it, as
  legislation.gov.uk does for its ``/id/`` IRIs and DBpedia for ``/resource/``:
  ``/page/…`` (HTML for people) or ``/data/….ttl|.jsonld|.nt`` (Turtle, JSON-LD, N-Triples).
  Those description URLs can be linked and downloaded directly.
* ``/`` — a query page that works offline (its script and style ship in ``graph/web/`` and
  are served from ``/static/``); ``/documents`` and ``/agencies`` lists to browse from;
  ``/api/queries`` and ``/api/query/NAME`` run the saved queries with parameters passed as
  bindings, never spliced into the text.

The server answers for one base IRI (``--base``, by default the one the store was built
with): ``<base>doc/x`` is served at ``/id/doc/x``, and pages link to ``/id/…`` so that a
person browsing stays on this server.  The RDF it returns keeps the real IRIs.

A build that publishes a new store while the server runs is picked up on the next request
(the ``DIR/store`` link is followed again; the old generation is released).
"""

from __future__ import annotations

import errno
import html
import ipaddress
import json
import re
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from cgtkg.graph import query as Q
from cgtkg.graph.namespaces import CGT, ELI, OA, PREFIXES, graph_iri, instance_prefixes
from cgtkg.graph.store import GraphStore, StoreError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import Graph
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

WEB_DIR = Path(__file__).resolve().parent / "web"
STATIC_FILES = {"serve.css": "text/css", "serve.js": "text/javascript"}
ONTOLOGY_NS = str(CGT._NS)

#: Most values a page lists for one property; the rest are counted and left to the RDF.
PAGE_LIMIT = 200
#: Largest request body read (a query text or form): 1 MB
MAX_BODY = 1 << 20

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
LABEL_PROPERTIES = (f"{SKOS}prefLabel", f"{ELI}title", f"{DCT}title", f"{RDFS}label",
                    "http://xmlns.com/foaf/0.1/name")


# ------------------------------------------------------------------ formats


@dataclass(frozen=True)
class RdfOut:
    extension: str
    media_type: str
    ox_format: ox.RdfFormat | None  # None: JSON-LD, written by rdflib with the project's context


RDF_OUT = {
    "ttl": RdfOut("ttl", "text/turtle", ox.RdfFormat.TURTLE),
    "jsonld": RdfOut("jsonld", "application/ld+json", None),
    "nt": RdfOut("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
}
#: media types a client may ask a description for, in the server's order of preference
DESCRIPTION_TYPES = {"text/html": "html", "application/xhtml+xml": "html", "text/turtle": "ttl",
                     "application/x-turtle": "ttl", "application/ld+json": "jsonld",
                     "application/json": "jsonld", "application/n-triples": "nt",
                     "text/plain": "nt"}

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": None,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
#: ``format=`` (SPARQLWrapper sends it, and the query page's download links use it): what it
#: names for query results and for graphs (``xml`` and ``json`` mean different things for each)
FORMAT_PARAM = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv", "tsv": "text/tab-separated-values"}
FORMAT_PARAM_GRAPH = {"turtle": "text/turtle", "ttl": "text/turtle", "n3": "text/turtle",
                      "nt": "application/n-triples", "n-triples": "application/n-triples",
                      "jsonld": "application/ld+json", "json-ld": "application/ld+json",
                      "json": "application/ld+json", "xml": "application/rdf+xml",
                      "rdf+xml": "application/rdf+xml", "rdfxml": "application/rdf+xml"}


class Refused(HTTPException):
    """An HTTP error whose body is one plain-text line saying why (SPARQL clients show it)."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def get_response(self, environ=None, scope=None):  # noqa: ARG002 - werkzeug's signature
        return Response(self.message + "\n", status=self.code, mimetype="text/plain",
                        headers=_COMMON_HEADERS)


_COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
# the pages load their script and style from this server only, and nothing else
_PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def best_match(accept: MIMEAccept, offers: Iterable[str], fmt: str | None = None,
               names: dict[str, str] | None = None) -> str | None:
    """The offered media type the client prefers (``format=``, a name from ``names`` or a
    media type, wins over ``Accept``); with no ``Accept`` header at all, the first offer."""
    offers = list(offers)
    if fmt:
        wanted = (names or FORMAT_PARAM).get(fmt.lower(), fmt.lower())
        return wanted if wanted in offers else None
    if not accept:
        return offers[0]
    return accept.best_match(offers)


# ------------------------------------------------------------------ the store, kept current


class LiveStore:
    """The published store of ``out_dir``, opened read-only, and opened again when a build
    has published a new one (the ``DIR/store`` link then points elsewhere).  The previous
    store is dropped, not closed: a request still reading it finishes, and its reader lock
    goes with it, so the build can prune that generation later."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self._lock = threading.Lock()
        self._store: GraphStore | None = None
        self.get()

    def get(self) -> GraphStore:
        target = (self.out_dir / "store").resolve()
        store = self._store
        if store is not None and store.path == target:
            return store
        with self._lock:
            if self._store is None or self._store.path != (self.out_dir / "store").resolve():
                self._store = GraphStore.open(self.out_dir, read_only=True)
            return self._store


# ------------------------------------------------------------------ describing a resource


def _key(term) -> tuple:
    return (type(term).__name__, str(term))


def describe(store: GraphStore, iri: str) -> list[ox.Triple]:
    """What the server says about ``iri``: every triple with it as subject (blank nodes
    followed, the concise bounded description) and every triple pointing at it, from the
    union of all named graphs, each triple once.  For a named graph's own IRI: its triples.
    Sorted, so the same store gives the same bytes."""
    node = ox.NamedNode(iri)
    seen: set = set()
    out: list[ox.Triple] = []

    def add(q) -> None:
        t = ox.Triple(q.subject, q.predicate, q.object)
        if t not in seen:
            seen.add(t)
            out.append(t)

    db = store.ox
    if db.contains_named_graph(node):
        for q in db.quads_for_pattern(None, None, None, node):
            add(q)
    todo = [node]
    done: set = set()
    while todo:
        subject = todo.pop()
        if subject in done:
            continue
        done.add(subject)
        for q in db.quads_for_pattern(subject, None, None, None):
            add(q)
            if isinstance(q.object, ox.BlankNode):
                todo.append(q.object)
    for q in db.quads_for_pattern(None, None, node, None):
        add(q)
    out.sort(key=lambda t: (_key(t.subject), t.predicate.value, _key(t.object)))
    return out


def exists(store: GraphStore, iri: str) -> bool:
    node = ox.NamedNode(iri)
    db = store.ox
    return (db.contains_named_graph(node)
            or next(iter(db.quads_for_pattern(node, None, None, None)), None) is not None
            or next(iter(db.quads_for_pattern(None, None, node, None)), None) is not None)


def serialize(triples: list[ox.Triple], fmt: RdfOut | str, base: str) -> bytes:
    fmt = RDF_OUT[fmt] if isinstance(fmt, str) else fmt
    if fmt.ox_format is None:
        from cgtkg.graph.export import jsonld_context
        from cgtkg.graph.store import to_rdflib

        g = Graph()
        for t in triples:
            g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return g.serialize(format="json-ld", context=jsonld_context(base), encoding="utf-8")
    return ox.serialize(triples, format=fmt.ox_format, prefixes=_prefixes(base))


def _prefixes(base: str) -> dict[str, str]:
    out = {k: str(v) for k, v in PREFIXES.items() if k != "sh"}
    out.update(instance_prefixes(base))
    out["gr"] = f"{base}graph/"
    return out


# ------------------------------------------------------------------ the site


@dataclass
class Site:
    """The application: which store, which base IRI, and how IRIs map to local paths."""

    out_dir: Path
    base: str | None = None
    live: LiveStore = field(init=False)

    def __post_init__(self) -> None:
        self.live = LiveStore(self.out_dir)
        if self.base is None:
            self.base = Q.detect_base(self.live.get())
        self.env = Environment(loader=FileSystemLoader(str(WEB_DIR)),
                               autoescape=select_autoescape(["html"]), trim_blocks=True,
                               lstrip_blocks=True)
        self.env.globals["local"] = self.local
        self.urls = Map([
            Rule("/", endpoint="home"),
            Rule("/sparql", endpoint="sparql", methods=["GET", "POST", "HEAD"]),
            Rule("/id/<path:rest>", endpoint="resource"),
            Rule("/page/<path:rest>", endpoint="page"),
            Rule("/data/<path:rest>", endpoint="data"),
            Rule("/ontology", endpoint="ontology"),
            Rule("/documents", endpoint="documents"),
            Rule("/agencies", endpoint="agencies"),
            Rule("/network", endpoint="network"),
            Rule("/api/queries", endpoint="saved_queries"),
            Rule("/api/query/<name>", endpoint="saved_query"),
            Rule("/static/<name>", endpoint="static"),
            Rule("/favicon.ico", endpoint="favicon"),
        ], strict_slashes=False)

    # -- IRIs and local paths

    def local(self, iri: str) -> str | None:
        """The local path of an IRI this server answers for, or None (an outside link)."""
        if iri.startswith(self.base):
            return "/id/" + _path_quote(iri[len(self.base):])
        if iri.startswith(ONTOLOGY_NS) or iri == ONTOLOGY_NS.rstrip("#"):
            return "/ontology" + ("#" + quote(iri[len(ONTOLOGY_NS):]) if "#" in iri else "")
        return None

    def iri_of(self, rest: str) -> str:
        return self.base + rest

    # -- WSGI

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = MAX_BODY  # a larger POST is 413, never read into memory
        try:
            endpoint, args = self.urls.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **args)
        except StoreError as e:
            response = Refused(503, f"the store cannot be read: {e}").get_response()
        except HTTPException as e:
            response = e.get_response(environ) if isinstance(e, Refused) else Refused(
                e.code or 500, f"{e.code} {e.name}: {e.description}").get_response()
        for k, v in _COMMON_HEADERS.items():
            response.headers.setdefault(k, v)
        return response(environ, start_response)

    def render(self, template: str, status: int = 200, **values) -> Response:
        page = self.env.get_template(template).render(base=self.base, **values)
        return Response(page, status=status, mimetype="text/html",
                        headers={"Content-Security-Policy": _PAGE_CSP})

    # -- static files and the query page

    def on_static(self, request: Request, name: str) -> Response:
        if name not in STATIC_FILES:
            raise NotFound()
        return Response((WEB_DIR / name).read_bytes(), mimetype=STATIC_FILES[name],
                        headers={"Cache-Control": "no-cache"})

    def on_favicon(self, request: Request) -> Response:
        return Response(status=204)

    def on_home(self, request: Request) -> Response:
        store = self.live.get()
        counts = _home_counts(store)
        example = ("PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
                   "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
                   "SELECT ?document ?title ?date WHERE {\n"
                   "  ?document a eli:LegalResource ; dcterms:title ?title .\n"
                   "  OPTIONAL { ?document eli:date_document ?date }\n"
                   "} ORDER BY DESC(?date) LIMIT 20")
        return self.render("serve-home.html", counts=counts, example=example,
                           local_base="/id/")

    # -- the SPARQL endpoint

    def on_sparql(self, request: Request) -> Response:
        text, default_graphs, named_graphs = _protocol_request(request)
        if text is None:
            if best_match(request.accept_mimetypes, ["text/html", "application/json"]) == "text/html":
                return Response(status=303, headers={"Location": "/"})
            raise Refused(400, "no query: pass query= (GET or a POSTed form) or POST "
                          "application/sparql-query")
        if Q.mentions_service(text):
            raise Refused(403, "SERVICE is refused: this server never sends queries to other servers")
        store = self.live.get()
        kwargs: dict = {}
        if default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            result = store.ox.query(text, **kwargs)
        except SyntaxError as e:
            if _is_update(text):
                raise Refused(403, "this endpoint is read-only: SPARQL updates are refused") from None
            raise Refused(400, f"SPARQL syntax error: {e}") from None
        except ValueError as e:
            raise Refused(400, f"the query cannot run: {e}") from None
        except OSError as e:
            raise Refused(500, f"reading the store failed: {e}") from None
        return self._results(request, result)

    def _results(self, request: Request, result) -> Response:
        fmt = request.values.get("format")
        if isinstance(result, ox.QueryTriples):
            offers = list(GRAPH_TYPES)
            chosen = best_match(request.accept_mimetypes, offers, fmt, FORMAT_PARAM_GRAPH)
            if chosen is None:
                raise Refused(406, f"a graph result is available as {', '.join(offers)}")
            triples = list(result)
            if GRAPH_TYPES[chosen] is None:
                body = serialize(triples, "jsonld", self.base)
            else:
                body = ox.serialize(triples, format=GRAPH_TYPES[chosen], prefixes=_prefixes(self.base))
        else:
            offers = list(RESULT_TYPES)
            chosen = best_match(request.accept_mimetypes, offers, fmt)
            if chosen is None:
                raise Refused(406, f"query results are available as {', '.join(offers)}")
            body = result.serialize(format=RESULT_TYPES[chosen])
        mimetype = {"application/json": "application/sparql-results+json",
                    "application/xml": "application/sparql-results+xml",
                    "text/xml": "application/sparql-results+xml"}.get(chosen, chosen)
        return Response(body, mimetype=mimetype, headers={"Vary": "Accept"})

    # -- dereferenceable IRIs

    def on_resource(self, request: Request, rest: str) -> Response:
        iri = self.iri_of(rest)
        if not exists(self.live.get(), iri):
            alias = self._expand_prefix(rest)
            if alias is not None:  # /id/ag/nmpa, as the prefixed name ag:nmpa reads
                return Response(status=301, headers={"Location": f"/id/{_path_quote(alias)}"})
            return self._not_found(iri)
        offers = list(DESCRIPTION_TYPES)
        chosen = best_match(request.accept_mimetypes, offers)
        if chosen is None:
            raise Refused(406, "a description is available as " + ", ".join(offers))
        kind = DESCRIPTION_TYPES[chosen]
        where = f"/page/{_path_quote(rest)}" if kind == "html" else f"/data/{_path_quote(rest)}.{kind}"
        return Response(f"See {where}\n", status=303, mimetype="text/plain",
                        headers={"Location": where, "Vary": "Accept"})

    def _expand_prefix(self, rest: str) -> str | None:
        """``ag/nmpa`` -> ``agency/nmpa`` when the project's prefix ``ag:`` names an IRI the
        store knows (the short forms ``cgtkg query --param`` and the docs use)."""
        prefix, _, local = rest.partition("/")
        namespace = instance_prefixes(self.base).get(prefix) or (f"{self.base}graph/" if prefix == "gr" else None)
        if not local or namespace is None or not namespace.startswith(self.base):
            return None
        if not exists(self.live.get(), namespace + local):
            return None
        return namespace[len(self.base):] + local

    def on_data(self, request: Request, rest: str) -> Response:
        stem, dot, ext = rest.rpartition(".")
        if not dot or ext not in RDF_OUT:
            raise Refused(404, f"ask for /data/PATH.ttl, .jsonld or .nt, not {rest!r}")
        iri = self.iri_of(stem)
        store = self.live.get()
        if not exists(store, iri):
            raise Refused(404, f"nothing is known about <{iri}>")
        fmt = RDF_OUT[ext]
        return Response(serialize(describe(store, iri), fmt, self.base), mimetype=fmt.media_type,
                        headers={"Link": f'<{iri}>; rel="describedby"'})

    def on_page(self, request: Request, rest: str) -> Response:
        from cgtkg.graph.serve_pages import resource_view

        iri = self.iri_of(rest)
        store = self.live.get()
        if not exists(store, iri):
            return self._not_found(iri)
        view = resource_view(store, iri, self)
        return self.render("serve-resource.html", view=view, data_path=f"/data/{_path_quote(rest)}")

    def on_ontology(self, request: Request) -> Response:
        from cgtkg.graph.serve_pages import ontology_view

        store = self.live.get()
        chosen = best_match(request.accept_mimetypes, list(DESCRIPTION_TYPES), request.args.get("format"),
                            {"ttl": "text/turtle", "jsonld": "application/ld+json",
                             "nt": "application/n-triples", "html": "text/html"})
        triples = _all_about(store, ONTOLOGY_NS.rstrip("#"), self.base)
        if chosen and DESCRIPTION_TYPES[chosen] != "html":
            fmt = RDF_OUT[DESCRIPTION_TYPES[chosen]]
            return Response(serialize(triples, fmt, self.base), mimetype=fmt.media_type,
                            headers={"Vary": "Accept"})
        return self.render("serve-ontology.html", view=ontology_view(store, triples, self))

    def _not_found(self, iri: str) -> Response:
        response = self.render("serve-missing.html", status=404, iri=iri)
        response.headers["Vary"] = "Accept"
        return response

    # -- lists to browse from

    def on_documents(self, request: Request) -> Response:
        from cgtkg.graph.serve_pages import document_list

        return self.render("serve-list.html", title="Documents", rows=document_list(self.live.get(), self),
                           columns=("Document", "Number", "Date"))

    def on_agencies(self, request: Request) -> Response:
        from cgtkg.graph.serve_pages import agency_list

        return self.render("serve-list.html", title="Agencies", rows=agency_list(self.live.get(), self),
                           columns=("Agency", "中文", "Provisions"))

    def on_network(self, request: Request) -> Response:
        """The page `cgtkg network` wrote into DIR/network, told this server's base IRI so that
        its links to documents, agencies and sources open their pages here."""
        path = self.out_dir / "network" / "network.html"
        if not path.is_file():
            raise Refused(404, f"no network page at {path}: run `cgtkg network --out {self.out_dir}`")
        page = path.read_text(encoding="utf-8")
        meta = f'<meta name="cgtkg-id-base" content="{html.escape(self.base, quote=True)}">'
        page = page.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n' + meta, 1)
        return Response(page, mimetype="text/html")  # its own policy (inline, nothing else) applies

    # -- saved queries

    def on_saved_queries(self, request: Request) -> Response:
        try:
            saved = Q.saved_queries()
        except Q.QueryError as e:
            raise Refused(500, str(e)) from None
        listing = [{"name": q.name, "title": q.title, "description": q.description,
                    "examples": q.examples, "form": q.form, "text": q.text,
                    "params": [{"name": p.name, "type": p.type, "default": p.default,
                                "required": p.required, "doc": p.doc} for p in q.params.values()]}
                   for q in saved if not q.uses_service]
        return Response(json.dumps(listing, ensure_ascii=False), mimetype="application/json")

    def on_saved_query(self, request: Request, name: str) -> Response:
        """A saved query with its parameters from the URL, bound as RDF terms (as ``cgtkg query``)."""
        given = {k: v for k, v in request.args.items() if k != "format"}
        store = self.live.get()
        try:
            saved = Q.load(name)
            bindings = Q.resolve_bindings(saved, given, self.base)
            result = Q.run_local(store, saved, bindings, base=self.base)
        except Q.QueryError as e:
            raise Refused(400, str(e)) from None
        offers = {"application/sparql-results+json": "json", "application/json": "json",
                  "text/csv": "csv", "text/tab-separated-values": "tsv"}
        chosen = best_match(request.accept_mimetypes, list(offers), request.args.get("format"))
        if chosen is None:
            raise Refused(406, "saved query results are available as " + ", ".join(offers))
        fmt = offers[chosen]
        body = Q.format_result(result, fmt, self.base)
        if result.graph is not None:
            chosen = "text/turtle" if fmt != "json" else "application/ld+json"
        elif chosen == "application/json":
            chosen = "application/sparql-results+json"
        return Response(body, mimetype=chosen, headers={"Vary": "Accept"})


def _home_counts(store: GraphStore) -> dict[str, int]:
    counts = {}
    for name, cls in (("documents", f"{ELI}LegalResource"),
                      ("provisions", f"{ELI}LegalResourceSubdivision"),
                      ("agencies", "http://www.w3.org/ns/org#Organization"),
                      ("passages", f"{OA}Annotation")):
        # a copy merged into a canonical node counts through it (cgtkg/pipeline/resolve.py)
        rows = store.ox.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{cls}> "
                              f"MINUS {{ ?x <{CGT.canonical}> ?canonical }} }}",
                              use_default_graph_as_union=True)
        counts[name] = int(next(iter(rows))["n"].value)
    return counts


def _all_about(store: GraphStore, prefix: str, base: str) -> list[ox.Triple]:
    """Triples whose subject starts with ``prefix``, from the registry graph, where the build
    puts the ontology (reading only that graph keeps this fast on a large store)."""
    seen: set = set()
    out = []
    registry = ox.NamedNode(str(graph_iri("registry", base)))
    for q in store.ox.quads_for_pattern(None, None, None, registry):
        s = q.subject
        if isinstance(s, ox.NamedNode) and s.value.startswith(prefix):
            t = ox.Triple(q.subject, q.predicate, q.object)
            if t not in seen:
                seen.add(t)
                out.append(t)
    out.sort(key=lambda t: (_key(t.subject), t.predicate.value, _key(t.object)))
    return out


def _path_quote(rest: str) -> str:
    return quote(rest, safe="/-._~:@!$&'()*+,;=")


_FORM = "application/x-www-form-urlencoded"


def _protocol_request(request: Request) -> tuple[str | None, list[str], list[str]]:
    """The query text and graph parameters of a SPARQL 1.1 Protocol request; an update is
    refused with 403, a malformed request with 400 or 415."""
    if request.method == "POST":
        ctype = request.mimetype
        if ctype == "application/sparql-update":
            raise Refused(403, "this endpoint is read-only: SPARQL updates are refused")
        if ctype == _FORM:
            params = request.form
            if "update" in params:
                raise Refused(403, "this endpoint is read-only: SPARQL updates are refused")
            texts = params.getlist("query")
        elif ctype == "application/sparql-query":
            try:
                texts = [request.get_data(as_text=False).decode(request.mimetype_params.get("charset", "utf-8"))]
            except (UnicodeDecodeError, LookupError) as e:
                raise Refused(400, f"the query is not text in its declared encoding: {e}") from None
        else:
            raise Refused(415, "POST a form (application/x-www-form-urlencoded) or "
                          "application/sparql-query")
        defaults = request.args.getlist("default-graph-uri") + (
            request.form.getlist("default-graph-uri") if ctype == _FORM else [])
        named = request.args.getlist("named-graph-uri") + (
            request.form.getlist("named-graph-uri") if ctype == _FORM else [])
    else:
        if "update" in request.args:
            raise Refused(403, "this endpoint is read-only: SPARQL updates are refused")
        texts = request.args.getlist("query")
        defaults = request.args.getlist("default-graph-uri")
        named = request.args.getlist("named-graph-uri")
    if len(texts) > 1:
        raise Refused(400, "give one query, not several")
    for g in defaults + named:
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*$", g):
            raise Refused(400, f"not an IRI: {g!r}")
    return (texts[0] if texts else None), defaults, named


def _is_update(text: str) -> bool:
    try:
        Q.inspect_sparql(text)
    except Q.QueryError as e:
        return "is a SPARQL update" in str(e)
    return False


# ------------------------------------------------------------------ running


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_free(host: str, port: int) -> None:
    """Raise OSError (with the reason) when ``host:port`` cannot be listened on."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))


def make_app(out_dir: Path, base: str | None = None) -> Site:
    return Site(Path(out_dir), base)


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 8000, base: str | None = None,
          ready=None):
    """Serve until interrupted.  ``ready(server)`` is called once the socket listens (with the
    real port when ``port`` is 0)."""
    site = make_app(out_dir, base)
    _check_free(host, port)
    try:
        server = make_server(host, port, site, threaded=True)
    except SystemExit:  # werkzeug says why on standard error and exits 1: taken meanwhile
        raise OSError(errno.EADDRINUSE, "the address is in use") from None
    if ready is not None:
        ready(server, site)
    try:
        server.serve_forever()
    finally:
        server.server_close()
