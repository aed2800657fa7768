"""Reading an RDF file nobody vouches for (``cgtkg validate FILE``): no network, no other file.

Why a module of its own: rdflib's parsers were written for trusted data.  Given a path, a
JSON-LD document may name a remote ``@context`` (rdflib fetches it over HTTP) or a
``file:///etc/passwd`` one (rdflib opens it), ``@import`` does the same from inside a
context, and a path to a FIFO or ``/dev/zero`` blocks or reads forever (issue 26, items 2
and 10).  Here the file is opened once, must be a regular file no larger than a limit, is
read into memory, and is parsed from those bytes; a JSON-LD document whose contexts are
not all written inline is refused before rdflib sees it.  Every failure is a
:class:`BadInput` naming the file (and the line where the parser says), which the CLI maps
to exit code 2.
"""

from __future__ import annotations

import json
import os
import stat
import warnings
from contextlib import contextmanager
from pathlib import Path

from cgtkg.graph.errors import BadInput, Problem
from rdflib import Dataset, Graph

MAX_BYTES = 64 * 1024 * 1024
MAX_JSON_DEPTH = 200
FORMATS = {".ttl": "turtle", ".turtle": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads",
           ".jsonld": "json-ld", ".json": "json-ld"}


def _bad(path: Path, message: str, line: int | None = None) -> BadInput:
    return BadInput([Problem(path, line, message)])


def read_regular_file(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``.

    Opened non-blocking, then checked on the open descriptor (no race between the check and
    the read): a FIFO, a device, a socket or a directory is refused without reading a byte.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise _bad(path, f"cannot read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _bad(path, "not a regular file (a pipe, a device or a directory); "
                             "give the path of an RDF file")
        if st.st_size > max_bytes:
            raise _bad(path, f"{st.st_size / 1e6:.1f} MB is over the limit of {max_bytes / 1e6:.1f} MB")
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > max_bytes:  # the file grew while we read it
                raise _bad(path, f"over the limit of {max_bytes / 1e6:.1f} MB")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as e:
        raise _bad(path, f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)


def guess_format(path: Path) -> str:
    return FORMATS.get(Path(path).suffix.lower(), "turtle")


def parse_untrusted(path: Path, fmt: str | None = None, *, max_bytes: int = MAX_BYTES) -> Graph:
    """Parse one RDF file into a graph (the triples of every graph of a TriG or N-Quads file).

    Nothing but ``path`` is read and nothing is fetched: relative IRIs resolve against the
    file's own IRI, and JSON-LD contexts must be written inline.
    """
    path = Path(path)
    fmt = fmt or guess_format(path)
    data = read_regular_file(path, max_bytes)
    public_id = path.resolve().as_uri()
    if fmt == "json-ld":
        return _parse_jsonld(path, data, public_id)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _bad(path, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    g = Graph()
    try:
        if fmt in ("trig", "nquads"):
            ds = Dataset()
            with _own_deprecations():
                ds.parse(data=text, format=fmt, publicID=public_id)
            g = _every_graph(ds)
        else:
            g.parse(data=text, format=fmt, publicID=public_id)
    except RecursionError:
        raise _bad(path, "nested too deeply to parse") from None
    except MemoryError:
        raise _bad(path, "too large to parse in memory") from None
    except Exception as e:  # noqa: BLE001 - untrusted input: any parser failure is bad input
        raise _bad(path, f"cannot parse as {fmt}: {_one_line(e)}", _line_of(e)) from None
    return g


@contextmanager
def _own_deprecations():
    """rdflib 7.6's own TriG and JSON-LD parsers use ``ConjunctiveGraph`` and
    ``Dataset.default_context``, both of which it deprecates: those warnings are rdflib's to
    mend, so they are not passed on (nothing else is silenced)."""
    with warnings.catch_warnings():
        for message in ("ConjunctiveGraph is deprecated", "Dataset.default_context is deprecated"):
            warnings.filterwarnings("ignore", message, DeprecationWarning)
        yield


def _parse_jsonld(path: Path, data: bytes, public_id: str) -> Graph:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise _bad(path, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    except RecursionError:
        raise _bad(path, "JSON nested too deeply") from None
    except ValueError as e:
        raise _bad(path, f"not valid JSON: {getattr(e, 'msg', e)}", getattr(e, "lineno", None)) from None
    if (where := external_context(doc)) is not None:
        raise _bad(path, f"refers to a context outside the file ({where}); cgtkg validate fetches "
                         "nothing: write the @context inline")
    from rdflib.plugins.parsers.jsonld import to_rdf

    # every graph's triples, as for TriG and N-Quads: a sink that shared one graph's store
    # kept the default graph only and dropped a named graph's triples without a word
    ds = Dataset()
    try:
        with _own_deprecations():
            to_rdf(doc, ds, public_id, None, 1.1)
    except RecursionError:
        raise _bad(path, "nested too deeply to parse") from None
    except Exception as e:  # noqa: BLE001 - untrusted input
        raise _bad(path, f"cannot read as JSON-LD: {_one_line(e)}") from None
    return _every_graph(ds)


def _every_graph(ds: Dataset) -> Graph:
    """The triples of every graph of ``ds``, default and named, in one graph."""
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def external_context(doc, depth: int = 0) -> str | None:
    """The first ``@context`` or ``@import`` in ``doc`` that names a document instead of
    spelling the context out (where rdflib would fetch it), shortened for a message; None
    when every context is inline.  Scoped contexts inside term definitions are found too:
    the walk visits every object of the document."""
    if depth > MAX_JSON_DEPTH:
        return "a document nested too deeply to check"
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key == "@context":
                for ctx in value if isinstance(value, list) else [value]:
                    if isinstance(ctx, str):
                        return f"@context {ctx[:80]!r}"
                    if isinstance(ctx, dict) and "@import" in ctx:
                        return f"@import {str(ctx['@import'])[:80]!r}"
            if (found := external_context(value, depth + 1)) is not None:
                return found
    elif isinstance(doc, list):
        for item in doc:
            if (found := external_context(item, depth + 1)) is not None:
                return found
    return None


def _line_of(e: Exception) -> int | None:
    lines = getattr(e, "lines", None)  # rdflib's Turtle BadSyntax: 0-based
    if isinstance(lines, int):
        return lines + 1
    line = getattr(e, "lineno", None)
    return line if isinstance(line, int) else None


def _one_line(e: Exception) -> str:
    text = getattr(e, "message", None) or str(e) or type(e).__name__
    text = " ".join(str(text).split())
    return text[:300] + ("…" if len(text) > 300 else "")
