"""A rebuild resolves with the comparisons the previous build made, and writes exactly the
canonical graph a full pass would (cgtkg/pipeline/resolve.py, ``DecisionCache``).

Data: documents made up for these tests (titles, numbers, dates and bodies of my own), written
as triples into a real on-disk store; for the end-to-end test, two short texts of my own in a
corpus folder. Each step changes the store as a rebuild would (a text added, changed or
removed), resolves once with the cache the step before wrote and once without any, and
compares the canonical graphs as graphs, the resolution reports and the warnings.
"""

from __future__ import annotations

import hashlib
import json

import pyoxigraph as ox
import pytest
from cgtkg.graph import namespaces as ns
from cgtkg.graph.namespaces import CGT, ELI
from cgtkg.graph.store import GraphStore
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from cgtkg.pipeline import resolve as R
from cgtkg.pipeline.build import BuildOptions, build

BASE = ns.DEFAULT_BASE
DOC = BASE + "doc/"
CANONICAL = URIRef(BASE + "graph/canonical")


def _document(key: str, source: str, title: str, lang: str, number: str | None = None,
              issuer: str | None = None, day: str | None = None, measures: dict | None = None) -> list:
    d = URIRef(DOC + key)
    out = [(d, RDF.type, ELI.LegalResource), (d, DCTERMS.title, Literal(title, lang=lang)),
           (d, PROV.hadPrimarySource, URIRef(BASE + "source/" + source))]
    if number:
        out.append((d, ELI.id_local, Literal(number)))
    if issuer:
        out.append((d, ELI.passed_by, ns.agency(issuer)))
    if day:
        out.append((d, ELI.date_document, Literal(day, datatype=XSD.date)))
    for n, bodies in (measures or {}).items():
        p = URIRef(f"{d}/measure/{n}")
        out += [(p, RDF.type, ELI.LegalResourceSubdivision), (p, ELI.is_part_of, d), (p, CGT.partOfDocument, d),
                (p, ELI.number, Literal(n)), (p, ELI.type_subdivision, ns.concept("measure", BASE))]
        out += [(p, CGT.responsibleAgency, ns.agency(a)) for a in bodies]
    return out


BANKS = "Measures on the Cell Banks of Hainan Province"
NUMBER = "Qiong Fu [2021] No. 7"
PILOTS = "Work Plan for Tumour Infiltrating Lymphocyte Therapy Pilots in {}"


def _text(name: str) -> URIRef:
    return URIRef(BASE + f"graph/extracted/{name}")


def _initial() -> dict[URIRef, list]:
    """A record; two copies of it in texts (one dated six weeks later: a date conflict); a
    work plan of one city in two texts and, in a third, the same plan of another city (an
    ambiguous pair); a document no other resembles."""
    return {
        URIRef(BASE + "graph/doc/hainan-cell-banks"): _document(
            "hainan-cell-banks", "rec", BANKS, "en", NUMBER, "hainan-gov", "2021-05-01",
            {"1": ["nhc", "nmpa"], "2": ["hainan-hc"]}),
        _text("t1"): _document("x-banks-t1", "t1", BANKS, "en", NUMBER, "hainan-gov", "2021-05-01",
                               {"1": ["nhc", "samr"], "2": ["hainan-hc"]}),
        _text("t2"): _document("x-banks-t2", "t2", BANKS, "en", NUMBER, None, "2021-06-12"),
        _text("t3"): _document("x-til-t3", "t3", PILOTS.format("Sanya"), "en", None, "hainan-hc"),
        _text("t4"): _document("x-til-t4", "t4", PILOTS.format("Haikou"), "en", None, "hainan-hc"),
        _text("t5"): _document("x-til-t5", "t5", PILOTS.format("Sanya"), "en", None, "hainan-hc", "2023-07-20"),
        _text("t6"): _document("x-organ-t6", "t6", "Rules on Organ Donation in Sanya", "en", None, "sanya-gov"),
    }


def _canonical(store: GraphStore):
    return store.graph(CANONICAL)


