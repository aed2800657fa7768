"""The build's extract stage over several processes: one text per task, results in order.

Extraction is pure Python (regular expressions, the linker, the RDF writer), so threads share
one core; a pool of processes uses them all.  Each worker process (started with ``spawn``, so
it holds no copy of the parent's store, threads or locks) gets the build's registry graph once (as
plain term states, :func:`encode_triples`: faster than parsing its Turtle files again), builds the
loaders' indexes once (``TextExtractor``), then extracts the files it is given and sends back
each one's triples, problems and report.  The parent rebuilds the same kind of graph the
loaders make (a write-once store, graph/triples.py) from the triples in the order they
were written, and takes the results in the order of the units, whatever order the workers
finish in: the store holds the same quads as a build in one process.

The parent asks for the next batch's texts (``prefetch``) before it derives, validates and
writes the current one, so extraction runs beside SHACL and the store writer.  Only two
batches' texts are ever requested at once, which bounds the results waiting in memory.

A text whose extraction fails is reported by the worker as it would be in one process (the
loaders catch it).  A worker that dies (killed, out of memory) breaks the whole pool: the
build then extracts that text and the rest in its own process and warns once.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from cgtkg.loaders.text.rdf import direct_literal

#: Fewer texts to extract than this are extracted in the build's own process. Starting a
#: worker (an interpreter, the imports, the registry parsed and indexed) took 3-10 s, and
#: below one batch (cgtkg/pipeline/build.py BATCH_UNITS) there is no next batch whose extraction could
#: overlap validation: with two workers, 10 and 100 texts of corpus-zh built slower than in
#: one process (docs/benchmarks.md, issue 25).  Measured again once the triples and the
#: registry travelled as plain term states (encode_triples): on 100 texts the two workers
#: spent 9.8 s of CPU and the build's process 1.9 s, against 5.0 s in one process (a
#: worker's start, imports and indexes, still costs about 1.7 s); on two idle cores that is
#: about even at 100 texts, so the threshold stays at one batch.
MIN_POOL_TEXTS = 200


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class SerialExtractor:
    """Extraction in the build's own process (``--jobs 1``, or a few texts)."""

    def __init__(self, extractor) -> None:
        self.extractor = extractor

    def prefetch(self, units) -> None:
        pass

    def extract(self, path: Path, rel: str = ""):
        return self.extractor.extract(path, rel)

    def close(self) -> None:
        pass


# ------------------------------------------------------------------ in a worker process

_WORKER = None  # this worker's TextExtractor


def _init_worker(registry: tuple, base: str, sources_nt: bytes, max_bytes: int,
                 budget_s: float | None) -> None:
    global _WORKER
    from cgtkg.pipeline.build import TextExtractor

    sources = Graph()
    if sources_nt:
        sources.parse(data=sources_nt, format="nt")
    _WORKER = TextExtractor(registry_graph(registry, base), base, sources,
                            max_bytes=max_bytes, budget_s=budget_s)


def registry_graph(encoded: tuple, base: str) -> Graph:
    """The build's registry graph from its :func:`encode_triples` form, prefixes bound as
    ``load_registry`` binds them.  A worker used to parse the registry's Turtle files again:
    about nine tenths of its start (3-4 s of CPU per worker)."""
    from cgtkg.graph import namespaces as ns

    g = Graph()
    g.addN((s, p, o, g) for s, p, o in decode_triples(encoded))
    return ns.bind_prefixes(g, base)


def _extract_in_worker(path: str, rel: str) -> tuple[tuple | None, list, dict]:
    from cgtkg.graph.triples import written_triples
    from cgtkg.pipeline.build import peak_rss_mb

    fr = _WORKER.extract(Path(path), rel)
    triples = encode_triples(written_triples(fr.graph)) if fr.graph is not None else None
    fr.report["worker_peak_rss_mb"] = peak_rss_mb()  # this worker's own, so far
    return triples, fr.problems, fr.report


# ------------------------------------------------------------------ triples between processes
#
# Pickled as they are, rdflib terms are rebuilt through their constructors: URIRef() checks
# every IRI and Literal() searches its Python-to-XSD rules, once per term of every triple.
# Unpickling one text's triples took the build's process about as long as extracting the
# text had taken the worker, so two workers were slower than one process.  A text's triples
# travel instead as a table of its distinct term objects, each as its plain state (an IRI's
# string; a literal's lexical form, language, datatype, value and ill-typed flag), and the
# triples as indexes into that table; the build's process sets each term's state directly.
# The terms it rebuilds are equal to the worker's in every attribute (tests/loaders/
# test_fast_terms.py), and the triples come back in the order they were written.


