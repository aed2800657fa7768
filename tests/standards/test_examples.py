"""Every documented example call returns at least one row on the default build.

An example that answers nothing shows a reader nothing and tests nothing (issue 23: the
``keyword-search`` example looked for a word no title of the default build holds). The
examples are the ``# example:`` lines of ``queries/*.rq`` and the ``cgtkg query`` lines of the
README's and queries/README.md's shell blocks; each runs through the command line on the
default build (an ``--endpoint`` is left out: the same query, on the same data, locally).

Not held to one row, each for a stated reason:

* the checks (``*-violation``): their contract is to return no rows on a good build;
* README lines in a shell block that first builds ``--corpus``: they are about that corpus;
* ``my-own-question.rq``: stands for the reader's own file;
* ``TEXT_ONLY``: queries whose rows only the text loaders write (legislative history, legal
  level, names no registry entry matches); the default build has curated records only.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest
from cgtkg.graph import query as Q
from click.testing import CliRunner
from standards_helpers import example_params

from cgtkg.cli import main
from cgtkg.resources import REPO_ROOT

TEXT_ONLY = {
    "document-copies": "copies of a record are the texts' documents merged with it (cgtkg/pipeline/resolve.py)",
    "document-history": "legislative history lines are read from Chinese statutes (statute_zh)",
    "documents-by-level": "the legal level (效力级别) is read from Chinese statutes",
    "provisional-bodies": "body-shaped names that resolve to nothing come from texts",
    "unresolved-mentions": "names no registry entry matches come from texts",
}


def readme_examples(path) -> list[str]:
    out = []
    for block in re.findall(r"```(?:bash|sh)\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
        if "--corpus" in block:
            continue
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("cgtkg query ") and not line.endswith(".rq"):
                out.append(line)
    return out


def all_examples() -> list[tuple[str, str]]:
    out = []
    for q in Q.saved_queries():
        out += [(q.name, e) for e in q.examples]
    for readme in (REPO_ROOT / "README.md", REPO_ROOT / "queries" / "README.md"):
        for line in readme_examples(readme):
            out.append((shlex.split(line)[2], line))
    return out


EXAMPLES = all_examples()


def test_the_readmes_examples_are_found():
    from_readmes = [e for _, e in EXAMPLES if "--endpoint" in e or "--format csv >" in e]
    assert from_readmes, "the README shell blocks were not read"


@pytest.mark.parametrize("name, example", [
    pytest.param(n, e, id=f"{n}: {' '.join(f'{k}={v}' for k, v in example_params(e).items())}")
    for n, e in EXAMPLES if not n.endswith("-violation") and n not in TEXT_ONLY])
def test_example_returns_rows_on_the_default_build(name, example, built):
    argv = ["query", name, "--out", str(built.out_dir), "--format", "json"]
    for key, value in example_params(example).items():
        argv += ["--param", f"{key}={value}"]
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    if "boolean" in answer:
        assert answer["boolean"] is True, example
    else:
        assert answer["results"]["bindings"], f"{example!r} returns no rows on the default build"


def test_text_only_queries_are_still_text_only(built):
    """The exemption is kept honest: a TEXT_ONLY query that finds rows on the default build
    no longer needs it."""
    from cgtkg.graph.store import GraphStore

    store = GraphStore.open(built.out_dir)
    for name in TEXT_ONLY:
        q = Q.load(name)
        for example in q.examples:
            rows = Q.run_local(store, q, Q.resolve_bindings(q, example_params(example))).rows
            assert not rows, f"{name} answers on the default build now: hold it to the rule"
