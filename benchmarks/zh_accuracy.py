"""Extraction on real Chinese originals, measured against metadata kept by someone else.

``../shared/corpus-zh`` (beside the repository) holds 2,706 Chinese laws, regulations and
rules as Markdown and a ``metadata.csv`` kept by the collection's maintainers: publication
date, entry into force, legal level, expiry.  The text loaders never read that file, so it
is an independent answer key for four things the extraction claims to find:

* the main document's publication date (``DocDate`` kind ``publication``) against ``publish``;
* its entry into force (kind ``in_force``) against ``valid_from``;
* its legal level (``Document.legal_level``) against ``level`` (其他 and empty not scored);
* its structure: articles and chapters in the extracted tree against a count made here, from
  the text, with one regular expression each (see :func:`independent_counts`).

Accuracy = correct / files whose metadata has a value; a value the extraction did not find
counts as wrong.  Nothing from the corpus is copied into the repository.

    python benchmarks/zh_accuracy.py [--corpus DIR] [--sample N --seed S] [--json FILE]

Exit codes: 0 every target met, 1 a target missed, 2 the corpus or a file is missing.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import hashlib
import json
import random
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # `python benchmarks/zh_accuracy.py` as well as `-m`
    sys.path.insert(0, str(REPO_ROOT))

DEFAULT_CORPUS = (REPO_ROOT.parent / "shared" / "corpus-zh").resolve()
TARGETS = {"publication": 0.97, "in_force": 0.95, "level": 0.95, "structure": 0.99}
SHOWN = 10  # disagreements printed per field (the JSON keeps them all)

#: metadata's level -> the legal-level keys (``legal-`` prefix dropped) that count as right.
#: A special economic zone's or an autonomous area's regulation is a local regulation in the
#: collection's terms.  其他 and empty are not scored.
LEVELS: dict[str, frozenset[str]] = {
    "法律": frozenset({"law"}),
    "行政法规": frozenset({"administrative-regulation"}),
    "部门规章": frozenset({"departmental-rule"}),
    "地方性法规": frozenset({"local-regulation", "sez-regulation", "autonomous-regulation"}),
    "宪法": frozenset({"constitution"}),
}
HEADER_END = "<!-- INFO END -->"  # the collection's marker between title block and body


class CorpusMissing(Exception):
    """The corpus folder or its metadata.csv is not there."""


# ------------------------------------------------------------------ the answer key

@dataclass(frozen=True)
class Row:
    file: str  # relative to the corpus folder, as metadata.csv spells it
    title: str
    folder: str
    level: str
    publish: str
    valid_from: str
    expired: str
    filename_date: str

    @property
    def stratum(self) -> tuple[str, str]:
        return (self.folder, self.level)


def read_metadata(corpus_dir: Path | str) -> list[Row]:
    corpus_dir = Path(corpus_dir)
    meta = corpus_dir / "metadata.csv"
    if not meta.is_file():
        raise CorpusMissing(f"{meta} not found: the Chinese originals are expected in "
                            f"../shared/corpus-zh beside the repository (or pass --corpus DIR)")
    with meta.open(encoding="utf-8", newline="") as f:
        return [Row(**{k: (r.get(k) or "").strip() for k in Row.__dataclass_fields__})
                for r in csv.DictReader(f)]


def sample(rows: list[Row], n: int, seed: int) -> list[str]:
    """``n`` files, stratified by (folder, level) so that every region's folder and every
    level appears: each stratum gets one file, or two where it has them, and the rest is
    shared in proportion to the strata's sizes (largest remainders).  Same rows, n and seed,
    same files, in metadata order."""
    strata: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        strata[r.stratum].append(r)
    keys = sorted(strata)
    n = min(n, len(rows))
    take = {k: min(len(strata[k]), 2) for k in keys}
    while sum(take.values()) > n:  # fewer files asked for than strata: one per stratum first
        k = max(keys, key=lambda k: (take[k], len(strata[k]), k))
        take[k] -= 1
    left = n - sum(take.values())
    spare = {k: len(strata[k]) - take[k] for k in keys}
    total = sum(spare.values())
    if left and total:
        quota = {k: left * spare[k] / total for k in keys}
        for k in keys:
            take[k] += int(quota[k])
        rest = n - sum(take.values())
        for k in sorted(keys, key=lambda k: (-(quota[k] - int(quota[k])), k))[:rest]:
            take[k] += 1
    rng = random.Random(seed)
    chosen = set()
    for k in keys:
        chosen.update(r.file for r in rng.sample(strata[k], take[k]))
    return [r.file for r in rows if r.file in chosen]


# ------------------------------------------------------------------ the independent count

_NUM = r"[零〇一二两三四五六七八九十百千\d０-９]+"
_LINE_START = r"^[^\S\n]*(?:#+[^\S\n]*)?"
_ARTICLE = re.compile(_LINE_START + rf"第({_NUM})条(?:之({_NUM}))?(?=\s)", re.M)
_CHAPTER = re.compile(_LINE_START + rf"第({_NUM})章", re.M)


def body_of(text: str) -> str:
    """The text after the collection's header (title, adoption and amendment lines)."""
    i = text.find(HEADER_END)
    return text[i + len(HEADER_END):] if i >= 0 else text


