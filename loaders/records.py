"""Curated records (``data/records/*.yaml``) and the source list -> RDF.

Each record becomes one named graph.  Everything a reviewer could get wrong is reported
with the file and line it is on: unknown keys (an agency that is not in the registry),
numbers that are not normalised, a provision given twice, dates that are not dates.
Nothing is dropped silently and nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from cgtkg.graph import namespaces as ns
from cgtkg.graph.errors import Problem
from cgtkg.graph.namespaces import CGT, DEFAULT_BASE, ELI, ORG
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

# ---------------------------------------------------------------- YAML with line numbers


class LineDict(dict):
    """A mapping that remembers the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict


MAX_YAML_DEPTH = 64  # records nest provisions a few levels; nothing real comes near this


class BoundedComposer:
    """Mix into a SafeLoader: refuses aliases and nesting deeper than ``MAX_YAML_DEPTH``.

    Why: an alias is a pointer, so a few hundred bytes of anchors and aliases expand into
    millions of nodes once constructed (issue 26: 3.6 KB gave 111,246 provisions and 3.3 GB);
    and the composer recurses once per level, so 5,000 nested brackets end in a
    RecursionError.  Both are refused while composing, before anything is built, with the
    line of the offending node.  Records and sidecars never need either.
    """

    _depth = 0

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML's hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"YAML aliases (*{event.anchor}) are not allowed: write the value out",
                event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def yaml_error_problem(path, text: str, e: yaml.YAMLError, what: str = "invalid YAML",
                       line_offset: int = 0) -> Problem:
    """One line for any PyYAML error: a marked error gives its line; a reader error (a BEL or
    NUL character, which YAML does not allow) gives the line of the character's position."""
    line = None
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        cause = " ".join(str(x) for x in (e.context, e.problem) if x)
    elif isinstance(e, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(0, e.position)) + 1
        char = e.character if isinstance(e.character, int) else ord(e.character or "\0")
        cause = f"character U+{char:04X} is not allowed in YAML (control characters must be removed)"
    else:
        cause = str(e).splitlines()[0] if str(e) else type(e).__name__
    return Problem(path, line + line_offset if line else None, f"{what}: {cause}")


class _Loader(BoundedComposer, yaml.SafeLoader):
    """SafeLoader that keeps line numbers, rejects duplicate keys, and leaves dates as text.

    Dates stay strings so that a bad one ("2023-02-30", "August 29, 023") is reported with
    its line by us, instead of a bare ValueError from the YAML library.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text, not a list or a mapping", key_node.start_mark)
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {mapping.key_lines[key]})",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> tuple[object, list[Problem]]:
    """Parse a YAML file; a syntax error becomes a Problem with its line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        return None, [Problem(path, None, f"not UTF-8 text ({e.reason} at byte {e.start})")]
    except OSError as e:
        return None, [Problem(path, None, f"cannot read: {e.strerror}")]
    try:
        return yaml.load(text, Loader=_Loader), []  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        return None, [yaml_error_problem(path, text, e)]


# ---------------------------------------------------------------- registry lookups


@dataclass
class Registry:
    """Keys that records may use, read from the registry graph (ontology + registries)."""

    graph: Graph
    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        g, b = self.graph, self.base
        self.agencies = {s for s in g.subjects(RDF.type, ORG.Organization)}
        self.agencies |= {s for s in g.subjects(RDF.type, ORG.FormalOrganization)}
        self.agencies |= {s for s in g.subjects(RDF.type, CGT.GenericAuthority)}
        self.in_scheme = {}
        for c, sch in g.subject_objects(SKOS.inScheme):
            self.in_scheme.setdefault(c, set()).add(sch)
        self.schemes = {name: ns.scheme(name, b) for name in ns.SCHEMES}

    def has_agency(self, key: str) -> bool:
        return ns.agency(key, self.base) in self.agencies

    def concept_in(self, term: URIRef, scheme_name: str) -> bool:
        return self.schemes[scheme_name] in self.in_scheme.get(term, set())


# ---------------------------------------------------------------- the compiler


