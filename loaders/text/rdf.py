"""Extraction -> RDF: one named graph per input file, every fact with its Web Annotation.

Why annotations and not just ``prov:wasDerivedFrom``: a reader must be able to ask "which
words of which file made you say that the health commission is responsible for Article 25?"
and get the passage back.  Each extracted fact (subject, property, value) gets one
``oa:Annotation`` per span it was read from:

    <ann> a oa:Annotation ;
        oa:motivatedBy oa:identifying | oa:classifying | oa:describing ;
        oa:hasBody <value>            # agency, region, therapy, concept ... (or oa:bodyValue)
        cgt:concerns <subject> ;      # the provision or document the fact is about
        cgt:onProperty <property> ;   # e.g. cgt:responsibleAgency
        oa:hasTarget <where/target> .
    <where/target> a oa:SpecificResource ; oa:hasSource <source> ;
        oa:hasSelector <where/position>, <where/quote> .
    <where/position> a oa:TextPositionSelector ; oa:start 10 ; oa:end 42 ; oa:refinedBy <where/name> .
    <where/quote> a oa:TextQuoteSelector ; oa:exact "..." ; [oa:prefix "..." ; oa:suffix "..." ;]
        oa:refinedBy <where/name> .
    <where/name> a oa:TextQuoteSelector ; oa:exact "the name" ; [oa:prefix "..." ; oa:suffix "..."] .

What a node the loader makes *is* (a document, a provision, a history event, a relation) is
not a fact about it but where it stands in the text: the node points at that passage's target
directly, ``<node> cgt:passage <where/target>`` (a sub-property of ``prov:wasDerivedFrom``),
the same target the annotations of the facts read there share.  One triple, where an
annotation with the node as its body took six; on the whole Chinese corpus these were the
annotations of 341,000 provisions (issue 25).

A quote selector has a prefix and a suffix only when its words occur more than once in the
text (in the passage, for a name): ``CONTEXT_WHEN_NEEDED``.

The target is the name inside the passage (the responsibility list or the sentence): both
selectors select the passage and both are ``oa:refinedBy`` the same quote selector of the
name, so that they select the same content, as the Web Annotation model requires of a
target's selectors (docs/standards.md); an annotation read from a whole span has no
refinement.  Facts read from the same place share its target and selectors: ``<where>`` is
named after the file, the passage's offsets and the name's (``annotation/x-<file
key>-<start>-<end>[-<name start>-<name end>]``), and written once per text; an annotation
says what was read there (``oa:hasTarget`` the shared target), so every fact still has
its passage, without repeating it (issue 25).  IRIs of annotations, notes and extracted
documents are derived from the text (file key, offsets, values), never from row order or
randomness, so two builds of the same input give the same triples.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable

from cgtkg.graph import namespaces as ns
from cgtkg.graph.namespaces import CGT, ELI, OA
from cgtkg.graph.triples import LatePrefixGraph, WriteOnceStore
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, XSD

from .model import Citation, DocDate, Document, HistoryEvent, Mention, Provision, Relation, Span
from .source import SourceText

CONTEXT_CHARS = 32
#: Annotations of one passage share its target and selectors (see above); False gives each
#: annotation its own, as before issue 25 (tests compare the passages both ways).
SHARE_SELECTORS = True
#: A quote selector has ``oa:prefix`` and ``oa:suffix`` only when its words occur more than
#: once where it selects (the text, or the passage for a name): the Web Annotation model has
#: them to tell such occurrences apart, and elsewhere the words alone, like the position
#: selector beside them, pick one place. False writes them on every quote selector, as before
#: issue 25 (tests compare the passages both ways).
CONTEXT_WHEN_NEEDED = True
_NOT_IN_FORCE = URIRef("http://data.europa.eu/eli/ontology#InForce-notInForce")
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
_CONCERNS, _ON_PROPERTY, _GENERATED, _PASSAGE = CGT.concerns, CGT.onProperty, PROV.wasGeneratedBy, CGT.passage
# Offsets are written as xsd:integer, not the xsd:nonNegativeInteger of the Web Annotation
# vocabulary: Oxigraph stores every integer subtype as xsd:integer, and the graph pySHACL
# validates should be the graph the store and the exports hold.
_INTEGER = XSD.integer
_PLAIN_TEXT = ns.media_type("text/plain")


#: Offsets as typed literals, shared by every file (offsets repeat from file to file).
_INTS: dict[int, Literal] = {}


def direct_literal(lexical: str, value, datatype: URIRef | None = None, language: str | None = None,
                   ill_typed: bool | None = None) -> Literal:
    """A literal with its state set directly: what ``Literal()`` makes for the same lexical
    form, value, datatype and language, without its checks and its search of the
    Python-to-XSD rules (the caller knows the state is right)."""
    lit = str.__new__(Literal, lexical)
    lit._language = language
    lit._datatype = datatype
    lit._value = value
    lit._ill_typed = ill_typed
    return lit


def integer_literal(n: int) -> Literal:
    """``Literal(n, datatype=XSD.integer)`` for an ``int``, made directly (see
    :func:`plain_literal`); anything else goes through ``Literal``."""
    if type(n) is not int:
        return Literal(n, datatype=_INTEGER)
    return direct_literal(str(n), n, _INTEGER)


def plain_literal(text: str) -> Literal:
    """``Literal(text)`` for a ``str``, made directly: the same term (lexical form, value,
    no language, no datatype), without rdflib's per-call search of its Python-to-XSD rules,
    which took a tenth of a text's extraction (the writer makes about 60 literals per KB of
    text).  Anything but an exact ``str`` goes through ``Literal``."""
    if type(text) is not str:
        return Literal(text)
    return direct_literal(text, text)


class _Terms:
    """A namespace whose terms are made once: an rdflib namespace attribute builds a new
    URIRef on every access, and the writer asks for the same few terms a thousand times."""

    def __init__(self, namespace):
        self._ns = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = getattr(self._ns, name)
        setattr(self, name, term)
        return term


_RDF, _RDFS, _OA, _ELI, _CGT, _PROV, _DCTERMS, _XSD = (
    _Terms(n) for n in (RDF, RDFS, OA, ELI, CGT, PROV, DCTERMS, XSD))


def activity_iri(base: str) -> URIRef:
    return URIRef(f"{base}activity/extraction")


def agent_iri(base: str) -> URIRef:
    return URIRef(f"{base}agent/cgtkg-text-loaders")


def source_iri(base: str, src: SourceText) -> URIRef:
    return URIRef(f"{base}source/x-{src.key}")


#: A URIRef from a string already known to be a valid IRI.  URIRef holds no state besides
#: its string (its classes declare empty ``__slots__``), and ``URIRef()`` only adds a check
#: that logs a warning for characters IRIs may not contain.
_iri = functools.partial(str.__new__, URIRef)


def _bind(g: Graph, base: str) -> None:
    ns.bind_prefixes(g, base)
    g.bind("oa", OA)


def new_graph(base: str) -> Graph:
    """An empty graph of the kind an extraction is written into: a write-once store
    (graph/triples.py), the project's prefixes bound when first needed."""
    return LatePrefixGraph(WriteOnceStore(), bind=functools.partial(_bind, base=base))


