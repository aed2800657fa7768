"""The synthetic corpus: reproducible, and its regulations cite national laws the way real
ones do (a liability article naming them by quoted title), so the benchmark measures
citations at scale. (``benchmarks`` is run as a module from the repository, as the README
says, not imported: this test folder shares its name.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from cgtkg.graph.namespaces import DCTERMS, DEFAULT_BASE, ELI
from cgtkg.loaders.text import extract_file

from cgtkg.pipeline.build import REPO_ROOT, load_registry


def _generate(folder: Path, n: int, seed: int) -> list[Path]:
    subprocess.run([sys.executable, "-m", "benchmarks.generate", "--n", str(n), "--seed", str(seed),
                    str(folder)], cwd=REPO_ROOT, check=True, capture_output=True, timeout=120)
    return sorted(folder.glob("*.txt"))


def test_the_same_seed_writes_the_same_corpus(tmp_path):
    a, b = _generate(tmp_path / "a", 12, 3), _generate(tmp_path / "b", 12, 3)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    c = _generate(tmp_path / "c", 12, 4)
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_regulations_cite_national_laws_that_the_records_describe(tmp_path):
    regulations = [p for p in _generate(tmp_path / "corpus", 60, 7) if "regulation" in p.name]
    registry = load_registry(REPO_ROOT / "ontology", DEFAULT_BASE)
    cited, citing = set(), 0
    for path in regulations:
        g = extract_file(path, registry, DEFAULT_BASE).graph
        links = list(g.subject_objects(ELI.cites))
        citing += bool(links)
        for provision, law in links:
            assert "/article/" in str(provision), "the liability article cites, not the document"
            cited |= {str(t) for t in g.objects(law, DCTERMS.title)}
    assert 0 < citing < len(regulations), "some regulations cite laws, not all"
    # every law named is a curated record, so the build links the texts' copies to it
    titles = {yaml.safe_load(p.read_text(encoding="utf-8"))["title"]["en"]
              for p in Path(REPO_ROOT / "data" / "records").glob("*.yaml")}
    assert len(cited) >= 3 and cited <= titles, cited - titles
