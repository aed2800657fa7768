"""The writer's direct term constructors make the very terms rdflib's constructors make:
same lexical form, value, language and datatype, equal and interchangeable in a graph."""

from rdflib import Graph, Literal, URIRef

from cgtkg.loaders.text.rdf import integer_literal, plain_literal

INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")

SAMPLES = ["", "第十二条", "line 3 of a.txt", " spaces \n and tabs\t", "引号“和”符号", "1", "\ud800x",
           "true", "2024-01-01"]


def test_plain_literal_is_rdflibs_literal():
    for text in SAMPLES:
        fast, slow = plain_literal(text), Literal(text)
        assert type(fast) is Literal
        assert (str(fast), fast.value, fast.language, fast.datatype, fast.ill_typed) == \
               (str(slow), slow.value, slow.language, slow.datatype, slow.ill_typed)
        assert fast == slow and hash(fast) == hash(slow) and fast.n3() == slow.n3()
    # not a plain str: rdflib's own constructor decides
    assert plain_literal(URIRef("http://x/y")) == Literal(URIRef("http://x/y"))


def test_integer_literal_is_rdflibs_literal():
    for n in (0, 7, 40213, 10**12):
        fast, slow = integer_literal(n), Literal(n, datatype=INTEGER)
        assert type(fast) is Literal
        assert (str(fast), fast.value, fast.language, fast.datatype, fast.ill_typed) == \
               (str(slow), slow.value, slow.language, slow.datatype, slow.ill_typed)
        assert fast == slow and hash(fast) == hash(slow) and fast.n3() == slow.n3()
        assert fast.eq(Literal(str(n), datatype=INTEGER))
    assert integer_literal(True) == Literal(True, datatype=INTEGER)  # a bool is no int here


def test_a_graph_holds_one_triple_for_both():
    g = Graph()
    s, p = URIRef("http://x/s"), URIRef("http://x/p")
    g.add((s, p, plain_literal("第一章")))
    g.add((s, p, Literal("第一章")))
    assert len(g) == 1 and (s, p, Literal("第一章")) in g
