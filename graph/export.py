"""Exports for linked-data consumers, and a VoID/DCAT description of the dataset.

Why several formats: Turtle and N-Triples carry the merged graph for tools that know no
named graphs; TriG and N-Quads keep one graph per source document (provenance by graph);
JSON-LD serves web developers.  The JSON-LD context ships with the project
(``graph/jsonld-context.json``) and is embedded in the output, so neither writing nor reading
an export fetches anything from the network.

RDF syntaxes are written by pyoxigraph (streaming, fast on large stores); JSON-LD by rdflib,
which can compact IRIs with the context.  Tests parse every export back with rdflib,
pyoxigraph and, when installed, Raptor's ``rapper``, and compare graphs by isomorphism.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox
from cgtkg.graph.namespaces import CGT, DEFAULT_BASE, ELI, OA, PREFIXES, bind_prefixes, instance_prefixes
from cgtkg.graph.store import GRAPH_TRIPLES
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, VOID, XSD

CONTEXT_FILE = Path(__file__).resolve().parent / "jsonld-context.json"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    media_type: str
    quads: bool  # keeps named graphs
    ox_format: ox.RdfFormat | None


FORMATS: dict[str, Format] = {
    "turtle": Format("turtle", "ttl", "text/turtle", False, ox.RdfFormat.TURTLE),
    "nt": Format("nt", "nt", "application/n-triples", False, ox.RdfFormat.N_TRIPLES),
    "trig": Format("trig", "trig", "application/trig", True, ox.RdfFormat.TRIG),
    "nq": Format("nq", "nq", "application/n-quads", True, ox.RdfFormat.N_QUADS),
    "jsonld": Format("jsonld", "jsonld", "application/ld+json", True, None),
}


def prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    out = {k: str(v) for k, v in PREFIXES.items() if k != "sh"}
    out.update(instance_prefixes(base))
    out["gr"] = f"{base}graph/"
    return out


def jsonld_context(base: str = DEFAULT_BASE) -> dict:
    """The shipped context, with instance prefixes moved to ``base`` if it is not the default."""
    try:
        ctx = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    except (OSError, ValueError, KeyError) as e:
        raise RuntimeError(f"{CONTEXT_FILE}: the JSON-LD context is missing or broken ({e}); "
                           "reinstall cgtkg") from None
    if base != DEFAULT_BASE:
        ctx = {k: (base + v[len(DEFAULT_BASE):] if isinstance(v, str) and v.startswith(DEFAULT_BASE)
                   else v) for k, v in ctx.items()}
    return ctx


# ------------------------------------------------------------------ the union graph


_UNION = "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"


def union_triples(store):
    """Every triple of every named graph, once (a triple two graphs share is one triple)."""
    for sol in store.ox.query(_UNION):
        yield ox.Triple(sol["s"], sol["p"], sol["o"])


def export(store, fmt: str, *, base: str = DEFAULT_BASE) -> bytes:
    """The whole store in ``fmt`` (see :data:`FORMATS`)."""
    f = FORMATS[fmt]
    if f.name == "jsonld":
        return store.to_dataset().serialize(format="json-ld", context=jsonld_context(base),
                                            encoding="utf-8", indent=1)
    pfx = prefixes(base) if f.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    if f.quads:
        return store.ox.dump(format=f.ox_format, prefixes=pfx) if pfx else \
            store.ox.dump(format=f.ox_format)
    if pfx:
        return ox.serialize(union_triples(store), format=f.ox_format, prefixes=pfx)
    return ox.serialize(union_triples(store), format=f.ox_format)


# ------------------------------------------------------------------ VoID / DCAT


def tool_version() -> str:
    try:
        return metadata.version("cgtkg")
    except metadata.PackageNotFoundError:
        from cgtkg.graph.version import TOOL_VERSION

        return TOOL_VERSION


def build_info(out_dir: Path | None) -> dict:
    """What the build recorded (``build-report.json``): time, version, base; {} if absent."""
    if out_dir is None:
        return {}
    path = Path(out_dir) / "build-report.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def dataset_iri(base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(f"{base}dataset")


def void_description(store, *, base: str = DEFAULT_BASE, out_dir: Path | None = None,
                     endpoint: str | None = None) -> Graph:
    """VoID + DCAT description: graphs with triple counts, classes, sources, licence, build.

    Each named graph is a ``void:subset`` that is also an ``sd:NamedGraph`` (``sd:name`` is
    the graph IRI), so a client can list the dataset's graphs from this description alone;
    ``cgtkg push`` stores it on the server for exactly that.
    """
    info = build_info(out_dir)
    built_at = info.get("built_at")
    if not built_at and getattr(store, "path", None):
        mtime = Path(store.path).stat().st_mtime
        built_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(mtime))
    version = info.get("tool_version") or tool_version()

    g = bind_prefixes(Graph(), base)
    g.bind("sd", SD)
    ds = dataset_iri(base)
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title,
           Literal("China cell and gene therapy policy knowledge graph", lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        "Chinese cell and gene therapy policy documents, their provisions, the government bodies "
        "responsible for each, the regions they apply to and the therapy types they concern, "
        "with the source texts each fact was taken from.", lang="en")))
    g.add((ds, DCTERMS.license, CC_BY))
    g.add((ds, VOID.uriSpace, Literal(base)))
    # void:triples counts triples, not quads: a triple that two named graphs hold is one
    distinct = int(store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")[0]["n"])
    g.add((ds, VOID.triples, Literal(distinct, datatype=XSD.integer)))
    for ns in (ELI, PREFIXES["org"], PREFIXES["skos"], PROV, OA, DCTERMS, CGT._NS):
        g.add((ds, VOID.vocabulary, URIRef(str(ns))))
    if built_at:
        g.add((ds, DCTERMS.modified, Literal(built_at, datatype=XSD.dateTime)))
    if endpoint:
        g.add((ds, VOID.sparqlEndpoint, URIRef(endpoint)))

    software = URIRef(f"{base}software/cgtkg")
    activity = URIRef(f"{base}activity/build")
    g.add((ds, PROV.wasGeneratedBy, activity))
    g.add((activity, RDF.type, PROV.Activity))
    if built_at:
        g.add((activity, PROV.endedAtTime, Literal(built_at, datatype=XSD.dateTime)))
    g.add((activity, PROV.wasAssociatedWith, software))
    g.add((software, RDF.type, PROV.SoftwareAgent))
    g.add((software, RDFS.label, Literal("cgtkg")))
    g.add((software, OWL.versionInfo, Literal(str(version))))

    for row in store.query("PREFIX cgt: <https://w3id.org/cgt-kg/ontology#> "
                           "SELECT DISTINCT ?s WHERE { ?s a cgt:SourceText }"):
        g.add((ds, DCTERMS.source, row["s"]))

    counts = {str(r["g"]): int(r["n"]) for r in store.query(GRAPH_TRIPLES)}
    for graph_iri in store.named_graphs():
        sub = URIRef(f"{ds}/{_slug(graph_iri, base)}")
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, RDF.type, SD.NamedGraph))
        g.add((sub, SD.name, graph_iri))
        g.add((sub, VOID.triples, Literal(counts.get(str(graph_iri), 0), datatype=XSD.integer)))

    for row in store.query("SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c"):
        cls = row["c"]
        part = URIRef(f"{ds}/class/{_slug(cls, base)}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(int(row["n"]), datatype=XSD.integer)))
    return g


def _slug(iri, base: str) -> str:
    """A readable, stable IRI segment for a graph or class: ``gr:doc/x`` -> ``graph/doc/x``."""
    text = str(iri)
    if text.startswith(base):
        return text[len(base):]
    for prefix, ns in prefixes(base).items():
        if text.startswith(ns):
            return f"{prefix}-{text[len(ns):]}"
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")
