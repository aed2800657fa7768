"""What a node the text loader makes *is* — a provision's text, the lines that name a
document, a history line, the sentence that states a relation — is linked to that passage
directly: ``<node> cgt:passage <target>`` (loaders/text/rdf.py, issue 25). Before, it was an
``oa:Annotation`` whose body and subject were the node itself, six triples where the link is
one, for each of the whole Chinese corpus's 341,000 provisions.

Data: a Chinese regulation of my own with a history line, articles with paragraphs and items,
and a closing article that repeals an older text.
"""

from __future__ import annotations

from cgtkg.graph import namespaces as ns
from cgtkg.graph.namespaces import CGT, DEFAULT_BASE, ELI, OA
from rdflib import RDF

TEXT = "\n".join([
    "某市免疫细胞治疗管理条例", "",
    "2020年5月8日某市第十届人民代表大会常务委员会第七次会议通过", "",
    "第一条 为规范免疫细胞治疗活动，保障患者安全，制定本条例。", "",
    "第二条 市卫生健康主管部门负责免疫细胞治疗的监督管理。", "",
    "市药品监督管理部门负责细胞制剂的质量监督。", "",
    "第三条 开展免疫细胞治疗的机构应当具备下列条件：", "",
    "（一）有符合要求的细胞制备场所；", "",
    "（二）有经过培训的专业人员。", "",
    "第四条 本条例自2020年7月1日起施行。《某市细胞治疗暂行办法》同时废止。", ""])


def _walk(provisions):
    for p in provisions:
        yield p
        yield from _walk(p.children)


def _passages(g, raw, source):
    """node -> {(start, end)} of its cgt:passage targets, each checked to select the text."""
    out: dict = {}
    for node, target in g.subject_objects(CGT.passage):
        assert (target, RDF.type, OA.SpecificResource) in g
        assert g.value(target, OA.hasSource) == source
        sels = set(g.objects(target, OA.hasSelector))
        pos = next(s for s in sels if (s, RDF.type, OA.TextPositionSelector) in g)
        quote = next(s for s in sels if (s, RDF.type, OA.TextQuoteSelector) in g)
        start, end = int(g.value(pos, OA.start)), int(g.value(pos, OA.end))
        assert str(g.value(quote, OA.exact)) == raw[start:end] != ""
        out.setdefault(node, set()).add((start, end))
    return out


def test_every_node_points_at_the_passage_it_was_read_as(extract):
    fr = extract(TEXT, "immune-cells.txt")
    g, raw = fr.graph, fr.source.raw
    source = next(g.subjects(RDF.type, CGT.SourceText))
    passages = _passages(g, raw, source)
    doc = next(x for x in fr.extraction.documents if x.provisions)

    # every provision, with each span the extraction read it from
    provisions = list(_walk(doc.provisions))
    assert len(provisions) >= 6  # four articles, a second paragraph, two items
    expected = sorted((s.start, s.end) for p in provisions for s in [p.span] + p.extra_spans)
    subdivisions = set(g.subjects(RDF.type, ELI.LegalResourceSubdivision))
    assert len(subdivisions) == len(provisions) and subdivisions <= passages.keys()
    assert sorted(sp for n in subdivisions for sp in passages[n]) == expected
    item = next(p for p in provisions if "细胞制备场所" in raw[p.span.start:p.span.end] and not p.children)
    assert raw[item.span.start:item.span.end].startswith("（一）")

    # the document, its history line and the relation it states
    for x in fr.extraction.documents:  # the regulation, and the older text it names
        spans = {(s.start, s.end) for s in x.spans}
        assert passages.get(ns.document(x.key, DEFAULT_BASE), set()) == spans
    assert passages[ns.document(doc.key, DEFAULT_BASE)]
    events = set(g.subjects(RDF.type, CGT.LegislativeEvent))
    relations = set(g.subjects(RDF.type, CGT.DocumentRelation))
    assert events and relations and (events | relations) <= passages.keys()
    assert any("人民代表大会常务委员会" in raw[s:e] for ev in events for s, e in passages[ev])
    assert any("同时废止" in raw[s:e] for r in relations for s, e in passages[r])

    # no annotation is left that only says where its own body is
    for a in g.subjects(RDF.type, OA.Annotation):
        assert g.value(a, OA.hasBody) != g.value(a, CGT.concerns), a


def test_the_passage_of_an_article_answers_the_documented_query(extract):
    """docs/loaders.md's one-line query gives each article its whole text."""
    fr = extract(TEXT, "immune-cells.txt")
    rows = fr.graph.query("""
        PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
        PREFIX oa:  <http://www.w3.org/ns/oa#>
        PREFIX eli: <http://data.europa.eu/eli/ontology#>
        SELECT ?provision ?passage WHERE {
          ?provision eli:number "2" ; cgt:passage/oa:hasSelector/oa:exact ?passage }""")
    texts = {str(r.passage) for r in rows}
    assert any(t.startswith("第二条") and "市卫生健康主管部门负责" in t for t in texts), texts
