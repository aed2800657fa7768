"""Issue 26: a fixed-seed mutation fuzzer over the loaders' real inputs.

Seeds: the fixture texts (``tests/loaders/fixtures``), one text with front matter and a
sidecar, and the curated records (``data/records``).  Mutations: truncation, byte flips,
duplicated, dropped and reordered lines, another encoding (UTF-16 with and without its byte
order mark, GB18030, Latin-1 bytes), inserted control characters and NUL bytes, a very long
line.  The asserts are invariants, never outputs (STYLE.md, "Inputs you do not trust"):

- the text loader never raises and accounts for every input file;
- the record loader returns problems (or raises ``BadInput``), never another exception;
- ``cgtkg build`` exits with a code from the README's table, never with a traceback, and the
  store published before it still answers.

The seed is fixed (``CGTKG_FUZZ_SEED`` overrides it) and every assertion message names the
seed and the case, so a failure reproduces with ``case(seed, name)``.  Bounded: a few dozen
small files, two builds in subprocesses; under a minute.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cgtkg.graph.errors import BadInput
from cgtkg.graph.namespaces import DEFAULT_BASE
from cgtkg.loaders.records import RecordCompiler, Registry, load_yaml
from cgtkg.loaders.text.corpus import extract_corpus

from cgtkg.pipeline.build import REPO_ROOT, load_registry

SEED = int(os.environ.get("CGTKG_FUZZ_SEED", "20261206"))
FIXTURES = REPO_ROOT / "tests" / "loaders" / "fixtures"
RECORDS = REPO_ROOT / "data" / "records"
STATUSES = {"ok", "empty", "failed", "quarantined", "skipped"}
EXIT_CODES = {0, 1, 2, 5, 6}  # README: 0 ok, 1 violations, 2 bad input, 5 store, 6 inputs left out

FRONT_MATTER = """---
title: Measures on Cell Therapy
issuers: [NMPA]
dates: {document: 2023-05-01}
genre: regulation_articles
---
Measures on Cell Therapy

Article 1 These Measures take effect on May 1, 2023.
Article 2 The municipal health department shall supervise cell therapy; enterprises may apply.
"""
SIDECAR = "title: Notice on stem cells\nissuers: [NHC]\ndates: {document: 2022-01-09}\nregions: [shanghai]\n"
CONTROLS = [b"\x00", b"\x07", b"\x1b[2J", b"\x0b", b"\x0c", b"\x7f", b"\xc2\x85", b"\xe2\x80\xa8",
            b"\xef\xbb\xbf", b"\r", b"\xed\xa0\x80"]


# ---------------------------------------------------------------- the mutator

def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [data]


def _reencode(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    enc = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "gb18030", "latin-1", "utf-8-sig"])
    return text.encode(enc, errors="replace")


def _mutate_once(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    op = rng.choice(["truncate", "flip", "dup-line", "drop-line", "reorder", "encoding",
                     "control", "nul-late", "long-line", "splice"])
    n = len(data)
    if op == "truncate" and n:
        return op, data[: rng.randrange(n)]
    if op == "flip" and n:
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(n)] = rng.randrange(256)
        return op, bytes(b)
    if op in ("dup-line", "drop-line", "reorder"):
        lines = _lines(data)
        i = rng.randrange(len(lines))
        if op == "dup-line":
            lines[i:i] = [lines[i]] * rng.randint(1, 50)
        elif op == "drop-line":
            del lines[i]
        else:
            j = min(len(lines), i + rng.randint(2, 12))
            part = lines[i:j]
            rng.shuffle(part)
            lines[i:j] = part
        return op, b"".join(lines)
    if op == "encoding":
        return op, _reencode(data, rng)
    if op == "control":
        b = bytearray(data)
        for _ in range(rng.randint(1, 5)):
            i = rng.randint(0, len(b))
            b[i:i] = rng.choice(CONTROLS)
        return op, bytes(b)
    if op == "nul-late":  # past the first 64 KiB, where the old check never looked
        return op, data + b"\n" * 10 + data * max(1, (70_000 // max(n, 1))) + b"tail\x00here\n"
    if op == "long-line":
        return op, data + (b"The municipal health department shall " * rng.randint(50, 400)) + b"\n"
    # splice: the head of this file onto a tail of itself, cut at random places
    a, b = sorted(rng.randrange(n + 1) for _ in range(2))
    return op, data[:a] + data[b:] + data[a:b]


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One to three mutations; returns their names (the case) and the bytes."""
    ops = []
    for _ in range(rng.randint(1, 3)):
        op, data = _mutate_once(data, rng)
        ops.append(op)
    return "+".join(ops), data


def text_seeds() -> dict[str, bytes]:
    seeds = {p.name: p.read_bytes() for p in sorted(FIXTURES.glob("*.txt"))}
    seeds["front_matter.md"] = FRONT_MATTER.encode("utf-8")
    return seeds


