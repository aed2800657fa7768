"""A passage's quote selector carries ``oa:prefix`` and ``oa:suffix`` only where its words
alone would not say which place is meant (loaders/text/rdf.py, ``CONTEXT_WHEN_NEEDED``): the
Web Annotation model has them to tell several occurrences apart. Elsewhere the words, like
the position selector beside them, pick one place, and the two literals were about a tenth
of the triples of a real Chinese law (issue 25).

Data: a Chinese regulation of my own in which two articles end with the same sentence and a
body is named twice in one article.
"""

from __future__ import annotations

from cgtkg.graph.namespaces import OA
from cgtkg.loaders.text import rdf

TEXT = "\n".join([
    "某市细胞治疗机构管理办法", "",
    "第一条 为规范细胞治疗机构，制定本办法。", "",
    "第二条 市卫生健康委员会负责细胞治疗机构的登记。机构应当按年报告。", "",
    "第三条 市市场监督管理局负责细胞制剂的质量监督。机构应当按年报告。", "",
    "第四条 市卫生健康委员会会同市市场监督管理局开展检查，市卫生健康委员会公布结果。", "",
    "第五条 本办法自发布之日起施行。", ""])


def _selectors(g):
    """(exact, start, end, has context, within) for every quote selector: ``within`` is the
    span it selects in (the whole text, or the passage of the selector it refines)."""
    out = []
    for target in set(g.subjects(OA.hasSelector, None)):
        sels = list(g.objects(target, OA.hasSelector))
        pos = next(s for s in sels if (s, None, OA.TextPositionSelector) in g)
        quote = next(s for s in sels if s != pos)
        start, end = int(g.value(pos, OA.start)), int(g.value(pos, OA.end))
        out.append((quote, start, end, None))
        name = g.value(pos, OA.refinedBy)
        if name is not None:
            out.append((name, None, None, (start, end)))
    return out


def _check(g, raw: str) -> tuple[int, int]:
    with_context = without = 0
    for sel, start, end, within in _selectors(g):
        exact = str(g.value(sel, OA.exact))
        scope = raw if within is None else raw[within[0]:within[1]]
        if start is None:  # a name: where it sits in its passage is the one occurrence, or not
            assert exact in scope
            repeated = scope.count(exact) > 1
        else:
            assert raw[start:end] == exact
            repeated = raw.count(exact) > 1
        has = (sel, OA.prefix, None) in g
        assert has == repeated, (exact, repeated)
        assert has == ((sel, OA.suffix, None) in g)
        with_context += has
        without += not has
    return with_context, without


def test_context_only_where_the_words_repeat(extract):
    fr = extract(TEXT, "measures.txt")
    with_context, without = _check(fr.graph, fr.source.raw)
    # both kinds occur: the repeated sentence, and the article that names one body twice
    assert with_context >= 2 and without >= 5, (with_context, without)


def test_every_selector_has_context_when_asked(extract, monkeypatch):
    monkeypatch.setattr(rdf, "CONTEXT_WHEN_NEEDED", False)
    g = extract(TEXT, "measures.txt").graph
    quotes = set(g.subjects(OA.exact, None))
    assert quotes and all((q, OA.prefix, None) in g and (q, OA.suffix, None) in g for q in quotes)


def test_occurrences_elsewhere():
    text = "甲乙甲乙丙"
    assert rdf.occurs_elsewhere(text, 0, 2) and rdf.occurs_elsewhere(text, 2, 4)
    assert not rdf.occurs_elsewhere(text, 4, 5) and not rdf.occurs_elsewhere(text, 1, 3)
    assert rdf.occurs_elsewhere("aaa", 0, 2)  # overlapping occurrences count
