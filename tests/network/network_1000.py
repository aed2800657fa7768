"""The network of 1,000 synthetic texts, rebuilt from ``data/network-1000.json`` (see
``data/README.md``) with the project's own projection and metrics: a hairball of 99 agencies
and 2,615 pairs whose biggest agencies sit inside it.  Building those texts takes minutes,
so their links are kept; the attributes the page and the pictures read are filled in from
the agency list, and each provision gets a made-up document and title.

Exported from that build's store with ``build_network(store, details=False)``: each
agency's ``registry_key``, ``label_en``, ``short`` and ``level``, and each provision's
agencies."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
from cgtkg.graph.namespaces import DEFAULT_BASE
from cgtkg.graph.network import AGENCY, MEASURE, Network, NetworkFilters, compute_metrics, project_agencies

DATA = Path(__file__).parent / "data" / "network-1000.json"


def network_1000() -> Network:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    b = nx.Graph(title="Agencies responsible for CGT policy provisions", filters="none")
    iris = []
    for key, en, short, level in data["agencies"]:
        iri = f"{DEFAULT_BASE}agency/{key}"
        iris.append(iri)
        b.add_node(iri, kind=AGENCY, iri=iri, registry_key=key, label=en, label_en=en, label_zh="",
                   short=short, level=level, level_label="", region="", region_label="", parent="",
                   parent_label="", generic=False, derived=False)
    for i, agencies in enumerate(data["provisions"]):
        doc = f"{DEFAULT_BASE}doc/synthetic-{i // 10}"
        m = f"{doc}/measure/{i % 10 + 1}"
        b.add_node(m, kind=MEASURE, provision=f"Measure {i % 10 + 1}", number=str(i % 10 + 1), title="",
                   summary="", document=f"synthetic-{i // 10}", document_iri=doc,
                   document_title_en=f"Synthetic measures {i // 10}", document_title_zh="",
                   document_number="", document_dates="", source="", source_title="", locator="",
                   passage="")
        b.add_edges_from((iris[a], m) for a in agencies)
    for iri in iris:
        b.nodes[iri]["measures"] = b.degree(iri)
    p = project_agencies(b)
    comms = compute_metrics(p)
    return Network(bipartite=b, agencies=p, filters=NetworkFilters(), base=DEFAULT_BASE, communities=comms)