def _h(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]


class Writer:
    """Writes one file's extraction into one graph."""

    def __init__(self, src: SourceText, base: str, version: str, source: URIRef | None = None):
        self.src = src
        self.base = base
        self.g: Graph = new_graph(base)
        self._put = self.g.store.put
        self._put_all = self.g.store.put_all
        # literals repeat (offsets, the quote of a passage several facts were read from)
        self._strs: dict[str, Literal] = {}
        self._described: set[tuple] = set()  # triples of unlisted bodies already written
        self._targets: set[URIRef] = set()  # the passages' targets already written
        # annotation IRIs are this prefix, numbers, hex digits and fixed words: checking the
        # prefix once checks them all, so they are made without URIRef's per-call check
        self._prefix = str(URIRef(f"{base}annotation/x-{src.key}-"))
        self.act = activity_iri(base)
        self.source = source or source_iri(base, src)
        self.version = version
        self.n_annotations = 0

    # ------------------------------------------------------------ basics

    def add(self, s, p, o) -> None:
        self._put((s, p, o))

    def _int(self, n: int) -> Literal:
        lit = _INTS.get(n)
        if lit is None:
            if len(_INTS) > 1_000_000:
                _INTS.clear()
            lit = _INTS[n] = integer_literal(n)
        return lit

    def _str(self, text: str) -> Literal:
        lit = self._strs.get(text)
        if lit is None:
            lit = self._strs[text] = plain_literal(text)
        return lit

    def header(self, genre: str) -> None:
        src = self.src
        self.add(self.source, _RDF.type, _CGT.SourceText)
        self.add(self.source, _RDF.type, _PROV.Entity)
        self.add(self.source, _CGT.sha256, Literal(src.sha256))
        self.add(self.source, _DCTERMS.identifier, Literal(src.name))
        # DCMI gives format, conformsTo and hasVersion resources, not strings
        self.add(self.source, _DCTERMS.format, _PLAIN_TEXT)
        self.add(self.source, _RDFS.label, Literal(f"text file {src.name}"))
        standard = URIRef(f"{self.base}genre/{genre}")
        self.add(self.source, _DCTERMS.conformsTo, standard)
        self.add(standard, _RDF.type, _DCTERMS.Standard)
        self.add(standard, _RDFS.label, Literal(f"text genre {genre} (loaders/text/genres)", lang="en"))
        agent = agent_iri(self.base)
        self.add(self.act, _RDF.type, _PROV.Activity)
        self.add(self.act, _RDFS.label, Literal("extraction of provisions and responsibilities "
                                               "from plain-text policy documents", lang="en"))
        self.add(self.act, _PROV.used, self.source)
        self.add(self.act, _PROV.wasAssociatedWith, agent)
        self.add(agent, _RDF.type, _PROV.SoftwareAgent)
        self.add(agent, _RDFS.label, Literal("cgtkg text loaders (loaders.text)"))
        self.add(agent, OWL.versionInfo, Literal(self.version))

    def annotate(self, subject: URIRef, prop: URIRef | None, body, span: Span,
                 motivation: URIRef, inner: Span | None = None,
                 kind: URIRef = _OA.Annotation, extra: Iterable[tuple] = ()) -> URIRef:
        """One fact read at ``span`` (``inner``: the name inside it): its annotation, and the
        passage's target once per text (:meth:`_target`)."""
        start, end = span.start, span.end
        a = _iri(f"{self._prefix}{start}-{end}-{_h(subject, prop, body, inner)}")
        self.n_annotations += 1
        ts = [(a, _TYPE, kind)]
        if kind != _ANNOTATION:
            ts.append((a, _TYPE, _ANNOTATION))
        ts.append((a, _MOTIVATED, motivation))
        if isinstance(body, URIRef):
            ts.append((a, _HAS_BODY, body))
        elif body is not None:
            ts.append((a, _BODY_VALUE, self._str(str(body))))
        ts.append((a, _CONCERNS, subject))
        if prop is not None:
            ts.append((a, _ON_PROPERTY, prop))
        t = self._target(span, inner, ts, a)
        ts += [(a, _GENERATED, self.act), (a, _HAS_TARGET, t)]
        for p, o in extra:
            ts.append((a, p, o))
        self._put_all(ts)
        return a

    def passage(self, node: URIRef, span: Span) -> URIRef:
        """What ``node`` (a document, a provision, a history event, a relation) was read as:
        ``node cgt:passage <target>``, the same target the annotations of facts read at
        ``span`` point to. An annotation whose body is the node itself would say the same in
        six triples (issue 25)."""
        ts: list[tuple] = []
        t = self._target(span, None, ts, None)
        ts.append((node, _PASSAGE, t))
        self._put_all(ts)
        return t

    def _target(self, span: Span, inner: Span | None, ts: list, a: URIRef | None) -> URIRef:
        """The target of ``span`` (refined to ``inner``), its triples appended to ``ts`` the
        first time this text names it. Without shared selectors (``SHARE_SELECTORS``) each
        annotation ``a`` has its own; a node's own passage (``a`` None) is always shared."""
        text = self.src.raw
        lit = self._str
        start, end = span.start, span.end
        refined = inner is not None and inner != span and span.contains(inner)
        where = f"{self._prefix}{start}-{end}" + (f"-{inner.start}-{inner.end}" if refined else "")
        if not SHARE_SELECTORS and a is not None:
            where = a
        t = _iri(f"{where}/target")
        if t in self._targets:  # the passage is written already: its target is shared
            return t
        self._targets.add(t)
        pos = _iri(f"{where}/position")
        quote = _iri(f"{where}/quote")
        ts += [
            (t, _TYPE, _SPECIFIC),
            (t, _HAS_SOURCE, self.source),
            (t, _HAS_SELECTOR, pos),
            (t, _HAS_SELECTOR, quote),
            (pos, _TYPE, _POSITION),
            (pos, _START, self._int(start)),
            (pos, _END, self._int(end)),
            (quote, _TYPE, _QUOTE),
            (quote, _EXACT, lit(text[start:end])),
        ]
        if not CONTEXT_WHEN_NEEDED or occurs_elsewhere(text, start, end):
            ts += [(quote, _PREFIX, lit(text[max(0, start - CONTEXT_CHARS):start])),
                   (quote, _SUFFIX, lit(text[end:end + CONTEXT_CHARS]))]
        if refined:
            ref = _iri(f"{where}/name")
            # both selectors pick the passage, and both are refined to the name inside it:
            # the Web Annotation model wants a target's selectors to select the same content
            ts += [
                (pos, _REFINED, ref),
                (quote, _REFINED, ref),
                (ref, _TYPE, _QUOTE),
                (ref, _EXACT, lit(text[inner.start:inner.end])),
            ]
            if not CONTEXT_WHEN_NEEDED or occurs_elsewhere(text[start:end], inner.start - start, inner.end - start):
                ts += [(ref, _PREFIX, lit(text[max(start, inner.start - CONTEXT_CHARS):inner.start])),
                       (ref, _SUFFIX, lit(text[inner.end:min(end, inner.end + CONTEXT_CHARS)]))]
        return t

    def link(self, subject: URIRef, prop: URIRef, m: Mention, motivation=_OA.identifying) -> None:
        """A resolved mention: the triple and its annotation."""
        if m.target is None:
            return
        self.describe(m)
        self.add(subject, prop, m.target)
        passage = m.passage if m.passage is not None and m.passage.contains(m.span) else m.span
        self.annotate(subject, prop, m.target, passage, motivation, inner=m.span)

    def literal(self, subject: URIRef, prop: URIRef, value: Literal, spans: list[Span]) -> None:
        self.add(subject, prop, value)
        for sp in spans:
            self.annotate(subject, prop, str(value), sp, _OA.describing)

    def cite(self, subject: URIRef, c: Citation, prop: URIRef = _ELI.cites) -> None:
        """``subject eli:cites`` (or ``prop``) the other document, annotated with the span
        that names it (the quoted title, an interpretation's heading)."""
        cited = ns.document(c.document.key, self.base)
        if cited == subject:
            return
        self.add(subject, prop, cited)
        self.annotate(subject, prop, cited, c.span, _OA.identifying)

    def relation(self, d: URIRef, r: Relation) -> None:
        """A relation between this text's document ``d`` and another it names: the plain
        triple, its ``cgt:DocumentRelation`` (loaders/records.relation_triples, as for
        records) derived from this text, and the passage that states it."""
        from cgtkg.loaders.records import RELATION_TYPES, relation_iri, relation_triples  # records imports loaders.text

        other = ns.document(r.document.key, self.base)
        if other == d:
            return
        prop = RELATION_TYPES[r.kind]
        frm, to, to_key = (other, d, self._key_of(d)) if r.incoming else (d, other, r.document.key)
        # one decision title can amend a law twice (同名的修改决定, two dates): the date keeps
        # the two amendments apart
        node = relation_iri(frm, prop, to_key + (f"/{r.date.isoformat()}" if r.incoming and r.date else ""))
        date = Literal(r.date.isoformat(), datatype=_XSD.date) if r.date is not None else None
        for t in relation_triples(node, prop, frm, to, self.source, effective=date):
            self.add(*t)
        self.add(node, _PROV.wasGeneratedBy, self.act)
        self.annotate(frm, prop, to, r.span, _OA.identifying)
        # the same passage from the relation node (cgt:passage): the build's resolution
        # re-points annotations of merged copies, never the node's link, so queries find it there
        self.passage(node, r.span)

    def _key_of(self, d: URIRef) -> str:
        return str(d).rsplit("/", 1)[-1]

    def describe(self, m: Mention) -> None:
        """The description of a body that no registry lists (``Mention.about``), once per
        text, with the text it was read from."""
        if not m.about:
            return
        new = [t for t in m.about if t not in self._described]
        if not new:
            return
        self._described.update(new)
        self._put_all(new)
        for body in {t[0] for t in new}:
            if (body, _PROV.wasDerivedFrom, self.source) not in self._described:
                self._described.add((body, _PROV.wasDerivedFrom, self.source))
                self.add(body, _PROV.wasDerivedFrom, self.source)

    def unresolved(self, subject: URIRef, m: Mention) -> None:
        self.describe(m)
        passage = m.passage if m.passage is not None and m.passage.contains(m.span) else m.span
        cands = ", ".join(m.candidates)
        reason = m.how + (f" (candidates: {cands})" if cands else "")
        self.annotate(subject, None, m.surface, passage, _OA.identifying, inner=m.span,
                      kind=_CGT.UnresolvedMention,
                      extra=[(_RDFS.label, plain_literal(m.surface)),
                             (_RDFS.comment, plain_literal(f"{m.kind} name not resolved: {reason}"))])

    def note(self, about: URIRef, issue: str, comment: str, spans: list[Span]) -> None:
        n = URIRef(f"{self.base}note/x-{self.src.key}-{_h(about, issue, comment)}")
        self.add(n, _RDF.type, _CGT.DataQualityNote)
        self.add(n, _CGT.concerns, about)
        self.add(n, _CGT.issueType, ns.concept(issue, self.base) if issue else ns.concept("other", self.base))
        self.add(n, _RDFS.comment, Literal(comment, lang="en"))
        self.add(n, _PROV.wasDerivedFrom, self.source)
        self.add(n, _PROV.wasGeneratedBy, self.act)
        for sp in spans:
            self.annotate(n, None, issue, sp, _OA.assessing)

    # ------------------------------------------------------------ documents

    def document(self, doc: Document) -> URIRef:
        d = ns.document(doc.key, self.base)
        add = self.add
        add(d, _RDF.type, _ELI.LegalResource)
        add(d, _RDF.type, _CGT.PolicyDocument)
        if doc.genre == "cited":
            add(d, _RDF.type, _CGT.CitedDocument)
        add(d, _PROV.wasGeneratedBy, self.act)
        add(d, _PROV.hadPrimarySource, self.source)
        for sp in doc.spans:
            self.passage(d, sp)
        for t in doc.titles:
            self.literal(d, _DCTERMS.title, Literal(str(t.value), lang=t.lang or "en"), t.spans)
        if doc.number is not None:
            self.literal(d, _ELI.id_local, Literal(str(doc.number.value)), doc.number.spans)
        if doc.doctype is not None and doc.doctype.target is not None:
            add(d, _ELI.type_document, doc.doctype.target)
        for m in doc.issuers:
            if m.target is not None:
                self.link(d, _ELI.passed_by, m)
            else:
                self.unresolved(d, m)
        for dd in doc.dates:
            self._date(d, dd)
        if not any(x.kind == "document" and x.value for x in doc.dates):
            if doc.odd_dates:
                reason = "the source prints an unreadable date: " + "; ".join(p for _, p in doc.odd_dates)
            else:
                reason = f"{self.src.name} gives no date of issue or adoption for this document"
            add(d, _CGT.dateMissingReason, Literal(reason))
        if not any(x.kind == "in_force" and x.value for x in doc.dates):
            add(d, _CGT.inForceUnknownReason, Literal(
                f"{self.src.name} only names this document and gives no entry-into-force date"
                if doc.genre == "cited" else f"{self.src.name} gives no entry-into-force date for this document"))
        if doc.expired:
            add(d, _ELI.in_force, _NOT_IN_FORCE)
            self.note(d, "other", f"No longer in force on a date no source gives: {doc.expired}.", [])
        if not any(m.target is not None for m in doc.issuers):
            add(d, _CGT.issuerMissingReason, Literal(
                f"{self.src.name} names no issuing body of the registry for this document"
                + (" (unresolved: " + ", ".join(sorted({m.surface for m in doc.issuers + doc.unresolved
                                                         if m.target is None})) + ")"
                   if any(m.target is None for m in doc.issuers + doc.unresolved) else "")))
        for sp, problem in doc.odd_dates:
            self.note(d, "corrupted-date", problem, [sp])
        for m in doc.regions:
            self.link(d, _ELI.relevant_for, m)
        for m in doc.therapies:
            self.link(d, _ELI.is_about, m, _OA.classifying)
        for m in doc.unresolved:
            self.unresolved(d, m)
        for c in doc.cites:
            self.cite(d, c)
        for c in doc.interprets:
            self.cite(d, c, _CGT.interprets)
        for c in doc.repeals:
            self.relation(d, Relation("repeals", c.document, c.span, c.date))
        for r in doc.relations:
            self.relation(d, r)
        for c in doc.promulgates:
            self.cite(d, c, _CGT.promulgates)
        if doc.legal_level is not None and doc.legal_level.target is not None:
            self.link(d, _CGT.legalLevel, doc.legal_level, _OA.classifying)
        for i, ev in enumerate(doc.events, 1):
            self.event(d, i, ev)
        self.versions(d, doc.events)
        for p in doc.provisions:
            self.provision(d, d, [], p)
        for a in doc.anomalies:
            about = d
            if a.get("about", "").count("/") == 1:
                kind, num = a["about"].split("/")
                about = ns.provision(d, [(kind, num)])
            issue = {"duplicate-provision": "duplicate-provision", "date-conflict": "date-conflict",
                     "conflicting-duplicate": "numbering-anomaly",
                     "title-from-page": "title-from-page"}.get(a["kind"], "numbering-anomaly")
            self.note(about, issue, a["message"], [])
        return d

    def event(self, d: URIRef, n: int, ev: HistoryEvent) -> None:
        """One line of the legislative history: ``<doc>/event/<n>``, annotated with the line."""
        e = URIRef(f"{d}/event/{n}")
        add = self.add
        add(d, _CGT.history, e)
        add(e, _RDF.type, _CGT.LegislativeEvent)
        add(e, _CGT.eventType, ns.concept("event-" + ev.kind.replace("_", "-"), self.base))
        add(e, _PROV.wasGeneratedBy, self.act)
        if ev.date is not None:
            add(e, _DCTERMS.date, Literal(ev.date.isoformat(), datatype=_XSD.date))
        if ev.body_text:
            add(e, _RDFS.label, Literal(ev.body_text, lang="zh" if _zh(ev.body_text) else "en"))
        if ev.number:
            add(e, _CGT.orderNumber, Literal(ev.number))
        if ev.body is not None and ev.body.target is not None:
            self.link(e, _PROV.wasAssociatedWith, ev.body)
        self.passage(e, ev.span)

    def versions(self, d: URIRef, events: list[HistoryEvent]) -> None:
        """Point-in-time versions (docs/relations.md): the text as first made (its first
        adoption or publication) and as amended or revised on each later date of its history,
        ``<doc>/version/<date>``, each from the history line that states it."""
        firsts = [(ev.date, i) for i, ev in enumerate(events, 1)
                  if ev.date is not None and ev.kind in ("adopted", "published")]
        starts = {}
        if firsts:
            date, i = min(firsts)
            starts[date] = i
        for i, ev in enumerate(events, 1):
            if ev.date is not None and ev.kind in ("amended", "revised") and ev.date not in starts:
                starts[ev.date] = i
        for date, i in sorted(starts.items()):
            v = URIRef(f"{d}/version/{date.isoformat()}")
            self.add(v, _RDF.type, _CGT.PointInTimeVersion)
            self.add(v, _DCTERMS.isVersionOf, d)
            self.add(d, _DCTERMS.hasVersion, v)
            self.add(v, _ELI.version_date, Literal(date.isoformat(), datatype=_XSD.date))
            self.add(v, _PROV.wasDerivedFrom, URIRef(f"{d}/event/{i}"))
            self.add(v, _PROV.wasGeneratedBy, self.act)

    def _date(self, d: URIRef, dd: DocDate) -> None:
        if dd.value is None:
            return
        prop = DATE_PROPS.get(dd.kind)
        if prop is None:
            return
        self.literal(d, prop, Literal(dd.value.isoformat(), datatype=_XSD.date), dd.spans)

    def provision(self, doc: URIRef, parent: URIRef, path: list[tuple[str, str]], p: Provision) -> URIRef:
        path = path + [(p.kind, p.number)]
        iri = ns.provision(doc, path)
        add = self.add
        add(iri, _RDF.type, _ELI.LegalResourceSubdivision)
        add(iri, _ELI.is_part_of, parent)
        add(parent, _ELI.has_part, iri)
        add(iri, _ELI.number, self._str(p.number))
        if p.printed and p.printed != p.number:
            add(iri, _CGT.printedNumber, self._str(p.printed))
        add(iri, _ELI.type_subdivision, ns.concept(p.kind, self.base))
        add(iri, _PROV.wasDerivedFrom, self.source)
        add(iri, _PROV.wasGeneratedBy, self.act)
        lines = ", ".join(str(self.src.line_of(s.start)) for s in [p.span] + p.extra_spans)
        add(iri, _CGT.sourceLocator, plain_literal(f"{p.printed or p.kind + ' ' + p.number} "
                                            f"(line {lines} of {self.src.name})"))
        for sp in [p.span] + p.extra_spans:
            self.passage(iri, sp)
        if p.title is not None:
            title = str(p.title.value)
            self.literal(iri, _DCTERMS.title, Literal(title, lang="zh" if _zh(title) else "en"), p.title.spans)
        for m in p.responsible:
            self.link(iri, _CGT.responsibleAgency, m)
        for m in p.regions:
            self.link(iri, _ELI.relevant_for, m)
        for m in p.therapies:
            self.link(iri, _ELI.is_about, m, _OA.classifying)
        for m in p.excludes:
            self.link(iri, _CGT.excludes, m, _OA.classifying)
        for m in p.modalities:
            self.link(iri, _CGT.modality, m, _OA.classifying)
        for m in p.addressees:
            self.link(iri, _CGT.addressee, m, _OA.classifying)
        for c in p.cites:
            self.cite(iri, c)
        for c in p.children:
            self.provision(doc, iri, path, c)
        return iri


def occurs_elsewhere(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` occurs in ``text`` at another offset too (overlaps count)."""
    words = text[start:end]
    return text.find(words, start + 1) != -1 or text.rfind(words, 0, end - 1) != -1


def _zh(t: str) -> bool:
    return sum(1 for c in t if "\u3400" <= c <= "\u9fff") > len(t) / 3
