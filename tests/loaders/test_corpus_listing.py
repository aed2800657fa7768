"""Every input file of a corpus folder is accounted for, under a key of its own.

Data: small files written by the tests themselves (names and layout modelled on how public
collections of Chinese laws are kept: a folder per category and region, Chinese file names
with the date in brackets).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cgtkg.graph.namespaces import DEFAULT_BASE
from cgtkg.loaders.text.corpus import extract_corpus, list_corpus
from cgtkg.loaders.text.source import file_key

REGULATION = """# 示范市诊所管理条例

2020年5月14日示范市第十五届人民代表大会常务委员会第二十一次会议通过

第一条 为了规范诊所的设置和执业，制定本条例。

第二条 市卫生健康主管部门负责全市诊所的监督管理工作。

第三条 本条例自2020年7月1日起施行。
"""


def test_machine_names_keep_their_old_keys():
    assert file_key("000_64c341db65d1524d.txt") == "000-64c341db65d1524d"
    assert file_key("roundup.txt") == "roundup"


@pytest.mark.parametrize("a, b", [
    ("行政法规/诊所条例(2011-01-08).md", "行政法规/药店条例(2011-01-08).md"),  # only Chinese differs
    ("经济法/广告法(2021-04-29).md", "行政法/广告法(2021-04-29).md"),  # one name, two folders
    ("诊所条例(2020).md", "诊所条例（2020）.md"),  # full-width brackets
    ("clinic_rules.txt", "clinic-rules.txt"),  # punctuation
    ("a__b.txt", "a_b.txt"),
    ("notice.txt", "notice.md"),
    ("Notice.txt", "notice.txt"),
])
def test_paths_that_differ_get_different_keys(a, b):
    assert file_key(a) != file_key(b)


def test_keys_are_stable_ascii_and_readable():
    key = file_key("行政法规/诊所条例(2011-01-08).md")
    assert key == file_key(Path("行政法规") / "诊所条例(2011-01-08).md")  # same path, same key
    assert key.isascii() and key.startswith("2011-01-08-")
    assert file_key("诊所条例.md").startswith("file-")


def test_a_collection_laid_out_in_folders_is_read_recursively_and_data_files_are_skipped(tmp_path):
    (tmp_path / "地方性法规" / "示范市").mkdir(parents=True)
    (tmp_path / "地方性法规" / "示范市" / "诊所条例(2020-05-14).md").write_text(REGULATION, encoding="utf-8")
    (tmp_path / "其他").mkdir()
    (tmp_path / "其他" / "诊所条例(2020-05-14).md").write_text(REGULATION, encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("file,title\na.md,x\n", encoding="utf-8")
    (tmp_path / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: x\n")
    listing = list_corpus(tmp_path)
    assert sorted(f.rel for f in listing.files) == ["其他/诊所条例(2020-05-14).md",
                                                     "地方性法规/示范市/诊所条例(2020-05-14).md"]
    assert len({f.key for f in listing.files}) == 2
    assert {s["file"]: s["status"] for s in listing.skipped} == {"cover.png": "skipped",
                                                                  "metadata.csv": "skipped"}
    assert "not a text file (.csv" in next(s["reason"] for s in listing.skipped if s["file"] == "metadata.csv")


def test_extract_corpus_accounts_for_every_file(tmp_path, registry):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "诊所条例.md").write_text(REGULATION, encoding="utf-8")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "诊所条例.md").write_text(REGULATION.replace("诊所", "药店"), encoding="utf-8")
    (tmp_path / "b" / "empty.txt").write_text("\n")
    (tmp_path / "b" / "broken.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "rows.json").write_text("[]")
    result = extract_corpus(tmp_path, registry, DEFAULT_BASE)
    totals = result.report["totals"]
    assert totals["files"] == 5
    assert (totals["files_built"], totals["files_empty"], totals["files_failed"], totals["files_skipped"]) \
        == (2, 1, 1, 1)
    assert len({str(g) for g, _ in result.graphs}) == 2
    files = {f["file"] for f in result.report["files"]}
    assert files == {"a/诊所条例.md", "b/诊所条例.md", "b/empty.txt", "b/broken.txt", "rows.json"}
