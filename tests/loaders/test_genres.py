"""One test group per genre, on fixture texts written for these tests (tests/loaders/fixtures),
not on the corpus: the rules must hold for texts they were not tuned on."""

from __future__ import annotations

import datetime as dt

from cgtkg.graph.namespaces import CGT
from cgtkg.loaders.text.genres import all_genres, detect
from rdflib import URIRef
from rdflib.namespace import ORG


def _doc(fr, i=0):
    return fr.extraction.documents[i]


def _provs(doc):
    return {(p.kind, p.number): p for p in doc.all_provisions()}


def _keys(ms):
    return sorted({m.key for m in ms if m.target is not None})


def test_every_genre_is_registered_with_a_detector():
    genres = all_genres()
    assert {"regulation_articles", "measures_list", "roundup", "article_mentions",
            "plan_summary"} <= set(genres)
    for g in genres.values():
        assert g.description and callable(g.detect) and callable(g.extract)


def test_detection_picks_the_genre_of_each_fixture(extract, fixture_text):
    expected = {"regulation_zh.txt": "statute_zh", "measures_mixed.txt": "measures_list",
                "roundup.txt": "roundup", "bilingual.txt": "article_mentions",
                "no_structure.txt": None}
    for name, genre in expected.items():
        fr = extract(fixture_text(name), name)
        got, _ = detect(fr.source)
        assert (got.name if got else None) == genre, name


# ---------------------------------------------------------------- regulation with 第N条


def test_chinese_regulation_structure_dates_and_issuer(extract, fixture_text):
    fr = extract(fixture_text("regulation_zh.txt"), "reg.txt")
    doc = _doc(fr)
    assert doc.title("zh").startswith("天津市细胞和基因技术应用促进条例")
    assert _keys(doc.issuers) == ["tianjin-npcsc"]
    dates = {d.kind: d.value for d in doc.dates}
    # a local regulation is published on the day its standing committee adopts it
    assert dates == {"document": dt.date(2024, 1, 10), "publication": dt.date(2024, 1, 10),
                     "in_force": dt.date(2024, 5, 1)}
    provs = _provs(doc)
    assert sorted(n for k, n in provs if k == "article") == [str(i) for i in range(1, 9)]
    assert sorted(n for k, n in provs if k == "chapter") == ["1", "2", "3"]
    items = [p for p in provs[("article", "4")].children]
    assert [(p.number, p.printed) for p in items] == [("1", "（一）"), ("2", "（二）"), ("3", "（三）")]
    assert provs[("article", "2")] in provs[("chapter", "1")].children


def test_chinese_local_names_resolve_to_the_tianjin_bodies_and_never_elsewhere(extract, fixture_text):
    doc = _doc(extract(fixture_text("regulation_zh.txt"), "reg.txt"))
    provs = _provs(doc)
    assert _keys(provs[("article", "2")].responsible) == ["tianjin-gov"]
    assert _keys(provs[("article", "6")].responsible) == ["tianjin-hc"]
    # 市市场监督管理部门: the registry lists such a body only for Shenzhen; in a Tianjin text it
    # is Tianjin's market-regulation body, derived from (function, place), never Shenzhen's
    a3 = provs[("article", "3")].responsible
    assert _keys(a3) == ["tianjin-hc", "tianjin-market"]
    market = a3[1]
    assert market.how == "derived" and market.surface == "市市场监督管理部门"
    about = {(p, o) for s, p, o in market.about if s == market.target}
    assert (CGT.jurisdiction, URIRef("https://w3id.org/cgt-kg/id/region/tianjin")) in about
    assert (ORG.subOrganizationOf, URIRef("https://w3id.org/cgt-kg/id/agency/tianjin-gov")) in about
    all_bodies = {m.key for p in doc.all_provisions() for m in p.responsible}
    assert all_bodies <= {"tianjin-gov", "tianjin-hc", "tianjin-market"}
    assert not any(m.surface == "市市场监督管理部门" for m in doc.unresolved)


