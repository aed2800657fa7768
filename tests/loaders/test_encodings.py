"""Bad and unusual input: encodings, BOM, CRLF, full-width punctuation, empty, binary, huge.

Every problem names the file and, where there is one, the line; one bad file never stops
the rest of the corpus."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cgtkg.graph.namespaces import DEFAULT_BASE
from cgtkg.loaders.text import extract_corpus
from cgtkg.loaders.text.source import read_source


def _responsible(fr) -> dict[str, set[str]]:
    return {p.number: {m.key for m in p.responsible}
            for d in fr.extraction.documents for p in d.all_provisions()}


def test_gb18030_file_is_decoded_with_a_warning_and_extracted_like_utf8(extract, fixture_text):
    text = fixture_text("regulation_zh.txt")
    utf8 = extract(text, "utf8.txt")
    gb = extract(text.encode("gb18030"), "gb.txt")
    assert gb.source.encoding == "gb18030"
    warn = [p for p in gb.problems if "not UTF-8" in p.message]
    assert warn and warn[0].severity == "warning" and warn[0].line == 1
    assert str(warn[0].file).endswith("gb.txt")
    assert _responsible(gb) == _responsible(utf8)
    assert gb.source.raw == utf8.source.raw


def test_bom_and_crlf_keep_offsets_meaning_the_same_thing(extract, fixture_text):
    text = fixture_text("measures_mixed.txt")
    plain = extract(text, "plain.txt")
    crlf = extract(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"), "crlf.txt")
    assert crlf.source.encoding == "utf-8-sig"
    assert crlf.source.raw == plain.source.raw
    assert _responsible(crlf) == _responsible(plain)
    # a quote taken at the recorded offsets is the text of the provision
    p = next(p for d in crlf.extraction.documents for p in d.all_provisions() if p.number == "4")
    assert crlf.source.raw[p.span.start:p.span.end].startswith("4. Strengthen oversight")


def test_full_width_punctuation_is_read_like_ascii(extract):
    text = ("深圳市细胞产业若干措施（示例）\n"
            "1．建设公共服务平台\n支持建设细胞制备公共平台。（责任单位：市科技创新委、市卫生健康委）\n"
            "2．优化审批服务\n优化细胞产品审批流程。（责任单位：市市场监管局）\n"
            "3．加强人才培养\n引进细胞治疗领域人才。（责任单位：市人民政府）\n")
    fr = extract(text, "fullwidth.txt")
    doc = fr.extraction.documents[0]
    assert [p.printed for p in doc.provisions] == ["1．", "2．", "3．"]
    assert [p.number for p in doc.provisions] == ["1", "2", "3"]
    # the quote keeps the full-width characters as printed
    first = doc.provisions[0]
    assert "（责任单位：" in fr.source.raw[first.span.start:first.span.end]


def test_binary_and_undecodable_files_fail_with_file_and_line(tmp_path):
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"line one\nline two\n\x89PNG\x00\x00\x01\x02")
    src, problems = read_source(binary)
    assert src is None
    assert problems[0].severity == "error" and problems[0].line == 3
    assert "binary" in problems[0].message
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"fine\nstill fine\n\xff\xfe\xfd garbage \x81\x82 not text\n")
    src, problems = read_source(broken)
    assert src is None
    assert problems[0].severity == "error" and problems[0].line == 3


def test_empty_file_is_a_warning(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"\xef\xbb\xbf \r\n\t\r\n")
    for name in ("empty.txt", "blank.txt"):
        src, problems = read_source(tmp_path / name)
        assert src is None
        assert [p.severity for p in problems] == ["warning"]
        assert "empty" in problems[0].message


def test_huge_and_broken_files_do_not_stop_the_corpus(tmp_path, registry, fixture_text, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(fixture_text("measures_mixed.txt"), encoding="utf-8")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (corpus / "empty.txt").write_bytes(b"")
    line = (b"1. A measure line that repeats to make a very large text file for the test\n")
    with open(corpus / "huge.txt", "wb") as f:  # 50 MB of ordinary text
        chunk = line * 20000
        for _ in range(50 * 1024 * 1024 // len(chunk) + 1):
            f.write(chunk)
    assert (corpus / "huge.txt").stat().st_size >= 50 * 1024 * 1024
    read = []  # the file over the limit is refused from its size alone, never read
    real_read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or real_read_bytes(self))
    result = extract_corpus(corpus, registry, DEFAULT_BASE)
    monkeypatch.undo()
    assert "huge.txt" not in read and "good.txt" in read
    by_file = {f["file"]: f for f in result.report["files"]}
    assert by_file["good.txt"]["status"] == "ok"
    assert by_file["good.txt"]["documents"][0]["provisions_found"] == 4
    assert by_file["huge.txt"]["status"] == "failed" and "MB" in by_file["huge.txt"]["reason"]
    assert by_file["binary.txt"]["status"] == "failed"
    assert by_file["empty.txt"]["status"] == "empty"
    errors = {str(p.file).rsplit("/", 1)[-1] for p in result.problems if p.severity == "error"}
    assert errors == {"huge.txt", "binary.txt"}
    assert [str(g).rsplit("/", 1)[-1] for g, _ in result.graphs] == ["good"]
    assert any("huge.txt" in line for line in result.summary_lines())


def _regulation(n_articles: int) -> str:
    parts = ["Demonstration Regulations on Cell Banking\n",
             "(Adopted at the 3rd Meeting of the Standing Committee of the 1st Tianjin Municipal "
             "People's Congress on May 5, 2024)\n", "Chapter 1 General Provisions\n"]
    for n in range(1, n_articles + 1):
        parts.append(f"Article {n}: The municipal health department shall keep the records of "
                     f"cell bank number {n} for thirty years and share them with cell banks.\n")
        parts.append("(1) the donor's consent;\n(2) the date of collection.\n")
    return "".join(parts)


def _calls(fn):
    """How many Python function calls ``fn()`` makes: a measure of work that, unlike a
    timing, does not depend on what else the machine is doing."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profile)
    try:
        result = fn()
    finally:
        sys.setprofile(None)
    return count, result


