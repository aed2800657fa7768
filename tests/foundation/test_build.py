"""The build, end to end: what users ask of the curated graph, and what a build promises.

Data: the repository's own records and registries (data/, ontology/); the Nansha source
text in ../shared/corpus for the test that checks records against the text.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from cgtkg.graph import namespaces as ns
from cgtkg.graph.store import GraphStore
from rdflib import Literal, URIRef
from triple_sets import isomorphic, trig_graphs

from cgtkg.pipeline.build import COMPACT_SHARE, REPO_ROOT, BuildOptions, build, worth_compacting

AG = ns.instance_prefixes()["ag"]
PREFIXES = """
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
CLI = [sys.executable, "-m", "cgtkg.cli"]


def nansha_measures(store) -> dict[str, set[str]]:
    """Measure number -> responsible agency keys, for the document numbered No. 1786."""
    rows = store.query(PREFIXES + """
        SELECT ?number ?agency WHERE {
            ?doc a eli:LegalResource ; eli:id_local ?id ; eli:has_part ?m .
            FILTER CONTAINS(?id, "1786")
            ?m eli:number ?number ; eli:type_subdivision ?t .
            FILTER STRENDS(STR(?t), "/measure")
            OPTIONAL { ?m cgt:responsibleAgency ?agency }
        }""")
    out: dict[str, set[str]] = {}
    for r in rows:
        keys = out.setdefault(str(r["number"]), set())
        if "agency" in r:
            keys.add(str(r["agency"]).removeprefix(AG))
    return out


def test_nansha_measure_9_is_owned_by_nmpa_nhc_gac_and_local_governments(store):
    measures = nansha_measures(store)
    assert measures["9"] == {"nmpa", "nhc", "gac", "guangdong-gov", "guangzhou-gov"}


def test_nansha_has_exactly_15_measures_numbered_1_to_15(store):
    assert sorted(nansha_measures(store), key=int) == [str(i) for i in range(1, 16)]


def _agency_by_label(store) -> dict[str, str]:
    rows = store.query(PREFIXES + """
        SELECT ?a ?label WHERE {
            ?a a org:Organization ; skos:prefLabel|skos:altLabel ?label . FILTER(LANG(?label) = "en")
        }""")
    return {str(r["label"]).lower(): str(r["a"]).removeprefix(AG) for r in rows}


def _local_government(store, region_label: str) -> str:
    """The people's government of a region: an agency with that jurisdiction and no parent."""
    rows = store.query(PREFIXES + """
        SELECT DISTINCT ?a ?name WHERE {
            ?region skos:prefLabel ?l . FILTER(LCASE(STR(?l)) = LCASE(STR(?name)))
            ?a cgt:jurisdiction ?region ; skos:prefLabel ?al .
            FILTER NOT EXISTS { ?a org:subOrganizationOf ?parent }
            FILTER(CONTAINS(LCASE(STR(?al)), "government"))
            FILTER NOT EXISTS { ?a a cgt:GenericAuthority }
        }""", {"name": Literal(region_label)})
    assert len(rows) == 1, f"expected one government for {region_label}, got {rows}"
    return str(rows[0]["a"]).removeprefix(AG)


@pytest.mark.corpus
def test_every_nansha_measure_lists_exactly_the_departments_the_source_names(store, corpus_dir):
    text = next(corpus_dir.glob("000_*.txt")).read_text(encoding="utf-8")
    full = text.split("The full text is as follows", 1)[1]
    lists = re.findall(r"\(Responsible [Dd]epartments?: ([^)]*)\)", full)
    assert len(lists) == 15, "the source prints 15 responsibility lists"
    labels = _agency_by_label(store)
    measures = nansha_measures(store)
    for number, listed in enumerate(lists, start=1):
        national, _, local = listed.partition(";")
        expected = set()
        for name in re.split(r",\s*", national.strip()):
            name = name.strip().rstrip(".")
            assert name.lower() in labels, f"measure {number}: {name!r} is not a label of any registry agency"
            expected.add(labels[name.lower()])
        m = re.match(r"\s*(\w+) Province and (\w+) City", local)
        assert m, f"measure {number}: local clause not understood: {local!r}"
        expected |= {_local_government(store, m.group(1)), _local_government(store, m.group(2))}
        assert measures[str(number)] == expected, f"measure {number}"


