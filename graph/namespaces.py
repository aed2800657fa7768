"""Every prefix the project uses, and the rules that turn stable keys into IRIs.

One module owns the namespaces so that loaders, queries, exports and tests agree on
them.  The project's own vocabulary is a ``DefinedNamespace`` with ``_fail = True``:
a typo such as ``CGT.responsibleAgncy`` raises at import time instead of minting a
silent new IRI.

Two kinds of IRI live here:

* the **ontology** namespace (``cgt:``) is fixed, because outside consumers and saved
  queries rely on it;
* **instance** IRIs (documents, provisions, agencies, regions, ...) hang off a base IRI
  that users may configure (``--base``).  Registries and records are written against
  :data:`DEFAULT_BASE`; :func:`rebase` maps them onto another base at load time.
"""

from __future__ import annotations

import re

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    VOID,
    XSD,
    DefinedNamespace,
)

ELI = Namespace("http://data.europa.eu/eli/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")

DEFAULT_BASE = "https://w3id.org/cgt-kg/id/"
ONTOLOGY_IRI = "https://w3id.org/cgt-kg/ontology"


class CGT(DefinedNamespace):
    """The project's own terms, only for what ELI, ORG, SKOS, PROV and OA lack."""

    _NS = Namespace("https://w3id.org/cgt-kg/ontology#")
    _fail = True

    # classes
    PolicyDocument: URIRef  # a whole policy document: an eli:LegalResource that is no subdivision
    GenericAuthority: URIRef  # an unnamed collective body ("relevant industry authorities")
    SourceText: URIRef  # one of the texts the facts were taken from
    DataQualityNote: URIRef  # something about a source or record a user should know
    SourceConflict: URIRef  # sources disagree on a value; both are kept
    Claim: URIRef  # one source's value in a SourceConflict
    UnresolvedMention: URIRef  # a body named in a text that no registry entry matches
    Reorganisation: URIRef  # subclass of org:ChangeEvent with a date
    CitedDocument: URIRef  # a text's copy of a document it only cites by title
    LegislativeEvent: URIRef  # one dated line of a document's history (通过 / 公布 / 修正 / 施行)
    LocalGovernmentBody: URIRef  # a local body derived from (function, place) by the text loaders
    ProvisionalBody: URIRef  # a body-shaped name that resolves to nothing known, kept for review

    # agencies
    responsibleAgency: URIRef  # provision -> a body it gives a task (not ELI's responsibility_of_agent)
    administrativeLevel: URIRef  # agency -> concept in scheme/admin-levels
    jurisdiction: URIRef  # agency -> region concept it belongs to
    governmentFunction: URIRef  # agency -> concept in scheme/government-functions
    # regions
    regionLevel: URIRef  # region -> concept in scheme/region-levels
    abbreviation: URIRef  # province-level region -> its one-character abbreviation (粤)
    approvalDate: URIRef  # special zone -> year (xsd:gYear) or day it was approved as such
    broaderTransitive: URIRef  # concept -> every concept above it (derived; ⊑ skos:broaderTransitive)
    selfOrBroader: URIRef  # concept -> itself and every concept above it (derived)
    # documents and provisions
    printedNumber: URIRef  # the number exactly as printed ("II.") beside eli:number ("2")
    partOfDocument: URIRef  # provision -> its document at any depth (derived by the build)
    # a copy of a document or provision -> the one node that stands for it (cgtkg/pipeline/resolve.py)
    canonical: URIRef
    modality: URIRef  # provision -> concept in scheme/modalities
    addressee: URIRef  # provision -> concept in scheme/addressees
    excludes: URIRef  # provision -> therapy concept explicitly carved out
    interprets: URIRef  # an official interpretation -> the document it explains (eli:related_to)
    promulgates: URIRef  # a notice -> the document it issues ("on Issuing the Y Plan"; eli:related_to)
    legalLevel: URIRef  # document -> concept in scheme/legal-levels (法律, 行政法规 ...)
    history: URIRef  # document -> cgt:LegislativeEvent
    eventType: URIRef  # event -> concept in scheme/event-types
    orderNumber: URIRef  # event -> the order or announcement number as printed
    dateMissingReason: URIRef  # why a document has no eli:date_document
    issuerMissingReason: URIRef  # why an extracted document has no eli:passed_by
    sourceLocator: URIRef  # where in the source the record's facts are ("measure 9")
    passage: URIRef  # an extracted node -> the oa:SpecificResource of the text it was read as
    # data quality
    concerns: URIRef  # note -> the resource it is about
    issueType: URIRef  # note -> concept in scheme/issue-types
    onProperty: URIRef  # conflict -> the property whose value is disputed
    hasClaim: URIRef  # conflict -> claim
    # sources
    sha256: URIRef
    sourceKind: URIRef
    # relations between documents and time (issue 22; ontology/cgt.ttl, end)
    DocumentRelation: URIRef  # one stated relation with its places, addressees, date and source
    derogatesFrom: URIRef  # a rule set aside in given places / for given addressees
    supersedesEdition: URIRef  # a new edition of a recurring document -> the one it replaces
    pilots: URIRef  # carries out as a pilot what another document announces (⊑ eli:implements)
    relationProperty: URIRef  # relation node -> the property it states
    relationFrom: URIRef  # relation node -> the document or provision that states it
    relationTo: URIRef  # relation node -> the document or provision it concerns
    appliesIn: URIRef  # relation node -> a region it is limited to
    forAddressee: URIRef  # relation node -> an addressee it is limited to
    effectiveDate: URIRef  # relation node -> the date it takes effect
    inForceUnknownReason: URIRef  # why a document has no eli:first_date_entry_in_force
    PointInTimeVersion: URIRef  # the text of a document as it stood from one date (an amendment's)


