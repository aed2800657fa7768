"""One benchmark run: how the build and the store scale with the number of documents.

For each size N (default 100, 1,000 and 10,000) it generates a synthetic corpus
(benchmarks/generate.py) and measures, each stage on its own:

* extraction throughput: the build's ``extract`` stage, MB of text per second, one core;
* store writing: ``GraphStore.add_graphs`` (the build's conversion and write in one call) against
  raw ``pyoxigraph.Store.bulk_extend`` of the same quads and rdflib's in-memory ``Dataset``;
  and two ceilings: Oxigraph's own bulk loader fed N-Quads bytes, and an in-memory Oxigraph;
* SHACL: the build's per-batch validation, and the same after one changed document;
* every saved query's p50/p95 latency through ``graph.query.run_local`` on the built store,
  against the same text on raw pyoxigraph and on rdflib's in-memory Dataset;
* end to end: a full build (text -> extraction -> store -> SHACL -> exports) in a child
  process, documents per second and the child's peak RSS;
* incremental: the build after one document changes, against the full build.

Comparisons are made within one run because the machine is shared and noisy.  Targets are
checked at the largest size and printed PASS/FAIL beside the numbers.

    python -m benchmarks.run --sizes 100,1000,10000 --json out/bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # `python benchmarks/run.py` as well as `-m benchmarks.run`
    sys.path.insert(0, str(REPO_ROOT))

# Targets at the largest size (issue #6).
SMALL_ANSWER = 1000  # rows: queries answering more are reported apart (see summarise)
TARGETS = {
    "store_vs_raw": 0.5,  # GraphStore.add_graphs rate >= 50% of raw pyoxigraph
    "store_vs_rdflib": 5.0,  # ... and >= 5x rdflib's in-memory Dataset
    "query_vs_raw": 1.5,  # each saved query's p50 <= 1.5x raw pyoxigraph
    "query_vs_rdflib": 10.0,  # median over queries of rdflib p50 / project p50 >= 10
    "query_p50_ms": 100.0,  # each saved query's p50 < 100 ms
    "extract_mb_s": 2.0,
    "memory_growth": 2.0,  # peak RSS at the largest size <= 2x the size before it
    "incremental": 20.0,  # full build / rebuild after one change >= 20
    "network_s": 5.0,  # `cgtkg network` end to end, in its own process (issue #25)
    "network_kept_s": 5.0,  # the same, asked again on the same build (its files kept)
}


# ------------------------------------------------------------------ a snapshot of the code
#
# Other people edit this working tree while a run takes its half hour: a registry or shape
# file changed between a full build and the rebuild would make every unit look changed.
# So the run copies the code and data it measures once, at the start, and every build,
# query and child process uses that copy.

SNAPSHOT_DIRS = ("cgtkg", "graph", "loaders", "ontology", "data", "queries", "benchmarks")
_code_root = REPO_ROOT


def code_root() -> Path:
    return _code_root


def snapshot(dest: Path) -> Path:
    """Copy what a build reads into ``dest`` and import the project from there."""
    global _code_root
    leaked = [m for m in ("cgtkg",) if m in sys.modules]
    if leaked:
        raise RuntimeError(f"snapshot taken after {leaked} were imported")
    for d in SNAPSHOT_DIRS:
        shutil.copytree(REPO_ROOT / d, dest / d,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "out"))
    sys.path.insert(0, str(dest))
    _code_root = dest
    return dest


# ------------------------------------------------------------------ child: one build


def child_build(out_dir: Path, corpus: Path, incremental: bool) -> dict:
    """Run one build in this (child) process and describe it as JSON-able data."""
    from cgtkg.pipeline.build import BuildOptions, build, peak_rss_mb

    t0 = time.perf_counter()
    res = build(BuildOptions(out_dir=out_dir, corpus_dir=corpus, source_texts_dir=None),
                incremental=incremental)
    seconds = time.perf_counter() - t0
    return {
        "exit_code": res.exit_code,
        "seconds": seconds,
        "timings": res.report.get("timings_s", {}),
        "peak_rss_by_stage": res.report.get("peak_rss_mb", {}),
        "units": res.report.get("units", {}),
        "stats": res.stats,
        "extracted": res.report.get("corpus", {}).get("totals", {}),
        "problems": len(res.problems),
        "violations": [str(v) for v in res.violations[:5]],
        "failed_checks": res.failed_checks,
        # VmHWM, not ru_maxrss: ru_maxrss keeps the high-water mark from before exec, i.e.
        # the benchmark parent's size at the moment it started this child
        "max_rss_mb": peak_rss_mb(),
    }


def run_child_build(out_dir: Path, corpus: Path, incremental: bool) -> dict:
    """A build in a fresh interpreter, so that its peak RSS is its own."""
    cmd = [sys.executable, "-m", "benchmarks.run", "--child-build", str(out_dir), str(corpus)]
    if incremental:
        cmd.append("--incremental")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=code_root(), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"child build failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_seconds"] = wall
    if out["exit_code"] != 0:
        raise RuntimeError(f"build of {corpus} exited {out['exit_code']}: "
                           f"{out['violations']} {out['failed_checks']}")
    return out


# ------------------------------------------------------------------ store writing


def store_writing(store_dir: Path, work: Path, batch_units: int, total: int,
                  sample: int, keep_rdflib: int) -> tuple[dict, object]:
    """Write the built store's quads three ways, batch by batch as the build does.

    Only the writes are timed; turning the quads into each library's terms is set-up.  Above
    ``sample`` triples every k-th batch is written (the same batches for the three), which
    keeps a 10,000-text run within the hour; rates are per triple either way.  The rdflib
    Dataset is returned for the query comparison when it holds at most ``keep_rdflib``
    triples; above that each batch goes into a fresh Dataset (an in-memory Dataset costs
    about 1.7 KB per triple, so the whole store would not fit in memory).
    """
    import pyoxigraph as ox
    from cgtkg.graph.store import GraphStore, to_rdflib
    from cgtkg.graph.triples import WriteOnceStore
    from rdflib import Dataset, Graph, URIRef

    src = ox.Store.read_only(str(store_dir))
    graphs = sorted(g.value for g in src.named_graphs())
    batches = [graphs[i:i + batch_units] for i in range(0, len(graphs), batch_units)]
    step = min(len(batches), max(1, -(-total // sample))) if sample else 1
    batches = batches[::step]
    keep = step == 1 and total <= keep_rdflib
    project = GraphStore(work / "project-store")
    raw = ox.Store(str(work / "raw-store"))
    # ceilings: the same quads as N-Quads bytes through Oxigraph's own bulk loader (no Python
    # object per quad), and into an in-memory Oxigraph store
    raw_load = ox.Store(str(work / "raw-load-store"))
    memory = ox.Store()
    ds = Dataset(default_union=True)
    t_project = t_raw = t_rdflib = t_load = t_memory = 0.0
    triples = 0
    for batch in batches:
        quads = [q for g in batch for q in src.quads_for_pattern(None, None, None, ox.NamedNode(g))]
        triples += len(quads)
        if not keep:
            ds = Dataset(default_union=True)
        # the graphs as the text loader hands them to the build: over its write-once store
        # (loaders/text/rdf.py), whose triples are read back as written
        rdf_graphs: dict[str, Graph] = {g: Graph(WriteOnceStore(), identifier=URIRef(g)) for g in batch}
        contexts = {g: ds.graph(URIRef(g)) for g in batch}
        rdf_quads = []
        for q in quads:
            t = (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            rdf_graphs[q.graph_name.value].store.put(t)
            rdf_quads.append((*t, contexts[q.graph_name.value]))
        items = [(URIRef(g), rdf_graphs[g]) for g in batch]

        t0 = time.perf_counter()
        project.add_graphs(items)
        t_project += time.perf_counter() - t0

        t0 = time.perf_counter()
        raw.bulk_extend(quads)
        t_raw += time.perf_counter() - t0

        t0 = time.perf_counter()
        ds.addN(rdf_quads)
        t_rdflib += time.perf_counter() - t0

        nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        t0 = time.perf_counter()
        raw_load.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        t_load += time.perf_counter() - t0

        t0 = time.perf_counter()
        memory.bulk_extend(quads)
        t_memory += time.perf_counter() - t0
        del quads, rdf_graphs, rdf_quads, items, nquads
    t0 = time.perf_counter()
    project.flush()
    t_project += time.perf_counter() - t0
    t0 = time.perf_counter()
    raw.flush()
    t_raw += time.perf_counter() - t0
    t0 = time.perf_counter()
    raw_load.flush()
    t_load += time.perf_counter() - t0
    sizes = {"project": len(project), "raw bulk_extend": len(raw), "raw bulk_load": len(raw_load),
             "in-memory": len(memory)}
    if set(sizes.values()) != {triples}:
        raise RuntimeError(f"store sizes differ: {sizes}, source {triples}")
    del project, raw, raw_load, memory, src
    return {
        "triples": triples, "batches": len(batches), "every_kth_batch": step,
        "rdflib_kept": keep,
        "project_s": t_project, "raw_s": t_raw, "rdflib_s": t_rdflib,
        "project_rate": triples / t_project, "raw_rate": triples / t_raw,
        "rdflib_rate": triples / t_rdflib,
        "load_s": t_load, "memory_s": t_memory,
        "load_rate": triples / t_load, "memory_rate": triples / t_memory,
    }, (ds if keep else None)


# ------------------------------------------------------------------ queries


class QueryTimeout(BaseException):
    """Raised by the alarm inside a slow rdflib query (a BaseException, so that library
    code catching Exception cannot swallow it)."""


def _alarm(signum, frame):
    raise QueryTimeout()


def timed(fn: Callable[[], int], reps: int, budget_s: float, cap_s: float | None = None
          ) -> tuple[list[float], int] | None:
    """Run ``fn`` (which returns a row count) once to warm up, then up to ``reps`` times
    (at least 3) while within ``budget_s``.  A warm-up slower than the budget is the only
    sample; None when one run exceeds ``cap_s`` (only pure-Python code can be interrupted,
    so the cap is for rdflib; native engines are capped by killing their process)."""
    def once() -> tuple[float, int]:
        if cap_s:
            signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, cap_s)
        try:
            t0 = time.perf_counter()
            n = fn()
            return time.perf_counter() - t0, n
        finally:
            if cap_s:
                signal.setitimer(signal.ITIMER_REAL, 0)

    try:
        first, rows = once()
        if first >= budget_s:
            return [first], rows
        times: list[float] = []
        spent = first
        while len(times) < reps and (len(times) < 3 or spent < budget_s):
            dt, rows = once()
            times.append(dt)
            spent += dt
    except QueryTimeout:
        return None
    return times, rows


def _pct(times: list[float], q: float) -> float:
    s = sorted(times)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def example_params(query) -> dict[str, str]:
    """Values for required parameters, taken from the query's own first example call."""
    import shlex

    given: dict[str, str] = {}
    for ex in query.examples[:1]:
        words = shlex.split(ex)
        for a, b in zip(words, words[1:]):
            if a == "--param" and "=" in b:
                k, v = b.split("=", 1)
                given[k] = v
    return {k: v for k, v in given.items() if k in query.params and query.params[k].required}


