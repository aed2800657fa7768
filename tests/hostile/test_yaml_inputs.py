"""Items 7 and 8: records and sidecars with aliases, control characters, complex keys, deep
nesting or values of the wrong shape are refused with the file and the line, never a crash."""

from __future__ import annotations

import shutil

import pytest
from cgtkg.graph.errors import EXIT_BAD_INPUT
from cgtkg.loaders.records import load_yaml
from cgtkg.loaders.text import sidecar
from click.testing import CliRunner

from cgtkg.cli import main
from cgtkg.resources import REPO_ROOT

BILLION_LAUGHS = """key: x
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
provisions: [*f, *f, *f, *f, *f, *f, *f, *f, *f]
"""

BAD_YAML = {
    "alias": (BILLION_LAUGHS, 3, "aliases"),
    "merge-key": ("key: x\nbase: &b {type: article}\nprovisions:\n  - <<: *b\n    number: 1\n", 4, "aliases"),
    "bel": ("key: x\ntitle: {en: \"a\x07b\"}\n", 2, "U+0007"),
    "nul": ("key: x\nsummary: one\n\x00\n", 3, "U+0000"),
    "complex-key": ("key: x\n? [a, b]\n: value\n", 2, "plain text"),
    "deep-flow": ("key: x\nprovisions: " + "[" * 5000 + "]" * 5000 + "\n", 2, "levels deep"),
    "deep-block": ("key: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(5000)), None, "levels deep"),
}


@pytest.mark.parametrize("case", sorted(BAD_YAML))
def test_yaml_aliases_and_crashing_records_are_refused_with_a_line(case, tmp_path):
    text, line, words = BAD_YAML[case]
    f = tmp_path / "x.yaml"
    f.write_text(text)
    data, problems = load_yaml(f)
    assert data is None and len(problems) == 1
    assert words in problems[0].message and problems[0].file == f
    if line is not None:
        assert problems[0].line == line


@pytest.mark.parametrize("case", sorted(BAD_YAML))
def test_yaml_aliases_in_sidecars_are_refused_with_a_line(case, tmp_path):
    text, line, _ = BAD_YAML[case]
    where = tmp_path / "doc.txt.meta.yaml"
    meta, problems = sidecar.parse(text, where)
    assert meta == {} and len(problems) == 1 and problems[0].severity == "error"
    assert problems[0].file == where


@pytest.mark.parametrize("text,key", [
    ("issuers: 5\n", "issuers"),
    ("regions: {a: 1}\n", "regions"),
    ("therapies: [1, 2]\n", "therapies"),
    ("title: [a, b]\n", "title"),
    ("dates: 2023\n", "dates"),
    ("genre: [x]\n", "genre"),
    ("number: {a: b}\n", "number"),
])
def test_sidecar_values_of_the_wrong_shape_are_errors_not_crashes(text, key, tmp_path):
    meta, problems = sidecar.parse("key: ok\n" + text, tmp_path / "d.txt.meta.yaml")
    assert key not in meta and meta.get("key") == "ok"
    assert [p.line for p in problems] == [2] and key in problems[0].message


def test_a_sidecar_key_that_is_not_text_is_a_warning(tmp_path):
    meta, problems = sidecar.parse("5: x\nkey: ok\n", tmp_path / "d.txt.meta.yaml")
    assert meta == {"key": "ok"} and [p.severity for p in problems] == ["warning"]


@pytest.mark.parametrize("case", ["alias", "bel"])
def test_build_exits_2_naming_the_record_and_line(case, tmp_path):
    records = tmp_path / "records"
    shutil.copytree(REPO_ROOT / "data" / "records", records)
    text, line, words = BAD_YAML[case]
    (records / "x.yaml").write_text(text)
    r = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "out"), "--records", str(records)])
    assert r.exit_code == EXIT_BAD_INPUT, r.output
    assert "Traceback" not in r.output
    assert f"x.yaml:{line}: error:" in r.output and words in r.output


def test_base_that_is_not_an_iri_is_bad_input(tmp_path):
    r = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "out"), "--base", "not an iri"])
    assert r.exit_code == EXIT_BAD_INPUT and "not a base IRI" in r.output