SUBDIVISION_TYPES = {"chapter", "section", "article", "measure", "item", "paragraph"}
DATE_FIELDS = {
    "document": ELI.date_document,
    "publication": ELI.date_publication,
    "in_force": ELI.first_date_entry_in_force,
    "no_longer_in_force": ELI.date_no_longer_in_force,
}
RECORD_FIELDS = {
    "key", "type", "title", "number", "issuers", "dates", "date_missing_reason", "sources",
    "regions", "therapies", "summary", "notes", "provisions", "cites", "interprets", "relations",
    "in_force_unknown_reason",
}
PROVISION_FIELDS = {
    "type", "number", "printed", "title", "summary", "responsible", "regions", "therapies",
    "modality", "addressees", "excludes", "locator", "provisions", "sources", "cites",
}
NOTE_FIELDS = {"type", "about", "source", "text"}
RELATION_FIELDS = {"type", "target", "provision", "target_provision", "regions", "addressees",
                   "effective", "source"}
#: a record's relation type -> the property it states (ELI's where ELI has one)
RELATION_TYPES = {
    "amends": ELI.amends,
    "repeals": ELI.repeals,
    "based-on": ELI.based_on,
    "implements": ELI.implements,
    "transposes": ELI.transposes,
    "member-of": ELI.is_member_of,
    "consolidates": ELI.consolidates,
    "changes": ELI.changes,
    "derogates-from": CGT.derogatesFrom,
    "supersedes-edition": CGT.supersedesEdition,
    "pilots": CGT.pilots,
}


def curation_activity(base: str) -> URIRef:
    return URIRef(f"{base}activity/curation")


@dataclass
class Compiled:
    """What one record file yields: its graph, its problems, and where each subject came from."""

    key: str | None
    graph: Graph
    problems: list[Problem] = field(default_factory=list)
    origins: dict[URIRef, tuple[Path, int]] = field(default_factory=dict)