def _bound_query(name: str):
    """A saved query and its bindings: defaults, plus the example's values for required ones."""
    from cgtkg.graph.query import load, resolve_bindings

    q = load(name)
    return q, resolve_bindings(q, example_params(q))


def _rows(result) -> int:
    if result.boolean is not None:
        return int(result.boolean)
    return len(result.graph) if result.graph is not None else len(result.rows)


def engine_runner(store, engine: str, name: str) -> Callable[[], int]:
    """The timed call for one query on the project's store or on raw pyoxigraph."""
    import pyoxigraph as ox
    from cgtkg.graph.query import run_local
    from cgtkg.graph.store import to_ox

    q, bindings = _bound_query(name)
    if engine == "project":
        return lambda: _rows(run_local(store, q, bindings))
    subs = {ox.Variable(k): to_ox(v) for k, v in bindings.items()} or None

    def raw() -> int:
        res = store.ox.query(q.text, use_default_graph_as_union=True, substitutions=subs)
        if isinstance(res, ox.QueryBoolean):
            return int(bool(res))
        if isinstance(res, ox.QuerySolutions):
            names = res.variables
            return len([[sol[v] for v in names] for sol in res])
        return len(list(res))

    return raw


def interleaved(fns: dict[str, Callable[[], int]], reps: int, budget_s: float
                ) -> dict[str, dict]:
    """Time several engines on one (already warmed) query, alternating runs (A B A B ...) so
    that a burst of load on the shared machine hits them alike: rounds go on until ``reps``,
    or until the budget is spent with at least three each; a query slower than the budget
    gets one round."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    rows: dict[str, int] = {}
    spent = 0.0
    while True:
        for k, fn in fns.items():
            t0 = time.perf_counter()
            rows[k] = fn()
            dt = time.perf_counter() - t0
            times[k].append(dt)
            spent += dt
        done = len(times[next(iter(fns))])
        if (done >= reps or any(t[0] >= budget_s for t in times.values())
                or (spent >= budget_s and done >= 3)):
            break
    return {k: {"p50_ms": _pct(times[k], 0.5) * 1e3, "p95_ms": _pct(times[k], 0.95) * 1e3,
                "reps": len(times[k]), "rows": rows[k]} for k in fns}


def child_queries(store_dir: Path, names: list[str], reps: int, budget_s: float,
                  cap_s: float) -> None:
    """Child process: per query, one unmeasured warm-up run (so that neither engine pays for
    cold caches), then the project's store and raw pyoxigraph alternately.  Prints a line
    after the warm-up and one with the result; the parent kills the child at the cap."""
    from cgtkg.graph.store import GraphStore

    store = GraphStore(store_dir, read_only=True)
    for name in names:
        fns = {e: engine_runner(store, e, name) for e in ("project", "raw")}
        t0 = time.perf_counter()
        fns["raw"]()
        warm = time.perf_counter() - t0
        print(json.dumps({"query": name, "warm_s": warm}), flush=True)
        result = interleaved(fns, reps, budget_s) if warm < cap_s else None
        print(json.dumps({"query": name, "result": result}), flush=True)


def native_latencies(store_dir: Path, names: list[str], reps: int, budget_s: float,
                     cap_s: float) -> dict[str, dict | None]:
    """Time every query on both native engines in a child process.  A warm-up still running
    after ``cap_s``, or timed runs still running ``2 * cap_s`` later, put the query over the
    cap (None); the child is then replaced for the remaining queries."""
    import queue
    import threading

    out: dict[str, dict | None] = {}
    remaining = list(names)
    while remaining:
        cmd = [sys.executable, "-m", "benchmarks.run", "--child-queries", str(store_dir),
               ",".join(remaining), "--reps", str(reps), "--query-budget", str(budget_s),
               "--query-cap", str(cap_s)]
        proc = subprocess.Popen(cmd, cwd=code_root(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        lines: queue.Queue = queue.Queue()

        def pump(stream=proc.stdout, lines=lines) -> None:
            for ln in stream:
                lines.put(ln)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        killed = False
        for name in list(remaining):
            for timeout in (cap_s + 10, 2 * cap_s + 10):
                try:
                    ln = lines.get(timeout=timeout)
                except queue.Empty:
                    proc.kill()
                    proc.wait()
                    out[name] = None
                    remaining.remove(name)
                    killed = True
                    break
                if ln is None:
                    proc.wait()
                    raise RuntimeError(f"query child failed on {name}: "
                                       f"{proc.stderr.read()[-3000:]}")
                rec = json.loads(ln)
                if "result" in rec:
                    out[name] = rec["result"]
                    remaining.remove(name)
                    break
            if killed:
                break
        else:
            proc.wait()
    return out


def query_latencies(store_dir: Path, ds, reps: int, budget_s: float, cap_s: float,
                    rdflib_cap_s: float) -> list[dict]:
    """Every saved query on the project's store, raw pyoxigraph and rdflib's Dataset."""
    from cgtkg.graph.query import saved_queries

    names = [q.name for q in saved_queries()]
    native = native_latencies(store_dir, names, reps, budget_s, cap_s)
    out = []
    for name in names:
        q, bindings = _bound_query(name)

        def rdflib(q=q, bindings=bindings) -> int:
            res = ds.query(q.text, initBindings=bindings)
            if res.type == "ASK":
                return int(bool(res.askAnswer))
            if res.type == "SELECT":
                return len([tuple(row) for row in res])
            return len(res.graph)

        got = timed(rdflib, reps, budget_s, rdflib_cap_s) if ds is not None else None
        rd = None
        if got is not None:
            times, rows = got
            rd = {"p50_ms": _pct(times, 0.5) * 1e3, "p95_ms": _pct(times, 0.95) * 1e3,
                  "reps": len(times), "rows": rows}
        both = native[name] or {}
        out.append({"query": name, "project": both.get("project"), "raw": both.get("raw"),
                    "rdflib": rd, "rdflib_loaded": ds is not None})
    return out


# ------------------------------------------------------------------ one size


def change_one_document(corpus: Path) -> Path:
    """Edit one text the way a user would: one article gains a sentence."""
    files = sorted(corpus.glob("*_regulation.txt")) or sorted(corpus.glob("*.txt"))
    path = files[0]
    text = path.read_text(encoding="utf-8")
    marker = "Article 2: "
    at = text.find(marker)
    at = at + len(marker) if at >= 0 else 0
    path.write_text(text[:at] + "After a public hearing, " + text[at:], encoding="utf-8")
    return path


@dataclass
class SizeResult:
    n: int
    corpus_mb: float = 0.0
    documents: int = 0
    full: dict = field(default_factory=dict)
    rebuild: dict = field(default_factory=dict)
    store: dict = field(default_factory=dict)
    queries: list[dict] = field(default_factory=list)
    network: dict = field(default_factory=dict)
    generate_s: float = 0.0


def run_size(n: int, work: Path, a: argparse.Namespace, log: Callable[[str], None]
             ) -> SizeResult:
    from benchmarks.generate import generate, load_vocabulary
    from cgtkg.pipeline.build import BATCH_UNITS

    r = SizeResult(n)
    corpus, out = work / "corpus", work / "out"
    t0 = time.perf_counter()
    paths = generate(corpus, n, a.seed, load_vocabulary(code_root() / "ontology" / "registries"))
    r.generate_s = time.perf_counter() - t0
    r.corpus_mb = sum(p.stat().st_size for p in paths) / 1e6
    log(f"N={n}: corpus {r.corpus_mb:.2f} MB generated in {r.generate_s:.1f}s; full build ...")

    r.full = run_child_build(out, corpus, incremental=False)
    r.documents = int(r.full["extracted"].get("documents", 0))
    log(f"N={n}: full build {r.full['seconds']:.1f}s, {r.full['stats']['triples']} triples, "
        f"peak RSS {r.full['max_rss_mb']:.0f} MB; store writing ...")

    store_dir = (out / "store").resolve()
    r.store, ds = store_writing(store_dir, work, BATCH_UNITS, r.full["stats"]["triples"],
                                a.store_sample, a.rdflib_max_triples)
    log(f"N={n}: store writing done; queries ...")
    r.queries = query_latencies(store_dir, ds, a.reps, a.query_budget, a.query_cap,
                                a.rdflib_cap)
    del ds
    log(f"N={n}: queries done; cgtkg network ...")
    r.network = network_end_to_end(out, work / "network")
    log(f"N={n}: cgtkg network {r.network['files_s']:.1f}s (again {r.network['files_kept_s']:.1f}s), "
        f"--metrics {r.network['metrics_s']:.1f}s (again {r.network['metrics_kept_s']:.1f}s); "
        "rebuild after one change ...")

    change_one_document(corpus)
    r.rebuild = run_child_build(out, corpus, incremental=True)
    if r.rebuild["units"].get("rebuilt") != 1:
        raise RuntimeError(f"the rebuild redid {r.rebuild['units']} units, expected 1")
    log(f"N={n}: rebuild {r.rebuild['seconds']:.1f}s")
    return r


def network_end_to_end(out: Path, dest: Path) -> dict:
    """``cgtkg network`` as a user runs it, each in a fresh interpreter (start-up included):
    writing every file (GraphML, GEXF, metrics, pictures, page), and ``--metrics`` alone, each
    computed and then kept from an earlier call on the same build."""
    def once(*args: str) -> float:
        cmd = [sys.executable, "-m", "cgtkg", "network", "--out", str(out), *args]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=code_root(), capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"cgtkg network {' '.join(args)} failed ({proc.returncode}):\n"
                               f"{proc.stderr[-3000:]}")
        return seconds

    # first computed (as the first call after `cgtkg build`), then asked again: the second call
    # copies what the first kept with the build (cgtkg/cli/network_cache.py), as does any call
    # after `cgtkg run`
    return {"files_s": once("--no-cache", "--output", str(dest)),
            "files_kept_s": once("--output", str(dest.with_name(dest.name + "-again"))),
            "metrics_s": once("--metrics", "--format", "json", "--no-cache"),
            "metrics_kept_s": once("--metrics", "--format", "json")}


# ------------------------------------------------------------------ the report


def machine() -> dict:
    import psutil
    import pyoxigraph
    import pyshacl
    import rdflib

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(), "os": platform.platform(),
        "pyoxigraph": pyoxigraph.__version__, "rdflib": rdflib.__version__,
        "pyshacl": pyshacl.__version__,
        "load_avg_start": os.getloadavg(),
    }


def _mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def summarise(results: list[SizeResult], rdflib_cap_s: float) -> dict:
    """Per size: the headline numbers; for the largest size: the targets."""
    rows = {}
    for r in results:
        f, rb, st = r.full, r.rebuild, r.store
        tm = f["timings"]
        qs = r.queries
        cap_ms = rdflib_cap_s * 1e3
        both = [q for q in qs if q["project"] and q["raw"] and q["raw"]["p50_ms"] > 0]
        vs_raw = [q["project"]["p50_ms"] / q["raw"]["p50_ms"] for q in both]
        # a query over the cap on one native engine only: its ratio is past any target
        vs_raw += [float("inf") for q in qs if q["raw"] and not q["project"]]
        vs_raw += [0.0 for q in qs if q["project"] and not q["raw"]]
        # rdflib over the cap: the ratio is at least cap / project p50 (a lower bound)
        loaded = all(q.get("rdflib_loaded", True) for q in qs)
        vs_rdflib = [(q["rdflib"]["p50_ms"] if q["rdflib"] else cap_ms) / q["project"]["p50_ms"]
                     for q in qs if loaded and q["project"] and q["project"]["p50_ms"] > 0]
        p50s = [q["project"]["p50_ms"] if q["project"] else float("inf") for q in qs]
        rows[r.n] = {
            "documents": r.documents,
            "corpus_mb": r.corpus_mb,
            "triples": f["stats"]["triples"],
            "extract_s": tm.get("extract", 0.0),
            "extract_mb_s": r.corpus_mb / tm["extract"] if tm.get("extract") else None,
            "store_project_rate": st["project_rate"],
            "store_raw_rate": st["raw_rate"],
            "store_rdflib_rate": st["rdflib_rate"],
            "store_vs_raw": st["project_rate"] / st["raw_rate"],
            "store_vs_rdflib": st["project_rate"] / st["rdflib_rate"],
            "store_load_rate": st.get("load_rate"),
            "store_memory_rate": st.get("memory_rate"),
            # the best any writer into an on-disk Oxigraph store reached, against rdflib
            "store_disk_ceiling_vs_rdflib": (max(st["raw_rate"], st.get("load_rate") or 0)
                                             / st["rdflib_rate"]),
            "store_memory_vs_rdflib": (st["memory_rate"] / st["rdflib_rate"]
                                       if st.get("memory_rate") else None),
            # the build converts each batch, then a thread writes it while the build goes on;
            # what the build itself spends on the store is the conversion and any wait
            "build_store_s": tm.get("store", 0.0) + tm.get("store-wait", 0.0),
            "shacl_s": tm.get("validate", 0.0),
            "shacl_rebuild_s": rb["timings"].get("validate", 0.0),
            "shacl_gain": (tm.get("validate", 0) / rb["timings"]["validate"]
                           if rb["timings"].get("validate") else None),
            "query_max_vs_raw": max(vs_raw) if vs_raw else None,
            "query_median_vs_raw": statistics.median(vs_raw) if vs_raw else None,
            "query_median_vs_rdflib": statistics.median(vs_rdflib) if vs_rdflib else None,
            "query_min_vs_rdflib": min(vs_rdflib) if vs_rdflib else None,
            "query_rdflib_skipped": (sum(1 for q in qs if q["rdflib"] is None)
                                     if loaded else None),
            "rdflib_loaded": loaded,
            "store_sampled": (f"{st['triples']:,} (1 batch in {st['every_kth_batch']})"
                              if st.get("every_kth_batch", 1) > 1 else f"{st['triples']:,} (all)"),
            "query_native_over_cap": sum(1 for q in qs if not q["project"] or not q["raw"]),
            "query_max_p50_ms": max(p50s) if p50s else None,
            # a query's cost has a floor per row returned (tens of us and more in pyoxigraph here):
            # the p50 target is shown apart for the queries whose answer stays small
            "query_max_p50_small_ms": max((q["project"]["p50_ms"] for q in qs if q["project"]
                                           and q["project"]["rows"] <= SMALL_ANSWER),
                                          default=None),
            "query_large_answers": sum(1 for q in qs if not q["project"]
                                       or q["project"]["rows"] > SMALL_ANSWER),
            "query_median_p50_ms": statistics.median(p50s) if p50s else None,
            "e2e_s": f["seconds"],
            "e2e_docs_s": r.n / f["seconds"],
            "peak_rss_mb": f["max_rss_mb"],
            "rebuild_s": rb["seconds"],
            "network_s": r.network.get("files_s"),
            "network_metrics_s": r.network.get("metrics_s"),
            "network_kept_s": r.network.get("files_kept_s"),
            "network_metrics_kept_s": r.network.get("metrics_kept_s"),
            "full_s": f["seconds"],
            "incremental_ratio": f["seconds"] / rb["seconds"],
            "timings": tm,
            "peak_rss_by_stage": f.get("peak_rss_by_stage", {}),
            "rebuild_timings": rb["timings"],
        }
    judged = {n: judge(rows[n], rows[results[i - 1].n] if i else None)
              for i, n in enumerate(r.n for r in results)}
    largest = results[-1].n
    targets, where = {}, {}
    for key in TARGETS:
        # a target that cannot be judged at the largest size (rdflib not loaded, no size
        # before it) is judged at the largest size that has the numbers, and says so
        for n in reversed([r.n for r in results]):
            if judged[n][key] is not None:
                targets[key], where[key] = judged[n][key], n
                break
        else:
            targets[key], where[key] = None, None
    return {"sizes": rows, "largest": largest, "targets": targets, "judged_at": where}


def judge(s: dict, before: dict | None) -> dict[str, bool | None]:
    """Each target on one size's numbers; None where that size cannot tell."""
    def cmp(value, ok) -> bool | None:
        return None if value is None else bool(ok(value))

    return {
        "store_vs_raw": cmp(s["store_vs_raw"], lambda v: v >= TARGETS["store_vs_raw"]),
        "store_vs_rdflib": cmp(s["store_vs_rdflib"], lambda v: v >= TARGETS["store_vs_rdflib"]),
        "query_vs_raw": cmp(s["query_max_vs_raw"], lambda v: v <= TARGETS["query_vs_raw"]),
        "query_vs_rdflib": cmp(s["query_median_vs_rdflib"],
                               lambda v: v >= TARGETS["query_vs_rdflib"]),
        "query_p50_ms": cmp(s["query_max_p50_ms"], lambda v: v < TARGETS["query_p50_ms"]),
        "extract_mb_s": cmp(s["extract_mb_s"], lambda v: v >= TARGETS["extract_mb_s"]),
        "memory_growth": cmp(before and s["peak_rss_mb"] / before["peak_rss_mb"],
                             lambda v: v <= TARGETS["memory_growth"]),
        "incremental": cmp(s["incremental_ratio"], lambda v: v >= TARGETS["incremental"]),
        "network_s": cmp(s.get("network_s"), lambda v: v <= TARGETS["network_s"]),
        "network_kept_s": cmp(s.get("network_kept_s"), lambda v: v <= TARGETS["network_kept_s"]),
    }


