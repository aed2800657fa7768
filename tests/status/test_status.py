"""`cgtkg status` against questions answered by hand from the sources (questions.yaml).

Each question was answered from the source texts (the records' `sources`, ../shared/corpus)
before the command existed; the test runs `cgtkg status --format json` on the default build
(the `built` session fixture: a real on-disk store) and compares the answer, the deciding
provision, the parts of a conditional answer and the conditions, then prints the table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from cgtkg.graph.namespaces import DEFAULT_BASE
from click.testing import CliRunner

from cgtkg.cli import main

QUESTIONS = yaml.safe_load((Path(__file__).parent / "questions.yaml").read_text(encoding="utf-8"))
DOC = f"{DEFAULT_BASE}doc/"


def cli(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def ask(out: Path, q: dict, *extra: str):
    args = ["status", "--place", q["place"], "--activity", q["activity"], "--date", str(q["date"]),
            "--out", str(out), *extra]
    if q.get("addressee"):
        args += ["--addressee", q["addressee"]]
    return cli(args)


def doc(local: str | None) -> str | None:
    return None if local is None else DOC + local


def short(iri: str | None) -> str:
    return "-" if iri is None else iri.removeprefix(DOC)


def test_the_table_has_the_questions_the_issue_requires():
    assert len(QUESTIONS) >= 20
    asked = {(q["place"], q["date"].isoformat()) for q in QUESTIONS}
    for place in ("ftz-beijing", "hainan-ftp"):
        assert (place, "2025-01-01") in asked and (place, "2024-06-01") in asked
    assert ("chongqing", "2025-01-01") in asked
    assert any(q["answer"] == "unknown" for q in QUESTIONS)
    assert len({q["id"] for q in QUESTIONS}) == len(QUESTIONS)


def test_status_gives_the_hand_answers_and_cites_the_deciding_rule(built):
    results, wrong = [], []
    for q in QUESTIONS:
        r = ask(built.out_dir, q, "--format", "json")
        assert r.exit_code == 0, (q["id"], r.output)
        got = json.loads(r.stdout)
        problems = []
        if got["answer"] != q["answer"]:
            problems.append(f"answer {got['answer']} != {q['answer']}")
        if got["deciding"] != doc(q["deciding"]):
            problems.append(f"deciding {short(got['deciding'])} != {q['deciding']}")
        parts = {p["scope"].split(" ", 1)[1]: p["answer"] for p in got["parts"]}
        for scope, answer in (q.get("parts") or {}).items():
            if parts.get(scope) != answer:
                problems.append(f"part {scope}: {parts.get(scope)} != {answer}")
        conditions = {c["rule"] for c in got["conditions"]}
        for cond in q.get("conditions") or []:
            if doc(cond) not in conditions:
                problems.append(f"condition {cond} missing")
        overridden = {o["rule"] for o in got["overrides"]}
        for rule in q.get("overrides") or []:
            if doc(rule) not in overridden:
                problems.append(f"override {rule} missing")
        context = {c["rule"] for c in got["context"]}
        for rule in q.get("context") or []:
            if doc(rule) not in context:
                problems.append(f"context {rule} missing")
        if got["answer"] == "unknown":
            assert got["reason"], f"{q['id']}: an unknown answer must say why"
        results.append((q["id"], q["answer"], got["answer"], short(got["deciding"]),
                        "ok" if not problems else "; ".join(problems)))
        if problems:
            wrong.append(q["id"])
    width = max(len(r[0]) for r in results)
    print(f"\n{'question':{width}}  {'expected':11}  {'got':11}  deciding / result")
    for qid, want, got, deciding, verdict in results:
        print(f"{qid:{width}}  {want:11}  {got:11}  {deciding}  [{verdict}]")
    print(f"{len(results) - len(wrong)}/{len(results)} questions answered as by hand")
    assert not wrong, f"answers differ from the hand answers: {wrong}"


def test_each_override_says_why_and_derogation_names_its_relation(built):
    q = QUESTIONS[0]
    got = json.loads(ask(built.out_dir, q, "--format", "json").stdout)
    why = {o["rule"]: o for o in got["overrides"]}
    derogation = why[doc("fi-negative-list-2024/item/1")]
    assert derogation["why"] == "derogation"
    assert derogation["relation"].endswith("/relation/derogatesFrom/fi-negative-list-2024")
    assert derogation["relation_source"].endswith("source/hankun-ftz-pilot-article")
    assert why[doc("fi-guidance-catalogue-2007/item/1")]["why"] == "more specific place"
    assert got["deciding_rule"]["in_force"] == "2024-09-08"
    assert got["deciding_rule"]["source"].endswith("source/hankun-ftz-pilot-article")


def test_the_action_plan_only_announces_a_pilot_and_never_decides(built):
    for q in QUESTIONS:
        got = json.loads(ask(built.out_dir, q, "--format", "json").stdout)
        assert got["deciding"] != doc("fi-action-plan-2024/item/1"), q["id"]


def test_timeline_shows_when_the_answer_changed_in_the_beijing_zone(built):
    r = cli(["status", "--place", "ftz-beijing", "--activity", "stem-cells", "--addressee",
             "foreign-invested-enterprises", "--timeline", "--format", "json", "--out", str(built.out_dir)])
    assert r.exit_code == 0, r.output
    steps = [(s["from"], s["answer"], short(s["deciding"])) for s in json.loads(r.stdout)["timeline"]]
    assert steps == [
        ("2007-11-30", "unknown", "-"),
        ("2007-12-01", "prohibited", "fi-guidance-catalogue-2007/item/1"),
        ("2024-09-08", "permitted", "healthcare-opening-pilot-notice-2024/item/1"),
    ], steps


def test_timeline_in_chongqing_moves_to_the_2024_list_and_never_opens(built):
    r = cli(["status", "--place", "chongqing", "--activity", "stem-cells", "--addressee",
             "foreign-invested-enterprises", "--timeline", "--format", "json", "--out", str(built.out_dir)])
    steps = [(s["from"], s["answer"]) for s in json.loads(r.stdout)["timeline"]]
    assert ("2024-11-01", "prohibited") in steps
    assert all(answer != "permitted" for _, answer in steps)


@pytest.mark.parametrize("args, code, message", [
    (["--place", "ftz-bejing"], 2, "did you mean rg:ftz-beijing"),
    (["--place", "th:stem-cells"], 2, "therapy key, not a region key"),
    (["--activity", "stem-cell"], 2, "did you mean th:stem-cells"),
    (["--addressee", "foreign-invested-enterprise"], 2, "did you mean cv:foreign-invested-enterprises"),
    (["--date", "2024-02-30"], 2, "not a calendar day"),
    (["--date", "01/01/2025"], 2, "not a calendar day"),
])
def test_bad_keys_and_dates_exit_2_with_the_cause(built, args, code, message):
    given = {"--place": "ftz-beijing", "--activity": "stem-cells", "--date": "2025-01-01"}
    extra = []
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag in given:
            given[flag] = value
        else:
            extra += [flag, value]
    argv = ["status", *[x for kv in given.items() for x in kv], *extra, "--out", str(built.out_dir)]
    r = CliRunner().invoke(main, argv)
    assert r.exit_code == code, r.output
    assert message in r.output


def test_prefixed_and_bare_keys_give_the_same_answer(built):
    answers = set()
    for place, activity in (("ftz-beijing", "stem-cells"), ("rg:ftz-beijing", "th:stem-cells")):
        r = cli(["status", "--place", place, "--activity", activity, "--date", "2025-01-01",
                 "--addressee", "cv:foreign-invested-enterprises", "--format", "json", "--out", str(built.out_dir)])
        got = json.loads(r.stdout)
        answers.add((got["answer"], got["deciding"]))
    assert len(answers) == 1


def test_no_store_exits_2(tmp_path):
    r = CliRunner().invoke(main, ["status", "--place", "ftz-beijing", "--activity", "stem-cells",
                                  "--date", "2025-01-01", "--out", str(tmp_path / "none")])
    assert r.exit_code == 2, r.output


def test_table_format_names_answer_deciding_rule_overrides_and_conditions(built):
    r = CliRunner(env={"COLUMNS": "200"}).invoke(main, [
        "status", "--place", "ftz-beijing", "--activity", "stem-cells", "--date", "2025-01-01",
        "--addressee", "foreign-invested-enterprises", "--out", str(built.out_dir)])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].endswith(": PERMITTED")
    assert any(line.startswith("deciding: doc:healthcare-opening-pilot-notice-2024/item/1") for line in lines)
    assert any("doc:fi-negative-list-2024/item/1" in line and "derogation" in line for line in lines)
    assert any("doc:healthcare-opening-pilot-notice-2024/item/2" in line for line in lines)


def test_table_timeline_lists_each_change(built):
    r = CliRunner(env={"COLUMNS": "200"}).invoke(main, [
        "status", "--place", "hainan-ftp", "--activity", "stem-cells", "--timeline",
        "--addressee", "foreign-invested-enterprises", "--out", str(built.out_dir)])
    assert r.exit_code == 0, r.output
    rows = [line.split() for line in r.stdout.splitlines() if line[:4].isdigit()]
    assert [(row[0], row[1]) for row in rows] == [
        ("2007-11-30", "unknown"), ("2007-12-01", "prohibited"), ("2024-09-08", "permitted")]