def _outcome(res: R.Resolution, problems) -> tuple:
    report = {k: v for k, v in res.report().items() if k != "cache"}
    return json.dumps(report, sort_keys=True, default=str), sorted(str(p) for p in problems)


def _resolve_both(store: GraphStore, cache_in, cache_out, previous=frozenset(), reused=frozenset()):
    """The incremental pass (``cache_in`` -> ``cache_out``; ``reused``: the graphs a build
    would say it kept as they were), then a full one on the same store; both canonical
    graphs, outcomes and the incremental pass's cache counts."""
    res, problems = R.resolve(store, BASE, previous=set(previous), cache_in=cache_in, cache_out=cache_out,
                              reused=set(reused))
    incremental = (_canonical(store), _outcome(res, problems), res.cache)
    full_res, full_problems = R.resolve(store, BASE, previous=set(previous))
    full = (_canonical(store), _outcome(full_res, full_problems))
    return incremental, full, res


def _same(incremental, full) -> None:
    g_inc, out_inc, _ = incremental
    g_full, out_full = full
    assert len(g_inc) == len(g_full) > 0
    assert isomorphic(g_inc, g_full), set(to_isomorphic(g_inc)) ^ set(to_isomorphic(g_full))
    assert out_inc == out_full


def test_each_change_resolves_to_the_full_pass_graph(tmp_path):
    store = GraphStore(tmp_path / "store")
    for g, triples in _initial().items():
        store.add_graph(g, triples)
    caches = [tmp_path / f"cache{i}.json" for i in range(6)]
    res, _ = R.resolve(store, BASE, cache_out=caches[0])
    assert res.cache["pairs_reused"] == 0 and res.cache["pairs_compared"] > 0
    # what the fixtures are meant to hold: copies merged, an ambiguous pair, a date conflict
    assert res.canonical[DOC + "x-banks-t1"] == res.canonical[DOC + "x-banks-t2"] == DOC + "hainan-cell-banks"
    assert res.ambiguous and any("x-til-t4" in (d.a + d.b) for d in res.ambiguous)
    assert [c["date"] for c in res.conflicts if "date" in c] == ["document"]
    previous = set(res.canonical.values())

    # nothing changed: every comparison reused
    inc, full, res = _resolve_both(store, caches[0], caches[1], previous)
    _same(inc, full)
    assert {k: inc[2][k] for k in ("pairs_reused", "pairs_compared")} == {
        "pairs_reused": res.cache["pairs_reused"], "pairs_compared": 0}
    assert res.cache["pairs_reused"] > 0

    # a text changed so that its copy no longer matches: the same number (still a candidate
    # pair) under another title and date
    store.replace_graph(_text("t2"), _document("x-banks-t2", "t2", "Rules on Blood Stations of Hainan",
                                               "en", NUMBER, None, "2022-01-05"))
    inc, full, res = _resolve_both(store, caches[1], caches[2], previous)
    _same(inc, full)
    assert DOC + "x-banks-t2" not in res.canonical and not [c for c in res.conflicts if "date" in c]
    assert res.cache["pairs_compared"] > 0 and res.cache["pairs_reused"] > 0

    # a text removed, and a new copy of the record added
    store.replace_graph(_text("t1"), [])
    store.add_graph(_text("t7"), _document("x-banks-t7", "t7", BANKS, "en", NUMBER, "hainan-gov", "2021-05-01",
                                           {"1": ["nhc"]}))
    inc, full, res = _resolve_both(store, caches[2], caches[3], previous)
    _same(inc, full)
    assert DOC + "x-banks-t1" not in res.canonical and res.canonical[DOC + "x-banks-t7"] == DOC + "hainan-cell-banks"

    # the second copy of one city's plan removed: the two cities' plans stay an ambiguous pair
    store.replace_graph(_text("t5"), [])
    inc, full, res = _resolve_both(store, caches[3], caches[4], previous)
    _same(inc, full)
    assert res.ambiguous


def _graphs(store: GraphStore) -> set[str]:
    return {g.value for g in store.ox.named_graphs()} - {str(CANONICAL)}