def test_modality_exclusion_and_addressee(extract, fixture_text):
    provs = _provs(_doc(extract(fixture_text("regulation_zh.txt"), "reg.txt")))
    a5, a7 = provs[("article", "5")], provs[("article", "7")]
    assert _keys(a5.modalities) == ["encourages"]
    assert _keys(a5.therapies) == ["clinical-research", "stem-cells"]  # 干细胞临床研究
    assert _keys(a5.excludes) == ["gene-editing"]
    assert _keys(a5.addressees) == ["medical-institutions"]
    assert "prohibits" in _keys(a7.modalities)


# ---------------------------------------------------------------- measures list


def test_measures_with_mixed_numbering_and_a_quoted_repeat(extract, fixture_text):
    fr = extract(fixture_text("measures_mixed.txt"), "measures.txt")
    doc = _doc(fr)
    assert [(p.number, p.printed) for p in doc.provisions] == [("1", "1."), ("2", "II."), ("3", "3."),
                                                              ("4", "4.")]
    m2 = doc.provisions[1]
    assert len(m2.extra_spans) == 1  # the news summary's copy: one measure, two spans
    assert fr.source.line_of(m2.extra_spans[0].start) == 5
    assert any(a["kind"] == "repeated-provision" for a in doc.anomalies)
    assert doc.number.value == "Shanghai Science and Technology [2024] No. 12"
    assert doc.title("en") == "Several Measures on Supporting Clinical Research of Gene Therapy Products"
    assert _keys(doc.issuers) == ["shanghai-hc", "shanghai-stc"]
    assert {d.kind: d.value for d in doc.dates} == {"document": dt.date(2024, 3, 4)}
    assert doc.dates[0].note and "dateline" in doc.dates[0].note


def test_responsibility_lists_in_both_printed_forms(extract, fixture_text):
    doc = _doc(extract(fixture_text("measures_mixed.txt"), "measures.txt"))
    resp = {p.number: _keys(p.responsible) for p in doc.provisions}
    assert resp == {"1": ["shanghai-eitc", "shanghai-stc"], "2": ["shanghai-hc"],
                    "3": ["shanghai-hc", "shanghai-stc"], "4": ["shanghai-hc"]}
    unresolved = {m.surface: m.how for m in doc.unresolved}
    assert "Shanghai Municipal Bureau of Quantum Affairs" in unresolved  # never dropped
    assert "Pudong New Area" in unresolved  # a place with no government in the registry
    assert _keys(doc.provisions[1].excludes) == ["gene-editing"]


# ---------------------------------------------------------------- roundup


def test_roundup_entries_are_documents_with_reported_odd_dates(extract, fixture_text):
    fr = extract(fixture_text("roundup.txt"), "roundup.txt")
    docs = fr.extraction.documents
    assert [d.title("en") for d in docs] == [
        "Guidelines for Ethical Review of Gene Therapy Research (Trial)",
        "Technical Guidelines for Quality Control of CAR-T Cell Products",
        "Work Plan for Cell Therapy Pilot Hospitals"]
    assert [[d.value.isoformat() for d in doc.dates] for doc in docs] == [["2024-03-02"], ["2024-04-08"], []]
    assert docs[2].odd_dates and "202" in docs[2].odd_dates[0][1]
    assert any("odd date" in p.message and p.line == 11 for p in fr.problems)
    assert [_keys(d.issuers) for d in docs] == [["nhc"], ["nmpa"], ["shanghai-hc"]]
    assert [_keys(d.regions) for d in docs] == [["china"], ["china"], ["pudong", "shanghai"]]
    assert [d.doctype.key for d in docs] == ["guideline", "technical-guideline", "work-plan"]
    assert _keys(docs[1].therapies) == ["car-t"]
    report = fr.report["documents"][2]
    assert report["odd_dates"][0]["text"] == "May 30, 202"


# ---------------------------------------------------------------- bilingual article


