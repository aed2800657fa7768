"""Extraction speed per core on real text, this code against an earlier commit, same run.

The build's extract stage calls the text loaders once per file (``TextExtractor.extract``,
cgtkg/pipeline/build.py); this script does the same for the first N files of
``../shared/corpus-zh`` in one process, once with the working tree's code and once with a
snapshot of ``--base`` (``git archive``), alternating A B A B in fresh interpreters, and
prints the CPU seconds (``time.process_time``: what another engineer's load disturbs least)
and MB of text per second per core.  The first ``--compare`` files (and the five English
texts of ``../shared/corpus``) are also extracted by both and their output compared: every
file's triples (blank nodes canonicalised, ``rdflib.compare.to_canonical_graph``), its
report (timings aside) and its problems must be the same.

    python -m benchmarks.extract_speed --base 8057edd [--sizes 100,300] [--repeat 2]
        [--compare 300] [--profile]

``--profile`` prints a cProfile top 30 (cumulative and own time) of the working tree's code
at the first size.  Exit codes: 0 the outputs are identical, 1 they differ, 2 the corpus or
the commit is missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus-zh"
ENGLISH = REPO_ROOT.parent / "shared" / "corpus"


# ------------------------------------------------------------------ in a child process

def _child(code: Path, corpus: Path, n: int, english: bool, dump: Path | None, profile: bool) -> dict:
    sys.path.insert(0, str(code))
    import gc
    import time

    import cgtkg.loaders
    from cgtkg.graph import namespaces as ns
    from cgtkg.loaders.text.corpus import list_corpus

    from cgtkg.pipeline.build import TextExtractor, load_registry

    where = Path(cgtkg.loaders.__path__[0]).resolve()
    if not where.is_relative_to(code.resolve()):
        raise SystemExit(f"imported the loaders from {where}, not from {code}")
    extractor = TextExtractor(load_registry(code / "ontology", ns.DEFAULT_BASE), ns.DEFAULT_BASE)
    files = list_corpus(corpus).files[:n] + (list_corpus(ENGLISH).files if english else [])
    size = sum(f.path.stat().st_size for f in files)
    gc.collect()
    gc.freeze()  # the registry and indexes, as a build batch leaves them
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0 = time.process_time()
    results = [(f.rel, extractor.extract(f.path, f.rel)) for f in files]
    cpu = time.process_time() - t0
    if prof is not None:
        import io
        import pstats

        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(30)
        print(out.getvalue(), file=sys.stderr)
    if dump is not None:
        _dump(results, dump)
    return {"files": len(files), "bytes": size, "cpu": cpu}


def _dump(results, dump: Path) -> None:
    import hashlib

    from rdflib import Graph
    from rdflib.compare import to_canonical_graph

    dump.mkdir(parents=True, exist_ok=True)
    for rel, fr in results:
        lines: list[str] = []
        if fr.graph is not None:
            g = Graph()
            for t in fr.graph:
                g.add(t)
            lines = sorted(to_canonical_graph(g).serialize(format="nt").splitlines())
        report = sorted((k, repr(v)) for k, v in fr.report.items() if k != "seconds")
        text = "\n".join([rel, json.dumps(report, ensure_ascii=False)] + [str(p) for p in fr.problems]
                         + ["----"] + lines)
        (dump / hashlib.sha1(rel.encode()).hexdigest()).write_text(text, encoding="utf-8")


# ------------------------------------------------------------------ the comparison

def _run(code: Path, args, n: int, english: bool = False, dump: Path | None = None,
         profile: bool = False) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(code), "--corpus", str(args.corpus),
           "--n", str(n)] + (["--english"] if english else []) + (["--dump", str(dump)] if dump else []) \
        + (["--profile"] if profile else [])
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
    if done.returncode != 0:
        raise SystemExit(f"{code}: extraction failed\n{done.stderr[-3000:]}")
    if profile:
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _differences(a: Path, b: Path) -> list[str]:
    names = sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()})
    out = []
    for name in names:
        pa, pb = a / name, b / name
        ta = pa.read_text(encoding="utf-8") if pa.exists() else None
        tb = pb.read_text(encoding="utf-8") if pb.exists() else None
        if ta != tb:
            out.append((ta or tb).split("\n", 1)[0])
    return out


def base_and_this(rev: str, tmp: Path) -> dict[str, Path] | None:
    """The code to compare: the repository's files at ``rev`` (``git archive`` into ``tmp``)
    and the working tree; None, said on stderr, when there is no such commit."""
    base = tmp / "base"
    base.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", rev], capture_output=True)
    if archive.returncode != 0:
        print(f"git archive {rev}: {archive.stderr.decode()}", file=sys.stderr)
        return None
    subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
    return {"base": base, "this": REPO_ROOT}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", help="the commit to compare with (git rev)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--sizes", default="100,300", help="file counts, comma-separated")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each code at each size (best kept)")
    ap.add_argument("--compare", type=int, default=300, help="files whose output must be identical")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--english", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.corpus, args.n, args.english, args.dump, args.profile)))
        return 0
    if not args.base:
        ap.error("--base is required")
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="extract-speed-") as tmp:
        codes = base_and_this(args.base, Path(tmp))
        if codes is None:
            return 2
        print(f"base {args.base} against the working tree; CPU seconds, best of {args.repeat}")
        print(f"{'files':>6} {'MB':>6} {'base s':>8} {'MB/s':>6} {'this s':>8} {'MB/s':>6} {'speed-up':>8}")
        for n in [int(s) for s in args.sizes.split(",")]:
            best: dict[str, float] = {}
            for _ in range(args.repeat):
                for name, code in codes.items():
                    got = _run(code, args, n)
                    best[name] = min(best.get(name, float("inf")), got["cpu"])
            mb = got["bytes"] / (1 << 20)
            print(f"{got['files']:>6} {mb:>6.2f} {best['base']:>8.2f} {mb / best['base']:>6.3f} "
                  f"{best['this']:>8.2f} {mb / best['this']:>6.3f} {best['base'] / best['this']:>7.2f}x",
                  flush=True)
        if args.profile:
            _run(REPO_ROOT, args, int(args.sizes.split(",")[0]), profile=True)
        dumps = {name: Path(tmp) / f"dump-{name}" for name in codes}
        for name, code in codes.items():
            _run(code, args, args.compare, english=ENGLISH.is_dir(), dump=dumps[name])
        diff = _differences(dumps["base"], dumps["this"])
        total = len(list(dumps["this"].iterdir()))
        if diff:
            print(f"output differs in {len(diff)} of {total} files: " + ", ".join(diff[:10]))
            return 1
        print(f"output identical in all {total} files (triples, reports, problems)")
        return 0


if __name__ == "__main__":
    sys.exit(main())
