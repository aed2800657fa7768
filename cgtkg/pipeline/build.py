"""The build: ontology + registries + curated records (+ extracted texts) -> validated store.

This is the single path every feature goes through, in six named stages (each a function
below, "the build, in named stages"), each able to stop the build without touching what an
earlier build published:

1. plan: read the registry (ontology and reference data), the source list and every record;
   list the units (one per named graph) and which changed; problems with a file and line ->
   exit 2 (bad input);
2. extract: the texts of a corpus folder (``loaders.text``), in a pool of processes with
   ``jobs`` > 1 (``cgtkg/pipeline/pool.py``);
3. derive: the shortcuts queries look up (``graph/closure.py``), then the links across
   graphs (date conflicts between texts, ``cgtkg/pipeline/resolve.py``'s canonical nodes);
4. validate: pySHACL per batch -> a text with violations is quarantined, a record's fail the
   build (exit 1); then every ``queries/*-violation.rq`` -> exit 1 on rows;
5. write: each batch into a new store generation (a writer thread), then ``graph.trig`` (one
   named graph per document) and ``graph.ttl`` (merged);
6. publish: manifest and build report, then the generation with one atomic rename.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import ORG, PROV, RDF, RDFS, SH
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.plugins.stores.memory import Memory

from cgtkg.graph import namespaces as ns
from cgtkg.graph.closure import materialise
from cgtkg.graph.errors import EXIT_BAD_INPUT, EXIT_INPUTS_LEFT_OUT, EXIT_OK, EXIT_VIOLATIONS, BadInput, Problem
from cgtkg.graph.namespaces import CGT, OA
from cgtkg.graph.store import (
    Generation,
    GraphStore,
    NQuads,
    check_output_dir,
    graph_triples,
    to_nquads,
    write_atomically,
)
from cgtkg.graph.triples import LayeredStore, indexed_layer, written_triples
from cgtkg.graph.version import TOOL_VERSION
from cgtkg.loaders.records import (
    DATE_FIELDS,
    Registry,
    compile_records,
    compile_sources,
    curation_activity,
    source_conflict,
)
from cgtkg.loaders.text.corpus import DEFAULT_BUDGET_S, CorpusListing, list_corpus
from cgtkg.loaders.text.source import DEFAULT_MAX_BYTES, file_key
from cgtkg.pipeline.resolve import CACHE_FILE as RESOLVE_CACHE
from cgtkg.pipeline.resolve import ClaimLocator, resolve
from cgtkg.resources import REPO_ROOT, resource_dir


@dataclass
class BuildOptions:
    out_dir: Path = Path("out")
    base: str = ns.DEFAULT_BASE
    records_dir: Path = resource_dir("data") / "records"
    sources_file: Path = resource_dir("data") / "sources.yaml"
    ontology_dir: Path = resource_dir("ontology")
    queries_dir: Path = resource_dir("queries")
    corpus_dir: Path | None = None
    # a text over this size is refused with an error naming it (the rest is still built)
    max_text_bytes: int = DEFAULT_MAX_BYTES
    # checks the source checksums in data/sources.yaml against this folder when present
    source_texts_dir: Path | None = REPO_ROOT.parent / "shared" / "corpus"
    # seconds one text's extraction may take before it is left out as failed
    max_text_seconds: float = DEFAULT_BUDGET_S
    # called as progress(units_done, units_to_do) after each unit is extracted and derived
    progress: Callable[[int, int], None] | None = None
    # called with the name of each stage as it starts (plan, extract, validate, checks, outputs)
    stage: Callable[[str], None] | None = None
    # processes extracting texts (cgtkg/pipeline/pool.py); 1: in the build's own process
    jobs: int = 1
    # the generations the published one replaces are deleted by a process of their own,
    # which may still run when build() returns (the command line's builds); False: build()
    # deletes them before it returns
    prune_in_background: bool = False


@dataclass
class Violation:
    focus: str
    path: str | None
    message: str
    shape: str | None
    value: str | None
    origin: str | None  # "data/records/x.yaml:12" or the named graph
    file: Path | None = None  # a text's file, when the origin is its extracted graph
    line: int | None = None

    def __str__(self) -> str:
        parts = [f"{self.origin or '?'}: {self.focus}"]
        if self.path:
            parts.append(f"  path: {self.path}")
        if self.value:
            parts.append(f"  value: {self.value}")
        parts.append(f"  {self.message}" + (f"  [{self.shape}]" if self.shape else ""))
        return "\n".join(parts)


@dataclass
class BuildResult:
    exit_code: int
    out_dir: Path
    problems: list[Problem] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    failed_checks: dict[str, int] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    # one per corpus file, and the ambiguous pairs past the first few (shown with -v)
    file_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    @property
    def published(self) -> bool:
        """A new store was published: every input built (0), or all but the input files
        left out with errors (6)."""
        return self.exit_code in (EXIT_OK, EXIT_INPUTS_LEFT_OUT)


# ------------------------------------------------------------------ loading


def parse_rdf_file(path: Path, base: str = ns.DEFAULT_BASE, fmt: str | None = None) -> Graph:
    """Parse Turtle/TriG into one graph, raising BadInput naming the file and line."""
    g = Graph()
    try:
        if (fmt or _guess_format(path)) == "trig":
            from rdflib import Dataset

            ds = Dataset()
            ds.parse(path, format="trig")
            for q in ds.quads((None, None, None, None)):
                g.add(q[:3])
        else:
            g.parse(path, format=fmt or _guess_format(path))
    except BadSyntax as e:
        line = e.lines + 1 if e.lines is not None else None
        raise BadInput([Problem(path, line, f"syntax error: {e.message}")]) from e
    except (SyntaxError, ValueError) as e:
        raise BadInput([Problem(path, getattr(e, "lineno", None), f"cannot parse: {e}")]) from e
    except OSError as e:
        raise BadInput([Problem(path, None, f"cannot read: {e.strerror or e}")]) from e
    if base != ns.DEFAULT_BASE:
        rebased = Graph()
        for s, p, o in g:
            rebased.add((ns.rebase(s, base), ns.rebase(p, base), ns.rebase(o, base)))
        g = rebased
    return g


def _guess_format(path: Path) -> str:
    return {".trig": "trig", ".nt": "nt", ".nq": "nquads", ".jsonld": "json-ld"}.get(Path(path).suffix, "turtle")


def registry_files(ontology_dir: Path) -> list[Path]:
    return [Path(ontology_dir) / "cgt.ttl", *sorted((Path(ontology_dir) / "registries").glob("*.ttl"))]


#: Parsed registry files, by path, size, modification time and base: the gazetteer alone is
#: 24,000 triples (a second of Turtle parsing), and a process that builds many times (the
#: tests, a notebook) reads the same unchanged files again and again. Kept as lists of
#: triples, which :func:`load_registry` puts into its new graph in one pass.
_PARSED: dict[tuple, tuple] = {}


def _registry_triples(f: Path, base: str) -> tuple:
    try:
        st = f.stat()
    except OSError:
        return tuple(parse_rdf_file(f, base))  # says which file and why, as BadInput
    key = (str(f.resolve()), st.st_size, st.st_mtime_ns, base)
    if key not in _PARSED:
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = _parse_triples(f, base)
    return _PARSED[key]


def _parse_turtle_fast(f: Path, base: str) -> Graph:
    """A registry file through Oxigraph's parser into an rdflib graph: the same triples as
    rdflib's Turtle parser (a test compares them) in half the time (the registry is most of a
    one-file rebuild's ``load`` stage). Anything Oxigraph refuses is parsed again by
    :func:`parse_rdf_file`, whose error names the file and line as before."""
    g = Graph()
    add = _store_add(g)
    for t in _parse_triples(f, base):
        add(t)
    return g


def _parse_triples(f: Path, base: str) -> tuple:
    """:func:`_parse_turtle_fast`'s triples (``parse_rdf_file``'s for another format)."""
    if _guess_format(f) != "turtle":
        return tuple(parse_rdf_file(f, base))
    from cgtkg.graph.store import to_rdflib

    seen: dict = {}

    def conv(term):
        out = seen.get(term)
        if out is None:
            out = seen[term] = ns.rebase(to_rdflib(term), base)
        return out

    try:
        quads = ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)
        return tuple((conv(q.subject), conv(q.predicate), conv(q.object)) for q in quads)
    except (SyntaxError, ValueError, OSError):
        return tuple(parse_rdf_file(f, base))


def load_registry(ontology_dir: Path, base: str = ns.DEFAULT_BASE) -> Graph:
    """Ontology + registries as one graph (the ``registry`` named graph), a new graph each
    call (callers may add to it)."""
    g = Graph()
    add = _store_add(g)  # each file's triples put in directly: adding parsed graphs copied them twice
    problems: list[Problem] = []
    for f in registry_files(ontology_dir):
        try:
            triples = _registry_triples(f, base)
        except BadInput as e:
            problems += e.problems
            continue
        for t in triples:
            add(t)
    if problems:
        raise BadInput(problems)
    # Every agency is typed org:Organization explicitly, whatever subclass the registry
    # gives it, so plain SPARQL (`?a a org:Organization`) finds them all.
    org_classes = {ORG.Organization, *g.transitive_subjects(RDFS.subClassOf, ORG.Organization)}
    for cls in org_classes:
        for agency in list(g.subjects(RDF.type, cls)):
            g.add((agency, RDF.type, ORG.Organization))
    act = curation_activity(base)
    g.add((act, RDF.type, PROV.Activity))
    g.add((act, RDFS.label, Literal("Manual curation of policy records from the source texts", lang="en")))
    return ns.bind_prefixes(g, base)


def load_shapes(ontology_dir: Path, base: str = ns.DEFAULT_BASE) -> Graph:
    """The SHACL shapes, with scheme IRIs moved onto ``base`` like the registries."""
    return parse_rdf_file(Path(ontology_dir) / "shapes.ttl", base)


# ------------------------------------------------------------------ validation


def validate_graph(data: Graph, shapes: Graph, origins: dict | None = None,
                   graph_of: dict | None = None, *, scratch: bool = False) -> list[Violation]:
    """pySHACL over ``data``; each violation says which record file it came from.

    ``scratch``: ``data`` is a throwaway copy, so pySHACL may use it in place instead of
    cloning it first (advanced mode clones by default; a fifth of the build's SHACL time).
    """
    from pyshacl import validate

    conforms, results, _ = validate(data, shacl_graph=shapes, inference="none",
                                    advanced=True, allow_warnings=True, inplace=scratch)
    if conforms:
        return []
    def origin_of(node) -> str | None:
        if origins and node in origins:
            f, line = origins[node]
            return f"{_rel(f)}:{line}" if line else _rel(f)
        if graph_of and node in graph_of:
            return str(graph_of[node])
        return None

    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(r, SH.resultSeverity) != SH.Violation:
            continue
        focus = results.value(r, SH.focusNode)
        path = _path_text(results, results.value(r, SH.resultPath))
        value = results.value(r, SH.value)
        shape = results.value(r, SH.sourceShape)
        # an unnamed property shape is named after the shape that holds it, or that it was
        # split out of (rdfs:isDefinedBy: see cgts:NoDanglingShape)
        shown = shape if isinstance(shape, URIRef) else (next(shapes.subjects(SH.property, shape), None)
                                                         or shapes.value(shape, RDFS.isDefinedBy))
        # a link shape's focus is the object pointed to (an agency, a concept): the violation
        # is reported once for each record or text that points to it that way
        linked = set(shapes.objects(shape, SH.targetObjectsOf)) if shape is not None else set()
        where = sorted({o for p in linked for o in map(origin_of, data.subjects(p, focus)) if o})
        if not where:
            where = [origin_of(focus)]
        for origin in where:
            out.append(Violation(
                focus=str(focus),
                path=path,
                message=str(results.value(r, SH.resultMessage) or "constraint violated"),
                shape=_short(shown) if isinstance(shown, URIRef) else None,
                value=_short(value) if value is not None else None,
                origin=origin,
            ))
    return sorted(out, key=lambda v: (v.origin or "", v.focus, v.path or "", v.message))


_PATH_SUFFIX = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


def _path_text(g: Graph, path) -> str | None:
    """A SHACL property path in SPARQL's syntax (``^cgt:concerns``, ``(a|b)``, ``a/b``),
    read from ``g`` (pySHACL copies a result's path into its report)."""
    if path is None or isinstance(path, URIRef):
        return _short(path) if path is not None else None
    inverse = g.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(g, inverse)
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_text(g, p) for p in Collection(g, alternatives)) + ")"
    for p, suffix in _PATH_SUFFIX.items():
        inner = g.value(path, p)
        if inner is not None:
            return f"({_path_text(g, inner)}){suffix}"
    if g.value(path, RDF.first) is not None:
        return "/".join(_path_text(g, p) for p in Collection(g, path))
    return str(path)


def _short(term) -> str:
    for prefix, nsp in ns.PREFIXES.items():
        if isinstance(term, URIRef) and str(term).startswith(str(nsp)):
            return f"{prefix}:{str(term)[len(str(nsp)):]}"
    if str(term).startswith("https://w3id.org/cgt-kg/shapes#"):
        return "cgts:" + str(term).split("#", 1)[1]
    return str(term)


def _rel(path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def violation_queries(queries_dir: Path) -> list[Path]:
    return sorted(Path(queries_dir).glob("*-violation.rq"))


def run_violation_queries(store: GraphStore, queries_dir: Path,
                          base: str = ns.DEFAULT_BASE) -> dict[str, list[dict]]:
    """Checks SHACL cannot say: each ``*-violation.rq`` must return no rows."""
    failed = {}
    for q in violation_queries(queries_dir):
        rows = violation_rows(store, q, base)
        if rows:
            failed[q.stem] = rows
    return failed


def violation_rows(store: GraphStore, query: Path, base: str = ns.DEFAULT_BASE) -> list[dict]:
    """One check's rows. Saved queries are written against the default base; their instance
    prefixes are moved onto the build's base first."""
    from cgtkg.graph.query import rebase_prologue

    return store.query(rebase_prologue(query.read_text(encoding="utf-8"), base))


# ------------------------------------------------------------------ the build


def _prefixes(base: str) -> dict[str, str]:
    out = {k: str(v) for k, v in ns.PREFIXES.items()}
    out.update(ns.instance_prefixes(base))
    return out


def _checksum(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


# ------------------------------------------------------------------ units of work
#
# A build is a list of units, one per named graph: the registry, the source list, each
# record file, each corpus text.  A unit's digest covers its own input bytes and the
# context every unit depends on (registry, shapes, tool version, base).  A rebuild starts
# from a hard-linked checkpoint of the published store and redoes only the units whose
# digest changed, so one edited record costs one record, not the whole corpus.

MANIFEST = "manifest.json"
BATCH_UNITS = 200  # units validated and written together: bounds memory, amortises pySHACL
BATCH_TEXT_BYTES = 2_000_000  # and at most this much input text per batch (see _batches)


@dataclass
class Unit:
    graph: URIRef
    digest: str
    kind: str  # "registry" | "sources" | "record" | "text"
    path: Path | None = None
    rel: str = ""  # a text's path in the corpus folder


@dataclass
class UnitOutput:
    graphs: list[tuple[URIRef, Graph]]
    problems: list[Problem] = field(default_factory=list)
    origins: dict = field(default_factory=dict)
    report: dict | None = None


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of the code that turns inputs into triples: every module of ``loaders/`` and
    ``graph/`` (the build, the closure, the namespaces). Part of every unit's digest, so a
    changed loader redoes every unit without anyone remembering to bump a version string."""
    h = hashlib.sha256()
    for folder in ("loaders", "graph", "pipeline"):
        for f in sorted(resource_dir(folder).rglob("*.py")):
            h.update(f.relative_to(resource_dir(folder).parent).as_posix().encode())
            h.update(b"\0")
            h.update(f.read_bytes())
    return h.hexdigest()


def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()


def _text_digest(path: Path, rel: str, context: str) -> str:
    from cgtkg.loaders.text import sidecar

    side = sidecar.sidecar_path(path)
    return _sha(context, "text", rel, path.read_bytes(),
                side.read_bytes() if side and side.exists() else b"")


def _read_manifest(out_dir: Path) -> dict | None:
    current = Path(out_dir) / "current"
    try:
        return orjson.loads((current / MANIFEST).read_bytes())  # 21 MB: 0.41 -> 0.23 s (json module)
    except (OSError, ValueError):
        return None


def _batches(items: list, size: int, max_bytes: int | None = None):
    """``items`` in batches of at most ``size`` units and, for units read from files, at most
    ``max_bytes`` (:data:`BATCH_TEXT_BYTES`) of input; a unit larger than that is a batch of
    its own. A batch's graphs, its pySHACL copy and its bulk load are in memory together, and
    a Chinese law is ten times a synthetic text: counted in files alone, 200 real originals
    (3-4 MB) took the build to 2.4 GB, 100 to 1.35 GB."""
    max_bytes = BATCH_TEXT_BYTES if max_bytes is None else max_bytes
    batch: list = []
    held = 0
    for u in items:
        n = _input_bytes(u)
        if batch and (len(batch) >= size or held + n > max_bytes):
            yield batch
            batch, held = [], 0
        batch.append(u)
        held += n
    if batch:
        yield batch


def _input_bytes(u) -> int:
    path = getattr(u, "path", None)
    try:
        return path.stat().st_size if path is not None else 0
    except OSError:
        return 0  # unreadable: extraction reports it


# ------------------------------------------------------------------ the build, in named stages
#
# build() runs six stages, each a function below with its input and output spelled out:
#
#   plan      options -> Plan: registry, shapes, source list, the units and which to redo,
#             the records compiled (all of them valid before anything is written);
#   extract   a batch of units -> each unit's graphs (a text through the loaders, in this
#             process or a pool of them: cgtkg/pipeline/pool.py);
#   derive    one unit's graphs -> the same graphs with the shortcuts the queries look up
#             (graph/closure.py); after every batch, the links across graphs (date conflicts
#             between texts, cgtkg/pipeline/resolve.py's canonical nodes);
#   validate  a batch -> its SHACL violations (quarantining texts that have any); the store
#             -> the rows of every ``*-violation.rq`` check;
#   write     a batch -> the new store generation and its output fragments (a writer thread,
#             overlapped with the next batch); the store -> graph.trig, graph.ttl, statistics;
#   publish   everything above -> manifest, build report, one atomic rename.
#
# A stage that finds the build cannot go on returns the BuildResult to give back; the
# generation is then discarded and the published store stays as it was.


class Clock:
    """Time and peak memory per stage (the build report's ``timings_s``, ``cpu_s``,
    ``peak_rss_mb`` and ``peak_rss_rise_mb``), and the stage names shown to the caller as
    stages start.

    ``cpu_s`` is the CPU time of the build's own thread in each stage: on a shared machine a
    stage's wall time is mostly waiting for a core (the validate stage of 500 real originals
    took 56 s of wall time for 18 s of CPU, issue 25), and the CPU is what a change to the
    stage itself changes."""

    def __init__(self, stage: Callable[[str], None] | None = None) -> None:
        self.stage = stage
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.c = time.thread_time()
        # the process's peak RSS after each stage's last tick, and how much each stage raised it
        self.peak_rss: dict[str, float] = {}
        self.peak_rise: dict[str, float] = {}
        self.t = time.time()

    def announce(self, name: str) -> None:
        if self.stage is not None:
            self.stage(name)

    def beside(self, name: str, seconds: float) -> None:
        """Charge ``seconds`` of wall time spent in another thread, beside the stages this
        thread ticks, to ``name`` (the sum of the stages can then exceed the build's time)."""
        self.timings[name] = round(self.timings.get(name, 0) + seconds, 3)

    def tick(self, name: str) -> None:
        """Charge the time since the last tick to ``name``."""
        self.timings[name] = round(self.timings.get(name, 0) + time.time() - self.t, 3)
        c = time.thread_time()
        self.cpu[name] = round(self.cpu.get(name, 0) + c - self.c, 3)
        self.c = c
        peak = peak_rss_mb()
        rise = max(0.0, peak - max(self.peak_rss.values(), default=peak))
        self.peak_rise[name] = round(self.peak_rise.get(name, 0) + rise, 1)
        self.peak_rss[name] = peak
        self.t = time.time()


@dataclass
class Plan:
    """The plan stage's output: what the build reads and which units it (re)does."""

    options: BuildOptions
    registry: Graph
    shapes: Graph
    sources_graph: Graph
    context: str  # the digest every unit's digest includes
    units: list[Unit]
    record_files: list[Path]
    listing: CorpusListing
    previous: dict | None  # the published generation's manifest, when it can be reused
    same_base: bool
    prev_units: dict[str, dict]
    todo: list[Unit]
    removed: list[str]  # graphs the published generation has and this build does not
    compiled: dict[str, UnitOutput]  # the records of ``todo``, compiled
    problems: list[Problem]
    counts: dict[str, int]

    @property
    def out_dir(self) -> Path:
        return Path(self.options.out_dir)

    @functools.cached_property
    def keep(self) -> set[str]:
        """Every unit's graph: built once (the units do not change after planning)."""
        return {str(u.graph) for u in self.units}

    @property
    def todo_graphs(self) -> set[str]:
        return {str(u.graph) for u in self.todo}

    @property
    def reused_graphs(self) -> set[str]:
        """The published units this build keeps as they are (not redone, not removed)."""
        keep, todo = self.keep, self.todo_graphs
        return {g for g in self.prev_units if g in keep and g not in todo}

    @property
    def text_files(self) -> list:
        return self.listing.files

    @property
    def text_units(self) -> dict[str, Unit]:
        """The texts to extract, by graph."""
        return {str(u.graph): u for u in self.todo if u.kind == "text"}

    @property
    def text_paths(self) -> dict[str, Path]:
        return {str(u.graph): u.path for u in self.units if u.kind == "text"}


def plan(o: BuildOptions, incremental: bool = True) -> Plan:
    """Stage 1: read the context (ontology, registries, shapes, source list), list the units
    and their digests, compare them with the published manifest, and compile the records to
    redo. Raises BadInput for a file that cannot be read; a record's errors are in
    ``Plan.problems`` (the build stops on them before writing anything)."""
    registry = load_registry(o.ontology_dir, o.base)
    shapes = load_shapes(o.ontology_dir, o.base)
    src_dir = o.corpus_dir or (o.source_texts_dir if o.source_texts_dir and o.source_texts_dir.exists() else None)
    sources_graph, source_keys, problems = compile_sources(o.sources_file, o.base, src_dir)
    context = _sha(TOOL_VERSION, code_fingerprint(), o.base,
                   _checksum(registry_files(o.ontology_dir) + [Path(o.ontology_dir) / "shapes.ttl"]),
                   Path(o.sources_file).read_bytes())
    reg = Registry(registry, o.base)

    units: list[Unit] = [
        Unit(ns.graph_iri("registry", o.base), context, "registry"),
        Unit(ns.graph_iri("sources", o.base), context, "sources"),
    ]
    record_files = sorted(Path(o.records_dir).glob("*.yaml"))
    record_keys = {f.stem for f in record_files}  # what a record's `cites` may name
    for f in record_files:
        units.append(Unit(ns.graph_iri(f"doc/{f.stem}", o.base), _sha(context, "record", f.read_bytes()), "record", f))
    listing = list_corpus(o.corpus_dir) if o.corpus_dir is not None else CorpusListing()
    problems += listing.problems
    if listing.files:
        # a new limit redoes the texts
        text_context = _sha(context, "max", str(o.max_text_bytes), str(o.max_text_seconds))
        for f in listing.files:
            iri = ns.graph_iri(f"extracted/{f.key}", o.base)
            units.append(Unit(iri, _text_digest(f.path, f.rel, text_context), "text", f.path, f.rel))

    previous = _read_manifest(Path(o.out_dir)) if incremental else None
    same_base = previous is not None and previous.get("base") == o.base
    prev_units: dict[str, dict] = previous.get("units", {}) if same_base else {}
    todo = [u for u in units if prev_units.get(str(u.graph), {}).get("digest") != u.digest]
    keep = {str(u.graph) for u in units}
    removed = [g for g in prev_units if g not in keep]
    counts = {"units": len(units), "rebuilt": len(todo), "reused": len(units) - len(todo), "removed": len(removed)}

    # records are cheap and must all be valid before anything is written: compile them first
    compiled: dict[str, UnitOutput] = {}
    for u in todo:
        if u.kind == "record":
            c = compile_records([u.path], reg, source_keys, o.base, record_keys)[0]
            compiled[str(u.graph)] = UnitOutput([(u.graph, c.graph)] if c.key else [], c.problems, c.origins)
            problems += c.problems
    return Plan(o, registry, shapes, sources_graph, context, units, record_files, listing, previous,
                same_base, prev_units, todo, removed, compiled, problems, counts)


class Run:
    """One build's state between the plan and the publication: the new generation and its
    store, what the batches wrote, reported and found."""

    def __init__(self, p: Plan, clock: Clock) -> None:
        self.plan, self.clock = p, clock
        self.problems = p.problems
        self.generation = Generation(p.out_dir)
        self.store: GraphStore | None = None
        keep = p.keep
        self.reports: dict[str, dict] = {g: v["report"] for g, v in p.prev_units.items()
                                         if v.get("report") and g in keep}
        # warnings of reused units are carried over, so an incremental build reports what a full one would
        self.unit_problems: dict[str, list[Problem]] = {}
        todo_graphs = p.todo_graphs
        for g, v in p.prev_units.items():
            if g in keep and g not in todo_graphs and v.get("problems"):
                self.unit_problems[g] = [Problem(**x) for x in v["problems"]]
                self.problems += self.unit_problems[g]
        self.violations: list[Violation] = []
        self.written: dict[str, int] = {}  # graph -> triples, of the fragments the batches wrote
        self.prefixes = _prefixes(p.options.base)
        self.writer: ThreadPoolExecutor | None = None
        self.pending: Future | None = None  # the batch being written
        self.gc_enabled = gc.isenabled()
        self.done = 0
        self.uncompacted = 0
        self.resolution = None
        self.context_layer: tuple | None = None  # see build_units
        # what the texts say of the things many texts describe alike (see SharedDescriptions)
        self.shared = SharedDescriptions(p.options.base)

    def open_store(self) -> None:
        """A new generation: a checkpoint of the published store when the build keeps some of
        its units, else an empty one. Emptying a checkpoint graph by graph is the slow way to
        an empty store: after a new version of the tool, which redoes every unit, the whole
        Chinese corpus's store stage took 210 s against 32 s from nothing (and the build 11
        minutes against 6-7)."""
        keeps = bool(self.plan.reused_graphs)
        self.store = self.generation.open_store(checkpoint=keeps)
        for g in self.plan.removed if keeps else ():
            self.store.ox.remove_graph(ox.NamedNode(g))
        self.clock.tick("checkpoint")

    def fail(self, res: BuildResult) -> BuildResult:
        """Give up: the generation is discarded, last-build.txt says why."""
        self.store = None
        self.generation.discard()
        _write_last(self.plan.out_dir, res)
        return res

    def abort(self) -> None:
        """An exception: no write into a folder being removed, the generation discarded."""
        _restore_gc(self.gc_enabled)
        if self.writer is not None:
            self.writer.shutdown(wait=True, cancel_futures=True)
        self.generation.discard()


def extract(run: Run, batch: list[Unit], extractor) -> Iterator[tuple[Unit, UnitOutput]]:
    """Stage 2: each unit of ``batch`` and its graphs, in the batch's order: a record as the
    plan compiled it, a text from ``extractor`` (cgtkg/pipeline/pool.py)."""
    p, clock = run.plan, run.clock
    for u in batch:
        out = p.compiled.pop(str(u.graph), None)
        if out is None:
            out = _make_unit(u, p.registry, p.sources_graph, extractor)
            run.problems += out.problems
            clock.tick("extract" if u.kind == "text" else "load")
        run.unit_problems[str(u.graph)] = out.problems
        if out.report is not None:
            run.reports[str(u.graph)] = out.report
        yield u, out


def derive(out: UnitOutput) -> UnitOutput:
    """Stage 3, per unit: the shortcuts the queries look up (graph/closure.py), added to the
    unit's own graphs."""
    for _, g in out.graphs:
        materialise(g)
    return out


# ------------------------------------------------------------------ shared descriptions
#
# Every extracted text describes the loader agent, the extraction activity, its genre and each
# body it derived (a county health department: its names, level, place, function and parent),
# and those descriptions are the same in every text that names the thing.  Kept in each
# text's graph, a body named by 50 texts stated its level 50 times: Oxigraph's union default
# graph keeps one solution per named graph holding a triple, so a query joining a body's
# level, place and names got 50 x 50 x 50 rows (agencies-by-level: 911,890 rows on 100 real
# originals).  They are written once, to the graph ``<base>graph/shared``; what is particular
# to one text stays in its own graph (that the body was derived from this source,
# ``prov:wasDerivedFrom``; that the extraction used it, ``prov:used``), which is also what
# keeps a shared description alive: a thing no other graph mentions any more is removed from
# the shared graph when a rebuild drops its last text (``SharedDescriptions.collect``).

SHARED_KINDS = ("agency", "agent", "activity", "genre")
#: statements about a shared thing that belong to one text: they stay in the text's graph
PER_TEXT = frozenset({PROV.wasDerivedFrom, PROV.used})


class SharedDescriptions:
    """The triples of extracted texts that describe shared things, gathered over a build."""

    def __init__(self, base: str) -> None:
        self.graph = ns.graph_iri("shared", base)
        self.prefixes = tuple(f"{base}{k}/" for k in SHARED_KINDS)
        self.triples: set[tuple] = set()

    def split(self, triples: list[tuple]) -> list[tuple]:
        """``triples`` of one text minus those describing a shared thing, which are kept."""
        own, prefixes, keep, starts = [], self.prefixes, self.triples, str.startswith
        for t in triples:
            s = t[0]  # rdflib's own startswith takes no tuple
            if type(s) is URIRef and starts(s, prefixes) and t[1] not in PER_TEXT:
                keep.add(t)
            else:
                own.append(t)
        return own

    def write(self, store: GraphStore) -> int:
        """Add what this build gathered to the shared graph (a checkpoint's stays), then
        remove each thing no other graph mentions any more; returns the triples removed."""
        if self.triples:
            store.add_graph(self.graph, self.triples)
            self.triples = set()
        return self.collect(store)

    def collect(self, store: GraphStore) -> int:
        g = ox.NamedNode(str(self.graph))
        subjects = {q.subject for q in store.ox.quads_for_pattern(None, None, None, g)}
        dead = [s for s in subjects if not _mentioned_outside(store.ox, s, g)]
        removed = 0
        for s in dead:
            for q in list(store.ox.quads_for_pattern(s, None, None, g)):
                store.ox.remove(q)
                removed += 1
        return removed


def _mentioned_outside(store: ox.Store, term, graph: ox.NamedNode) -> bool:
    """Some graph other than ``graph`` has a triple about ``term`` or pointing at it."""
    for pattern in ((term, None, None), (None, None, term)):
        for q in store.quads_for_pattern(*pattern):
            if q.graph_name != graph:
                return True
    return False


def write_batch(run: Run, batch: list[Unit], produced: list[tuple[URIRef, Graph]]) -> None:
    """Stage 5, per batch: the batch's graphs into the new store and its output fragments.

    The batch is written by a thread while this one goes on (SHACL, the next batch's
    extraction): the store's bulk load, then the batch's output fragments, both mostly in
    Oxigraph without the GIL.  At most one write is in flight; the next batch (or the checks)
    waits for it first ("store-wait"), so a failed write stops the build there.  A violation
    discards the generation anyway."""
    wait_for_writes(run)
    for u in batch:
        run.store.ox.remove_graph(ox.NamedNode(str(u.graph)))
    texts = {str(u.graph) for u in batch if u.kind == "text"}
    nquads = to_nquads([(iri, run.shared.split(written_triples(g)) if str(iri) in texts else g)
                        for iri, g in produced])
    if run.writer is None:
        run.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cgtkg-store-writer")
    run.pending = run.writer.submit(_write_batch, run.store, nquads, run.generation.path, run.prefixes)
    del nquads
    run.clock.tick("store")


def wait_for_writes(run: Run) -> None:
    if run.pending is not None:
        run.written.update(run.pending.result())
        run.pending = None
        run.clock.tick("store-wait")


def validate(run: Run, batch: list[Unit], produced: list[tuple[URIRef, Graph]], origins: dict) -> None:
    """Stage 4, per batch: pySHACL over the batch with the registry and source list it points
    into; each violation names its record file, or its text's file and line."""
    p = run.plan
    texts_only = all(u.kind == "text" for u in batch)
    found = _validate_batch(produced, [p.registry, p.sources_graph], p.shapes, run.doc_shapes, origins,
                            skip_annotations=run.skip_annotations,
                            texts_shapes=run.texts_shapes if texts_only else None, layer=run.context_layer)
    run.violations += _with_lines(found, dict(produced), p.text_units, run.reports)
    run.clock.tick("validate")


def build_units(run: Run, jobs: int = 1) -> None:
    """Stages 2-5 over every unit to redo, one batch of :data:`BATCH_UNITS` at a time: the
    texts of the next batch are extracted (in a pool, with ``jobs`` > 1) while this one is
    derived, validated and written."""
    from cgtkg.pipeline.pool import make_extractor

    p, clock, o = run.plan, run.clock, run.plan.options
    shapes = p.shapes
    run.doc_shapes, run.texts_shapes = document_shapes(shapes), text_shapes(shapes)
    run.skip_annotations = not shapes_read_namespace(shapes, str(OA))
    # the registry and source list every batch is validated against, indexed once
    run.context_layer = indexed_layer([p.registry, p.sources_graph])
    texts = [u for u in p.todo if u.kind == "text"]
    batches = list(_batches(p.todo, BATCH_UNITS))
    with make_extractor(p, texts, jobs) as extractor:
        if batches and extractor is not None:
            extractor.prefetch(batches[0])
        gc.disable()  # one collection per batch instead: see _end_batch
        # what the plan loaded (registry, shapes, the manifest) lives to the end of the build:
        # frozen now, the batches' collections skip it (a one-text rebuild's only collection
        # walked all of it, 0.3 s on the whole Chinese corpus); _restore_gc unfreezes it
        gc.freeze()
        for i, batch in enumerate(batches):
            clock.announce("extract")
            if i + 1 < len(batches) and extractor is not None:
                extractor.prefetch(batches[i + 1])
            produced: list[tuple[URIRef, Graph]] = []
            origins: dict = {}
            for u, out in extract(run, batch, extractor):
                produced += derive(out).graphs
                origins.update(out.origins)
                clock.tick("derive")
                run.done += 1
                if o.progress is not None:
                    o.progress(run.done, len(p.todo))
            write_batch(run, batch, produced)
            clock.announce("validate")
            validate(run, batch, produced, origins)
            # the batch's last unit too: frozen while referenced, its graph's cycles would
            # stay in memory until the end of the build
            del produced, origins, out
            _end_batch()
            clock.tick("gc")
    wait_for_writes(run)
    if run.writer is not None:
        run.writer.shutdown()
        run.writer = None
    _restore_gc(run.gc_enabled)
    run.shared.write(run.store)
    clock.tick("store")


def settle_violations(run: Run) -> BuildResult | None:
    """Stage 4, after the batches: texts with violations are quarantined (left out, each
    violation an error naming the file); a record's or the registry's fail the build, as does
    a corpus of which nothing could be built."""
    p = run.plan
    text_graphs = p.text_units
    violations, held = quarantine(run.store, run.violations, text_graphs, run.reports, run.written)
    for g, vs in held.items():
        ps = [_quarantined(text_graphs[g], v) for v in vs]
        run.unit_problems[g] = run.unit_problems.get(g, []) + ps
        run.problems += ps
    text_status = [run.reports.get(str(u.graph), {}).get("status") for u in p.units if u.kind == "text"]
    nothing_built = "quarantined" in text_status and "ok" not in text_status
    if nothing_built:
        violations = [v for vs in held.values() for v in vs]
        run.problems.append(Problem(p.options.corpus_dir, None, "every text of the corpus was quarantined or "
                                                                "could not be read: nothing to publish", "error"))
    if violations or nothing_built:
        return run.fail(BuildResult(EXIT_VIOLATIONS, p.out_dir, run.problems, violations))
    return None


def derive_links(run: Run) -> None:
    """Stage 3, across graphs, once every unit is in the store: the dates two texts give one
    document differently (a source conflict), and cgtkg/pipeline/resolve.py's canonical node for each
    document and provision that several graphs describe."""
    p, o, store = run.plan, run.plan.options, run.store
    run.clock.announce("link")
    links = ns.graph_iri("links", o.base)
    store.replace_graph(links, [])
    store.replace_graph(ns.graph_iri("canonical", o.base), [])  # a checkpoint's, rewritten below
    run.problems += record_text_conflicts(store, links, o.base, p.text_paths, o.max_text_bytes)
    run.clock.tick("checks")
    # the comparisons of the published generation, reused when the base is the same
    cache_in = p.out_dir / "current" / RESOLVE_CACHE if p.same_base else None
    run.resolution, found = resolve(store, o.base, text_paths=p.text_paths, max_bytes=o.max_text_bytes,
                                    previous=set(p.previous.get("canonical_nodes", [])) if p.same_base else set(),
                                    cache_in=cache_in, cache_out=run.generation.path / RESOLVE_CACHE,
                                    reused=p.reused_graphs if p.same_base else set())
    run.problems += found
    run.clock.tick("resolve")


def compact_store(run: Run) -> None:
    """Stage 4, on the store once every unit, the links and the canonical layer are in:
    flushed, and compacted when enough changed since it last was."""
    p, store, clock = run.plan, run.store, run.clock
    store.flush()
    # named graphs rewritten or removed since the store was last compacted
    run.uncompacted = len(p.units)
    if p.prev_units:
        run.uncompacted = len(p.todo) + len(p.removed) + p.previous.get("uncompacted_changes", 0)
    if worth_compacting(run.uncompacted, len(p.units)):
        clock.tick("checks")  # the links and conflicts before count with the checks
        clock.announce("compact")
        store.compact()
        run.uncompacted = 0
        clock.tick("compact")


@dataclass
class Checks:
    """The violation checks under way: each one's future, when they started and when each
    ended (the wall time charged to the ``checks`` stage, beside the outputs)."""

    futures: dict[str, Future]
    started: float
    ended: list[float] = field(default_factory=list)

    def seconds(self) -> float:
        return max(self.ended, default=self.started) - self.started


def start_checks(run: Run, pool: ThreadPoolExecutor) -> Checks:
    """Stage 4, on the store, beside stage 5: each ``queries/*-violation.rq`` submitted to
    ``pool`` (two threads: the longest check is half of them all on real text). Oxigraph
    evaluates without holding the interpreter and the outputs stage only reads the store,
    so they share the machine's cores; the build publishes nothing before
    :func:`settle_checks` has the checks' answers."""
    p, clock, store = run.plan, run.clock, run.store  # stage 5 lets go of run.store
    clock.tick("checks")  # the links and conflicts before count with the checks
    checks = Checks({q.stem: pool.submit(violation_rows, store, q, p.options.base)
                     for q in violation_queries(p.options.queries_dir)}, time.time())
    for f in checks.futures.values():
        f.add_done_callback(lambda _: checks.ended.append(time.time()))
    return checks


def settle_checks(run: Run, checks: Checks) -> BuildResult | None:
    """The checks' answers: a build with rows fails with the checks named (exit 3)."""
    failed = {name: rows for name, f in checks.futures.items() if (rows := f.result())}
    run.clock.beside("checks", checks.seconds())
    run.clock.tick("checks-wait")
    if failed:
        res = BuildResult(EXIT_VIOLATIONS, run.plan.out_dir, run.problems,
                          failed_checks={k: len(v) for k, v in failed.items()})
        res.report = {"failed_checks": {k: [{n: str(x) for n, x in r.items()} for r in v[:20]]
                                        for k, v in failed.items()}}
        return run.fail(res)
    return None


def check_and_write(run: Run) -> tuple[Checks, tuple[dict[str, dict], dict[str, int], dict]]:
    """Stages 4 and 5 side by side, once the store is complete: the checks and the statistics
    in two threads, the output files in this one. Returns the checks under way (their answers
    are in) and the outputs' blocks, sizes and statistics."""
    with ThreadPoolExecutor(2, thread_name_prefix="check") as pool:
        checks = start_checks(run, pool)
        counts = pool.submit(store_counts, run.store)
        try:
            blocks, sizes = write_files(run)
        finally:
            wait([*checks.futures.values(), counts])  # never discard the generation under a running query
    run.store = None
    # every triple of a build is in a named graph: its quads are its blocks' triples
    stats = {"triples": sum(b["triples"] for b in blocks.values()), **counts.result()}
    return checks, (blocks, sizes, stats)


def write_files(run: Run) -> tuple[dict[str, dict], dict[str, int]]:
    """Stage 5, on the store: graph.trig and graph.ttl (each graph's block from this build's
    fragments or the published files). Returns the blocks per graph and the two files' sizes."""
    p = run.plan
    run.clock.announce("outputs")
    previous_dir = p.out_dir / "current" if p.prev_units else None
    reused = previous_blocks(previous_dir, p.previous if p.same_base else None, p.reused_graphs)
    blocks, sizes = write_outputs(run.store, run.generation.path, previous_dir, reused, run.prefixes, run.written)
    run.clock.tick("outputs")
    return blocks, sizes


def publish(run: Run, blocks: dict[str, dict], output_sizes: dict[str, int], stats: dict,
            started: float) -> BuildResult:
    """Stage 6: the manifest (each unit's digest, blocks, report and warnings, for the next
    incremental build), build-report.json, then the generation published with one rename."""
    p, o, clock = run.plan, run.plan.options, run.clock
    gen, units, reports, unit_problems = run.generation.path, p.units, run.reports, run.unit_problems
    resolution = run.resolution
    manifest = {"base": o.base, "context": p.context, "tool_version": TOOL_VERSION,
                "canonical_nodes": sorted(set(resolution.canonical.values())),
                "outputs": output_sizes, "uncompacted_changes": run.uncompacted,
                "units": {str(u.graph): {"digest": u.digest, "kind": u.kind,
                                         **blocks.get(str(u.graph), {}),
                                         **({"report": reports[str(u.graph)]} if str(u.graph) in reports else {}),
                                         **({"problems": [_problem_dict(x) for x in unit_problems[str(u.graph)]]}
                                            if unit_problems.get(str(u.graph)) else {})}
                          for u in units}}
    write_atomically(gen / MANIFEST, dump_json(manifest))
    problems = run.problems
    text_files = p.text_files
    report = {
        "tool_version": TOOL_VERSION,
        "base": o.base,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "inputs": {
            "records": len(p.record_files),
            "texts": len(text_files),
            "records_sha256": _checksum(p.record_files),
            "context_sha256": p.context,
        },
        "units": p.counts,
        "named_graphs": {g: b["triples"] for g, b in blocks.items()},
        "stats": stats,
        "timings_s": clock.timings,
        "cpu_s": clock.cpu,
        "peak_rss_mb": clock.peak_rss,
        "peak_rss_rise_mb": clock.peak_rise,
        "resolution": resolution.report(),
        "warnings": [str(x) for x in problems],
    }
    summary, detail = resolution.summary() if resolution.canonical or resolution.ambiguous else ([], [])
    file_lines: list[str] = []
    if text_files or p.listing.skipped:
        file_reports = [reports[str(u.graph)] for u in units if u.kind == "text" and str(u.graph) in reports]
        corpus = Path(o.corpus_dir).resolve()
        inside: dict[str, bool] = {}  # each file resolved once: a text has many warnings
        text_problems = [x for x in problems if x.file and _under(x.file, corpus, inside)]
        # the texts this build extracted (a rebuild: the changed ones), not the whole corpus
        extracted = [(_size(u.path), reports.get(g, {}).get("seconds", 0.0))
                     for g, u in p.text_units.items()]
        report["corpus"], corpus_summary = corpus_report(o.corpus_dir, file_reports, text_problems,
                                                         p.listing.skipped, clock.timings,
                                                         sum(_size(f.path) for f in text_files),
                                                         extracted)
        file_lines = [line for line in corpus_summary if line.startswith("  ")]  # "  file: ..." (cgtkg -v)
        summary = [line for line in corpus_summary if not line.startswith("  ")] + summary
    write_atomically(gen / "build-report.json", readable_json(report))
    run.generation.commit(prune_in_background=o.prune_in_background)
    # a script must see that input files were left out (quarantined, unreadable, a bad sidecar)
    left_out = [x for x in problems if x.severity == "error"]
    code = EXIT_INPUTS_LEFT_OUT if left_out else EXIT_OK
    if left_out:
        summary.append(f"{len(left_out)} error(s) in input files: the graph was published without what "
                       f"they hold (exit {EXIT_INPUTS_LEFT_OUT}); each is listed above and in build-report.json")
    res = BuildResult(code, p.out_dir, problems, stats=stats, report=report, summary=summary,
                      file_lines=file_lines + detail)
    _write_last(p.out_dir, res)
    return res


def _size(path: Path) -> int:
    """A text's size for the report (0 if it went since the build read it)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def readable_json(value, levels: int = 3, _depth: int = 0) -> str:
    """``value`` as JSON (``ensure_ascii=False``, other objects as ``str``): objects and
    arrays indented by two spaces for ``levels`` levels, each deeper value on one line.

    The same JSON as ``json.dumps(value, indent=2)`` (a test compares them parsed), each
    deeper value written by :func:`dump_json`: ``indent`` makes the json module fall back
    on its pure-Python encoder, about half of writing a large corpus's build report (one
    line per file and warning)."""
    if levels > 0 and isinstance(value, (dict, list, tuple)) and value:
        if all(type(v) in _SCALARS for v in (value.values() if isinstance(value, dict) else value)) and (
                not isinstance(value, dict) or all(type(k) is str for k in value)):
            # one line per item whatever the levels left: orjson's own indentation, moved to
            # this depth (a JSON scalar is one line); the report's warnings and the files'
            # problems, 62,000 strings on the whole Chinese corpus, one call instead of one each
            return orjson.dumps(value, default=str, option=_JSON_OPTIONS | orjson.OPT_INDENT_2
                                ).decode("utf-8").replace("\n", "\n" + "  " * _depth)
        pad = "  " * (_depth + 1)
        if isinstance(value, dict):
            parts = [pad + _json_key(k) + ": " + readable_json(v, levels - 1, _depth + 1) for k, v in value.items()]
            opening, closing = "{", "}"
        else:
            parts = [pad + readable_json(v, levels - 1, _depth + 1) for v in value]
            opening, closing = "[", "]"
        return opening + "\n" + ",\n".join(parts) + "\n" + "  " * _depth + closing
    return dump_json(value).decode("utf-8")


#: the types orjson writes as one JSON scalar
_SCALARS = frozenset({str, int, float, bool, type(None)})


def dump_json(value) -> bytes:
    """``value`` as compact UTF-8 JSON (not escaped), other objects as ``str``, keys that are
    not strings written as the json module writes them. orjson: the whole Chinese corpus's
    manifest (21 MB) 0.26 -> 0.03 s, its build report's values 0.53 -> 0.25-0.35 s, in every build."""
    return orjson.dumps(value, default=str, option=_JSON_OPTIONS)


#: keys that are not strings as the json module writes them; dataclasses and dates through
#: ``str`` as the json module's ``default=str`` did, not as orjson's own objects
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def _json_key(key) -> str:
    """A key as the json module writes it (a number, ``true`` or ``null`` become strings)."""
    if not isinstance(key, str):
        key = next(iter(json.loads(json.dumps({key: 0}))))
    return json.dumps(key, ensure_ascii=False)


def _under(file, folder: Path, seen: dict[str, bool]) -> bool:
    """``file`` lies in ``folder`` (resolved), each file name resolved once into ``seen``."""
    key = str(file)
    found = seen.get(key)
    if found is None:
        found = seen[key] = Path(key).resolve().is_relative_to(folder)
    return found


def build(options: BuildOptions | None = None, *, incremental: bool = True) -> BuildResult:
    """Build, validate and publish; ``incremental`` reuses unchanged named graphs. The stages
    are the functions above: plan, extract, derive, validate, write, publish."""
    o = options or BuildOptions()
    out_dir = Path(o.out_dir)
    if (refused := check_output_dir(out_dir)) is not None:
        # not _fail_input: last-build.txt must not be written into someone else's folder
        return BuildResult(EXIT_BAD_INPUT, out_dir, [refused])
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    clock = Clock(o.stage)
    clock.announce("plan")
    try:
        p = plan(o, incremental)
    except BadInput as e:
        return _fail_input(out_dir, e.problems)
    if [x for x in p.problems if x.severity == "error"]:
        return _fail_input(out_dir, p.problems)
    clock.tick("load")

    run = Run(p, clock)
    try:
        run.open_store()
        build_units(run, jobs=o.jobs)
        if (failed := settle_violations(run)) is not None:
            return failed
        derive_links(run)
        # compacted last, so that the published store is one level of files: with the links
        # and the canonical layer written after the compaction, the saved queries took 13-25 %
        # longer at 10,000 texts (the resolution reads a store just written more slowly:
        # about 2 s of a whole-corpus build; docs/benchmarks.md)
        compact_store(run)
        checks, (blocks, sizes, stats) = check_and_write(run)
        if (failed := settle_checks(run, checks)) is not None:
            return failed
    except BaseException:
        run.abort()
        raise
    return publish(run, blocks, sizes, stats, started)


class TextExtractor:
    """One text file at a time through the loaders, with registry indexes built once.

    A text that ``data/sources.yaml`` lists (same file name, same checksum) is attributed to
    that source's IRI, so extracted and curated facts point at one source node.
    """

    def __init__(self, registry: Graph, base: str, sources_graph: Graph | None = None, *,
                 max_bytes: int = DEFAULT_MAX_BYTES, budget_s: float | None = DEFAULT_BUDGET_S):
        from rdflib.namespace import DCTERMS

        from cgtkg.loaders.text.corpus import _Shared

        self.registry, self.base, self.shared = registry, base, _Shared(registry, base)
        self.max_bytes, self.budget_s = max_bytes, budget_s
        self.known: dict[str, tuple[URIRef, str]] = {}
        for src, name in (sources_graph or Graph()).subject_objects(DCTERMS.identifier):
            sha = sources_graph.value(src, CGT.sha256)
            self.known[str(name)] = (src, str(sha) if sha else "")

    def extract(self, path: Path, rel: str = ""):
        from cgtkg.loaders.text import extract_file

        t0 = time.time()
        source = None
        rel = rel or path.name
        if rel in self.known:
            iri, sha = self.known[rel]
            if sha and hashlib.sha256(path.read_bytes()).hexdigest() == sha:
                source = iri
        fr = extract_file(path, self.registry, self.base, max_bytes=self.max_bytes, source=source,
                          key=file_key(rel), rel=rel, budget_s=self.budget_s, _shared=self.shared)
        fr.report["seconds"] = round(time.time() - t0, 3)
        return fr


def corpus_report(corpus_dir: Path, file_reports: list[dict], problems: list[Problem],
                  skipped: list[dict] = (), timings: dict | None = None, text_bytes: int = 0,
                  extracted: list[tuple[int, float]] = ()) -> tuple[dict, list[str]]:
    """The corpus section of the build report, and its terminal summary: every input file
    once (built, empty, failed, quarantined or skipped), the time per stage and the
    extraction's speed on this text.

    ``text_bytes``: the corpus's size; ``extracted``: the size and extraction seconds of each
    text this build extracted. The speeds are over those texts only:
    ``extract_mb_per_s`` for the build, which waited ``timings["extract"]`` for them beside
    its other stages, ``extract_mb_per_s_per_process`` in the processes' own time (a rebuild
    that extracted one text reported the whole corpus's 45 MB "extracted" at 55 MB/s)."""
    from types import SimpleNamespace

    from cgtkg.loaders.text.corpus import CorpusResult, _totals, tool_version

    report = {
        "corpus": str(corpus_dir),
        "tool": tool_version(),
        "files": file_reports + list(skipped),
        "totals": _totals([SimpleNamespace(report=r) for r in file_reports], problems, skipped),
        "problems": [str(p) for p in problems],
        "text_mb": round(text_bytes / (1 << 20), 3),
    }
    files, mb = len(extracted), sum(n for n, _ in extracted) / (1 << 20)
    report["extracted_files"], report["extracted_mb"] = files, round(mb, 3)
    if timings and timings.get("extract") and mb:
        report["extract_mb_per_s"] = round(mb / timings["extract"], 3)
    if (own := sum(t for _, t in extracted)) and mb:
        report["extract_mb_per_s_per_process"] = round(mb / own, 3)
    lines = CorpusResult(report=report).summary_lines()
    if timings:
        speeds = [f"{report[key]} MB/s {what}" for key, what in (("extract_mb_per_s", "for the build"),
                                                                  ("extract_mb_per_s_per_process", "in each process"))
                  if key in report]
        lines.append("stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
                     + f"; extracted {files} file(s), {report['extracted_mb']} of {report['text_mb']} MB of text"
                     + (f" ({'; '.join(speeds)})" if speeds else ""))
    return report, lines


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB.

    On Linux from /proc/self/status (VmHWM): getrusage's ru_maxrss keeps the high-water mark
    of the process before it exec'd, so a build started by a large parent (the benchmark)
    would report the parent's size. Elsewhere ru_maxrss (KB on Linux, bytes on macOS).
    """
    import resource
    import sys

    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


def _problem_dict(p: Problem) -> dict:
    return {"file": str(p.file) if p.file else None, "line": p.line, "message": p.message, "severity": p.severity}


def _end_batch() -> None:
    """Free a batch's reference cycles (rdflib graphs, pySHACL's objects) in one collection,
    then freeze what survives (reports, registry) so later collections skip it.

    With automatic collection, full collections ran several times a batch over a heap that
    grows with every report kept: a fifth of a 3,000-text build, more per text as the corpus
    grows (benchmarks/run.py).

    Then the C heap's free pages go back to the system: glibc keeps what a batch freed
    (about 100 MB of rdflib and pySHACL objects per batch), which the next batch reuses
    but which otherwise stays resident to the end of the build.
    """
    gc.collect()
    gc.freeze()
    _trim_heap()


def _trim_heap() -> None:
    """``malloc_trim(0)`` where the C library has it (glibc); nothing elsewhere."""
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        _MALLOC_TRIM = False
        try:
            import ctypes
            import ctypes.util

            _MALLOC_TRIM = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            pass
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM = None


def _restore_gc(enabled: bool) -> None:
    gc.unfreeze()
    if enabled:
        gc.enable()


# A build compacts the store once at least this share of the named graphs was rewritten or
# removed since the last compaction (every full build; the manifest counts the rebuilds'
# changes): a rebuild of a few documents leaves it, since compacting 10,000 texts' store
# takes longer (25-36 s) than the whole rebuild (14-16 s) and its checkpoint keeps the
# files already compacted, but many such rebuilds in a row do not pile up files forever.
COMPACT_SHARE = 0.1


def worth_compacting(changed: int, units: int) -> bool:
    """Whether a build that (re)wrote or removed ``changed`` of ``units`` named graphs
    compacts the store."""
    return changed > 0 and changed >= COMPACT_SHARE * units


def _make_unit(u: Unit, registry: Graph, sources_graph: Graph, extractor) -> UnitOutput:
    if u.kind == "registry":
        return UnitOutput([(u.graph, registry)])
    if u.kind == "sources":
        return UnitOutput([(u.graph, sources_graph)])
    if u.kind == "text":
        fr = extractor.extract(u.path, u.rel)
        graphs = [(u.graph, fr.graph)] if fr.graph is not None else []
        return UnitOutput(graphs, fr.problems, {}, fr.report)
    raise AssertionError(u.kind)


# Shapes whose targets live only in the registry. They are checked when the registry itself
# is (re)built; batches of documents skip them instead of re-validating every agency and
# scheme once per batch. (pySHACL's own focus_nodes option would do this, but it also
# filters the literal value nodes of qualified shapes and so reports false violations.)
REGISTRY_ONLY_SHAPES = ("AgencyShape", "SchemeBroaderShape", "RegionShape", "RegionLevelLinkShape")

# Shapes that only curated records can trip, left out of batches that hold nothing but
# extracted texts: CuratedDocumentShape ("not curated, or an English title, a type and one
# value of each date", which holds DocumentSingleDate) would test every extracted document
# for a curation it never has; the text loaders write every document as generated by the
# extraction activity (loaders/text/rdf.py). Within one text the loader keeps one date of
# each kind per document and reports a second one as a data-quality note
# (loaders/text/common.add_date); two texts that give one document two dates are two graphs,
# in one batch or two, and record_text_conflicts records that conflict once every text is in
# the store.
CURATED_ONLY_SHAPES = ("CuratedDocumentShape",)


def document_shapes(shapes: Graph, untargeted: tuple[str, ...] = REGISTRY_ONLY_SHAPES) -> Graph:
    """``shapes`` with the ``untargeted`` shapes' targets removed (they then check nothing)."""
    trimmed = Graph()
    for triple in shapes:
        trimmed.add(triple)
    for name in untargeted:
        shape = URIRef(f"https://w3id.org/cgt-kg/shapes#{name}")
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            trimmed.remove((shape, p, None))
    return trimmed


def text_shapes(shapes: Graph) -> Graph:
    """The shapes a batch of extracted texts only is validated against."""
    return document_shapes(shapes, REGISTRY_ONLY_SHAPES + CURATED_ONLY_SHAPES)


def shapes_read_namespace(shapes: Graph, namespace: str) -> bool:
    """Whether any shape could read triples of ``namespace``: an IRI of it anywhere in the
    shapes graph, or its IRI in any literal (a SPARQL constraint's text, a prefix declaration)."""
    return any(namespace in str(term) for triple in shapes for term in triple)


def _without_annotations(triples) -> list:
    """The triples minus Web Annotation provenance (an ``oa:`` predicate, or typed with an
    ``oa:`` class): about three in four of an extracted graph's triples."""
    oa, rdf_type = str(OA), RDF.type
    return [t for t in triples
            if not (t[1].startswith(oa) or (t[1] == rdf_type and t[2].startswith(oa)))]


def _with_lines(violations: list[Violation], graphs: dict, texts: dict[str, Unit],
                reports: dict[str, dict]) -> list[Violation]:
    """A text's violations name the text's file and the line of the focus: a document's from
    the file report, a provision's from its ``cgt:sourceLocator`` ("… (line 12 of file)"),
    read while the batch's graphs are at hand."""
    import re

    for v in violations:
        u = texts.get(v.origin or "")
        if u is None:
            continue
        v.file = u.path
        docs = (reports.get(v.origin) or {}).get("documents", [])
        v.line = next((d.get("line") or None for d in docs if d.get("iri") == v.focus), None)
        g = graphs.get(URIRef(v.origin))
        if v.line is None and g is not None:
            for s_, p_, o_ in written_triples(g):
                if p_ == CGT.sourceLocator and str(s_) == v.focus:
                    m = re.search(r"\(line (\d+)", str(o_))
                    v.line = int(m.group(1)) if m else None
                    break
    return violations


def quarantine(store: GraphStore, violations: list[Violation], texts: dict[str, Unit],
               reports: dict[str, dict], written: dict[str, int]
               ) -> tuple[list[Violation], dict[str, list[Violation]]]:
    """Take out of the new generation every text whose extracted graph violates the shapes.

    One bad file (an untitled document, a bad date) never fails the whole build: its graph is
    removed from the store and from the outputs, its report says ``quarantined`` with the
    violations, and each violation becomes an error naming the file and line. Violations of
    curated records or the registry are returned and fail the build as before."""
    kept: list[Violation] = []
    held: dict[str, list[Violation]] = {}
    for v in violations:
        if v.origin in texts:
            held.setdefault(v.origin, []).append(v)
        else:
            kept.append(v)
    for g, vs in held.items():
        store.ox.remove_graph(ox.NamedNode(g))
        written.pop(g, None)
        report = reports.setdefault(g, {"file": texts[g].rel})
        report["status"] = "quarantined"
        report["reason"] = f"{len(vs)} SHACL violation(s); the text's graph was not published"
        report["violations"] = [str(v) for v in vs]
    return kept, held


def _quarantined(u: Unit, v: Violation) -> Problem:
    """A quarantined text's violation as an error naming the file and line."""
    return Problem(u.path, v.line, f"quarantined: {v.message}" + (f" [{v.shape}]" if v.shape else "")
                   + f" at {v.focus}" + (f" ({v.path})" if v.path else ""), "error")


def _validate_batch(produced: list[tuple[URIRef, Graph]], context: list[Graph], shapes: Graph,
                    doc_shapes: Graph, origins: dict, *, skip_annotations: bool = False,
                    texts_shapes: Graph | None = None, layer: tuple | None = None) -> list[Violation]:
    """Validate a batch of named graphs together with the context graphs they point into
    (registry and source list); the full shapes apply only when the registry is rebuilt.
    ``texts_shapes`` (see :func:`text_shapes`) replace ``doc_shapes`` for a batch that the
    caller knows holds extracted texts only.

    ``layer``: the context graphs already indexed (:func:`cgtkg.graph.triples.indexed_layer`,
    made once per build); the batch's triples are layered over it instead of copying the
    context into every batch's data graph (made here when not given).

    ``skip_annotations``: no shape reads the ``oa:`` vocabulary (the build checks it with
    :func:`shapes_read_namespace`), so the Web Annotation triples are left out of pySHACL's
    copy: the same results, from a quarter of the triples (rdflib's ``Graph.add`` costs about
    12 us a triple, and copying a 200-text batch took longer than validating it)."""
    if not produced:
        return []
    with_registry = any(g is context[0] for _, g in produced)
    base, in_base = layer if layer is not None else indexed_layer(context)
    store = LayeredStore(base, in_base)
    data = PreparedQueryGraph(store=store)
    put = store.put
    graph_of: dict = {}
    for iri, g in produced:
        triples = written_triples(g)  # an extracted graph's own indexes are never built
        for s, _, _ in triples:
            graph_of.setdefault(s, iri)
        if skip_annotations:
            triples = _without_annotations(triples)
        for triple in triples:
            put(triple)
    batch_shapes = shapes if with_registry else texts_shapes if texts_shapes is not None else doc_shapes
    return validate_graph(data, batch_shapes, origins, graph_of,
                          scratch=True)


# Each SPARQL text of the shapes, parsed and translated once per process (by the text and the
# namespaces it was read with): see PreparedQueryGraph.
_PREPARED: dict = {}


class PreparedQueryGraph(Graph):
    """An rdflib graph that parses each SPARQL text once (per process: every batch's data
    graph shares the prepared queries, a tenth of a second per text and batch saved).

    pySHACL runs a SPARQL-based constraint once per focus node, with ``$this`` passed as an
    initial binding but the same query text each time, and rdflib parses that text again on
    every call: parsing was two thirds of a batch's pySHACL time on real text (340 relation
    nodes, 30 ms a parse; issue 25).  Here a text is parsed and translated once, with the
    namespaces :meth:`Graph.query` would use, and the prepared query evaluated with the
    bindings of each call: the same algebra, so the same rows."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._prepared = _PREPARED

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
        if isinstance(query_object, str) and processor == "sparql" and not kwargs.get("base"):
            from rdflib.plugins.sparql.algebra import translateQuery
            from rdflib.plugins.sparql.parser import parseQuery

            ns_map = initNs or dict(self.namespaces())
            key = (query_object, tuple(sorted((k, str(v)) for k, v in ns_map.items())))
            prepared = self._prepared.get(key)
            if prepared is None:
                prepared = self._prepared[key] = translateQuery(parseQuery(query_object), None, ns_map)
            query_object = prepared
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided,
                             **kwargs)


def _store_add(graph: Graph) -> Callable[[tuple], None]:
    """A function adding one triple to ``graph``, through its store when that is rdflib's
    ``Memory`` (the default): ``Graph.add`` checks each term's type first, which cost as
    much as the store's own work, and the triples here come from graphs that hold RDF terms
    only. Copying a batch into pySHACL's data graph was half of the validate stage on real
    text (issue 25)."""
    store = graph.store
    if type(store) is not Memory:
        return graph.add
    add = Memory.add

    def put(triple: tuple) -> None:
        add(store, triple, graph, False)

    return put


_LINK_PREFIXES = """
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
# The date properties a document has one value of (ELI's local names), and the records' name
# of each (loaders.records.DATE_FIELDS), which names a conflict: <doc>/conflict/in-force.
_DATE_NAMES = {str(prop).rsplit("#", 1)[1]: name for name, prop in DATE_FIELDS.items()}
# Two steps, as in date-conflict-unrecorded-violation: the documents with two values of a
# date (one index scan a property), then each one's values and where they are stated. As one
# query, the GRAPH pattern with the property as a variable scanned the store (16-38 s at
# 10,000 texts, against 0.05 s).
_DATED_TWICE = _LINK_PREFIXES + """
SELECT DISTINCT ?document ?property
WHERE {
""" + "\n  UNION\n".join(
    f"  {{ {{ SELECT ?document WHERE {{ ?document eli:{p} ?d }} GROUP BY ?document "
    f"HAVING (COUNT(DISTINCT ?d) > 1) }} VALUES ?property {{ eli:{p} }} }}" for p in _DATE_NAMES) + """
}"""
_DATED_WHERE = _LINK_PREFIXES + """
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
SELECT ?document ?property ?value ?g ?source ?start
WHERE {
  GRAPH ?g { ?document ?property ?value ; prov:hadPrimarySource ?source }
  OPTIONAL {
    GRAPH ?g {
      ?a cgt:concerns ?document ; cgt:onProperty ?on ; oa:bodyValue ?said ; oa:hasTarget ?t .
      ?t oa:hasSelector ?pos . ?pos oa:start ?start .
    }
    FILTER (?on = ?property && STR(?said) = STR(?value))
  }
}"""


def record_text_conflicts(store: GraphStore, graph: URIRef, base: str, text_paths: dict[str, Path],
                          max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """Two texts that date one extracted document differently: keep both values and record
    the disagreement, as a curator records it in a record (a ``cgt:SourceConflict`` with one
    ``cgt:Claim`` per value, each derived from its text's source), into ``graph``; and warn,
    naming each text and the line of its date. A document whose values come from curated
    records too is left alone: a record's conflict is the curator's to record, and the
    ``date-conflict-unrecorded-violation`` check fails the build until it is."""
    from rdflib.namespace import XSD

    extracted = f"{base}graph/extracted/"
    seen: dict[tuple, dict] = {}
    pairs = store.query(_DATED_TWICE)
    for r in (row for pair in pairs for row in store.query(_DATED_WHERE, pair)):
        claims = seen.setdefault((r["document"], r["property"]), {})
        g = str(r["g"])
        key = (str(r["value"]), g)
        start = r.get("start")
        if key not in claims or (start is not None and claims[key][1] is None):
            claims[key] = (r["source"], int(start) if start is not None else None)
    triples: list[tuple] = []
    problems: list[Problem] = []
    locate = ClaimLocator(text_paths, max_bytes)
    for (document, prop), claims in sorted(seen.items()):
        if not all(g.startswith(extracted) for _, g in claims):
            continue
        said = []  # (value, text file name, line, path), the claims in the same order
        claimed = []  # (value literal, source, source key), for source_conflict
        for (value, g), (source, start) in sorted(claims.items()):
            skey = str(source).rsplit("/", 1)[1]
            claimed.append((Literal(value, datatype=XSD.date), source, skey))
            said.append((value, *locate(g, start, skey)))
        name = _DATE_NAMES[str(prop).rsplit("#", 1)[1]]
        triples += source_conflict(document, name, prop, claimed, base, "Texts",
                                   labels=[w for _, w, _, _ in said])
        _, _, line, path = said[-1]
        what = name.replace("_", " ")
        problems.append(Problem(path, line, (
            f"{document} is given different {what} dates: "
            + ", ".join(f"{v} by {w}" + (f" line {n}" if n else "") for v, w, n, _ in said)
            + "; both kept, with a source conflict recording them"), "warning"))
    if triples:
        store.add_graph(graph, triples)
    return problems


# ------------------------------------------------------------------ outputs
#
# graph.trig and graph.ttl are one block per named graph, in graph order, after one set of
# @prefix lines.  Each batch's writer thread serialises the batch's graphs' blocks into the
# generation's fragments/ folder from the N-Quads it has just written (write_batch_fragments);
# the assembly then copies the blocks into the two files and records where each block lies
# (the manifest's "trig" and "ttl" [offset, length] per unit).  A rebuild serialises only
# what it rewrote (and the links graph) and copies every other block from the published
# generation's files at its recorded place: one sequential read of two files, instead of
# re-reading and re-serialising the whole store (29 of the 37 s of a one-text rebuild at
# 1,000 texts) or opening one fragment file per graph.  The fragments folder is removed once
# assembled.  graph.ttl is the blocks' triples one after the other: a triple that two named
# graphs hold is written twice, which any RDF parser reads as one.  A graph's TriG block is
# its Turtle block inside ``<graph> { ... }``.

FRAGMENTS = "fragments"
OUTPUT_FILES = ("trig", "ttl")


def _fragment(graph: str) -> str:
    return hashlib.sha256(graph.encode("utf-8")).hexdigest()[:32]


def _without_prefixes(data: bytes) -> bytes:
    """A serialisation minus its leading ``@prefix`` lines (the assembled file has them once)."""
    start = 0
    while data.startswith(b"@prefix ", start):
        start = data.index(b"\n", start) + 1
    return data[start:]


def _write_fragment(store: ox.Store, graph: str, folder: Path, prefixes: dict) -> None:
    """``graph``'s blocks of graph.ttl and graph.trig, from ``store`` (Oxigraph's own Turtle
    writer, which runs without holding the GIL)."""
    name = _fragment(graph)
    ttl = _without_prefixes(store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.NamedNode(graph),
                                       prefixes=prefixes) or b"")
    (folder / f"{name}.ttl").write_bytes(ttl)
    (folder / f"{name}.trig").write_bytes(b"%s {\n%s}\n" % (str(ox.NamedNode(graph)).encode(), ttl))


def _serialise_graph(store: ox.Store, graph: str, folder: Path, prefixes: dict) -> int:
    _write_fragment(store, graph, folder, prefixes)
    return graph_triples(store, graph)


def write_batch_fragments(batch: NQuads, gen: Path, prefixes: dict) -> dict[str, int]:
    """The fragments of the graphs of one batch, from the N-Quads just written to the store.

    Reading them back from the on-disk store cost about 13 us per quad (every term's string
    is a lookup there): 146 of the 620 seconds of a 10,000-text build (benchmarks/run.py).
    The batch is loaded into an in-memory Oxigraph store instead, which keeps every literal
    in the same canonical form as the on-disk one, so a fragment says what the store holds.
    Returns the number of triples per graph the store holds (the build's statistics add them
    up): the batch's line counts, unless two lines became one quad (terms Oxigraph stores
    alike, such as ``"7"^^xsd:nonNegativeInteger`` and ``"7"^^xsd:integer``), then counted in
    the store."""
    folder = gen / FRAGMENTS
    folder.mkdir(exist_ok=True)
    scratch = ox.Store()
    scratch.bulk_load(batch.data(), format=ox.RdfFormat.N_QUADS)
    counts = {g: n for g, n in batch.triples.items() if n}
    if len(scratch) != sum(counts.values()):
        counts = {g: n for g in counts if (n := graph_triples(scratch, g))}
    for g in counts:
        _write_fragment(scratch, g, folder, prefixes)
    return counts


def _write_batch(store: GraphStore, batch: NQuads, gen: Path, prefixes: dict) -> dict[str, int]:
    """The writer thread's work for one batch: the store, then the output fragments."""
    store.write_nquads(batch)
    return write_batch_fragments(batch, gen, prefixes)


def _flush_run(old: int | None, out, run: list[int], pos: int) -> int:
    """Append the pending run of reused blocks (``[offset, length]`` in ``old``) to ``out``,
    which is at ``pos``; returns the new end."""
    if not run:
        return pos
    out.flush()
    _copy_range(old, out.fileno(), *run)
    out.seek(0, os.SEEK_END)
    return pos + run[1]


def _copy_range(src: int, dst: int, offset: int, length: int) -> None:
    """``length`` bytes of file ``src`` from ``offset`` appended to ``dst`` (in the kernel
    where ``os.copy_file_range`` exists)."""
    while length > 0:
        if hasattr(os, "copy_file_range"):
            n = os.copy_file_range(src, dst, length, offset)
        else:  # pragma: no cover - not Linux
            n = os.write(dst, os.pread(src, min(length, 1 << 20), offset))
        if n <= 0:
            raise OSError(f"short copy: {length} bytes left at offset {offset}")
        offset += n
        length -= n


def previous_blocks(previous: Path | None, manifest: dict | None, graphs: set[str]) -> dict[str, dict]:
    """Where the published generation's graph.trig/graph.ttl hold each of ``graphs``, if
    those files are still the ones its manifest describes (same sizes); else nothing."""
    if previous is None or not manifest:
        return {}
    sizes = manifest.get("outputs") or {}
    for ext in OUTPUT_FILES:
        try:
            if (previous / f"graph.{ext}").stat().st_size != sizes.get(ext):
                return {}
        except OSError:
            return {}
    units = manifest.get("units", {})
    return {g: units[g] for g in graphs
            if g in units and all(ext in units[g] for ext in OUTPUT_FILES) and "triples" in units[g]}


def write_outputs(store: GraphStore, gen: Path, previous_dir: Path | None, reused: dict[str, dict],
                  prefixes: dict, written: dict[str, int] | None = None
                  ) -> tuple[dict[str, dict], dict[str, int]]:
    """``gen/graph.trig`` (one named graph per source) and ``gen/graph.ttl`` (merged).

    Each graph's block comes from the fragment this build wrote (``written``: graph ->
    triples, :func:`write_batch_fragments`), from the published generation's files in
    ``previous_dir`` (``reused``: graph -> its manifest entry, :func:`previous_blocks`), or
    is serialised from the store.  Returns, per non-empty graph, its triples and the
    ``[offset, length]`` of its block in each file; and the two files' sizes."""
    folder = gen / FRAGMENTS
    folder.mkdir(exist_ok=True)
    written = written or {}
    graphs = sorted(str(g) for g in store.named_graphs())
    triples: dict[str, int] = {}
    for g in graphs:
        if g in written:
            triples[g] = written[g]
        elif g in reused:
            triples[g] = reused[g]["triples"]
        else:
            triples[g] = _serialise_graph(store.ox, g, folder, prefixes)
    header = b"".join(line + b"\n" for line in ox.serialize(
        [ox.Triple(ox.NamedNode("urn:x"), ox.NamedNode("urn:x"), ox.NamedNode("urn:x"))],
        format=ox.RdfFormat.TURTLE, prefixes=prefixes).split(b"\n") if line.startswith(b"@prefix "))
    blocks: dict[str, dict] = {g: {"triples": n} for g, n in triples.items() if n}
    sizes: dict[str, int] = {}
    for ext in OUTPUT_FILES:
        old = os.open(previous_dir / f"graph.{ext}", os.O_RDONLY) if reused and previous_dir else None
        try:
            with open(gen / f"graph.{ext}", "wb") as out:
                out.write(header)
                pos = len(header)
                run: list[int] = []  # [offset, length] of reused blocks lying end to end in `old`
                for g, entry in blocks.items():
                    if g in reused and g not in written:
                        offset, length = reused[g][ext]
                        if run and run[0] + run[1] == offset:
                            run[1] += length  # one copy for the whole run, not one per graph
                        else:
                            pos = _flush_run(old, out, run, pos)
                            run = [offset, length]
                        entry[ext] = [pos + run[1] - length, length]
                    else:
                        pos = _flush_run(old, out, run, pos)
                        run = []
                        with open(folder / f"{_fragment(g)}.{ext}", "rb") as part:
                            shutil.copyfileobj(part, out, 1 << 20)
                        out.flush()
                        entry[ext] = [pos, out.tell() - pos]
                        pos = out.tell()
                sizes[ext] = _flush_run(old, out, run, pos)
        finally:
            if old is not None:
                os.close(old)
    shutil.rmtree(folder, ignore_errors=True)
    return blocks, sizes


def _fail_input(out_dir: Path, problems: list[Problem], errors: list[Problem] | None = None) -> BuildResult:
    res = BuildResult(EXIT_BAD_INPUT, out_dir, problems)
    _write_last(out_dir, res)
    return res


def _write_last(out_dir: Path, res: BuildResult) -> None:
    """``DIR/last-build.txt``: what the most recent build said, successful or not."""
    lines = [str(p) for p in res.problems]
    lines += [str(v) for v in res.violations]
    lines += [f"check {k} returned {n} row(s)" for k, n in res.failed_checks.items()]
    write_last_attempt(out_dir, res.exit_code, lines)


def write_last_attempt(out_dir: Path, code: int, lines: list[str]) -> None:
    """``DIR/last-build.txt`` for the latest attempt, whatever stopped it (a build that could
    not write its store included); never raises, since it runs while reporting a failure."""
    try:
        write_atomically(Path(out_dir) / "last-build.txt", "\n".join([f"exit code {code}", *lines]) + "\n")
    except OSError:
        pass


# ------------------------------------------------------------------ stats

def compute_stats(store: GraphStore) -> dict:
    """Counts people ask for first: every quad of the store (``triples``, counted on disk: 2.6 s
    at 10,000 texts), then :func:`store_counts`."""
    return {"triples": len(store), **store_counts(store)}


def store_counts(store: GraphStore) -> dict:
    """Documents, provisions, agencies, regions, links (the statistics but the quads, which a
    build adds up from its graphs' blocks instead).

    ``documents`` leaves out the texts' copies of the documents they only cite
    (``cited_copies``, ``cgt:CitedDocument``); ``citation_links`` counts ``eli:cites``.
    Every count leaves out the copies merged into a canonical node (``merged_copies``,
    ``cgt:canonical``): a document that a record and three texts describe counts once."""
    def count(where: str) -> int:
        rows = store.query(
            "PREFIX eli: <http://data.europa.eu/eli/ontology#> PREFIX org: <http://www.w3.org/ns/org#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX cgt: <https://w3id.org/cgt-kg/ontology#> "
            f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT * WHERE {{ {where} }} }}"
        )
        return int(rows[0]["n"])

    # a text's copy of a document it only cites is typed eli:LegalResource too, and stands
    # for a document rather than being one: counted on its own
    copies = count(f"?d a <{CGT.CitedDocument}>")
    # a copy of a document or provision (cgtkg/pipeline/resolve.py) counts through its canonical node
    own = f"MINUS {{ ?x <{CGT.canonical}> ?canonical }}"
    return {
        "named_graphs": len(store.named_graphs()),
        "documents": count(f"?x a eli:LegalResource {own} MINUS {{ ?x a <{CGT.CitedDocument}> }}"),
        "cited_copies": copies,
        "merged_copies": count(f"?x <{CGT.canonical}> ?canonical"),
        "citation_links": count(f"?x eli:cites ?d {own} MINUS {{ ?d <{CGT.canonical}> ?other }}"),
        "provisions": count(f"?x a eli:LegalResourceSubdivision {own}"),
        "agencies": count("?a a org:Organization"),
        "regions": count("?r skos:inScheme ?s FILTER STRENDS(STR(?s), '/scheme/regions')"),
        "therapy_types": count("?r skos:inScheme ?s FILTER STRENDS(STR(?s), '/scheme/therapies')"),
        "issuer_links": count(f"?x eli:passed_by ?a {own}"),
        "responsibility_links": count(f"?x cgt:responsibleAgency ?a {own}"),
        "region_links": count(f"?x eli:relevant_for ?r {own}"),
        "therapy_links": count(f"?x eli:is_about ?t {own}"),
    }
