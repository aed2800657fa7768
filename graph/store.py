"""The embedded on-disk store: an Oxigraph (RocksDB) store behind a swappable link.

Why a link: a build writes a complete new store next to the old one and only then points
``DIR/store`` at it with one atomic ``rename``; a build that fails or is killed half way
leaves the previous store (and the outputs beside it) untouched and usable.

Every reader goes through :class:`GraphStore`: the build, saved queries, exports and the
agency network.  Queries run with the union of all named graphs as default graph, because
the data lives in one named graph per source document.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from pathlib import Path

import pyoxigraph as ox
from cgtkg.graph.errors import Problem
from cgtkg.graph.triples import written_triples
from cgtkg.graph.version import TOOL_VERSION
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

STORE_LINK = "store"
CURRENT = "current"
GENERATIONS = "generations"


class StoreError(RuntimeError):
    """The store is locked or unreadable; the message says what to do.

    ``exit_code`` is what a command exits with: 5 (the store could not be read or written),
    or 2 for :class:`StoreMissing` (nothing built there yet: bad input)."""

    exit_code = 5


class StoreMissing(StoreError):
    """No store where the command looked: run a build first."""

    exit_code = 2


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
    the same bytes (cgtkg/pipeline/build.py).  Literals are written as the loaders made them; the
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


#: each named graph and its number of triples (one row per graph; ``?g`` may be bound)
GRAPH_TRIPLES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def graph_triples(store: ox.Store, graph: str) -> int:
    """How many triples ``graph`` holds, counted by Oxigraph: iterating its quads from Python
    built an object per quad (the canonical and shared graphs of the whole Chinese corpus,
    49,000 quads: 0.24 s of every rebuild, 0.02 s counted this way)."""
    rows = list(store.query(GRAPH_TRIPLES, substitutions={ox.Variable("g"): ox.NamedNode(graph)}))
    return int(rows[0]["n"].value) if rows else 0


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
    them (``cgtkg.graph.triples.written_triples``)."""
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
        self._reader_lock = None  # set by open(): keeps the generation from being pruned
        try:
            self.ox = ox.Store.read_only(str(self.path)) if read_only else ox.Store(str(self.path))
        except (OSError, RuntimeError, ValueError) as e:
            # pyoxigraph reports a store whose files vanished under it (a build pruned it) as
            # RuntimeError "Corruption: ... No such file", others as OSError (issue 26, item 5)
            raise StoreError(
                f"cannot open the store at {self.path}: {_one_line(e)}. "
                "If a build is running, try again when it has finished; if the store is damaged, "
                "run `cgtkg build` to write a new one."
            ) from e

    @classmethod
    def open_or_exit(cls, out_dir: Path | str = "out") -> GraphStore:
        """For commands: open the built store, or say why not in one line and exit 2 (no
        store: bad input) or 5 (the store cannot be read); warn on stderr when it was built
        in another output format (:func:`format_mismatch`)."""
        import sys

        try:
            store = cls.open(out_dir)
        except StoreError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(e.exit_code)
        stale = format_mismatch(store, out_dir)
        if stale:
            print(f"warning: {stale}", file=sys.stderr)
        return store

    @classmethod
    def open(cls, out_dir: Path | str = "out", *, read_only: bool = True,
             attempts: int = 20) -> GraphStore:
        """The published store of ``out_dir``, held so that no build prunes it while open.

        A build publishes by swapping the ``current`` link and then prunes the generations
        nobody holds.  A reader takes a shared lock on its generation (``.readers``) and then
        checks that the link still points there; if a build pruned or swapped it in between,
        the reader follows the link to the new generation (up to ``attempts`` times).
        """
        link = Path(out_dir) / STORE_LINK
        last: Exception | None = None
        for attempt in range(attempts):
            if not link.exists():
                if link.is_symlink() and attempt + 1 < attempts:
                    time.sleep(0.02)  # a dangling link: a generation is being swapped
                    continue
                raise StoreMissing(f"no store at {link}: run `cgtkg build --out {out_dir}` first")
            target = link.resolve()
            held = _ReaderLock.take(target.parent) if target.parent.parent.name == GENERATIONS else None
            if held is False or (held is not None and link.resolve() != target):
                if held:
                    held.release()
                time.sleep(0.02)
                continue
            try:
                store = cls(target, read_only=read_only)
            except StoreError as e:
                if held:
                    held.release()
                last = e
                if link.resolve() != target and attempt + 1 < attempts:
                    continue  # a build published meanwhile: read the new one
                raise
            store._reader_lock = held or None
            return store
        raise StoreError(f"cannot open the store at {link}: builds kept replacing it "
                         f"({_one_line(last) if last else 'every try'}); try again") from last

    # -- reading

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None, *,
              allow_service: bool = False):
        """Run a SPARQL query; parameters are bound as RDF terms, never spliced into text.

        Returns a list of ``{var: rdflib term}`` rows for SELECT, a bool for ASK and an
        rdflib Graph for CONSTRUCT/DESCRIBE.  A query with the ``SERVICE`` keyword is
        refused (``ValueError``) unless ``allow_service``: Oxigraph would send requests to
        the servers it names, and pyoxigraph has no option to turn federation off.
        """
        if not allow_service:
            from cgtkg.graph.query import QueryError, mentions_service

            if mentions_service(sparql):
                raise QueryError("the query uses SERVICE, which would send it to other servers; "
                                 "pass --allow-service if that is intended")
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
        one batch in a thread while it validates the batch (cgtkg/pipeline/build.py)."""
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

    def close(self) -> bool:
        """Flush and let go of the Oxigraph store, which closes when its last reference goes.
        Returns whether it has closed: False when something else still holds it (a query's
        iterator, a reference cycle), which only a garbage collection may free."""
        self.flush_quietly()
        held, self.ox = self.ox, None  # type: ignore[assignment]
        if self._reader_lock:
            self._reader_lock.release()
            self._reader_lock = None
        # this frame's name and getrefcount's argument: nothing else holds it, and it closes
        # with `held` below
        return held is None or sys.getrefcount(held) <= 2

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
OUTPUT_MARKER = ".cgtkg-output"  # in DIR: this folder is a cgtkg build's output
GENERATION_MARKER = ".cgtkg-generation"  # in each generation a build made
READERS = ".readers"  # in each generation: readers hold a shared lock on it
_GENERATION_NAME = re.compile(r"^\d{8}T\d{6}-\d+-\d+$")


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:300] + ("…" if len(text) > 300 else "")


class _ReaderLock:
    """A shared ``flock`` on ``<generation>/.readers`` while a store of it is open.

    ``prune_generations`` takes the exclusive lock (without waiting) before it deletes a
    generation, so a generation with a reader is skipped, and a reader that finds its
    generation being deleted goes to the new one."""

    def __init__(self, f) -> None:
        self.f = f

    @classmethod
    def take(cls, generation: Path) -> _ReaderLock | bool | None:
        """The lock; False if the generation is being deleted; None when no lock can be
        had (a read-only folder): then the reader goes without, as before."""
        path = generation / READERS
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except FileNotFoundError:
            return False  # the generation is gone
        except OSError:
            return None
        f = os.fdopen(fd, "rb")
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            return False  # a build holds it exclusively: it is deleting it
        except OSError:
            f.close()
            return None
        try:  # deleted between our open and our lock? then this lock guards nothing
            same = os.path.samestat(os.fstat(f.fileno()), os.stat(path))
        except OSError:
            same = False
        if not same:
            f.close()
            return False
        return cls(f)

    def release(self) -> None:
        with suppress(OSError):
            self.f.close()


def check_output_dir(out_dir: Path) -> Problem | None:
    """Claim ``out_dir`` for a build, or say why not (issue 26, item 3).

    A build deletes and replaces things in its output folder (old generations, the links
    ``store``, ``graph.trig`` ...), so it only works in a folder that is missing, empty, or
    already a cgtkg output: it holds ``.cgtkg-output`` (written here on first use) or a
    ``current`` link into ``generations/`` (outputs made before the marker existed).  Any
    other folder is refused with a :class:`~graph.errors.Problem` (exit 2), before anything
    in it is touched.
    """
    out_dir = Path(out_dir)
    marker = out_dir / OUTPUT_MARKER
    if out_dir.exists() or out_dir.is_symlink():
        if not out_dir.is_dir():
            return Problem(out_dir, None, "--out must be a folder; this is a file")
        if not marker.is_file():
            current = out_dir / CURRENT
            legacy = current.is_symlink() and os.readlink(current).startswith(GENERATIONS + os.sep)
            if not legacy and any(out_dir.iterdir()):
                return Problem(out_dir, None, "is not empty and not a cgtkg build output (no "
                               f"{OUTPUT_MARKER}): a build deletes and replaces files in its output "
                               "folder, so give a new or empty folder (--out DIR)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out_dir)
        if not marker.is_file():
            write_atomically(marker, json.dumps({"tool": "cgtkg", "what": "build output folder: "
                             "generations/, current and the links beside it belong to cgtkg build"}) + "\n")
    except OSError as e:
        return Problem(out_dir, None, f"cannot use as the output folder: {e.strerror or e}")
    return None


def is_our_generation(path: Path) -> bool:
    """A folder under ``generations/`` that a build made: the name ``new_generation`` gives
    and our marker (or, from before the marker, a ``store`` inside, or nothing at all)."""
    if path.is_symlink() or not path.is_dir() or not _GENERATION_NAME.match(path.name):
        return False
    if (path / GENERATION_MARKER).exists():
        return True
    try:
        entries = {p.name for p in path.iterdir()}
    except OSError:
        return False
    return not entries - {READERS} or STORE_LINK in entries


def new_generation(out_dir: Path) -> Path:
    """A fresh directory for the next build, next to the published one."""
    root = Path(out_dir) / GENERATIONS
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**9}"
    path.mkdir()
    # the format this build writes, read back by format_version() when the store is opened
    (path / GENERATION_MARKER).write_text(json.dumps({"tool_version": TOOL_VERSION}) + "\n")
    return path


_REPORT_VERSION = re.compile(rb'"tool_version"\s*:\s*"([^"\\]{1,40})"')


def format_version(generation: Path) -> str | None:
    """The output format (``TOOL_VERSION``) the build of ``generation`` wrote, or None when
    it cannot be told.  Read from the generation's marker; generations made before the
    marker held it have an empty one, and then the start of their ``build-report.json``
    (whose first key is the version) says it, without parsing a report of tens of MB."""
    try:
        text = (generation / GENERATION_MARKER).read_text(encoding="utf-8").strip()
        if text:
            found = json.loads(text).get("tool_version")
            return found if isinstance(found, str) else None
    except (OSError, ValueError, AttributeError):
        pass
    try:
        with open(generation / "build-report.json", "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    m = _REPORT_VERSION.search(head)
    return m.group(1).decode("utf-8", "replace") if m else None


def format_mismatch(store: GraphStore, out_dir: Path | str | None = None) -> str | None:
    """A one-line warning when ``store`` was built by another output format than this
    cgtkg writes (saved queries may then look for facts the store does not hold, and answer
    with fewer rows or none), else None.  Stores opened outside a generation are not
    checked."""
    generation = store.path.parent
    if generation.parent.name != GENERATIONS:
        return None
    found = format_version(generation)
    if found == TOOL_VERSION:
        return None
    where = f" --out {out_dir}" if out_dir is not None and Path(out_dir) != Path("out") else ""
    built = f"format {found}" if found else "a format that does not say its version"
    return (f"the store at {store.path} was built by cgtkg in {built}; this cgtkg reads and "
            f"writes format {TOOL_VERSION}, so saved queries may miss facts the build now "
            f"derives and answer with fewer rows: run `cgtkg build{where}` to rebuild it")


_TEMPORARY = re.compile(r"^\..+\.tmp-(?P<pid>\d+)$")


def _pid_is_dead(pid: int) -> bool:
    """No process has this id (0 and ids too large for the system are no process either)."""
    if pid == os.getpid():
        return False
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    return False


def remove_stale_temporaries(out_dir: Path) -> list[str]:
    """Remove the temporary links and files a killed build left in ``out_dir`` (issue 26,
    item 10): ``.current.tmp-PID`` from :func:`publish_generation` and ``.NAME.tmp-PID`` from
    :func:`write_atomically`, when the process PID is no longer alive.  Only links and regular
    files with exactly that name shape are removed, never a folder.  Returns their names."""
    removed = []
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMPORARY.match(entry.name)
        if not m or not _pid_is_dead(int(m.group("pid"))):
            continue
        try:
            if entry.is_symlink() or entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue  # another build removed it first, or it is not ours to remove
    return removed


def publish_generation(out_dir: Path, generation: Path, *, prune_in_background: bool = False) -> None:
    """Make ``generation`` the current build with one atomic rename, then prune old ones
    (and the temporary links of builds that were killed before their rename);
    ``prune_in_background``: see :func:`prune_generations`."""
    out_dir = Path(out_dir)
    remove_stale_temporaries(out_dir)
    current = out_dir / CURRENT
    tmp = out_dir / f".{CURRENT}.tmp-{os.getpid()}"
    with suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(Path(GENERATIONS) / generation.name)
    os.replace(tmp, current)  # atomic on POSIX
    for name in PUBLISHED:
        link = out_dir / name
        if not link.is_symlink():
            if link.exists():  # not ours to delete: kept under another name
                os.replace(link, out_dir / f"{name}.replaced-{time.strftime('%Y%m%dT%H%M%S')}")
            link.symlink_to(Path(CURRENT) / name)
    prune_generations(out_dir, in_background=prune_in_background)


class Generation:
    """One build's new generation: its folder and its store. The store is closed before
    anything deletes or publishes the folder (a store deleted while open left files behind,
    and a reader could meet a half-removed RocksDB), and the generation is published only by
    :meth:`commit`; leaving a ``with`` block without it discards the generation."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.path = new_generation(self.out_dir)
        self.store: GraphStore | None = None
        self.committed = False

    def open_store(self, checkpoint: bool) -> GraphStore:
        """The generation's store: a checkpoint of the published one, or empty."""
        if checkpoint:
            published = GraphStore.open(self.out_dir)
            try:
                published.ox.backup(str(self.path / "store"))
            finally:
                published.close()
        self.store = GraphStore(self.path / "store")
        return self.store

    def close(self) -> None:
        if self.store is not None:
            closed = self.store.close()
            self.store = None
            if not closed:
                # the pyoxigraph store goes with its last reference; a full collection over a
                # whole corpus's heap took 0.3 s of every build, so only when something held it
                gc.collect()

    def commit(self, *, prune_in_background: bool = False) -> None:
        self.close()
        publish_generation(self.out_dir, self.path, prune_in_background=prune_in_background)
        self.committed = True

    def discard(self) -> None:
        self.close()
        discard_generation(self.path)

    def __enter__(self) -> Generation:
        return self

    def __exit__(self, *exc) -> None:
        if not self.committed:
            self.discard()


