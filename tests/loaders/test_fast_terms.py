"""The writer's direct term constructors make the very terms rdflib's constructors make:
same lexical form, value, language and datatype, equal and interchangeable in a graph."""

from cgtkg.loaders.text.rdf import integer_literal, plain_literal
from rdflib import Graph, Literal, URIRef

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


def test_triples_cross_processes_as_they_were_written():
    """The pool's workers send a text's triples as plain term states (pipeline/pool.py): the
    build's process gets equal terms, in every attribute, in the written order."""
    import datetime as dt
    import pickle

    from rdflib import BNode

    from cgtkg.pipeline.pool import decode_triples, encode_triples

    s, p = URIRef("http://x/doc/1"), URIRef("http://x/p")
    date = Literal("2020-05-14", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))
    objects = [plain_literal("第一条"), Literal("title", lang="en"), integer_literal(42),
               Literal("42", datatype=INTEGER), date, Literal(dt.date(2021, 1, 2)), BNode("b1"), s,
               Literal("not a number", datatype=INTEGER)]
    triples = [(s, p, o) for o in objects] + [(s, p, objects[0])]
    back = decode_triples(pickle.loads(pickle.dumps(encode_triples(triples))))
    assert back == triples
    for (_, _, a), (_, _, b) in zip(back, triples):
        assert type(a) is type(b)
        if isinstance(b, Literal):
            assert (a.value, a.language, a.datatype, a.ill_typed) == (b.value, b.language, b.datatype, b.ill_typed)
            assert type(a.datatype) is type(b.datatype)
    assert back[4][2].value == dt.date(2020, 5, 14)
