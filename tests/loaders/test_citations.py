"""Who cites the documents a text names by a quoted title: eli:cites from the deepest
provision whose text holds the quote, else from the document, each with the quote as its
Web Annotation. Made-up texts, the real loaders."""

from __future__ import annotations

from cgtkg.graph.namespaces import CGT, DCTERMS, ELI, OA
from cgtkg.loaders.text.corpus import _attach_citations
from cgtkg.loaders.text.model import Document, Extraction, Provision, Span, Value
from rdflib import URIRef
from rdflib.namespace import RDF

REGULATION = "\n".join([
    'Regulations of Hainan Province on Cell Therapy Services',
    '',
    "(Adopted at the 5th Meeting of the Standing Committee of the Hainan Provincial People's "
    'Congress on March 1, 2024)',
    '',
    'Chapter 1 General Provisions',
    '',
    'Article 1: These Regulations are formulated in accordance with the "Biosecurity Law of the'
    ' People\'s Republic of China" and local conditions.',
    '',
    'Article 2: Whoever breaks these Regulations is punished under the "Drug Administration Law'
    ' of the People\'s Republic of China" and the "Measures for the Administration of Cell Banks'
    ' of Hainan Province".',
    '',
    'Article 3: The Hainan Provincial Health Commission shall:',
    '(1) keep a register of clinics as the "Measures for the Registration of Cell Therapy '
    'Clinics of Hainan Province" require;',
    '(2) publish the register every year.',
    '',
    'Article 4: These Regulations take effect on May 1, 2024.',
    '',
])


def _cites(g) -> dict[str, set[str]]:
    """citing IRI (after /doc/) -> the titles of the documents it cites"""
    out: dict[str, set[str]] = {}
    for s, o in g.subject_objects(ELI.cites):
        out.setdefault(str(s).split("/doc/", 1)[1], set()).update(str(t) for t in g.objects(o, DCTERMS.title))
    return out


def test_each_quoted_title_is_cited_by_the_deepest_provision_that_holds_it(extract):
    fr = extract(REGULATION, "hainan.txt")
    assert fr.extraction.documents[0].title() == "Regulations of Hainan Province on Cell Therapy Services"
    cites = _cites(fr.graph)
    main = next(k.split("/")[0] for k in cites)  # the regulation
    assert cites == {
        f"{main}/article/1": {"Biosecurity Law of the People's Republic of China"},
        f"{main}/article/2": {"Drug Administration Law of the People's Republic of China",
                              "Measures for the Administration of Cell Banks of Hainan Province"},
        f"{main}/article/3/item/1": {"Measures for the Registration of Cell Therapy Clinics of Hainan Province"},
    }
    # every cited document is a document of the graph, extracted from this text
    for cited in fr.graph.objects(None, ELI.cites):
        assert (cited, RDF.type, ELI.LegalResource) in fr.graph


def test_each_citation_is_annotated_with_the_quoted_title_and_its_offsets(extract):
    fr = extract(REGULATION, "hainan.txt")
    g, text = fr.graph, fr.source.raw
    links = list(g.subject_objects(ELI.cites))
    assert len(links) == 4
    for citing, cited in links:
        anns = [a for a in g.subjects(CGT.concerns, citing)
                if (a, CGT.onProperty, ELI.cites) in g and (a, OA.hasBody, cited) in g]
        assert len(anns) == 1, (citing, cited)
        target = g.value(anns[0], OA.hasTarget)
        selectors = list(g.objects(target, OA.hasSelector))
        quote = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in g)
        pos = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in g)
        exact = str(g.value(quote, OA.exact))
        assert exact in {str(t) for t in g.objects(cited, DCTERMS.title)}
        start, end = int(g.value(pos, OA.start)), int(g.value(pos, OA.end))
        assert text[start:end] == exact