def test_shenzhen_regulations_have_9_chapters_and_72_articles(store):
    rows = store.query(PREFIXES + """
        SELECT ?type ?number ?parentType WHERE {
            ?doc a eli:LegalResource ; dcterms:title ?t .
            FILTER(LANG(?t) = "en" && CONTAINS(?t, "Shenzhen Special Economic Zone Regulations on Promoting"))
            ?p eli:is_part_of+ ?doc ; eli:number ?number ; eli:type_subdivision ?type ; eli:is_part_of ?parent .
            OPTIONAL { ?parent eli:type_subdivision ?parentType }
        }""")
    chapters = {str(r["number"]) for r in rows if str(r["type"]).endswith("/chapter")}
    articles = [r for r in rows if str(r["type"]).endswith("/article")]
    assert chapters == {str(i) for i in range(1, 10)}
    assert sorted((str(r["number"]) for r in articles), key=int) == [str(i) for i in range(1, 73)]
    assert all(str(r.get("parentType", "")).endswith("/chapter") for r in articles), "every article sits in a chapter"


def test_beijing_work_plan_keeps_both_dates_each_with_its_source(store):
    """Both dates are kept as claims with their sources; the document itself holds neither
    (eli:date_document is functional in ELI: two values made the graph inconsistent, issue
    23), only a reason that points to the conflict."""
    rows = store.query(PREFIXES + """
        SELECT ?doc ?date ?source WHERE {
            ?c a cgt:SourceConflict ; cgt:concerns ?doc ; cgt:onProperty eli:date_document ; cgt:hasClaim ?claim .
            ?doc dcterms:title ?t . FILTER(CONTAINS(LCASE(?t), "beijing") && CONTAINS(LCASE(?t), "work plan"))
            ?claim rdf:value ?date ; prov:wasDerivedFrom ?source .
        }""")
    claims = {(str(r["date"]), str(r["source"]).rsplit("/", 1)[1]) for r in rows}
    assert claims == {("2023-11-18", "hankun-ftz-pilot-article"), ("2023-11-23", "cell-policy-roundup-2023")}
    (doc,) = {r["doc"] for r in rows}
    own = store.query(PREFIXES + "SELECT ?doc ?d ?why WHERE { OPTIONAL { ?doc eli:date_document ?d } "
                      "OPTIONAL { ?doc cgt:dateMissingReason ?why } }", {"doc": doc})
    assert [r.get("d") for r in own] == [None]
    assert "conflict/document" in str(own[0]["why"])


def test_corrupted_roundup_date_is_a_note_not_a_guess(store):
    rows = store.query(PREFIXES + """
        SELECT ?doc ?date ?reason WHERE {
            ?n a cgt:DataQualityNote ; cgt:issueType ?type ; cgt:concerns ?doc .
            FILTER STRENDS(STR(?type), "/corrupted-date")
            OPTIONAL { ?doc eli:date_document ?date }
            OPTIONAL { ?doc cgt:dateMissingReason ?reason }
        }""")
    assert rows, "the roundup's 'August 29, 023' must be recorded as a corrupted date"
    for r in rows:
        assert "date" not in r and "reason" in r


def test_stats_counts_what_was_built(built):
    s = built.stats
    assert s["documents"] >= 45 and s["provisions"] >= 15 + 9 + 72
    assert s["responsibility_links"] > 0 and s["agencies"] >= 60
    # every citation the records state (a `cites:` list on a record or a provision), and no
    # copies: those come from texts
    def cites(node) -> int:
        if isinstance(node, dict):
            return len(node.get("cites") or []) + sum(cites(v) for v in node.values())
        return sum(cites(v) for v in node) if isinstance(node, list) else 0
    stated = sum(cites(yaml.safe_load(p.read_text(encoding="utf-8")))
                 for p in (REPO_ROOT / "data" / "records").glob("*.yaml"))
    assert stated >= 11 and s["citation_links"] == stated and s["cited_copies"] == 0
    # the build adds up its graphs' counts instead of counting the store: the same number
    assert s["triples"] == len(GraphStore.open(built.out_dir))


