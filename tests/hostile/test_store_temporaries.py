"""Issue 26, item 10: a ``.current.tmp-PID`` link left by a build killed before its rename is
removed by the next build or publish; the temporaries of live processes are left alone."""

from __future__ import annotations

import os
import subprocess
import sys

from cgtkg.graph.store import check_output_dir, remove_stale_temporaries
from hostile_support import publish_tiny


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid  # reaped: no process has this id now (reuse within the test is unlikely)


def test_a_stale_current_tmp_link_is_removed_on_the_next_publish(tiny_out):
    pid = dead_pid()
    stale = tiny_out / f".current.tmp-{pid}"
    stale.symlink_to("generations/gone")
    stale_file = tiny_out / f".last-build.txt.tmp-{pid}"
    stale_file.write_text("half written")
    live = tiny_out / f".current.tmp-{os.getppid()}"  # a live process: maybe a build in progress
    live.symlink_to("generations/other")
    folder = tiny_out / f".keep.tmp-{pid}"  # not a link or file: never ours to remove
    folder.mkdir()
    publish_tiny(tiny_out)
    assert not stale.is_symlink() and not stale_file.exists()
    assert live.is_symlink() and folder.is_dir()
    assert (tiny_out / "current").is_symlink()


def test_a_stale_tmp_link_is_removed_when_the_next_build_claims_the_folder(tiny_out):
    stale = tiny_out / f".current.tmp-{dead_pid()}"
    stale.symlink_to("generations/gone")
    assert check_output_dir(tiny_out) is None
    assert not stale.is_symlink()
    assert remove_stale_temporaries(tiny_out) == []