def test_provision_matches_are_reused_only_while_what_they_read_is_unchanged(tmp_path):
    """The provision cache (``ProvisionCache``): a pair's match is reused when every graph
    it read is one the build kept and no graph it wrote reaches either document; each step
    is compared with a full pass, and a step the cache must not answer is matched again."""
    store = GraphStore(tmp_path / "store")
    for g, triples in _initial().items():
        store.add_graph(g, triples)
    caches = [tmp_path / f"cache{i}.json" for i in range(8)]
    res, _ = R.resolve(store, BASE, cache_out=caches[0])
    assert caches[0].with_name(R.PROVISION_CACHE_FILE).exists()
    previous = set(res.canonical.values())
    copy = DOC + "x-banks-t1"
    assert res.provisions and all(x.startswith(copy) for x in res.provisions)

    # nothing written: every pair reused, none matched
    inc, full, res = _resolve_both(store, caches[0], caches[1], previous, reused=_graphs(store))
    _same(inc, full)
    assert res.cache["provision_pairs_matched"] == 0 and res.cache["provision_pairs_reused"] == len(res.canonical)

    # another text (written by this build) gives the copy a third measure: the copy's pair is
    # matched again and the new measure is one only the copy holds
    extra = URIRef(copy + "/measure/3")
    store.add_graph(_text("t8"), [(extra, CGT.partOfDocument, URIRef(copy)), (extra, ELI.is_part_of, URIRef(copy)),
                                  (extra, ELI.number, Literal("3")),
                                  (extra, ELI.type_subdivision, ns.concept("measure", BASE))])
    inc, full, res = _resolve_both(store, caches[1], caches[2], previous, reused=_graphs(store) - {str(_text("t8"))})
    _same(inc, full)
    assert str(extra) in res.text_only and res.cache["provision_pairs_matched"] >= 1

    # a text written by this build names a body of the record's first measure: the
    # canonical document's provisions are read again for its copies
    measure = URIRef(DOC + "hainan-cell-banks/measure/1")
    store.add_graph(_text("t9"), [(measure, CGT.responsibleAgency, ns.agency("samr"))])
    inc, full, res = _resolve_both(store, caches[2], caches[3], previous, reused=_graphs(store) - {str(_text("t9"))})
    _same(inc, full)
    assert res.cache["provision_pairs_matched"] >= 1

    # a graph the cached reading found statements in was redone (here: emptied and refilled
    # with other measures): not reused though nothing in it names the documents any more
    store.replace_graph(_text("t8"), [])
    inc, full, res = _resolve_both(store, caches[3], caches[4], previous, reused=_graphs(store) - {str(_text("t8"))})
    _same(inc, full)
    assert str(extra) not in res.text_only and res.cache["provision_pairs_matched"] >= 1

    # too many graphs written to follow up: a full pass of the provisions, the same graph
    res, _ = R.resolve(store, BASE, previous=previous, cache_in=caches[4], cache_out=caches[5], reused=set(),
                       max_written=2)
    assert res.cache["provision_pairs_reused"] == 0


