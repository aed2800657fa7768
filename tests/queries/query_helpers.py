"""Helpers shared by the query, export and remote tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from rdflib import Dataset, Graph, Literal
from rdflib.util import from_n3

from graph.namespaces import bind_prefixes, rebase
from graph.query import QUERIES_DIR, parse_iri
from graph.store import GraphStore

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
CASES = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
NSM = bind_prefixes(Graph()).namespace_manager


def load_out_dir(out: Path, *trig_files: Path, base: str | None = None) -> Path:
    """Make ``out/store`` from TriG files (optionally moved onto another base IRI)."""
    out.mkdir(parents=True, exist_ok=True)
    ds = Dataset()
    for f in trig_files:
        ds.parse(f, format="trig")
    store = GraphStore(out / "store")
    for g in ds.graphs():
        if len(g) == 0:
            continue
        triples = g if base is None else ((rebase(s, base), rebase(p, base), rebase(o, base))
                                          for s, p, o in g)
        store.add_graph(g.identifier if base is None else rebase(g.identifier, base), triples)
    store.flush()
    store.close()
    return out


def cell(value):
    """A cases.yaml cell -> RDF term (see the notation at the top of cases.yaml)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, int):
        return Literal(value)
    text = str(value)
    if text.startswith('"'):
        return from_n3(text, nsm=NSM)
    return parse_iri(text)


def project(rows, columns) -> Counter:
    return Counter(tuple(r.get(c) for c in columns) for r in rows)


def all_cases():
    for name, cases in CASES.items():
        for i, case in enumerate(cases):
            yield pytest.param(name, case, id=f"{name}-{i}")


def saved_query_names(include_network: bool = True) -> list[str]:
    return sorted(p.stem for p in QUERIES_DIR.glob("*.rq")
                  if include_network or not p.stem.startswith("network-"))

