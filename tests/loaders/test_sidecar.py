"""Metadata beside a text (<file>.meta.yaml) or at its top (front matter): forcing a genre,
supplying what the text does not say, and clear errors for wrong keys."""

from __future__ import annotations

import datetime as dt

from cgtkg.graph.namespaces import DEFAULT_BASE
from cgtkg.loaders.text import extract_corpus, extract_file


def test_sidecar_forces_genre_and_fills_in_metadata(tmp_path, registry, fixture_text):
    text = tmp_path / "plan.txt"
    text.write_text(fixture_text("measures_mixed.txt"), encoding="utf-8")
    (tmp_path / "plan.txt.meta.yaml").write_text(
        "genre: measures_list\nkey: shanghai-gene-measures\nissuers: [shanghai-gov]\n"
        "date: 2024-03-01\nregions: [shanghai]\ntype: measures\n", encoding="utf-8")
    fr = extract_file(text, registry, DEFAULT_BASE)
    assert fr.report["genre_chosen_by"] == "metadata"
    doc = fr.extraction.documents[0]
    assert doc.key == "x-shanghai-gene-measures"
    assert [m.key for m in doc.issuers] == ["shanghai-gov"]
    assert [(d.kind, d.value) for d in doc.dates if d.kind == "document"] == [("document", dt.date(2024, 3, 1))]
    assert fr.report["documents"][0]["metadata_fields"] == ["dates", "issuers", "key", "regions", "type"]
    # the provisions still come from the text
    assert len(doc.provisions) == 4


def test_front_matter_works_like_a_sidecar_and_keeps_offsets(tmp_path, registry, fixture_text):
    body = fixture_text("roundup.txt")
    text = tmp_path / "roundup.txt"
    text.write_text("---\ngenre: roundup\nregions: [china]\n---\n" + body, encoding="utf-8")
    fr = extract_file(text, registry, DEFAULT_BASE)
    assert fr.report["genre_chosen_by"] == "metadata"
    doc = fr.extraction.documents[0]
    t = doc.titles[0]
    assert fr.source.raw[t.spans[0].start:t.spans[0].end] == str(t.value)


def test_bad_sidecar_values_are_errors_naming_the_sidecar(tmp_path, registry, fixture_text):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "a.txt").write_text(fixture_text("roundup.txt"), encoding="utf-8")
    (d / "a.txt.meta.yaml").write_text("issuers: [no-such-body]\ndate: 2024-13-01\ncolour: red\n",
                                       encoding="utf-8")
    result = extract_corpus(d, registry, DEFAULT_BASE)
    msgs = {(str(p.file).rsplit("/", 1)[-1], p.severity, p.line): p.message for p in result.problems}
    assert any(f == "a.txt.meta.yaml" and s == "error" and "no-such-body" in m
               for (f, s, _), m in msgs.items())
    assert any(f == "a.txt.meta.yaml" and s == "error" and line == 2 for (f, s, line) in msgs)
    assert any(f == "a.txt.meta.yaml" and s == "warning" and "colour" in m for (f, s, _), m in msgs.items())
    assert len(result.graphs) == 1  # the text itself is still extracted