class RecordCompiler:
    """Turns one record mapping into triples, checking every reference as it goes."""

    def __init__(self, registry: Registry, sources: set[str], base: str = DEFAULT_BASE,
                 documents: set[str] | None = None):
        self.registry = registry
        self.sources = sources
        self.base = base
        # the record keys a `cites` or `interprets` may name; None: not checked here (the
        # build's document-link-dangling-violation check still finds a link to nothing)
        self.documents = documents
        self._target_provisions: dict[str, set[URIRef] | None] = {}  # other records' provisions

    # -- entry point

    def compile(self, path: Path) -> Compiled:
        path = Path(path)
        data, problems = load_yaml(path)
        out = Compiled(None, Graph(), problems)
        if problems:
            return out
        if not isinstance(data, LineDict):
            out.problems.append(Problem(path, 1, "a record must be a YAML mapping"))
            return out
        self.path, self.out = path, out
        self._record(data)
        return out

    # -- helpers

    def _err(self, line: int | None, msg: str, severity: str = "error") -> None:
        self.out.problems.append(Problem(self.path, line, msg, severity))

    def _line(self, m: LineDict, key: str) -> int:
        return m.key_lines.get(key, m.line) if isinstance(m, LineDict) else 0

    def _add(self, s, p, o) -> None:
        self.out.graph.add((s, p, o))

    def _unknown_fields(self, m: LineDict, allowed: set[str], what: str) -> None:
        for k in m:
            if k not in allowed:
                self._err(self._line(m, k), f"unknown field {k!r} in {what} (allowed: {', '.join(sorted(allowed))})")

    def _list(self, m: LineDict, key: str) -> list:
        value = m.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            self._err(self._line(m, key), f"{key!r} must be a list")
            return []
        return value

    def _text(self, m: LineDict, key: str, required: bool = False) -> str | None:
        value = m.get(key)
        if value is None:
            if required:
                self._err(m.line, f"missing required field {key!r}")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self._err(self._line(m, key), f"{key!r} must be text")
            return None
        return str(value).strip()

    def _ref(self, m: LineDict, key: str, kind: str, subject: URIRef, pred: URIRef) -> None:
        """Add one link per key in ``m[key]``, after checking the key exists in its registry
        (for ``document``, among the build's records, and not the record itself)."""
        line = self._line(m, key)
        for k in self._list(m, key):
            try:
                ns.check_key(str(k))
            except ValueError as e:
                self._err(line, f"{key}: {e}" if kind == "document" else str(e))
                continue
            if kind == "agency":
                term = ns.agency(k, self.base)
                if not self.registry.has_agency(k):
                    self._err(line, f"unknown agency {k!r}: not in ontology/registries/agencies.ttl")
                    continue
            elif kind == "document":  # `cites`, `interprets`: another record's document
                term = ns.document(k, self.base)
                if k == self.out.key:
                    self._err(line, f"{key}: {k!r} is this record's own key")
                    continue
                if self.documents is not None and k not in self.documents:
                    self._err(line, f"{key}: unknown document {k!r}: no data/records/{k}.yaml")
                    continue
            else:
                maker, scheme_name = {
                    "region": (ns.region, "regions"),
                    "therapy": (ns.therapy, "therapies"),
                    "doctype": (ns.doctype, "doctypes"),
                    "modality": (ns.concept, "modalities"),
                    "addressee": (ns.concept, "addressees"),
                    "subdivision": (ns.concept, "subdivision-types"),
                    "issue": (ns.concept, "issue-types"),
                }[kind]
                term = maker(k, self.base)
                if not self.registry.concept_in(term, scheme_name):
                    self._err(line, f"unknown {kind} {k!r}: not in scheme {scheme_name}")
                    continue
            self._add(subject, pred, term)

    def _source(self, key: str, line: int) -> URIRef | None:
        if key not in self.sources:
            self._err(line, f"unknown source {key!r}: not in data/sources.yaml")
            return None
        return ns.source(key, self.base)

    def _date(self, value, line: int, what: str) -> Literal | None:
        text = str(value).strip()
        try:
            parsed = dt.date.fromisoformat(text)
        except ValueError:
            self._err(line, f"{what}: {text!r} is not a valid date (YYYY-MM-DD); if the source "
                            "gives none, use date_missing_reason and a note")
            return None
        if len(text) != 10:
            self._err(line, f"{what}: write the date as YYYY-MM-DD, not {text!r}")
            return None
        from cgtkg.loaders.text.dates import year_problem  # here: loaders.text imports this module

        if (why := year_problem(parsed.year)) is not None:  # the texts' rule, one for both
            self._err(line, f"{what}: {text}: {why}; a typo?")
            return None
        return Literal(parsed.isoformat(), datatype=XSD.date)

    # -- the record

    def _record(self, r: LineDict) -> None:
        key = self._text(r, "key", required=True)
        if key is None:
            return
        if key != self.path.stem:
            self._err(self._line(r, "key"), f"key {key!r} must equal the file name {self.path.stem!r}")
        try:
            doc = ns.document(key, self.base)
        except ValueError as e:
            self._err(self._line(r, "key"), str(e))
            return
        self.out.key = key
        self.out.origins[doc] = (self.path, r.line)
        self._unknown_fields(r, RECORD_FIELDS, "record")
        self._add(doc, RDF.type, ELI.LegalResource)
        self._add(doc, RDF.type, CGT.PolicyDocument)
        self._add(doc, PROV.wasGeneratedBy, curation_activity(self.base))

        title = r.get("title")
        if not isinstance(title, dict) or not title.get("en"):
            self._err(self._line(r, "title"), "title.en is required (title: {en: ..., zh: ...})")
        else:
            for lang, text in title.items():
                if lang not in ("en", "zh"):
                    self._err(self._line(r, "title"), f"title language {lang!r}: use en or zh")
                    continue
                self._add(doc, DCTERMS.title, Literal(str(text).strip(), lang=lang))

        if self._text(r, "type", required=True):
            self._ref(r, "type", "doctype", doc, ELI.type_document)
        if (number := self._text(r, "number")) is not None:
            self._add(doc, ELI.id_local, Literal(number))
        if not self._list(r, "issuers"):
            self._err(r.line, "at least one issuer is required (issuers: [agency-key, ...])")
        self._ref(r, "issuers", "agency", doc, ELI.passed_by)
        self._ref(r, "regions", "region", doc, ELI.relevant_for)
        self._ref(r, "therapies", "therapy", doc, ELI.is_about)
        self._ref(r, "cites", "document", doc, ELI.cites)
        self._ref(r, "interprets", "document", doc, CGT.interprets)
        if (summary := self._text(r, "summary", required=True)) is not None:
            self._add(doc, DCTERMS.abstract, Literal(summary, lang="en"))

        sources = self._list(r, "sources")
        if not sources:
            self._err(r.line, "at least one source is required (sources: [source-key])")
        self.doc_sources = []
        for s in sources:
            if (src := self._source(str(s), self._line(r, "sources"))) is not None:
                self._add(doc, PROV.hadPrimarySource, src)
                self.doc_sources.append(src)

        self._dates(doc, key, r)
        self._notes(doc, key, r)
        seen: dict[tuple[str, str], int] = {}
        for p in self._list(r, "provisions"):
            self._provision(doc, doc, [], p, seen)
        self._relations(doc, r)

    def _dates(self, doc: URIRef, key: str, r: LineDict) -> None:
        dates = r.get("dates") or {}
        if not isinstance(dates, dict):
            self._err(self._line(r, "dates"), "dates must be a mapping (document: YYYY-MM-DD, ...)")
            dates = {}
        for name in dates:
            if name not in DATE_FIELDS:
                self._err(self._line(dates, name), f"unknown date {name!r} (use {', '.join(DATE_FIELDS)})")
        reason = self._text(r, "date_missing_reason")
        has_document_date = disputed = False
        for name, prop in DATE_FIELDS.items():
            if name not in dates:
                continue
            value, line = dates[name], self._line(dates, name)
            if isinstance(value, list):
                claims = []
                for c in value:
                    if not isinstance(c, dict) or "value" not in c or "source" not in c:
                        self._err(line, f"dates.{name}: each claim needs value and source")
                        continue
                    lit = self._date(c["value"], getattr(c, "line", line), f"dates.{name}")
                    src = self._source(str(c["source"]), getattr(c, "line", line))
                    if lit is not None and src is not None:
                        claims.append((lit, src, str(c["source"])))
                # ELI's dates are functional: the document holds one value, or none when
                # the sources disagree; the disputed values are the conflict's claims
                values = {lit for lit, _, _ in claims}
                if len(values) == 1:
                    self._add(doc, prop, values.pop())
                    has_document_date |= name == "document"
                elif values:
                    self._conflict(doc, key, name, prop, claims)
                    disputed |= name == "document"
            else:
                lit = self._date(value, line, f"dates.{name}")
                if lit is not None:
                    self._add(doc, prop, lit)
                    has_document_date |= name == "document"
        self._in_force_reason(doc, r, dates)
        self._first_version(doc)
        if disputed and not reason:
            reason = (f"the sources disagree on the date of the document; each date is a claim of "
                      f"{conflict_iri(doc, 'document')}")
        if reason:
            self._add(doc, CGT.dateMissingReason, Literal(reason))
        elif not has_document_date and "document" not in dates:
            self._err(r.line, "no dates.document and no date_missing_reason: give the date or say why there is none")

    def _first_version(self, doc: URIRef) -> None:
        """The document as first made, a point-in-time version from its date (docs/relations.md):
        the sources of a record give no amendments, so it has this one version."""
        date = self.out.graph.value(doc, ELI.date_document)
        if date is None:
            return
        v = URIRef(f"{doc}/version/{date}")
        for t in ((v, RDF.type, CGT.PointInTimeVersion), (v, DCTERMS.isVersionOf, doc),
                  (doc, DCTERMS.hasVersion, v), (v, ELI.version_date, date),
                  (v, PROV.wasGeneratedBy, curation_activity(self.base))):
            self._add(*t)
        for src in self.doc_sources:
            self._add(v, PROV.wasDerivedFrom, src)

    def _in_force_reason(self, doc: URIRef, r: LineDict, dates: dict) -> None:
        """No entry-into-force date is never a silent gap: ``cgt:inForceUnknownReason`` says
        why (the record's own words, a dispute between sources, or that no source states it)."""
        own = self._text(r, "in_force_unknown_reason")
        if (doc, ELI.first_date_entry_in_force, None) in self.out.graph:
            if own:
                self._err(self._line(r, "in_force_unknown_reason"),
                          "in_force_unknown_reason is given but dates.in_force is known")
            return
        if own:
            reason = own
        elif isinstance(dates.get("in_force"), list):
            reason = (f"the sources disagree on the entry into force; each date is a claim of "
                      f"{conflict_iri(doc, 'in_force')}")
        else:
            keys = [str(s) for s in self._list(r, "sources")]
            reason = (f"no source of this record ({', '.join(keys)}) states an entry-into-force date"
                      if keys else "no source states an entry-into-force date")
        self._add(doc, CGT.inForceUnknownReason, Literal(reason))

    def _conflict(self, doc, key, name, prop, claims) -> None:
        node = conflict_iri(doc, name)
        self.out.origins[node] = self.out.origins[doc]
        for t in source_conflict(doc, name, prop, claims, self.base, "Sources"):
            self._add(*t)

    def _notes(self, doc: URIRef, key: str, r: LineDict) -> None:
        for n in self._list(r, "notes"):
            line = getattr(n, "line", self._line(r, "notes"))
            if not isinstance(n, dict):
                self._err(line, "each note must be a mapping (type, text, source, about)")
                continue
            self._unknown_fields(n, NOTE_FIELDS, "note")
            text, ntype = n.get("text"), n.get("type")
            if not text or not ntype:
                self._err(line, "a note needs type and text")
                continue
            about = str(n.get("about") or "document")
            target = doc if about == "document" else URIRef(f"{doc}/{about.strip('/')}")
            digest = hashlib.sha1(f"{ntype}|{about}|{text}".encode()).hexdigest()[:10]
            slug = str(ntype) if ns.KEY_RE.match(str(ntype)) else "note"
            node = URIRef(f"{doc}/note/{slug}-{digest}")
            self.out.origins[node] = (self.path, line)
            self._add(node, RDF.type, CGT.DataQualityNote)
            self._add(node, CGT.concerns, target)
            self._ref(n, "type", "issue", node, CGT.issueType)
            self._add(node, RDFS.comment, Literal(str(text).strip(), lang="en"))
            if n.get("source"):
                if (src := self._source(str(n["source"]), line)) is not None:
                    self._add(node, PROV.wasDerivedFrom, src)

    def _provision(self, doc, parent, path, p, seen) -> None:
        line = getattr(p, "line", None)
        if not isinstance(p, dict):
            self._err(line, "each provision must be a mapping (type, number, ...)")
            return
        self._unknown_fields(p, PROVISION_FIELDS, "provision")
        ptype = self._text(p, "type", required=True)
        number = self._text(p, "number", required=True)
        if ptype is None or number is None:
            return
        if ptype not in SUBDIVISION_TYPES:
            allowed = ", ".join(sorted(SUBDIVISION_TYPES))
            self._err(self._line(p, "type"), f"provision type {ptype!r}: use one of {allowed}")
            return
        if not number.isdigit() or number != str(int(number)):
            self._err(self._line(p, "number"), f"provision number {number!r} is not normalised: "
                      "write plain digits (\"2\") and put the printed form in 'printed'")
            return
        my_path = path + [(ptype, number)]
        iri = ns.provision(doc, my_path)
        ident = (ptype, str(iri))
        if ident in seen:
            self._err(line, f"{ptype} {number} is given twice (first on line {seen[ident]}); "
                      "record it once and add a duplicate-provision note")
            return
        seen[ident] = line
        self.out.origins[iri] = (self.path, line)
        g = self._add
        g(iri, RDF.type, ELI.LegalResourceSubdivision)
        g(iri, ELI.is_part_of, parent)
        g(parent, ELI.has_part, iri)
        g(iri, ELI.number, Literal(number))
        self._ref(p, "type", "subdivision", iri, ELI.type_subdivision)
        g(iri, PROV.wasGeneratedBy, curation_activity(self.base))
        for src in self.doc_sources:
            g(iri, PROV.wasDerivedFrom, src)
        if (printed := self._text(p, "printed")) is not None:
            g(iri, CGT.printedNumber, Literal(printed))
        if (title := self._text(p, "title")) is not None:
            g(iri, DCTERMS.title, Literal(title, lang="en"))
        if (summary := self._text(p, "summary")) is not None:
            g(iri, DCTERMS.abstract, Literal(summary, lang="en"))
        if (locator := self._text(p, "locator")) is not None:
            g(iri, CGT.sourceLocator, Literal(locator))
        self._ref(p, "responsible", "agency", iri, CGT.responsibleAgency)
        self._ref(p, "regions", "region", iri, ELI.relevant_for)
        self._ref(p, "therapies", "therapy", iri, ELI.is_about)
        self._ref(p, "modality", "modality", iri, CGT.modality)
        self._ref(p, "addressees", "addressee", iri, CGT.addressee)
        self._ref(p, "excludes", "therapy", iri, CGT.excludes)
        self._ref(p, "cites", "document", iri, ELI.cites)
        for child in self._list(p, "provisions"):
            self._provision(doc, iri, my_path, child, seen)


    # -- relations to other documents (issue 22)

    def _relations(self, doc: URIRef, r: LineDict) -> None:
        """``relations:``: each one the plain triple and its ``cgt:DocumentRelation`` node
        (``relation_triples``), after checking type, target, provisions, places, addressees,
        date and source, each error with its line."""
        seen: dict[URIRef, int] = {}
        for rel in self._list(r, "relations"):
            line = getattr(rel, "line", self._line(r, "relations"))
            if not isinstance(rel, LineDict):
                self._err(line, "each relation must be a mapping (type, target, source, ...)")
                continue
            self._unknown_fields(rel, RELATION_FIELDS, "relation")
            rtype = self._text(rel, "type", required=True)
            target = self._text(rel, "target", required=True)
            skey = self._text(rel, "source", required=True)
            if rtype is None or target is None or skey is None:
                continue
            prop = RELATION_TYPES.get(rtype)
            if prop is None:
                self._err(self._line(rel, "type"), f"unknown relation type {rtype!r} "
                          f"(use {', '.join(RELATION_TYPES)})")
                continue
            to_doc = self._relation_target(rel, target)
            src = self._source(skey, self._line(rel, "source"))
            frm = self._relation_end(rel, "provision", doc, self.out.key, self.out.graph)
            to = None if to_doc is None else self._relation_end(
                rel, "target_provision", to_doc, target, None)
            regions = self._concepts(rel, "regions", ns.region, "regions", "region")
            addressees = self._concepts(rel, "addressees", ns.concept, "addressees", "addressee")
            effective = None
            if rel.get("effective") is not None:
                effective = self._date(rel["effective"], self._line(rel, "effective"), "relation effective")
                if effective is None:
                    continue
            if None in (to_doc, src, frm, to, regions, addressees):
                continue
            node = relation_iri(doc, prop, target)
            if node in seen:
                self._err(line, f"relation {rtype} {target} is given twice (first on line {seen[node]}): "
                          "one relation per type and target")
                continue
            seen[node] = line
            self.out.origins[node] = (self.path, line)
            for t in relation_triples(node, prop, frm, to, src, regions, addressees, effective):
                self._add(*t)
            self._add(node, PROV.wasGeneratedBy, curation_activity(self.base))

    def _relation_target(self, rel: LineDict, target: str) -> URIRef | None:
        line = self._line(rel, "target")
        try:
            ns.check_key(target)
        except ValueError as e:
            self._err(line, f"relation target: {e}")
            return None
        if target == self.out.key:
            self._err(line, f"relation target {target!r} is this record's own key")
            return None
        if self.documents is not None and target not in self.documents:
            self._err(line, f"relation target: unknown document {target!r}: no data/records/{target}.yaml")
            return None
        return ns.document(target, self.base)

    def _relation_end(self, rel: LineDict, key: str, doc: URIRef, doc_key: str,
                      graph: Graph | None) -> URIRef | None:
        """The document, or the provision ``rel[key]`` names in it: a path as in notes'
        ``about`` (``item/1``, ``paragraph/1/item/2``) or a number that one provision has."""
        ref = self._text(rel, key)
        if ref is None:
            return doc
        line = self._line(rel, key)
        known = self._provision_iris(doc, doc_key, graph)
        if known is None:  # the target's record could not be read: its own build reports it
            self._err(line, f"{key}: cannot check {ref!r}: data/records/{doc_key}.yaml is not readable")
            return None
        if "/" in ref:
            iri = URIRef(f"{doc}/{ref.strip('/')}")
            if iri in known:
                return iri
            self._err(line, f"{key}: {doc_key} has no provision {ref!r}")
            return None
        hits = sorted(i for i in known if str(i).rsplit("/", 1)[-1] == ref)
        if len(hits) == 1:
            return hits[0]
        paths = [str(i)[len(str(doc)) + 1:] for i in hits]
        why = f"several provisions are numbered {ref!r} ({', '.join(paths)}): write the path" if hits \
            else f"{doc_key} has no provision numbered {ref!r}"
        self._err(line, f"{key}: {why}")
        return None

    def _provision_iris(self, doc: URIRef, doc_key: str, graph: Graph | None) -> set[URIRef] | None:
        """The provisions of this record (its graph so far) or of the record ``doc_key``
        (its file, read once: records are compiled one at a time)."""
        if graph is not None:
            return set(graph.subjects(RDF.type, ELI.LegalResourceSubdivision))
        cache = self._target_provisions
        if doc_key not in cache:
            data, errs = load_yaml(self.path.parent / f"{doc_key}.yaml")
            cache[doc_key] = None if errs or not isinstance(data, dict) else \
                set(_provision_paths(doc, data.get("provisions") or []))
        return cache[doc_key]

    def _concepts(self, m: LineDict, key: str, maker, scheme_name: str, kind: str) -> list | None:
        """The concepts ``m[key]`` names, each checked in its scheme; None after an error."""
        out, ok = [], True
        for k in self._list(m, key):
            try:
                term = maker(ns.check_key(str(k)), self.base)
            except ValueError as e:
                self._err(self._line(m, key), str(e))
                ok = False
                continue
            if not self.registry.concept_in(term, scheme_name):
                self._err(self._line(m, key), f"unknown {kind} {k!r}: not in scheme {scheme_name}")
                ok = False
                continue
            out.append(term)
        return out if ok else None


