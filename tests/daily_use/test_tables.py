"""Tables a person can read on a terminal: columns aligned by display width (a Chinese
character takes two cells), lines within the terminal's width, every column kept, and the
program formats (CSV, TSV, JSON) unchanged in meaning.

Widths are measured with wcwidth, independently of rich, which lays the tables out."""

from __future__ import annotations

import csv
import io
import json

import pytest
from cgtkg.graph.tables import render
from click.testing import CliRunner
from wcwidth import wcswidth

from cgtkg.cli import main


def cli(args, columns=80):
    return CliRunner().invoke(main, args, env={"COLUMNS": str(columns)}, catch_exceptions=False)


def display_offset(line: str, token: str) -> int:
    """Terminal cells before ``token`` in ``line``."""
    return wcswidth(line[: line.index(token)])


def test_a_column_after_chinese_text_starts_at_the_same_cell_in_every_row():
    rows = [["ag:nmpa", "国家药品监督管理局", "NMPA"],
            ["ag:cde", "药审中心", "CDE"],
            ["ag:guangdong-mpa", "Guangdong MPA", "GDMPA"]]
    text = render(["key", "名称", "abbr"], rows, width=100)
    lines = text.splitlines()
    starts = {display_offset(line, r[2]) for line, r in zip(lines[2:], rows)}
    assert len(starts) == 1, text
    # counted with len() the rows would disagree: that was the old misalignment
    assert len({line.index(r[2]) for line, r in zip(lines[2:], rows)}) > 1


def test_keys_table_fits_the_terminal_and_aligns_its_chinese_column(built):
    r = cli(["keys", "agencies", "--search", "药品", "--out", str(built.out_dir)], columns=100)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert max(wcswidth(line) for line in lines) <= 100
    header = lines[0]
    zh_start = display_offset(header, "中文")
    rows = [line for line in lines[2:] if line.startswith("ag:")]
    assert len(rows) >= 5
    for line in rows:  # each row's first line: its Chinese name starts under the header
        cjk = next(i for i, ch in enumerate(line) if "\u4e00" <= ch <= "\u9fff")
        assert wcswidth(line[:cjk]) == zh_start, line


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_a_query_table_never_runs_past_the_terminal_nor_drops_a_column(built, columns):
    r = cli(["query", "agency-measures", "--param", "agency=nmpa", "--out", str(built.out_dir)], columns)
    assert r.exit_code == 0, r.output
    assert max(wcswidth(line) for line in r.output.splitlines()) <= columns
    # ten columns do not fit: each row is a block naming every column that has a value
    for name in ("agency", "document", "documentTitle", "provision", "number", "title", "summary"):
        assert f"\n{name} " in r.output
    assert r.output.rstrip().endswith("(3 rows)")


def test_wide_prints_every_cell_in_full_on_one_line(built):
    csv_rows = list(csv.DictReader(io.StringIO(cli(
        ["query", "agency-measures", "--param", "agency=nmpa", "--format", "csv",
         "--out", str(built.out_dir)]).output)))
    r = cli(["query", "agency-measures", "--param", "agency=nmpa", "--wide", "--out", str(built.out_dir)])
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert len(lines) == 2 + len(csv_rows) + 1  # header, rule, one line per row, count
    for row, line in zip(csv_rows, lines[2:]):
        assert row["summary"] in line and row["title"] in line


def test_csv_tsv_and_json_say_the_same_as_before(built):
    """The program formats are SPARQL 1.1 results: same rows, same values in each."""
    base = ["query", "region-measures", "--param", "region=shenzhen", "--out", str(built.out_dir)]
    as_json = json.loads(cli(base + ["--format", "json"]).output)
    variables = as_json["head"]["vars"]
    from_json = sorted(tuple(b.get(v, {}).get("value", "") for v in variables)
                       for b in as_json["results"]["bindings"])
    from_csv = sorted(tuple(r) for r in list(csv.reader(io.StringIO(cli(base + ["--format", "csv"]).output)))[1:])
    tsv = cli(base + ["--format", "tsv"]).output.splitlines()
    assert tsv[0].split("\t") == ["?" + v for v in variables]
    from_tsv = sorted(tuple(c.strip("<>").split('"')[1] if c.startswith('"') else c.strip("<>")
                            for c in line.split("\t")) for line in tsv[1:])
    assert from_json == from_csv == from_tsv
    assert len(from_json) > 10


def test_stats_and_network_metrics_are_tables_too(built):
    r = cli(["stats", "--out", str(built.out_dir)])
    assert r.exit_code == 0 and "documents" in r.output and "─" in r.output
    r = cli(["network", "--metrics", "--out", str(built.out_dir)], columns=90)
    assert r.exit_code == 0
    assert max(wcswidth(line) for line in r.output.splitlines()[3:]) <= 90