def _doc(key: str, span: Span, genre: str = "regulation_articles", provisions=()) -> Document:
    return Document(key=key, titles=[Value(key)], spans=[span], genre=genre, provisions=list(provisions))


def test_a_quote_outside_every_document_of_a_text_of_several_is_not_attributed():
    """Two plans announced in one text, a law quoted in the lead before either: which of
    them cites it is not said, so neither does (the cited document itself is kept)."""
    law = _doc("x-law", Span(5, 20), genre="cited")
    held = _doc("x-rules", Span(150, 170), genre="cited")
    article = Provision("article", "1", "Article 1", Span(140, 200))
    plan_a = _doc("x-plan-a", Span(100, 120), provisions=[article])
    plan_b = _doc("x-plan-b", Span(300, 320))
    ext = Extraction(documents=[plan_a, plan_b, law, held])
    _attach_citations(ext)
    assert [(c.document.key, c.span) for c in article.cites] == [("x-rules", Span(150, 170))]
    assert plan_a.cites == [] and plan_b.cites == []
    # the only document of a text cites what none of its provisions holds
    alone = _doc("x-plan-a", Span(100, 120))
    ext = Extraction(documents=[alone, law])
    _attach_citations(ext)
    assert [(c.document.key, c.span) for c in alone.cites] == [("x-law", Span(5, 20))]


def test_a_text_that_cites_nothing_has_no_citation(extract):
    fr = extract(REGULATION.replace('"', ""), "plain.txt")
    assert not list(fr.graph.subject_objects(ELI.cites))
    assert not [d for d in fr.extraction.documents if d.genre == "cited"]


def test_the_graph_holds_no_citation_of_a_document_it_does_not_describe(extract):
    fr = extract(REGULATION, "hainan.txt")
    described = set(fr.graph.subjects(RDF.type, ELI.LegalResource))
    assert set(fr.graph.objects(None, ELI.cites)) <= described
    assert all(isinstance(o, URIRef) for o in fr.graph.objects(None, ELI.cites))


# ---------------------------------------------------------------- interpretations

INTERPRETATION = "\n".join([
    "",
    "Interpretation of the Regulations of Hainan Province on Cell Therapy Services",
    "",
    "The province drafted the Regulations to give clinics one set of rules.",
    "",
])


def test_an_interpretation_printed_after_the_articles_interprets_the_regulation(extract):
    fr = extract(REGULATION + INTERPRETATION, "hainan-with-interpretation.txt")
    g = fr.graph
    links = list(g.subject_objects(CGT.interprets))
    assert len(links) == 1
    explained_by, regulation = links[0]
    assert {str(t) for t in g.objects(regulation, DCTERMS.title)} == {
        "Regulations of Hainan Province on Cell Therapy Services"}
    assert {str(t) for t in g.objects(explained_by, DCTERMS.title)} == {
        "Interpretation of the Regulations of Hainan Province on Cell Therapy Services"}
    # the heading that names the interpretation is its evidence
    ann = next(a for a in g.subjects(CGT.onProperty, CGT.interprets))
    assert (ann, CGT.concerns, explained_by) in g and (ann, OA.hasBody, regulation) in g
    quote = next(s for s in g.objects(g.value(ann, OA.hasTarget), OA.hasSelector)
                 if (s, RDF.type, OA.TextQuoteSelector) in g)
    assert str(g.value(quote, OA.exact)) == INTERPRETATION.strip().splitlines()[0]
    # the regulation's articles stay its own: the interpretation is not more articles
    assert not [p for p in g.subjects(ELI.is_part_of, explained_by)]


def test_another_document_printed_after_the_articles_interprets_nothing(extract):
    notice = INTERPRETATION.replace("Interpretation of the", "Notice on Implementing the")
    fr = extract(REGULATION + notice, "hainan-with-notice.txt")
    assert len([d for d in fr.extraction.documents if d.genre == "commentary"]) == 1
    assert not list(fr.graph.subject_objects(CGT.interprets))
