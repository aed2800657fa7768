"""The build on real Chinese originals (``../shared/corpus-zh``), beside the synthetic benchmark.

For the first 10, 100, 1,000 files of the collection and for all of it (in the order the
build lists them), each size is built from scratch in a child process with ``cgtkg build
--corpus`` and measured from its own build report: time per stage, extraction MB/s on this
real text, store size per MB of text, peak RSS of the child, documents, provisions and the
files built, quarantined, failed and skipped. At the largest size one file is then changed
and the build run again (the incremental rebuild). Comparisons are between sizes of one run:
the machine is shared and noisy.

Beside each build the same run times each stage's raw work alone, its limit on this machine:

* extraction: reading the same files and scanning them with one regular expression of the
  loaders' kind (headings, dates, sentence ends): what reading and regex-scanning costs;
* store: Oxigraph's own bulk loader fed the N-Quads the build stored, from bytes, into a
  fresh on-disk store (the build's ``store`` + ``store-wait``: conversion, load, fragments);
* validation: one pySHACL call over the same graphs the build validates (the texts' graphs
  without their Web Annotation triples, the registry, the source list; the texts' shapes).

Each stage is printed as a ratio to its limit (limit seconds / build seconds: 1.0 is as fast
as the raw work).

    python benchmarks/real_corpus.py                       # 10, 100, 1000 and all files
    python benchmarks/real_corpus.py --sizes 10,100 --jobs 2 --json out/real.json
    python benchmarks/real_corpus.py --sizes all --jobs 2 --queries   # and every saved query

With ``--queries`` the largest size's store answers every saved query (default parameters,
as ``cgtkg query NAME``), each timed, and those over 2 s are listed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus-zh"
STAGES = ("extract", "derive", "validate", "store", "store-wait", "gc", "checks", "resolve", "compact",
          "outputs", "checks-wait")
#: the raw extraction: what the loaders look for most, in one pass (article and chapter
#: headings, dates, sentence and clause ends)
SCAN = re.compile(r"第[一二三四五六七八九十百千零〇\d]+[条章节款项编]|\d{4}年\d{1,2}月\d{1,2}日|[。；：]")


def _folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def sample(corpus: Path, n: int | None, dest: Path) -> int:
    """The first ``n`` files of ``corpus`` (all with ``None``), linked into ``dest`` at the
    same relative paths; returns their bytes."""
    from cgtkg.loaders.text.corpus import list_corpus

    files = list_corpus(corpus).files
    total = 0
    for f in files[:n] if n else files:
        target = dest / f.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(f.path.resolve(), target)
        total += f.path.stat().st_size
    return total


def run_build(corpus: Path, out: Path, jobs: int = 1) -> dict:
    """One ``cgtkg build`` in a child process; its report, wall time and peak RSS (of the
    build process, and of its largest extraction worker)."""
    cmd = [sys.executable, "-c",
           "import sys\nfrom cgtkg.cli import main\nif __name__ == '__main__':\n"
           "    try:\n        main()\n    except SystemExit as e:\n        code = e.code\n    else:\n        code = 0\n"
           "    from cgtkg.pipeline.build import peak_rss_mb\n"
           "    sys.stderr.write('\\nPEAK_RSS_MB %s\\n' % peak_rss_mb())\n"
           "    sys.exit(code)",
           "build", "--corpus", str(corpus), "--out", str(out), "--jobs", str(jobs)]
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
    wall = time.time() - t0
    # VmHWM: getrusage's ru_maxrss would keep this benchmark's own size from before exec
    peak = next((float(line.split()[1]) for line in proc.stderr.splitlines()
                 if line.startswith("PEAK_RSS_MB")), None)
    report_file = out / "build-report.json"
    if proc.returncode not in (0, 6) or not report_file.exists():  # 6: published, some files left out
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"build of {corpus} failed with exit {proc.returncode}:\n{tail}")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    # a worker's own VmHWM, which it adds to each file's report (getrusage's children figure
    # keeps the size of the build process they were forked from)
    worker = max((f.get("worker_peak_rss_mb", 0) for f in report.get("corpus", {}).get("files", [])), default=0)
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peak, 1) if peak else None,
            "worker_peak_rss_mb": round(worker, 1) if worker and jobs > 1 else None, "report": report,
            "store_bytes": _folder_size((out / "current").resolve() / "store")}


# ------------------------------------------------------------------ the raw limits


def raw_scan(texts: Path) -> float:
    """Seconds to read every file under ``texts`` and scan it with :data:`SCAN`."""
    t0 = time.perf_counter()
    found = 0
    for f in sorted(texts.rglob("*")):
        if f.is_file():
            found += len(SCAN.findall(f.read_bytes().decode("utf-8", errors="replace")))
    return time.perf_counter() - t0


def stored_nquads(out: Path) -> bytes:
    """The build's store as N-Quads bytes."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str((out / "current").resolve() / "store"))
    return store.dump(format=ox.RdfFormat.N_QUADS)