def test_bilingual_mentions_are_one_document_with_two_spans_per_fact(extract, fixture_text):
    fr = extract(fixture_text("bilingual.txt"), "bilingual.txt")
    docs = fr.extraction.documents
    assert len(docs) == 2
    notice = docs[0]
    assert notice.title("zh") == "关于规范干细胞临床研究管理的通知"
    assert notice.title("en") == "Notice on Regulating the Management of Stem Cell Clinical Research"
    assert _keys(notice.issuers) == ["nhc"]
    assert len([m for m in notice.issuers if m.key == "nhc"]) == 2  # zh and en sentence
    doc_date = next(d for d in notice.dates if d.kind == "document")
    assert doc_date.value == dt.date(2024, 6, 1) and len(doc_date.spans) == 2
    assert {d.kind for d in notice.dates} >= {"document", "in_force"}  # "effective immediately"
    assert "notice" in notice.aliases or "通知" in notice.aliases
    guide = docs[1]
    assert {t.lang for t in guide.titles} == {"zh", "en"}
    assert [d.value for d in guide.dates if d.kind == "document"] == [dt.date(2023, 12, 20)]


# ---------------------------------------------------------------- nothing to read


def test_text_without_structure_gives_a_warning_with_file_and_line(extract, fixture_text):
    fr = extract(fixture_text("no_structure.txt"), "notes.txt")
    assert fr.extraction.documents == []
    [w] = [p for p in fr.problems if "no recognisable structure" in p.message]
    assert w.severity == "warning" and w.line == 1 and str(w.file).endswith("notes.txt")
    assert fr.graph is not None  # the source is still described


# ---------------------------------------------------------------- layouts the corpus lacks


def test_hard_wrapped_regulation_keeps_names_and_sentences_across_lines(extract, fixture_text):
    fr = extract(fixture_text("wrapped_regulation.txt"), "wrapped.txt")
    doc = _doc(fr)
    assert _keys(doc.issuers) == ["shanghai-npcsc"]  # name broken over two lines
    assert {d.kind: d.value for d in doc.dates} == {"document": dt.date(2024, 6, 20),
                                                     "in_force": dt.date(2024, 9, 1)}
    provs = _provs(doc)
    assert [p.printed for p in provs[("article", "3")].children] == ["(a)", "(b)"]
    assert _keys(provs[("article", "2")].responsible) == ["shanghai-hc"]  # context: the issuer
    # the last article is not cut at its unfinished last line
    last = provs[("article", "4")]
    assert fr.source.raw[last.span.start:last.span.end].endswith("date onwards")
    # Shanghai has no market regulator in the registry: Shanghai's own, derived from
    # (function, place) with the name broken over two lines, never another city's body
    assert [(m.key, m.how) for m in last.responsible] == [("shanghai-market", "derived")]
    assert "market regulation department" in last.responsible[0].surface.replace("\n", " ")
    assert not any("market regulation" in m.surface.replace("\n", " ") for m in doc.unresolved)


def test_chinese_measures_need_a_context_which_a_sidecar_can_give(tmp_path, registry, fixture_text):
    from cgtkg.graph.namespaces import DEFAULT_BASE
    from cgtkg.loaders.text import extract_file

    path = tmp_path / "measures_zh.txt"
    path.write_text(fixture_text("measures_zh.txt"), encoding="utf-8")
    bare = extract_file(path, registry, DEFAULT_BASE)
    doc = _doc(bare)
    assert [(p.number, p.printed) for p in doc.provisions] == [("1", "一、"), ("2", "二、"), ("3", "三、")]
    assert [p.printed for p in doc.provisions[1].children] == ["（一）", "（二）"]
    assert all(not p.responsible for p in doc.provisions)  # no region: generic names stay open
    assert {m.surface for m in doc.unresolved} >= {"市科技创新委", "市卫生健康委", "市财政局"}
    (tmp_path / "measures_zh.txt.meta.yaml").write_text("regions: [shenzhen]\n", encoding="utf-8")
    doc = _doc(extract_file(path, registry, DEFAULT_BASE))
    assert [_keys(p.responsible) for p in doc.provisions] == [
        ["shenzhen-drc", "shenzhen-stic"], ["shenzhen-hc"], ["shenzhen-finance"]]
    assert _keys(doc.provisions[1].excludes) == ["esc"]


