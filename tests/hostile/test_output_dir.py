"""Item 3: `build --out DIR` deletes nothing that is not its own."""

from __future__ import annotations

import os

from cgtkg.graph.errors import EXIT_BAD_INPUT
from cgtkg.graph.store import GENERATIONS, check_output_dir, new_generation
from click.testing import CliRunner
from hostile_support import publish_tiny

from cgtkg.cli import main
from cgtkg.pipeline.build import BuildOptions, build


def _foreign(tmp_path):
    out = tmp_path / "thesis"
    (out / "store").mkdir(parents=True)
    (out / "store" / "important.txt").write_text("years of work")
    (out / GENERATIONS / "my-thesis").mkdir(parents=True)
    (out / GENERATIONS / "my-thesis" / "chapter1.tex").write_text("\\chapter{One}")
    (out / "graph.ttl").write_text("# mine\n")
    return out


def _snapshot(out):
    return {str(p.relative_to(out)): (p.read_bytes() if p.is_file() else None) for p in sorted(out.rglob("*"))}


def test_build_out_refuses_a_folder_that_is_not_a_cgtkg_output(tmp_path):
    out = _foreign(tmp_path)
    before = _snapshot(out)
    r = CliRunner().invoke(main, ["build", "--out", str(out)])
    assert r.exit_code == EXIT_BAD_INPUT, r.output
    assert "not a cgtkg build output" in r.output and "Traceback" not in r.output
    assert _snapshot(out) == before, "nothing in the folder may change"


def test_build_library_call_refuses_a_foreign_folder(tmp_path):
    """cgtkg.pipeline.build.build() itself refuses (the check runs before anything is written);
    needs `check_output_dir` called at the top of build()."""
    out = _foreign(tmp_path)
    before = _snapshot(out)
    res = build(BuildOptions(out_dir=out))
    assert res.exit_code == EXIT_BAD_INPUT
    assert any("not a cgtkg build output" in p.message for p in res.problems)
    assert _snapshot(out) == before


def test_check_output_dir_accepts_new_empty_and_own_folders(tmp_path, tiny_out):
    assert check_output_dir(tmp_path / "new") is None and (tmp_path / "new" / ".cgtkg-output").is_file()
    (tmp_path / "empty").mkdir()
    assert check_output_dir(tmp_path / "empty") is None
    assert check_output_dir(tiny_out) is None
    legacy = tmp_path / "legacy"  # made before the marker: a `current` link into generations/
    legacy.mkdir()
    (legacy / "generations" / "x").mkdir(parents=True)
    os.symlink("generations/x", legacy / "current")
    (legacy / "last-build.txt").write_text("exit code 0\n")
    assert check_output_dir(legacy) is None
    f = tmp_path / "file"
    f.write_text("x")
    assert check_output_dir(f) is not None


def test_only_generations_the_build_made_are_pruned(tiny_out):
    theirs = tiny_out / GENERATIONS / "my-thesis"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("keep me")
    lookalike = tiny_out / GENERATIONS / "20240101T000000-1-1"  # our name, not our content
    lookalike.mkdir()
    (lookalike / "data.csv").write_text("keep me too")
    stale = new_generation(tiny_out)  # one of ours that a killed build left behind
    (stale / "store").mkdir()
    first = (tiny_out / "current").resolve()
    publish_tiny(tiny_out)
    assert (theirs / "notes.txt").read_text() == "keep me"
    assert (lookalike / "data.csv").exists()
    assert not stale.exists() and not first.exists(), "the build's own old generations go"


def test_publish_keeps_a_real_file_at_a_published_name(tiny_out):
    link = tiny_out / "graph.ttl"
    link.unlink()
    link.write_text("# someone's own file\n")
    publish_tiny(tiny_out)
    assert link.is_symlink()
    kept = [p for p in tiny_out.iterdir() if p.name.startswith("graph.ttl.replaced-")]
    assert len(kept) == 1 and kept[0].read_text() == "# someone's own file\n"
