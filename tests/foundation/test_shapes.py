"""Every SHACL shape in ``ontology/shapes.ttl`` rejects at least one made-up case.

Why: a shape that cannot fail protects nothing, and a shape that fails on valid data stops
the build. So the tests check both directions, in the style of the pySHACL test suite:

* ``shape_cases/valid.ttl`` plus the registries conforms;
* each ``shape_cases/<Shape>--<what-is-wrong>.ttl`` is that valid graph with one thing
  broken, and must produce a violation that the named shape raised on the named focus node,
  and no violation that the case does not declare;
* every shape of the ``cgts:`` namespace has at least one such case;
* the registries alone conform.

A case file is a delta on ``valid.ttl``. Its leading comment lines form a header::

    # shape:  cgts:DocumentTitle                 the shape that must fire (required, once)
    # focus:  <test-notice>                      its focus node (required, once)
    # remove: <test-notice> dcterms:title "..."@en . a triple of valid.ttl or the registries
    #                                            to take out (any number of lines)
    # also:   cgts:DocumentEnglishTitle          another shape the same break trips
    #                                            (any number; each must really fire)
    # pending: why                               the shape is known to miss this case: the
    #                                            test reports xfail while the shape does
    #                                            not fire, and fails once it does, so the
    #                                            line is removed when shapes.ttl is fixed

The rest of the file is Turtle whose triples are added. Header terms and the body are read
with valid.ttl's ``@base`` and ``@prefix`` lines in front, so ``<test-notice>`` and ``ag:nmpa``
mean the same everywhere.

Shapes that nothing targets (they are reached only through ``sh:node``, such as
``cgts:RegionConceptShape``) get ``sh:targetNode <focus>`` in a copy of the shapes graph, so
the case exercises the shape itself and not only the shape that points to it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cgtkg.graph.closure import materialise
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.parsers.notation3 import BadSyntax

from cgtkg.pipeline.build import REPO_ROOT, load_registry, load_shapes, validate_graph

CASES_DIR = Path(__file__).parent / "shape_cases"
VALID_FILE = CASES_DIR / "valid.ttl"
ONTOLOGY_DIR = REPO_ROOT / "ontology"
CGTS = "https://w3id.org/cgt-kg/shapes#"
CASE_FILES = sorted(p for p in CASES_DIR.glob("*.ttl") if p != VALID_FILE)

HEADER_RE = re.compile(r"^#\s*(shape|focus|also|remove|pending)\s*:\s*(.*?)\s*$")
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint)
# predicates whose subject or object is a shape, to find shapes that were not typed
SHAPE_SUBJECT_PREDICATES = (SH.property, SH.sparql, SH.path, SH.select, *TARGETS)
SHAPE_OBJECT_PREDICATES = (SH.node, SH.property, SH.sparql, SH.qualifiedValueShape)


# ------------------------------------------------------------------ reading cases


def preamble() -> str:
    """valid.ttl's @base/@prefix lines on ONE line, so case line numbers stay true."""
    lines = VALID_FILE.read_text(encoding="utf-8").splitlines()
    return " ".join(x.strip() for x in lines if x.startswith(("@base", "@prefix")))


def parse_turtle(text: str, path: Path, line: int | None = None) -> Graph:
    """Turtle after the preamble; a syntax error names the file and line."""
    g = Graph()
    try:
        g.parse(data=preamble() + " " + text, format="turtle")
    except (BadSyntax, SyntaxError, ValueError) as e:
        where = line if line is not None else (getattr(e, "lines", None) or 0) + 1
        raise AssertionError(f"{path.name}:{where}: cannot parse: {e}") from e
    return g


@dataclass
class Case:
    path: Path
    shape: URIRef
    focus: URIRef
    also: set[URIRef] = field(default_factory=set)
    remove: list[tuple] = field(default_factory=list)
    add: Graph = field(default_factory=Graph)
    pending: str | None = None


def _term(text: str, path: Path, line: int) -> URIRef:
    probe = parse_turtle(f"{text} <urn:case:is> <urn:case:term> .", path, line)
    (term,) = probe.subjects(URIRef("urn:case:is"), URIRef("urn:case:term"))
    if not isinstance(term, URIRef):
        raise AssertionError(f"{path.name}:{line}: {text!r} must be an IRI")
    return term


