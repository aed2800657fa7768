"""The agency-responsibility network: who is made responsible for what, and with whom.

Two graphs are built from the store, and only through the saved queries in
``queries/network-*.rq`` (the same text a user can run with any SPARQL client):

* the **bipartite** graph links each agency to every provision (measure, article, item)
  a policy text makes it responsible for;
* its **projection** onto agencies links two agencies when they share responsibility
  for at least one provision; the edge ``weight`` is the number they share.

Filters (document, issuer, region, therapy, date range) each run their own saved query
with the filter value passed as a SPARQL binding, and the network keeps the provisions
that every given filter returns.  One query per filter, rather than one query with
optional ``FILTER(!BOUND(?x) || ...)`` clauses, because pyoxigraph substitutes bindings
after its optimiser has decided that a variable no pattern binds is never bound: the
optional-filter idiom silently ignores the value (seen with pyoxigraph 0.5).

Node ids are the resources' IRIs, so exports can be joined back to the graph.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import networkx as nx
from cgtkg.graph import namespaces as ns
from cgtkg.graph.store import GraphStore
from networkx.algorithms import bipartite
from rdflib import XSD, Literal, URIRef
from rdflib.namespace import ORG, SKOS

from cgtkg.resources import resource_dir

QUERIES_DIR = resource_dir("queries")

AGENCY = "agency"
MEASURE = "measure"

#: Administrative levels in display order, with the colour every picture uses for them.
LEVELS: dict[str, tuple[str, str]] = {
    "level-national": ("national", "#c0392b"),
    "level-provincial": ("provincial", "#2471a3"),
    "level-municipal": ("municipal", "#229954"),
    "level-district": ("district", "#d68910"),
    "": ("not set / generic", "#7f8c8d"),
}

DEFAULT_SEED = 42
DEFAULT_TOP = 40  # agencies labelled in the pictures, best connected first
OPEN_FROM = date(1, 1, 1)
OPEN_TO = date(9999, 12, 31)


class NetworkError(ValueError):
    """A filter value that names nothing in the store, or an unusable option."""


# ---------------------------------------------------------------- saved queries


def load_query(name: str, queries_dir: Path = QUERIES_DIR) -> str:
    """Text of ``queries/<name>.rq``; the network has no other way of reading the data."""
    path = Path(queries_dir) / f"{name}.rq"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise NetworkError(f"saved query {path} is missing") from e


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class NetworkFilters:
    """What part of the network to draw.  Values are registry keys (or full IRIs)."""

    document: str | None = None
    issuer: str | None = None
    region: str | None = None
    therapy: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def is_empty(self) -> bool:
        return not any(
            (self.document, self.issuer, self.region, self.therapy, self.date_from, self.date_to)
        )

    def describe(self) -> str:
        """Short human-readable account, used in titles and exports."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("document", self.document),
                ("issuer", self.issuer),
                ("region", self.region),
                ("therapy", self.therapy),
            )
            if value
        ]
        if self.date_from or self.date_to:
            lo = self.date_from.isoformat() if self.date_from else "…"
            hi = self.date_to.isoformat() if self.date_to else "…"
            parts.append(f"dates {lo} to {hi}")
        return ", ".join(parts) if parts else "none"


# (filter field, IRI kind, class the term must have, saved query, binding variable)
_TERM_FILTERS = (
    ("document", "doc", ns.ELI.LegalResource, "network-filter-document", "document"),
    ("issuer", "agency", ORG.Organization, "network-filter-issuer", "issuer"),
    ("region", "region", SKOS.Concept, "network-filter-region", "region"),
    ("therapy", "therapy", SKOS.Concept, "network-filter-therapy", "therapy"),
)


def detect_base(store: GraphStore) -> str:
    """The instance base the store was built with, read off its registry graph's name."""
    for g in store.named_graphs():
        s = str(g)
        if s.endswith("graph/registry"):
            return s[: -len("graph/registry")]
    return ns.DEFAULT_BASE


