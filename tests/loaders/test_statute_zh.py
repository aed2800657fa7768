"""The statute_zh genre on Chinese originals written for these tests.

Every fixture below is invented (names of real bodies and laws aside): regulations in the
layout legislatures publish, with a title, a legislative history, 编章节条款项, numbers in
Chinese numerals and full-width digits, an inserted article, a repeal clause, an amendment
with numbered points, an untitled text.  No sentence is copied from any real text."""

from __future__ import annotations

import datetime as dt

from cgtkg.graph import namespaces as ns
from cgtkg.loaders.text.genres import detect

PROVINCIAL = """# 东海省细胞治疗产品应用管理条例

２０１９年５月２８日 东海省第十三届人民代表大会常务委员会第十二次会议通过

二〇二一年九月三十日 东海省第十三届人民代表大会常务委员会第二十九次会议《关于修改〈东海省细胞治疗产品\
应用管理条例〉的决定》修正

<!-- INFO END -->

## 第一编 总 则

### 第一章 一般规定

第一条 为了规范细胞治疗产品的应用，保障患者安全，制定本条例。

第二条 省人民政府负责统筹本省细胞治疗产品应用管理工作。

县级以上卫生健康部门负责本行政区域内的监督管理。

第三条 医疗机构开展细胞治疗，应当具备下列条件：

（一）有相应的诊疗科目；

（二）有两名以上具备资质的医师；

（三）有符合要求的制备场所。

未具备前款条件的，不得开展相关活动。

## 第二编 分 则

### 第二章 临床应用

#### 第一节 准入

第四条 申请开展临床应用的，应当提交下列材料：

（一）申请书；

（二）技术方案。

有关部门应当自收到材料之日起二十日内作出决定。

第五条 鼓励科研机构开展干细胞基础研究。

第五条之一 禁止发布虚假的细胞治疗广告。

#### 第二节 监督

第六条 违反本条例规定的，由卫生健康部门责令改正。

### 第三章 附　则

第七条 本条例自２０２１年１０月１日起施行。《东海省医疗新技术临时管理办法》同时废止。
"""

STATE_COUNCIL = """# 细胞制品储存管理条例

2018年9月12日 国务院第27次常务会议修订通过

2018年11月20日 中华人民共和国国务院令第798号公布

<!-- INFO END -->

第一条 为了加强细胞制品储存管理，制定本条例。

第二条 国务院卫生健康主管部门负责全国细胞制品储存的监督管理。

第三条 本条例自公布之日起施行。
"""

LAW_PAREN = """中华人民共和国细胞技术促进法

（2020年6月29日第十三届全国人民代表大会常务委员会第十九次会议通过　根据2022年12月30日第十三届全国人民代表大会\
常务委员会第三十八次会议《关于修改〈中华人民共和国细胞技术促进法〉的决定》修正）

第一章　总则

第一条　为了促进细胞技术进步，制定本法。

第二条　国家支持细胞技术研究。

第二章　附则

第三条　本法自2021年1月1日起施行。
"""

AMENDMENT = """# 中华人民共和国示例法修正案（三）

2021年3月1日 第十三届全国人民代表大会常务委员会第二十六次会议通过

<!-- INFO END -->

一、将示例法第十条修改为："第十条 从事细胞制备活动，应当取得许可。"

二、在示例法第十条后增加一条，作为第十条之一：

"第十条之一 许可有效期为五年。"

三、本修正案自2021年6月1日起施行。
"""

UNTITLED = """第一条 本办法所称细胞库，是指保存细胞的设施。

第二条 细胞库应当建立质量管理制度。

第三条 本办法自发布之日起施行。
"""

MINISTRY = """# 细胞检验机构管理办法

2021年8月19日 国家市场监督管理总局令第83号公布

2021年10月1日 施行

<!-- INFO END -->

第一条 为了规范细胞检验机构，制定本办法。

第二条 检验机构应当独立开展检验。

第三条 检验机构不得出具虚假报告。
"""


def _main(fr):
    return next(d for d in fr.extraction.documents if d.genre != "cited")


def _provs(doc):
    return {(p.kind, p.number): p for p in doc.all_provisions()}


def _dates(doc):
    return {d.kind: d.value for d in doc.dates}


def _iris(fr, doc):
    base = ns.DEFAULT_BASE
    d = ns.URIRef(f"{base}doc/{doc.key}")
    out = set()

    def walk(p, path):
        path = path + [(p.kind, p.number)]
        out.add(str(ns.provision(d, path)).removeprefix(str(d)))
        for c in p.children:
            walk(c, path)

    for p in doc.provisions:
        walk(p, [])
    return out


# ---------------------------------------------------------------- detection


def test_chinese_originals_are_read_by_statute_zh(extract):
    for name, text in (("p.md", PROVINCIAL), ("s.md", STATE_COUNCIL), ("l.txt", LAW_PAREN),
                       ("a.md", AMENDMENT), ("u.txt", UNTITLED), ("m.md", MINISTRY)):
        fr = extract(text, name)
        got, scores = detect(fr.source)
        assert got is not None and got.name == "statute_zh", (name, scores)