def read_case(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[tuple[int, str]]] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            break  # the header is the leading block of comments
        if m := HEADER_RE.match(line):
            fields.setdefault(m.group(1), []).append((n, m.group(2)))
    for key in ("shape", "focus"):
        if len(fields.get(key, [])) != 1:
            raise AssertionError(f"{path.name}: the header needs exactly one '# {key}:' line")
    if len(fields.get("pending", [])) > 1:
        raise AssertionError(f"{path.name}: at most one '# pending:' line")
    (sline, stext), (fline, ftext) = fields["shape"][0], fields["focus"][0]
    case = Case(path, _term(stext, path, sline), _term(ftext, path, fline))
    case.also = {_term(t, path, n) for n, t in fields.get("also", [])}
    for n, t in fields.get("remove", []):
        triples = list(parse_turtle(t, path, n))
        if len(triples) != 1 or any(isinstance(x, BNode) for x in triples[0]):
            raise AssertionError(
                f"{path.name}:{n}: '# remove:' takes one triple without blank nodes")
        case.remove.append(triples[0])
    case.add = parse_turtle(text, path)
    case.pending = fields["pending"][0][1] if "pending" in fields else None
    return case


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def registry() -> Graph:
    return load_registry(ONTOLOGY_DIR)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(ONTOLOGY_DIR)


@pytest.fixture(scope="module")
def case_registry(tmp_path_factory) -> Graph:
    """The registry without the gazetteer (divisions.ttl) and the special zones (zones.ttl),
    thousands of regions no case touches, except those the other files point to and the
    regions above them: each case validates the whole graph, and pySHACL's time grows with
    it. The full registry is checked on its own (test_registry_alone_conforms)."""
    onto = tmp_path_factory.mktemp("ontology-for-cases")
    shutil.copytree(ONTOLOGY_DIR, onto, dirs_exist_ok=True)
    big = Graph()
    for name in ("divisions.ttl", "zones.ttl"):
        big.parse(onto / "registries" / name)
        (onto / "registries" / name).unlink()
    rest = load_registry(onto)
    wanted = {o for o in rest.objects() if isinstance(o, URIRef) and (o, None, None) not in rest}
    kept, seen = Graph(), set()
    while wanted:
        r = wanted.pop()
        seen.add(r)
        for t in big.triples((r, None, None)):
            kept.add(t)
            if isinstance(t[2], URIRef) and t[2] not in seen and (t[2], None, None) not in rest:
                wanted.add(t[2])
    for t in big:  # what the big files say about the others' regions (codes)
        if (t[0], None, None) in rest:
            kept.add(t)
    kept.serialize(onto / "registries" / "kept.ttl", format="turtle")
    return load_registry(onto)


@pytest.fixture(scope="module")
def valid_graph(case_registry) -> Graph:
    g = Graph()
    g += case_registry
    g += parse_turtle(VALID_FILE.read_text(encoding="utf-8"), VALID_FILE)
    materialise(g)
    return g


# ------------------------------------------------------------------ helpers


def shape_iris(shapes: Graph) -> set[URIRef]:
    """Every shape with a cgts: IRI: typed as a shape, or used where a shape must stand."""
    found: set = set()
    for t in SHAPE_TYPES:
        found |= set(shapes.subjects(RDF.type, t))
    for p in SHAPE_SUBJECT_PREDICATES:
        found |= set(shapes.subjects(p, None))
    for p in SHAPE_OBJECT_PREDICATES:
        found |= set(shapes.objects(None, p))
    return {s for s in found if isinstance(s, URIRef) and str(s).startswith(CGTS)}


def untargeted_node_shapes(shapes: Graph) -> set[URIRef]:
    """Node shapes that only sh:node reaches: nothing makes them validate a node directly."""
    return {s for s in shape_iris(shapes)
            if (s, RDF.type, SH.NodeShape) in shapes
            and not any((s, p, None) in shapes for p in TARGETS)}


