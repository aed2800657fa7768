"""Relations read from real Chinese originals, against a hand annotation (zh_relations.yaml):
the decisions that amend a law on its history lines (eli:amends, with the date), the laws it
is made under (根据《…》制定本: eli:based_on) and what it repeals (同时废止: eli:repeals).
Precision and recall are printed (``pytest -s``) and held above a floor; a 200-file random
sample is counted as well. Skips when ../shared/corpus-zh is absent."""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from cgtkg.graph.namespaces import DEFAULT_BASE

from cgtkg.pipeline.build import REPO_ROOT, load_registry

ANNOTATED = Path(__file__).parent / "zh_relations.yaml"
KINDS = {"amends": "amends", "based-on": "based_on", "repeals": "repeals"}
FLOOR = {"amends": (0.9, 0.8), "based_on": (0.9, 0.85), "repeals": (0.9, 0.85)}  # precision, recall


@pytest.fixture(scope="module")
def extractor(corpus_zh_dir):
    from cgtkg.loaders.text.corpus import _Shared, extract_file

    reg = load_registry(REPO_ROOT / "ontology")
    shared = _Shared(reg, DEFAULT_BASE)
    return lambda rel: extract_file(corpus_zh_dir / rel, reg, DEFAULT_BASE, _shared=shared)


def relations_of(fr) -> dict[str, list[str]]:
    """What the loader read: amends by date, based_on and repeals by title (spaces removed)."""
    docs = fr.extraction.documents if fr.extraction else []
    main = next((d for d in docs if d.genre != "cited"), None)
    out: dict[str, list[str]] = {k: [] for k in KINDS.values()}
    if main is None:
        return out
    for r in main.relations:
        key = r.date.isoformat() if r.kind == "amends" and r.date else _title(r.document)
        out[KINDS[r.kind]].append(key)
    out["repeals"] += [_title(c.document) for c in main.repeals]
    return out


def _one_file(root, name: str) -> str:
    """The file ``name`` names: itself, or the one file its ``*`` glob matches."""
    if "*" not in name:
        return name
    found = sorted(p.relative_to(root).as_posix() for p in root.glob(name))
    assert len(found) == 1, (name, found)
    return found[0]


def _title(doc) -> str:
    return re.sub(r"\s+", "", str(doc.titles[0].value)) if doc.titles else ""


def _match(kind: str, got: list[str], want: list[str]) -> tuple[int, int, int]:
    """(true positives, extracted, expected): a date equals; a title starts with the
    annotated opening characters; each expected item matches at most one extracted."""
    free = list(got)
    tp = 0
    for w in want:
        hit = next((g for g in free if (g == w if kind == "amends" else g.startswith(w))), None)
        if hit is not None:
            free.remove(hit)
            tp += 1
    return tp, len(got), len(want)


def test_relations_against_the_hand_annotation(extractor, corpus_zh_dir):
    cases = yaml.safe_load(ANNOTATED.read_text(encoding="utf-8"))
    assert len(cases) >= 30
    totals = {k: Counter() for k in FLOOR}
    misses = []
    for case in cases:
        got = relations_of(extractor(_one_file(corpus_zh_dir, case["file"])))
        for kind in FLOOR:
            want = [str(x) for x in case.get(kind) or []]
            tp, n_got, n_want = _match(kind, got[kind], want)
            totals[kind].update(tp=tp, got=n_got, want=n_want)
            if tp < max(n_got, n_want):
                misses.append(f"{case['file']}: {kind} got {got[kind]} want {want}")
    lines = []
    for kind, t in totals.items():
        p = t["tp"] / t["got"] if t["got"] else 1.0
        r = t["tp"] / t["want"] if t["want"] else 1.0
        lines.append(f"{kind:9} precision {p:.3f} ({t['tp']}/{t['got']})  recall {r:.3f} ({t['tp']}/{t['want']})")
    print("\nRelations in", len(cases), "annotated Chinese originals:\n  " + "\n  ".join(lines))
    print("  differences:\n    " + "\n    ".join(misses) if misses else "  no differences")
    for kind, (pf, rf) in FLOOR.items():
        t = totals[kind]
        assert t["tp"] / t["got"] >= pf, (kind, lines, misses)
        assert t["tp"] / t["want"] >= rf, (kind, lines, misses)


def test_relations_on_a_random_sample(extractor, corpus_zh_dir):
    """Counts on 200 files drawn at random (seed 22): how many texts state each relation, how
    many relations, and that every relation found is a node with its source in the graph."""
    from cgtkg.graph.namespaces import CGT
    from rdflib.namespace import RDF

    with open(corpus_zh_dir / "metadata.csv", encoding="utf-8") as f:
        files = sorted(r["file"] for r in csv.DictReader(f))
    sample = random.Random(22).sample(files, 200)
    texts, relations, nodes = Counter(), Counter(), 0
    for rel in sample:
        fr = extractor(rel)
        got = relations_of(fr)
        for kind, items in got.items():
            texts[kind] += bool(items)
            relations[kind] += len(items)
        if fr.graph is not None:
            nodes += len(set(fr.graph.subjects(RDF.type, CGT.DocumentRelation)))
    print(f"\n200 random Chinese originals: texts with amends {texts['amends']}, based_on "
          f"{texts['based_on']}, repeals {texts['repeals']}; relations {dict(relations)}; "
          f"DocumentRelation nodes {nodes}")
    assert nodes == sum(relations.values())  # one node per relation, none lost
    assert texts["based_on"] >= 40 and texts["amends"] >= 20  # the corpus's laws state them often

