"""The Python API on a real build: docs/api.md's example runs as written, the answers are
the command line's, parameters are bound (never spliced), keys are checked."""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import os
import re

import pytest
from click.testing import CliRunner

from cgtkg.api import KnowledgeGraph, QueryError, StoreError
from cgtkg.cli import main
from cgtkg.resources import REPO_ROOT

API_DOC = REPO_ROOT / "docs" / "api.md"


@pytest.fixture(scope="module")
def kg(built):
    return KnowledgeGraph(built.out_dir)


def test_the_documented_example_runs_as_written(built, tmp_path):
    pytest.importorskip("pandas", reason="the example calls to_dataframe (pip install 'cgtkg[dataframe]')")
    code = "\n".join(re.findall(r"```python\n(.*?)```", API_DOC.read_text("utf-8"), re.S))
    assert "KnowledgeGraph(\"out\")" in code
    (tmp_path / "out").symlink_to(built.out_dir, target_is_directory=True)
    printed = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)  # the example opens "out", as a notebook beside a build would
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, str(API_DOC), "exec"), {"__name__": "docs_api"})
    finally:
        os.chdir(cwd)
    text = printed.getvalue()
    assert "provisions make NMPA responsible" in text and "did you mean ag:nmpa" in text
    assert f"{built.stats['documents']} documents" in text


def cli_rows(out_dir, *args):
    r = CliRunner().invoke(main, ["query", *args, "--format", "csv", "--out", str(out_dir)])
    assert r.exit_code == 0, r.output
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_query_rows_are_the_command_lines(kg, built):
    api = kg.query("agency-measures", agency="nmpa")
    cli = cli_rows(built.out_dir, "agency-measures", "--param", "agency=ag:nmpa")
    assert len(api) == len(cli) > 0
    as_text = [{k: "" if v is None else str(v) for k, v in row.items()} for row in api]
    assert as_text == cli


def test_dataframe_has_one_column_per_variable_and_python_values(kg):
    pd = pytest.importorskip("pandas", reason="to_dataframe needs pandas (the [dataframe] extra)")
    df = kg.query("in-force-on", on=datetime.date(2023, 7, 1)).to_dataframe()
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    assert list(df.columns) == kg.query("in-force-on", on="2023-07-01").variables
    short = kg.query("agency-measures", agency="ag:nmpa").to_dataframe(short=True)
    assert set(short["agency"]) == {"ag:nmpa"}


def test_parameters_are_bound_not_spliced(kg):
    hostile = '" } ; DROP ALL ; SELECT * { "'
    assert len(kg.query("keyword-search", keyword=hostile)) == 0
    assert kg.stats()["documents"] > 0  # nothing was dropped
    assert len(kg.query("keyword-search", keyword="细胞")) > 0


def test_a_mistyped_key_raises_with_suggestions(kg):
    with pytest.raises(QueryError, match="did you mean rg:shenzhen"):
        kg.query("region-measures", region="shenzen")
    with pytest.raises(QueryError, match="unknown parameter"):
        kg.query("region-measures", regoin="shenzhen")


def test_keys_and_stats(kg, built):
    found = {r["key"]: r for r in kg.keys("agencies", search="国家药监局")}
    assert found["ag:nmpa"]["name_en"] == "National Medical Products Administration"
    assert all("国家药监局" in r["name_zh"] + r["other_names"] for r in found.values())
    stats = kg.stats()
    assert {k: stats[k] for k in ("documents", "provisions", "agencies")} == \
        {k: built.stats[k] for k in ("documents", "provisions", "agencies")}
    assert "agency-measures" in kg.queries()


def test_no_build_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="cgtkg build"):
        KnowledgeGraph(tmp_path / "nothing")
