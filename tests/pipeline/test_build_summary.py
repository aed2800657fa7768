"""What a build prints about the pairs of documents it could not tell apart: the first few,
and every one only when asked (``cgtkg -v build``). The whole of corpus-zh gives about 750
such pairs; printed one per line they buried the rest of the summary.

Data: decisions made up for the unit test (document keys of my own); the session's build of
the repository's data and the five English texts, which has one ambiguous pair.
"""

from __future__ import annotations

import shutil

from cgtkg.graph.matching import Decision
from click.testing import CliRunner

from cgtkg.cli import main
from cgtkg.pipeline import resolve as R

DOC = "https://w3id.org/cgt-kg/id/doc/"


def _resolution(pairs: int) -> R.Resolution:
    res = R.Resolution()
    res.ambiguous = [Decision(f"{DOC}plan-{n}-a", f"{DOC}plan-{n}-b", 6.0, "ambiguous",
                              ["+3 same title", f"not merged: plan-{n}-a matches plan-{n}-c too"])
                     for n in range(pairs)]
    return res


def test_the_first_pairs_are_printed_and_the_rest_only_with_verbose():
    shown, detail = _resolution(R.AMBIGUOUS_SHOWN + 3).summary()
    listed = [line for line in shown if "ambiguous, not merged" in line]
    assert [line.split(": ", 1)[1].split(" (")[0] for line in listed] == [
        f"plan-{n}-a / plan-{n}-b" for n in range(R.AMBIGUOUS_SHOWN)]
    assert "and 3 more ambiguous pair(s)" in shown[-1] and "cgtkg -v build" in shown[-1]
    assert [line.split(": ", 1)[1].split(" (")[0] for line in detail] == [
        f"plan-{n}-a / plan-{n}-b" for n in range(R.AMBIGUOUS_SHOWN, R.AMBIGUOUS_SHOWN + 3)]
    # the headline counts them all
    assert f"{R.AMBIGUOUS_SHOWN + 3} ambiguous pair(s) not merged" in shown[0]


def test_a_few_pairs_are_all_printed():
    shown, detail = _resolution(R.AMBIGUOUS_SHOWN).summary()
    assert sum("ambiguous, not merged" in line for line in shown) == R.AMBIGUOUS_SHOWN
    assert detail == [] and not any("more ambiguous" in line for line in shown)


def test_the_build_command_prints_the_rest_with_verbose(built_texts, corpus_dir, tmp_path, monkeypatch):
    assert built_texts.report["resolution"]["ambiguous"], "the session build has an ambiguous pair"
    out = tmp_path / "out"
    shutil.copytree(built_texts.out_dir, out, symlinks=True)
    monkeypatch.setattr(R, "AMBIGUOUS_SHOWN", 0)
    args = ["build", "--corpus", str(corpus_dir), "--out", str(out)]
    quiet = CliRunner().invoke(main, args)
    assert quiet.exit_code == 0, quiet.output
    assert "ambiguous, not merged" not in quiet.output
    assert "… and 1 more ambiguous pair(s)" in quiet.output
    verbose = CliRunner().invoke(main, ["-v", *args])
    assert verbose.exit_code == 0, verbose.output
    assert "ambiguous, not merged: fi-negative-list-2024 / x-special-administrative" in verbose.output
