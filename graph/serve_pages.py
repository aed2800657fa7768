"""What the HTML pages of ``cgtkg serve`` show, as plain data for the templates.

A page about one resource reads the store directly (pattern lookups, no query text built from
the IRI) and gives the templates dictionaries: the resource's names in English and Chinese,
its types, its facts (each property with its values, linked to their own pages), what points
at it, and, where they apply, the document's provisions in document order with the bodies
made responsible, the passages of the source texts that support its facts (Web Annotation
quotes with their source and offsets), and a named graph's contents.  Every list stops at
:data:`graph.serve.PAGE_LIMIT` entries and says how many more the RDF holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from cgtkg.graph.namespaces import CGT, ELI, OA, PREFIXES, instance_prefixes
from cgtkg.graph.store import GraphStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
C = str(CGT._NS)
E = str(ELI)
A = str(OA)

LABELS = (f"{SKOS}prefLabel", f"{E}title", f"{DCT}title", f"{RDFS}label", "http://xmlns.com/foaf/0.1/name")

#: readable names for the properties people meet most; others show as prefixed names
PROPERTY_NAMES = {
    f"{DCT}title": "Title", f"{E}title": "Title", f"{SKOS}prefLabel": "Name", f"{SKOS}altLabel": "Also called",
    f"{E}id_local": "Number", f"{E}date_document": "Dated", f"{E}date_publication": "Published",
    f"{E}first_date_entry_in_force": "In force from", f"{E}date_no_longer_in_force": "In force until",
    f"{E}type_document": "Type of document", f"{E}passed_by": "Passed by",
    f"{C}responsibleAgency": "Responsible bodies", f"{E}relevant_for": "Applies to",
    f"{E}is_about": "About", f"{DCT}abstract": "Summary", f"{E}is_part_of": "Part of",
    f"{E}has_part": "Has parts", f"{E}cites": "Cites", f"{E}number": "Provision number",
    f"{C}partOfDocument": "In document", f"{C}legalLevel": "Legal level", f"{C}history": "History",
    f"{C}modality": "Modality", f"{C}addressee": "Addressed to", f"{C}excludes": "Excludes",
    f"{C}jurisdiction": "Jurisdiction", f"{C}administrativeLevel": "Administrative level",
    f"{ORG}subOrganizationOf": "Part of (organisation)", f"{SKOS}broader": "Within",
    f"{PROV}hadPrimarySource": "Source text", f"{PROV}wasDerivedFrom": "Derived from",
    f"{PROV}alternateOf": "Same as (other source)", f"{PROV}wasGeneratedBy": "Made by",
    f"{C}sourceLocator": "Where in the source", f"{SKOS}historyNote": "History note",
}
_FIRST = [f"{DCT}title", f"{E}title", f"{SKOS}prefLabel", f"{SKOS}altLabel", f"{E}id_local", f"{E}date_document",
          f"{E}date_publication", f"{E}first_date_entry_in_force", f"{E}type_document",
          f"{C}legalLevel", f"{E}passed_by", f"{C}responsibleAgency", f"{E}relevant_for",
          f"{E}is_about", f"{DCT}abstract", f"{E}is_part_of", f"{C}partOfDocument"]
_ORDER = {p: i for i, p in enumerate(_FIRST)}


def _nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


class Labels:
    """Names of resources for people, looked up once per page."""

    def __init__(self, store: GraphStore, site):
        self.db = store.ox
        self.site = site
        self.cache: dict[str, tuple[str, str]] = {}

    def objects(self, s: str, p: str) -> list:
        return [q.object for q in self.db.quads_for_pattern(_nn(s), _nn(p), None, None)]

    def literal(self, s: str, p: str, lang: str = "en") -> str:
        return _pick(self.objects(s, p), lang)

    def names(self, iri: str) -> tuple[str, str]:
        """(English or plain name, Chinese name) — either may be empty."""
        if iri in self.cache:
            return self.cache[iri]
        en = zh = ""
        for p in LABELS:
            lits = self.objects(iri, p)
            en = en or _pick(lits, "en")
            zh = zh or _pick(lits, "zh", plain=False)
        if not en:
            en = self._provision_name(iri) or ""
        self.cache[iri] = (en, zh)
        return en, zh

    def _provision_name(self, iri: str) -> str | None:
        docs = [o.value for o in self.objects(iri, f"{C}partOfDocument") if isinstance(o, ox.NamedNode)]
        if not docs or not iri.startswith(docs[0] + "/"):
            return None
        return provision_path(iri[len(docs[0]) + 1:])

    def text(self, iri: str) -> str:
        en, zh = self.names(iri)
        if iri.startswith(self.site.base) and self.objects(iri, f"{C}partOfDocument"):
            doc = self.objects(iri, f"{C}partOfDocument")[0].value
            title = self.literal(iri, f"{E}title")
            return f"{self.text(doc)} · {provision_path(iri[len(doc) + 1:])}" + (f": {title}" if title else "")
        return en or zh or self.short(iri)

    def short(self, iri: str) -> str:
        if iri.startswith(self.site.base):
            return iri[len(self.site.base):]
        return prefixed(iri, self.site.base)

    def link(self, term) -> dict:
        if isinstance(term, ox.NamedNode):
            iri = term.value
            local = self.site.local(iri)
            en, zh = self.names(iri)
            text = self.text(iri) if local else (en or prefixed(iri, self.site.base))
            return {"kind": "iri", "text": text, "zh": zh if zh != text else "", "href": local or iri,
                    "iri": iri, "external": local is None}
        if isinstance(term, ox.Literal):
            dt = term.datatype.value if term.datatype else ""
            return {"kind": "literal", "text": term.value, "lang": term.language or "",
                    "datatype": "" if term.language or dt.endswith("#string") else prefixed(dt, self.site.base)}
        return {"kind": "bnode", "text": f"_:{term.value}"}


def _pick(terms: list, lang: str, plain: bool = True) -> str:
    lits = [t for t in terms if isinstance(t, ox.Literal)]
    for t in lits:
        if t.language == lang:
            return t.value
    for t in lits:
        if t.language and t.language.startswith(lang + "-"):
            return t.value
    if plain:
        for t in lits:
            if not t.language:
                return t.value
    return ""


def prefixed(iri: str, base: str) -> str:
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    prefixes.update(instance_prefixes(base))
    best = max(((p, ns) for p, ns in prefixes.items() if iri.startswith(ns)), key=lambda x: len(x[1]),
               default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else iri


def provision_path(tail: str) -> str:
    """``article/4/paragraph/2`` -> ``article 4, paragraph 2``."""
    parts = tail.split("/")
    pairs = [f"{parts[i]} {parts[i + 1]}" if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
    return ", ".join(pairs)


def _natural(text: str) -> list:
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text) if t]


@dataclass
class Row:
    prop: dict
    values: list[dict] = field(default_factory=list)
    more: int = 0


def _rows(pairs: list[tuple[str, object]], labels: Labels, limit: int) -> list[Row]:
    by_prop: dict[str, list] = {}
    for p, term in pairs:
        by_prop.setdefault(p, []).append(term)
    rows = []
    for p in sorted(by_prop, key=lambda p: (_ORDER.get(p, len(_ORDER)), prefixed(p, labels.site.base))):
        terms = by_prop[p]
        values = [labels.link(t) for t in terms[:limit]]
        values.sort(key=lambda v: (v.get("lang", "") not in ("en", ""), _natural(v["text"])))
        rows.append(Row(prop={"text": PROPERTY_NAMES.get(p, prefixed(p, labels.site.base)),
                              "iri": p, "href": labels.site.local(p) or p,
                              "prefixed": prefixed(p, labels.site.base)},
                        values=values, more=max(0, len(terms) - limit)))
    return rows


# ------------------------------------------------------------------ one resource


def resource_view(store: GraphStore, iri: str, site) -> dict:
    from cgtkg.graph.serve import PAGE_LIMIT

    labels = Labels(store, site)
    db = store.ox
    node = _nn(iri)
    outgoing = [(q.predicate.value, q.object) for q in db.quads_for_pattern(node, None, None, None)]
    outgoing = _dedupe(outgoing)
    types = [labels.link(o) for p, o in outgoing if p == RDF_TYPE]
    en, zh = labels.names(iri)

    provisions = document_provisions(labels, iri, PAGE_LIMIT * 10)
    passages, annotations = passages_about(labels, iri, PAGE_LIMIT)
    # the passages it was read as are quoted in their own section
    hidden_out = {RDF_TYPE, f"{C}passage"} | ({f"{E}has_part"} if provisions["items"] else set())
    facts = _rows([(p, o) for p, o in outgoing if p not in hidden_out], labels, PAGE_LIMIT)

    incoming = []
    for q in db.quads_for_pattern(None, None, node, None):
        p = q.predicate.value
        if provisions["items"] and p in (f"{C}partOfDocument", f"{E}is_part_of"):
            continue
        if isinstance(q.subject, ox.NamedNode) and q.subject.value in annotations:
            continue
        incoming.append((p, q.subject))
    referenced = _rows(_dedupe(incoming), labels, PAGE_LIMIT)

    graph = None
    if db.contains_named_graph(node):
        subjects = sorted({q.subject.value for q in db.quads_for_pattern(None, None, None, node)
                           if isinstance(q.subject, ox.NamedNode)}, key=_natural)
        count = sum(1 for _ in db.quads_for_pattern(None, None, None, node))
        graph = {"triples": count, "subjects": [labels.link(_nn(s)) for s in subjects[:PAGE_LIMIT]],
                 "more": max(0, len(subjects) - PAGE_LIMIT), "subject_count": len(subjects)}

    title, within = en or labels.text(iri), None
    docs = [o for o in labels.objects(iri, f"{C}partOfDocument") if isinstance(o, ox.NamedNode)]
    if docs and iri.startswith(docs[0].value + "/"):  # a provision: "article 13: its title", in its document
        name = provision_path(iri[len(docs[0].value) + 1:])
        title, within = (f"{name}: {en}" if en else name), labels.link(docs[0])
    return {"iri": iri, "title": title, "zh": zh if zh != title else "", "types": types, "within": within,
            "facts": facts, "referenced": referenced, "provisions": provisions,
            "passages": passages, "graph": graph, "short": labels.short(iri)}


def _dedupe(pairs):
    seen, out = set(), []
    for p, o in pairs:
        if (p, o) not in seen:
            seen.add((p, o))
            out.append((p, o))
    return out


def document_provisions(labels: Labels, doc: str, limit: int) -> dict:
    """The document's provisions in document order (parts before their sub-parts, numbers in
    numeric order), each with its depth, title, summary and responsible bodies."""
    db = labels.db
    children: dict[str, list[str]] = {}
    for q in db.quads_for_pattern(None, _nn(f"{C}partOfDocument"), _nn(doc), None):
        p = q.subject.value
        parents = [o.value for o in labels.objects(p, f"{E}is_part_of") if isinstance(o, ox.NamedNode)]
        children.setdefault(parents[0] if parents else doc, [])
        if p not in children[parents[0] if parents else doc]:
            children[parents[0] if parents else doc].append(p)
    items: list[dict] = []
    total = sum(len(v) for v in children.values())

    def walk(parent: str, depth: int) -> None:
        for p in sorted(children.get(parent, []), key=lambda x: _natural(x[len(doc):])):
            if len(items) >= limit:
                return
            items.append({
                "href": labels.site.local(p) or p, "iri": p, "depth": min(depth, 4),
                "name": provision_path(p[len(doc) + 1:]) if p.startswith(doc + "/") else labels.short(p),
                "title": labels.literal(p, f"{E}title"),
                "summary": labels.literal(p, f"{DCT}abstract"),
                "agents": sorted((labels.link(o) for o in labels.objects(p, f"{C}responsibleAgency")),
                                 key=lambda v: v["text"]),
            })
            walk(p, depth + 1)

    walk(doc, 0)
    return {"items": items, "more": max(0, total - len(items)), "total": total}


def passages_about(labels: Labels, iri: str, limit: int) -> tuple[list[dict], set[str]]:
    """Quotes from the source texts behind this resource: the passages it was read as (a
    document, a provision: ``cgt:passage``) first, then those of the Web Annotations of the
    facts that concern it (a document, a provision) or name it (an agency, a region, a
    therapy). Also the IRIs of those annotations (the page lists them here, not as links)."""
    db = labels.db
    out = []
    for t in list(dict.fromkeys(labels.objects(iri, f"{C}passage")))[:limit]:
        if isinstance(t, ox.NamedNode):
            out.append({"iri": t, **_quoted(labels, t.value), "property": "Its text",
                        "concerns": None, "bodies": []})
    found: list[str] = []
    for p in (f"{C}concerns", f"{A}hasBody"):
        for q in db.quads_for_pattern(None, _nn(p), _nn(iri), None):
            a = q.subject
            if isinstance(a, ox.NamedNode) and a.value not in found and any(
                    True for _ in db.quads_for_pattern(a, _nn(RDF_TYPE), _nn(f"{A}Annotation"), None)):
                found.append(a.value)
    found.sort(key=_natural)
    for a in found[:max(0, limit - len(out))]:
        target = next(iter(labels.objects(a, f"{A}hasTarget")), None)
        if not isinstance(target, ox.NamedNode):
            continue
        prop = next(iter(labels.objects(a, f"{C}onProperty")), None)
        concerns = next(iter(labels.objects(a, f"{C}concerns")), None)
        bodies = [labels.link(b) for b in labels.objects(a, f"{A}hasBody")]
        out.append({
            "iri": a, **_quoted(labels, target.value),
            "property": PROPERTY_NAMES.get(prop.value, prefixed(prop.value, labels.site.base)) if prop else "",
            "concerns": labels.link(concerns) if concerns is not None and concerns.value != iri else None,
            "bodies": bodies,
        })
    return out, set(found)


def _quoted(labels: Labels, target: str) -> dict:
    """What a passage's target selects: the quote with its context, the offsets, the source."""
    quote = prefix = suffix = ""
    start = end = None
    for sel in labels.objects(target, f"{A}hasSelector"):
        if not isinstance(sel, ox.NamedNode):
            continue
        quote = quote or labels.literal(sel.value, f"{A}exact")
        prefix = prefix or labels.literal(sel.value, f"{A}prefix")
        suffix = suffix or labels.literal(sel.value, f"{A}suffix")
        s, e = labels.objects(sel.value, f"{A}start"), labels.objects(sel.value, f"{A}end")
        if s and e:
            start, end = s[0].value, e[0].value
    source = next(iter(labels.objects(target, f"{A}hasSource")), None)
    return {"quote": quote, "prefix": prefix, "suffix": suffix, "start": start, "end": end,
            "source": labels.link(source) if source is not None else None}


