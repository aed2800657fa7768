"""What the conformance tests share: the vocabularies and small helpers.

The vocabularies are the official files of ELI, W3C ORG, PROV-O, SKOS, Web Annotation and
DCMI Terms, committed under ``vocab/`` with their source and licence (``vocab/README.md``);
nothing is fetched at test time.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from rdflib import Dataset, Graph

from cgtkg.resources import REPO_ROOT

HERE = Path(__file__).resolve().parent
VOCAB_DIR = HERE / "vocab"
ONTOLOGY = REPO_ROOT / "ontology" / "cgt.ttl"
SHAPES = REPO_ROOT / "ontology" / "shapes.ttl"

#: vocabulary file -> the ontology IRI its own ``owl:Ontology`` (or, for DCMI Terms, which
#: declares none, its namespace document) has; cgt.ttl imports exactly these
VOCABULARIES = {
    "eli.ttl": "http://data.europa.eu/eli/ontology#",
    "org.nq": "http://www.w3.org/ns/org#",
    "prov.nq": "http://www.w3.org/ns/prov-o#",
    "skos.nq": "http://www.w3.org/2004/02/skos/core",
    "oa.nq": "http://www.w3.org/ns/oa#",
    "dcterms.nq": "http://purl.org/dc/terms/",
}


def read_vocabulary(name: str) -> Graph:
    """One vocabulary file as a graph (the N-Quads files' named graph is dropped)."""
    path = VOCAB_DIR / name
    if path.suffix == ".nq":
        ds = Dataset()
        ds.parse(path, format="nquads")
        g = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
        return g
    return Graph().parse(path, format="turtle")


def java() -> str | None:
    return shutil.which("java")


def example_params(example: str) -> dict[str, str]:
    """``cgtkg query NAME --param a=b --param c=d ...`` -> ``{"a": "b", "c": "d"}``."""
    argv = shlex.split(example)
    out = {}
    for flag, value in zip(argv, argv[1:]):
        if flag == "--param":
            key, _, val = value.partition("=")
            out[key] = val
    return out