def raw_bulk_load(nquads: bytes, scratch: Path) -> float:
    """Seconds for Oxigraph's bulk loader to put ``nquads`` into a new on-disk store."""
    import pyoxigraph as ox

    shutil.rmtree(scratch, ignore_errors=True)
    store = ox.Store(str(scratch))
    t0 = time.perf_counter()
    store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - t0
    del store
    shutil.rmtree(scratch, ignore_errors=True)
    return seconds


def raw_shacl(nquads: bytes) -> float:
    """Seconds of one pySHACL call over what the build validates, made from ``nquads``: the
    texts' and records' graphs without Web Annotation triples, the registry and the source
    list, against the full shapes (a full build validates the registry once, with them)."""
    import pyoxigraph as ox
    from cgtkg.graph.store import to_rdflib as from_ox
    from pyshacl import validate
    from rdflib import Graph

    from cgtkg.pipeline.build import _without_annotations, load_shapes

    data = Graph()
    keep = ("/graph/extracted/", "/graph/doc/", "/graph/registry", "/graph/sources")
    triples = [(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
               for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)
               if any(k in q.graph_name.value for k in keep)]
    for t in _without_annotations(triples):
        data.add(t)
    shapes = load_shapes(REPO_ROOT / "ontology")
    t0 = time.perf_counter()
    validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, inplace=True)
    return time.perf_counter() - t0


#: issue 25: every saved query answers within this on the embedded store
QUERY_BUDGET_S = 2.0
# each saved query (checks aside) as `cgtkg query NAME` runs it (default parameters; a
# required one from the query's first example, as the synthetic benchmark binds it), timed
# in one child process over the build's store; a query over the cap is stopped there
_TIME_QUERIES = """
import json, sys, time
from benchmarks.run import _bound_query
from cgtkg.graph import query as Q
from cgtkg.graph.store import GraphStore
store = GraphStore.open(sys.argv[1])
for name in (q.name for q in Q.saved_queries() if not q.is_violation):
    q, bindings = _bound_query(name)
    started = time.perf_counter()
    rows = len(Q.run_local(store, q, bindings).rows)
    print(json.dumps([name, round(time.perf_counter() - started, 3), rows]), flush=True)
"""


def time_queries(out: Path, cap_s: float = 120.0) -> dict[str, tuple[float, int]]:
    """``{query: (seconds, rows)}`` for every saved query on the build in ``out``; a query still
    running after ``cap_s`` is reported as ``(cap_s, -1)`` and the rest are not run."""
    found: dict[str, tuple[float, int]] = {}
    proc = subprocess.Popen([sys.executable, "-c", _TIME_QUERIES, str(out)], stdout=subprocess.PIPE,
                            text=True, cwd=REPO_ROOT)
    started = time.perf_counter()
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    while True:
        if not sel.select(timeout=max(0.0, cap_s - (time.perf_counter() - started))):
            proc.kill()
            found["(the next query)"] = (cap_s, -1)
            break
        line = proc.stdout.readline()
        if not line:
            break
        name, seconds, rows = json.loads(line)
        found[name] = (seconds, rows)
        started = time.perf_counter()
    proc.wait()
    return found


def limits(texts: Path, out: Path, scratch: Path) -> dict:
    """The raw limits of one size, measured right after its build."""
    nquads = stored_nquads(out)
    return {"scan_s": raw_scan(texts), "bulk_load_s": raw_bulk_load(nquads, scratch),
            "shacl_s": raw_shacl(nquads), "nquads_mb": len(nquads) / (1 << 20)}


