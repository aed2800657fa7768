"""An rdflib store for graphs that are written once and then mostly read through.

Why: one extracted text gives hundreds of triples per kilobyte (every fact carries its Web
Annotation), and rdflib's default ``Memory`` store spends most of the extraction time on
``Graph.add``: an event per triple, per-context bookkeeping and three index updates.  The
build only iterates over an extracted graph (to validate it and to bulk-load it into the
Oxigraph store), so paying for indexes at write time is wasted work.

:class:`WriteOnceStore` keeps the written triples in one insertion-ordered dict.  Iterating
over all triples, ``len()`` and membership of a fully given triple are answered from it;
the first pattern query, removal or write through the ordinary API moves the triples into
the indexes of rdflib's ``SimpleMemory`` (whose code answers everything from then on), so a
graph over this store behaves like any rdflib graph, it only builds its indexes late.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rdflib import Graph
from rdflib.namespace import NamespaceManager
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.store import Store


class WriteOnceStore(SimpleMemory):
    """``SimpleMemory`` whose indexes are built on first need; see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self._pending: dict[tuple, None] | None = {}  # None once indexed

    # ------------------------------------------------------------ writing

    def put(self, triple: tuple) -> None:
        """The writer's fast path: no event, no index (the triple must hold RDF terms)."""
        pending = self._pending
        if pending is not None:
            pending[triple] = None
        else:
            SimpleMemory.add(self, triple, None)

    def put_all(self, triples: list[tuple]) -> None:
        """:meth:`put` for many triples at once."""
        pending = self._pending
        if pending is not None:
            pending.update(dict.fromkeys(triples))
        else:
            for t in triples:
                SimpleMemory.add(self, t, None)

    def buffered(self) -> list[tuple] | None:
        """The triples as written, while no pattern query has indexed them yet (else None):
        a reader that only scans everything (graph/closure.py) need not build the indexes."""
        return list(self._pending) if self._pending is not None else None

    def _indexed(self) -> None:
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        add = SimpleMemory.add
        for t in pending:
            add(self, t, None)

    def add(self, triple, context=None, quoted=False) -> None:  # noqa: ANN001 - rdflib's signature
        self.put(triple)

    def remove(self, triple_pattern, context=None) -> None:  # noqa: ANN001
        self._indexed()
        super().remove(triple_pattern, context)

    # ------------------------------------------------------------ reading

    def triples(self, triple_pattern, context=None) -> Iterator:  # noqa: ANN001
        pending = self._pending
        if pending is not None:
            s, p, o = triple_pattern
            if s is None and p is None and o is None:
                for t in list(pending):
                    yield t, iter(())
                return
            if s is not None and p is not None and o is not None:
                if (s, p, o) in pending:
                    yield (s, p, o), iter(())
                return
            self._indexed()
        yield from super().triples(triple_pattern, context)

    def __len__(self, context=None) -> int:  # noqa: ANN001
        if self._pending is not None:
            return len(self._pending)
        return super().__len__(context)


def written_triples(graph: Graph) -> list[tuple]:
    """All of ``graph``'s triples, for a reader that scans them all: straight from a
    write-once store's buffer while it has one (so no rdflib index gets built, and no
    generator and context per triple), else the graph's own iteration."""
    store = graph.store
    buffered = store.buffered() if isinstance(store, WriteOnceStore) else None
    return buffered if buffered is not None else list(graph)


class LatePrefixGraph(Graph):
    """A graph whose prefix bindings are made when its namespace manager is first used.

    Binding the project's prefixes (and rdflib's defaults) costs more than a millisecond per
    graph, and an extracted graph is usually only iterated.  ``bind`` is the function that
    would have been called on the new graph; it runs, once, before anything reads or changes
    the bindings, so they end up exactly as if it had run at creation.
    """

    def __init__(self, store: Store | str = "default", *args, bind: Callable[[Graph], object] | None = None,
                 **kwargs) -> None:
        super().__init__(store, *args, **kwargs)
        self._late_bind = bind

    @property
    def namespace_manager(self) -> NamespaceManager:
        nm = Graph.namespace_manager.fget(self)
        bind, self._late_bind = self._late_bind, None
        if bind is not None:
            bind(self)
        return nm

    @namespace_manager.setter
    def namespace_manager(self, nm: NamespaceManager) -> None:
        self._late_bind = None  # replaced before it was used: what it would have bound is gone too
        Graph.namespace_manager.fset(self, nm)


class LayeredStore(SimpleMemory):
    """A store read as one graph: a shared, already indexed ``base`` (never written through
    this store) under triples of its own.

    The build validates every batch of texts together with the registry and the source list
    they point into (about 32,000 triples).  Copied into each batch's data graph, they cost
    every batch the same second or so, a fixed price paid some thirty times over the whole
    corpus; layered, they are indexed once per build.  A triple ``base`` already holds is not
    stored again, so every triple is read once, as from one graph: SPARQL and pySHACL see
    the same solutions and values as they would in a copy.
    """

    # pySHACL wraps its data graph in an rdflib Dataset, whose constructor asks for these; the
    # store holds one graph, which every context reads (nothing here names a context)
    context_aware = True
    graph_aware = True

    def __init__(self, base: SimpleMemory, base_triples: frozenset | set) -> None:
        super().__init__()
        self.base, self._in_base = base, base_triples
        self._spo = self._SimpleMemory__spo  # to tell a new triple from one added before
        self._own = 0  # len() is asked often (rdflib and pySHACL test graphs for truth)

    def put(self, triple: tuple) -> None:
        """Add one triple (of RDF terms), unless the base holds it."""
        if triple in self._in_base:
            return
        s, p, o = triple
        if o not in self._spo.get(s, {}).get(p, ()):
            self._own += 1
            SimpleMemory.add(self, triple, None)

    def add(self, triple, context=None, quoted=False) -> None:  # noqa: ANN001 - rdflib's signature
        self.put(triple)

    def remove(self, triple_pattern, context=None) -> None:  # noqa: ANN001
        raise NotImplementedError("a layered store's base is shared: copy it to change it")

    def triples(self, triple_pattern, context=None) -> Iterator:  # noqa: ANN001
        yield from self.base.triples(triple_pattern)
        yield from SimpleMemory.triples(self, triple_pattern)

    def __len__(self, context=None) -> int:  # noqa: ANN001
        return len(self._in_base) + self._own


def indexed_layer(graphs: list[Graph]) -> tuple[SimpleMemory, frozenset]:
    """The triples of ``graphs`` indexed once, as the base of :class:`LayeredStore` (the
    store, and its triples as a set for the layers' membership test)."""
    triples = frozenset(t for g in graphs for t in written_triples(g))
    store = SimpleMemory()
    add = SimpleMemory.add
    for t in triples:
        add(store, t, None)
    return store, triples
