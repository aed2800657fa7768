"""Reading a text file into a :class:`SourceText`: bytes -> characters, safely.

Why this is its own module: every later step quotes the source by character offsets, so the
decoded text must be stable and the offsets must mean one thing.  Offsets count Unicode code
points in the text *after* decoding, dropping a byte-order mark and turning CRLF / CR line
ends into LF.  Nothing else is changed in :attr:`SourceText.raw`, which is what quotes are
taken from.  The analysis view :attr:`SourceText.text` folds full-width ASCII, ideographic
spaces and curly quotes onto plain ASCII one character for one character, so that a regular
expression written for ``(1)`` also sees ``（1）`` while every offset stays valid for ``raw``.

Bad input never raises out of here: :func:`read_source` returns problems that name the file,
the line and the cause (binary, undecodable, too large, empty).
"""

from __future__ import annotations

import bisect
import codecs
import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath

from cgtkg.graph.errors import Problem

#: Files larger than this are refused before they are read: policy texts are kilobytes, and
#: a file of tens of megabytes is a mistake (a dump, a binary) that must not stall a build.
DEFAULT_MAX_BYTES = 8 * 1024 * 1024

_CJK_ENCODINGS = {
    "gb18030", "gbk", "gb2312", "hz", "big5", "big5hkscs", "cp950", "cp936",
    "euc_jp", "shift_jis", "cp932", "euc_kr", "utf_16", "utf_16_le", "utf_16_be",
}
# GBK and GB2312 are subsets of GB18030: decoding with the superset never loses characters.
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_PREFERRED = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "hz": "hz"}


def _fold_table() -> dict[int, str]:
    table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}  # full-width ASCII
    table.update({
        0x3000: " ", 0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x202F: " ",
        0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x2032: "'",
        0x3014: "[", 0x3015: "]", 0x3010: "[", 0x3011: "]", 0xFEFF: " ", 0x200B: " ",
    })
    return table


FOLD = _fold_table()


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    start: int
    end: int  # exclusive, without the newline
    text: str  # analysis view


@dataclass
class SourceText:
    """One decoded input file with offset helpers; see the module docstring for offsets."""

    path: Path
    key: str
    raw: str
    encoding: str
    sha256: str
    text: str = ""
    line_starts: list[int] = field(default_factory=list)
    rel: str = ""  # the path relative to the corpus folder, when read as part of one

    def __post_init__(self) -> None:
        if not self.text:
            self.text = self.raw.translate(FOLD)
        assert len(self.text) == len(self.raw)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.raw)]

    @classmethod
    def from_string(cls, text: str, name: str = "<string>") -> SourceText:
        """For tests and library use: a text that did not come from a file."""
        text = normalise_newlines(text.lstrip("\ufeff"))
        return cls(Path(name), file_key(name), text, "utf-8",
                   hashlib.sha256(text.encode("utf-8")).hexdigest())

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def lines(self) -> list[Line]:
        """The lines of the analysis view (a fresh list; the lines are built once per text,
        and again only if :attr:`text` is replaced, as front matter blanking does)."""
        cached = self.__dict__.get("_lines")
        if cached is None or cached[0] is not self.text:
            out = []
            for i, start in enumerate(self.line_starts):
                end = self.line_starts[i + 1] - 1 if i + 1 < len(self.line_starts) else len(self.raw)
                out.append(Line(i + 1, start, end, self.text[start:end]))
            cached = self.__dict__["_lines"] = (self.text, out)
        return list(cached[1])

    def script_counts(self, limit: int) -> tuple[int, int]:
        """Chinese characters and Latin letters (``[\u3400-\u9fff]``, ``[A-Za-z]``) in the
        first ``limit`` characters of the analysis view: every genre's detector weighs
        them, so they are counted once per text and sample length."""
        cached = self.__dict__.get("_scripts")
        if cached is None or cached[0] is not self.text:
            cached = self.__dict__["_scripts"] = (self.text, {})
        got = cached[1].get(limit)
        if got is None:
            sample = self.text[:limit]
            got = cached[1][limit] = (_CJK_CHAR.subn("", sample)[1], _LATIN_LETTER.subn("", sample)[1])
        return got

    def quote(self, start: int, end: int) -> str:
        return self.raw[start:end]

    @property
    def name(self) -> str:
        """The file as reports name it: its path in the corpus, else its file name."""
        return self.rel or self.path.name


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_TEXT_SUFFIXES = (".txt", ".text", ".md", ".markdown")
_LEGACY_STEM = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