_OPTION = {"doc": "document", "agency": "issuer", "region": "region", "therapy": "therapy"}
_KEY_KIND = {"doc": "document", "agency": "agency", "region": "region", "therapy": "therapy"}


def resolve_filters(store: GraphStore, filters: NetworkFilters, base: str) -> dict[str, URIRef]:
    """Turn filter keys into IRIs and check each names something of the right kind.

    A key is written as everywhere else (graph/keys.py): ``guangdong``, ``rg:guangdong`` or
    the full IRI; one that names nothing is an error with the closest keys."""
    from cgtkg.graph.keys import BadKey, KeyIndex, parse_key

    resolved: dict[str, URIRef] = {}
    exists = load_query("network-term-exists")
    index = KeyIndex.for_store(store, base)
    for fld, kind, cls, _query, _var in _TERM_FILTERS:
        value = getattr(filters, fld)
        if not value:
            continue
        try:
            term = parse_key(_KEY_KIND[kind], value, base, what=f"--{_OPTION[kind]}")
            if not store.query(exists, bindings={"term": term, "class": cls}):
                index.check(_KEY_KIND[kind], URIRef("urn:cgtkg:none"), value, what=f"--{fld}")
        except BadKey as e:
            raise NetworkError(str(e)) from None
        resolved[fld] = term
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise NetworkError(
            f"--from {filters.date_from} is after --to {filters.date_to}: nothing can match"
        )
    return resolved


def selected_measures(store: GraphStore, filters: NetworkFilters, base: str) -> set[URIRef] | None:
    """Provisions every given filter keeps (``None`` when no filter is given)."""
    resolved = resolve_filters(store, filters, base)
    keep: set[URIRef] | None = None

    def narrow(rows: list[dict]) -> None:
        nonlocal keep
        found = {r["measure"] for r in rows}
        keep = found if keep is None else keep & found

    for fld, _kind, _cls, query, var in _TERM_FILTERS:
        if fld in resolved:
            narrow(store.query(load_query(query), bindings={var: resolved[fld]}))
    if filters.date_from or filters.date_to:
        lo = Literal((filters.date_from or OPEN_FROM).isoformat(), datatype=XSD.date)
        hi = Literal((filters.date_to or OPEN_TO).isoformat(), datatype=XSD.date)
        narrow(store.query(load_query("network-filter-dates"), bindings={"from": lo, "to": hi}))
    return keep


# ---------------------------------------------------------------- building


def key_of(iri: URIRef | str | None) -> str:
    """Last path segment of an IRI (``.../agency/nmpa`` -> ``nmpa``)."""
    return str(iri).rstrip("/").rsplit("/", 1)[-1] if iri else ""


def doc_key(iri: URIRef | str, base: str) -> str:
    s = str(iri)
    prefix = f"{base}doc/"
    return s[len(prefix) :] if s.startswith(prefix) else key_of(s)


_ABBR_RE = re.compile(r"^[A-Z][A-Za-z0-9&.\-]{1,11}$")
_KEY_WORDS = {"gov": "Gov.", "govs": "Govs", "go": "GO"}


def short_label(label_en: str, alt_labels: list[str], key: str = "") -> str:
    """A short English name for crowded pictures.

    An acronym among the registry's alternative labels ("NMPA") if there is one; else the
    shortest English name if it is short; else one made from the registry key, whose
    parts are the registry's own abbreviations ("shenzhen-amr" -> "Shenzhen AMR").
    """
    acronyms = [a for a in alt_labels if _ABBR_RE.match(a) and sum(c.isupper() for c in a) >= 2]
    if acronyms:
        return min(acronyms, key=lambda a: (len(a), a))
    shortest = min([label_en, *alt_labels], key=lambda a: (len(a), a))
    if len(shortest) <= 24 or not key:
        return shortest
    parts = key.split("-")
    words = [parts[0].capitalize()] + [
        _KEY_WORDS.get(w, w.upper() if len(w) <= 4 else w.capitalize()) for w in parts[1:]
    ]
    return " ".join(words)


