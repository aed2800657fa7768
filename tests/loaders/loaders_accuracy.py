"""Extraction measured against the curated records: precision and recall per fact type.

Extracted documents are matched to curated records by generic means only: the record must
list the text as one of its sources (data/sources.yaml maps file -> source key), and then a
document number in common, or title similarity (either language), with agreeing dates as
tie-break.  Nothing here names a particular file or record.

Run as a script for the table:  .venv/bin/python tests/loaders/loaders_accuracy.py [-v]
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from cgtkg.loaders.text.structure import similar

FACTS = ("documents", "issuers", "dates", "doc_types", "regions", "therapies", "provisions",
         "responsible", "provision_regions", "provision_therapies", "modality", "addressees",
         "excludes")
MATCH_THRESHOLD = 0.6


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list = field(default_factory=list)
    extras: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, got: set, want: set, where: str = "") -> None:
        self.tp += len(got & want)
        self.fp += len(got - want)
        self.fn += len(want - got)
        self.extras += [(where, x) for x in sorted(got - want, key=str)]
        self.misses += [(where, x) for x in sorted(want - got, key=str)]


def load_records(records_dir: Path) -> list[dict]:
    out = []
    for f in sorted(Path(records_dir).glob("*.yaml")):
        r = yaml.safe_load(f.read_text(encoding="utf-8"))
        if isinstance(r, dict) and r.get("key"):
            out.append(r)
    return out


def load_sources(sources_file: Path) -> dict[str, str]:
    """file name -> source key."""
    data = yaml.safe_load(Path(sources_file).read_text(encoding="utf-8")) or []
    return {s["file"]: s["key"] for s in data if isinstance(s, dict) and s.get("file")}


def _norm_number(n: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", str(n or "").lower())


def _date_values(v) -> set[str]:
    if v is None:
        return set()
    if isinstance(v, list):
        return {str(c.get("value")) for c in v if isinstance(c, dict) and c.get("value")}
    return {str(v)}


def _titles(r: dict) -> list[str]:
    t = r.get("title") or {}
    return [str(x) for x in (t.values() if isinstance(t, dict) else [t]) if x]


def title_similarity(a: str, b: str) -> float:
    """Translations reorder words ("X Regulations on Y" / "Regulations on Y in X"): the
    better of sequence similarity and word-set overlap (Dice)."""
    wa = set(re.findall(r"[a-z0-9]+|[\u3400-\u9fff]", a.lower()))
    wb = set(re.findall(r"[a-z0-9]+|[\u3400-\u9fff]", b.lower()))
    dice = 2 * len(wa & wb) / (len(wa) + len(wb)) if wa and wb else 0.0
    return max(similar(a, b), dice)


def match_documents(extracted: list[dict], records: list[dict]) -> list[tuple[dict, dict, float]]:
    """Greedy one-to-one matching by number, title similarity and dates."""
    scored = []
    for e in extracted:
        for r in records:
            s = 0.0
            if e.get("number") and _norm_number(e["number"]) == _norm_number(r.get("number")):
                s = 1.0
            else:
                s = max((title_similarity(a, b) for a in e["title"].values() for b in _titles(r)),
                        default=0.0)
            doc_dates = _date_values((r.get("dates") or {}).get("document"))
            if e["dates"].get("document") and e["dates"]["document"] in doc_dates:
                s += 0.1
            if s >= MATCH_THRESHOLD:
                scored.append((s, e["key"], r["key"], e, r))
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_e, used_r, out = set(), set(), []
    for s, ek, rk, e, r in scored:
        if ek in used_e or rk in used_r:
            continue
        used_e.add(ek)
        used_r.add(rk)
        out.append((e, r, s))
    return out


def _flatten(provs: list[dict], parent: tuple = ()) -> list[tuple[tuple, dict]]:
    out = []
    for p in provs or []:
        kind, num = p.get("type"), str(p.get("number"))
        path = parent + (kind, num) if kind in ("item", "paragraph") and parent else (kind, num)
        if kind in ("item",) and parent:
            path = parent + (kind, num)
        out.append((path, p))
        out.extend(_flatten(p.get("provisions") or [], path))
    return out


def curated_view(r: dict) -> dict:
    provs = _flatten(r.get("provisions") or [])
    dates = {k: _date_values(v) for k, v in (r.get("dates") or {}).items() if _date_values(v)}
    return {
        "issuers": set(r.get("issuers") or []),
        "type": r.get("type"),
        "dates": dates,
        "regions": set(r.get("regions") or []),
        "therapies": set(r.get("therapies") or []),
        "provisions": {path for path, _ in provs},
        "responsible": {(path, a) for path, p in provs for a in p.get("responsible") or []},
        "provision_regions": {(path, a) for path, p in provs for a in p.get("regions") or []},
        "provision_therapies": {(path, a) for path, p in provs for a in p.get("therapies") or []},
        "modality": {(path, a) for path, p in provs for a in p.get("modality") or []},
        "addressees": {(path, a) for path, p in provs for a in p.get("addressees") or []},
        "excludes": {(path, a) for path, p in provs for a in p.get("excludes") or []},
    }


def extracted_view(doc, with_provisions: bool) -> dict:
    """From a loaders.text Document."""
    provs = []

    def walk(ps, parent=()):
        for p in ps:
            path = parent + (p.kind, p.number) if p.kind == "item" and parent else (p.kind, p.number)
            provs.append((path, p))
            walk(p.children, path)

    walk(doc.provisions)
    keys = lambda ms: {m.key for m in ms if m.target is not None}  # noqa: E731
    dates: dict[str, set] = defaultdict(set)
    for d in doc.dates:
        if d.value:
            dates[d.kind].add(d.value.isoformat())
    return {
        "issuers": keys(doc.issuers),
        "type": doc.doctype.key if doc.doctype else None,
        "dates": dict(dates),
        "regions": keys(doc.regions),
        "therapies": keys(doc.therapies),
        "provisions": {path for path, _ in provs} if with_provisions else set(),
        "responsible": {(path, k) for path, p in provs for k in keys(p.responsible)},
        "provision_regions": {(path, k) for path, p in provs for k in keys(p.regions)},
        "provision_therapies": {(path, k) for path, p in provs for k in keys(p.therapies)},
        "modality": {(path, k) for path, p in provs for k in keys(p.modalities)},
        "addressees": {(path, k) for path, p in provs for k in keys(p.addressees)},
        "excludes": {(path, k) for path, p in provs for k in keys(p.excludes)},
    }


def evaluate(corpus_dir: Path, registry, records_dir: Path, sources_file: Path,
             base: str) -> tuple[dict[str, Score], list[str]]:
    from cgtkg.loaders.text.corpus import _Shared, extract_file

    records = load_records(records_dir)
    sources = load_sources(sources_file)
    shared = _Shared(registry, base)
    scores = {f: Score() for f in FACTS}
    log: list[str] = []
    by_record: dict[str, list[tuple[str, object]]] = defaultdict(list)
    gold_by_key = {r["key"]: r for r in records}
    for path in sorted(Path(corpus_dir).glob("*.txt")):
        src_key = sources.get(path.name)
        if src_key is None:
            log.append(f"{path.name}: no entry in sources.yaml, not measured")
            continue
        gold = [r for r in records if src_key in (r.get("sources") or [])]
        fr = extract_file(path, registry, base, _shared=shared)
        docs = fr.extraction.documents if fr.extraction else []
        ext = [{"key": d.key, "title": {t.lang or "en": str(t.value) for t in d.titles},
                "number": str(d.number.value) if d.number else None,
                "dates": {x.kind: x.value.isoformat() for x in d.dates if x.value}, "doc": d}
               for d in docs]
        pairs = match_documents(ext, gold)
        scores["documents"].tp += len(pairs)
        scores["documents"].fp += len(ext) - len(pairs)
        scores["documents"].fn += len(gold) - len(pairs)
        matched_e = {e["key"] for e, _, _ in pairs}
        matched_r = {r["key"] for _, r, _ in pairs}
        scores["documents"].extras += [(path.name, e["key"]) for e in ext if e["key"] not in matched_e]
        scores["documents"].misses += [(path.name, r["key"]) for r in gold if r["key"] not in matched_r]
        for e, r, sc in pairs:
            log.append(f"{path.name}:{r['key']} <- {e['key']} (match {sc:.2f})")
            by_record[r["key"]].append((path.name, e["doc"]))
    # a record stated by several texts is measured once: the union of what they gave
    for key, found in sorted(by_record.items()):
        r = gold_by_key[key]
        cv = curated_view(r)
        views = [extracted_view(doc, with_provisions=True) for _, doc in found]
        xv = {f: set().union(*(v[f] for v in views)) for f in views[0] if f not in ("type", "dates")}
        xv["type"] = {v["type"] for v in views} - {None}
        xv["dates"] = {(k, d) for v in views for k, ds in v["dates"].items() for d in ds}
        where = key
        for f in ("issuers", "regions", "therapies", "provisions", "responsible",
                  "provision_regions", "provision_therapies", "modality", "addressees", "excludes"):
            got = xv[f]
            if f.startswith("provision_") or f in ("modality", "addressees", "excludes"):
                # optional provision-level facts: compared on the provisions for which the
                # curator recorded that kind of fact at all
                recorded = {x[0] for x in cv[f]}
                got = {x for x in got if x[0] in recorded}
            if f in ("provisions", "responsible") and not r.get("provisions"):
                got = set()
            scores[f].add(got, cv[f], where)
        scores["doc_types"].add(xv["type"], {cv["type"]} - {None}, where)
        got_d = xv["dates"]
        want_d = {(k, v) for k, vs in cv["dates"].items() for v in vs}
        scores["dates"].add(got_d, want_d, where)
    return scores, log


def table(scores: dict[str, Score]) -> str:
    lines = [f"{'fact type':22} {'TP':>5} {'FP':>5} {'FN':>5} {'precision':>10} {'recall':>8}"]
    for f in FACTS:
        s = scores[f]
        lines.append(f"{f:22} {s.tp:5d} {s.fp:5d} {s.fn:5d} {s.precision:10.3f} {s.recall:8.3f}")
    return "\n".join(lines)


def main() -> None:  # pragma: no cover - manual use
    import sys

    from cgtkg.graph.namespaces import DEFAULT_BASE

    from cgtkg.pipeline.build import REPO_ROOT, load_registry

    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT.parent / "shared" / "corpus"
    reg = load_registry(REPO_ROOT / "ontology", DEFAULT_BASE)
    scores, log = evaluate(corpus, reg, REPO_ROOT / "data" / "records",
                           REPO_ROOT / "data" / "sources.yaml", DEFAULT_BASE)
    print(table(scores))
    if "-v" in sys.argv:
        print("\n".join(log))
        for f in FACTS:
            for where, x in scores[f].extras:
                print(f"  extra {f}: {where} {x}")
            for where, x in scores[f].misses:
                print(f"  missed {f}: {where} {x}")


if __name__ == "__main__":  # pragma: no cover
    main()

_ = dt  # dates are compared as ISO strings
