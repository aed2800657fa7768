"""Fixtures shared by every test area.

``built`` is one real build of the repository's data into a temporary directory (a real
on-disk Oxigraph store), made once per test session and shared read-only; ``built_texts`` is
the same build with the five English texts of ../shared/corpus.  Tests that need to break or
rebuild something copy the out/ folder first (``shutil.copytree(built.out_dir, dest,
symlinks=True)``: the ``current`` link is relative, and a copy is much cheaper than a build)
or make their own build; nothing may write into the shared folders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cgtkg.pipeline.build import REPO_ROOT, BuildOptions, BuildResult, build

CORPUS_DIR = (REPO_ROOT.parent / "shared" / "corpus").resolve()


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """With ``-s`` the suite runs in one process: the tests that print their measurements
    (accuracy tables, precision and recall) are read that way, and pytest-xdist's workers
    (``-n auto`` in pyproject.toml) do not pass what they print through."""
    if config.getoption("capture") == "no" and getattr(config.option, "numprocesses", None):
        config.option.numprocesses = 0
        config.option.dist = "no"


def corpus_available() -> bool:
    return CORPUS_DIR.is_dir() and any(CORPUS_DIR.glob("*.txt"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not corpus_available():
        pytest.skip(f"source texts not found at {CORPUS_DIR} (../shared/corpus beside the repo); "
                    "this test reads them")
    return CORPUS_DIR


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> BuildResult:
    out = tmp_path_factory.mktemp("built")
    result = build(BuildOptions(out_dir=out))
    if not result.ok:
        details = "\n".join(map(str, result.problems + result.violations))
        pytest.fail(f"the repository's data does not build (exit {result.exit_code}):\n{details}")
    return result


@pytest.fixture(scope="session")
def built_texts(tmp_path_factory, corpus_dir) -> BuildResult:
    """The repository's data and the five English texts of ../shared/corpus, built with the
    default options once per session and shared read-only."""
    out = tmp_path_factory.mktemp("built-texts")
    result = build(BuildOptions(out_dir=out, corpus_dir=corpus_dir))
    if not result.ok:
        details = "\n".join(map(str, result.problems + result.violations))
        pytest.fail(f"the repository's data and texts do not build (exit {result.exit_code}):\n{details}")
    return result


@pytest.fixture(scope="session")
def store(built):
    from cgtkg.graph.store import GraphStore

    return GraphStore.open(built.out_dir)


CORPUS_ZH_DIR = (REPO_ROOT.parent / "shared" / "corpus-zh").resolve()


@pytest.fixture(scope="session")
def corpus_zh_dir() -> Path:
    if not (CORPUS_ZH_DIR / "metadata.csv").is_file():
        pytest.skip(f"Chinese originals not found at {CORPUS_ZH_DIR} (../shared/corpus-zh beside the "
                    "repo); this test reads them")
    return CORPUS_ZH_DIR


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Real headless Chromium (Debian's), driven through Playwright's Python API: one per test
    session, shared by every area (Playwright's sync API allows one running instance)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
