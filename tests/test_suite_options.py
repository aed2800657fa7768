"""How the suite itself runs: a worker per core (pytest-xdist, pyproject.toml's addopts), and
with ``-s`` in one process, so that what the measuring tests print reaches the terminal
(tests/conftest.py; README)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cgtkg.resources import REPO_ROOT

CORPUS_ZH = REPO_ROOT.parent / "shared" / "corpus-zh"
# a quick test that prints its measurement: precision and recall of the issuers it finds
PRINTS = "tests/loaders/test_zh_responsibility.py::test_annotated_issuers"


def _pytest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def test_dash_s_runs_in_one_process_and_shows_what_a_test_prints():
    if not CORPUS_ZH.is_dir():
        pytest.skip(f"{CORPUS_ZH} not found: the printing test reads it")
    shown = _pytest("-s", PRINTS)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "issuers of" in shown.stdout and "precision" in shown.stdout
    assert "bringing up nodes" not in shown.stdout
    # without -s the same call goes to workers, and the table stays in them
    hidden = _pytest(PRINTS)
    assert hidden.returncode == 0, hidden.stdout + hidden.stderr
    assert "bringing up nodes" in hidden.stdout and "issuers of" not in hidden.stdout