def discard_generation(generation: Path) -> None:
    shutil.rmtree(generation, ignore_errors=True)


def prune_generations(out_dir: Path, *, in_background: bool = False) -> None:
    """Remove generations nothing points to (left by earlier or killed builds).

    Only generations a build made (:func:`is_our_generation`) and that no reader holds
    (:class:`_ReaderLock`) are deleted; anything else under ``generations/`` is left alone.
    ``in_background``: each is deleted by a process of its own that holds the generation's
    lock until it is done (:func:`_remove_in_background`), so the caller need not wait: a
    rebuild of the whole Chinese corpus spent about half a second removing the 2 GB of the
    generation it replaced. What such a process leaves (if it is killed, say) the next
    build prunes.
    """
    root = Path(out_dir) / GENERATIONS
    current = (Path(out_dir) / CURRENT).resolve()
    for child in root.iterdir() if root.exists() else []:
        if child.resolve() == current or _is_in_use(child) or not is_our_generation(child):
            continue
        try:
            fd = os.open(child / READERS, os.O_RDONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a reader has it open: the next build prunes it
        try:
            if not (in_background and _remove_in_background(child, fd)):
                shutil.rmtree(child, ignore_errors=True)
        finally:
            os.close(fd)


# run by the background process: the generation to delete is its one argument, and the lock
# it inherited is released when it exits
_REMOVE = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"


def _remove_in_background(generation: Path, lock_fd: int) -> bool:
    """Start a process that deletes ``generation`` and inherits ``lock_fd``, the exclusive
    ``flock`` this process took on it, so that no reader opens the generation while it goes
    (the lock belongs to the open file, shared by both processes, and lasts until the last of
    them closes it). The process is in a session of its own: it may finish after the
    command that started it has returned. False if it could not be started."""
    _REMOVERS[:] = [p for p in _REMOVERS if p.poll() is None]  # reaped once done
    try:
        _REMOVERS.append(subprocess.Popen([sys.executable, "-I", "-S", "-c", _REMOVE, str(generation)],
                                          pass_fds=(lock_fd,), stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
    except OSError:
        return False
    return True


# the removers this process started and has not reaped (a long-lived process, such as a
# server that rebuilds, would otherwise keep a finished one as a zombie)
_REMOVERS: list[subprocess.Popen] = []


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