def make_corpus(folder: Path, rng: random.Random, per_seed: int) -> list[str]:
    """Write mutated texts (and a mutated sidecar for some) into ``folder``; the cases."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for name, data in text_seeds().items():
        for k in range(per_seed):
            ops, mutated = mutate(data, rng)
            stem, suffix = name.rsplit(".", 1)
            out = folder / f"{stem}-{k}.{suffix}"
            out.write_bytes(mutated)
            cases.append(f"{out.name}: {ops}")
            if rng.random() < 0.25:
                sops, side = mutate(SIDECAR.encode("utf-8"), rng)
                Path(f"{out}.meta.yaml").write_bytes(side)
                cases.append(f"{out.name}.meta.yaml: {sops}")
    return cases


def where(case: str) -> str:
    return f"seed {SEED} (CGTKG_FUZZ_SEED={SEED}); case {case}"


# ---------------------------------------------------------------- the loaders

@pytest.fixture(scope="module")
def registry():
    return load_registry(REPO_ROOT / "ontology", DEFAULT_BASE)


def test_fuzz_decode_never_raises_and_never_lets_a_nul_through():
    """The cheapest layer, many cases: bytes -> text in every encoding path."""
    from cgtkg.loaders.text.source import decode

    rng = random.Random(SEED + 4)
    seeds = list(text_seeds().values())
    for i in range(400):
        ops, data = mutate(rng.choice(seeds), rng)
        case = f"decode #{i}: {ops}"
        try:
            text, _, problems = decode(data, Path("doc.txt"))
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"{type(e).__name__}: {e}\n{where(case)}")
        assert text is not None or any(p.severity == "error" for p in problems), where(case)
        assert text is None or "\x00" not in text, where(case)


def test_fuzz_text_loader_accounts_for_every_file(registry, tmp_path):
    rng = random.Random(SEED)
    corpus = tmp_path / "corpus"
    cases = make_corpus(corpus, rng, per_seed=4)
    (corpus / "table.csv").write_bytes(b"a,b\n1,2\n")  # skipped, and still counted
    inputs = sorted(p.relative_to(corpus).as_posix() for p in corpus.iterdir()
                    if not p.name.endswith(".meta.yaml"))
    try:
        result = extract_corpus(corpus, registry, DEFAULT_BASE)
    except Exception as e:  # noqa: BLE001 - the invariant is "never raises"
        pytest.fail(f"extract_corpus raised {type(e).__name__}: {e}\n{where(cases)}")
    report = result.report
    assert report["totals"]["files"] == len(inputs), where(cases)
    assert sorted(f["file"] for f in report["files"]) == inputs, where(cases)
    bad = [(f["file"], f.get("status")) for f in report["files"] if f.get("status") not in STATUSES]
    assert not bad, f"{bad}\n{where(cases)}"
    json.dumps(report, ensure_ascii=False, default=str)  # the report can be written


def test_fuzz_record_loader_returns_problems_never_crashes(registry, tmp_path):
    rng = random.Random(SEED + 1)
    seeds = sorted(RECORDS.glob("*.yaml"))
    reg = Registry(registry, DEFAULT_BASE)
    keys = {p.stem for p in seeds}
    compiler = RecordCompiler(reg, {"x"}, DEFAULT_BASE, keys)
    for i in range(80):
        seed = seeds[i % len(seeds)] if i < len(seeds) else rng.choice(seeds)
        ops, data = mutate(seed.read_bytes(), rng)
        path = tmp_path / f"{seed.stem}-{i}.yaml"
        path.write_bytes(data)
        case = f"{seed.name} #{i}: {ops}"
        try:
            load_yaml(path)
            compiled = compiler.compile(path)
        except BadInput:
            continue
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"{type(e).__name__}: {e}\n{where(case)}")
        for p in compiled.problems:
            assert p.file is not None and str(p), where(case)


# ---------------------------------------------------------------- the command line

def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cgtkg.cli", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONFAULTHANDLER": "1"})


def stats_lines(out: Path) -> str:
    r = cli("stats", "--out", str(out), timeout=60)
    assert r.returncode == 0 and "Traceback" not in r.stdout + r.stderr, r.stdout + r.stderr
    return r.stdout


@pytest.mark.parametrize("which", ["records-and-texts", "texts"])
def test_fuzz_build_exits_with_a_code_from_the_table_and_keeps_the_published_store(which, tiny_out, tmp_path):

    before = stats_lines(tiny_out)
    rng = random.Random(SEED + (2 if which == "texts" else 3))
    corpus = tmp_path / "corpus"
    cases = make_corpus(corpus, rng, per_seed=1)
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records)
    if which == "records-and-texts":
        for p in rng.sample(sorted(records.glob("*.yaml")), 3):
            ops, data = mutate(p.read_bytes(), rng)
            p.write_bytes(data)
            cases.append(f"records/{p.name}: {ops}")
    r = cli("build", "--records", str(records), "--corpus", str(corpus), "--out", str(tiny_out))
    output = r.stdout + r.stderr
    print(f"build exit {r.returncode}; {where(cases)}")  # shown with -s or on failure
    assert r.returncode in EXIT_CODES, f"exit {r.returncode}\n{output[-3000:]}\n{where(cases)}"
    assert "Traceback" not in output, f"{output[-3000:]}\n{where(cases)}"
    after = stats_lines(tiny_out)
    if r.returncode not in (0, 6):  # nothing published: the previous store answers, unchanged
        assert after == before, f"exit {r.returncode}: the published store changed\n{where(cases)}"
    last = (tiny_out / "last-build.txt").read_text(encoding="utf-8")
    assert last.startswith(f"exit code {r.returncode}"), where(cases)
