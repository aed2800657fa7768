"""The knowledge graph from Python: one object, the same saved queries as the command line.

::

    from cgtkg.api import KnowledgeGraph

    kg = KnowledgeGraph("out")                      # the folder `cgtkg build` wrote
    nmpa = kg.query("agency-measures", agency="nmpa")
    nmpa.to_dataframe()                             # pandas (pip install 'cgtkg[dataframe]')
    kg.keys("agencies", search="药品")
    kg.stats()

Parameters reach the store as bindings (pyoxigraph substitutions), never as query text, and
agency, region, therapy and document keys are checked first, as ``cgtkg query`` checks them:
a mistyped key raises :class:`QueryError` with the closest keys.  Docs: docs/api.md.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from cgtkg.graph import query as Q
from cgtkg.graph.keys import KeyIndex, kind_named
from cgtkg.graph.query import QueryError
from cgtkg.graph.store import GraphStore, StoreError, format_mismatch

__all__ = ["KnowledgeGraph", "QueryError", "Result", "StaleStoreWarning", "StoreError"]


def _python(term: Node | None) -> Any:
    """An RDF term as the Python value a notebook user expects: IRIs as strings, typed
    literals as numbers and dates, text as text."""
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        return value if isinstance(value, (int, float, bool, dt.date, dt.datetime, str)) else str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


@dataclass
class Result:
    """The rows a query returned: ``len(r)``, ``for row in r``, ``r[0]["agency"]``.

    ``rows`` holds Python values (IRIs as strings, dates as ``datetime.date``); ``terms``
    the same rows as rdflib terms (language tags and datatypes kept).
    """

    name: str
    variables: list[str]
    terms: list[dict[str, Node]] = field(default_factory=list)
    base: str = ""
    boolean: bool | None = None
    _raw: Q.Result | None = field(default=None, repr=False)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [{v: _python(row.get(v)) for v in self.variables} for row in self.terms]

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.rows[i]

    def __bool__(self) -> bool:
        return bool(self.boolean) if self.boolean is not None else bool(self.terms)

    def to_dataframe(self, *, short: bool = False):
        """A pandas DataFrame, one column per variable (needs ``pip install 'cgtkg[dataframe]'``).

        ``short=True`` writes IRIs as prefixed names (``ag:nmpa``) as the terminal table does.
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_dataframe needs pandas: pip install 'cgtkg[dataframe]'") from None
        if short:
            records = [{v: (_short(row.get(v), self.base) if isinstance(row.get(v), URIRef)
                            else _python(row.get(v))) for v in self.variables} for row in self.terms]
        else:
            records = self.rows
        return pd.DataFrame.from_records(records, columns=self.variables)

    def format(self, fmt: str = "table", *, wide: bool = False, width: int | None = None) -> str:
        """The text ``cgtkg query --format FMT`` prints: table, csv, tsv or json."""
        raw = self._raw or Q.Result("SELECT", self.variables, self.terms)
        return Q.format_result(raw, fmt, self.base or Q.DEFAULT_BASE, wide=wide, width=width)

    def __str__(self) -> str:
        return self.format("table", width=120)


def _short(term: URIRef, base: str) -> str:
    text = str(term)
    best = ("", "")
    for prefix, ns in Q.known_prefixes(base or Q.DEFAULT_BASE).items():
        if prefix and text.startswith(ns) and len(ns) > len(best[1]):
            best = (prefix, ns)
    return f"{best[0]}:{text[len(best[1]):]}" if best[1] else text


class StaleStoreWarning(UserWarning):
    """The store was built by a cgtkg that writes another output format: rebuild it
    (``cgtkg build``), or saved queries may answer with fewer rows than they should."""


class KnowledgeGraph:
    """A built graph (``cgtkg build --out DIR``), opened read-only.

    Warns (:class:`StaleStoreWarning`) when the store was built in another output format.

    Raises :class:`StoreError` when ``DIR`` holds no store (build first).
    """

    def __init__(self, out: str | Path = "out") -> None:
        self.out_dir = Path(out)
        self.store = GraphStore.open(self.out_dir)
        stale = format_mismatch(self.store, self.out_dir)
        if stale:
            warnings.warn(stale, StaleStoreWarning, stacklevel=2)
        self.base = Q.detect_base(self.store)
        self._keys = KeyIndex.for_store(self.store, self.base)

    def __repr__(self) -> str:
        return f"KnowledgeGraph({str(self.out_dir)!r})"

    def queries(self) -> dict[str, str]:
        """Saved query names and the question each answers (``cgtkg queries``)."""
        return {q.name: q.title for q in Q.saved_queries()}

    def query(self, name: str | Path, /, **params: Any) -> Result:
        """Run a saved query by name (``agency-measures``) or a ``.rq`` file, with its
        parameters as keywords: ``agency="nmpa"`` (or ``"ag:nmpa"``, or the IRI),
        ``on=datetime.date(2023, 7, 1)``, ``min=3``."""
        saved = Q.load(name)
        return self._run(saved, params)

    def sparql(self, text: str, /, **bindings: Any) -> Result:
        """Run SPARQL text (a query: updates and SERVICE are refused) with variables bound
        to values (``agency=URIRef(...)``, a string becomes a plain literal)."""
        saved = Q.load_text(text, "<sparql>")
        terms = {k: v if isinstance(v, Node) else Literal(v) for k, v in bindings.items()}
        out = Q.run_local(self.store, saved, terms, base=self.base)
        return self._result(saved.name, out)

    def _run(self, saved: Q.SavedQuery, params: Mapping[str, Any]) -> Result:
        given = {k: _text(v) for k, v in params.items()}
        bindings = Q.resolve_bindings(saved, given, self.base)
        Q.check_keys(saved, bindings, given, self._keys)
        out = Q.run_local(self.store, saved, bindings, base=self.base)
        return self._result(saved.name, out)

    def _result(self, name: str, out: Q.Result) -> Result:
        return Result(name, list(out.variables), list(out.rows), self.base, out.boolean, out)

    def keys(self, kind: str, search: str | None = None) -> Result:
        """Keys of ``agencies``, ``regions``, ``therapies`` or ``documents`` with their English,
        Chinese and other names; ``search`` keeps those whose key or a name contains it."""
        k = kind_named(kind)
        terms = [{"key": Literal(f"{k.prefix}:{e.key}"), "iri": e.iri,
                  "name_en": Literal(e.name("en")), "name_zh": Literal(e.name("zh")),
                  "other_names": Literal("; ".join(e.other_names()))}
                 for e in self._keys.search(k, search)]
        return Result(f"keys {k.plural}", ["key", "iri", "name_en", "name_zh", "other_names"], terms, self.base)

    def stats(self) -> dict[str, int]:
        """Counts of documents, provisions, agencies, regions and links (``cgtkg stats``)."""
        from cgtkg.pipeline.build import compute_stats

        return compute_stats(self.store)


def _text(value: Any) -> str:
    """A keyword argument as the text ``--param`` would carry."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, bool):
        raise QueryError(f"{value!r}: a parameter is an IRI, a key, a date, an integer or text, "
                         "not a boolean")
    return str(value)