def _f(x, fmt="{:.2f}") -> str:
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if x == float("inf"):
        return "over cap"
    return fmt.format(x)


def render(results: list[SizeResult], summary: dict, info: dict, command: str) -> str:
    sizes = [r.n for r in results]
    cap, rcap = info["query_cap_s"], info["rdflib_cap_s"]
    rows = summary["sizes"]
    largest = summary["largest"]
    tg = summary["targets"]

    def mark(key: str) -> str:
        at = summary["judged_at"][key]
        return _mark(tg[key]) + (f" (at N={at:,})" if at not in (None, largest) else "")

    head = "| stage | measure | " + " | ".join(f"N={n:,}" for n in sizes) + \
        f" | target at N={largest:,} | result |"
    sep = "|" + "---|" * (len(sizes) + 4)
    lines = [head, sep]

    def line(stage: str, measure: str, key: str, fmt: str = "{:.2f}", target: str = "",
             result: str = "") -> None:
        cells = [_f(rows[n].get(key), fmt) for n in sizes]
        lines.append(f"| {stage} | {measure} | " + " | ".join(cells) + f" | {target} | {result} |")

    line("corpus", "documents extracted from the N texts", "documents", "{:,.0f}")
    line("corpus", "MB of text", "corpus_mb")
    line("corpus", "triples in the store", "triples", "{:,.0f}")
    line("extraction", "MB/s (build's extract stage, one core)", "extract_mb_s", "{:.3f}",
         f">= {TARGETS['extract_mb_s']} MB/s", mark("extract_mb_s"))
    line("extraction", "seconds", "extract_s", "{:.1f}")
    line("store writing", "GraphStore.add_graphs, triples/s", "store_project_rate", "{:,.0f}")
    line("store writing", "raw pyoxigraph bulk_extend, triples/s", "store_raw_rate", "{:,.0f}")
    line("store writing", "rdflib Dataset.addN, triples/s", "store_rdflib_rate", "{:,.0f}")
    line("store writing", "triples written for each of these", "store_sampled")
    line("store writing", "project / raw pyoxigraph", "store_vs_raw", "{:.2f}",
         f">= {TARGETS['store_vs_raw']}", mark("store_vs_raw"))
    line("store writing", "project / rdflib", "store_vs_rdflib", "{:.1f}x",
         f">= {TARGETS['store_vs_rdflib']:.0f}x", mark("store_vs_rdflib"))
    line("store writing", "build's own time on the store (conversion + waiting for its "
         "background writer), s", "build_store_s", "{:.1f}")
    line("store writing", "ceiling: raw pyoxigraph bulk_load of N-Quads bytes, triples/s",
         "store_load_rate", "{:,.0f}")
    line("store writing", "ceiling: in-memory pyoxigraph bulk_extend, triples/s",
         "store_memory_rate", "{:,.0f}")
    line("store writing", "ceiling: best raw on-disk Oxigraph / rdflib",
         "store_disk_ceiling_vs_rdflib", "{:.1f}x")
    line("store writing", "ceiling: in-memory Oxigraph / rdflib", "store_memory_vs_rdflib",
         "{:.1f}x")
    line("SHACL", "build's per-batch validation, s", "shacl_s", "{:.1f}")
    line("SHACL", "after one change (only it validated), s", "shacl_rebuild_s", "{:.2f}")
    line("SHACL", "gain of the incremental path", "shacl_gain", "{:.0f}x")
    line("queries", "worst p50 project / raw pyoxigraph", "query_max_vs_raw", "{:.2f}",
         f"each <= {TARGETS['query_vs_raw']}", mark("query_vs_raw"))
    line("queries", "median p50 project / raw pyoxigraph", "query_median_vs_raw", "{:.2f}")
    line("queries", "median p50 rdflib / project", "query_median_vs_rdflib", "{:.1f}x",
         f">= {TARGETS['query_vs_rdflib']:.0f}x", mark("query_vs_rdflib"))
    line("queries", f"rdflib runs over the {rcap:g} s cap (counted as {rcap:g} s; — = "
         "Dataset too large to keep in memory, not run)", "query_rdflib_skipped", "{:.0f}")
    line("queries", f"queries over the {cap:g} s cap on project or raw", "query_native_over_cap",
         "{:.0f}")
    line("queries", "worst p50, ms (project)", "query_max_p50_ms", "{:.1f}",
         f"each < {TARGETS['query_p50_ms']:.0f} ms", mark("query_p50_ms"))
    line("queries", f"worst p50, ms, of the queries answering <= {SMALL_ANSWER:,} rows",
         "query_max_p50_small_ms", "{:.1f}")
    line("queries", f"queries answering more than {SMALL_ANSWER:,} rows (or over the cap)",
         "query_large_answers", "{:.0f}")
    line("queries", "median p50, ms (project)", "query_median_p50_ms", "{:.1f}")
    line("end to end", "full build, s", "e2e_s", "{:.1f}")
    line("end to end", "documents/s", "e2e_docs_s", "{:.1f}")
    line("end to end", "peak RSS of the build process, MB", "peak_rss_mb", "{:,.0f}",
         f"<= {TARGETS['memory_growth']:.0f}x N={sizes[-2]:,}" if len(sizes) > 1 else "",
         mark("memory_growth"))
    line("network", "cgtkg network, every file written (own process), s", "network_s",
         "{:.1f}", f"<= {TARGETS['network_s']:.0f} s", mark("network_s"))
    line("network", "cgtkg network, asked again on the same build (kept files copied), s",
         "network_kept_s", "{:.1f}", f"<= {TARGETS['network_kept_s']:.0f} s", mark("network_kept_s"))
    line("network", "cgtkg network --metrics (own process), s", "network_metrics_s", "{:.1f}")
    line("network", "cgtkg network --metrics, asked again (kept), s", "network_metrics_kept_s", "{:.1f}")
    line("incremental", "rebuild after one change, s", "rebuild_s", "{:.1f}")
    line("incremental", "full build / rebuild", "incremental_ratio", "{:.1f}x",
         f">= {TARGETS['incremental']:.0f}x", mark("incremental"))

    # in the order the build runs them (the report's insertion order), then any others
    stage_names = list(dict.fromkeys(k for n in reversed(sizes) for k in rows[n]["timings"]))
    stage_rows = ["", "Build stages (seconds, from the build report; full build / rebuild "
                      "after one change):", "",
                  "| stage | " + " | ".join(f"N={n:,} full | N={n:,} rebuild" for n in sizes)
                  + " |",
                  "|" + "---|" * (2 * len(sizes) + 1)]
    for k in stage_names:
        cells = []
        for n in sizes:
            cells += [_f(rows[n]["timings"].get(k), "{:.2f}"),
                      _f(rows[n]["rebuild_timings"].get(k), "{:.2f}")]
        stage_rows.append(f"| {k} | " + " | ".join(cells) + " |")

    mem_names = [k for k in stage_names if any(rows[n]["peak_rss_by_stage"].get(k) for n in sizes)]
    if mem_names:
        stage_rows += ["", "Peak RSS of the full build after each stage (MB, from the build report):",
                       "", "| stage | " + " | ".join(f"N={n:,}" for n in sizes) + " |",
                       "|" + "---|" * (len(sizes) + 1)]
        stage_rows += [f"| {k} | " + " | ".join(_f(rows[n]["peak_rss_by_stage"].get(k), "{:,.0f}")
                                                 for n in sizes) + " |" for k in mem_names]

    q_rows = ["", f"Saved queries at N={largest:,} (p50 / p95 in ms; rows returned; "
                  "ratios of p50):", "",
              "| query | project p50 | project p95 | raw p50 | rdflib p50 | rows | us/row | "
              "project/raw | rdflib/project |", "|---|---|---|---|---|---|---|---|---|"]
    for q in results[-1].queries:
        p, rw, rd = q["project"], q["raw"], q["rdflib"]
        ratio_raw = p["p50_ms"] / rw["p50_ms"] if p and rw and rw["p50_ms"] else None
        ratio_rd = ((rd["p50_ms"] if rd else rcap * 1e3) / p["p50_ms"]
                    if p and p["p50_ms"] and q["rdflib_loaded"] else None)
        rows_note = str(p["rows"]) if p else "—"
        per_row = _f(p["p50_ms"] * 1e3 / p["rows"], "{:,.0f}") if p and p["rows"] else "—"
        if p and rw and p["rows"] != rw["rows"]:
            rows_note += f" (raw {rw['rows']})"
        if p and rd and p["rows"] != rd["rows"]:
            rows_note += f" (rdflib {rd['rows']})"
        def ms(x, limit, k="p50_ms"):
            if x:
                return _f(x[k], "{:,.1f}")
            return "not run" if limit == rcap and not q["rdflib_loaded"] else \
                f"> {limit * 1e3:,.0f}"

        q_rows.append(f"| {q['query']} | {ms(p, cap)} | {ms(p, cap, 'p95_ms')} | {ms(rw, cap)} | "
                      f"{ms(rd, rcap)} | "
                      f"{rows_note} | {per_row} | {_f(ratio_raw)} | "
                      f"{('>= ' if not rd and ratio_rd else '') + _f(ratio_rd, '{:.1f}x')} |")

    m = info["machine"]
    meta = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; Python {m['python']}; "
        f"pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}, pyshacl {m['pyshacl']}; "
        f"{m['os']}",
        f"Load average at start {tuple(round(x, 2) for x in m['load_avg_start'])}, at end "
        f"{tuple(round(x, 2) for x in info['load_avg_end'])} (a shared machine: compare "
        "numbers within one run)",
        f"Date: {info['date']}; run took {info['seconds'] / 60:.1f} min; seed {info['seed']}",
        f"Command: {command}",
    ]
    return "\n".join(meta + [""] + lines + stage_rows + q_rows) + "\n"


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the build and the store at several "
                                             "corpus sizes (see docs/benchmarks.md).")
    ap.add_argument("--sizes", default="100,1000,10000",
                    help="comma-separated numbers of documents (default 100,1000,10000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reps", type=int, default=20, help="timed runs per query and engine")
    ap.add_argument("--query-budget", type=float, default=1.0,
                    help="seconds per query and engine after which fewer runs are made (min 3)")
    ap.add_argument("--query-cap", type=float, default=20.0,
                    help="a saved query still running on the project's store or raw "
                         "pyoxigraph after this many seconds is stopped and reported over the cap")
    ap.add_argument("--rdflib-cap", type=float, default=5.0,
                    help="an rdflib query run slower than this is stopped; its ratio counts "
                         "as at least cap / project p50")
    ap.add_argument("--store-sample", type=int, default=1_000_000,
                    help="above this many triples, store writing is timed on every k-th "
                         "batch only (0: all)")
    ap.add_argument("--rdflib-max-triples", type=int, default=3_000_000,
                    help="largest rdflib Dataset kept in memory for the query comparison")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where corpora and stores go (default: a temporary folder, removed)")
    ap.add_argument("--json", type=Path, default=None, help="also write all numbers as JSON")
    ap.add_argument("--child-build", nargs=2, metavar=("OUT", "CORPUS"), help=argparse.SUPPRESS)
    ap.add_argument("--child-queries", nargs=2, metavar=("STORE", "NAMES"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--incremental", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.child_build:
        print(json.dumps(child_build(Path(a.child_build[0]), Path(a.child_build[1]),
                                     a.incremental), default=str))
        return 0
    if a.child_queries:
        store, names = a.child_queries
        child_queries(Path(store), names.split(","), a.reps, a.query_budget, a.query_cap)
        return 0

    sizes = [int(s.replace("_", "")) for s in a.sizes.split(",") if s.strip()]
    if not sizes or sizes != sorted(sizes) or sizes[0] < 1:
        ap.error("--sizes must be increasing positive numbers, such as 100,1000,10000")
    command = "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])
    info = {"machine": machine(), "seed": a.seed, "query_cap_s": a.query_cap,
            "rdflib_cap_s": a.rdflib_cap,
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}
    started = time.perf_counter()
    root = a.workdir or Path(tempfile.mkdtemp(prefix="cgtkg-bench-"))
    if (root / "repo").exists():
        shutil.rmtree(root / "repo")
    snapshot(root / "repo")

    def log(msg: str) -> None:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"[{time.perf_counter() - started:7.1f}s, peak {rss:,.0f} MB] {msg}",
              file=sys.stderr, flush=True)

    results = []
    try:
        for n in sizes:
            work = root / f"n{n}"
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            results.append(run_size(n, work, a, log))
            shutil.rmtree(work, ignore_errors=True)
    finally:
        if a.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    info["seconds"] = time.perf_counter() - started
    info["load_avg_end"] = os.getloadavg()
    summary = summarise(results, a.rdflib_cap)
    print(render(results, summary, info, command), end="")
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps({"info": info, "summary": summary,
                                      "results": [r.__dict__ for r in results]},
                                     indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