def _provision_paths(doc: URIRef, provisions, path=()) -> Iterable[URIRef]:
    """The IRIs of a record's provisions, from its YAML (for a relation's target_provision)."""
    for p in provisions if isinstance(provisions, list) else []:
        if not isinstance(p, dict) or "type" not in p or "number" not in p:
            continue
        my_path = [*path, (str(p["type"]), str(p["number"]))]
        try:
            yield ns.provision(doc, my_path)
        except ValueError:
            continue
        yield from _provision_paths(doc, p.get("provisions") or [], my_path)


# ---------------------------------------------------------------- document relations


def _local_name(prop: URIRef) -> str:
    return str(prop).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def relation_iri(from_doc: URIRef, prop: URIRef, to_key: str) -> URIRef:
    """``<from-doc>/relation/<property-local-name>/<to-key>`` (issue 22's contract: one
    relation of a type from a document to another, whichever provisions state it)."""
    return URIRef(f"{from_doc}/relation/{_local_name(prop)}/{to_key}")


def relation_triples(node: URIRef, prop: URIRef, frm: URIRef, to: URIRef, source: URIRef | None,
                     regions=(), addressees=(), effective: Literal | None = None) -> list[tuple]:
    """The plain triple ``frm prop to`` and the ``cgt:DocumentRelation`` that carries its
    places, addressees, date and source: shared by records and texts."""
    out = [(frm, prop, to), (node, RDF.type, CGT.DocumentRelation), (node, CGT.relationProperty, prop),
           (node, CGT.relationFrom, frm), (node, CGT.relationTo, to)]
    out += [(node, CGT.appliesIn, r) for r in regions]
    out += [(node, CGT.forAddressee, a) for a in addressees]
    if effective is not None:
        out.append((node, CGT.effectiveDate, effective))
    if source is not None:
        out.append((node, PROV.wasDerivedFrom, source))
    return out


