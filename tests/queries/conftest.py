"""Fixtures for saved queries, exports and remote endpoints.

``fixture_out`` is an out/ folder whose store holds fixtures/policy.trig (made-up data in
the project's model).  ``dataset_out`` is parametrised over that fixture and the lead's
real build (the session ``built`` fixture), so the remote and export checks run on both.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cgtkg.graph.store import GraphStore
from query_helpers import FIXTURES, load_out_dir


@pytest.fixture(scope="session")
def fixture_out(tmp_path_factory) -> Path:
    return load_out_dir(tmp_path_factory.mktemp("queries-fixture") / "out",
                        FIXTURES / "policy.trig")


@pytest.fixture(scope="session")
def fixture_store(fixture_out) -> GraphStore:
    return GraphStore.open(fixture_out)


@pytest.fixture(scope="session")
def broken_store(tmp_path_factory) -> GraphStore:
    out = load_out_dir(tmp_path_factory.mktemp("queries-broken") / "out",
                       FIXTURES / "policy.trig", FIXTURES / "violations.trig")
    return GraphStore.open(out)


@pytest.fixture(scope="session", params=["fixture", "built"])
def dataset_out(request) -> Path:
    """The fixture's out/ folder, then the real build's."""
    if request.param == "fixture":
        return request.getfixturevalue("fixture_out")
    return Path(request.getfixturevalue("built").out_dir)