def group_rows(rows: list[dict], var: str) -> dict[URIRef, list[dict]]:
    """Rows of a one-row-per-value query, grouped by the resource they describe."""
    out: dict[URIRef, list[dict]] = {}
    for r in rows:
        out.setdefault(r[var], []).append(r)
    return out


def _values(rows: list[dict], var: str) -> list[str]:
    """Distinct values of ``var`` over the rows, sorted (so the choice is reproducible)."""
    return sorted({str(r[var]) for r in rows if r.get(var) is not None})


def _one(rows: list[dict], var: str) -> str:
    vals = _values(rows, var)
    return vals[0] if vals else ""


def _shortest(rows: list[dict], var: str) -> str:
    vals = _values(rows, var)
    return min(vals, key=lambda v: (len(v), v)) if vals else ""


def _agency_attrs(rows: list[dict] | None, iri: URIRef) -> dict:
    rows = rows or []
    en = _one(rows, "labelEn") or key_of(iri)
    level = key_of(_one(rows, "level"))
    return {
        "kind": AGENCY,
        "iri": str(iri),
        "registry_key": key_of(iri),
        "label": en,
        "label_en": en,
        "label_zh": _one(rows, "labelZh"),
        "short": short_label(en, _values(rows, "altLabel"), key_of(iri)),
        "level": level,
        "level_label": _one(rows, "levelLabel") or LEVELS.get(level, LEVELS[""])[0],
        "region": key_of(_one(rows, "region")),
        "region_label": _one(rows, "regionLabel"),
        "parent": key_of(_one(rows, "parent")),
        "parent_label": _one(rows, "parentLabel"),
        "generic": _one(rows, "authority") == "generic",
        "derived": _one(rows, "authority") == "derived",  # function x place, no registry entry
    }


def measure_label(
    type_key: str, number: str, printed: str, parent_type: str, parent_number: str
) -> str:
    """ "Measure 9", "Article 13", "Article 5, item 3" — what a reader looks for in the text."""
    own = f"{type_key.capitalize() or 'Provision'} {number}".strip()
    if type_key in ("item", "paragraph") and parent_type:
        own = f"{parent_type.capitalize()} {parent_number}, {type_key} {number}"
    if printed and printed not in own:
        own += f" (printed “{printed}”)"
    return own


def _source(rows: list[dict]) -> tuple[str, str]:
    """The provision's own source text, else its document's primary source, with title."""
    for src, title in (("source", "sourceTitle"), ("docSource", "docSourceTitle")):
        pairs = sorted(
            {(str(r[src]), str(r.get(title) or "")) for r in rows if r.get(src) is not None}
        )
        if pairs:
            return pairs[0]
    return "", ""


def _measure_attrs(rows: list[dict] | None, iri: URIRef, document: URIRef, base: str) -> dict:
    rows = rows or []
    type_key = key_of(_one(rows, "type"))
    title = _one(rows, "title")
    label = measure_label(
        type_key,
        _one(rows, "number"),
        _one(rows, "printed"),
        key_of(_one(rows, "parentType")),
        _one(rows, "parentNumber"),
    )
    source, source_title = _source(rows)
    return {
        "kind": MEASURE,
        "iri": str(iri),
        "label": f"{label}: {title}" if title else label,
        "provision": label,
        "type": type_key,
        "number": _one(rows, "number"),
        "printed": _one(rows, "printed"),
        "title": title,
        "summary": _one(rows, "summary"),
        "document": doc_key(document, base),
        "document_iri": str(document),
        "document_title_en": _one(rows, "docTitleEn"),
        "document_title_zh": _one(rows, "docTitleZh"),
        "document_number": _one(rows, "docNumber"),
        "document_dates": " / ".join(_values(rows, "docDate")),
        "source": source,
        "source_title": source_title,
        "locator": _one(rows, "locator"),
        "passage": _shortest(rows, "passage"),
    }