def test_english_fixtures_keep_their_genres(extract, fixture_text):
    expected = {"measures_mixed.txt": "measures_list", "roundup.txt": "roundup",
                "bilingual.txt": "article_mentions", "wrapped_regulation.txt": "regulation_articles",
                "measures_zh.txt": "measures_list", "no_structure.txt": None}
    for name, genre in expected.items():
        fr = extract(fixture_text(name), name)
        got, _ = detect(fr.source)
        assert (got.name if got else None) == genre, name


# ---------------------------------------------------------------- header


def test_title_history_dates_level_and_key(extract):
    fr = extract(PROVINCIAL, "p.md")
    doc = _main(fr)
    assert doc.titles[0].value == "东海省细胞治疗产品应用管理条例" and doc.titles[0].lang == "zh"
    kinds = [(e.kind, e.date) for e in doc.events]
    assert kinds[:2] == [("adopted", dt.date(2019, 5, 28)), ("amended", dt.date(2021, 9, 30))]
    assert doc.events[0].body_text == "东海省第十三届人民代表大会常务委员会第十二次会议"
    # the article that states the entry into force is an event too, with its own span
    assert kinds[-1] == ("in_force", dt.date(2021, 10, 1))
    assert "起施行" in fr.source.raw[doc.events[-1].span.start:doc.events[-1].span.end]
    assert _dates(doc) == {"publication": dt.date(2021, 9, 30), "document": dt.date(2021, 9, 30),
                           "in_force": dt.date(2021, 10, 1)}
    assert doc.legal_level.key == "legal-local-regulation"
    assert doc.key.startswith("x-zh-") and doc.key.endswith("-2021-09-30")
    # header lines are header segments, never provisions or titles
    header = [fr.source.raw[s.span.start:s.span.end] for s in fr.extraction.segments if s.kind == "header"]
    assert "<!-- INFO END -->" in header and "## 第一编 总 则" in header


def test_state_council_order_publication_and_in_force_on_publication(extract):
    doc = _main(extract(STATE_COUNCIL, "s.md"))
    kinds = [e.kind for e in doc.events]
    assert kinds == ["revised", "published", "in_force"]
    rev, pub = doc.events[0], doc.events[1]
    assert rev.body is not None and rev.body.key == "state-council"
    assert pub.number == "中华人民共和国国务院令第798号" and pub.body_text == "中华人民共和国国务院"
    assert [m.key for m in doc.issuers] == ["state-council"]
    assert _dates(doc) == {"publication": dt.date(2018, 11, 20), "document": dt.date(2018, 9, 12),
                           "in_force": dt.date(2018, 11, 20)}
    assert doc.legal_level.key == "legal-administrative-regulation"


def test_parenthesised_history_of_a_law(extract):
    doc = _main(extract(LAW_PAREN, "l.txt"))
    assert doc.title("zh") == "中华人民共和国细胞技术促进法"
    assert [(e.kind, e.date) for e in doc.events][:2] == [("adopted", dt.date(2020, 6, 29)),
                                                          ("amended", dt.date(2022, 12, 30))]
    assert [m.key for m in doc.issuers] == ["npcsc"]
    assert doc.legal_level.key == "legal-law"
    assert _dates(doc)["publication"] == dt.date(2022, 12, 30)
    assert sorted(n for k, n in _provs(doc) if k == "chapter") == ["1", "2"]


def test_ministry_order_is_a_departmental_rule_and_history_gives_in_force(extract):
    doc = _main(extract(MINISTRY, "m.md"))
    assert doc.legal_level.key == "legal-departmental-rule"
    assert _dates(doc) == {"publication": dt.date(2021, 8, 19), "document": dt.date(2021, 8, 19),
                           "in_force": dt.date(2021, 10, 1)}


def test_two_editions_of_one_title_are_two_documents(extract):
    later = PROVINCIAL.replace("二〇二一年九月三十日", "二〇二三年一月五日")
    a, b = _main(extract(PROVINCIAL, "a.md")), _main(extract(later, "b.md"))
    assert a.key != b.key and a.key.split("-")[2] == b.key.split("-")[2]


# ---------------------------------------------------------------- structure