def test_canonical_groups_are_reused_only_while_what_they_read_is_unchanged(tmp_path):
    """The groups' cache (``GroupCache``): a group's quads, conflicts and warnings are reused
    while every statement its writing found is in a graph the build kept, no graph the build
    wrote holds a statement about what it looked up, and every value it looked up has the
    same canonical node; each step is compared with a full pass."""
    store = GraphStore(tmp_path / "store")
    initial = _initial()
    banks_copy = URIRef(DOC + "x-banks-t1")
    # the record's copy cites the organ donation rules, which no other document resembles yet
    initial[_text("t1")].append((banks_copy, ELI.cites, URIRef(DOC + "x-organ-t6")))
    for g, triples in initial.items():
        store.add_graph(g, triples)
    caches = [tmp_path / f"cache{i}.json" for i in range(6)]
    res, _ = R.resolve(store, BASE, cache_out=caches[0])
    assert caches[0].with_name(R.GROUP_CACHE_FILE).exists()
    groups = len(set(res.canonical.values()))
    assert groups >= 2 and res.cache["groups_written"] == groups
    previous = set(res.canonical.values())
    banks = URIRef(DOC + "hainan-cell-banks")

    # nothing written: every group reused, the same graph, conflicts and warnings
    inc, full, res = _resolve_both(store, caches[0], caches[1], previous, reused=_graphs(store))
    _same(inc, full)
    assert (res.cache["groups_reused"], res.cache["groups_written"]) == (groups, 0)
    assert [c["date"] for c in res.conflicts if "date" in c] == ["document"]

    # a text written by this build says something of a copy: its group is written again, the
    # others are reused
    region = URIRef(BASE + "region/hainan")
    store.add_graph(_text("t8"), [(banks_copy, ELI.relevant_for, region)])
    inc, full, res = _resolve_both(store, caches[1], caches[2], previous, reused=_graphs(store) - {str(_text("t8"))})
    _same(inc, full)
    assert (banks, ELI.relevant_for, region) in inc[0]
    assert res.cache["groups_written"] == 1 and res.cache["groups_reused"] == groups - 1

    # that text redone without it: the group read a statement of it, so it is written again
    # though nothing in the new text names it
    store.replace_graph(_text("t8"), [(URIRef(DOC + "elsewhere"), ELI.number, Literal("1"))])
    inc, full, res = _resolve_both(store, caches[2], caches[3], previous, reused=_graphs(store) - {str(_text("t8"))})
    _same(inc, full)
    assert (banks, ELI.relevant_for, region) not in inc[0]
    assert res.cache["groups_written"] == 1

    # a new text makes the cited rules a copy of another node: the citing group is written
    # again, its citation now pointing at that node, though the new text names neither
    store.add_graph(_text("t10"), _document("x-organ-6", "t10", "Rules on Organ Donation in Sanya", "en", None,
                                            "sanya-gov"))
    inc, full, res = _resolve_both(store, caches[3], caches[4], previous, reused=_graphs(store) - {str(_text("t10"))})
    _same(inc, full)
    assert res.canonical[DOC + "x-organ-t6"] == DOC + "x-organ-6"
    assert (banks, ELI.cites, URIRef(DOC + "x-organ-6")) in inc[0]
    assert res.cache["groups_reused"] >= 1 and res.cache["groups_written"] >= 2

    # a damaged groups' cache: every group written again, with a warning, the same graph
    damaged = caches[4].with_name(R.GROUP_CACHE_FILE)
    damaged.write_bytes(damaged.read_bytes()[:-40])
    res, problems = R.resolve(store, BASE, previous=previous, cache_in=caches[4], reused=_graphs(store))
    warned = [p for p in problems if "every group written again" in p.message]
    assert len(warned) == 1 and warned[0].severity == "warning"
    assert res.cache["groups_reused"] == 0
    assert isomorphic(_canonical(store), full[0])


def test_every_statement_a_reading_meets_reaches_its_document(tmp_path):
    """``documents_reached``: a provision's link to its document, any statement about it, its
    link to its passage, the passage's target and the target's selector, each alone in a
    graph, reach the document through what the other graphs say."""
    store = GraphStore(tmp_path / "store")
    doc, prov = URIRef(DOC + "d"), URIRef(DOC + "d/article/1")
    target, selector = (URIRef(BASE + f"annotation/{k}") for k in ("t", "s"))
    oa = "http://www.w3.org/ns/oa#"
    statements = {
        "link": (prov, CGT.partOfDocument, doc),
        "about": (prov, ELI.number, Literal("1")),
        "passage": (prov, CGT.passage, target),
        "target": (target, URIRef(oa + "hasSource"), URIRef(BASE + "source/x")),
        "selector": (target, URIRef(oa + "hasSelector"), selector),
        "exact": (selector, URIRef(oa + "exact"), Literal("cells")),
    }
    for name, t in statements.items():
        store.add_graph(URIRef(BASE + f"graph/extracted/{name}"), [t])
    unrelated = URIRef(BASE + "graph/extracted/unrelated")
    store.add_graph(unrelated, [(URIRef(DOC + "other"), ELI.number, Literal("1"))])
    for name in statements:
        assert R.documents_reached(store, [ox.NamedNode(BASE + f"graph/extracted/{name}")]) == {str(doc)}, name
    assert R.documents_reached(store, [ox.NamedNode(str(unrelated))]) == set()