def file_key(name: str | PurePath) -> str:
    """Stable, unique key of a file from its path relative to the corpus folder.

    A ``.txt`` file at the top of the corpus whose name is lowercase letters, digits and
    single underscores keeps the slug of its name (``000_64c3.txt`` -> ``000-64c3``): that mapping
    is one-to-one on such names. Every other path (a subfolder, Chinese characters, capitals,
    hyphens, spaces, full-width punctuation) gets the ASCII slug of its name for reading plus
    ten hex digits of the SHA-256 of the whole relative path (NFC, ``/``-separated), so two
    files never share a key: not the same name in two folders, not names that differ only in
    punctuation or width, not names with no ASCII at all."""
    rel = PurePosixPath(unicodedata.normalize("NFC", PurePath(name).as_posix()))
    stem = rel.name
    for suffix in _TEXT_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if len(rel.parts) == 1 and _LEGACY_STEM.fullmatch(stem) and rel.name == stem + ".txt":
        return stem.replace("_", "-")
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:48].strip("-")
    digest = hashlib.sha256(str(rel).encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{digest}" if slug else f"file-{digest}"


_NAME_DATE = re.compile(r"[(（\[_ -]\s*(?P<y>(?:19|20)\d{2})\s*[-.年_]?\s*(?P<m>\d{1,2})\s*[-.月_]?\s*"
                        r"(?P<d>\d{1,2})\s*日?\s*[)）\]]?$")


def name_date(name: str) -> dt.date | None:
    """The date a collection prints at the end of a file's name: ``专利代理条例(2018-11-06).md``,
    ``…（2018年11月6日）.txt``, ``…_20181106.md``. Collections of Chinese laws name each file
    after the title and the date of the version it holds, which the text's own history often
    omits (an amending decision that is not listed, a local regulation's later announcement)."""
    stem = PurePath(name).name
    stem = stem[: -len(PurePath(stem).suffix)] if PurePath(stem).suffix else stem
    m = _NAME_DATE.search(stem)
    if not m:
        return None
    try:
        return dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    except ValueError:
        return None


#: Files that are not policy texts: skipped with a line in the report, never parsed.
NOT_TEXT = {
    **dict.fromkeys((".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".parquet", ".xls", ".xlsx",
                     ".ods", ".sqlite", ".db"), "tabular or structured data"),
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".svg",
                     ".ico"), "an image"),
    **dict.fromkeys((".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar"), "an archive"),
    **dict.fromkeys((".pdf", ".doc", ".docx", ".odt", ".rtf", ".ppt", ".pptx", ".epub"),
                    "a document format that needs converting to text first"),
    **dict.fromkeys((".ttl", ".nt", ".nq", ".trig", ".rdf", ".owl", ".jsonld"), "RDF data"),
    **dict.fromkeys((".yaml", ".yml", ".toml", ".ini", ".cfg"), "a configuration or metadata file"),
    **dict.fromkeys((".py", ".js", ".sh", ".exe", ".so", ".dll", ".pyc"), "code or a program"),
}


def not_text_reason(path: PurePath) -> str | None:
    """Why a file is not read as a policy text (by its suffix), or ``None`` if it is read."""
    suffix = PurePath(path).suffix.lower()
    kind = NOT_TEXT.get(suffix)
    return f"not a text file ({suffix}: {kind}); skipped" if kind else None


def _line_at_byte(data: bytes, index: int) -> int:
    return data.count(b"\n", 0, index) + 1