# ------------------------------------------------------------------ build guarantees


def _same_graphs(a: Path, b: Path) -> None:
    """The two TriG files hold the same named graphs, each pair isomorphic."""
    first, second = trig_graphs(a), trig_graphs(b)
    assert first.keys() == second.keys()
    for name in first:
        assert isomorphic(first[name], second[name]), f"named graph {name} differs between builds"


def _triples_in(trig: Path) -> int:
    return sum(map(len, trig_graphs(trig).values()))


def test_two_builds_give_isomorphic_graphs(built, tmp_path):
    again = build(BuildOptions(out_dir=tmp_path / "again"))
    assert again.ok
    _same_graphs(built.out_dir / "graph.trig", again.out_dir / "graph.trig")


def test_base_iri_is_configurable(tmp_path):
    base = "http://example.org/cgt/"
    res = build(BuildOptions(out_dir=tmp_path / "o", base=base))
    assert res.ok, res.problems
    store = GraphStore.open(res.out_dir)
    leftovers = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER("
                            "STRSTARTS(STR(?s), 'https://w3id.org/cgt-kg/id/') || "
                            "STRSTARTS(STR(?o), 'https://w3id.org/cgt-kg/id/')) }")
    assert int(leftovers[0]["n"]) == 0
    assert store.query("ASK { ?d <http://data.europa.eu/eli/ontology#passed_by> ?a }")
    assert all(str(g).startswith(base) for g in store.named_graphs())


def _copy_records(tmp_path: Path) -> Path:
    records = tmp_path / "records"
    shutil.copytree(REPO_ROOT / "data" / "records", records)
    return records


def test_broken_record_exits_2_naming_file_and_line_and_keeps_the_store(built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    before = len(GraphStore.open(out))
    records = _copy_records(tmp_path)
    victim = records / "nansha-market-access-opinions.yaml"
    lines = victim.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if re.match(r"\s*issuers:", line))
    lines[n] = re.sub(r"issuers:.*", "issuers: [ndrc, no-such-agency]", lines[n])
    victim.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = subprocess.run([*CLI, "build", "--out", str(out), "--records", str(records)],
                          capture_output=True, text=True, cwd=REPO_ROOT)
    assert proc.returncode == 2, proc.stderr
    assert f"nansha-market-access-opinions.yaml:{n + 1}" in proc.stderr
    assert "no-such-agency" in proc.stderr
    assert len(GraphStore.open(out)) == before


def test_yaml_syntax_error_and_bad_date_are_reported_with_lines(tmp_path):
    records = _copy_records(tmp_path)
    (records / "zz-broken.yaml").write_text("key: zz-broken\ntitle: {en: x\n", encoding="utf-8")
    (records / "zz-bad-date.yaml").write_text(
        "key: zz-bad-date\ntype: notice\ntitle: {en: A notice}\nissuers: [nhc]\n"
        "dates:\n  document: 2023-02-30\nsources: [cell-policy-roundup-2023]\nsummary: test\n",
        encoding="utf-8")
    res = build(BuildOptions(out_dir=tmp_path / "o", records_dir=records))
    assert res.exit_code == 2
    messages = [(Path(p.file).name, p.line, p.message) for p in res.problems]
    assert any(f == "zz-broken.yaml" and line and "invalid YAML" in m for f, line, m in messages)
    assert ("zz-bad-date.yaml", 6) in {(f, line) for f, line, m in messages if "2023-02-30" in m}
    assert not (tmp_path / "o" / "store").exists(), "a failed first build publishes nothing"


def test_duplicated_article_is_reported_not_merged(tmp_path):
    records = _copy_records(tmp_path)
    (records / "zz-dup.yaml").write_text(
        "key: zz-dup\ntype: notice\ntitle: {en: A notice}\nissuers: [nhc]\n"
        "dates: {document: 2023-01-02}\nsources: [cell-policy-roundup-2023]\nsummary: test\n"
        "provisions:\n  - {type: article, number: '1'}\n  - {type: article, number: '1'}\n"
        "  - {type: article, number: 'II.'}\n",
        encoding="utf-8")
    res = build(BuildOptions(out_dir=tmp_path / "o", records_dir=records))
    assert res.exit_code == 2
    msgs = {(p.line, p.message.split(" (")[0]) for p in res.problems if str(p.file).endswith("zz-dup.yaml")}
    assert (10, "article 1 is given twice") in msgs
    assert any(line == 11 and "not normalised" in m for line, m in msgs)