def test_other_matching_code_compares_every_pair_again(tmp_path, monkeypatch):
    store = GraphStore(tmp_path / "store")
    for g, triples in _initial().items():
        store.add_graph(g, triples)
    R.resolve(store, BASE, cache_out=tmp_path / "c.json")
    monkeypatch.setattr(R, "matching_fingerprint", lambda: "another version of graph/matching.py")
    res, problems = R.resolve(store, BASE, cache_in=tmp_path / "c.json", cache_out=tmp_path / "d.json")
    assert res.cache["pairs_reused"] == 0 and res.cache["pairs_compared"] > 0
    assert not [p for p in problems if "cache" in str(p)]
    # and the cache it wrote is under the new fingerprint
    header = json.loads((tmp_path / "d.json").read_bytes().partition(b"\n")[0])
    assert header["fingerprint"] == "another version of graph/matching.py"


def _write_cache(path, header: dict, body: dict, checksum: bool = True) -> None:
    data = json.dumps(body).encode()
    if checksum:
        header = {**header, "sha256": hashlib.sha256(data).hexdigest()}
    path.write_bytes(json.dumps(header).encode() + b"\n" + data)


def _resolved_once(tmp_path):
    """The fixtures' store resolved once with its caches written to ``c.json`` (and beside
    it), and what a full pass gives: the store, the cache path, the graph and the outcome."""
    store = GraphStore(tmp_path / "store")
    for g, triples in _initial().items():
        store.add_graph(g, triples)
    cache = tmp_path / "c.json"
    R.resolve(store, BASE, cache_out=cache)
    return store, cache, (_canonical(store), _outcome(*R.resolve(store, BASE)))


@pytest.mark.parametrize("damage", ["truncated", "not json", "a digit changed", "bad index", "bad verdict",
                                    "empty"])