# ------------------------------------------------------------------ lists and the ontology


_DOCS = f"""
SELECT ?d (SAMPLE(?te) AS ?en) (SAMPLE(?tz) AS ?zh) (SAMPLE(?n) AS ?number) (MIN(?dd) AS ?date)
WHERE {{
  ?d a <{E}LegalResource> .
  FILTER NOT EXISTS {{ ?d a <{C}CitedDocument> }}
  OPTIONAL {{ ?d <{E}title> ?te FILTER(LANG(?te) = "en" || LANG(?te) = "") }}
  OPTIONAL {{ ?d <{E}title> ?tz FILTER(LANGMATCHES(LANG(?tz), "zh")) }}
  OPTIONAL {{ ?d <{E}id_local> ?n }}
  OPTIONAL {{ ?d <{E}date_document> ?dd }}
}} GROUP BY ?d ORDER BY DESC(?date) ?d
"""

_AGENCIES = f"""
SELECT ?a (SAMPLE(?le) AS ?en) (SAMPLE(?lz) AS ?zh) (COUNT(DISTINCT ?p) AS ?n)
WHERE {{
  ?a a <{ORG}Organization> .
  OPTIONAL {{ ?a <{SKOS}prefLabel> ?le FILTER(LANG(?le) = "en") }}
  OPTIONAL {{ ?a <{SKOS}prefLabel> ?lz FILTER(LANGMATCHES(LANG(?lz), "zh")) }}
  OPTIONAL {{ ?p <{C}responsibleAgency> ?a }}
}} GROUP BY ?a ORDER BY DESC(?n) ?en
"""


