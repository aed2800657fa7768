"""One name for the build folder (--out DIR) in every command and one for what a command
writes (--output); the old spellings still work, with a warning."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rdflib import Dataset

from cgtkg.cli import main

# every command that reads or writes a build folder ("serve" when it is there)
READS_THE_BUILD = ["build", "run", "stats", "query", "export", "push", "network", "keys", "serve"]


def cli(args, **kw):
    return CliRunner().invoke(main, args, catch_exceptions=False, **kw)


def visible_options(command: str) -> set[str]:
    cmd = main.every_command()[command]
    return {o for p in cmd.params if not getattr(p, "hidden", False) for o in getattr(p, "opts", [])}


@pytest.mark.parametrize("command", READS_THE_BUILD)
def test_every_command_names_the_build_folder_out(command):
    if command not in main.every_command():
        pytest.skip(f"no `cgtkg {command}` in this tree")
    shown = visible_options(command)
    assert "--out" in shown
    assert "--dest" not in shown
    if command != "network":  # network's --from is a date
        assert "--from" not in shown
    out = next(p for p in main.every_command()[command].params if "--out" in getattr(p, "opts", []))
    assert str(out.default) == "out"


def test_output_names_what_export_and_network_write():
    for command in ("export", "network"):
        assert {"--output", "-o"} <= visible_options(command)


def test_query_from_still_works_and_warns(built):
    new = cli(["query", "agency-measures", "--format", "json", "--out", str(built.out_dir)])
    old = cli(["query", "agency-measures", "--format", "json", "--from", str(built.out_dir)])
    assert old.exit_code == 0
    assert "--from is deprecated; write --out" in old.stderr
    assert json.loads(old.stdout) == json.loads(new.stdout)


def test_export_old_spellings_still_work(built, tmp_path):
    target = tmp_path / "kg.trig"
    r = cli(["export", "--from", str(built.out_dir), "--out", str(target)])  # before: --out was the file
    assert r.exit_code == 0, r.output
    assert "--from is deprecated" in r.stderr and f"write --output {target}" in r.stderr
    new = tmp_path / "new.trig"
    assert cli(["export", "--out", str(built.out_dir), "-o", str(new)]).exit_code == 0
    old_ds, new_ds = Dataset(), Dataset()
    old_ds.parse(target, format="trig")
    new_ds.parse(new, format="trig")
    assert len(old_ds) == len(new_ds) > 1000


def test_network_dest_still_works_and_warns(built, tmp_path):
    r = cli(["network", "--out", str(built.out_dir), "--dest", str(tmp_path / "net")])
    assert r.exit_code == 0, r.output
    assert "--dest is deprecated; write --output" in r.stderr
    assert (tmp_path / "net" / "network.html").is_file()


def test_old_and_new_spelling_together_is_bad_input(built):
    r = cli(["query", "agency-measures", "--out", str(built.out_dir), "--from", str(built.out_dir)])
    assert r.exit_code == 2 and "give --out only" in r.output