_BINARY = "binary file (NUL byte); expected a plain-text policy document"
_UTF16_SAMPLE = 1 << 16


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when ``data`` looks like UTF-16 written without a byte
    order mark, else ``None``.

    UTF-16 puts a NUL byte in every character below U+0100 (ASCII, newlines, digits): at odd
    offsets in little-endian, at even ones in big-endian, and a line end is the unit 0A 00
    (or 00 0A).  A binary file has its NULs on both sides and a text file with a stray NUL has
    one or two.  So, in the first 64 KiB of a file of even length: at least two line-end units
    of one byte order and twice as many as of the other; or, for a text of one line (or
    Chinese text, where 一 U+4E00 also holds a NUL), at least four NULs, three quarters of them
    on one side.  The caller then decodes strictly and checks that the result reads as text."""
    if len(data) % 2 or len(data) < 4:
        return None
    sample = data[:_UTF16_SAMPLE]
    lo, hi = sample[0::2], sample[1::2]
    nl_le = sum(1 for a, b in zip(lo, hi) if b == 0 and a in (10, 13))
    nl_be = sum(1 for a, b in zip(lo, hi) if a == 0 and b in (10, 13))
    if max(nl_le, nl_be) >= 2 and max(nl_le, nl_be) >= 2 * min(nl_le, nl_be):
        return "utf-16-le" if nl_le > nl_be else "utf-16-be"
    even, odd = lo.count(0), hi.count(0)
    if max(even, odd) < 4 or max(even, odd) < 3 * min(even, odd):
        return None
    return "utf-16-le" if odd > even else "utf-16-be"


def _reads_as_text(text: str) -> bool:
    """No NUL, and next to no other control or unassigned characters (a decoding of bytes that
    are not text in that encoding is full of them)."""
    if "\x00" in text:
        return False
    sample = text[:_UTF16_SAMPLE]
    odd = sum(1 for c in sample if (c < " " and c not in "\t\n\r\f") or
              unicodedata.category(c) in ("Cn", "Co", "Cs"))
    return odd <= len(sample) // 50


def _nul_problem(path: Path, text: str) -> Problem:
    return Problem(path, text.count("\n", 0, text.find("\x00")) + 1, _BINARY)


def decode(data: bytes, path: Path) -> tuple[str | None, str, list[Problem]]:
    """Bytes -> text.  Returns (text or None, encoding name, problems).

    A NUL anywhere in the file, in any encoding, makes it "binary" (an error naming the line):
    no NUL ever reaches a literal of the graph."""
    text, encoding, problems = _decode(data, path)
    if text is not None and "\x00" in text:
        return None, "binary", [_nul_problem(path, text)]
    return text, encoding, problems


def _decode(data: bytes, path: Path) -> tuple[str | None, str, list[Problem]]:
    problems: list[Problem] = []
    if data.startswith(codecs.BOM_UTF8):
        enc, body = "utf-8-sig", data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return normalise_newlines(data.decode("utf-16")), "utf-16", problems
        except UnicodeDecodeError as e:
            return None, "utf-16", [Problem(path, None, f"cannot decode UTF-16 text: {e.reason}")]
    else:
        enc, body = "utf-8", data
    nul = body.find(b"\x00")  # anywhere, not only at the start (issue 26, item 10)
    if nul >= 0:
        utf16 = _utf16_without_bom(body) if enc == "utf-8" else None
        if utf16 is not None:
            try:
                text = body.decode(utf16)
            except UnicodeDecodeError:
                text = None
            if text is not None and _reads_as_text(text):
                return normalise_newlines(text), utf16, [Problem(
                    path, None, f"not UTF-8: decoded as {utf16} (UTF-16 without a byte order "
                    "mark, told by where its NUL bytes fall); please convert the file to UTF-8",
                    "warning")]
        return None, "binary", [Problem(path, _line_at_byte(body, nul), _BINARY)]
    try:
        return normalise_newlines(body.decode("utf-8")), enc, problems
    except UnicodeDecodeError as e:
        bad_line = _line_at_byte(body, e.start)
    from charset_normalizer import from_bytes

    best = from_bytes(body[: 1 << 20]).best()
    guess = best.encoding if best is not None else None
    if guess in _CJK_ENCODINGS:
        encoding = _PREFERRED.get(guess, guess)
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as e:
            return None, encoding, [Problem(
                path, _line_at_byte(body, e.start),
                f"not UTF-8 (first bad byte on line {bad_line}) and not valid {encoding} "
                f"either: {e.reason}")]
        problems.append(Problem(
            path, bad_line,
            f"not UTF-8: decoded as {encoding} (detected by charset-normalizer); "
            "please convert the file to UTF-8", "warning"))
        return normalise_newlines(text), encoding, problems
    controls = sum(1 for b in body[:4096] if b < 9 or 13 < b < 32)
    cause = "looks binary" if controls > 8 else f"no known encoding fits (best guess: {guess})"
    return None, guess or "unknown", [Problem(
        path, bad_line, f"cannot decode: invalid UTF-8 at line {bad_line}, {cause}")]


def _size(n: int) -> str:
    """Bytes as MB (1 MB = 1024 x 1024 bytes, as `cgtkg build --max-text-mb` counts), or KB
    below a tenth of one so that a small limit does not print as 0.0 MB."""
    return f"{n / (1 << 20):.1f} MB" if n >= (1 << 20) // 10 else f"{n / 1024:.1f} KB"


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, key: str | None = None,
                rel: str = "") -> tuple[SourceText | None, list[Problem]]:
    """Read and decode one file; ``None`` with problems when it cannot be used. ``key``: the
    file's key in its corpus (:func:`file_key` of its relative path), else of its name."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        return None, [Problem(path, None, f"cannot read: {e.strerror}")]
    if size > max_bytes:
        return None, [Problem(
            path, None,
            f"file is {_size(size)}, over the {_size(max_bytes)} limit for one "
            "policy text; split it or raise the limit (cgtkg build --max-text-mb)")]
    try:
        data = path.read_bytes()
    except OSError as e:
        return None, [Problem(path, None, f"cannot read: {e.strerror}")]
    if not data.strip():
        return None, [Problem(path, 1, "empty file: nothing to extract", "warning")]
    text, encoding, problems = decode(data, path)
    if text is None:
        return None, problems
    if not text.strip("\ufeff \n\t\u3000"):
        return None, problems + [Problem(path, 1, "empty file: nothing to extract", "warning")]
    src = SourceText(path, key or file_key(path.name), text, encoding, hashlib.sha256(data).hexdigest(),
                     rel=rel)
    return src, problems