@pytest.mark.slow
def test_extraction_work_grows_linearly_with_the_text(tmp_path, registry, shared):
    """Above the default size limit only on request; then the work stays linear, not
    quadratic: three times the articles must not cost much more than three times the calls
    (a quadratic step would cost nine times)."""
    from cgtkg.loaders.text import extract_file

    calls = {}
    for n in (100, 300):
        d = tmp_path / f"n{n}"
        d.mkdir()
        (d / "big.txt").write_text(_regulation(n), encoding="utf-8")
        calls[n], fr = _calls(lambda d=d: extract_file(d / "big.txt", registry, DEFAULT_BASE,
                                                       max_bytes=16 * 1024 * 1024, _shared=shared))
        doc = fr.report["documents"][0]
        assert doc["provisions_by_type"] == {"article": n, "chapter": 1, "item": 2 * n}
        assert doc["responsibility_links"] == n  # Tianjin's health body, from the context
    assert calls[300] / calls[100] < 4.5, calls


def test_the_size_limit_is_a_build_option(tmp_path, fixture_text):
    """`cgtkg build --max-text-mb`: a text over the limit is refused with an error naming it
    and the limit; raising the limit extracts it, and the build redoes that text."""
    from cgtkg.loaders.text.source import DEFAULT_MAX_BYTES
    from click.testing import CliRunner

    from cgtkg.cli import main
    from cgtkg.pipeline.build import BuildOptions

    assert BuildOptions().max_text_bytes == DEFAULT_MAX_BYTES
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = fixture_text("measures_mixed.txt")
    (corpus / "measures.txt").write_text(text, encoding="utf-8")
    limit_mb = len(text.encode("utf-8")) / 2 / (1024 * 1024)  # half the file's size
    out = tmp_path / "out"
    args = ["build", "--out", str(out), "--corpus", str(corpus)]
    refused = CliRunner().invoke(main, args + ["--max-text-mb", f"{limit_mb:.6f}"])
    # a refused text is an error on that file; the records and other texts are still built
    # and published, and the exit code tells a script that an input file was left out
    assert refused.exit_code == 6, refused.output
    assert "measures.txt: error: file is" in refused.output and "KB limit" in refused.output
    assert "--max-text-mb" in refused.output and "0 provision(s)" in refused.output
    accepted = CliRunner().invoke(main, ["-v"] + args)  # per-file lines need -v
    assert accepted.exit_code == 0, accepted.output
    assert "measures.txt" in accepted.output and "4 provision(s)" in accepted.output


def test_one_article_of_a_thousand_duties_is_read_in_linear_work(registry, shared, tmp_path):
    """An article that repeats "The municipal health department shall …" (#26 item 4): each
    duty's subject is looked for in a bounded window and each name's passage found by a
    binary search, so four times the text costs about four times the calls, not sixteen."""
    from cgtkg.loaders.text import extract_file

    head = ("Demonstration Regulations on Cell Banking\n(Adopted at the 3rd Meeting of the Standing "
            "Committee of the 1st Tianjin Municipal People's Congress on May 5, 2024)\n"
            "Chapter 1 General Provisions\nArticle 1: These rules apply.\nArticle 2: ")
    calls = {}
    for k in (100, 400):
        path = tmp_path / f"duties{k}.txt"
        path.write_text(head + "The municipal health department shall keep records. " * k
                        + "\nArticle 3: Done.\n", encoding="utf-8")
        calls[k], fr = _calls(lambda path=path: extract_file(path, registry, DEFAULT_BASE, _shared=shared))
        art2 = fr.extraction.documents[0].provisions[0].children[1]
        assert [m.key for m in art2.responsible][:1] == ["tianjin-hc"]
    assert calls[400] / calls[100] < 6, calls


def test_a_file_over_its_time_budget_is_left_out_not_the_build(registry, shared, tmp_path, fixture_text):
    """A per-file budget (cgtkg build --max-text-seconds) turns a pathological file into a
    reported failure; the next file is extracted as usual (#26 item 4)."""
    from cgtkg.loaders.text import extract_file

    path = tmp_path / "slow.txt"
    path.write_text(fixture_text("measures_mixed.txt") * 20, encoding="utf-8")
    fr = extract_file(path, registry, DEFAULT_BASE, _shared=shared, budget_s=0.001)
    assert fr.graph is None and fr.report["status"] == "failed"
    assert any("per-file budget" in p.message and p.severity == "error" for p in fr.problems)
    ok = extract_file(path, registry, DEFAULT_BASE, _shared=shared)  # the default budget
    assert ok.graph is not None and ok.report["status"] == "ok"