def test_roundup_entries_with_the_date_on_the_same_line(extract):
    text = ("Policy notes of the quarter\n"
            "National level\n"
            "January 5, 2024 – The National Health Commission issued the \"Notice on Filing "
            "Somatic Cell Clinical Research Projects\".\n"
            "Hospitals must file projects before recruiting patients.\n"
            "February 12, 2024: The National Medical Products Administration issued the "
            "\"Technical Guidelines for Gene Therapy Product Stability Studies\".\n"
            "Sets stability study expectations for gene therapy products.\n"
            "March 1, 2024 - The Ministry of Science and Technology released the \"Measures for "
            "Human Genetic Resources Filing Services\".\n")
    fr = extract(text, "notes.txt")
    docs = fr.extraction.documents
    assert [d.dates[0].value.isoformat() for d in docs] == ["2024-01-05", "2024-02-12", "2024-03-01"]
    assert [_keys(d.issuers) for d in docs] == [["nhc"], ["nmpa"], ["most"]]
    assert [d.doctype.key for d in docs] == ["notice", "technical-guideline", "measures"]


# ---------------------------------------------------------------- bodies in a passage's place


_PROVINCE_TEXT = """# 广东省促进细胞产业发展条例

第一条 为了促进本省细胞产业发展，制定本条例。

第二条 省人民政府统筹全省细胞产业发展工作。

第三条 支持深圳市建设细胞治疗产业集聚区，市卫生健康部门负责相关临床研究的备案管理。

第四条 支持珠海市开展干细胞临床研究试点，市科学技术部门给予资金支持。
"""


def test_a_municipal_body_in_a_provincial_text_belongs_to_the_city_its_passage_names(extract):
    provs = _provs(_doc(extract(_PROVINCE_TEXT, "province.md")))
    assert _keys(provs[("article", "2")].responsible) == ["guangdong-gov"]
    art3, art4 = provs[("article", "3")].responsible, provs[("article", "4")].responsible
    assert [(m.key, m.surface) for m in art3] == [("shenzhen-hc", "市卫生健康部门")]
    assert [(m.key, m.surface) for m in art4] == [("zhuhai-science", "市科学技术部门")]


def test_without_a_place_in_the_passage_a_provincial_text_guesses_no_city(extract):
    text = _PROVINCE_TEXT.replace("支持深圳市建设", "支持建设").replace("支持珠海市开展", "支持开展")
    doc = _doc(extract(text, "province.md"))
    provs = _provs(doc)
    assert provs[("article", "3")].responsible == [] and provs[("article", "4")].responsible == []
    assert {"市卫生健康部门", "市科学技术部门"} <= {m.surface for m in doc.unresolved}




def test_english_names_of_bodies_no_registry_lists_resolve_as_function_and_place(extract, fixture_text):
    doc = _doc(extract(fixture_text("city_measures_en.txt"), "measures.txt"))
    by = {p.number: [(m.key, m.how) for m in p.responsible] for p in doc.provisions}
    assert by["1"] == [("chongqing-science", "derived"), ("chongqing-health", "derived"),
                       ("chongqing-commerce", "derived")]
    # "Science and Technology" is one function: never split at "and"
    assert by["2"] == [("chongqing-health", "derived"), ("chongqing-development-reform", "derived")]
    assert by["3"] == [("sichuan-drug", "derived")]
    # a name of no known function is kept for review, with its place; a clause never is
    # organisations of no government function are kept for review as what they are
    kinds = {m.surface: next((str(o).rsplit("/", 1)[-1] for _, p, o in m.about
                              if p == ORG.classification), None)
             for m in doc.unresolved}
    assert kinds == {"Chongqing Biotech Promotion Office": None,
                     "Chongqing Medical Device Testing Institute": "at-public-institution",
                     "Liangjiang New Area Management Committee": "at-management-committee",
                     "Chongqing Cell Therapy Industry Association": "at-association"}
    assert all(m.target is None and m.how.startswith("provisional body") for m in doc.unresolved)
    assert doc.provisions[3].responsible == []