def test_shacl_violation_exits_1_names_the_record_and_publishes_nothing(built, tmp_path):
    """An agency stripped of its English label makes every record that cites it fail; the
    published store stays the one before, and the command exits 1 (violations), not 2."""
    from rdflib import Graph
    from rdflib.namespace import SKOS

    onto = tmp_path / "ontology"
    shutil.copytree(REPO_ROOT / "ontology", onto)
    g = Graph().parse(onto / "registries" / "agencies.ttl")
    g.remove((URIRef(AG + "nmpa"), SKOS.prefLabel, None))
    g.serialize(onto / "registries" / "agencies.ttl", format="turtle")
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    published, before = (out / "current").resolve(), len(GraphStore.open(out))
    res = build(BuildOptions(out_dir=out, ontology_dir=onto))
    assert res.exit_code == 1
    assert any(v.focus == AG + "nmpa" for v in res.violations)
    assert any(v.origin and "healthcare-opening-pilot-notice-2024.yaml" in v.origin for v in res.violations)
    assert (out / "current").resolve() == published and len(GraphStore.open(out)) == before
    assert (out / "last-build.txt").read_text(encoding="utf-8").startswith("exit code 1")


def test_violation_query_rows_fail_the_build_and_publish_nothing(built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    before = (out / "current").resolve()
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "every-measure-violation.rq").write_text(
        "PREFIX eli: <http://data.europa.eu/eli/ontology#>\nSELECT ?p WHERE { ?p a eli:LegalResourceSubdivision }\n")
    trig = (before / "graph.trig").read_bytes()
    res = build(BuildOptions(out_dir=out, queries_dir=queries))
    assert res.exit_code == 1 and "every-measure-violation" in res.failed_checks
    assert (out / "current").resolve() == before
    # the checks run beside the outputs stage: the files that stage wrote went with the
    # discarded generation, and the published ones are as they were
    assert [g.resolve() for g in before.parent.iterdir()] == [before]
    assert (out / "current" / "graph.trig").read_bytes() == trig


