"""Fixtures for the text-loader tests: the real registry, and a helper that writes a text to
a file and extracts it with the real loaders (no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cgtkg.graph.namespaces import DEFAULT_BASE

from cgtkg.pipeline.build import REPO_ROOT, load_registry

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def registry():
    return load_registry(REPO_ROOT / "ontology", DEFAULT_BASE)


@pytest.fixture(scope="session")
def shared(registry):
    from cgtkg.loaders.text.corpus import _Shared

    return _Shared(registry, DEFAULT_BASE)


@pytest.fixture
def extract(registry, shared, tmp_path):
    """extract(text_or_bytes, name) -> FileResult, through a real file on disk."""
    from cgtkg.loaders.text import extract_file

    def run(content: str | bytes, name: str = "doc.txt"):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return extract_file(path, registry, DEFAULT_BASE, _shared=shared)

    return run


@pytest.fixture
def fixture_text():
    def read(name: str) -> str:
        return (FIXTURES / name).read_text(encoding="utf-8")

    return read
