"""Issue 26, item 10 (the text side): a month read as a modal, one year rule for texts and
records, NUL bytes anywhere, UTF-16 without a byte order mark.  Texts of a few lines, written
by the tests; the registry is the repository's."""

from __future__ import annotations

import codecs
import datetime as dt
from types import SimpleNamespace

import pytest
from cgtkg.graph.namespaces import CGT, DEFAULT_BASE
from cgtkg.loaders.records import RecordCompiler, Registry
from cgtkg.loaders.text import dates, extract_file
from cgtkg.loaders.text.common import modalities
from cgtkg.loaders.text.source import SourceText, decode, read_source
from rdflib import URIRef

from cgtkg.pipeline.build import REPO_ROOT, load_registry

MODALITY = CGT.modality


@pytest.fixture(scope="module")
def registry():
    return load_registry(REPO_ROOT / "ontology", DEFAULT_BASE)


def cues(text: str) -> list[str]:
    env = SimpleNamespace(src=SourceText.from_string(text),
                          registry=SimpleNamespace(iri=lambda kind, key: URIRef(f"urn:{key}")))
    return [m.key for m in modalities(env, 0, len(text))]


@pytest.mark.parametrize("text", [
    "These Measures take effect on May 1, 2023.",
    "These Measures take effect on 1 May 2023.",
    "These Measures take effect in May 2023.",
    "Issued on May 1st and in force from May, 2023.",
    "These Measures take effect on May 1.",
])
def test_may_1_2023_is_a_date_not_the_modal_may(text):
    assert "permits" not in cues(text)


@pytest.mark.parametrize("text", [
    "Enterprises may apply for funding.",
    "Enterprises may apply from May 1, 2023.",  # the modal comes first
    "From May 1, 2023, enterprises may apply.",  # the date comes first
    "Applicants may 1) submit a form or 2) write a letter.",
])
def test_the_modal_may_still_permits(text):
    assert "permits" in cues(text)


def test_may_not_still_prohibits_next_to_a_date():
    assert cues("From May 1, 2023, enterprises may not sell cells.") == ["prohibits"]


def test_a_provision_with_may_1_2023_gets_no_permits(registry, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("Measures of Shanghai Municipality on Cell Therapy\n\n"
                    "Article 1 These Measures are formulated to promote the cell therapy industry.\n"
                    "Article 2 These Measures shall take effect on May 1, 2023.\n"
                    "Article 3 Enterprises may apply for funding.\n", encoding="utf-8")
    fr = extract_file(path, registry, DEFAULT_BASE)
    got = {str(s).rsplit("/", 1)[-1]: {str(o).rsplit("/", 1)[-1] for o in fr.graph.objects(s, MODALITY)}
           for s in set(fr.graph.subjects(MODALITY)) if "/article/" in str(s)}
    assert got.get("2") == {"requires"} and got.get("3") == {"permits"}, got


# ---------------------------------------------------------------- one year rule

THIS_YEAR = dt.date.today().year
YEARS = [(1850, False), (1899, False), (1900, True), (1950, True), (THIS_YEAR, True),
         (THIS_YEAR + 10, True), (THIS_YEAR + 11, False), (2099, False)]


@pytest.mark.parametrize("year,ok", YEARS)
def test_year_bounds_are_one_rule_for_texts_and_records(year, ok, registry, tmp_path):
    found = dates.find_dates(f"Issued on {year}-05-04 by the commission.")
    assert len(found) == 1 and (found[0].value is not None) == ok, found
    assert (dates.year_problem(year) is None) == ok

    record = tmp_path / "x.yaml"
    record.write_text(f"key: x\ntype: notice\ntitle: {{en: A notice}}\ndates:\n  document: {year}-05-04\n",
                      encoding="utf-8")
    compiled = RecordCompiler(Registry(registry, DEFAULT_BASE), set(), DEFAULT_BASE).compile(record)
    year_errors = [p for p in compiled.problems if "outside" in p.message]
    assert (not year_errors) == ok, compiled.problems
    if not ok:
        assert year_errors[0].line == 5 and f"{year}-05-04" in year_errors[0].message


# ---------------------------------------------------------------- NUL bytes and UTF-16

def test_nul_bytes_after_the_first_64_kib_never_reach_a_literal(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_bytes(b"Article 1 Cells.\n" * 5000 + b"Article 2 A\x00B.\n")
    src, problems = read_source(path)
    assert src is None and [p.severity for p in problems] == ["error"]
    assert "binary" in problems[0].message and problems[0].line == 5001


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
def test_nul_in_another_encoding_is_binary_too(encoding, tmp_path):
    text, _, problems = decode("第一条 细胞。\n第二条 A\x00B。\n".encode(encoding), tmp_path / "d.txt")
    assert text is None and "binary" in problems[0].message and problems[0].line == 2


TEXT = "第一条 为了规范细胞治疗，制定本办法。\nArticle 1 Cell therapy 2023.\n一、总则\n" * 20


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [TEXT, "Measures on cell therapy, one line only", "一二三中文\n" * 40])
def test_utf16_without_bom_is_decoded_with_a_warning(encoding, text, tmp_path):
    data = text.encode(encoding)
    assert not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    got, enc, problems = decode(data, tmp_path / "d.txt")
    assert got == text and enc == encoding
    assert [p.severity for p in problems] == ["warning"] and "UTF-16" in problems[0].message


@pytest.mark.parametrize("data", [
    bytes(range(256)) * 40,  # binary: NULs on both sides
    b"Article 1 Cells.\n" * 10 + b"\x00" + b"Article 2.\n",  # a stray NUL in UTF-8
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(2000),
])
def test_binary_is_not_mistaken_for_utf16(data, tmp_path):
    text, enc, problems = decode(data, tmp_path / "d.txt")
    assert text is None and enc == "binary" and problems[0].severity == "error"