def test_killed_build_leaves_the_previous_store_usable(built, tmp_path):
    """A build killed (SIGKILL) while it writes its new store: the build has a corpus of
    texts to extract, so it is still running when its generation's store appears, and the
    test checks that the kill landed (exit -9), not that a build ended early by itself."""
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    before = len(GraphStore.open(out))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    fixture = (REPO_ROOT / "tests" / "loaders" / "fixtures" / "measures_mixed.txt").read_text(encoding="utf-8")
    for i in range(400):  # a few seconds of extraction: the kill comes in the middle of it
        (corpus / f"t{i:03d}.txt").write_text(fixture.replace("No. 12", f"No. {i + 100}"), encoding="utf-8")
    generations = set((out / "generations").iterdir())
    proc = subprocess.Popen([*CLI, "build", "--out", str(out), "--corpus", str(corpus)], cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    new_store = None
    while time.time() < deadline and proc.poll() is None:
        new = set((out / "generations").iterdir()) - generations
        new_store = next((g / "store" for g in new if (g / "store").is_dir() and any((g / "store").iterdir())),
                         None)
        if new_store is not None:
            break
        time.sleep(0.02)
    assert new_store is not None and proc.poll() is None, "the build ended before its store was written"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    store = GraphStore.open(out)
    assert len(store) == before
    assert _triples_in(out / "graph.trig") > 0
    del store
    assert build(BuildOptions(out_dir=out)).ok, "the next build recovers"
    assert len(list((out / "generations").iterdir())) == 1, "leftover generations are pruned"


def test_validate_command_exit_codes(built, tmp_path):
    ok = subprocess.run([*CLI, "validate", str(built.out_dir / "graph.ttl")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e \n", encoding="utf-8")
    broken = subprocess.run([*CLI, "validate", str(bad)], capture_output=True, text=True)
    assert broken.returncode == 2 and "bad.ttl" in broken.stderr
    doc = tmp_path / "doc.ttl"
    # a whole document is a cgt:PolicyDocument (ELI's eli:LegalResource holds provisions too)
    doc.write_text("@prefix eli: <http://data.europa.eu/eli/ontology#> .\n"
                   "@prefix cgt: <https://w3id.org/cgt-kg/ontology#> .\n"
                   "<https://w3id.org/cgt-kg/id/doc/x> a eli:LegalResource, cgt:PolicyDocument .\n",
                   encoding="utf-8")
    violating = subprocess.run([*CLI, "validate", str(doc)], capture_output=True, text=True)
    assert violating.returncode == 1 and "doc/x" in violating.stdout


def test_stats_command_reads_the_store(built):
    proc = subprocess.run([*CLI, "stats", "--out", str(built.out_dir), "--json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    import json

    assert json.loads(proc.stdout)["documents"] == built.stats["documents"]


def test_rebuild_after_one_record_changed_redoes_only_that_record(built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    records = _copy_records(tmp_path)
    opts = BuildOptions(out_dir=out, records_dir=records)
    first = build(opts)
    assert first.ok and first.report["units"]["rebuilt"] == 0, "same inputs: nothing to redo"
    victim = records / "fi-action-plan-2024.yaml"
    victim.write_text(re.sub(r"(?m)^number: .*\n", "", victim.read_text(encoding="utf-8")) + "number: Edited No. 1\n",
                      encoding="utf-8")
    second = build(opts)
    assert second.ok and second.report["units"]["rebuilt"] == 1
    full = build(BuildOptions(out_dir=tmp_path / "full", records_dir=records), incremental=False)
    assert full.ok and full.report["units"]["rebuilt"] == full.report["units"]["units"]
    _same_graphs(out / "graph.trig", tmp_path / "full" / "graph.trig")
    # a full build compacts its store; a rebuild of one record (or of nothing) keeps it fast
    assert "compact" in full.report["timings_s"]
    assert "compact" not in first.report["timings_s"] and "compact" not in second.report["timings_s"]
    assert GraphStore.open(tmp_path / "full").query(
        PREFIXES + "ASK { ?d eli:id_local 'Edited No. 1' }")


def test_rebuilds_compact_the_store_once_their_changes_add_up_to_a_tenth(built, tmp_path):
    """A user who rebuilds after every edited record gets a compacted store now and then,
    not on every rebuild (slow) nor never (the store's files would pile up)."""
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    records = _copy_records(tmp_path)
    opts = BuildOptions(out_dir=out, records_dir=records)
    units = build(opts).report["units"]["units"]
    due = math.ceil(COMPACT_SHARE * units)
    victim = records / "fi-action-plan-2024.yaml"
    text = re.sub(r"(?m)^number: .*\n", "", victim.read_text(encoding="utf-8"))
    compacted = []
    for i in range(1, due + 2):
        victim.write_text(text + f"number: Edited No. {i}\n", encoding="utf-8")
        res = build(opts)
        assert res.ok and res.report["units"]["rebuilt"] == 1
        if "compact" in res.report["timings_s"]:
            compacted.append(i)
    assert compacted == [due]
    assert GraphStore.open(out).query(PREFIXES + f"ASK {{ ?d eli:id_local 'Edited No. {due + 1}' }}")


def test_a_build_compacts_the_store_when_it_rewrote_a_tenth_of_it():
    assert worth_compacting(52, 52)  # a full build
    assert worth_compacting(6, 52) and worth_compacting(1001, 10_002)
    assert not worth_compacting(5, 52) and not worth_compacting(1, 10_002)
    assert not worth_compacting(0, 52) and not worth_compacting(0, 0)


def test_removed_record_disappears_from_an_incremental_build(built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    records = _copy_records(tmp_path)
    # a record no other record cites or relates to (the pilot notice pilots the action plan)
    (records / "jilin-biomedicine-device-implementation-plan-2023.yaml").unlink()
    res = build(BuildOptions(out_dir=out, records_dir=records))
    assert res.ok and res.report["units"]["removed"] == 1
    graphs = {str(g) for g in GraphStore.open(out).named_graphs()}
    assert not any(g.endswith("/doc/jilin-biomedicine-device-implementation-plan-2023") for g in graphs)


@pytest.mark.corpus
def test_extracted_documents_point_to_their_curated_records(built_texts):
    res = built_texts
    assert res.ok, res.problems + res.violations
    store = GraphStore.open(res.out_dir)
    rows = store.query(PREFIXES + """
        SELECT ?x ?c WHERE { GRAPH ?g { ?x prov:alternateOf ?c } }""")
    pairs = [(str(r["x"]), str(r["c"])) for r in rows]
    curated = [c for _, c in pairs]
    assert len(set(x for x, _ in pairs)) == len(pairs), "an extracted resource links to one record"
    assert any(c.endswith("/doc/nansha-market-access-opinions/measure/9") for c in curated)
    articles = {c for c in curated if "/doc/shenzhen-cgt-regulations/article/" in c and "/item/" not in c}
    assert len(articles) == 72
    # the extracted source passage is reachable from the curated provision
    passage = store.query(PREFIXES + """
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?exact ?curated ?agency WHERE {
            ?x prov:alternateOf ?curated .
            ?a cgt:concerns ?x ; cgt:onProperty cgt:responsibleAgency ; oa:hasBody ?agency ;
               oa:hasTarget/oa:hasSelector ?sel . ?sel a oa:TextQuoteSelector ; oa:exact ?exact .
        }""", {"curated": URIRef(ns.document("nansha-market-access-opinions") + "/measure/9"),
               "agency": ns.agency("nmpa")})
    assert passage and any("National Medical Products Administration" in str(r["exact"]) for r in passage)


@pytest.mark.corpus
def test_incremental_build_reports_the_warnings_of_reused_texts(built_texts, corpus_dir, tmp_path):
    """The session's build with the texts is the first; the second rebuilds a copy of it."""
    out = tmp_path / "o"
    shutil.copytree(built_texts.out_dir, out, symlinks=True)
    first, second = built_texts, build(BuildOptions(out_dir=out, corpus_dir=corpus_dir))
    assert first.ok and second.ok and second.report["units"]["rebuilt"] == 0
    assert any("023" in p.message for p in second.problems), "the corrupted roundup date is still reported"
    assert sorted(map(str, first.problems)) == sorted(map(str, second.problems))


def _published_copy_with_one_change(built, tmp_path) -> tuple[Path, Path]:
    """A copy of the built output folder, and a records folder in which one record changed
    (so that the next build has something to write)."""
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    records = _copy_records(tmp_path)
    victim = records / "fi-action-plan-2024.yaml"
    victim.write_text(victim.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    return out, records


@pytest.mark.parametrize("where", ["store", "fragments"])
def test_a_failed_store_write_stops_the_build_and_keeps_the_published_store(built, tmp_path, monkeypatch,
                                                                             where):
    """The store and the batch's output fragments are written by a background thread; a
    write that fails there (here a full disk, injected: this machine's disk cannot be filled
    safely) must stop the build, leave no writer thread behind and keep the published store
    and its exports."""
    import threading

    import cgtkg.pipeline.build

    out, records = _published_copy_with_one_change(built, tmp_path)
    before = len(GraphStore.open(out))
    generations = set((out / "generations").iterdir())

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    if where == "store":
        monkeypatch.setattr(GraphStore, "write_nquads", full_disk)
    else:  # the batch's output fragments, written by the same thread after the store
        monkeypatch.setattr(cgtkg.pipeline.build, "write_batch_fragments", full_disk)
    with pytest.raises(OSError, match="No space left"):
        build(BuildOptions(out_dir=out, records_dir=records))
    monkeypatch.undo()
    assert not [t for t in threading.enumerate() if t.name.startswith("cgtkg-store-writer")]
    assert set((out / "generations").iterdir()) == generations, "the failed generation is removed"
    assert len(GraphStore.open(out)) == before
    assert _triples_in(out / "graph.trig") > 0
    assert build(BuildOptions(out_dir=out, records_dir=records)).ok, "the next build goes through"


def test_a_generation_is_published_only_by_commit_and_closed_before_it_is_removed(tmp_path):
    """graph.store.Generation: leaving it without commit() removes its folder, with its
    store closed first; commit() closes the store and publishes with one rename."""
    import pyoxigraph as ox
    from cgtkg.graph.store import Generation

    out = tmp_path / "out"
    quad = ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c"),
                   ox.NamedNode("urn:g"))
    with pytest.raises(RuntimeError, match="stop"):
        with Generation(out) as failed:
            failed.open_store(checkpoint=False).ox.add(quad)
            raise RuntimeError("stop")
    assert failed.store is None and not failed.path.exists()
    assert not (out / "current").exists()
    with Generation(out) as ok:
        ok.open_store(checkpoint=False).ox.add(quad)
        ok.commit()
    assert ok.store is None and (out / "current").resolve() == ok.path.resolve()
    assert len(GraphStore.open(out)) == 1


def test_build_command_reports_a_store_it_cannot_write_with_exit_5(built, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cgtkg.cli import main as cli

    out, records = _published_copy_with_one_change(built, tmp_path)

    def full_disk(self, batch):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(GraphStore, "write_nquads", full_disk)
    result = CliRunner().invoke(cli, ["build", "--out", str(out), "--records", str(records)])
    assert result.exit_code == 5, result.output
    assert "could not write the new store generation" in result.output
    assert "No space left on device" in result.output and "previous store is untouched" in result.output


# ---------------------------------------------------------------- citations (eli:cites)


def test_record_citations_become_links_a_saved_query_answers(store):
    from cgtkg.graph.query import load, run_local

    q = load("cites")
    rows = run_local(store, q, {"document": ns.document("shenzhen-cgt-regulations")}).rows
    by_article = {}
    for r in rows:
        by_article.setdefault(str(r["number"]), set()).add(str(r["cited"]).rsplit("/", 1)[1])
    assert by_article == {
        "67": {"prc-biosecurity-law", "prc-law-on-guarding-state-secrets",
               "prc-human-genetic-resources-regulations"},
        "68": {"prc-basic-medical-health-law", "shenzhen-sez-medical-regulations"},
        "69": {"prc-drug-administration-law", "prc-drug-administration-law-implementing-regulations"},
        "70": {"prc-anti-unfair-competition-law", "prc-advertising-law"},
    }
    # the interpretation record explains the regulations
    rows = run_local(store, load("interpretations"), {"document": ns.document("shenzhen-cgt-regulations")}).rows
    assert [r["interpretation"] for r in rows] == [ns.document("shenzhen-cgt-regulations-interpretation")]
    # a record citing in its preamble: the document itself cites
    doc = ns.document("nansha-market-access-opinions")
    rows = run_local(store, q, {"document": doc}).rows
    assert [(r["citing"], r["cited"]) for r in rows] == [(doc, ns.document("nansha-overall-plan-2022"))]


def _record_with_cites(records: Path, cites: str, where: str = "document") -> int:
    """Give zz-citing.yaml a `cites` line (on the document or on its article) or an
    `interprets` line; the number of that line."""
    text = ("key: zz-citing\ntype: notice\ntitle: {en: A citing notice}\nissuers: [nhc]\n"
            "dates: {document: 2023-01-02}\nsources: [cell-policy-roundup-2023]\nsummary: test\n")
    if where == "interprets":
        text += f"interprets: {cites}\n"
    elif where == "document":
        text += f"cites: {cites}\n"
    else:
        text += f"provisions:\n  - type: article\n    number: '1'\n    cites: {cites}\n"
    (records / "zz-citing.yaml").write_text(text, encoding="utf-8")
    return len(text.splitlines())  # the line added last


@pytest.mark.parametrize("cites, where, cause", [
    ("[no-such-record]", "document", "unknown document 'no-such-record'"),
    ("[prc-biosecurity-law, no-such-record]", "article", "unknown document 'no-such-record'"),
    ("[zz-citing]", "article", "this record's own key"),
    ("[Bad Key]", "document", "not a valid key"),
    ("{key: prc-biosecurity-law}", "document", "must be a list"),
    ("[no-such-record]", "interprets", "interprets: unknown document 'no-such-record'"),
    ("[zz-citing]", "interprets", "this record's own key"),
])
def test_a_bad_citation_in_a_record_exits_2_naming_file_line_and_cause(built, tmp_path, cites, where, cause):
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    before = (out / "current").resolve()
    records = _copy_records(tmp_path)
    line = _record_with_cites(records, cites, where)
    res = build(BuildOptions(out_dir=out, records_dir=records))
    assert res.exit_code == 2
    assert any(Path(str(p.file)).name == "zz-citing.yaml" and p.line == line and cause in p.message
               for p in res.problems), [str(p) for p in res.problems]
    assert (out / "current").resolve() == before, "nothing published"


def test_citing_a_record_that_is_removed_later_fails_the_rebuild(built, tmp_path):
    """The citing record is unchanged, so the rebuild does not compile it again: the
    store-wide check finds the citation of a document that is gone."""
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    records = _copy_records(tmp_path)
    _record_with_cites(records, "[jilin-biomedicine-device-implementation-plan-2023]", "article")
    first = build(BuildOptions(out_dir=out, records_dir=records))
    assert first.ok, first.problems + first.violations
    published = (out / "current").resolve()
    (records / "jilin-biomedicine-device-implementation-plan-2023.yaml").unlink()
    second = build(BuildOptions(out_dir=out, records_dir=records))
    assert second.exit_code == 1
    assert second.failed_checks == {"document-link-dangling-violation": 1}
    assert (out / "current").resolve() == published
    # a full build names the record and the line instead
    full = build(BuildOptions(out_dir=tmp_path / "full", records_dir=records), incremental=False)
    assert full.exit_code == 2
    assert any("zz-citing.yaml" in str(p.file) and "jilin-biomedicine-device-implementation-plan-2023" in p.message
               for p in full.problems)


@pytest.mark.corpus
def test_the_laws_a_text_cites_are_found_under_their_records_with_the_quote(built_texts):
    from cgtkg.graph.query import load, run_local

    res = built_texts
    assert res.ok, res.problems + res.violations
    store = GraphStore.open(res.out_dir)
    # the nine laws Articles 67-70 name and the plan the Nansha opinions name: each text's copy,
    # counted apart from the documents
    typed = store.query("SELECT ?d ?c WHERE { ?d a ?c }", {"c": URIRef(ns.CGT.CitedDocument)})
    assert res.stats["cited_copies"] == len(typed) >= 10
    # the documents counted: neither a cited copy nor a copy merged into another (cgtkg/pipeline/resolve.py)
    legal = {r["d"] for r in store.query("SELECT ?d ?c WHERE { ?d a ?c }", {"c": URIRef(ns.ELI.LegalResource)})}
    merged = {r["d"] for r in store.query("SELECT ?d ?p WHERE { ?d ?p ?c }", {"p": URIRef(ns.CGT.canonical)})}
    assert res.stats["documents"] == len(legal - merged - {r["d"] for r in typed})
    law = ns.document("prc-biosecurity-law")
    rows = run_local(store, load("cited-by"), {"document": law}).rows
    citing = {(str(r["citing"]).split("/doc/")[1], str(r["number"])) for r in rows}
    # the record says Article 67 cites it, and so does the text, quoting the law's title: one
    # row, the record's article (the text's copy is merged into it), with the text's quote
    assert citing == {("shenzhen-cgt-regulations/article/67", "67")}
    (row,) = rows
    assert str(row["passage"]) == "Biosecurity Law of the People's Republic of China"
    assert row["passageSource"] is not None
    assert str(row["citingDocument"]).endswith("/doc/shenzhen-cgt-regulations")
    # a quote in a text's preamble, outside every measure: the document itself cites
    plan = run_local(store, load("cited-by"), {"document": ns.document("nansha-overall-plan-2022")}).rows
    assert {(r["citing"] == r["citingDocument"], r.get("number")) for r in plan} == {(True, None)}
    assert {str(r["citing"]).split("/doc/")[1] for r in plan} == {"nansha-market-access-opinions"}
    assert any(r.get("passage") for r in plan)
    # the interpretation printed after the regulations' articles, and its record
    explained = run_local(store, load("interpretations"),
                          {"document": ns.document("shenzhen-cgt-regulations")}).rows
    assert {(str(r["interpretation"]).split("/doc/")[1][:40], "passage" in r) for r in explained} == {
        ("shenzhen-cgt-regulations-interpretation", True)}
