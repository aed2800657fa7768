"""The incremental cache key: what makes a rebuild redo every unit (#26 item 11).

A unit is reused when its digest is unchanged; the digest must cover everything that turns
its input into triples — the code, the ontology and registries, the shapes — so that no one
has to remember to bump a version string. Data: the repository's own records and ontology,
copied into the test's folder before one of them is changed.
"""

from __future__ import annotations

import shutil

import pytest

import cgtkg.pipeline.build
from cgtkg.pipeline.build import REPO_ROOT, BuildOptions, build


@pytest.fixture
def republished(built, tmp_path):
    """A copy of the session's build and of the ontology: a rebuild of it redoes nothing."""
    out = tmp_path / "out"
    shutil.copytree(built.out_dir, out, symlinks=True)
    onto = tmp_path / "ontology"
    shutil.copytree(REPO_ROOT / "ontology", onto)
    first = build(BuildOptions(out_dir=out, ontology_dir=onto))
    assert first.ok and first.report["units"]["rebuilt"] == 0, "same inputs: nothing to redo"
    return out, onto


@pytest.mark.parametrize("change", ["shapes", "registry", "code"])
def test_a_change_of_shapes_registries_or_code_redoes_every_unit(republished, monkeypatch, change):
    out, onto = republished
    if change == "shapes":
        (onto / "shapes.ttl").write_text((onto / "shapes.ttl").read_text(encoding="utf-8") + "\n# edited\n",
                                         encoding="utf-8")
    elif change == "registry":
        f = onto / "registries" / "therapies.ttl"
        f.write_text(f.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    else:  # a loader edited between two builds: the code's fingerprint differs
        monkeypatch.setattr(cgtkg.pipeline.build, "code_fingerprint", lambda: "another version of the code")
    again = build(BuildOptions(out_dir=out, ontology_dir=onto))
    assert again.ok
    assert again.report["units"]["rebuilt"] == again.report["units"]["units"], again.report["units"]
