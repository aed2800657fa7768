"""Fixtures for the agency-network tests: a small made-up store and the real build's network."""

from __future__ import annotations

from pathlib import Path

import pytest
from cgtkg.graph.network import Network, build_network
from cgtkg.graph.store import GraphStore
from network_fixture import make_out_dir

from cgtkg.resources import REPO_ROOT

TEST_OUTPUT = REPO_ROOT / "test-output" / "network"


@pytest.fixture(scope="session")
def small_out(tmp_path_factory) -> Path:
    """An out/ folder whose store holds only tests/network/fixture_store.py's made-up data."""
    return make_out_dir(tmp_path_factory.mktemp("network-fixture") / "out")


@pytest.fixture(scope="session")
def small_store(small_out) -> GraphStore:
    return GraphStore.open(small_out)


@pytest.fixture(scope="session")
def small_net(small_store) -> Network:
    return build_network(small_store)


@pytest.fixture(scope="session")
def real_net(store) -> Network:
    """The network of the repository's data (the lead's session build)."""
    return build_network(store)


@pytest.fixture(scope="session")
def test_output() -> Path:
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    return TEST_OUTPUT
