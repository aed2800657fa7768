"""Progress bars on a terminal only; -q and -v; a line per file or graph only with -v.

The build runs as a subprocess whose standard error is a pseudo-terminal (``tests/tty_run.py``),
as at a person's terminal, or a pipe, as in a log or CI."""

from __future__ import annotations

import shutil
import subprocess
import sys

from click.testing import CliRunner
from tty_run import run_on_tty

from cgtkg.cli import main
from cgtkg.resources import REPO_ROOT

ESC = b"\x1b["


def test_build_draws_a_progress_bar_with_its_stages_on_a_terminal(tmp_path):
    code, out, terminal = run_on_tty(["build", "--out", str(tmp_path / "out")], cwd=REPO_ROOT)
    assert code == 0, terminal.decode(errors="replace")
    assert ESC in terminal and b"building" in terminal
    assert b"building: extract" in terminal or b"building: validate" in terminal
    assert b"built 50 documents" in out and ESC not in out  # the summary stays plain


def test_build_output_in_a_pipe_has_no_bar_and_no_control_characters(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cgtkg.cli", "build", "--out", str(tmp_path / "out")],
                          cwd=REPO_ROOT, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for stream in (proc.stdout, proc.stderr):
        assert ESC not in stream and b"\r" not in stream and b"building" not in stream
    assert b"built 50 documents" in proc.stdout


def test_quiet_build_on_a_terminal_prints_nothing_at_all(tmp_path):
    code, out, terminal = run_on_tty(["-q", "build", "--out", str(tmp_path / "out")], cwd=REPO_ROOT)
    assert code == 0
    assert out == b"" and terminal.strip() == b""


def test_verbose_lists_per_file_lines_and_the_default_only_counts(tmp_path, corpus_dir, built_texts):
    """On the five English texts: warnings are counted by default, listed with -v (both
    builds rebuild a copy of the session's build with the texts: a build reports the
    warnings of the texts it reuses as it reports those of the texts it extracts)."""
    out = tmp_path / "out"
    shutil.copytree(built_texts.out_dir, out, symlinks=True)
    normal = CliRunner().invoke(main, ["build", "--out", str(out), "--corpus", str(corpus_dir)])
    verbose = CliRunner().invoke(main, ["-v", "build", "--out", str(out), "--corpus", str(corpus_dir)])
    assert normal.exit_code == verbose.exit_code == 0, normal.output
    files = sorted(p.name for p in corpus_dir.glob("*.txt"))
    per_file = [f for f in files if f"  {f}:" in verbose.output]
    assert per_file == files
    assert not any(f"  {f}:" in normal.output for f in files)
    assert "warning(s): `cgtkg -v build` lists them" in normal.output
    assert normal.output.count(": warning: ") == 0 < verbose.output.count(": warning: ")


def test_q_and_v_together_are_refused():
    r = CliRunner().invoke(main, ["-q", "-v", "stats"])
    assert r.exit_code == 2 and "contradict" in r.output