def test_a_damaged_cache_is_a_full_pass_with_a_warning(tmp_path, damage):
    store, cache, expected = _resolved_once(tmp_path)
    raw = cache.read_bytes()
    head, _, body = raw.partition(b"\n")
    header, data = json.loads(head), json.loads(body)
    if damage == "truncated":
        cache.write_bytes(raw[: len(raw) - len(body) // 2])
    elif damage == "not json":
        cache.write_bytes(b"\x00\xff garbage")
    elif damage == "a digit changed":  # a pair pointed at another signature, the checksum left as it was:
        # read, it would give one pair's verdict to another
        data["pairs"][0] = (data["pairs"][0] + 1) % len(data["signatures"])
        _write_cache(cache, header, data, checksum=False)
    elif damage == "bad index":  # a well-formed file, checksum and all, that names no signature
        data["pairs"] = [len(data["signatures"]) + 5, 0, 0]
        _write_cache(cache, header, data)
    elif damage == "bad verdict":
        data["outcomes"] = [[9, "merged", ["made up"]] for _ in data["outcomes"]]
        _write_cache(cache, header, data)
    else:
        cache.write_bytes(b"")
    res, problems = R.resolve(store, BASE, cache_in=cache)
    assert res.cache["pairs_reused"] == 0
    warned = [p for p in problems if str(cache) in str(p.file or "") and "every pair compared again" in p.message]
    assert len(warned) == 1 and warned[0].severity == "warning"
    assert isomorphic(_canonical(store), expected[0])
    assert _outcome(res, [p for p in problems if p not in warned]) == expected[1]


BODY = "\n".join([
    "Regulations of {c} on Cell Therapy Services", "",
    "(Adopted by the Standing Committee of the {c} People's Congress on {d})", "",
    "Chapter 1 General Provisions", "",
    'Article 1: Every clinic stores its cell lines under the "Measures for the Administration of Cell Banks'
    ' of Hainan Province".', "",
    'Article 2: Donors give consent as the "Biosecurity Law of the People\'s Republic of China" asks.', "",
    "Article 3: These Regulations apply from the first day of the next month.", ""])


def test_a_rebuild_after_one_text_changed_writes_the_graph_a_full_resolve_writes(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for city in ("Sanya City", "Wenchang City", "Danzhou City"):
        (corpus / f"{city.split()[0].lower()}.txt").write_text(BODY.format(c=city, d="March 3, 2024"),
                                                               encoding="utf-8")
    opts = BuildOptions(out_dir=tmp_path / "o", corpus_dir=corpus)
    first = build(opts)
    assert first.ok and (opts.out_dir / "current" / R.CACHE_FILE).exists()
    (corpus / "wenchang.txt").write_text(BODY.format(c="Wenchang City", d="June 9, 2024"), encoding="utf-8")
    second = build(opts)
    assert second.ok and second.report["units"]["rebuilt"] == 1
    cache = second.report["resolution"]["cache"]
    assert cache["pairs_reused"] > 0
    incremental = GraphStore.open(opts.out_dir).graph(CANONICAL)
    assert any("cell-banks" in str(s) for s in incremental.subjects())
    assert cache["provision_pairs_reused"] > 0
    # the same store resolved again without its caches (a missing cache is a full pass)
    (opts.out_dir / "current" / R.CACHE_FILE).unlink()
    (opts.out_dir / "current" / R.PROVISION_CACHE_FILE).unlink()
    (opts.out_dir / "current" / R.GROUP_CACHE_FILE).unlink()
    third = build(opts)
    with capsys.disabled():
        print(f"\nrebuild after one text changed: resolve {second.report['timings_s']['resolve']:.2f} s, "
              f"{cache['pairs_reused']} pair(s) of signatures reused, {cache['pairs_compared']} compared; "
              f"without its cache: resolve {third.report['timings_s']['resolve']:.2f} s")
    assert third.ok and third.report["units"]["rebuilt"] == 0
    assert third.report["resolution"]["cache"]["pairs_reused"] == 0
    assert third.report["resolution"]["cache"]["provision_pairs_reused"] == 0
    assert third.report["resolution"]["cache"]["groups_reused"] == 0
    assert isomorphic(incremental, GraphStore.open(opts.out_dir).graph(CANONICAL))
    assert ({k: v for k, v in second.report["resolution"].items() if k != "cache"}
            == {k: v for k, v in third.report["resolution"].items() if k != "cache"})


def test_a_cache_that_cannot_be_written_is_a_warning_not_a_failed_build(tmp_path):
    store = GraphStore(tmp_path / "store")
    for g, triples in _initial().items():
        store.add_graph(g, triples)
    target = tmp_path / "no such folder" / "c.json"
    res, problems = R.resolve(store, BASE, cache_out=target)
    assert res.canonical and not target.exists()
    for written in (target, target.with_name(R.PROVISION_CACHE_FILE), target.with_name(R.GROUP_CACHE_FILE)):
        warned = [p for p in problems if p.file == written]
        assert len(warned) == 1 and warned[0].severity == "warning" and "could not be written" in warned[0].message


@pytest.mark.parametrize("damage", ["truncated", "not json", "a digit changed", "empty"])
def test_a_damaged_provision_cache_is_matched_again_with_a_warning(tmp_path, damage):
    store, cache, expected = _resolved_once(tmp_path)
    kept = cache.with_name(R.PROVISION_CACHE_FILE)
    raw = kept.read_bytes()
    if damage == "truncated":
        kept.write_bytes(raw[: len(raw) - 20])
    elif damage == "not json":
        kept.write_bytes(b"\x00\xff garbage")
    elif damage == "a digit changed":
        i = raw.rindex(b"0.")
        kept.write_bytes(raw[:i] + b"1." + raw[i + 2:])
    else:
        kept.write_bytes(b"")
    res, problems = R.resolve(store, BASE, cache_in=cache, reused=_graphs(store))
    assert res.cache["provision_pairs_reused"] == 0
    warned = [p for p in problems if str(kept) in str(p.file or "") and "matched again" in p.message]
    assert len(warned) == 1 and warned[0].severity == "warning"
    assert isomorphic(_canonical(store), expected[0])
    assert _outcome(res, [p for p in problems if p not in warned]) == expected[1]
