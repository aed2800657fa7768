"""Checks on the reference registries in ontology/registries/*.ttl.

Records in data/records/ name agencies, regions, therapy types, document types and
vocabulary concepts by key only, so the registries must (a) hold every key the README
promises, (b) be well-formed SKOS / W3C ORG that queries can walk (one scheme per
concept, acyclic skos:broader inside a scheme, labels in English and Chinese), and
(c) let a text loader resolve names without ambiguity.  Each check is a function that
returns a list of problems; the tests run it on the real files and, for the structural
checks, on deliberately broken copies to show that the check catches the fault.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from cgtkg.graph.namespaces import CGT, DEFAULT_BASE, KEY_RE, agency, concept, region, scheme
from rdflib import RDF, Graph, Literal, URIRef
from rdflib import namespace as rdfns
from rdflib.namespace import DCTERMS, ORG, RDFS, SKOS

REPO = Path(__file__).resolve().parents[2]
REGISTRIES = REPO / "ontology" / "registries"
README = REGISTRIES / "README.md"
FILES = ["agencies.ttl", "regions.ttl", "zones.ttl", "therapies.ttl", "doctypes.ttl", "vocab.ttl"]
EVENT = DEFAULT_BASE + "event/"

# What each file may define: IRI prefixes of its subjects.
FILE_KINDS = {
    "agencies.ttl": ("agency/", "event/"),
    "regions.ttl": ("region/", "scheme/regions"),
    "zones.ttl": ("region/",),
    "therapies.ttl": ("therapy/", "scheme/therapies"),
    "doctypes.ttl": ("doctype/", "scheme/doctypes"),
    "vocab.ttl": ("concept/", "scheme/"),
}

# README "Small vocabularies" line labels -> scheme names (graph.namespaces.SCHEMES keys).
CV_GROUPS = {
    "Admin levels": "admin-levels",
    "Region levels": "region-levels",
    "Subdivision types": "subdivision-types",
    "Modalities": "modalities",
    "Addressees": "addressees",
    "Issue types": "issue-types",
}

# Schemes whose concepts must carry a Chinese prefLabel too.
BILINGUAL_SCHEMES = {"regions", "therapies", "doctypes"}

PREFIXES = {
    "skos": SKOS,
    "org": ORG,
    "cgt": CGT._NS,
    "dcterms": DCTERMS,
    "rdfs": RDFS,
}


# ---------------------------------------------------------------------------- loading


def load(*names: str) -> Graph:
    g = Graph()
    for name in names:
        g.parse(REGISTRIES / name, format="turtle")
    return g


def with_divisions_used(g: Graph) -> Graph:
    """``g`` plus the gazetteer's entries (divisions.ttl) that it points to and the regions
    above them: zones lie in districts and cities.  The whole gazetteer is checked in
    tests/loaders/test_gazetteer.py; here it would only make every check slower."""
    gazetteer = load("divisions.ttl")
    todo = {o for o in g.objects(None, SKOS.broader) if (o, RDF.type, None) not in g}
    while todo:
        r = todo.pop()
        for t in gazetteer.triples((r, None, None)):
            g.add(t)
            if t[1] == SKOS.broader and (t[2], RDF.type, None) not in g:
                todo.add(t[2])
    return g


@pytest.fixture(scope="module")
def reg() -> Graph:
    return with_divisions_used(load(*FILES))


def readme_keys() -> dict[str, dict[str, list[str]]]:
    """Backticked keys of the README's "Keys that records rely on" sections.

    Returns ``{section: {group: [keys]}}`` where section is the ``###`` heading's first
    word (Agencies, Regions, Therapy, Document, Small) and group is the capitalised
    label before a colon ("Historical", "Generic", "Admin levels"); keys before the
    first label fall in group "".
    """
    text = README.read_text(encoding="utf-8")
    _, _, contract = text.partition("## Keys that records rely on")
    assert contract, f"{README}: no 'Keys that records rely on' section"
    sections: dict[str, dict[str, list[str]]] = {}
    for block in re.split(r"^### ", contract, flags=re.M)[1:]:
        heading, _, body = block.partition("\n")
        groups: dict[str, list[str]] = defaultdict(list)
        body = re.sub(r"\s+", " ", body).strip()  # labels may wrap across lines
        parts = re.split(r"(?:^|(?<=\. ))([A-Z][A-Za-z' ]*?): ", body)
        # parts = [before-first-label, label1, text1, label2, text2, ...]
        chunks = [("", parts[0])] + list(zip(parts[1::2], parts[2::2]))
        for label, chunk in chunks:
            for key in re.findall(r"`([^`]+)`", chunk):
                if KEY_RE.match(key):
                    groups[label].append(key)
        sections[heading.split()[0]] = dict(groups)
    return sections


# ---------------------------------------------------------------------------- checks


def _labels(g: Graph, s, prop=SKOS.prefLabel) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for o in g.objects(s, prop):
        out[getattr(o, "language", None) or ""].append(str(o))
    return out


def organisations(g: Graph) -> set[URIRef]:
    return set(g.subjects(RDF.type, ORG.Organization))


def concepts(g: Graph) -> set[URIRef]:
    return set(g.subjects(RDF.type, SKOS.Concept))


def check_org_labels(g: Graph) -> list[str]:
    problems = []
    for org in sorted(organisations(g)):
        labels = _labels(g, org)
        for lang in ("en", "zh"):
            if len(labels.get(lang, [])) != 1:
                problems.append(f"{org}: {len(labels.get(lang, []))} skos:prefLabel@{lang}, want 1")
    return problems


def check_concept_labels(g: Graph) -> list[str]:
    problems = []
    for c in sorted(concepts(g)):
        labels = _labels(g, c)
        if len(labels.get("en", [])) != 1:
            problems.append(f"{c}: {len(labels.get('en', []))} skos:prefLabel@en, want 1")
        for lang, values in labels.items():
            if len(values) > 1:
                problems.append(f"{c}: several skos:prefLabel@{lang}: {values}")
        schemes = {str(s).rsplit("/", 1)[-1] for s in g.objects(c, SKOS.inScheme)}
        if schemes & BILINGUAL_SCHEMES and len(labels.get("zh", [])) != 1:
            problems.append(f"{c}: no skos:prefLabel@zh")
    return problems


def check_one_scheme(g: Graph) -> list[str]:
    problems = []
    for c in sorted(concepts(g)):
        schemes = list(g.objects(c, SKOS.inScheme))
        if len(schemes) != 1:
            problems.append(f"{c}: {len(schemes)} skos:inScheme, want exactly 1")
        for s in schemes:
            if (s, RDF.type, SKOS.ConceptScheme) not in g:
                problems.append(f"{c}: scheme {s} is not declared as a skos:ConceptScheme")
    return problems


def check_broader_in_scheme(g: Graph) -> list[str]:
    q = """
        SELECT ?c ?b WHERE {
            ?c skos:broader ?b ; skos:inScheme ?s .
            FILTER NOT EXISTS { ?b skos:inScheme ?s }
        }"""
    return [f"{r.c} skos:broader {r.b} leaves its scheme" for r in g.query(q, initNs=PREFIXES)]


# SPARQL paths cannot take a variable predicate, so each checked hierarchy has its own query.
CYCLE_QUERIES = {
    SKOS.broader: "SELECT DISTINCT ?c WHERE { ?c skos:broader+ ?c }",
    ORG.subOrganizationOf: "SELECT DISTINCT ?c WHERE { ?c org:subOrganizationOf+ ?c }",
}


def check_no_cycles(g: Graph, prop: URIRef = SKOS.broader) -> list[str]:
    rows = g.query(CYCLE_QUERIES[prop], initNs=PREFIXES)
    return [f"{r.c} reaches itself through {prop}" for r in rows]


def check_top_concepts(g: Graph) -> list[str]:
    problems = []
    for c in sorted(concepts(g)):
        has_broader = (c, SKOS.broader, None) in g
        tops = set(g.objects(c, SKOS.topConceptOf))
        if has_broader and tops:
            problems.append(f"{c}: has skos:broader and is skos:topConceptOf {tops}")
        if not has_broader:
            if not tops:
                problems.append(f"{c}: no skos:broader but not marked skos:topConceptOf")
            for s in g.objects(c, SKOS.inScheme):
                if (s, SKOS.hasTopConcept, c) not in g or s not in tops:
                    problems.append(f"{c}: top concept not linked both ways with {s}")
    for s, c in g.subject_objects(SKOS.hasTopConcept):
        if (c, SKOS.topConceptOf, s) not in g:
            problems.append(f"{s} skos:hasTopConcept {c} without the inverse skos:topConceptOf")
    return problems


def check_references(g: Graph) -> list[str]:
    """Every instance IRI a registry points to is defined in the registries."""
    subjects = set(g.subjects())
    return sorted(
        {
            f"{s} -> {o}: target is not defined"
            for s, p, o in g
            if isinstance(o, URIRef) and str(o).startswith(DEFAULT_BASE) and o not in subjects
        }
    )


def check_agency_structure(g: Graph) -> list[str]:
    problems = []
    orgs = organisations(g)
    for org in sorted(orgs):
        for parent in g.objects(org, ORG.subOrganizationOf):
            if parent not in orgs:
                problems.append(f"{org}: org:subOrganizationOf {parent}, which is not an org:Organization")
        for prop, sch in ((CGT.administrativeLevel, "admin-levels"), (CGT.jurisdiction, "regions")):
            values = list(g.objects(org, prop))
            if len(values) != 1:
                problems.append(f"{org}: {len(values)} values of {prop}, want 1")
            for v in values:
                if (v, SKOS.inScheme, scheme(sch)) not in g:
                    problems.append(f"{org}: {prop} {v} is not in scheme/{sch}")
        for v in g.objects(org, ORG.classification):
            if (v, SKOS.inScheme, URIRef(DEFAULT_BASE + "scheme/agency-types")) not in g:
                problems.append(f"{org}: org:classification {v} is not in scheme/agency-types")
        types = set(g.objects(org, RDF.type))
        if not types & {ORG.FormalOrganization, CGT.GenericAuthority}:
            problems.append(f"{org}: neither org:FormalOrganization nor cgt:GenericAuthority")
    return problems + check_no_cycles(g, ORG.subOrganizationOf)


def check_label_ambiguity(g: Graph) -> list[str]:
    """Shown labels name one entry; generic (hidden) labels are unique per region.

    A loader resolves pref/alt labels on their own and hidden labels only inside the
    document's region, so a pref/alt label shared by two entries of the same kind, a
    hidden label shared by two bodies of one jurisdiction, or a label that is hidden on
    one body but shown on another would make it pick the wrong body.
    """
    problems = []
    shown: dict[tuple, set] = defaultdict(set)
    for s, p, o in g:
        if p in (SKOS.prefLabel, SKOS.altLabel) and isinstance(o, Literal):
            kind = str(s)[len(DEFAULT_BASE):].split("/")[0]
            group = kind if kind == "agency" else str(next(g.objects(s, SKOS.inScheme), kind))
            shown[(group, o.language, str(o).casefold())].add(s)
    for (group, lang, label), owners in sorted(shown.items()):
        if len(owners) > 1:
            problems.append(f"{group}: label {label!r}@{lang} names {sorted(owners)}")
    hidden: dict[tuple, set] = defaultdict(set)
    for s, o in g.subject_objects(SKOS.hiddenLabel):
        for jur in g.objects(s, CGT.jurisdiction):
            hidden[(jur, o.language, str(o).casefold())].add(s)
        key = ("agency", o.language, str(o).casefold())
        if (s, RDF.type, ORG.Organization) in g and key in shown:
            problems.append(f"{s}: hidden label {str(o)!r} is a shown label of {shown[key]}")
    for (jur, lang, label), owners in sorted(hidden.items()):
        if len(owners) > 1:
            problems.append(f"hidden label {label!r}@{lang} is shared by {sorted(owners)} in {jur}")
    return problems


def broader_closure(g: Graph, start: URIRef) -> set[URIRef]:
    q = "SELECT ?b WHERE { ?c skos:broader+ ?b }"
    return {r.b for r in g.query(q, initNs=PREFIXES, initBindings={"c": start})}


# ---------------------------------------------------------------------------- files


@pytest.mark.parametrize("name", FILES)
def test_file_parses_and_defines_only_its_kind(name):
    g = load(name)
    assert len(g) > 0, f"{name}: empty"
    allowed = tuple(DEFAULT_BASE + k for k in FILE_KINDS[name])
    stray = sorted({str(s) for s in g.subjects() if not str(s).startswith(allowed)})
    assert not stray, f"{name} defines subjects outside {FILE_KINDS[name]}: {stray}"
    bad_keys = sorted(
        {str(s) for s in g.subjects() if not KEY_RE.match(str(s).rsplit("/", 1)[-1])}
    )
    assert not bad_keys, f"{name}: IRIs whose last segment is not a valid key: {bad_keys}"


def test_readme_parse_finds_contract_groups():
    keys = readme_keys()
    assert set(keys) >= {"Agencies", "Regions", "Therapy", "Document", "Small"}
    assert len(keys["Agencies"]["State Council constituent departments"]) == 26
    assert set(keys["Small"]) >= set(CV_GROUPS)
    assert "cfda" in keys["Agencies"]["Historical"]
    assert "gac" in keys["Agencies"]["Directly under the State Council"]
    assert "ftz-tianjin" in keys["Regions"][""]


# ---------------------------------------------------------------------------- README contract


def test_readme_agency_keys_resolve(reg):
    groups = readme_keys()["Agencies"]
    missing = []
    for group, keys in groups.items():
        want = CGT.GenericAuthority if group == "Generic" else ORG.FormalOrganization
        for key in keys:
            iri = agency(key)
            if (iri, RDF.type, ORG.Organization) not in reg or (iri, RDF.type, want) not in reg:
                missing.append(f"{group}: {key}")
    assert not missing, f"README agency keys without a matching entry: {missing}"


@pytest.mark.parametrize(
    "section, kind, scheme_name",
    [("Regions", "region", "regions"), ("Therapy", "therapy", "therapies"), ("Document", "doctype", "doctypes")],
)
def test_readme_concept_keys_resolve(reg, section, kind, scheme_name):
    keys = [k for group in readme_keys()[section].values() for k in group]
    assert keys, f"README section {section}: no keys parsed"
    missing = [
        k
        for k in keys
        if (URIRef(f"{DEFAULT_BASE}{kind}/{k}"), SKOS.inScheme, scheme(scheme_name)) not in reg
        or (URIRef(f"{DEFAULT_BASE}{kind}/{k}"), RDF.type, SKOS.Concept) not in reg
    ]
    assert not missing, f"{section} keys missing from scheme/{scheme_name}: {missing}"


def test_readme_vocab_keys_resolve_in_their_scheme(reg):
    groups = readme_keys()["Small"]
    missing = [
        f"{label}: {key}"
        for label, scheme_name in CV_GROUPS.items()
        for key in groups[label]
        if (concept(key), SKOS.inScheme, scheme(scheme_name)) not in reg
        or (concept(key), RDF.type, SKOS.Concept) not in reg
    ]
    assert not missing, f"vocabulary keys missing from their scheme: {missing}"


# ---------------------------------------------------------------------------- SKOS and ORG shape


def test_every_org_has_one_en_and_one_zh_preflabel(reg):
    assert len(organisations(reg)) > 100
    assert check_org_labels(reg) == []


def test_concept_labels(reg):
    assert check_concept_labels(reg) == []


def test_every_concept_in_exactly_one_scheme(reg):
    assert check_one_scheme(reg) == []


def test_broader_stays_inside_its_scheme(reg):
    assert check_broader_in_scheme(reg) == []


def test_broader_has_no_cycles(reg):
    assert check_no_cycles(reg) == []


def test_top_concepts_are_marked(reg):
    assert check_top_concepts(reg) == []


def test_no_dangling_references(reg):
    assert check_references(reg) == []


def test_agency_structure(reg):
    assert check_agency_structure(reg) == []


def test_labels_resolve_unambiguously(reg):
    assert check_label_ambiguity(reg) == []


# ---------------------------------------------------------------------------- facts


@pytest.mark.parametrize(
    "start, expected",
    [
        ("nansha", {"guangzhou", "guangdong", "china"}),
        ("ftz-guangdong-nansha", {"ftz-guangdong", "nansha", "guangzhou", "guangdong", "china"}),
        ("shenzhen-sez", {"shenzhen", "guangdong", "gba", "china"}),
        ("hetao-shenzhen-park", {"shenzhen", "guangdong"}),
        ("ftz-hebei-xiongan", {"ftz-hebei", "xiongan", "hebei", "china"}),
        ("zhangjiang", {"pudong", "shanghai", "china"}),
        ("beijing-etda", {"beijing", "china"}),
        ("hainan-ftp", {"hainan", "china"}),
        ("hong-kong", {"gba", "china"}),
        ("macao", {"gba", "china"}),
    ],
)
def test_region_containment(reg, start, expected):
    closure = broader_closure(reg, region(start))
    assert {region(k) for k in expected} <= closure, (
        f"{start}: skos:broader+ gives {sorted(str(c) for c in closure)}"
    )


def test_china_is_the_only_top_region(reg):
    assert set(reg.objects(scheme("regions"), SKOS.hasTopConcept)) == {region("china")}


def test_26_current_constituent_departments(reg):
    listed = {agency(k) for k in readme_keys()["Agencies"]["State Council constituent departments"]}
    q = """
        SELECT ?o WHERE {
            ?o org:classification ?kind ; org:subOrganizationOf ?sc .
            FILTER NOT EXISTS { ?o org:changedBy ?e }
        }"""
    current = {
        r.o
        for r in reg.query(
            q,
            initNs=PREFIXES,
            initBindings={"kind": concept("at-constituent-department"), "sc": agency("state-council")},
        )
    }
    assert len(listed) == 26
    assert current == listed


@pytest.mark.parametrize(
    "child, parent",
    [
        ("cde", "nmpa"), ("nmpa", "samr"), ("samr", "state-council"), ("nea", "ndrc"),
        ("nia", "mps"), ("caac", "mot"), ("caac-atmb", "caac"), ("natcm", "nhc"),
        ("ndcpa", "nhc"), ("safe", "pboc"), ("nhc-dse", "nhc"), ("nmpa-gba-drug-centre", "nmpa"),
        ("nmpa-gba-device-centre", "nmpa"), ("shenzhen-customs", "gac"), ("shenzhen-hc", "shenzhen-gov"),
        ("gosc", "state-council"), ("gocpc", "cpc-central-committee"), ("hebei-gov-go", "hebei-gov"),
        ("guangdong-mpa", "guangdong-amr"),
    ],
)
def test_sub_organisation(reg, child, parent):
    assert (agency(child), ORG.subOrganizationOf, agency(parent)) in reg


@pytest.mark.parametrize(
    "key, level, jurisdiction",
    [
        ("nmpa", "level-national", "china"),
        ("guangdong-mpa", "level-provincial", "guangdong"),
        ("shenzhen-hc", "level-municipal", "shenzhen"),
        ("shenzhen-district-govs", "level-district", "shenzhen"),
    ],
)
def test_level_and_jurisdiction(reg, key, level, jurisdiction):
    assert (agency(key), CGT.administrativeLevel, concept(level)) in reg
    assert (agency(key), CGT.jurisdiction, region(jurisdiction)) in reg


def test_generic_local_names_are_hidden_not_shown(reg):
    """'municipal health department' resolves to shenzhen-hc only in a Shenzhen text."""
    hc = agency("shenzhen-hc")
    hidden = {str(o).casefold() for o in reg.objects(hc, SKOS.hiddenLabel)}
    shown = {str(o).casefold() for p in (SKOS.prefLabel, SKOS.altLabel) for o in reg.objects(hc, p)}
    assert "municipal health department" in hidden
    assert "municipal health commission" not in shown


REQUIRED_EVENTS = [
    ({"cfda"}, {"nmpa"}, "2018"),
    ({"nhfpc"}, {"nhc"}, "2018"),
    ({"cbrc", "circ"}, {"cbirc"}, "2018"),
    ({"cbirc"}, {"nfra"}, "2023"),
    ({"saic", "aqsiq", "cfda"}, {"samr"}, "2018"),
]


@pytest.mark.parametrize("originals, results, year", REQUIRED_EVENTS)
def test_reorganisation_event(reg, originals, results, year):
    found = []
    for event in reg.subjects(RDF.type, CGT.Reorganisation):
        orig = {str(o).rsplit("/", 1)[-1] for o in reg.objects(event, ORG.originalOrganization)}
        res = {str(o).rsplit("/", 1)[-1] for o in reg.objects(event, ORG.resultingOrganization)}
        if orig == originals and res == results:
            found.append(event)
    assert len(found) == 1, f"want one event {originals} -> {results}, found {found}"
    event = found[0]
    assert str(event).startswith(EVENT)
    dates = list(reg.objects(event, DCTERMS.date))
    assert len(dates) == 1 and dates[0].datatype in (rdfns.XSD.date, rdfns.XSD.gYear), f"{event}: date {dates}"
    assert str(dates[0]).startswith(year)
    assert any(lbl.language == "en" for lbl in reg.objects(event, RDFS.label))
    for key in originals:
        assert (agency(key), ORG.changedBy, event) in reg
    for key in results:
        assert (agency(key), ORG.resultedFrom, event) in reg


def test_events_are_well_formed(reg):
    events = set(reg.subjects(RDF.type, CGT.Reorganisation))
    assert events
    for event in events:
        assert (event, RDF.type, ORG.ChangeEvent) in reg
        assert list(reg.objects(event, ORG.originalOrganization)), event
        assert list(reg.objects(event, ORG.resultingOrganization)), event
        for org in reg.objects(event, ORG.originalOrganization):
            assert (org, ORG.changedBy, event) in reg, f"{org} lacks org:changedBy {event}"
        for org in reg.objects(event, ORG.resultingOrganization):
            assert (org, ORG.resultedFrom, event) in reg, f"{org} lacks org:resultedFrom {event}"


def test_historical_bodies_have_history(reg):
    for key in readme_keys()["Agencies"]["Historical"]:
        iri = agency(key)
        assert any(n.language == "en" for n in reg.objects(iri, SKOS.historyNote)), key
        assert (iri, ORG.changedBy, None) in reg, f"{key}: no org:changedBy event"


# ---------------------------------------------------------------------------- the checks catch faults


def _broken(reg: Graph, *triples) -> Graph:
    g = Graph()
    for t in reg:
        g.add(t)
    for t in triples:
        g.add(t)
    return g


def test_checks_catch_cycle_and_scheme_leak(reg):
    g = _broken(
        reg,
        (region("china"), SKOS.broader, region("nansha")),
        (region("china"), SKOS.broader, URIRef(DEFAULT_BASE + "therapy/cell-therapy")),
    )
    assert any("nansha" in p for p in check_no_cycles(g))
    assert any("leaves its scheme" in p for p in check_broader_in_scheme(g))
    assert any("china" in p for p in check_top_concepts(g))


def test_checks_catch_label_and_scheme_faults(reg):
    g = _broken(reg, (region("xiongan"), SKOS.inScheme, scheme("therapies")))
    g.remove((agency("nmpa"), SKOS.prefLabel, Literal("国家药品监督管理局", lang="zh")))
    g.add((agency("shenzhen-hc"), SKOS.altLabel, Literal("Municipal Health Commission", lang="en")))
    assert any("xiongan" in p for p in check_one_scheme(g))
    assert any("nmpa" in p for p in check_org_labels(g))
    assert any("shenzhen-hc" in p for p in check_label_ambiguity(g))


def test_checks_catch_dangling_and_structure_faults(reg):
    g = _broken(
        reg,
        (agency("nmpa"), ORG.subOrganizationOf, agency("no-such-body")),
        (agency("samr"), ORG.subOrganizationOf, agency("nmpa")),
    )
    assert any("no-such-body" in p for p in check_references(g))
    problems = check_agency_structure(g)
    assert any("no-such-body" in p for p in problems)
    assert any("reaches itself" in p for p in problems)
