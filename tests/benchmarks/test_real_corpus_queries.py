"""``benchmarks/real_corpus.py --queries`` times every saved query on a build's store (issue 25:
"keep every answer interactive" on real text). Run here on the session's build of the
repository's data and the five English texts, not on corpus-zh (minutes to build)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from cgtkg.graph.query import saved_queries

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "real_corpus.py"


def _module():
    spec = importlib.util.spec_from_file_location("real_corpus_bench", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_every_saved_query_is_timed_with_its_rows(built_texts):
    bench = _module()
    found = bench.time_queries(built_texts.out_dir)
    expected = {q.name for q in saved_queries() if not q.is_violation}
    # every one ran to the end (a query needing a parameter took its example's)
    assert set(found) == expected
    assert all(seconds >= 0 and rows >= 0 for seconds, rows in found.values())
    # the default parameters and examples answer something on the texts
    assert sum(rows > 0 for _, rows in found.values()) >= len(expected) * 3 // 4
    lines = bench._query_lines(found)
    assert f"saved queries: {len(expected)}" in lines


def test_a_query_over_the_cap_is_reported_and_stopped(built_texts):
    bench = _module()
    found = bench.time_queries(built_texts.out_dir, cap_s=0.0)
    assert found["(the next query)"][1] == -1
    over = bench._query_lines({"slow-one": (3.5, 10), "quick": (0.1, 2)})
    assert "1 over 2 s" in over and "slow-one 3.50 s (10 rows)" in over