@dataclass
class Network:
    """The bipartite graph, its agency projection and how they were made."""

    bipartite: nx.Graph
    agencies: nx.Graph
    filters: NetworkFilters
    base: str
    communities: list[list[str]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.agencies.graph.get("title", ""))


def build_bipartite(
    store: GraphStore,
    filters: NetworkFilters | None = None,
    base: str | None = None,
    *,
    details: bool = True,
) -> nx.Graph:
    """Agency–provision graph of the (filtered) responsibility links.

    Every node carries ``kind`` (``agency`` or ``measure``) and the ``bipartite`` flag
    networkx's bipartite algorithms expect (0 agencies, 1 measures). With
    ``details=False`` provision nodes carry only their IRI and document and links no
    passage: what the metrics need, without reading each provision's titles, numbers,
    sources and passages (most of the time on a large store; docs/network.md).
    """
    filters = filters or NetworkFilters()
    base = base or detect_base(store)
    keep = selected_measures(store, filters, base)
    measure_rows: list[dict] = []
    if keep is not None and _few(store, keep):
        # the kept provisions one by one: a few milliseconds each, where reading every
        # link and provision takes tens of seconds at 10,000 texts (docs/benchmarks.md)
        link_rows = []
        links_q = load_query("network-measure-links")
        measure_q = load_query("network-measure") if details else None
        for m in sorted(keep):
            link_rows += store.query(links_q, bindings={"measure": m})
            if measure_q is not None:
                measure_rows += store.query(measure_q, bindings={"measure": m})
    elif details:
        # the two reads side by side: Oxigraph evaluates a query without holding the
        # interpreter, so each takes a core (10,000 synthetic texts: 10.6 -> 7.5 s)
        with ThreadPoolExecutor(2) as pool:
            links_read = pool.submit(store.query, load_query("network-responsibility"))
            measure_rows = store.query(load_query("network-measures"))
            link_rows = links_read.result()
    else:
        # the links without their passages when only the metrics are wanted
        link_rows = store.query(load_query("network-links"))
    links = group_rows(link_rows, "measure")
    agencies = group_rows(store.query(load_query("network-agencies")), "agency")
    measures = group_rows(measure_rows, "measure")

    g = nx.Graph(kind="bipartite", filters=filters.describe())
    for m in sorted(links):
        if keep is not None and m not in keep:
            continue
        d = min(r["document"] for r in links[m])
        if details:
            attrs = _measure_attrs(measures.get(m), m, d, base)
        else:
            attrs = {
                "kind": MEASURE,
                "iri": str(m),
                "document": doc_key(d, base),
                "document_iri": str(d),
            }
        g.add_node(str(m), bipartite=1, **attrs)
        for a, rows in sorted(group_rows(links[m], "agency").items()):
            if str(a) not in g:
                g.add_node(str(a), bipartite=0, **_agency_attrs(agencies.get(a), a))
            if details:
                # where the text names this agency for this provision, when the loader saw it
                g.add_edge(str(a), str(m), passage=_shortest(rows, "passage"))
            else:
                g.add_edge(str(a), str(m))
    for n, data in g.nodes(data=True):
        if data["kind"] == AGENCY:
            data["measures"] = g.degree(n)
        else:
            data["agencies"] = g.degree(n)
    g.graph["title"] = _title(g, filters)
    return g


# A kept provision read on its own costs about ten times its share of reading every link and
# provision at once (10,000 synthetic texts: 6 ms against 0.8 ms), so the filters must keep
# at most a tenth of the network's provisions for the one-by-one reading to pay.
FEW_MEASURES_SHARE = 0.1


def _few(store: GraphStore, keep: set) -> bool:
    """Whether ``keep`` is few enough, against all provisions with a responsible agency,
    to be read one provision at a time."""
    if not keep:
        return True
    rows = store.query(load_query("network-provision-count"))
    total = int(rows[0]["provisions"]) if rows and rows[0].get("provisions") is not None else 0
    return len(keep) <= FEW_MEASURES_SHARE * total