# ---------------------------------------------------------------- source conflicts


def conflict_iri(doc: URIRef, name: str) -> URIRef:
    """``<doc>/conflict/in-force`` for the date ``name`` (a key of ``DATE_FIELDS``)."""
    return URIRef(f"{doc}/conflict/{name.replace('_', '-')}")


def source_conflict(doc: URIRef, name: str, prop: URIRef, claims, base: str, who: str,
                    labels: list[str] | None = None) -> list[tuple]:
    """The triples of a ``cgt:SourceConflict`` on the date ``name`` of ``doc``: one
    ``cgt:Claim`` per ``(value literal, source IRI, source key)`` in ``claims``, each derived
    from its source. ``who`` opens the comment ("Sources disagree on ..."), which names each
    claim's source by its key or by its entry in ``labels``."""
    node = conflict_iri(doc, name)
    what = name.replace("_", " ")
    named = labels or [skey for _, _, skey in claims]
    listed = "; ".join(f"{lit} ({label})" for (lit, _, _), label in zip(claims, named))
    out = [(node, RDF.type, CGT.SourceConflict), (node, RDF.type, CGT.DataQualityNote),
           (node, CGT.concerns, doc), (node, CGT.onProperty, prop),
           (node, CGT.issueType, ns.concept("date-conflict", base)),
           (node, RDFS.comment, Literal(f"{who} disagree on {what} date: {listed}", lang="en"))]
    for lit, src, skey in claims:
        claim = URIRef(f"{node}/claim/{lit}-{skey}")
        out += [(node, CGT.hasClaim, claim), (claim, RDF.type, CGT.Claim), (claim, RDF.value, lit),
                (claim, PROV.wasDerivedFrom, src), (node, PROV.wasDerivedFrom, src)]
    return out


