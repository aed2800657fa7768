"""A store built by another output format is named, not silently answered from.

The build derives facts that saved queries rely on (0.3.1 added ``cgt:selfOrBroader``); a
store built before that answers those queries with no rows.  Every command that reads a
store, and the Python API, warns then, and says to rebuild.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import warnings

import pyoxigraph as ox
import pytest
from cgtkg.graph.namespaces import CGT
from cgtkg.graph.store import GENERATION_MARKER, format_version
from cgtkg.graph.version import TOOL_VERSION
from click.testing import CliRunner

from cgtkg.api import KnowledgeGraph, StaleStoreWarning
from cgtkg.cli import main

QUESTION = ["query", "bodies-in-region", "--param", "region=rg:guangdong",
            "--param", "therapy=th:cell-therapy", "--format", "csv"]


def _ask(out, *args):
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    rows = list(csv.DictReader(io.StringIO(result.stdout))) if result.stdout.strip() else []
    return result, rows


@pytest.fixture
def copy(built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    return out


def _make_it_look_older(out, marker_text: str | None) -> None:
    """What a 0.3.0 build left: no cgt:selfOrBroader, and its version in its files."""
    generation = (out / "current").resolve()
    store = ox.Store(str(generation / "store"))
    doomed = list(store.quads_for_pattern(None, ox.NamedNode(str(CGT.selfOrBroader)), None, None))
    assert doomed, "the build derives cgt:selfOrBroader"
    for quad in doomed:
        store.remove(quad)
    store.flush()
    del store
    if marker_text is None:  # a generation made before the marker held the version
        (generation / GENERATION_MARKER).write_text("")
        report = generation / "build-report.json"
        report.write_text(report.read_text("utf-8").replace(f'"tool_version": "{TOOL_VERSION}"',
                                                            '"tool_version": "0.3.0"', 1), "utf-8")
    else:
        (generation / GENERATION_MARKER).write_text(marker_text)


def test_a_current_store_answers_without_a_warning(built):
    assert format_version((built.out_dir / "current").resolve()) == TOOL_VERSION
    result, rows = _ask(built.out_dir, *QUESTION)
    assert result.exit_code == 0
    assert rows, "Guangdong's bodies responsible for cell therapy"
    assert "warning" not in result.stderr


@pytest.mark.parametrize("marker", [json.dumps({"tool_version": "0.3.0"}), None],
                         ids=["marker", "report-of-an-older-build"])
def test_an_older_store_is_named_with_the_fix_when_its_answer_may_be_short(copy, marker):
    _make_it_look_older(copy, marker)
    result, rows = _ask(copy, *QUESTION)
    assert result.exit_code == 0
    assert rows == []  # what the user would otherwise have trusted
    assert "format 0.3.0" in result.stderr and f"format {TOOL_VERSION}" in result.stderr
    assert f"cgtkg build --out {copy}" in result.stderr


def test_every_reading_command_and_the_api_warn(copy):
    _make_it_look_older(copy, json.dumps({"tool_version": "0.2.9"}))
    for args in (["keys", "regions", "--search", "guangdong"],
                 ["export", "--format", "nt", "--output", str(copy.parent / "graph.nt")],
                 ["network", "--metrics"]):
        result = CliRunner().invoke(main, [*args, "--out", str(copy)])
        assert "format 0.2.9" in result.stderr, (args, result.stderr[-500:])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        KnowledgeGraph(copy)
    assert [w for w in caught if issubclass(w.category, StaleStoreWarning) and "0.2.9" in str(w.message)]


def test_a_marker_that_says_nothing_usable_is_a_warning_not_a_failure(copy):
    generation = (copy / "current").resolve()
    (generation / GENERATION_MARKER).write_text("{not json")
    (generation / "build-report.json").write_text("{}")
    result, rows = _ask(copy, *QUESTION)
    assert result.exit_code == 0 and rows
    assert "does not say its version" in result.stderr