def _title(g: nx.Graph, filters: NetworkFilters) -> str:
    n_ag = sum(1 for _, d in g.nodes(data=True) if d["kind"] == AGENCY)
    n_me = g.number_of_nodes() - n_ag
    return (
        f"Agencies responsible for CGT policy provisions: {n_ag} agencies, {n_me} provisions "
        f"(filters: {filters.describe()})"
    )


def agency_nodes(g: nx.Graph) -> list[str]:
    return sorted(n for n, d in g.nodes(data=True) if d.get("kind") == AGENCY)


def project_agencies(b: nx.Graph) -> nx.Graph:
    """Agencies linked by shared provisions; ``weight`` = number of provisions shared."""
    agencies = agency_nodes(b)
    # networkx refuses to project an empty graph; an empty filter result is still an answer
    p = bipartite.weighted_projected_graph(b, agencies) if agencies else nx.Graph()
    for n in p:
        p.nodes[n].pop("bipartite", None)
    p.graph.update(kind="agencies", filters=b.graph.get("filters", "none"))
    p.graph["title"] = str(b.graph.get("title", "")).replace(
        "Agencies responsible", "Agencies sharing responsibility", 1
    )
    return p


# ---------------------------------------------------------------- metrics


def compute_metrics(
    p: nx.Graph, *, method: str = "louvain", seed: int = DEFAULT_SEED
) -> list[list[str]]:
    """Weighted degree, betweenness and communities, stored as node attributes.

    * ``strength``: weighted degree (sum of shared-provision counts with all partners);
    * ``partners``: plain degree (how many other agencies it shares work with);
    * ``betweenness``: normalised betweenness, with edge length ``1/weight`` so that
      agencies sharing many provisions count as close;
    * ``community``: 1 for the largest community, 2 for the next ...; louvain (seeded) or
      greedy modularity, both networkx's own.

    Returns the communities as sorted lists of node ids, largest first.
    """
    for _u, _v, d in p.edges(data=True):
        d["distance"] = 1.0 / d["weight"]
    between = nx.betweenness_centrality(p, weight="distance", normalized=True)
    for n in p:
        p.nodes[n]["strength"] = int(p.degree(n, weight="weight"))
        p.nodes[n]["partners"] = int(p.degree(n))
        p.nodes[n]["betweenness"] = round(float(between.get(n, 0.0)), 6)
    if p.number_of_nodes() == 0:
        return []
    if method == "louvain":
        raw = nx.community.louvain_communities(p, weight="weight", seed=seed)
    elif method == "greedy":
        raw = nx.community.greedy_modularity_communities(p, weight="weight")
    else:
        raise NetworkError(f"unknown community method {method!r}: use louvain or greedy")
    comms = sorted((sorted(c) for c in raw), key=lambda c: (-len(c), c[0]))
    for i, c in enumerate(comms, start=1):
        for n in c:
            p.nodes[n]["community"] = i
    for _u, _v, d in p.edges(data=True):
        d.pop("distance", None)
    p.graph["communities"] = len(comms)
    p.graph["community_method"] = method
    return comms


def build_network(
    store: GraphStore,
    filters: NetworkFilters | None = None,
    *,
    base: str | None = None,
    method: str = "louvain",
    seed: int = DEFAULT_SEED,
    details: bool = True,
) -> Network:
    """Everything ``cgtkg network`` draws: both graphs with metrics on the agencies.

    ``details=False`` is enough for :func:`metrics_report` (see :func:`build_bipartite`);
    the pictures, the page and the GraphML / GEXF files need the details.
    """
    filters = filters or NetworkFilters()
    base = base or detect_base(store)
    b = build_bipartite(store, filters, base, details=details)
    p = project_agencies(b)
    comms = compute_metrics(p, method=method, seed=seed)
    for n in p:  # the bipartite export carries the agency metrics too
        for k in ("strength", "partners", "betweenness", "community"):
            if k in p.nodes[n]:
                b.nodes[n][k] = p.nodes[n][k]
    return Network(bipartite=b, agencies=p, filters=filters, base=base, communities=comms)


