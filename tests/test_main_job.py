"""`cgtkg run`, the README's first command, does what the README says it does."""

from __future__ import annotations

import json
import subprocess
import sys

from rdflib import Dataset

from cgtkg.resources import REPO_ROOT


def test_main_job_builds_answers_and_draws(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "cgtkg.cli", "run", "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    # the saved answers: NMPA owns Nansha measure 9, and the Guangdong region query counts Nansha
    assert "doc:nansha-market-access-opinions/measure/9" in proc.stdout
    assert "rg:nansha" in proc.stdout
    # outputs exist where it says, and the graph parses
    for path in ("store", "graph.trig", "graph.ttl", "build-report.json", "network/agencies.png",
                 "network/network.html"):
        assert (out / path).exists(), path
        assert str(out / path) in proc.stdout
    ds = Dataset()
    ds.parse(out / "graph.trig", format="trig")
    assert len(list(ds.graphs())) > 50
    # the network it drew is kept with the build: `cgtkg network` copies it, the same metrics
    again = subprocess.run([sys.executable, "-m", "cgtkg.cli", "network", "--out", str(out), "--output",
                            str(tmp_path / "again")], capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "drawn before from this build" in again.stdout
    assert (json.loads((tmp_path / "again" / "metrics.json").read_text(encoding="utf-8"))
            == json.loads((out / "network" / "metrics.json").read_text(encoding="utf-8")))