def owners(shapes: Graph, *nodes) -> set[URIRef]:
    """The named shapes a result belongs to.

    A result's sh:sourceShape / sh:sourceConstraint is the shape itself, an anonymous
    sh:property / sh:sparql node of a named shape, an anonymous shape split out of a named
    one (``rdfs:isDefinedBy``), or a named member of a node shape; the named shape and the
    node shapes holding it all own the result.
    """
    named: set = set()
    for node in nodes:
        if node is None:
            continue
        here = {node} if isinstance(node, URIRef) else set()
        if isinstance(node, BNode):
            here |= set(shapes.subjects(SH.property, node)) | set(shapes.subjects(SH.sparql, node))
            here |= set(shapes.objects(node, RDFS.isDefinedBy))
        for n in list(here):
            here |= set(shapes.subjects(SH.property, n)) | set(shapes.subjects(SH.sparql, n))
        named |= here
    return {n for n in named if isinstance(n, URIRef) and str(n).startswith(CGTS)}


@dataclass
class Result:
    focus: object
    path: object
    value: object
    message: str
    owners: set[URIRef]

    def __str__(self) -> str:
        names = ", ".join(sorted(short(o) for o in self.owners)) or "?"
        extra = f" path={short(self.path)}" if self.path is not None else ""
        extra += f" value={short(self.value)}" if self.value is not None else ""
        return f"[{names}] focus={short(self.focus)}{extra}: {self.message}"


def short(term) -> str:
    s = str(term)
    for prefix, ns in (("cgts:", CGTS), ("", "https://w3id.org/cgt-kg/id/")):
        if isinstance(term, URIRef) and s.startswith(ns):
            return prefix + s[len(ns):]
    return s


def run_shacl(data: Graph, shapes: Graph) -> tuple[bool, list[Result]]:
    """pySHACL with the build's options; top-level results only, each with its owners."""
    conforms, report, _ = validate(data, shacl_graph=shapes, inference="none",
                                   advanced=True, allow_warnings=True)
    out = []
    for rep in report.subjects(RDF.type, SH.ValidationReport):
        for r in report.objects(rep, SH.result):
            out.append(Result(
                focus=report.value(r, SH.focusNode),
                path=report.value(r, SH.resultPath),
                value=report.value(r, SH.value),
                message=str(report.value(r, SH.resultMessage) or ""),
                owners=owners(shapes, report.value(r, SH.sourceShape),
                              report.value(r, SH.sourceConstraint)),
            ))
    return conforms, out


def case_data(case: Case, base: Graph) -> Graph:
    g = Graph()
    g += base
    for t in case.remove:
        assert t in g, (f"{case.path.name}: '# remove:' {' '.join(short(x) for x in t)} "
                        "is not in valid.ttl + registries, so removing it changes nothing")
        g.remove(t)
    new = [t for t in case.add if t not in base]
    assert case.remove or new, (
        f"{case.path.name} neither removes nor adds a triple: it breaks nothing")
    g += case.add
    materialise(g)  # what the build derives before it validates (graph/closure.py)
    return g


def case_shapes(case: Case, shapes: Graph) -> Graph:
    """The shapes graph a case runs with: a node-only shape gets ``sh:targetNode <focus>``
    so that the case exercises the shape itself, not only the shape that points to it; so does
    an untargeted property shape (reached through a node shape's ``sh:or``, whose report names
    only the node shape)."""
    untargeted_property = ((case.shape, RDF.type, SH.PropertyShape) in shapes
                           and not any((case.shape, p, None) in shapes for p in TARGETS))
    if case.shape not in untargeted_node_shapes(shapes) and not untargeted_property:
        return shapes
    g = Graph()
    g += shapes
    g.add((case.shape, SH.targetNode, case.focus))
    return g


# ------------------------------------------------------------------ tests


def test_valid_graph_conforms(valid_graph, shapes):
    assert validate_graph(valid_graph, shapes) == []


def test_valid_graph_conforms_to_node_only_shapes_applied_directly(valid_graph, shapes):
    """The cases aim node-only shapes straight at a focus; on valid values they must pass.

    Each node-only shape is targeted at every value that reaches it through sh:node (the
    objects of the referring property shape's path, or of the referring node shape's
    targets), so a failing case cannot be an artefact of the injected target.
    """
    g = Graph()
    g += shapes
    injected = 0
    for s in untargeted_node_shapes(shapes):
        for referrer in shapes.subjects(SH.node, s):
            for p in shapes.objects(referrer, SH.path):
                if isinstance(p, URIRef):
                    g.add((s, SH.targetObjectsOf, p))
                    injected += 1
            for p in shapes.objects(referrer, SH.targetObjectsOf):
                g.add((s, SH.targetObjectsOf, p))
                injected += 1
    assert injected, "no node-only shape is reached through sh:node; the test has nothing to do"
    conforms, results = run_shacl(valid_graph, g)
    assert conforms, "\n".join(map(str, results))


