"""Extraction on the fixture pages (tests/loaders/fixtures/pages) scored against what each page
states (expected.yaml): documents found, titles, issuers, dates, document numbers,
promulgation links, provisions, responsible bodies, and provisions made from page furniture.

The pages are written for these tests in the forms real pages take (studied.yaml lists the
public pages the forms come from and what each taught).  Nothing here names a page: every
page is extracted and scored the same way.

Run as a script for the table:  .venv/bin/python tests/loaders/pages_accuracy.py [-v]
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from loaders_accuracy import Score

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
FACTS = ("documents", "titles", "issuers", "dates", "numbers", "promulgates", "provisions",
         "responsible", "furniture_provisions", "furniture_classified")


def _norm(t: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(t).lower()).strip()


def _path(doc_prov_path: list[tuple[str, str]]) -> str:
    return "/".join(f"{k}/{n}" for k, n in doc_prov_path)


def _walk(provs, prefix=()):
    for p in provs:
        path = prefix + ((p.kind, p.number),)
        yield path, p
        yield from _walk(p.children, path)


def _match(want: dict, docs: list) -> object | None:
    """The extracted document for an expected one: same title after normalising, else the
    closest title above 0.8 similarity (difflib on words)."""
    import difflib

    t = _norm(want["title"])
    best, score = None, 0.0
    for d in docs:
        for v in d.titles:
            s = 1.0 if _norm(v.value) == t else difflib.SequenceMatcher(
                None, _norm(v.value).split(), t.split()).ratio()
            if s > score:
                best, score = d, s
    return best if score >= 0.8 else None


def evaluate(extract, expected_file: Path = FIXTURES / "expected.yaml"):
    """``extract(path) -> FileResult``.  Returns {fact: Score} and the per-page log."""
    expected = yaml.safe_load(expected_file.read_text(encoding="utf-8"))
    scores = {f: Score() for f in FACTS}
    per_page: dict[str, dict[str, Score]] = {}
    for name, want_page in expected.items():
        page_scores = per_page[name] = {f: Score() for f in FACTS}

        def add(fact, got, want, where, _page=page_scores):
            scores[fact].add(got, want, where)
            _page[fact].add(got, want, where)

        fr = extract(FIXTURES / name)
        docs = [d for d in fr.extraction.documents if d.genre != "cited"] if fr.extraction else []
        src = fr.source
        matched = {}
        for w in want_page["documents"]:
            d = _match(w, docs)
            key = (name, w["title"][:50])
            add("documents", {key} if d is not None else set(), {key}, name)
            if d is None:
                continue
            matched[id(d)] = d
            got_title = {_norm(v.value) for v in d.titles if v.lang == "en"}
            add("titles", {(key, x) for x in got_title}, {(key, _norm(w["title"]))}, name)
            if "issuers" in w:
                add("issuers", {(key, m.key) for m in d.issuers if m.target is not None},
                                      {(key, k) for k in w["issuers"]}, name)
            want_dates = {(key, k, str(v)) for k, v in (w.get("dates") or {}).items()}
            got_dates = {(key, x.kind, x.value.isoformat()) for x in d.dates
                         if x.value is not None and x.kind in ("document", "publication", "in_force")}
            add("dates", got_dates, want_dates, name)
            want_num = {(key, _norm(w["number"]))} if w.get("number") else set()
            got_num = {(key, _norm(d.number.value))} if d.number is not None else set()
            add("numbers", got_num, want_num, name)
            want_prom = {(key, _norm(w["promulgates"]))} if w.get("promulgates") else set()
            got_prom = {(key, _norm(c.document.titles[0].value)) for c in d.promulgates
                        if c.document.titles}
            add("promulgates", got_prom, want_prom, name)
            if w.get("title_from_page"):
                add("titles", {(key, "from-page")} if d.title_from_page else set(),
                                     {(key, "from-page")}, name)
            want_provs = {(key, p["path"], p["printed"]) for p in w.get("provisions", [])}
            got_provs = {(key, _path(path), p.printed) for path, p in _walk(d.provisions)}
            add("provisions", got_provs, want_provs, name)
            want_resp = {(key, p["path"], b) for p in w.get("provisions", []) for b in p.get("responsible", [])}
            got_resp = {(key, _path(path), m.key) for path, p in _walk(d.provisions)
                        for m in p.responsible if m.target is not None}
            add("responsible", got_resp, want_resp, name)
        for d in docs:  # documents the page does not state (extras)
            if id(d) not in matched:
                add("documents", {(name, d.titles[0].value[:50] if d.titles else "?")}, set(), name)
        # no provision starts on a line of page furniture, and every furniture line is classified
        furniture = {x.strip() for x in want_page.get("furniture") or []}
        lines = src.lines()
        bad = set()
        for d in docs:
            for _, p in _walk(d.provisions):
                ln = lines[src.line_of(p.span.start) - 1]
                if ln.text.strip() in furniture:
                    bad.add((name, ln.number))
        add("furniture_provisions", bad, set(), name)
        classified = {ln.number for ln in lines if ln.text.strip() in furniture
                      and _classified_as_furniture(fr.extraction, ln)}
        add("furniture_classified", {(name, n) for n in classified},
                                           {(name, ln.number) for ln in lines if ln.text.strip() in furniture
                                            and ln.text.strip()}, name)
    scores["_pages"] = per_page  # type: ignore[assignment]
    scores["_forms"] = {name: page.get("form", "") for name, page in expected.items()}  # type: ignore[assignment]
    return scores


def _classified_as_furniture(ext, ln) -> bool:
    return any(s.kind in ("header", "boilerplate") and s.span.start <= ln.start and ln.end <= s.span.end
               for s in ext.segments)


def table_by_form(scores: dict) -> str:
    """One row per fixture page, that is per form of page: found / stated for each fact."""
    cols = ("documents", "issuers", "dates", "numbers", "provisions", "responsible")
    out = [f"{'page: form':<78} " + " ".join(f"{c[:11]:>11}" for c in cols) + "  furniture-provisions"]
    for name, page in scores["_pages"].items():
        form = f"{name.removesuffix('.txt')}: {scores['_forms'].get(name, '')}"[:78]
        cells = []
        for c in cols:
            sc = page[c]
            cells.append(f"{sc.tp}/{sc.tp + sc.fn}" + ("" if not sc.fp else f"+{sc.fp}"))
        out.append(f"{form:<78} " + " ".join(f"{x:>11}" for x in cells) +
                   f"  {page['furniture_provisions'].fp:>20}")
    return "\n".join(out)


def table(scores: dict) -> str:
    out = [f"{'fact type':<22} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}"]
    for f in FACTS:
        s = scores[f]
        out.append(f"{f:<22} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.precision:>10.3f} {s.recall:>8.3f}")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - a script for people
    import sys

    from cgtkg.graph.namespaces import DEFAULT_BASE
    from cgtkg.loaders.text import extract_file
    from cgtkg.loaders.text.corpus import _Shared

    from cgtkg.pipeline.build import REPO_ROOT, load_registry

    reg = load_registry(REPO_ROOT / "ontology", DEFAULT_BASE)
    shared = _Shared(reg, DEFAULT_BASE)
    scores = evaluate(lambda p: extract_file(p, reg, DEFAULT_BASE, _shared=shared))
    print(table(scores))
    print(table_by_form(scores))
    if "-v" in sys.argv:
        for f in FACTS:
            s = scores[f]
            for where, x in s.misses:
                print(f"MISS  {f:<20} {where}: {x}")
            for where, x in s.extras:
                print(f"EXTRA {f:<20} {where}: {x}")

