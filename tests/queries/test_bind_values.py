"""`# bind: values` in a saved query's header: the embedded store gets the parameters as a
VALUES block written into the text (as remote engines do) instead of pyoxigraph
substitutions, and answers exactly as with substitutions (queries/README.md, rule 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cgtkg.graph import query as Q
from query_helpers import CASES, differences, example_params, saved_query_names
from rdflib import URIRef

HEADER = """# Which provisions does one agency own?
# One row per provision.
#
# param: agency (iri, default ag:nmpa) - the agency
{bind}# example: cgtkg query mine --param agency=ag:nmpa
PREFIX cgt: <https://w3id.org/cgt-kg/ontology#>
SELECT ?agency ?provision WHERE {{ ?provision cgt:responsibleAgency ?agency }}
"""
AGENCY = URIRef("https://w3id.org/cgt-kg/id/agency/nmpa")


def test_the_bind_line_is_read_and_is_not_part_of_the_description():
    q = Q.load_text(HEADER.format(bind="# bind: values\n"), "mine")
    assert q.bind == "values"
    assert "One row per provision." in q.description
    assert not any("bind" in line for line in q.description)
    assert Q.load_text(HEADER.format(bind=""), "mine").bind == "substitution"
    assert Q.load_text(HEADER.format(bind="# bind: substitution\n"), "mine").bind == "substitution"


def test_an_unknown_bind_mode_names_the_file_and_line():
    with pytest.raises(Q.QueryError, match=r"mine\.rq:5: .*'# bind: values'.*'later'"):
        Q.load_text(HEADER.format(bind="# bind: later\n"), "mine", Path("mine.rq"))


def test_the_store_is_given_a_values_block_or_substitutions_as_the_header_says():
    values = Q.load_text(HEADER.format(bind="# bind: values\n"), "mine")
    text, subs = Q.local_call(values, values.text, {"agency": AGENCY})
    assert subs == {} and f"VALUES (?agency) {{ (<{AGENCY}>) }}" in text
    plain = Q.load_text(HEADER.format(bind=""), "mine")
    text, subs = Q.local_call(plain, plain.text, {"agency": AGENCY})
    assert subs == {"agency": AGENCY} and text == plain.text
    # without parameters there is nothing to write
    assert Q.local_call(values, values.text, {}) == (values.text, {})


def test_saved_queries_that_bind_values_answer_as_with_substitutions(fixture_store):
    named = [n for n in saved_query_names() if Q.load(n).bind == "values"]
    assert named, "no saved query says '# bind: values'"
    answered = 0
    for name in named:
        q = Q.load(name)
        calls = [case.get("params") or {} for case in CASES.get(name, [])] + [example_params(q)]
        for params in calls:
            bindings = Q.resolve_bindings(q, params)
            rows = Q.run_local(fixture_store, q, bindings).rows
            substituted = fixture_store.query(q.text, bindings=dict(bindings))
            assert not differences(rows, substituted), (name, params)
            answered += bool(rows)
    assert answered >= len(named), answered  # each answers with rows at least once