def test_registry_alone_conforms(registry, shapes):
    assert validate_graph(registry, shapes) == []


def test_every_shape_has_a_failing_case(shapes):
    cases = [read_case(p) for p in CASE_FILES]
    covered = {c.shape for c in cases if c.pending is None}
    missing = sorted(short(s) for s in shape_iris(shapes) - covered)
    assert not missing, f"shapes without a failing case in {CASES_DIR.name}/: {', '.join(missing)}"


class ShapeMissed(AssertionError):
    """The case's shape did not fire on its focus: what a '# pending:' case expects."""


def check_case(case: Case, valid_graph: Graph, shapes: Graph) -> None:
    name = case.path.name
    assert case.path.stem.split("--")[0] == str(case.shape)[len(CGTS):], (
        f"{name}: name the file <ShapeLocalName>--<what-is-wrong>.ttl after its '# shape:'")
    if case.shape not in shape_iris(shapes):
        raise ShapeMissed(f"{name}: {short(case.shape)} is not a shape of shapes.ttl")
    conforms, results = run_shacl(case_data(case, valid_graph), case_shapes(case, shapes))
    listing = "\n".join(map(str, results)) or "(no results)"

    if conforms:
        raise ShapeMissed(f"{name} conforms: the break does not trip any shape")
    if not any(r.focus == case.focus and case.shape in r.owners for r in results):
        raise ShapeMissed(f"{name}: no violation of {short(case.shape)} on {short(case.focus)}; "
                          f"got:\n{listing}")
    expected = {case.shape} | case.also
    stray = [r for r in results if not r.owners & expected]
    assert not stray, (f"{name}: violations the case does not declare (one break per case, "
                       "or list the shape under '# also:'):\n" + "\n".join(map(str, stray)))
    silent = sorted(short(a) for a in case.also if not any(a in r.owners for r in results))
    assert not silent, f"{name}: '# also:' shapes that did not fire: {', '.join(silent)}"
    assert all(r.message for r in results), f"{name}: a violation without a message:\n{listing}"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_violates_its_shape(path: Path, valid_graph, shapes):
    case = read_case(path)
    if case.pending is None:
        check_case(case, valid_graph, shapes)
        return
    try:
        check_case(case, valid_graph, shapes)
    except ShapeMissed:
        pytest.xfail(f"known shape defect: {case.pending}")
    pytest.fail(f"{path.name}: the shape now catches this case; delete its '# pending:' line")


def test_case_reader_rejects_a_removal_that_is_not_there(tmp_path, valid_graph):
    """A '# remove:' of a triple that is not in the graph would silently test nothing."""
    bad = tmp_path / "DocumentTitle--typo.ttl"
    bad.write_text('# shape: cgts:DocumentTitle\n# focus: <test-notice>\n'
                   '# remove: <test-notice> dcterms:title "No such title"@en .\n', encoding="utf-8")
    case = read_case(bad)
    assert case.remove == [(URIRef("https://w3id.org/cgt-kg/id/doc/test-notice"),
                            URIRef("http://purl.org/dc/terms/title"),
                            Literal("No such title", lang="en"))]
    with pytest.raises(AssertionError, match="changes nothing"):
        case_data(case, valid_graph)


def test_a_violation_names_its_shape_and_path_readably(valid_graph, shapes):
    """What a user reads in the build's report: an alternative path spelled as a SPARQL
    property path, not the label of the blank node pySHACL's report holds, and an unnamed
    property shape under the name of the shape that holds it."""
    doc = URIRef("https://w3id.org/cgt-kg/id/doc/test-notice")
    broken = Graph()
    broken += valid_graph
    broken.remove((doc, URIRef("http://data.europa.eu/eli/ontology#passed_by"), None))
    rdf_value = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#value")
    claim = next(iter(broken.subjects(rdf_value, None)))
    broken.remove((claim, rdf_value, None))
    paths = {(v.focus, v.shape): v.path for v in validate_graph(broken, shapes)}
    assert paths[(str(doc), "cgts:DocumentIssuerOrReason")] == "(eli:passed_by|cgt:issuerMissingReason)"
    assert paths[(str(claim), "cgts:ClaimShape")] == "rdf:value"
