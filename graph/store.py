"""The embedded on-disk store: an Oxigraph (RocksDB) store behind a swappable link.

Why a link: a build writes a complete new store next to the old one and only then points
``DIR/store`` at it with one atomic ``rename``; a build that fails or is killed half way
leaves the previous store (and the outputs beside it) untouched and usable.

Every reader goes through :class:`GraphStore`: the build, saved queries, exports and the
agency network.  Queries run with the union of all named graphs as default graph, because
the data lives in one named graph per source document.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from loaders.text.triples import written_triples

STORE_LINK = "store"
CURRENT = "current"
GENERATIONS = "generations"


class StoreError(RuntimeError):
    """The store is missing, locked or unreadable; the message says what to do."""


# ------------------------------------------------------------------ term conversion


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """rdflib term -> pyoxigraph term (for substitutions and bulk writes)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r} ({type(term).__name__})")


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term) -> Node | None:
    """pyoxigraph term -> rdflib term (results handed to users are rdflib terms)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value, datatype=None if dt == _XSD_STRING else URIRef(dt))
    if isinstance(term, ox.DefaultGraph):
        return None
    raise TypeError(f"unexpected term {term!r}")


class NQuads:
    """One bulk write: each named graph's triples as N-Quads lines (UTF-8 bytes).

    The build hands Oxigraph text rather than pyoxigraph objects: building a ``Quad`` per
    triple cost more than the conversion itself, ``bulk_load`` parses bytes without holding
    Python's GIL (so the write can run in a thread), and the graph outputs are serialised from
    the same bytes (graph/build.py).  Literals are written as the loaders made them; the
    store keeps its own canonical form of some (``"+5"^^xsd:nonNegativeInteger`` is stored
    as ``"5"^^xsd:integer``), which is why outputs are read back from an Oxigraph store
    loaded with these bytes, never from the text itself.  Oxigraph's parser gives blank nodes
    fresh labels in each store it loads them into; the loaders write none."""

    __slots__ = ("_data", "graphs", "triples")

    def __init__(self) -> None:
        self.graphs: dict[str, list[str]] = {}  # graph IRI -> its lines
        self.triples: dict[str, int] = {}
        self._data: bytes | None = None

    def data(self) -> bytes:
        """All graphs' lines, encoded once (the store and the outputs read the same bytes)."""
        if self._data is None:
            self._data = "".join(line for lines in self.graphs.values() for line in lines).encode("utf-8")
        return self._data


