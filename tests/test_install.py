"""A normal install works: the wheel built from this checkout, installed into a fresh venv
outside it, runs ``cgtkg run`` and lists the saved queries with only what the wheel carries
(ontology, shapes, registries, saved queries, curated records, web assets).

The venv borrows the test environment's third-party packages through a ``.pth`` file instead
of downloading them again; cgtkg itself comes only from the wheel (checked)."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from cgtkg.resources import REPO_ROOT

pytestmark = pytest.mark.slow

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_DIR: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=600, **kw)


def _source_copy(dest: Path) -> Path:
    """What an sdist holds: pyproject, README and the mapped folders (no venv, store, caches)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "out", ".venv", "*.egg-info")
    for folder in sorted({f.split("/")[0] for f in PACKAGE_DIR.values()}):
        shutil.copytree(REPO_ROOT / folder, dest / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO_ROOT / name).exists():
            shutil.copy2(REPO_ROOT / name, dest / name)
    return dest


def _expected_data() -> list[str]:
    """Every data file the build and the queries read, as the wheel must name it."""
    wanted = []
    for package, pattern in (("cgtkg.ontology", "**/*.ttl"), ("cgtkg.queries", "*.rq"),
                             ("cgtkg.data", "**/*.yaml"), ("cgtkg.graph", "web/*")):
        root = REPO_ROOT / PACKAGE_DIR[package]
        prefix = package.replace(".", "/")
        wanted += [f"{prefix}/{p.relative_to(root).as_posix()}" for p in root.glob(pattern) if p.is_file()]
    return wanted


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("install")
    t0 = time.time()
    src = _source_copy(tmp / "src")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", src])
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((tmp / "dist").glob("cgtkg-*.whl"))
    t_wheel = time.time() - t0

    venv = tmp / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    # third-party dependencies from this environment, appended after the venv's own site-packages
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib"), *site.getsitepackages()}
    (purelib / "_cgtkg_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    inst = _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel])
    assert inst.returncode == 0, inst.stderr[-3000:]
    print(f"\nwheel built in {t_wheel:.1f} s ({wheel.stat().st_size // 1024} KiB), installed in "
          f"{time.time() - t0 - t_wheel:.1f} s")
    elsewhere = tmp / "elsewhere"  # outside the checkout: no graph/, ontology/ ... nearby
    elsewhere.mkdir()
    return {"wheel": wheel, "venv": venv, "python": python, "cwd": elsewhere, "tmp": tmp}


def test_the_wheel_carries_the_data(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    missing = [n for n in _expected_data() if n not in names]
    assert not missing, f"not in the wheel: {missing[:10]}"
    assert not [n for n in names if n.split("/")[0] in ("graph", "loaders", "ontology", "queries", "data")], \
        "the wheel installs top-level packages besides cgtkg"


def test_cgtkg_is_imported_from_the_venv_not_the_checkout(installed):
    probe = ("import cgtkg, cgtkg.graph.store, cgtkg.loaders.records, cgtkg.cli\n"
             "from cgtkg.resources import resource_dir\n"
             "for m in (cgtkg, cgtkg.graph.store, cgtkg.loaders.records, cgtkg.cli): print(m.__file__)\n"
             "print(resource_dir('ontology'))\n")
    r = _run([installed["python"], "-c", probe], cwd=installed["cwd"])
    assert r.returncode == 0, r.stderr
    for line in r.stdout.splitlines():
        assert Path(line).resolve().is_relative_to(installed["venv"].resolve()), line
        assert not Path(line).resolve().is_relative_to(REPO_ROOT.resolve()), line
    if (REPO_ROOT / "cgtkg" / "api.py").exists():
        r = _run([installed["python"], "-c", "from cgtkg import KnowledgeGraph; print(KnowledgeGraph)"],
                 cwd=installed["cwd"])
        assert r.returncode == 0, r.stderr


def test_cgtkg_run_and_queries_from_the_wheel(installed, built):
    """The installed command builds the same graph as the checkout: same records, same
    ontology, shapes, registries and code (the report's input hashes), same counts."""
    cgtkg = installed["venv"] / "bin" / "cgtkg"
    out = installed["tmp"] / "out"
    t0 = time.time()
    r = _run([cgtkg, "run", "--out", out], cwd=installed["cwd"])
    print(f"cgtkg run from the wheel: exit {r.returncode} in {time.time() - t0:.1f} s")
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    for name in ("store", "graph.trig", "graph.ttl", "build-report.json"):
        assert (out / name).exists(), f"{name} not written"
    report = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
    assert report["inputs"]["records"] == len(list((REPO_ROOT / "data" / "records").glob("*.yaml")))
    assert report["inputs"] == built.report["inputs"], "the wheel read other records, ontology or code"
    assert report["stats"] == built.report["stats"]
    print(f"from the wheel: {report['stats']['documents']} documents, {report['stats']['triples']} triples, "
          "the same as from the checkout")

    listed = _run([cgtkg, "queries"], cwd=installed["cwd"])
    assert listed.returncode == 0, listed.stderr
    names = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
    expected = {p.stem for p in (REPO_ROOT / "queries").glob("*.rq")}
    assert expected <= names, f"not listed: {sorted(expected - names)}"
