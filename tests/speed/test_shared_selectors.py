"""Provenance that costs less (issue 25): facts read from the same passage share one target
and its selectors (loaders/text/rdf.py), and every "where does it say so" answer is the same
as when each fact had its own: the saved queries that return passages give the same rows."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from cgtkg.graph import query as Q
from cgtkg.graph.store import GraphStore
from cgtkg.loaders.text import rdf

from cgtkg.pipeline.build import BuildOptions, build

# a shared target or selector is named after its place, an annotation's own after the annotation
_PLACE = re.compile(r"/annotation/[^/]+/(target|position|quote|name)$")


def passage_queries() -> list[Q.SavedQuery]:
    """The saved queries that answer with passages (they read ``oa:exact``)."""
    return [q for q in Q.saved_queries() if "oa:exact" in q.text and not q.name.endswith("-violation")]


def answers(out: Path) -> dict[str, Counter]:
    """Each passage query's rows with every parameter left open (so over every agency,
    document, ...), target and selector IRIs replaced by their kind."""
    store = GraphStore.open(out)
    found = {}
    for q in passage_queries():
        res = Q.run_local(store, q, {})
        rows = Counter()
        for r in res.rows:
            rows[tuple(sorted((k, _PLACE.sub(r"/\1", str(v)) if v is not None else "") for k, v in r.items()))] += 1
        found[q.name] = rows
    return found


def _build(corpus: Path, out: Path, share: bool, monkeypatch, context_when_needed: bool = True) -> dict:
    monkeypatch.setattr(rdf, "SHARE_SELECTORS", share)
    monkeypatch.setattr(rdf, "CONTEXT_WHEN_NEEDED", context_when_needed)
    res = build(BuildOptions(out_dir=out, corpus_dir=corpus, jobs=1), incremental=False)
    assert res.published, "\n".join(map(str, res.problems + res.violations))
    return res.report


def _assert_same_answers(old: dict[str, Counter], new: dict[str, Counter]) -> None:
    for name in old:
        assert new[name] == old[name], f"{name}: {sum((old[name] - new[name]).values())} rows lost, " \
                                       f"{sum((new[name] - old[name]).values())} new"


def _extracted(report: dict) -> dict[str, int]:
    """Triples per extracted text's graph."""
    return {g: n for g, n in report["named_graphs"].items() if "/graph/extracted/" in g}


@pytest.mark.slow
def test_shared_selectors_answer_where_it_says_so_as_before(tmp_path, corpus_dir, monkeypatch):
    before = _build(corpus_dir, tmp_path / "own", False, monkeypatch)
    after = _build(corpus_dir, tmp_path / "shared", True, monkeypatch)
    old, new = answers(tmp_path / "own"), answers(tmp_path / "shared")
    assert len(old) >= 8, "the saved queries that return passages"
    answered = [name for name, rows in old.items() if rows]
    # most of them have answers on the five texts: a comparison of empty answers proves nothing
    assert len(answered) >= 5, answered
    _assert_same_answers(old, new)
    extracted, shared = _extracted(before), _extracted(after)
    assert sorted(extracted) == sorted(shared)
    # fewer triples, and no other count changed
    assert sum(shared.values()) < sum(extracted.values())
    assert before["stats"] | {"triples": 0} == after["stats"] | {"triples": 0}
    print(f"\nextracted triples: {sum(extracted.values())} with a target per annotation, "
          f"{sum(shared.values())} shared ({sum(shared.values()) / sum(extracted.values()):.3f})")


@pytest.mark.slow
def test_quote_context_where_needed_answers_as_before(tmp_path, corpus_dir, monkeypatch):
    """Without the prefix and suffix of quotes whose words occur once (loaders/text/rdf.py,
    ``CONTEXT_WHEN_NEEDED``), every passage query answers the same rows."""
    before = _build(corpus_dir, tmp_path / "always", True, monkeypatch, context_when_needed=False)
    after = _build(corpus_dir, tmp_path / "needed", True, monkeypatch, context_when_needed=True)
    old, new = answers(tmp_path / "always"), answers(tmp_path / "needed")
    assert sum(bool(rows) for rows in old.values()) >= 5
    _assert_same_answers(old, new)
    always, needed = sum(_extracted(before).values()), sum(_extracted(after).values())
    assert needed < always
    assert before["stats"] | {"triples": 0} == after["stats"] | {"triples": 0}
    print(f"\nextracted triples: {always} with context on every quote, {needed} where needed "
          f"({needed / always:.3f})")