SCHEMES = {
    "regions": "scheme/regions",
    "therapies": "scheme/therapies",
    "doctypes": "scheme/doctypes",
    "subdivision-types": "scheme/subdivision-types",
    "admin-levels": "scheme/admin-levels",
    "region-levels": "scheme/region-levels",
    "modalities": "scheme/modalities",
    "addressees": "scheme/addressees",
    "issue-types": "scheme/issue-types",
    "agency-types": "scheme/agency-types",
    "legal-levels": "scheme/legal-levels",
    "event-types": "scheme/event-types",
}

PREFIXES: dict[str, Namespace | str] = {
    "eli": ELI,
    "org": ORG,
    "skos": SKOS,
    "prov": PROV,
    "oa": OA,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "void": VOID,
    "foaf": FOAF,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": SH,
    "cgt": CGT._NS,
}

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def instance_prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """Prefixes for instance data under ``base`` (used in Turtle output and queries)."""
    return {
        "ag": f"{base}agency/",
        "rg": f"{base}region/",
        "th": f"{base}therapy/",
        "dt": f"{base}doctype/",
        "doc": f"{base}doc/",
        "src": f"{base}source/",
        "cv": f"{base}concept/",
        "sch": f"{base}scheme/",
        "ev": f"{base}event/",
    }


def bind_prefixes(g: Graph, base: str = DEFAULT_BASE) -> Graph:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    for prefix, ns in instance_prefixes(base).items():
        g.bind(prefix, Namespace(ns), override=True)
    return g


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ValueError(f"not a valid key {key!r}: use lower-case letters, digits and '-'")
    return key


def iri(kind: str, key: str, base: str = DEFAULT_BASE) -> URIRef:
    """IRI of a registry or record item: ``iri('agency', 'nmpa')``."""
    return URIRef(f"{base}{kind}/{check_key(key)}")


def agency(key: str, base: str = DEFAULT_BASE) -> URIRef:
    return iri("agency", key, base)


def region(key: str, base: str = DEFAULT_BASE) -> URIRef:
    return iri("region", key, base)


def therapy(key: str, base: str = DEFAULT_BASE) -> URIRef:
    return iri("therapy", key, base)


def doctype(key: str, base: str = DEFAULT_BASE) -> URIRef:
    return iri("doctype", key, base)


def concept(key: str, base: str = DEFAULT_BASE) -> URIRef:
    """Small controlled vocabularies: modalities, addressees, levels, issue types."""
    return iri("concept", key, base)


def scheme(name: str, base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(base + SCHEMES[name])


def source(key: str, base: str = DEFAULT_BASE) -> URIRef:
    return iri("source", key, base)


def document(key: str, base: str = DEFAULT_BASE) -> URIRef:
    return iri("doc", key, base)


def provision(doc_iri: URIRef, path: list[tuple[str, str]]) -> URIRef:
    """``provision(doc, [("chapter", "2"), ("article", "13")])`` -> ``doc/article/13``.

    Articles are numbered through the whole document, so a provision's IRI uses only
    its own type and number when that is unique in the document; provisions whose numbers
    restart inside each parent keep their parent's segment: items and paragraphs always
    (``doc/article/4/paragraph/2/item/3``), a section inside a chapter
    (``doc/chapter/2/section/1``) and a chapter inside a part (编, ``doc/part/3/chapter/1``).
    """
    segments: list[str] = []
    parent = ""
    for kind, number in path:
        seg = f"{check_key(kind)}/{_number_segment(number)}"
        if kind in ("item", "paragraph") or (kind, parent) in _RESTARTS:
            segments.append(seg)
        else:
            segments = [seg]
        parent = kind
    return URIRef(f"{doc_iri}/{'/'.join(segments)}")


#: (kind, parent kind) whose numbers restart in each parent
_RESTARTS = {("section", "chapter"), ("chapter", "part")}


def _number_segment(number: str) -> str:
    seg = re.sub(r"[^A-Za-z0-9.-]+", "-", str(number)).strip("-")
    if not seg:
        raise ValueError(f"provision number {number!r} gives an empty IRI segment")
    return seg


#: ISO 639-1 language codes as the Library of Congress publishes them: DCMI gives
#: dcterms:language a range of linguistic systems, which a bare "zh" string is not.
LANGUAGE_BASE = "http://id.loc.gov/vocabulary/iso639-1/"
#: IANA media types as resources (dcterms:format's range is a media type, not a string).
MEDIA_TYPE_BASE = "https://www.iana.org/assignments/media-types/"


def language(code: str) -> URIRef:
    """``language("zh")`` -> the ISO 639-1 IRI of the language of a source."""
    code = code.strip().lower().split("-")[0]
    if not re.fullmatch(r"[a-z]{2}", code):
        raise ValueError(f"not an ISO 639-1 language code: {code!r}")
    return URIRef(LANGUAGE_BASE + code)


def media_type(name: str) -> URIRef:
    """``media_type("text/plain")`` -> its IANA IRI."""
    return URIRef(MEDIA_TYPE_BASE + name)


def graph_iri(name: str, base: str = DEFAULT_BASE) -> URIRef:
    """Named graphs: ``registry`` for ontology and registries, ``doc/<key>`` per document."""
    return URIRef(f"{base}graph/{name}")


def rebase(term, base: str):
    """Move an instance IRI written against DEFAULT_BASE onto ``base``."""
    if base != DEFAULT_BASE and isinstance(term, URIRef) and str(term).startswith(DEFAULT_BASE):
        return URIRef(base + str(term)[len(DEFAULT_BASE):])
    return term