def independent_counts(text: str) -> tuple[int, int]:
    """(articles, chapters) of a Chinese original, counted without the loaders.

    * An article is a line starting with 第…条 (after optional spaces or a Markdown ``#``),
      followed by a space, counted once per distinct number (第十条之一 is its own number).
      A line opening with a quotation mark is not one (an amendment quoting the article it
      rewrites), nor is prose that opens with a reference (第五条规定的…, no space).
    * A chapter is a line starting with 第…章 that is followed by at least one article before
      the next chapter line, so a table of contents (chapter lines with nothing under them)
      is not counted, while chapters numbered afresh in each part (编) all are.

    Nothing else is interpreted: a source that repeats or skips a number is counted as
    printed, and the extraction is expected to report the anomaly."""
    body = body_of(text)
    found = list(_ARTICLE.finditer(body))
    articles = {(m.group(1), m.group(2)) for m in found}
    starts = [m.start() for m in found]
    chapter_starts = [m.start() for m in _CHAPTER.finditer(body)]
    chapters = 0
    for i, at in enumerate(chapter_starts):
        nxt = chapter_starts[i + 1] if i + 1 < len(chapter_starts) else len(body)
        first_article = bisect.bisect_right(starts, at)
        if first_article < len(starts) and starts[first_article] < nxt:
            chapters += 1
    return len(articles), chapters


_PRINTED_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def printed_dates(text: str) -> set[str]:
    """Every 2020年5月14日-style date printed anywhere in the file, as ISO strings: a
    metadata date that is not among them cannot be read from the text at all (the
    collection's maintainers took it from elsewhere, or it is wrong).  Arabic digits only
    (full-width folded); the few dates in Chinese numerals are not looked for."""
    out = set()
    for m in _PRINTED_DATE.finditer(unicodedata.normalize("NFKC", text)):
        y, mo, d = (int(g) for g in m.groups())
        out.add(f"{y:04d}-{mo:02d}-{d:02d}")
    return out


# ------------------------------------------------------------------ measuring

def _date(doc, kind: str) -> str:
    for d in doc.dates:
        if d.kind == kind and d.value is not None:
            return d.value.isoformat()
    return ""


def _level_key(doc) -> str:
    m = getattr(doc, "legal_level", None)
    if m is None or not m.key:
        return ""
    return m.key.removeprefix("legal-")


def _date_kind(got: str, row: Row, own: str) -> str:
    """Why a date disagrees, in words the genre's author can act on."""
    if not got:
        return "missing"
    others = {"publish": "metadata's publish", "valid_from": "metadata's valid_from"}
    for field, name in others.items():
        if field != own and got == getattr(row, field):
            return f"= {name}"
    expected = getattr(row, own)
    if got[:4] == expected[:4]:
        return "same year, other day"
    return "earlier year" if got < expected else "later year"


