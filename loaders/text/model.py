"""What a genre extracts from one text, before it becomes RDF.

Every fact carries the span(s) of text it was read from: the RDF writer turns each span into
a Web Annotation.  A fact stated twice (a news summary quoting a measure, a bilingual text
giving it in Chinese and in English) is *one* fact with several spans, never two facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rdflib import URIRef


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} before start {self.start}")

    def __len__(self) -> int:
        return self.end - self.start

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass
class Mention:
    """A name in the text that was (or could not be) linked to a registry entry."""

    kind: str  # agency | region | therapy | addressee | doctype
    span: Span
    surface: str
    target: URIRef | None = None
    key: str | None = None
    how: str = "label"  # label | context | place-government | unresolved reason
    candidates: tuple[str, ...] = ()
    passage: Span | None = None  # the clause that states the fact (for provenance)
    #: Triples that describe a body no registry lists (a derived cgt:LocalGovernmentBody and
    #: the derived bodies it belongs to, or a cgt:ProvisionalBody); the writer puts them in
    #: the graph of the text that named it.
    about: tuple = ()

    @property
    def resolved(self) -> bool:
        return self.target is not None

    def copy(self) -> Mention:
        """A shallow copy, as ``dataclasses.replace(m)`` makes but without re-running the
        constructor (the linker hands out copies of every remembered answer)."""
        new = object.__new__(Mention)
        new.__dict__.update(self.__dict__)
        return new


@dataclass
class Value:
    """A literal fact (title, date, number) with the spans it was read from."""

    value: object
    spans: list[Span] = field(default_factory=list)
    lang: str | None = None
    note: str | None = None  # e.g. "year taken from the dateline on line 2"


@dataclass
class Citation:
    """A link to another document of the same text, with the span that names it: a quoted
    title (``cites``) or an interpretation's heading (``interprets``)."""

    document: Document
    span: Span
    date: dt.date | None = None  # a repeal: the day it takes effect, when the article says


@dataclass
class Relation:
    """A relation between this text's document and another it names (docs/relations.md):
    ``kind`` a record relation type (``amends``, ``repeals``, ``based-on``, ``implements``,
    ``supersedes-edition``); ``incoming``: the other document relates to this one (an
    amending decision amends this law); ``span`` the passage that says so; ``date`` when it
    takes effect, if the passage says."""

    kind: str
    document: Document
    span: Span
    date: dt.date | None = None
    incoming: bool = False


@dataclass
class Provision:
    kind: str  # chapter | section | article | measure | item | paragraph
    number: str  # normalised, arabic digits
    printed: str  # as printed ("II.", "Article 59", "(一)")
    span: Span  # heading and body
    title: Value | None = None
    extra_spans: list[Span] = field(default_factory=list)  # the same provision printed again
    children: list[Provision] = field(default_factory=list)
    responsible: list[Mention] = field(default_factory=list)
    mentioned_bodies: list[Mention] = field(default_factory=list)  # named, not responsible
    regions: list[Mention] = field(default_factory=list)
    therapies: list[Mention] = field(default_factory=list)
    excludes: list[Mention] = field(default_factory=list)
    modalities: list[Mention] = field(default_factory=list)
    addressees: list[Mention] = field(default_factory=list)
    cites: list[Citation] = field(default_factory=list)
    line: int = 0

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class DocDate:
    kind: str  # document | publication | in_force | adopted
    value: dt.date | None
    spans: list[Span]
    note: str | None = None
    problem: str | None = None
    weak: bool = False  # from an announcement: yields to an adoption or signature date


@dataclass
class HistoryEvent:
    """One line of a Chinese original's legislative history (通过 / 公布 / 修正 / 修订 / 施行),
    or an entry into force stated in an article: its kind, date and acting body."""

    kind: str  # adopted | published | amended | revised | in_force
    date: dt.date | None
    span: Span  # the whole line or clause that states it
    body: Mention | None = None  # the body that acted (NPCSC, the State Council ...), if named
    body_text: str = ""  # the body as printed ("第十三届全国人民代表大会常务委员会第十一次会议")
    number: str | None = None  # an order number as printed ("国务院令第706号")
    problem: str | None = None  # a date that cannot be a date


@dataclass
class Document:
    key: str
    titles: list[Value] = field(default_factory=list)  # one per language
    number: Value | None = None
    doctype: Mention | None = None
    issuers: list[Mention] = field(default_factory=list)
    dates: list[DocDate] = field(default_factory=list)
    regions: list[Mention] = field(default_factory=list)
    therapies: list[Mention] = field(default_factory=list)
    provisions: list[Provision] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)  # where the text states or describes it
    aliases: list[str] = field(default_factory=list)  # "the Notice", 《通知》
    odd_dates: list[tuple[Span, str]] = field(default_factory=list)
    anomalies: list[dict] = field(default_factory=list)
    unresolved: list[Mention] = field(default_factory=list)
    cites: list[Citation] = field(default_factory=list)  # quoted outside every provision
    interprets: list[Citation] = field(default_factory=list)  # an interpretation: what it explains
    repeals: list[Citation] = field(default_factory=list)  # "…同时废止": the documents it repeals
    relations: list[Relation] = field(default_factory=list)  # amends / based-on / implements ...
    expired: str | None = None  # no longer in force, date unknown: who says so (a collection's metadata)
    events: list[HistoryEvent] = field(default_factory=list)  # legislative history, in text order
    legal_level: Mention | None = None  # kind "legallevel": concept/legal-<key> (法律, 行政法规 …)
    promulgates: list[Citation] = field(default_factory=list)  # a notice: the document it issues
    title_from_page: bool = False  # the text prints no title: titled from the page (marked)
    genre: str = ""
    line: int = 0

    def title(self, lang: str = "en") -> str | None:
        for t in self.titles:
            if t.lang == lang:
                return str(t.value)
        return None

    def all_provisions(self):
        for p in self.provisions:
            yield from p.walk()


@dataclass
class Segment:
    """A stretch of the text classified for the coverage figure."""

    kind: str  # provision | preamble | header | commentary | boilerplate | entry
    span: Span


@dataclass
class Extraction:
    """Everything one genre found in one text."""

    documents: list[Document] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    problems: list = field(default_factory=list)  # graph.errors.Problem
    notes: list[str] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)  # documents left out (no title), why
