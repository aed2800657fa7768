"""The build on real Chinese originals (``../shared/corpus-zh``), beside the synthetic benchmark.

For the first 10, 100, 1,000 files of the collection and for all of it (in the order the
build lists them), each size is built from scratch in a child process with ``cgtkg build
--corpus`` and measured from its own build report: time per stage, extraction MB/s on this
real text, store size per MB of text, peak RSS of the child, documents, provisions and the
files built, quarantined, failed and skipped. At the largest size one file is then changed
and the build run again (the incremental rebuild). Comparisons are between sizes of one run:
the machine is shared and noisy.

    python benchmarks/real_corpus.py                       # 10, 100, 1000 and all files
    python benchmarks/real_corpus.py --sizes 10,100 --json out/real.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus-zh"
STAGES = ("extract", "derive", "validate", "store", "store-wait", "gc", "checks", "compact", "outputs")


def _folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def sample(corpus: Path, n: int | None, dest: Path) -> int:
    """The first ``n`` files of ``corpus`` (all with ``None``), linked into ``dest`` at the
    same relative paths; returns their bytes."""
    from loaders.text.corpus import list_corpus

    files = list_corpus(corpus).files
    total = 0
    for f in files[:n] if n else files:
        target = dest / f.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(f.path.resolve(), target)
        total += f.path.stat().st_size
    return total


def run_build(corpus: Path, out: Path) -> dict:
    """One ``cgtkg build`` in a child process; its report, wall time and peak RSS."""
    cmd = [sys.executable, "-c",
           "import resource, sys; from graph.cli import main\n"
           "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\nelse:\n    code = 0\n"
           "sys.stderr.write('\\nPEAK_RSS_KB %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
           "sys.exit(code)",
           "build", "--corpus", str(corpus), "--out", str(out)]
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
    wall = time.time() - t0
    peak = next((int(line.split()[1]) / 1024 for line in proc.stderr.splitlines()
                 if line.startswith("PEAK_RSS_KB")), None)
    report_file = out / "build-report.json"
    if proc.returncode not in (0, 6) or not report_file.exists():  # 6: published, some files left out
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"build of {corpus} failed with exit {proc.returncode}:\n{tail}")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peak, 1) if peak else None, "report": report,
            "store_bytes": _folder_size((out / "current").resolve() / "store")}


def measure(corpus: Path, sizes: list[int | None], workdir: Path) -> list[dict]:
    rows = []
    for n in sizes:
        texts = workdir / f"texts-{n or 'all'}"
        text_bytes = sample(corpus, n, texts)
        out = workdir / f"out-{n or 'all'}"
        r = run_build(texts, out)
        rep = r["report"]
        totals = rep["corpus"]["totals"]
        timings = rep["timings_s"]
        mb = text_bytes / (1 << 20)
        row = {
            "files": totals["files"], "text_mb": round(mb, 2), "build_s": r["wall_s"],
            "stages_s": {k: timings.get(k, 0.0) for k in STAGES},
            "extract_mb_s": round(mb / timings["extract"], 3) if timings.get("extract") else None,
            "store_mb": round(r["store_bytes"] / (1 << 20), 1),
            "store_bytes_per_text_byte": round(r["store_bytes"] / text_bytes, 1) if text_bytes else None,
            "peak_rss_mb": r["peak_rss_mb"],
            "documents": rep["stats"].get("documents"), "provisions": rep["stats"].get("provisions"),
            "built": totals.get("files_built"), "quarantined": totals.get("files_quarantined"),
            "failed": totals.get("files_failed"), "skipped": totals.get("files_skipped"),
        }
        rows.append(row)
        print(_line(row), flush=True)
    last = workdir / f"texts-{sizes[-1] or 'all'}"
    one = next(p for p in sorted(last.rglob("*.md")))
    content = one.read_text(encoding="utf-8")
    one.unlink()  # a link into the shared corpus: replace it by an edited copy
    one.write_text(content + "\n", encoding="utf-8")
    r = run_build(last, workdir / f"out-{sizes[-1] or 'all'}")
    rows[-1]["rebuild_one_file_s"] = r["wall_s"]
    print(f"rebuild after one file changed: {r['wall_s']:.1f} s (full build {rows[-1]['build_s']:.1f} s)")
    return rows


def _line(row: dict) -> str:
    st = row["stages_s"]
    return (f"{row['files']:>5} files {row['text_mb']:>6.2f} MB  build {row['build_s']:>7.1f} s  "
            f"extract {st['extract']:>6.1f} s ({row['extract_mb_s']} MB/s)  validate {st['validate']:>6.1f} s  "
            f"store {st['store'] + st['store-wait']:>6.1f} s  store {row['store_mb']} MB "
            f"({row['store_bytes_per_text_byte']} B/B)  peak RSS {row['peak_rss_mb']} MB  "
            f"docs {row['documents']} provisions {row['provisions']}  built {row['built']} "
            f"quarantined {row['quarantined']} failed {row['failed']} skipped {row['skipped']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--sizes", default="10,100,1000,all", help="file counts, 'all' for the whole corpus")
    ap.add_argument("--json", type=Path, help="write the rows here")
    a = ap.parse_args(argv)
    if not a.corpus.is_dir():
        print(f"corpus not found at {a.corpus} (../shared/corpus-zh beside the repository); nothing measured",
              file=sys.stderr)
        return 2
    sizes = [None if s.strip() == "all" else int(s) for s in a.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="cgtkg-real-") as tmp:
        rows = measure(a.corpus, sizes, Path(tmp))
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