def ranked(p: nx.Graph) -> list[str]:
    """Agencies by weighted degree, then measures, then betweenness, then key."""
    return sorted(
        p,
        key=lambda n: (
            -p.nodes[n].get("strength", 0),
            -p.nodes[n].get("measures", 0),
            -p.nodes[n].get("betweenness", 0.0),
            p.nodes[n].get("registry_key", n),
        ),
    )


def metrics_report(net: Network) -> dict:
    """The metrics as plain data (``--metrics --format json`` and ``metrics.json``)."""
    p, b = net.agencies, net.bipartite
    rows = []
    for rank, n in enumerate(ranked(p), start=1):
        d = p.nodes[n]
        rows.append(
            {
                "rank": rank,
                "agency": d["registry_key"],
                "iri": n,
                "label_en": d["label_en"],
                "label_zh": d["label_zh"],
                "short": d["short"],
                "level": d["level"],
                "measures": d["measures"],
                "partners": d["partners"],
                "weighted_degree": d["strength"],
                "betweenness": d["betweenness"],
                "community": d.get("community"),
            }
        )
    key = {n: p.nodes[n]["registry_key"] for n in p}
    return {
        "title": net.title,
        "filters": net.filters.describe(),
        "counts": {
            "agencies": p.number_of_nodes(),
            "measures": b.number_of_nodes() - p.number_of_nodes(),
            "responsibility_links": b.number_of_edges(),
            "agency_pairs": p.number_of_edges(),
            "communities": len(net.communities),
        },
        "community_method": p.graph.get("community_method"),
        "levels": dict(Counter(p.nodes[n]["level"] or "unset" for n in p)),
        "agencies": rows,
        "communities": [[key[n] for n in c] for c in net.communities],
    }


def metrics_table(report: dict, limit: int | None = None) -> str:
    """:func:`metrics_report` as a table for the terminal (graph/tables.py: display widths,
    the terminal's width)."""
    from cgtkg.graph.tables import render

    head = ["#", "agency", "level", "measures", "partners", "w.degree", "betweenness", "comm."]
    rows = [
        [
            str(r["rank"]),
            f"{r['short']} ({r['agency']})" if r["short"] != r["agency"] else r["agency"],
            r["level"].removeprefix("level-") or "-",
            str(r["measures"]),
            str(r["partners"]),
            str(r["weighted_degree"]),
            f"{r['betweenness']:.4f}",
            str(r["community"] or "-"),
        ]
        for r in report["agencies"][: limit or None]
    ]
    c = report["counts"]
    return "\n".join([
        report["title"],
        f"{c['agencies']} agencies, {c['measures']} provisions, {c['responsibility_links']} "
        f"responsibility links, {c['agency_pairs']} agency pairs, {c['communities']} communities "
        f"({report['community_method']})",
        "",
        render(head, rows).rstrip("\n"),
    ])


# ---------------------------------------------------------------- exports


def _exportable(g: nx.Graph) -> nx.Graph:
    """A copy whose attribute values GraphML and GEXF can both hold (no None, no lists)."""
    h = g.copy()
    for _, d in h.nodes(data=True):
        for k in [k for k, v in d.items() if v is None]:
            del d[k]
    h.graph = {k: v for k, v in h.graph.items() if isinstance(v, (str, int, float, bool))}
    return h


#: how the exports lay out the drawing: the page's and the picture's width and height
VIZ_WIDTH, VIZ_HEIGHT = 1200.0, 800.0
_MEASURE_COLOUR = "#aab7b8"
_EDGE_COLOUR = "#7f8c8d"


def _rgb(colour: str) -> dict[str, int | float]:
    return {"r": int(colour[1:3], 16), "g": int(colour[3:5], 16), "b": int(colour[5:7], 16), "a": 1.0}


