"""Keys checked before a query runs, one syntax everywhere, and `cgtkg keys` in both
languages: on the repository's build (agencies, regions and therapies of the registry)."""

from __future__ import annotations

import json

import pytest
from cgtkg.graph.namespaces import DEFAULT_BASE
from click.testing import CliRunner

from cgtkg.cli import main


def cli(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


SPELLINGS = [
    ("agency-measures", "agency", "nmpa", "ag:nmpa", f"{DEFAULT_BASE}agency/nmpa"),
    ("region-measures", "region", "shenzhen", "rg:shenzhen", f"<{DEFAULT_BASE}region/shenzhen>"),
    ("therapy-timeline", "therapy", "stem-cells", "th:stem-cells", f"{DEFAULT_BASE}therapy/stem-cells"),
    ("document-outline", "document", "shenzhen-cgt-regulations", "doc:shenzhen-cgt-regulations",
     f"{DEFAULT_BASE}doc/shenzhen-cgt-regulations"),
]


@pytest.mark.parametrize("query, param, spellings", [(s[0], s[1], s[2:]) for s in SPELLINGS],
                         ids=[s[0] for s in SPELLINGS])
def test_a_key_bare_prefixed_or_as_an_iri_gives_the_same_rows(built, query, param, spellings):
    answers = []
    for value in spellings:
        r = cli(["query", query, "--param", f"{param}={value}", "--format", "json", "--out", str(built.out_dir)])
        assert r.exit_code == 0, (value, r.output)
        answers.append(json.loads(r.output)["results"]["bindings"])
    assert answers[0] and all(a == answers[0] for a in answers)


@pytest.mark.parametrize("query, param, typo, meant", [
    ("agency-measures", "agency", "ag:nmpaa", "ag:nmpa"),
    ("agency-measures", "agency", "国家药监局", "ag:nmpa"),  # a Chinese short name finds the key
    ("region-measures", "region", "rg:shenzen", "rg:shenzhen"),
    ("therapy-timeline", "therapy", "car_t", "th:car-t"),
    ("cited-by", "document", "doc:prc-biosecurity", "doc:prc-biosecurity-law"),
])
def test_an_unknown_key_exits_2_and_says_what_was_meant(built, query, param, typo, meant):
    r = cli(["query", query, "--param", f"{param}={typo}", "--out", str(built.out_dir)])
    assert r.exit_code == 2
    assert "did you mean" in r.output and meant in r.output.split("did you mean", 1)[1]
    assert "(0 rows)" not in r.output


def test_a_key_of_another_kind_is_refused(built):
    r = cli(["query", "agency-measures", "--param", "agency=rg:guangdong", "--out", str(built.out_dir)])
    assert r.exit_code == 2 and "is a region key, not an agency key" in r.output


def test_network_filters_take_the_same_keys(built):
    def metrics(*args):
        r = cli(["network", "--metrics", "--format", "json", "--out", str(built.out_dir), *args])
        assert r.exit_code == 0, r.output
        return json.loads(r.output)["agencies"]

    assert metrics("--region", "shenzhen") == metrics("--region", "rg:shenzhen")
    assert metrics("--issuer", "ag:nmpa") == metrics("--issuer", "nmpa")
    r = cli(["network", "--metrics", "--out", str(built.out_dir), "--region", "rg:shenzen"])
    assert r.exit_code == 2 and "did you mean rg:shenzhen" in r.output


@pytest.mark.parametrize("kind, search, expected", [
    ("agencies", "国家药监局", "ag:nmpa"),
    ("agencies", "nmpa", "ag:nmpa"),
    ("agencies", "Medical Products", "ag:nmpa"),
    ("regions", "深圳", "rg:shenzhen"),
    ("regions", "Shenzhen", "rg:shenzhen"),
    ("therapies", "干细胞", "th:stem-cells"),
    ("therapies", "stem cell", "th:stem-cells"),
    ("documents", "生物安全法", "doc:prc-biosecurity-law"),
])
def test_keys_lists_and_searches_in_both_languages(built, kind, search, expected):
    r = cli(["keys", kind, "--search", search, "--format", "json", "--out", str(built.out_dir)])
    assert r.exit_code == 0, r.output
    found = {row["key"]: row for row in json.loads(r.output)}
    assert expected in found
    row = found[expected]
    if kind != "documents":
        assert row["name_en"] and row["name_zh"]


def test_keys_without_search_lists_every_agency_of_the_registry(built):
    r = cli(["keys", "agencies", "--format", "csv", "--out", str(built.out_dir)])
    assert r.exit_code == 0
    assert len(r.output.splitlines()) - 1 == built.stats["agencies"]
