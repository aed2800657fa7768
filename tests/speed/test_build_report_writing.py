"""build-report.json is written by the json module's C encoder, indented for its first
levels only (issue 25: with ``indent`` json falls back on its pure-Python encoder, and a
corpus's report holds a line per file and warning). What a reader parses is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cgtkg.pipeline.build import readable_json

REPORT_LIKE = {
    "tool_version": "0.0.0",
    "units": {"units": 3, "rebuilt": 1},
    "corpus": {"files": [{"file": "a/b.md", "status": "ok", "documents": 2, "sizes": [1, 2.5, None]},
                         {"file": "c.md", "status": "quarantined", "problems": ["line 3: bad date"]}],
               "totals": {}, "problems": []},
    "warnings": ["x.md:4: warning: two dates", "y.md: warning: \u4e24\u4e2a\u65e5\u671f"],
    "empty": {}, "none": [], "nested": {"a": {"b": {"c": {"d": [1, {"e": True}]}}}},
    "odd keys": {1: "one", None: "null", False: "no", 2.5: "float"},
    "objects": [Path("/tmp/somewhere.md"), ("a", "tuple")],
}


@pytest.mark.parametrize("levels", [0, 1, 2, 3, 6])
def test_the_report_parses_as_the_indented_dump_did(levels):
    expected = json.loads(json.dumps(REPORT_LIKE, indent=2, ensure_ascii=False, default=str))
    written = readable_json(REPORT_LIKE, levels)
    assert json.loads(written) == expected


def test_the_first_levels_are_indented_and_each_file_is_one_line():
    lines = readable_json(REPORT_LIKE).splitlines()
    assert lines[0] == "{" and lines[1] == '  "tool_version": "0.0.0",'
    file_lines = [line for line in lines if '"file":' in line]
    assert len(file_lines) == 2 and all(line.startswith("      {") for line in file_lines)
    assert "\u4e24\u4e2a" in readable_json(REPORT_LIKE)  # not escaped: the report stays legible


def test_lists_and_objects_of_plain_values_are_laid_out_as_the_json_module_does():
    """Written in one call each (the warnings of a large corpus are tens of thousands of
    strings), they keep json.dumps(indent=2)'s layout, one value per line at their depth."""
    value = {"warnings": ["a.md:1: warning: x", "b.md: warning: \u4e24"], "units": {"units": 3, "rebuilt": 1},
             "corpus": {"problems": ["c.md:9: error", None, 2, True]}, "empty": [], "stage": {"load": 1.5}}
    assert readable_json(value) == json.dumps(value, indent=2, ensure_ascii=False)