# ---------------------------------------------------------------- sources


def compile_sources(path: Path, base: str, corpus_dir: Path | None) -> tuple[Graph, set[str], list[Problem]]:
    """``data/sources.yaml`` -> source-text descriptions; checks checksums when the corpus is here."""
    g = Graph()
    problems: list[Problem] = []
    data, errs = load_yaml(path)
    if errs:
        return g, set(), errs
    if not isinstance(data, list):
        return g, set(), [Problem(path, 1, "sources.yaml must be a list of sources")]
    keys: set[str] = set()
    for s in data:
        line = getattr(s, "line", None)
        if not isinstance(s, dict) or "key" not in s or "file" not in s:
            problems.append(Problem(path, line, "each source needs key and file"))
            continue
        key = str(s["key"])
        if key in keys:
            problems.append(Problem(path, line, f"source {key!r} is listed twice"))
            continue
        keys.add(key)
        iri = ns.source(key, base)
        g.add((iri, RDF.type, CGT.SourceText))
        g.add((iri, RDF.type, PROV.Entity))
        g.add((iri, DCTERMS.identifier, Literal(str(s["file"]))))
        if s.get("title"):
            g.add((iri, DCTERMS.title, Literal(str(s["title"]), lang="en")))
        if s.get("publisher"):  # DCMI: the publisher is an agent, not a string
            for t in publisher_triples(iri, str(s["publisher"]), base):
                g.add(t)
        if s.get("kind"):
            g.add((iri, CGT.sourceKind, Literal(str(s["kind"]))))
        if s.get("sha256"):
            g.add((iri, CGT.sha256, Literal(str(s["sha256"]))))
        for lang in s.get("language") or []:  # DCMI: a linguistic system, by its ISO 639 IRI
            try:
                g.add((iri, DCTERMS.language, ns.language(str(lang))))
            except ValueError as e:
                problems.append(Problem(path, line, f"language: {e}"))
        if s.get("published"):
            try:
                from cgtkg.loaders.text.dates import year_problem  # here: loaders.text imports this module

                issued = dt.date.fromisoformat(str(s["published"]))
                if (why := year_problem(issued.year)) is not None:
                    problems.append(Problem(path, line, f"published: {issued.isoformat()}: {why}; a typo?"))
                else:
                    g.add((iri, DCTERMS.issued, Literal(issued.isoformat(), datatype=XSD.date)))
            except ValueError:
                problems.append(Problem(path, line, f"published: {s['published']!r} is not a date"))
        if corpus_dir is not None:
            f = Path(corpus_dir) / str(s["file"])
            if not f.exists():
                problems.append(Problem(path, line, f"source file {f} not found", "warning"))
            elif s.get("sha256") and hashlib.sha256(f.read_bytes()).hexdigest() != s["sha256"]:
                problems.append(Problem(path, line, f"{f.name} has changed since it was curated (sha256 differs)",
                                        "warning"))
    return g, keys, problems