def git_state() -> dict:
    """The commit measured, and the loaders' and ontology's files that differ from it, with a
    hash of each (others edit this working tree while a run goes on)."""
    def run(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.rstrip("\n")  # porcelain's leading blank counts
        except (OSError, subprocess.SubprocessError):
            return ""
    changed = {}
    for line in run("status", "--porcelain", "--untracked-files=all", "--", "loaders", "ontology").splitlines():
        path = REPO_ROOT / line[3:].strip()
        if path.is_file() and path.suffix in (".py", ".ttl"):
            changed[line[3:].strip()] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return {"commit": run("rev-parse", "--short", "HEAD").strip(), "loaders_modified": bool(changed),
            "uncommitted": changed}


def measure(corpus_dir: Path | str = DEFAULT_CORPUS, files: Iterable[str] | None = None, *,
            progress: Callable[[int, int], None] | None = None) -> dict:
    """Extract every file of ``files`` (paths as metadata.csv gives them; default: all) and
    score it against metadata.csv.  Returns the numbers :func:`render` prints."""
    from cgtkg.graph.namespaces import DEFAULT_BASE
    from cgtkg.loaders.text.corpus import _Shared, extract_file

    from cgtkg.pipeline.build import load_registry
    from cgtkg.resources import REPO_ROOT as CODE_ROOT

    state = git_state()  # now, while the modules just imported are what is on disk
    corpus_dir = Path(corpus_dir)
    rows = read_metadata(corpus_dir)
    by_file = {r.file: r for r in rows}
    if files is None:
        chosen = rows
    else:
        files = list(files)
        unknown = [f for f in files if f not in by_file]
        if unknown:
            raise CorpusMissing(f"{len(unknown)} file(s) not in {corpus_dir / 'metadata.csv'}, "
                                f"e.g. {unknown[0]}")
        chosen = [by_file[f] for f in files]
    missing = [r.file for r in chosen if not (corpus_dir / r.file).is_file()]
    if missing:
        raise CorpusMissing(f"{len(missing)} file(s) listed in metadata.csv are not in "
                            f"{corpus_dir}, e.g. {missing[0]}")

    reg = load_registry(CODE_ROOT / "ontology")
    shared = _Shared(reg, DEFAULT_BASE)

    fields = {f: {"scored": 0, "correct": 0, "extracted": 0, "in_text": 0, "in_text_correct": 0,
                  "correct_not_in_text": 0,
                  "disagreements": []}
              for f in ("publication", "in_force", "level")}
    confusion: dict[str, Counter] = defaultdict(Counter)
    structure = {"files": 0, "equal": 0, "anomaly": 0, "disagreements": []}
    per_folder: dict[str, Counter] = defaultdict(Counter)
    failed, genres = [], Counter()
    expired = 0
    same_as_name = 0  # metadata's publish is the date in the file's name
    seconds = 0.0
    size = 0

    for i, row in enumerate(chosen):
        path = corpus_dir / row.file
        raw = path.read_bytes()
        size += len(raw)
        t0 = time.perf_counter()
        fr = extract_file(path, reg, DEFAULT_BASE, _shared=shared)
        seconds += time.perf_counter() - t0
        if progress:
            progress(i + 1, len(chosen))

        docs = fr.extraction.documents if fr.extraction else []
        main = next((j for j, d in enumerate(docs) if d.genre != "cited"), None)
        doc = docs[main] if main is not None else None
        genres[fr.report.get("genre") or "none"] += 1
        crashed = [p.message for p in fr.problems if "extraction failed" in p.message]
        if crashed or doc is None:
            failed.append({"file": row.file, "status": fr.report.get("status"),
                           "genre": fr.report.get("genre"), "crashed": bool(crashed),
                           "why": crashed[0] if crashed else "no main document extracted"})
        folder = per_folder[row.folder]
        folder["files"] += 1

        got = {"publication": _date(doc, "publication") if doc else "",
               "in_force": _date(doc, "in_force") if doc else "",
               "level": _level_key(doc) if doc else ""}
        expected = {"publication": row.publish, "in_force": row.valid_from, "level": row.level}
        text = raw.decode("utf-8", errors="replace")
        dates_in_text = printed_dates(text)
        for f, s in fields.items():
            exp = expected[f]
            if f == "level":
                confusion[row.level or "(empty)"][got[f] or "—"] += 1
                if exp not in LEVELS:
                    continue
                ok = got[f] in LEVELS[exp]
                kind = "missing" if not got[f] else "other level"
            else:
                if not exp:
                    continue
                ok = got[f] == exp
                kind = "" if ok else _date_kind(got[f], row, "publish" if f == "publication"
                                                else "valid_from")
            s["scored"] += 1
            s["extracted"] += bool(got[f])
            s["correct"] += ok
            in_text = f == "level" or exp in dates_in_text
            s["in_text"] += in_text
            s["in_text_correct"] += ok and in_text
            s["correct_not_in_text"] += ok and not in_text
            folder[f + "_scored"] += 1
            folder[f + "_correct"] += ok
            if not ok:
                d = {"file": row.file, "expected": exp, "got": got[f], "kind": kind}
                if f != "level":
                    d["expected_in_text"] = in_text
                s["disagreements"].append(d)

        want_a, want_c = independent_counts(text)
        provs = list(doc.all_provisions()) if doc else []
        got_a = sum(p.kind == "article" for p in provs)
        got_c = sum(p.kind == "chapter" for p in provs)
        reports = fr.report.get("documents") or []
        anomalies = reports[main].get("numbering_anomalies", []) if main is not None and \
            main < len(reports) else []
        structure["files"] += 1
        folder["structure_scored"] += 1
        if (got_a, got_c) == (want_a, want_c):
            structure["equal"] += 1
            folder["structure_correct"] += 1
        elif anomalies:
            structure["anomaly"] += 1
            folder["structure_correct"] += 1
        else:
            structure["disagreements"].append({
                "file": row.file, "articles_expected": want_a, "articles_got": got_a,
                "chapters_expected": want_c, "chapters_got": got_c,
                "genre": fr.report.get("genre")})
        expired += row.expired == "1"
        same_as_name += bool(row.publish) and row.publish == row.filename_date

    for s in fields.values():
        s["accuracy"] = s["correct"] / s["scored"] if s["scored"] else None
        s["coverage"] = s["extracted"] / s["scored"] if s["scored"] else None
        s["kinds"] = dict(Counter(d["kind"] for d in s["disagreements"]).most_common())
        # the ceiling a reading of the text can reach: files whose metadata date is printed
        s["accuracy_in_text"] = s["in_text_correct"] / s["in_text"] if s["in_text"] else None
        s["expected_not_in_text"] = sum(d.get("expected_in_text") is False for d in s["disagreements"])
    agree = structure["equal"] + structure["anomaly"]
    structure["agree"] = agree
    structure["share"] = agree / structure["files"] if structure["files"] else None
    structure["kinds"] = dict(Counter(_structure_kind(d) for d in structure["disagreements"])
                              .most_common())
    scores = {f: fields[f]["accuracy"] for f in fields} | {"structure": structure["share"]}
    return {
        "corpus": str(corpus_dir),
        **state,
        "files": len(chosen),
        "mb": size / 1e6,
        "seconds": seconds,
        "mb_s": size / 1e6 / seconds if seconds else None,
        "fields": fields,
        "level_confusion": {k: dict(v.most_common()) for k, v in sorted(confusion.items())},
        "structure": structure,
        "publish_is_filename_date": same_as_name,
        "expired": {"metadata": expired, "extraction": "not modelled"},
        "failed": failed,
        "genres": dict(genres.most_common()),
        "per_folder": {k: dict(v) for k, v in sorted(per_folder.items())},
        "scores": scores,
        "targets": dict(TARGETS),
        "pass": {f: scores[f] is not None and scores[f] >= TARGETS[f] for f in TARGETS},
    }


def _structure_kind(d: dict) -> str:
    parts = []
    for what in ("articles", "chapters"):
        want, got = d[f"{what}_expected"], d[f"{what}_got"]
        if want != got:
            parts.append(f"{what} {'none found' if got == 0 else 'fewer' if got < want else 'more'}")
    return ", ".join(parts)


# ------------------------------------------------------------------ printing

def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _examples(disagreements: list[dict], n: int = SHOWN) -> list[dict]:
    """The first ``n`` disagreements, taken in turn from each kind of disagreement so that
    a rare kind shows up next to a common one."""
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for d in disagreements:
        by_kind[d.get("kind") or _structure_kind(d)].append(d)
    queues = list(by_kind.values())
    out: list[dict] = []
    while len(out) < n and any(queues):
        for q in queues:
            if q and len(out) < n:
                out.append(q.pop(0))
    return out


def render(r: dict) -> str:
    out = []
    dirty = ""
    if r.get("uncommitted"):
        dirty = " + uncommitted " + ", ".join(f"{p} ({h})" for p, h in sorted(r["uncommitted"].items()))
    out += [f"Corpus: {r['corpus']}; {r['files']:,} files, {r['mb']:.1f} MB; commit "
            f"{r.get('commit') or '?'}{dirty}",
            f"Extraction: {r['seconds']:.1f} s, {r['mb_s'] or 0:.3f} MB/s (extract_file only, one core)",
            f"Genres chosen: {', '.join(f'{k} {v}' for k, v in r['genres'].items())}", ""]
    names = {"publication": "publication date", "in_force": "entry into force",
             "level": "legal level", "structure": "structure (articles, chapters)"}
    out += ["| field | scored | correct | accuracy | coverage | target | result |",
            "|---|---|---|---|---|---|---|"]
    for f, s in r["fields"].items():
        out.append(f"| {names[f]} | {s['scored']:,} | {s['correct']:,} | {_pct(s['accuracy'])} | "
                   f"{_pct(s['coverage'])} | >= {TARGETS[f]} | {'PASS' if r['pass'][f] else 'FAIL'} |")
    st = r["structure"]
    out.append(f"| {names['structure']} | {st['files']:,} | {st['agree']:,} | {_pct(st['share'])} | "
               f"— | >= {TARGETS['structure']} | {'PASS' if r['pass']['structure'] else 'FAIL'} |")
    out += ["", f"Structure: {st['equal']:,} files with equal counts, {st['anomaly']:,} more with a "
                f"numbering anomaly reported, {len(st['disagreements']):,} disagree.",
            f"Expired: metadata marks {r['expired']['metadata']} of these files expired; "
            f"the extraction: {r['expired']['extraction']} (the graph has no expiry yet).",
            f"Files with no main document or a failed extraction: {len(r['failed'])}"]
    for d in r["failed"][:SHOWN]:
        out.append(f"  {d['file']}: {d['why']} (genre {d['genre']})")

    out += ["", "Per folder (accuracy; scored files in brackets):", "",
            "| folder | files | publication | in force | level | structure |",
            "|---|---|---|---|---|---|"]
    for folder, c in r["per_folder"].items():
        cells = []
        for f in ("publication", "in_force", "level", "structure"):
            n = c.get(f + "_scored", 0)
            cells.append(f"{c.get(f + '_correct', 0) / n:.2f} ({n})" if n else "—")
        out.append(f"| {folder} | {c['files']} | " + " | ".join(cells) + " |")

    levels = sorted({g for v in r["level_confusion"].values() for g in v})
    out += ["", "Legal level: metadata (rows) against extraction (columns):", "",
            "| metadata | " + " | ".join(levels) + " |", "|---|" + "---|" * len(levels)]
    for exp, got in r["level_confusion"].items():
        out.append(f"| {exp} | " + " | ".join(str(got.get(g, "")) for g in levels) + " |")

    for f, s in r["fields"].items():
        if not s["disagreements"]:
            continue
        kinds = "; ".join(f"{k} {v}" for k, v in s["kinds"].items())
        out += ["", f"{names[f]}: {len(s['disagreements'])} disagreements ({kinds})"]
        if f != "level":
            out.append(f"  in {s['expected_not_in_text']} of them metadata's date is printed nowhere in "
                       f"the file (as 2020年5月14日); over the files where it is printed, accuracy "
                       f"is {_pct(s['accuracy_in_text'])} ({s['in_text_correct']:,}/{s['in_text']:,})")
            why = ("inferred (自公布之日起施行) or read from the file name" if f == "in_force" else
                   "read from the file name or inferred; not independent evidence, as metadata's publish "
                   f"is the file name's date in {r['publish_is_filename_date']:,} of {s['scored']:,} files")
            out.append(f"  {s['correct_not_in_text']:,} answers count as correct although the text never "
                       f"prints the date: {why}")
        out.append("  examples:")
        for d in _examples(s["disagreements"]):
            out.append(f"  {d['file']}: expected {d['expected']}, got {d['got'] or '—'}")
    if st["disagreements"]:
        kinds = "; ".join(f"{k} {v}" for k, v in st["kinds"].items())
        out += ["", f"structure: {len(st['disagreements'])} disagreements ({kinds}); examples "
                    "(articles, chapters expected -> got):"]
        for d in _examples(st["disagreements"]):
            out.append(f"  {d['file']}: {d['articles_expected']}, {d['chapters_expected']} -> "
                       f"{d['articles_got']}, {d['chapters_got']} (genre {d['genre']})")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                    help=f"folder with metadata.csv and the originals (default {DEFAULT_CORPUS})")
    ap.add_argument("--sample", type=int, help="measure N files, stratified by folder and level")
    ap.add_argument("--seed", type=int, default=1, help="seed of the sample (default 1)")
    ap.add_argument("--json", type=Path, help="also write every number and disagreement here")
    args = ap.parse_args(argv)
    try:
        files = sample(read_metadata(args.corpus), args.sample, args.seed) if args.sample else None

        def progress(i: int, n: int) -> None:
            if i % 250 == 0 or i == n:
                print(f"  {i:,}/{n:,} files extracted", file=sys.stderr, flush=True)

        result = measure(args.corpus, files, progress=progress)
    except CorpusMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    result["command"] = " ".join(["python benchmarks/zh_accuracy.py", *(argv or sys.argv[1:])])
    print(render(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if all(result["pass"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
