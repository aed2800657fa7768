"""`cgtkg status` at scale: the same answers as an earlier commit, and the time they take.

For each build given (``--out``, a folder ``cgtkg build`` wrote), the questions are every region
that has rules (a provision with a modality relevant for it, or its document relevant for it)
and the regions around those, ``rg:hainan-ftp`` and ``rg:china``, times the therapy types most
rules are about (and ``th:stem-cells``), times a few dates, without an addressee and with the
addressees most rules name.  A child process asks them all with ``graph/status.py`` of the
working tree and another with a snapshot of ``--base`` (``git archive``), alternating base,
this, base, this: per place and activity one ``load`` (the saved ``status-*`` queries), one
``answer`` per date and addressee, one ``timeline`` per addressee.  Every ``answer_json`` (and
every timeline step's) must be identical, key for key.  Then ``cgtkg status`` itself is timed
as a user runs it (a fresh process: imports, saved queries, store), on the slowest question.

    python -m benchmarks.status_speed --base 54ee3ec --out /tmp/out1k [--out ...] [--repeat 2]
        [--therapies 3] [--dates 2010-01-01,2020-01-01,2024-06-01,2025-01-01]

Exit codes: 0 the answers are identical, 1 they differ, 2 a build or the commit is missing.
Times are wall seconds on a shared machine: compare the two columns of one run.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATES = "2010-01-01,2020-01-01,2024-06-01,2025-01-01"
PHASES = ("load", "answer", "timeline")
_PREFIXES = """PREFIX cgt:  <https://w3id.org/cgt-kg/ontology#>
PREFIX eli:  <http://data.europa.eu/eli/ontology#>
"""


# ------------------------------------------------------------------ the questions


def questions(out: Path, therapies: int, addressees: int, dates: list[str]) -> dict:
    """Places x activities x addressees x dates to ask, as IRIs (the same for both codes)."""
    from cgtkg.graph import query as Q
    from cgtkg.graph.store import GraphStore

    store = GraphStore.open(out)
    try:
        base = Q.detect_base(store)
        places = {str(term) for row in store.query(_PREFIXES + """SELECT DISTINCT ?r ?up WHERE {
          ?p cgt:modality ?m ; cgt:partOfDocument ?d .
          { ?p eli:relevant_for ?r } UNION { ?d eli:relevant_for ?r }
          OPTIONAL { ?r cgt:broaderTransitive ?up } }""") for term in row.values()}
        places |= {f"{base}region/hainan-ftp", f"{base}region/china"}
        about = _ranked(store, """SELECT ?x (COUNT(DISTINCT ?p) AS ?n) WHERE {
          ?p cgt:modality ?m ; cgt:partOfDocument ?d .
          { ?p eli:is_about ?x } UNION { ?d eli:is_about ?x } } GROUP BY ?x""")
        who = _ranked(store, """SELECT ?x (COUNT(DISTINCT ?p) AS ?n) WHERE {
          ?p cgt:modality ?m ; cgt:addressee ?x } GROUP BY ?x""")
    finally:
        store.close()
    activities = list(dict.fromkeys(about[:therapies] + [f"{base}therapy/stem-cells"]))
    return {"pairs": [[p, a] for p in sorted(places) for a in activities],
            "addressees": [None] + who[:addressees], "dates": dates}


def _ranked(store, body: str) -> list[str]:
    rows = store.query(_PREFIXES + body)
    return [str(r["x"]) for r in sorted(rows, key=lambda r: (-int(r["n"]), str(r["x"])))]


# ------------------------------------------------------------------ in a child process


def _child(code: Path, out: Path, spec_file: Path, dump: Path | None) -> dict:
    sys.path.insert(0, str(code))
    import datetime as dt

    from cgtkg.graph import query as Q
    from cgtkg.graph import status as S
    from cgtkg.graph.store import GraphStore
    from rdflib import URIRef

    from cgtkg.cli.cmd_status import StoreRunner

    where = Path(S.__file__).resolve()
    if not where.is_relative_to(code.resolve()):
        raise SystemExit(f"imported graph/status.py from {where}, not from {code}")
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    store = GraphStore.open(out)
    run = StoreRunner(store, Q.detect_base(store))
    totals = dict.fromkeys(PHASES, 0.0)
    slowest: list[tuple[float, list]] = []
    sink = open(dump, "w", encoding="utf-8") if dump else None
    try:
        for place, activity in spec["pairs"]:
            p, a = URIRef(place), URIRef(activity)
            spent = dict.fromkeys(PHASES, 0.0)
            t0 = time.perf_counter()
            g = S.load(run, p, a)
            spent["load"] = time.perf_counter() - t0
            for who in spec["addressees"]:
                w = URIRef(who) if who else None
                for day in spec["dates"]:
                    t0 = time.perf_counter()
                    ans = S.answer(S.Question(p, a, dt.date.fromisoformat(day), w), g)
                    spent["answer"] += time.perf_counter() - t0
                    _write(sink, [place, activity, who, day], S.answer_json(ans))
                t0 = time.perf_counter()
                steps = S.timeline(p, a, w, g)
                spent["timeline"] += time.perf_counter() - t0
                _write(sink, [place, activity, who, "timeline"], [S.answer_json(s) for s in steps])
            for k in PHASES:
                totals[k] += spent[k]
            slowest.append((sum(spent.values()), [place, activity]))
    finally:
        if sink:
            sink.close()
        store.close()
    slowest.sort(reverse=True)
    return {**totals, "pairs": len(spec["pairs"]), "slowest": slowest[:3]}


def _write(sink, key: list, value) -> None:
    if sink is not None:
        sink.write(json.dumps({"q": key, "a": value}, ensure_ascii=False, sort_keys=True) + "\n")


def _cli_seconds(code: Path, out: Path, args: list[str]) -> float:
    """Wall time of one ``cgtkg status`` process run from ``code``."""
    script = ("import sys\nsys.path.insert(0, sys.argv[1])\nfrom cgtkg.cli import main\n"
              "sys.argv = ['cgtkg'] + sys.argv[2:]\nmain()")
    cmd = [sys.executable, "-c", script, str(code), "status", "--out", str(out), *args]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{code}: cgtkg status {' '.join(args)} failed\n{done.stderr[-2000:]}")
    return seconds


# ------------------------------------------------------------------ the comparison


def _run(code: Path, out: Path, spec_file: Path, dump: Path | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(code), "--out", str(out),
           "--spec", str(spec_file)] + (["--dump", str(dump)] if dump else [])
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
    if done.returncode != 0:
        raise SystemExit(f"{code}: the status run failed\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def differences(a: Path, b: Path, limit: int = 5) -> tuple[int, int, list[str]]:
    """(answers compared, answers that differ, the first few described)."""
    la = a.read_text(encoding="utf-8").splitlines()
    lb = b.read_text(encoding="utf-8").splitlines()
    if len(la) != len(lb):
        return max(len(la), len(lb)), abs(len(la) - len(lb)), [f"{len(la)} answers against {len(lb)}"]
    differ, decided, shown, kinds = 0, 0, [], Counter()
    for x, y in zip(la, lb):
        if x != y:
            differ += 1
            jx, jy = json.loads(x), json.loads(y)
            decided += _decisions(jx["a"]) != _decisions(jy["a"])
            first = _first_difference(jx["a"], jy["a"])
            kinds[re.sub(r"\[\d+\]", "[]", first.split(":", 1)[0])] += 1
            if len(shown) < limit:
                shown.append(f"{jx['q']}: {first}")
    if kinds:
        shown.append("first differing field: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common(8)))
        shown.append(f"answer or deciding rule (of the whole or a part, at any step) differs in {decided}")
    return len(la), differ, shown


def _decisions(a) -> list:
    """The answers and deciding rules of an answer_json (its parts too) or a timeline."""
    if isinstance(a, list):
        return [_decisions(step) for step in a]
    return [a["answer"], a["deciding"], [(p["scope"], _decisions(p)) for p in a["parts"]]]


def _first_difference(x, y, path: str = "") -> str:
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if x.get(k) != y.get(k):
                return _first_difference(x.get(k), y.get(k), f"{path}.{k}")
    if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (u, v) in enumerate(zip(x, y)):
            if u != v:
                return _first_difference(u, v, f"{path}[{i}]")
    return f"{path or 'answer'}: {json.dumps(x, ensure_ascii=False)[:160]} != {json.dumps(y, ensure_ascii=False)[:160]}"


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def compare_build(out: Path, codes: dict[str, Path], args, tmp: Path) -> bool:
    spec = questions(out, args.therapies, args.addressees, args.dates.split(","))
    spec_file = tmp / f"{out.name}-questions.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    n_answers = len(spec["pairs"]) * len(spec["addressees"]) * (len(spec["dates"]) + 1)
    print(f"\n{out}: {len(spec['pairs'])} places x activities, {len(spec['addressees'])} addressees "
          f"(none included), {len(spec['dates'])} dates: {n_answers} answers and timelines", flush=True)
    best: dict[str, dict] = {}
    dumps = {name: tmp / f"{out.name}-{name}.jsonl" for name in codes}
    for rep in range(args.repeat):
        for name, code in codes.items():
            got = _run(code, out, spec_file, dumps[name] if rep == 0 else None)
            old = best.get(name)
            if old is None or sum(got[k] for k in PHASES) < sum(old[k] for k in PHASES):
                best[name] = got
    total, differ, shown = differences(dumps["base"], dumps["this"])
    print(f"{'':10} {'base s':>9} {'this s':>9} {'speed-up':>9}")
    for k in (*PHASES, "all"):
        b = sum(best["base"][p] for p in PHASES) if k == "all" else best["base"][k]
        t = sum(best["this"][p] for p in PHASES) if k == "all" else best["this"][k]
        print(f"{k:10} {b:>9.2f} {t:>9.2f} {b / t if t else float('inf'):>8.1f}x")
    slow = best["base"]["slowest"][0][1]
    print("slowest in base: " + ", ".join(f"{_short(p)}/{_short(a)} {s:.2f} s"
                                          for s, (p, a) in best["base"]["slowest"]))
    cli_args = ["--place", _short(slow[0]), "--activity", _short(slow[1]), "--date", "2025-01-01"]
    for extra in ([], ["--timeline"]):
        secs = {name: min(_cli_seconds(code, out, cli_args + extra) for _ in range(args.repeat))
                for name, code in codes.items()}
        print(f"cgtkg status {' '.join(cli_args + extra)}: base {secs['base']:.2f} s, this "
              f"{secs['this']:.2f} s ({secs['base'] / secs['this']:.1f}x)", flush=True)
    if differ:
        print(f"answers differ: {differ} of {total}")
        for line in shown:
            print("  " + line)
        return False
    print(f"answers identical: all {total} (answer_json, key for key)")
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", help="the commit to compare with (git rev)")
    ap.add_argument("--out", type=Path, action="append", help="a build folder (repeatable)")
    ap.add_argument("--therapies", type=int, default=3, help="the therapy types most rules are about")
    ap.add_argument("--addressees", type=int, default=2, help="the addressees most rules name")
    ap.add_argument("--dates", default=DATES, help="comma-separated YYYY-MM-DD")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each code (best kept)")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.out[0], args.spec, args.dump)))
        return 0
    if not args.base or not args.out:
        ap.error("--base and --out are required")
    if missing := [str(o) for o in args.out if not (o / "store").is_dir()]:
        print(f"no build in {', '.join(missing)}", file=sys.stderr)
        return 2
    from benchmarks.extract_speed import base_and_this

    with tempfile.TemporaryDirectory(prefix="status-speed-") as tmp:
        if (codes := base_and_this(args.base, Path(tmp))) is None:
            return 2
        print(f"base {args.base} against the working tree; wall seconds, best of {args.repeat}")
        same = [compare_build(out.resolve(), codes, args, Path(tmp)) for out in args.out]
    return 0 if all(same) else 1


if __name__ == "__main__":
    sys.exit(main())
