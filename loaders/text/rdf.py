"""Extraction -> RDF: one named graph per input file, every fact with its Web Annotation.

Why annotations and not just ``prov:wasDerivedFrom``: a reader must be able to ask "which
words of which file made you say that the health commission is responsible for Article 25?"
and get the passage back.  Each extracted fact (subject, property, value) gets one
``oa:Annotation`` per span it was read from:

    <ann> a oa:Annotation ;
        oa:motivatedBy oa:identifying | oa:classifying | oa:describing ;
        oa:hasBody <value>            # agency, region, therapy, concept ... (or oa:bodyValue)
        cgt:concerns <subject> ;      # the provision or document the fact is about
        cgt:onProperty <property> ;   # e.g. eli:responsibility_of_agent
        oa:hasTarget <ann/target> .
    <ann/target> a oa:SpecificResource ; oa:hasSource <source> ;
        oa:hasSelector <ann/position>, <ann/quote> .
    <ann/position> a oa:TextPositionSelector ; oa:start 10 ; oa:end 42 ;
        oa:refinedBy [ a oa:TextQuoteSelector ; oa:exact "the name" ] .
    <ann/quote> a oa:TextQuoteSelector ; oa:exact "..." ; oa:prefix "..." ; oa:suffix "..." .

The target is the passage (the responsibility list or the sentence); ``oa:refinedBy`` picks
the name inside it.  IRIs of annotations, notes and extracted documents are derived from
the text (file key, offsets, values), never from row order or randomness, so two builds of
the same input give the same triples.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from graph import namespaces as ns
from graph.namespaces import CGT, ELI, OA

from .model import DocDate, Document, Mention, Provision, Span
from .source import SourceText
from .triples import WriteOnceStore

CONTEXT_CHARS = 32
DATE_PROPS = {"document": ELI.date_document, "publication": ELI.date_publication,
              "in_force": ELI.first_date_entry_in_force}

# Terms written for every annotation, looked up once (a namespace attribute builds a new
# URIRef on every access).
_TYPE = RDF.type
_ANNOTATION, _MOTIVATED, _HAS_BODY, _BODY_VALUE = OA.Annotation, OA.motivatedBy, OA.hasBody, OA.bodyValue
_HAS_TARGET, _SPECIFIC, _HAS_SOURCE, _HAS_SELECTOR = (OA.hasTarget, OA.SpecificResource, OA.hasSource,
                                                       OA.hasSelector)
_POSITION, _QUOTE, _START, _END = OA.TextPositionSelector, OA.TextQuoteSelector, OA.start, OA.end
_EXACT, _PREFIX, _SUFFIX, _REFINED = OA.exact, OA.prefix, OA.suffix, OA.refinedBy
_CONCERNS, _ON_PROPERTY, _GENERATED = CGT.concerns, CGT.onProperty, PROV.wasGeneratedBy
_NON_NEG = XSD.nonNegativeInteger


def activity_iri(base: str) -> URIRef:
    return URIRef(f"{base}activity/extraction")


def agent_iri(base: str) -> URIRef:
    return URIRef(f"{base}agent/cgtkg-text-loaders")


def source_iri(base: str, src: SourceText) -> URIRef:
    return URIRef(f"{base}source/x-{src.key}")


def _h(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]


class Writer:
    """Writes one file's extraction into one graph."""

    def __init__(self, src: SourceText, base: str, version: str, source: URIRef | None = None):
        self.src = src
        self.base = base
        store = WriteOnceStore()
        self._put = store.put
        self.g = ns.bind_prefixes(Graph(store=store), base)
        self.g.bind("oa", OA)
        # literals repeat (offsets, the quote of a passage several facts were read from)
        self._ints: dict[int, Literal] = {}
        self._strs: dict[str, Literal] = {}
        self._prefix = f"{base}annotation/x-{src.key}-"
        self.act = activity_iri(base)
        self.source = source or source_iri(base, src)
        self.version = version
        self.n_annotations = 0

    # ------------------------------------------------------------ basics

    def add(self, s, p, o) -> None:
        self._put((s, p, o))

    def _int(self, n: int) -> Literal:
        lit = self._ints.get(n)
        if lit is None:
            lit = self._ints[n] = Literal(n, datatype=_NON_NEG)
        return lit

    def _str(self, text: str) -> Literal:
        lit = self._strs.get(text)
        if lit is None:
            lit = self._strs[text] = Literal(text)
        return lit

    def header(self, genre: str) -> None:
        src = self.src
        self.add(self.source, RDF.type, CGT.SourceText)
        self.add(self.source, RDF.type, PROV.Entity)
        self.add(self.source, CGT.sha256, Literal(src.sha256))
        self.add(self.source, DCTERMS.identifier, Literal(src.name))
        self.add(self.source, DCTERMS.format, Literal("text/plain"))
        self.add(self.source, RDFS.label, Literal(f"text file {src.name}"))
        self.add(self.source, DCTERMS.conformsTo, Literal(f"genre:{genre}"))
        agent = agent_iri(self.base)
        self.add(self.act, RDF.type, PROV.Activity)
        self.add(self.act, RDFS.label, Literal("extraction of provisions and responsibilities "
                                               "from plain-text policy documents", lang="en"))
        self.add(self.act, PROV.used, self.source)
        self.add(self.act, PROV.wasAssociatedWith, agent)
        self.add(agent, RDF.type, PROV.SoftwareAgent)
        self.add(agent, RDFS.label, Literal("cgtkg text loaders (loaders.text)"))
        self.add(agent, DCTERMS.hasVersion, Literal(self.version))

    def annotate(self, subject: URIRef, prop: URIRef | None, body, span: Span,
                 motivation: URIRef, inner: Span | None = None,
                 kind: URIRef = OA.Annotation, extra: Iterable[tuple] = ()) -> URIRef:
        text = self.src.raw
        put = self._put
        lit = self._str
        start, end = span.start, span.end
        a = URIRef(f"{self._prefix}{start}-{end}-{_h(subject, prop, body, inner)}")
        self.n_annotations += 1
        put((a, _TYPE, kind))
        if kind != _ANNOTATION:
            put((a, _TYPE, _ANNOTATION))
        put((a, _MOTIVATED, motivation))
        if isinstance(body, URIRef):
            put((a, _HAS_BODY, body))
        elif body is not None:
            put((a, _BODY_VALUE, lit(str(body))))
        put((a, _CONCERNS, subject))
        if prop is not None:
            put((a, _ON_PROPERTY, prop))
        put((a, _GENERATED, self.act))
        t = URIRef(f"{a}/target")
        pos = URIRef(f"{a}/position")
        quote = URIRef(f"{a}/quote")
        put((a, _HAS_TARGET, t))
        put((t, _TYPE, _SPECIFIC))
        put((t, _HAS_SOURCE, self.source))
        put((t, _HAS_SELECTOR, pos))
        put((t, _HAS_SELECTOR, quote))
        put((pos, _TYPE, _POSITION))
        put((pos, _START, self._int(start)))
        put((pos, _END, self._int(end)))
        put((quote, _TYPE, _QUOTE))
        put((quote, _EXACT, lit(text[start:end])))
        put((quote, _PREFIX, lit(text[max(0, start - CONTEXT_CHARS):start])))
        put((quote, _SUFFIX, lit(text[end:end + CONTEXT_CHARS])))
        if inner is not None and inner != span and span.contains(inner):
            ref = URIRef(f"{a}/name")
            put((pos, _REFINED, ref))
            put((ref, _TYPE, _QUOTE))
            put((ref, _EXACT, lit(text[inner.start:inner.end])))
            put((ref, _PREFIX, lit(text[max(start, inner.start - CONTEXT_CHARS):inner.start])))
            put((ref, _SUFFIX, lit(text[inner.end:min(end, inner.end + CONTEXT_CHARS)])))
        for p, o in extra:
            put((a, p, o))
        return a

    def link(self, subject: URIRef, prop: URIRef, m: Mention, motivation=OA.identifying) -> None:
        """A resolved mention: the triple and its annotation."""
        if m.target is None:
            return
        self.add(subject, prop, m.target)
        passage = m.passage if m.passage is not None and m.passage.contains(m.span) else m.span
        self.annotate(subject, prop, m.target, passage, motivation, inner=m.span)

    def literal(self, subject: URIRef, prop: URIRef, value: Literal, spans: list[Span]) -> None:
        self.add(subject, prop, value)
        for sp in spans:
            self.annotate(subject, prop, str(value), sp, OA.describing)

    def unresolved(self, subject: URIRef, m: Mention) -> None:
        passage = m.passage if m.passage is not None and m.passage.contains(m.span) else m.span
        cands = ", ".join(m.candidates)
        reason = m.how + (f" (candidates: {cands})" if cands else "")
        self.annotate(subject, None, m.surface, passage, OA.identifying, inner=m.span,
                      kind=CGT.UnresolvedMention,
                      extra=[(RDFS.label, Literal(m.surface)),
                             (RDFS.comment, Literal(f"{m.kind} name not resolved: {reason}"))])

    def note(self, about: URIRef, issue: str, comment: str, spans: list[Span]) -> None:
        n = URIRef(f"{self.base}note/x-{self.src.key}-{_h(about, issue, comment)}")
        self.add(n, RDF.type, CGT.DataQualityNote)
        self.add(n, CGT.concerns, about)
        self.add(n, CGT.issueType, ns.concept(issue, self.base) if issue else ns.concept("other", self.base))
        self.add(n, RDFS.comment, Literal(comment, lang="en"))
        self.add(n, PROV.wasDerivedFrom, self.source)
        self.add(n, PROV.wasGeneratedBy, self.act)
        for sp in spans:
            self.annotate(n, None, issue, sp, OA.assessing)

    # ------------------------------------------------------------ documents

    def document(self, doc: Document) -> URIRef:
        d = ns.document(doc.key, self.base)
        add = self.add
        add(d, RDF.type, ELI.LegalResource)
        add(d, PROV.wasGeneratedBy, self.act)
        add(d, PROV.hadPrimarySource, self.source)
        for sp in doc.spans:
            self.annotate(d, None, d, sp, OA.identifying)
        for t in doc.titles:
            self.literal(d, ELI.title, Literal(str(t.value), lang=t.lang or "en"), t.spans)
        if doc.number is not None:
            self.literal(d, ELI.id_local, Literal(str(doc.number.value)), doc.number.spans)
        if doc.doctype is not None and doc.doctype.target is not None:
            add(d, ELI.type_document, doc.doctype.target)
        for m in doc.issuers:
            if m.target is not None:
                self.link(d, ELI.passed_by, m)
            else:
                self.unresolved(d, m)
        for dd in doc.dates:
            self._date(d, dd)
        if not any(x.kind == "document" and x.value for x in doc.dates):
            if doc.odd_dates:
                reason = "the source prints an unreadable date: " + "; ".join(p for _, p in doc.odd_dates)
            else:
                reason = f"{self.src.name} gives no date of issue or adoption for this document"
            add(d, CGT.dateMissingReason, Literal(reason))
        if not any(m.target is not None for m in doc.issuers):
            add(d, CGT.issuerMissingReason, Literal(
                f"{self.src.name} names no issuing body of the registry for this document"
                + (" (unresolved: " + ", ".join(sorted({m.surface for m in doc.issuers + doc.unresolved
                                                         if m.target is None})) + ")"
                   if any(m.target is None for m in doc.issuers + doc.unresolved) else "")))
        for sp, problem in doc.odd_dates:
            self.note(d, "corrupted-date", problem, [sp])
        for m in doc.regions:
            self.link(d, ELI.relevant_for, m)
        for m in doc.therapies:
            self.link(d, ELI.is_about, m, OA.classifying)
        for m in doc.unresolved:
            self.unresolved(d, m)
        for p in doc.provisions:
            self.provision(d, d, [], p)
        for a in doc.anomalies:
            about = d
            if a.get("about", "").count("/") == 1:
                kind, num = a["about"].split("/")
                about = ns.provision(d, [(kind, num)])
            issue = {"duplicate-provision": "duplicate-provision", "date-conflict": "date-conflict",
                     "conflicting-duplicate": "numbering-anomaly"}.get(a["kind"], "numbering-anomaly")
            self.note(about, issue, a["message"], [])
        return d

    def _date(self, d: URIRef, dd: DocDate) -> None:
        if dd.value is None:
            return
        prop = DATE_PROPS.get(dd.kind)
        if prop is None:
            return
        self.literal(d, prop, Literal(dd.value.isoformat(), datatype=XSD.date), dd.spans)

    def provision(self, doc: URIRef, parent: URIRef, path: list[tuple[str, str]], p: Provision) -> URIRef:
        path = path + [(p.kind, p.number)]
        iri = ns.provision(doc, path)
        add = self.add
        add(iri, RDF.type, ELI.LegalResourceSubdivision)
        add(iri, ELI.is_part_of, parent)
        add(parent, ELI.has_part, iri)
        add(iri, ELI.number, Literal(p.number))
        if p.printed and p.printed != p.number:
            add(iri, CGT.printedNumber, Literal(p.printed))
        add(iri, ELI.type_subdivision, ns.concept(p.kind, self.base))
        add(iri, PROV.wasDerivedFrom, self.source)
        add(iri, PROV.wasGeneratedBy, self.act)
        lines = ", ".join(str(self.src.line_of(s.start)) for s in [p.span] + p.extra_spans)
        add(iri, CGT.sourceLocator, Literal(f"{p.printed or p.kind + ' ' + p.number} "
                                            f"(line {lines} of {self.src.name})"))
        for sp in [p.span] + p.extra_spans:
            self.annotate(iri, None, iri, sp, OA.identifying)
        if p.title is not None:
            self.literal(iri, ELI.title, Literal(str(p.title.value), lang="en" if not _zh(str(p.title.value)) else "zh"),
                         p.title.spans)
        for m in p.responsible:
            self.link(iri, ELI.responsibility_of_agent, m)
        for m in p.regions:
            self.link(iri, ELI.relevant_for, m)
        for m in p.therapies:
            self.link(iri, ELI.is_about, m, OA.classifying)
        for m in p.excludes:
            self.link(iri, CGT.excludes, m, OA.classifying)
        for m in p.modalities:
            self.link(iri, CGT.modality, m, OA.classifying)
        for m in p.addressees:
            self.link(iri, CGT.addressee, m, OA.classifying)
        for c in p.children:
            self.provision(doc, iri, path, c)
        return iri


def _zh(t: str) -> bool:
    return sum(1 for c in t if "\u3400" <= c <= "\u9fff") > len(t) / 3