def test_parts_chapters_sections_articles_paragraphs_items(extract):
    fr = extract(PROVINCIAL, "p.md")
    doc = _main(fr)
    provs = _provs(doc)
    assert [p.kind for p in doc.provisions] == ["part", "part"]
    assert provs[("part", "1")].title.value == "总则"
    assert provs[("chapter", "3")].title.value == "附则"
    assert provs[("chapter", "2")] in provs[("part", "2")].children
    assert provs[("section", "1")] in provs[("chapter", "2")].children
    assert provs[("article", "4")] in provs[("section", "1")].children
    arts = sorted((p.number for p in doc.all_provisions() if p.kind == "article"),
                  key=lambda n: [int(x) for x in n.split("-")])
    assert arts == ["1", "2", "3", "4", "5", "5-1", "6", "7"]
    # one paragraph: no paragraph children; two: paragraphs counted from 1 in the article
    assert provs[("article", "1")].children == []
    a2 = provs[("article", "2")]
    assert [(c.kind, c.number) for c in a2.children] == [("paragraph", "1"), ("paragraph", "2")]
    assert fr.source.raw[a2.children[0].span.start:a2.children[0].span.end].startswith("省人民政府")
    a3 = provs[("article", "3")]
    assert [c.number for c in a3.children] == ["1", "2"]
    assert [(i.number, i.printed) for i in a3.children[0].children] == \
        [("1", "（一）"), ("2", "（二）"), ("3", "（三）")]
    assert a3.children[1].children == []
    iris = _iris(fr, doc)
    assert {"/article/3/paragraph/1/item/3", "/article/5-1", "/part/2", "/article/4/paragraph/1/item/2"} <= iris


def test_enrichment_and_repeal(extract):
    fr = extract(PROVINCIAL, "p.md")
    doc = _main(fr)
    provs = _provs(doc)
    assert "prohibits" in {m.key for m in provs[("article", "5-1")].modalities}
    assert [str(c.document.titles[0].value) for c in doc.repeals] == ["东海省医疗新技术临时管理办法"]
    repealed = doc.repeals[0].document
    assert repealed in fr.extraction.documents and repealed.genre == "cited"


def test_amendment_with_numbered_points(extract):
    fr = extract(AMENDMENT, "a.md")
    doc = _main(fr)
    assert doc.legal_level.key == "legal-law"
    points = [p for p in doc.provisions if p.kind == "measure"]
    assert [p.number for p in points] == ["1", "2", "3"]
    assert [c.kind for c in points[1].children] == ["paragraph", "paragraph"]
    # the quoted article the amendment inserts is text of the point, not an article
    assert not any(p.number == "10-1" for p in doc.all_provisions())
    assert _dates(doc)["in_force"] == dt.date(2021, 6, 1)


def test_untitled_text_still_gives_its_articles(extract):
    fr = extract(UNTITLED, "u.txt")
    doc = _main(fr)
    assert [p.number for p in doc.provisions] == ["1", "2", "3"]
    assert any("title" in p.message for p in fr.problems)
    assert doc.key.startswith("x-zh-") and doc.key.endswith("-u")


def test_every_line_is_classified(extract):
    fr = extract(PROVINCIAL, "p.md")
    assert fr.report["coverage"]["classified"] >= 0.99


def test_a_later_date_in_the_file_name_dates_the_version_the_history_omits(extract):
    """Collections name a file after the title and the date of the version it holds; an
    amending decision the header does not list leaves that date in the name only."""
    named = _main(extract(STATE_COUNCIL, "细胞制品储存管理条例(2020-03-27).md"))
    dates = _dates(named)
    assert dates["publication"] == dt.date(2020, 3, 27)
    pub = next(d for d in named.dates if d.kind == "publication")
    assert not pub.spans and "file name" in pub.note and "2018-11-20" in pub.note
    # in force as republished, like an amendment the text prints, and said to be inferred
    assert dates["in_force"] == dt.date(2020, 3, 27)
    assert dates["document"] == dt.date(2018, 9, 12)  # the adoption the text prints stays
    assert named.key.endswith("-2020-03-27")  # another version than the 2018 file's
    # a name date the history already prints, or one earlier than it, changes nothing
    same = _main(extract(STATE_COUNCIL, "细胞制品储存管理条例(2018-11-20).md"))
    earlier = _main(extract(STATE_COUNCIL, "细胞制品储存管理条例(2001-01-01).md"))
    plain = _main(extract(STATE_COUNCIL, "s.md"))
    assert _dates(same) == _dates(earlier) == _dates(plain)
    assert next(d for d in same.dates if d.kind == "publication").spans


TOPICS = """# 西岭市公共服务促进条例

2022年3月1日 西岭市第九届人民代表大会常务委员会第五次会议通过

第一条 为了促进公共服务，制定本条例。

第二条 鼓励市民参与造血干细胞捐献。

第三条 医疗机构开展药物临床试验，应当保护受试者。

第四条 临床试验的数据应当真实。

第五条 市卫生健康部门对临床试验进行监督。

第六条 图书馆应当延长开放时间。

第七条 本条例自2022年5月1日起施行。
"""


def test_a_document_is_about_what_its_title_or_several_articles_name(extract):
    doc = _main(extract(TOPICS, "t.md"))
    provs = {p.number: sorted(m.key for m in p.therapies) for p in doc.all_provisions() if p.kind == "article"}
    assert provs["2"] and provs["3"] == ["clinical-research"]
    # three articles on clinical trials make the regulation about them; one on donating
    # stem cells does not make it a stem-cell regulation
    assert sorted(m.key for m in doc.therapies) == ["clinical-research"]
    titled = _main(extract(TOPICS.replace("公共服务促进条例", "生物安全管理条例"), "b.md"))
    assert "biosecurity" in {m.key for m in titled.therapies}
