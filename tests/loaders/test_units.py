"""Numbering, dates and entity linking: the generic rules, on small inputs."""

from __future__ import annotations

import datetime as dt

import pytest
from cgtkg.graph.namespaces import DEFAULT_BASE
from cgtkg.loaders.text.dates import find_dates, with_year
from cgtkg.loaders.text.linking import Context
from cgtkg.loaders.text.numbering import chinese_to_int, roman_to_int, sequence_anomalies, to_int
from cgtkg.loaders.text.source import SourceText
from cgtkg.loaders.text.structure import LIST_NUM, longest_chain, scan
from rdflib import URIRef


@pytest.mark.parametrize("printed, n", [("II", 2), ("XIV", 14), ("iv", 4), ("十二", 12),
                                        ("二十", 20), ("一百零三", 103), ("７", 7), ("12", 12)])
def test_printed_numbers(printed, n):
    assert to_int(printed) == n


def test_roman_and_chinese_reject_non_numbers():
    assert roman_to_int("IIII") is None
    assert roman_to_int("ABC") is None
    assert chinese_to_int("条例") is None


def test_sequence_anomalies_report_gaps_duplicates_and_order():
    kinds = {a.kind: a.numbers for a in sequence_anomalies([1, 2, 4, 3, 3, 6])}
    assert kinds["out-of-order"] == (4, 3)
    assert kinds["duplicate"] == (3,)
    assert kinds["gap"] == (5,)
    assert sequence_anomalies([1, 2, 3]) == []


def test_mixed_numbering_forms_one_list_and_a_quoted_repeat_stays_outside():
    text = ("7. A summary quoting measure seven\nbody\nFull text follows:\n"
            "1. First\nbody\nII. Second\nbody\n3. Third\nbody\n（四）Fourth has another form\n"
            "5. Fifth\nbody\n6. Sixth\nbody\n7. A summary quoting measure seven\nbody\n")
    src = SourceText.from_string(text)
    ms = scan(src, {"m": [LIST_NUM]})
    chain = [ms[i] for i in longest_chain(ms)]
    assert [m.number for m in chain] == [1, 2, 3]
    assert [m.printed for m in chain] == ["1.", "II.", "3."]


@pytest.mark.parametrize("text, iso", [
    ("On September 8, 2024, the ministry", "2024-09-08"),
    ("issued on 8 September 2024.", "2024-09-08"),
    ("2024年9月8日，商务部", "2024-09-08"),
    ("dated 2024-01-09", "2024-01-09"),
    ("dated 2024/1/9", "2024-01-09"),
    ("Sept. 8, 2024", "2024-09-08"),
])
def test_dates_in_english_and_chinese_forms(text, iso):
    ds = find_dates(text)
    assert [d.iso for d in ds] == [iso]


@pytest.mark.parametrize("text", ["August 29, 023", "2023-02-30", "February 30, 2023", "May 5, 1820"])
def test_odd_dates_are_reported_not_guessed(text):
    d = find_dates(text)[0]
    assert d.value is None and d.problem


def test_month_and_day_take_the_dateline_year_and_say_so():
    d = find_dates("On January 9, the commission")[0]
    assert d.needs_year and d.value is None
    d2 = with_year(d, dt.date(2024, 1, 10))
    assert d2.value == dt.date(2024, 1, 9) and d2.year_inferred


def _region(shared, key):
    return URIRef(f"{DEFAULT_BASE}region/{key}")


@pytest.mark.parametrize("place, body", [("shenzhen-sez", "shenzhen-hc"), ("tianjin", "tianjin-hc"),
                                         ("shanghai", "shanghai-hc")])
def test_generic_local_name_resolves_in_the_documents_own_region(shared, place, body):
    text = "The municipal health department shall supervise clinical research."
    ms = shared.linker.find(text, 0, len(text), ("agency",), Context([_region(shared, place)]))
    assert [(m.surface, m.key) for m in ms] == [("municipal health department", body)]


def test_generic_local_name_without_a_fitting_context_stays_unresolved(shared):
    text = "The municipal health department shall supervise clinical research."
    for ctx in (None, Context([_region(shared, "china")]), Context([_region(shared, "hainan")])):
        [m] = shared.linker.find(text, 0, len(text), ("agency",), ctx)
        assert m.target is None and "shenzhen-hc" in m.candidates


def test_abbreviations_match_only_as_abbreviations(shared):
    text = "Most experts agree that MOST and the NMPA lead; most of them."
    keys = [m.key for m in shared.linker.find(text, 0, len(text), ("agency",))]
    assert keys == ["most", "nmpa"]


def test_chinese_names_and_session_numbers(shared):
    text = "天津市第十八届人民代表大会常务委员会第四次会议通过；国家药监局发布"
    keys = [m.key for m in shared.linker.find(text, 0, len(text), ("agency",))]
    assert keys == ["tianjin-npcsc", "nmpa"]


def test_elliptical_local_department_lists_expand_in_context(shared):
    text = ("The municipal departments of development and reform, health, and market "
            "regulation, among others, shall simplify approvals.")
    f = shared.bodies.find_all(text, 0, len(text), Context([_region(shared, "shenzhen")]))
    assert sorted(m.key for m in f.responsible) == ["shenzhen-amr", "shenzhen-drc", "shenzhen-hc"]


def test_subject_of_a_passive_duty_is_not_responsible(shared):
    text = "Relevant departments whose staff abuse their power shall be disciplined by the NMPA."
    f = shared.bodies.find_all(text, 0, len(text), None)
    assert f.responsible == []


def test_a_supported_body_is_not_responsible(shared):
    text = "Support the Center for Drug Evaluation in building a review platform."
    f = shared.bodies.find_all(text, 0, len(text), None)
    assert f.responsible == []