def measure(corpus: Path, sizes: list[int | None], workdir: Path, jobs: list[int] = (1,),
            rebuild: bool = True, queries: bool = False) -> list[dict]:
    """Each size built once per number of ``jobs``, one after the other (side by side on a
    shared machine), each build followed by its raw limits; with ``queries``, the largest
    size's store then answers every saved query, each timed."""
    rows = []
    for n in sizes:
        texts = workdir / f"texts-{n or 'all'}"
        text_bytes = sample(corpus, n, texts)
        for j in jobs:
            rows.append(_measure_one(texts, text_bytes, workdir / f"out-{n or 'all'}-j{j}", workdir, j,
                                     queries and n == sizes[-1]))
            print(_line(rows[-1]), flush=True)
    if not rebuild:
        return rows
    last = workdir / f"texts-{sizes[-1] or 'all'}"
    one = next(p for p in sorted(last.rglob("*.md")))
    content = one.read_text(encoding="utf-8")
    one.unlink()  # a link into the shared corpus: replace it by an edited copy
    one.write_text(content + "\n", encoding="utf-8")
    for j, row in zip(jobs, rows[-len(jobs):]):
        r = run_build(last, workdir / f"out-{sizes[-1] or 'all'}-j{j}", j)
        row["rebuild_one_file_s"] = r["wall_s"]
        print(f"jobs {j}: rebuild after one file changed: {r['wall_s']:.1f} s (full build {row['build_s']:.1f} s)")
        print("  " + _rebuild_breakdown(row, r))
    return rows


def _rebuild_breakdown(row: dict, r: dict) -> str:
    """The rebuild's report timings, stage by stage, and what its resolution reused: where a
    rebuild's seconds go, the rest being the process's start and the publication."""
    rep = r["report"]
    timings = {k: v for k, v in rep.get("timings_s", {}).items() if v}
    row["rebuild_stages_s"] = timings
    row["rebuild_units"] = rep.get("units")
    row["rebuild_resolve_cache"] = rep.get("resolution", {}).get("cache")
    rest = r["wall_s"] - sum(timings.values())
    cache = row["rebuild_resolve_cache"] or {}
    return (", ".join(f"{k} {v:.2f}" for k, v in timings.items()) + f"; the rest (start, publish) {rest:.2f} s"
            + (f"; resolve reused {cache.get('pairs_reused', 0)} pairs of signatures, compared "
               f"{cache.get('pairs_compared', 0)}; reused the provision matches of "
               f"{cache.get('provision_pairs_reused', 0)} merged copies, matched "
               f"{cache.get('provision_pairs_matched', 0)}" if cache else ""))


def _measure_one(texts: Path, text_bytes: int, out: Path, workdir: Path, jobs: int,
                 queries: bool = False) -> dict:
    r = run_build(texts, out, jobs)
    rep = r["report"]
    totals = rep["corpus"]["totals"]
    timings = rep["timings_s"]
    mb = text_bytes / (1 << 20)
    lim = limits(texts, out, workdir / "scratch-store")
    extracted = sum(v for g, v in rep["named_graphs"].items() if "/graph/extracted/" in g)
    store_s = timings.get("store", 0.0) + timings.get("store-wait", 0.0)
    row = {
        "files": totals["files"], "text_mb": round(mb, 2), "jobs": jobs, "build_s": r["wall_s"],
        "stages_s": {k: timings.get(k, 0.0) for k in STAGES},
        # CPU of the build's own thread per stage: the wall times above include waiting for a core
        "stages_cpu_s": {k: rep.get("cpu_s", {}).get(k, 0.0) for k in STAGES},
        "stages_mb_s": {k: round(mb / timings[k], 2) for k in STAGES if timings.get(k)},
        "extract_mb_s": round(mb / timings["extract"], 3) if timings.get("extract") else None,
        "limits_s": {k: round(v, 3) for k, v in lim.items() if k.endswith("_s")},
        "limit_mb_s": {"scan": round(mb / lim["scan_s"], 1), "bulk_load": round(mb / lim["bulk_load_s"], 2),
                       "shacl": round(mb / lim["shacl_s"], 2)},
        # limit seconds / build seconds: 1.0 = the stage runs as fast as its raw work alone
        "ratio_to_limit": {
            "extract": round(lim["scan_s"] / timings["extract"], 3) if timings.get("extract") else None,
            "store": round(lim["bulk_load_s"] / store_s, 2) if store_s else None,
            "validate": round(lim["shacl_s"] / timings["validate"], 2) if timings.get("validate") else None},
        "nquads_mb": round(lim["nquads_mb"], 1),
        "store_mb": round(r["store_bytes"] / (1 << 20), 1),
        "store_bytes_per_text_byte": round(r["store_bytes"] / text_bytes, 1) if text_bytes else None,
        "extracted_triples": extracted,
        "triples_per_kb": round(extracted / (text_bytes / 1024), 1) if text_bytes else None,
        "peak_rss_mb": r["peak_rss_mb"], "worker_peak_rss_mb": r["worker_peak_rss_mb"],
        "documents": rep["stats"].get("documents"), "provisions": rep["stats"].get("provisions"),
        "built": totals.get("files_built"), "quarantined": totals.get("files_quarantined"),
        "failed": totals.get("files_failed"), "skipped": totals.get("files_skipped"),
    }
    if queries:
        row["queries_s"] = time_queries(out)
    return row