def quads_to_ox(graph_iri: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> Iterator[ox.Quad]:
    """rdflib triples -> pyoxigraph quads in ``graph_iri``, for ``bulk_extend``: unlike the
    N-Quads text of :func:`to_nquads`, which Oxigraph's parser loads with fresh blank node
    labels, the quads keep every blank node's label.  Each distinct term is converted once;
    IRIs are looked up by their plain string (an rdflib term hashes and compares in Python).
    """
    g = ox.NamedNode(str(graph_iri))
    seen: dict = {}
    plain = str.__str__

    def conv(term: Node):
        key = plain(term) if type(term) is URIRef else term
        out = seen.get(key)
        if out is None:
            out = seen[key] = to_ox(term)
        return out

    for s, p, o in triples:
        yield ox.Quad(conv(s), conv(p), conv(o), g)


def to_nquads(graphs: Iterable[tuple[URIRef, Iterable[tuple[Node, Node, Node]]]]) -> NQuads:
    """Named rdflib graphs -> one :class:`NQuads` batch.

    Each distinct term is converted once per batch (predicates, classes, agencies and
    concepts repeat on nearly every line), by pyoxigraph itself, so that its N-Triples form
    (escapes included) is Oxigraph's own and an invalid IRI fails here, naming the term,
    not in the writer.  IRIs are looked up by their plain string: an rdflib term hashes and
    compares in Python.  A graph's triples are read as written where the loaders buffered
    them (``loaders.text.triples.written_triples``)."""
    iris: dict[str, str] = {}
    others: dict[Node, str] = {}
    plain = str.__str__
    batch = NQuads()

    def remember(term: Node) -> str:
        try:
            text = str(to_ox(term))
        except ValueError as e:  # pyoxigraph's message does not say which term
            shown = f"<{term}>" if isinstance(term, URIRef) else repr(term)
            raise ValueError(f"cannot store {shown}: {e}") from None
        if type(term) is URIRef:
            iris[plain(term)] = text
        else:
            others[term] = text
        return text

    for graph_iri, triples in graphs:
        name = plain(graph_iri)
        tail = f" {ox.NamedNode(name)} .\n"
        lines = batch.graphs.setdefault(name, [])
        before = len(lines)
        rows = written_triples(triples) if isinstance(triples, Graph) else triples
        for s, p, o in rows:
            a = iris.get(plain(s)) if type(s) is URIRef else others.get(s)
            if a is None:
                a = remember(s)
            b = iris.get(plain(p)) or remember(p)
            c = iris.get(plain(o)) if type(o) is URIRef else others.get(o)
            if c is None:
                c = remember(o)
            lines.append(f"{a} {b} {c}{tail}")
        batch.triples[name] = batch.triples.get(name, 0) + len(lines) - before
    return batch


# ------------------------------------------------------------------ the store


class GraphStore:
    """A pyoxigraph store opened on a directory.

    ``GraphStore.open(out_dir)`` follows the ``out_dir/store`` link written by the build.
    """

    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = Path(path)
        try:
            self.ox = ox.Store.read_only(str(self.path)) if read_only else ox.Store(str(self.path))
        except OSError as e:
            raise StoreError(
                f"cannot open the store at {self.path}: {e}. "
                "Is another cgtkg process writing it? Run `cgtkg build` to create one."
            ) from e

    @classmethod
    def open_or_exit(cls, out_dir: Path | str = "out") -> GraphStore:
        """For commands: open the built store, or say why not and exit 2 (bad input)."""
        try:
            return cls.open(out_dir)
        except StoreError as e:
            import sys

            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)

    @classmethod
    def open(cls, out_dir: Path | str = "out", *, read_only: bool = True) -> GraphStore:
        link = Path(out_dir) / STORE_LINK
        if not link.exists():
            raise StoreError(f"no store at {link}: run `cgtkg build --out {out_dir}` first")
        return cls(link.resolve(), read_only=read_only)

    # -- reading

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None):
        """Run a SPARQL query; parameters are bound as RDF terms, never spliced into text.

        Returns a list of ``{var: rdflib term}`` rows for SELECT, a bool for ASK and an
        rdflib Graph for CONSTRUCT/DESCRIBE.
        """
        subs = {ox.Variable(k.lstrip("?$")): to_ox(v) for k, v in (bindings or {}).items()}
        result = self.ox.query(sparql, use_default_graph_as_union=True, substitutions=subs or None)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        # Each distinct term is converted once per result: parameters, agencies, types and
        # dates repeat down the rows, and building rdflib terms (typed literals parse their
        # value) cost more than the query itself on wide results (benchmarks/run.py).
        seen: dict = {}

        def conv(term):
            out = seen.get(term)
            if out is None:
                out = seen[term] = to_rdflib(term)
            return out

        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            return [{n: conv(v) for n, v in zip(names, sol) if v is not None} for sol in result]
        g = Graph()
        for t in result:
            g.add((conv(t.subject), conv(t.predicate), conv(t.object)))
        return g

    def named_graphs(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self.ox.named_graphs())

    def graph(self, graph_iri: URIRef) -> Graph:
        g = Graph(identifier=graph_iri)
        for q in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(str(graph_iri))):
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        return g

    def to_dataset(self) -> Dataset:
        ds = Dataset()
        for q in self.ox.quads_for_pattern(None, None, None, None):
            ctx = to_rdflib(q.graph_name)
            ds.graph(ctx if ctx is not None else None).add(
                (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            )
        return ds

    def __len__(self) -> int:
        return len(self.ox)

    # -- writing

    def replace_graph(self, graph_iri: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        """Replace one named graph (used by incremental rebuilds)."""
        g = ox.NamedNode(str(graph_iri))
        with suppress(Exception):
            self.ox.remove_graph(g)
        self.ox.bulk_extend(quads_to_ox(graph_iri, triples))

    def add_graph(self, graph_iri: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        self.ox.bulk_extend(quads_to_ox(graph_iri, triples))

    def add_graphs(self, graphs: Iterable[tuple[URIRef, Iterable[tuple[Node, Node, Node]]]]) -> NQuads:
        """Write many named graphs in one bulk load (each bulk load call has a fixed cost);
        returns the batch written (the build serialises its outputs from it)."""
        batch = to_nquads(graphs)
        self.write_nquads(batch)
        return batch

    def write_nquads(self, batch: NQuads) -> None:
        """One bulk load of ``batch``'s N-Quads bytes.

        Oxigraph parses and writes bytes without holding Python's GIL, so a build can write
        one batch in a thread while it validates the batch (graph/build.py)."""
        self.ox.bulk_load(batch.data(), format=ox.RdfFormat.N_QUADS)

    def flush(self) -> None:
        self.ox.flush()

    def compact(self) -> None:
        """Merge the store's files into one sorted run per index (RocksDB compaction).

        The build writes its store in hundreds of bulk loads, each adding files that every
        lookup has to consult; after this, a lookup reads fewer files.  On the 10,000-text
        benchmark store it took 25-36 s and made the saved queries a median 1.23x faster
        (docs/benchmarks.md, "Changes made in the tenth session")."""
        self.ox.flush()
        self.ox.optimize()

    def close(self) -> None:
        # pyoxigraph closes on garbage collection; drop the reference explicitly.
        self.flush_quietly()
        self.ox = None  # type: ignore[assignment]

    def flush_quietly(self) -> None:
        with suppress(Exception):
            self.ox.flush()


# ------------------------------------------------------------------ atomic replacement
#
# Layout of an output directory:
#   DIR/generations/<id>/store/       the Oxigraph store of one build
#   DIR/generations/<id>/graph.trig   its outputs
#   DIR/current -> generations/<id>   swapped with one atomic rename when a build succeeds
#   DIR/store, DIR/graph.trig, ...    fixed links through `current`
# So readers always see one complete build, and a failed or killed build never touches it.

PUBLISHED = ("store", "graph.trig", "graph.ttl", "build-report.json")


def new_generation(out_dir: Path) -> Path:
    """A fresh directory for the next build, next to the published one."""
    root = Path(out_dir) / GENERATIONS
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**9}"
    path.mkdir()
    return path


def publish_generation(out_dir: Path, generation: Path) -> None:
    """Make ``generation`` the current build with one atomic rename, then prune old ones."""
    out_dir = Path(out_dir)
    current = out_dir / CURRENT
    tmp = out_dir / f".{CURRENT}.tmp-{os.getpid()}"
    with suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(Path(GENERATIONS) / generation.name)
    os.replace(tmp, current)  # atomic on POSIX
    for name in PUBLISHED:
        link = out_dir / name
        if not link.is_symlink():
            if link.exists():
                shutil.rmtree(link) if link.is_dir() else link.unlink()
            link.symlink_to(Path(CURRENT) / name)
    prune_generations(out_dir)


def discard_generation(generation: Path) -> None:
    shutil.rmtree(generation, ignore_errors=True)


def prune_generations(out_dir: Path) -> None:
    """Remove generations nothing points to (left by earlier or killed builds)."""
    root = Path(out_dir) / GENERATIONS
    current = (Path(out_dir) / CURRENT).resolve()
    for child in root.iterdir() if root.exists() else []:
        if child.resolve() == current or _is_in_use(child):
            continue
        shutil.rmtree(child, ignore_errors=True)


def _is_in_use(path: Path) -> bool:
    """A generation named with the PID of another live process may be a running build."""
    try:
        pid = int(path.name.split("-")[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write a file next to its final name and rename it into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(tmp, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