def _value(sol, name: str) -> str:
    term = sol[name]
    return term.value if term is not None else ""


def document_list(store: GraphStore, site) -> list[dict]:
    rows = []
    for sol in store.ox.query(_DOCS, use_default_graph_as_union=True):
        iri = _value(sol, "d")
        title = _value(sol, "en") or _value(sol, "zh") or iri[len(site.base):]
        rows.append({"href": site.local(iri) or iri, "text": title,
                     "cells": [_value(sol, "number"), _value(sol, "date")],
                     "zh": _value(sol, "zh") if _value(sol, "en") else ""})
    return rows


def agency_list(store: GraphStore, site) -> list[dict]:
    rows = []
    for sol in store.ox.query(_AGENCIES, use_default_graph_as_union=True):
        iri = _value(sol, "a")
        rows.append({"href": site.local(iri) or iri, "text": _value(sol, "en") or iri[len(site.base):],
                     "cells": [_value(sol, "zh"), _value(sol, "n")], "zh": ""})
    return rows


def ontology_view(store: GraphStore, triples: list[ox.Triple], site) -> dict:
    labels = Labels(store, site)
    terms: dict[str, list] = {}
    for t in triples:
        terms.setdefault(t.subject.value, []).append((t.predicate.value, t.object))
    out = []
    for iri in sorted(terms, key=lambda i: (i != str(CGT._NS).rstrip("#"), i.lower())):
        en, _ = labels.names(iri)
        anchor = iri.split("#", 1)[1] if "#" in iri else ""
        out.append({"iri": iri, "anchor": anchor, "title": en or anchor or iri,
                    "facts": _rows(terms[iri], labels, 200)})
    return {"terms": out}