def node_radius(measures: int, most: int) -> float:
    """Radius of an agency's circle (pixels at the drawing's size): the PNG's marker
    (area 70 + 650·√(measures/most) pt², graph/network_draw.py) halved."""
    return round((70.0 + 650.0 * (measures / most) ** 0.5) ** 0.5 / 2, 3) if most else 4.2


def edge_thickness(weight: int, heaviest: int) -> float:
    """The PNG's line width for ``weight`` shared provisions."""
    return round(0.6 + 4.4 * (weight - 1) / (heaviest - 1), 3) if heaviest > 1 else 1.0


def add_viz(net: Network, p: nx.Graph, b: nx.Graph,
            pos: dict[str, tuple[float, float]] | None) -> None:
    """GEXF ``viz:`` attributes, so that Gephi opens the files looking like the PNG: each
    agency's position (the PNG's layout on a 1200 × 800 canvas, y up as in Gephi), its
    colour (administrative level) and size (provisions it is responsible for); line width
    by shared provisions.  In the bipartite file each provision sits, small and grey, at the
    middle of its agencies.  Without ``pos`` only colours and sizes are written."""
    most = max((net.agencies.nodes[n].get("measures", 0) for n in net.agencies), default=0) or 1
    heaviest = max((d.get("weight", 1) for *_, d in net.agencies.edges(data=True)), default=1)
    for g in (p, b):
        for n, d in g.nodes(data=True):
            if d.get("kind") == MEASURE:
                continue
            viz = {"color": _rgb(LEVELS.get(d.get("level") or "", LEVELS[""])[1]),
                   "size": node_radius(net.agencies.nodes[n].get("measures", 0) if n in net.agencies else 0, most)}
            if pos and n in pos:
                viz["position"] = {"x": round(pos[n][0] * VIZ_WIDTH, 3), "y": round(pos[n][1] * VIZ_HEIGHT, 3),
                                   "z": 0.0}
            d["viz"] = viz
    for _u, _v, d in p.edges(data=True):
        d["viz"] = {"thickness": edge_thickness(d.get("weight", 1), heaviest), "color": _rgb(_EDGE_COLOUR)}
    for m, d in b.nodes(data=True):
        if d.get("kind") != MEASURE:
            continue
        viz = {"color": _rgb(_MEASURE_COLOUR), "size": 2.0}
        placed = [pos[a] for a in b.neighbors(m) if pos and a in pos]
        if placed:
            # at the middle of its agencies, nudged by a fixed amount from its IRI so that
            # provisions of the same agencies do not all sit on one point
            h = sum(map(ord, m)) % 360
            x = sum(x for x, _ in placed) / len(placed) + 0.008 * math.cos(math.radians(h))
            y = sum(y for _, y in placed) / len(placed) + 0.008 * math.sin(math.radians(h))
            viz["position"] = {"x": round(x * VIZ_WIDTH, 3), "y": round(y * VIZ_HEIGHT, 3), "z": 0.0}
        d["viz"] = viz


def write_graph_files(net: Network, dest: Path,
                      pos: dict[str, tuple[float, float]] | None = None) -> dict[str, Path]:
    """GraphML and GEXF of both graphs, plus metrics.json, into ``dest``.  The GEXF files
    carry ``viz:`` position (from ``pos``, the drawing's layout), colour and size
    (:func:`add_viz`); GraphML carries the data only."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    out = {
        "bipartite.graphml": dest / "bipartite.graphml",
        "bipartite.gexf": dest / "bipartite.gexf",
        "agencies.graphml": dest / "agencies.graphml",
        "agencies.gexf": dest / "agencies.gexf",
        "metrics.json": dest / "metrics.json",
    }
    b, p = _exportable(net.bipartite), _exportable(net.agencies)
    nx.write_graphml(b, out["bipartite.graphml"])
    nx.write_graphml(p, out["agencies.graphml"])
    add_viz(net, p, b, pos)
    nx.write_gexf(b, out["bipartite.gexf"])
    nx.write_gexf(p, out["agencies.gexf"])
    out["metrics.json"].write_text(
        json.dumps(metrics_report(net), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out