def publisher_triples(source: URIRef, name: str, base: str) -> list[tuple]:
    """``source dcterms:publisher <base>agent/publisher-<slug>``, the agent typed and named:
    one IRI per publisher name, so two sources of one publisher meet at one node."""
    slug = "-".join("".join(c if c.isalnum() and c.isascii() else " " for c in name.lower()).split())
    agent = URIRef(f"{base}agent/publisher-{slug or hashlib.sha1(name.encode()).hexdigest()[:10]}")
    return [(source, DCTERMS.publisher, agent), (agent, RDF.type, DCTERMS.Agent),
            (agent, RDF.type, FOAF.Agent), (agent, FOAF.name, Literal(name))]


def compile_records(paths: Iterable[Path], registry: Registry, sources: set[str], base: str,
                    documents: set[str] | None = None) -> list[Compiled]:
    """``documents``: the keys of every record of the build, which ``cites`` and
    ``interprets`` may name."""
    compiler = RecordCompiler(registry, sources, base, documents)
    results = [compiler.compile(p) for p in sorted(paths)]
    # a note's `about` must point at a provision that exists in its record
    for c in results:
        subjects = set(c.graph.subjects())
        for note, target in c.graph.subject_objects(CGT.concerns):
            if target not in subjects:
                file, line = c.origins.get(note, (None, None))
                c.problems.append(Problem(file, line, f"note is about {target}, which the record does not define"))
    return results
