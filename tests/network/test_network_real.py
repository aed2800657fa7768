"""The network of the repository's own data, checked against the curated records directly.

The records (data/records/*.yaml) are read here with PyYAML, and the region hierarchy
with rdflib, independently of the store and the SPARQL queries the network uses, so a
mistake in either path shows up as a difference.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest
import yaml
from cgtkg.graph.namespaces import region as region_iri
from cgtkg.graph.network import AGENCY, MEASURE, NetworkFilters, build_bipartite
from click.testing import CliRunner
from PIL import Image
from rdflib.namespace import SKOS

from cgtkg.cli import main
from cgtkg.pipeline.build import REPO_ROOT, load_registry

RECORDS = REPO_ROOT / "data" / "records"


def _provisions(items, inherited_regions):
    for p in items or []:
        regions = p.get("regions") or inherited_regions
        yield p, regions
        yield from _provisions(p.get("provisions"), regions)


def record_links():
    """(document key, provision path, responsible keys, regions) for every provision."""
    out = []
    for f in sorted(RECORDS.glob("*.yaml")):
        rec = yaml.safe_load(f.read_text(encoding="utf-8"))
        for i, (p, regions) in enumerate(
            _provisions(rec.get("provisions"), rec.get("regions") or [])
        ):
            if p.get("responsible"):
                out.append((rec["key"], i, sorted(set(p["responsible"])), regions))
    return out


@pytest.fixture(scope="module")
def links():
    found = record_links()
    if not found:
        pytest.skip("no record names a responsible agency yet")
    return found


def _keys(g, kind):
    return {g.nodes[n].get("registry_key") or n for n, d in g.nodes(data=True) if d["kind"] == kind}


def test_agencies_and_provisions_match_the_records(real_net, links):
    b = real_net.bipartite
    assert _keys(b, AGENCY) == {a for _, _, resp, _ in links for a in resp}
    assert len(_keys(b, MEASURE)) == len(links)
    assert b.number_of_edges() == sum(len(resp) for _, _, resp, _ in links)


def test_pair_weights_match_the_records(real_net, links):
    expected = Counter(frozenset(pair) for _, _, resp, _ in links for pair in combinations(resp, 2))
    p = real_net.agencies
    actual = {
        frozenset((p.nodes[u]["registry_key"], p.nodes[v]["registry_key"])): d["weight"]
        for u, v, d in p.edges(data=True)
    }
    assert actual == dict(expected)


def test_region_filter_matches_the_records(store, links):
    regions = load_registry(REPO_ROOT / "ontology")  # regions.ttl, zones.ttl and the gazetteer
    guangdong = region_iri("guangdong")

    def inside(key):
        return guangdong in set(regions.transitive_objects(region_iri(key), SKOS.broader))

    expected = sum(1 for _, _, _, regs in links if any(inside(r) for r in regs))
    b = build_bipartite(store, NetworkFilters(region="guangdong"))
    assert len(_keys(b, MEASURE)) == expected
    assert expected > 0, "the records have provisions in Guangdong (Nansha, Shenzhen)"


def test_default_command_on_the_real_build(built, tmp_path, real_net):
    """What a user runs after `cgtkg build`: files appear and agree with the network."""
    dest = tmp_path / "network"
    result = CliRunner().invoke(main, ["network", "--out", str(built.out_dir), "--output", str(dest)])
    assert result.exit_code == 0, result.output
    assert f"{real_net.agencies.number_of_nodes()} agencies" in result.output
    img = Image.open(dest / "agencies.png")
    assert img.size == (1600, 1000)
    html = (dest / "network.html").read_text(encoding="utf-8")
    assert "<script src" not in html
    for n in real_net.agencies:  # every agency is in the page's data
        assert f'"key":"{real_net.agencies.nodes[n]["registry_key"]}"' in html