def encode_triples(triples: list[tuple]) -> tuple[list, list[int]]:
    """(terms, indexes): each distinct term object once, in its plain state; three indexes
    per triple."""
    slot: dict[int, int] = {}  # id(term) -> its index (the terms live as long as ``triples``)
    terms: list = []
    flat: list[int] = []
    add = flat.append
    for t in triples:
        for x in t:
            i = slot.get(id(x))
            if i is None:
                i = slot[id(x)] = len(terms)
                tx = type(x)
                if tx is URIRef:
                    terms.append(str(x))
                elif tx is Literal:
                    dt = x._datatype
                    terms.append((str(x), x._language, None if dt is None else str(dt), x._value,
                                  x._ill_typed))
                else:  # a blank node or another kind of term: pickled as it is
                    terms.append((x,))
            add(i)
    return terms, flat


def decode_triples(encoded: tuple[list, list[int]]) -> list[tuple]:
    """The triples :func:`encode_triples` encoded, with equal terms, in the same order."""
    terms, flat = encoded
    made: list = []
    new = str.__new__
    for s in terms:
        if type(s) is str:
            made.append(new(URIRef, s))
        elif len(s) == 5:
            lex, lang, dt, value, ill = s
            made.append(direct_literal(lex, value, None if dt is None else new(URIRef, dt), lang, ill))
        else:
            made.append(s[0])
    it = iter([made[i] for i in flat])
    return list(zip(it, it, it))


# ------------------------------------------------------------------ in the build's process


class _Result:
    """What the build reads of a loaders.text.FileResult."""

    __slots__ = ("graph", "problems", "report")

    def __init__(self, graph, problems, report) -> None:
        self.graph, self.problems, self.report = graph, problems, report


class PoolExtractor:
    """Extraction in ``jobs`` worker processes; ``extract`` returns a file's result once its
    worker is done with it, in whatever order the build asks."""

    def __init__(self, plan, jobs: int) -> None:
        o = plan.options
        self.plan = plan
        self.base = o.base
        self.serial: SerialExtractor | None = None  # once a worker died: the rest in this process
        nt = plan.sources_graph.serialize(format="nt", encoding="utf-8") if len(plan.sources_graph) else b""
        self.pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
            initargs=(encode_triples(list(plan.registry)), o.base, nt, o.max_text_bytes, o.max_text_seconds))
        self.futures: dict[tuple[str, str], Future] = {}

    def prefetch(self, units) -> None:
        if self.serial is not None:
            return
        for u in units:
            if u.kind == "text":
                key = (str(u.path), u.rel)
                if key not in self.futures:
                    self.futures[key] = self.pool.submit(_extract_in_worker, str(u.path), u.rel)

    def extract(self, path: Path, rel: str = ""):
        from cgtkg.loaders.text.rdf import new_graph

        if self.serial is not None:
            return self.serial.extract(path, rel)
        key = (str(path), rel)
        if key not in self.futures:
            self.prefetch([_Text(path, rel)])
        t0 = time.time()
        try:
            triples, problems, report = self.futures.pop(key).result()
        except BrokenProcessPool:
            return self._without_workers(path, rel)
        report["waited_s"] = round(time.time() - t0, 3)
        graph = None
        if triples is not None:
            graph = new_graph(self.base)
            graph.store.put_all(decode_triples(triples))
        return _Result(graph, problems, report)

    def _without_workers(self, path: Path, rel: str):
        """A worker process died (killed, out of memory): the pool is unusable, so this text
        and every later one are extracted in the build's own process, with a warning; the
        build's output is the same."""
        from cgtkg.graph.errors import Problem
        from cgtkg.pipeline.build import TextExtractor

        self.close()
        o = self.plan.options
        self.serial = SerialExtractor(TextExtractor(self.plan.registry, o.base, self.plan.sources_graph,
                                                    max_bytes=o.max_text_bytes, budget_s=o.max_text_seconds))
        fr = self.serial.extract(path, rel)
        fr.problems.append(Problem(path, None, "an extraction worker process stopped (killed or out of "
                                   "memory) while this text was extracted or waited for; it and the texts "
                                   "after it were extracted in the build's own process", "warning"))
        return fr

    def close(self) -> None:
        for f in self.futures.values():
            f.cancel()
        self.futures.clear()
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Text:
    kind = "text"

    def __init__(self, path: Path, rel: str) -> None:
        self.path, self.rel = path, rel


@contextlib.contextmanager
def make_extractor(plan, texts: list, jobs: int):
    """The extractor for ``texts`` (the units the build will extract): a pool of ``jobs``
    processes, or this process for one job or a few texts; closed on leaving."""
    if not texts:
        yield None
        return
    if jobs > 1 and len(texts) >= MIN_POOL_TEXTS:
        ex = PoolExtractor(plan, min(jobs, len(texts)))
    else:
        from cgtkg.pipeline.build import TextExtractor

        o = plan.options
        ex = SerialExtractor(TextExtractor(plan.registry, o.base, plan.sources_graph,
                                           max_bytes=o.max_text_bytes, budget_s=o.max_text_seconds))
    try:
        yield ex
    finally:
        ex.close()