def _line(row: dict) -> str:
    st, ratio, lim = row["stages_s"], row["ratio_to_limit"], row["limit_mb_s"]
    return (f"{row['files']:>5} files {row['text_mb']:>6.2f} MB  jobs {row['jobs']}  build {row['build_s']:>7.1f} s\n"
            f"  extract  {st['extract']:>7.1f} s  {row['extract_mb_s']} MB/s   limit (read + regex scan) "
            f"{lim['scan']} MB/s  ratio {ratio['extract']}\n"
            f"  derive   {st['derive']:>7.1f} s\n"
            f"  validate {st['validate']:>7.1f} s ({row['stages_cpu_s']['validate']:.1f} s CPU)   "
            f"limit (one pySHACL call, same graphs) "
            f"{row['limits_s']['shacl_s']} s  "
            f"ratio {ratio['validate']}\n"
            f"  store    {st['store'] + st['store-wait']:>7.1f} s (+wait)   limit (Oxigraph bulk load of "
            f"{row['nquads_mb']} MB of N-Quads) {row['limits_s']['bulk_load_s']} s  ratio {ratio['store']}\n"
            f"  other    gc {st['gc']:.1f} s, checks {st['checks']:.1f} s, resolve {st['resolve']:.1f} s, "
            f"compact {st['compact']:.1f} s, outputs {st['outputs']:.1f} s\n"
            f"  MB/s per stage: " + ", ".join(f"{k} {v}" for k, v in row["stages_mb_s"].items()) + "\n"
            f"  store {row['store_mb']} MB ({row['store_bytes_per_text_byte']} bytes per byte of text), "
            f"{row['extracted_triples']} extracted triples ({row['triples_per_kb']} per KB of text), "
            f"peak RSS {row['peak_rss_mb']} MB" + (f" (largest worker {row['worker_peak_rss_mb']} MB)"
                                                   if row.get("worker_peak_rss_mb") else "") + "\n"
            f"  docs {row['documents']} provisions {row['provisions']}  built {row['built']} "
            f"quarantined {row['quarantined']} failed {row['failed']} skipped {row['skipped']}"
            + (_query_lines(row["queries_s"]) if "queries_s" in row else ""))


def _query_lines(found: dict[str, tuple[float, int]]) -> str:
    times = sorted(s for s, _ in found.values())
    over = sorted(((s, n, rows) for n, (s, rows) in found.items() if s > QUERY_BUDGET_S), reverse=True)
    return (f"\n  saved queries: {len(found)}, median {times[len(times) // 2]:.2f} s, "
            f"{len(over)} over {QUERY_BUDGET_S:.0f} s"
            + "".join(f"\n    {name} {s:.2f} s ({rows} rows)" for s, name, rows in over))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--sizes", default="10,100,1000,all", help="file counts, 'all' for the whole corpus")
    ap.add_argument("--jobs", default="1", help="cgtkg build --jobs: extraction processes; several "
                    "(--jobs 1,2) build each size once with each, side by side")
    ap.add_argument("--no-rebuild", action="store_true", help="skip the rebuild after one file changed")
    ap.add_argument("--queries", action="store_true", help="time every saved query (default "
                    f"parameters) on the largest size's store and list those over {QUERY_BUDGET_S:.0f} s")
    ap.add_argument("--json", type=Path, help="write the rows here")
    a = ap.parse_args(argv)
    if not a.corpus.is_dir():
        print(f"corpus not found at {a.corpus} (../shared/corpus-zh beside the repository); nothing measured",
              file=sys.stderr)
        return 2
    sizes = [None if s.strip() == "all" else int(s) for s in a.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="cgtkg-real-") as tmp:
        rows = measure(a.corpus, sizes, Path(tmp), [int(j) for j in a.jobs.split(",")], not a.no_rebuild,
                       a.queries)
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
