"""Dereferencing the dataset's IRIs on a real ``cgtkg serve``: 303 See Other by content
negotiation, and the Turtle, JSON-LD and N-Triples it leads to parsed and compared, as graphs,
with the build's own TriG output."""

from __future__ import annotations

import http.client
import re
import urllib.parse
from html.parser import HTMLParser

import pytest
from cgtkg.graph.namespaces import DEFAULT_BASE, ELI, OA
from markupsafe import escape  # what the page's templates escape with (Jinja)
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF
from serve_server import Server

from cgtkg.pipeline.build import BuildOptions, build

FORMATS = {"text/turtle": ("ttl", "turtle"), "application/ld+json": ("jsonld", "json-ld"),
           "application/n-triples": ("nt", "nt")}


def _get(server, path, accept=None):
    u = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("GET", path, headers={"Accept": accept} if accept else {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r, body


def expected_description(union: Graph, dataset, iri: str) -> Graph:
    """Independently of the server: every triple about or pointing at ``iri``, and a named
    graph's own triples."""
    g = Graph()
    node = URIRef(iri)
    for t in union.triples((node, None, None)):
        g.add(t)
    for t in union.triples((None, None, node)):
        g.add(t)
    if node in {c.identifier for c in dataset.graphs()}:
        for t in dataset.graph(node):
            g.add(t)
    return g


def _families(union: Graph) -> list[str]:
    """One IRI of each family the build mints (documents, provisions, agencies, regions ...)."""
    seen: dict[str, str] = {}
    for s in sorted({s for s in union.subjects() if isinstance(s, URIRef) and str(s).startswith(DEFAULT_BASE)}):
        rest = str(s)[len(DEFAULT_BASE):]
        family = rest.split("/")[0] + ("/provision" if re.search(r"^doc/[^/]+/(article|measure|item)/", rest) else "")
        seen.setdefault(family, str(s))
    return list(seen.values())


def test_every_iri_family_negotiates_to_the_same_graph_in_three_syntaxes(server, union, dataset):
    # graph/canonical: the copies merged into canonical nodes (cgtkg/pipeline/resolve.py), never empty with the texts
    iris = _families(union) + [DEFAULT_BASE + "graph/canonical", "https://w3id.org/cgt-kg/id/agency/nmpa"]
    families = {i[len(DEFAULT_BASE):].split("/")[0] for i in iris}
    assert {"doc", "agency", "region", "therapy", "doctype", "concept", "scheme", "source", "event",
            "activity", "graph"} <= families
    for iri in iris:
        path = "/id/" + iri[len(DEFAULT_BASE):]
        expected = expected_description(union, dataset, iri)
        assert len(expected) > 0, iri
        for accept, (ext, fmt) in FORMATS.items():
            r, _ = _get(server, path, accept)
            assert r.status == 303, (path, accept, r.status)
            assert "Accept" in r.getheader("Vary", "")
            location = r.getheader("Location")
            assert location == f"/data/{iri[len(DEFAULT_BASE):]}.{ext}"
            r2, body = _get(server, location)
            assert r2.status == 200 and r2.getheader("Content-Type").startswith(accept)
            got = Graph().parse(data=body, format=fmt)
            assert isomorphic(got, expected), f"{location}: {len(got)} triples, expected {len(expected)}"
        r, _ = _get(server, path, "text/html")
        assert r.status == 303 and r.getheader("Location") == "/page/" + iri[len(DEFAULT_BASE):]
        r, body = _get(server, r.getheader("Location"))
        assert r.status == 200 and f"<code>{iri}</code>" in body.decode("utf-8"), iri


def test_a_browser_is_sent_to_the_page_and_unknown_iris_are_404(server, union):
    doc = next(s for s in union.subjects(RDF.type, ELI.LegalResource) if "/doc/x-" not in str(s))
    rest = str(doc)[len(DEFAULT_BASE):]
    r, _ = _get(server, f"/id/{rest}", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert r.status == 303 and r.getheader("Location") == f"/page/{rest}"
    r, body = _get(server, f"/page/{rest}")
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/html")
    title = str(next(t for t in union.objects(doc, DCTERMS.title) if t.language == "en"))
    assert title in body.decode("utf-8").replace("&#39;", "'").replace("&amp;", "&")
    for path in ("/id/doc/no-such-document", "/page/agency/no-such-agency", "/data/region/nowhere.ttl"):
        assert _get(server, path, "text/turtle")[0].status == 404, path
    r, _ = _get(server, f"/id/{rest}", "image/png")
    assert r.status == 406


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "link", "script"):
            self.hrefs += [v for k, v in attrs if k in ("href", "src") and v]


def test_links_on_a_page_stay_on_the_server_and_resolve(server, union):
    doc = max((s for s in union.subjects(RDF.type, ELI.LegalResource)),
              key=lambda d: (len(list(union.subjects(ELI.is_part_of, d))), str(d)))
    rest = str(doc)[len(DEFAULT_BASE):]
    _, body = _get(server, f"/page/{rest}")
    parser = _Links()
    parser.feed(body.decode("utf-8"))
    assert not [h for h in parser.hrefs if h.startswith(DEFAULT_BASE)], "links to the dataset must stay local"
    local = sorted({h.split("#")[0] for h in parser.hrefs if h.startswith("/")})
    assert len(local) > 10
    for h in local:
        r, _ = _get(server, h, "text/html")
        assert r.status in (200, 303), (h, r.status)


@pytest.mark.slow
def test_a_store_built_with_another_base_is_served_at_id(tmp_path):
    base = "https://example.org/kg/"
    out = tmp_path / "out"
    assert build(BuildOptions(out_dir=out, base=base, source_texts_dir=None)).exit_code == 0
    s = Server(out, tmp_path / "serve.log")
    try:
        r, body = _get(s, "/data/agency/nmpa.nt")
        assert r.status == 200
        g = Graph().parse(data=body, format="nt")
        assert (URIRef(base + "agency/nmpa"), None, None) in g
        _, page = _get(s, "/page/agency/nmpa")
        assert 'href="/id/region/china"' in page.decode()
    finally:
        s.stop()
    # told to answer for the w3id base, the same store has nothing there
    s = Server(out, tmp_path / "serve2.log", "--base", DEFAULT_BASE)
    try:
        assert _get(s, "/id/agency/nmpa", "text/turtle")[0].status == 404
    finally:
        s.stop()


def test_passages_are_quoted_on_the_provision_page(server, union, has_corpus):
    if not has_corpus:
        pytest.skip("../shared/corpus is not there: the build has no extracted passages")
    provision = max((o for o in union.objects(None, URIRef("https://w3id.org/cgt-kg/ontology#concerns"))
                     if "/doc/x-" in str(o) and (o, ELI.is_part_of, None) in union), key=str)
    annotations = [a for a in union.subjects(URIRef("https://w3id.org/cgt-kg/ontology#concerns"), provision)
                   if (a, RDF.type, OA.Annotation) in union]
    passages = set(union.objects(provision, URIRef("https://w3id.org/cgt-kg/ontology#passage")))
    _, body = _get(server, "/page/" + str(provision)[len(DEFAULT_BASE):])
    page = body.decode("utf-8")
    assert page.count('<figure class="passage">') == len(annotations) + len(passages)
    assert annotations and passages
    # the provision's own text is quoted, first
    own = {str(q) for t in passages for s in union.objects(t, OA.hasSelector) for q in union.objects(s, OA.exact)}
    first = page.index('<figure class="passage">')
    assert any(str(escape(q)) in page[first:page.index("</figure>", first)] for q in own)


def test_ontology_terms_are_served_at_ontology(server, union):
    cgt = "https://w3id.org/cgt-kg/ontology#"
    expected = Graph()
    for t in union:
        if isinstance(t[0], URIRef) and str(t[0]).startswith(cgt.rstrip("#")):
            expected.add(t)
    assert len(expected) > 50
    r, body = _get(server, "/ontology", "text/turtle")
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/turtle")
    assert isomorphic(Graph().parse(data=body, format="turtle"), expected)
    _, page = _get(server, "/ontology", "text/html")
    assert 'id="partOfDocument"' in page.decode("utf-8")
    # a page's property links lead there
    _, doc_page = _get(server, "/page/agency/nmpa")
    assert 'href="/ontology#administrativeLevel"' in doc_page.decode("utf-8")


def test_prefixed_names_are_short_ways_in(server):
    """``/id/ag/nmpa`` reads like ``ag:nmpa``: it leads to the agency's own IRI, which then
    negotiates as usual; a short form of nothing is still 404."""
    r, _ = _get(server, "/id/ag/nmpa", "text/turtle")
    assert r.status == 301 and r.getheader("Location") == "/id/agency/nmpa"
    r, _ = _get(server, "/id/rg/guangdong", "text/html")
    assert r.status == 301 and r.getheader("Location") == "/id/region/guangdong"
    assert _get(server, "/id/ag/no-such-agency", "text/turtle")[0].status == 404
