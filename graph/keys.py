"""Keys of agencies, regions, therapy types and documents: one syntax, checked before use.

A key can be written three ways everywhere (``cgtkg query``, ``cgtkg network``, the Python
API): the bare key ``nmpa``, the prefixed name ``ag:nmpa``, or the full IRI.  A key that
names nothing in the graph is an error (exit 2) with the closest keys and the keys whose
English or Chinese names match, instead of a query that quietly returns no rows.

The names come from the saved query ``queries/keys.rq``, run on the store (or an
endpoint) once per kind and command.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cgtkg.graph.namespaces import DEFAULT_BASE, instance_prefixes
from rdflib import URIRef
from rdflib.term import Node


class BadKey(ValueError):
    """A key names nothing of its kind, or is written in a way no kind accepts."""


@dataclass(frozen=True)
class Kind:
    name: str  # agency
    plural: str  # agencies
    prefix: str  # ag


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("agency", "agencies", "ag"),
    Kind("region", "regions", "rg"),
    Kind("therapy", "therapies", "th"),
    Kind("document", "documents", "doc"),
)}
_BY_PLURAL = {k.plural: k for k in KINDS.values()}
_IRI_BAD = re.compile(r'[\s<>"{}|^`\\\x00-\x1f]')


def kind_named(name: str) -> Kind:
    """``agency`` or ``agencies`` -> the kind."""
    kind = KINDS.get(name) or _BY_PLURAL.get(name)
    if kind is None:
        raise BadKey(f"no kind of key {name!r}: use one of {', '.join(k.plural for k in KINDS.values())}")
    return kind


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def namespace(kind: Kind, base: str = DEFAULT_BASE) -> str:
    return instance_prefixes(base)[kind.prefix]


def parse_key(kind: Kind | str, raw: str, base: str = DEFAULT_BASE, what: str = "value") -> URIRef:
    """``nmpa``, ``ag:nmpa``, ``<https://…/agency/nmpa>`` or ``https://…`` -> the IRI.

    A prefixed name of another kind (``rg:guangdong`` for an agency) is refused: it would
    never match.
    """
    kind = kind_named(kind) if isinstance(kind, str) else kind
    text = raw.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if not text:
        raise BadKey(f"{what}: empty {kind.name} key")
    if bad := _IRI_BAD.search(text):
        raise BadKey(f"{what}: {raw!r} is not {_a(kind.name)} key (it contains {bad.group()!r}); "
                        f"write {kind.prefix}:KEY, KEY or a full IRI")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text) or text.startswith("urn:"):
        return URIRef(text)
    prefixes = instance_prefixes(base)
    prefix, sep, local = text.partition(":")
    if sep:
        if prefix == kind.prefix:
            text = local
        elif prefix in prefixes:
            other = next((k for k in KINDS.values() if k.prefix == prefix), None)
            what_it_is = f"a {other.name} key" if other else f"a {prefix}: name"
            raise BadKey(f"{what}: {raw!r} is {what_it_is}, not {_a(kind.name)} key "
                            f"(write {kind.prefix}:KEY or KEY)")
        else:
            raise BadKey(f"{what}: {raw!r}: unknown prefix {prefix!r}; write {kind.prefix}:KEY, KEY "
                            "or a full IRI")
    return URIRef(prefixes[kind.prefix] + text)


@dataclass
class Entry:
    """One agency, region, therapy type or document, with every name the graph gives it."""

    key: str
    iri: URIRef
    names: list[tuple[str, str, str]] = field(default_factory=list)  # (text, language, type)

    def name(self, lang: str) -> str:
        """The preferred name (or title) in ``lang``, else ''."""
        for rank in ("name", "title", "other name"):
            for text, language, typ in self.names:
                if typ == rank and language.startswith(lang):
                    return text
        return ""

    def other_names(self) -> list[str]:
        main = {self.name("en"), self.name("zh")}
        return sorted({t for t, _, _ in self.names if t not in main})

    def matches(self, needle: str) -> bool:
        needle = _fold(needle)
        return needle in _fold(self.key) or any(needle in _fold(t) for t, _, _ in self.names)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


Runner = Callable[[object, Mapping[str, Node]], list[dict]]


class KeyIndex:
    """Every key of each kind in one graph, read once per kind (``queries/keys.rq``).

    ``run(saved_query, bindings)`` runs a saved query where the data is: the embedded store
    (:meth:`for_store`) or a remote endpoint.
    """

    def __init__(self, run: Runner, base: str = DEFAULT_BASE) -> None:
        self.run, self.base = run, base
        self._entries: dict[str, dict[URIRef, Entry]] = {}
        self._saved = None

    def _keys_query(self):
        from cgtkg.graph import query as Q

        if self._saved is None:
            self._saved = Q.load("keys")
        return self._saved

    @classmethod
    def for_store(cls, store, base: str = DEFAULT_BASE) -> KeyIndex:
        from cgtkg.graph import query as Q

        return cls(lambda q, b: Q.run_local(store, q, b, base=base).rows, base)

    def entries(self, kind: Kind | str) -> dict[URIRef, Entry]:
        kind = kind_named(kind) if isinstance(kind, str) else kind
        if kind.name not in self._entries:
            ns = namespace(kind, self.base)
            found: dict[URIRef, Entry] = {}
            for row in self.run(self._keys_query(), {"namespace": URIRef(ns)}):
                term = row["term"]
                entry = found.setdefault(term, Entry(str(term)[len(ns):], URIRef(term)))
                label = row.get("label")
                if label is not None:
                    entry.names.append((str(label), getattr(label, "language", None) or "",
                                        str(row.get("labelType") or "")))
            self._entries[kind.name] = dict(sorted(found.items(), key=lambda kv: kv[1].key))
        return self._entries[kind.name]

    def search(self, kind: Kind | str, text: str | None = None) -> list[Entry]:
        """Entries whose key or any name (English or Chinese) contains ``text``."""
        entries = list(self.entries(kind).values())
        return [e for e in entries if e.matches(text)] if text else entries

    def check(self, kind: Kind | str, term: URIRef, raw: str, what: str = "value") -> None:
        """Raise :class:`BadKey` (with suggestions) unless ``term`` names a ``kind``."""
        kind = kind_named(kind) if isinstance(kind, str) else kind
        if self.has(kind, term):
            return
        close = self.suggest(kind, raw)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise BadKey(f"{what}: no {kind.name} {raw!r} in the graph{hint}; "
                        f"`cgtkg keys {kind.plural} --search TEXT` lists them")

    def has(self, kind: Kind | str, term: URIRef) -> bool:
        """Whether ``term`` is a key of ``kind`` (has a name): the names of that one term when
        the kind's keys are not read yet (a look-up; reading them all scans every name and
        title in the graph: 1.1 s for the regions of 3,000 synthetic texts)."""
        kind = kind_named(kind) if isinstance(kind, str) else kind
        if kind.name in self._entries:
            return term in self._entries[kind.name]
        if not isinstance(term, URIRef):
            return term in self.entries(kind)
        ns = URIRef(namespace(kind, self.base))
        return any(row.get("term") == term for row in self.run(self._keys_query(), {"namespace": ns, "term": term}))

    def suggest(self, kind: Kind, raw: str, n: int = 3) -> list[str]:
        """Keys close to ``raw`` in spelling, then keys whose names contain or equal it."""
        entries = self.entries(kind)
        text = raw.strip().strip("<>")
        ns = namespace(kind, self.base)
        local = text[len(ns):] if text.startswith(ns) else text.split(":", 1)[-1] if ":" in text else text
        keys = [e.key for e in entries.values()]
        exact = [e.key for e in entries.values() if any(_fold(t) == _fold(local) for t, _, _ in e.names)]
        close = difflib.get_close_matches(local.lower(), keys, n=n, cutoff=0.6)
        partial = [e.key for e in entries.values() if local and e.matches(local)]
        out = list(dict.fromkeys(exact + close + partial))
        return [f"{kind.prefix}:{k}" for k in out[:n]]
