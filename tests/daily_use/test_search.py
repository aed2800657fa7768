"""Search in Chinese and English, and every documented `cgtkg query` example returning rows.

Examples are collected from README.md, docs/*.md, queries/README.md and the `# example:`
lines of queries/*.rq, and run on the repository's build (`--endpoint` runs locally instead).
Checks (`*-violation`) must return nothing; the few questions only Chinese originals or
news texts can answer run on a build with ../shared/corpus and three Chinese originals
of ../shared/corpus-zh (two laws, one local regulation)."""

from __future__ import annotations

import csv
import io
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cgtkg.cli import main
from cgtkg.resources import REPO_ROOT

# answered from what the text loaders extract, never from curated records
NEEDS_TEXTS = {
    "document-history": "legislative history of a Chinese original",
    "document-copies": "the texts' copies of a record",
    "documents-by-level": "legal level of a Chinese original",
    "provisional-bodies": "body names found in texts",
    "unresolved-mentions": "body names found in texts",
}
# review lists: empty when every body-shaped name of the texts resolves (none of the real
# texts tried names a body of unknown function; tests/loaders covers invented ones)
MAY_BE_EMPTY = {"provisional-bodies"}
ZH_LAWS = ["行政法/生物安全法(2020-10-17).md", "经济法/广告法(2021-04-29).md",
           "上海地方法规/地方性法规/上海/上海口岸服务条例(2020-05-14).md"]


def cli(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def rows(out_dir: Path, name: str, *args: str) -> list[dict]:
    r = cli(["query", name, *args, "--format", "csv", "--out", str(out_dir)])
    assert r.exit_code == 0, (name, args, r.output)
    return list(csv.DictReader(io.StringIO(r.stdout)))


def documented_examples() -> list[list[str]]:
    texts = [REPO_ROOT / "README.md", REPO_ROOT / "queries" / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
    call = re.compile(r"(?m)^\s*(cgtkg query [a-z][^\n#>|`]*)")
    lines = [m.group(1) for t in texts for m in call.finditer(t.read_text("utf-8"))]
    lines += [line.split("example:", 1)[1].strip() for p in sorted((REPO_ROOT / "queries").glob("*.rq"))
              for line in p.read_text("utf-8").splitlines() if line.startswith("# example:")]
    out = []
    for line in dict.fromkeys(lines):
        argv = shlex.split(line)[2:]
        if "--endpoint" in argv:  # the same question, asked of the local store
            i = argv.index("--endpoint")
            del argv[i:i + 2]
        if argv[0].endswith(".rq"):
            continue  # "any query file works too": a placeholder name
        out.append([a for a in argv if a not in ("--format", "csv", "json", "tsv")])
    return out


EXAMPLES = documented_examples()


def test_examples_are_collected_from_every_place_they_are_documented():
    names = {e[0] for e in EXAMPLES}
    assert len(EXAMPLES) >= 40
    assert {"keyword-search", "region-measures", "agency-measures", "therapy-timeline"} <= names


@pytest.mark.parametrize("argv", EXAMPLES, ids=[" ".join(e) for e in EXAMPLES])
def test_every_documented_example_returns_rows_on_the_default_build(built, argv):
    name = argv[0]
    if name in NEEDS_TEXTS:
        pytest.skip(f"{name}: {NEEDS_TEXTS[name]} (test_examples_that_need_texts_answer_on_a_text_build)")
    r = cli(["query", *argv, "--format", "json", "--out", str(built.out_dir)])
    assert r.exit_code == 0, r.output
    if name.endswith("-violation"):
        assert '"bindings": []' in r.stdout
    elif '"boolean"' in r.stdout:
        assert '"boolean": true' in r.stdout
    else:
        assert '"bindings": []' not in r.stdout, f"{' '.join(argv)} returns no rows"


@pytest.fixture(scope="module")
def text_build(tmp_path_factory, corpus_dir, corpus_zh_dir):
    texts = tmp_path_factory.mktemp("texts")
    for f in corpus_dir.glob("*.txt"):
        shutil.copy(f, texts / f.name)
    for rel in ZH_LAWS:
        (texts / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus_zh_dir / rel, texts / rel)
    out = tmp_path_factory.mktemp("text-build") / "out"
    r = cli(["-q", "build", "--out", str(out), "--corpus", str(texts)])
    assert r.exit_code == 0, r.output
    return out


def test_examples_that_need_texts_answer_on_a_text_build(text_build):
    for argv in EXAMPLES:
        if argv[0] in NEEDS_TEXTS:
            found = rows(text_build, *argv)  # exit 0, checked in rows()
            assert found or argv[0] in MAY_BE_EMPTY, f"{' '.join(argv)} returns no rows on a build with texts"


@pytest.mark.parametrize("keyword, field", [
    ("细胞", "therapy"),        # the Chinese name of a therapy type
    ("干细胞", "therapy"),
    ("深圳", "place"),          # the Chinese name of a region
    ("药监局", "responsible body"),  # the Chinese short name of NMPA
    ("生物安全法", "title"),    # a curated record's Chinese title
    ("NMPA", "issuer"),
    ("stem cell", "summary"),
    ("CAR-T", "title"),
])
def test_keyword_search_finds_rows_in_chinese_and_english(built, keyword, field):
    found = rows(built.out_dir, "keyword-search", "--param", f"keyword={keyword}")
    assert found, keyword
    assert field in {r["field"] for r in found}
    for r in found:  # every row says where it matched, and it does contain the word
        assert keyword.lower() in r["text"].lower()


def test_a_hostile_keyword_is_text_and_matches_nothing(built):
    assert rows(built.out_dir, "keyword-search", "--param", 'keyword=" } ; DROP ALL ; SELECT * { "') == []
    assert rows(built.out_dir, "keyword-search", "--param", "keyword=细胞")  # the store is untouched


def test_chinese_titles_come_from_the_chinese_originals(corpus_zh_dir):
    """A record whose Chinese original is in corpus-zh carries its title, word for word as
    the original's metadata gives it (the YAML names the file)."""
    import yaml

    titles = {}
    with (corpus_zh_dir / "metadata.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            titles[row["file"]] = row["title"]
    cited = 0
    for path in sorted((REPO_ROOT / "data" / "records").glob("*.yaml")):
        text = path.read_text("utf-8")
        m = re.search(r"\n  zh: .*# the title of the Chinese original \(corpus-zh: (.+)\)", text)
        if m:
            cited += 1
            assert yaml.safe_load(text)["title"]["zh"] == titles[m.group(1)], path.name
    assert cited >= 6


def test_a_record_with_a_chinese_title_is_found_by_it(built):
    found = rows(built.out_dir, "keyword-search", "--param", "keyword=中华人民共和国药品管理法")
    assert {r["resource"].rsplit("/", 1)[-1] for r in found if r["field"] == "title"} == {"prc-drug-administration-law"}
