"""The entry points: :func:`extract_file` for one text, :func:`extract_corpus` for a folder.

One named graph per input file, ``<base>graph/extracted/<file-key>``.  A file that cannot be
read (binary, undecodable, too large, empty) gives problems naming the file and line and no
graph; the other files are still extracted.  Wall-clock times go only into the report,
because two builds of the same input must give isomorphic graphs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from cgtkg.graph.errors import Problem
from cgtkg.graph.namespaces import DEFAULT_BASE, graph_iri
from rdflib import Graph, URIRef

from . import collection, page, relations, sidecar
from . import common as C
from .bodies import BodyFinder
from .genres import MIN_SCORE, all_genres, detect
from .linking import Linker, Registry
from .model import Citation, DocDate, Document, Extraction, Mention, Provision, Span, Value
from .rdf import Writer, activity_iri
from .report import file_report
from .source import DEFAULT_MAX_BYTES, SourceText, file_key, not_text_reason, read_source

# 3: eli:cites from the provision or document that quotes a title, cgt:interprets, and the
# text's key in the IRI of a document it only cites; 4: that copy typed cgt:CitedDocument
# 5: page furniture, page metadata, every issue statement, cgt:promulgates, titles from the page
LOADER_VERSION = "5"
_SKIP_SUFFIXES = (".meta.yaml", ".meta.yml")


@functools.cache
def tool_version() -> str:
    """Read once per process: the package metadata lookup costs about a millisecond."""
    try:
        pkg = metadata.version("cgtkg")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        pkg = "unknown"
    return f"cgtkg {pkg}; loaders.text {LOADER_VERSION}"


@dataclass
class FileResult:
    path: Path
    graph_iri: URIRef | None
    graph: Graph | None
    report: dict
    problems: list[Problem] = field(default_factory=list)
    extraction: Extraction | None = None
    source: SourceText | None = None


@dataclass
class CorpusResult:
    graphs: list[tuple[URIRef, Graph]] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)

    #: above this many files, the summary lists only the files that were not built
    SUMMARY_FILES = 40

    def summary_lines(self) -> list[str]:
        out = []
        files = self.report.get("files", [])
        for f in files:
            if f.get("status") != "ok":
                out.append(f"  {f['file']}: {f.get('status')}: {f.get('reason', '')}")
                continue
            if len(files) > self.SUMMARY_FILES:
                continue
            docs = f.get("documents", [])
            provs = sum(d.get("provisions_found", 0) for d in docs)
            unres = sum(len(d.get("unresolved_mentions", [])) for d in docs)
            anom = sum(len(d.get("numbering_anomalies", [])) for d in docs)
            out.append(f"  {f['file']}: {f['genre']}, {len(docs)} document(s), {provs} provision(s), "
                       f"{unres} unresolved mention(s), {anom} numbering anomal(ies), "
                       f"coverage {f['coverage']['classified']:.0%}")
        t = self.report.get("totals", {})
        head = (f"text extraction: {t.get('files', 0)} file(s), {t.get('documents', 0)} document(s), "
                f"{t.get('provisions', 0)} provision(s), {t.get('responsibility_links', 0)} "
                f"responsibility link(s), {t.get('errors', 0)} error(s), {t.get('warnings', 0)} warning(s)")
        if len(files) > self.SUMMARY_FILES:
            head += (f"\n  files: {t.get('files_built', 0)} built, {t.get('files_quarantined', 0)} quarantined, "
                     f"{t.get('files_failed', 0)} failed, {t.get('files_empty', 0)} empty, "
                     f"{t.get('files_skipped', 0)} skipped (each file in build-report.json)")
        return [head] + out


class _Shared:
    """Registry indexes are built once per corpus, not once per file."""

    def __init__(self, registry: Graph, base: str):
        self.registry = Registry.from_graph(registry, base)
        self.linker = Linker(self.registry)
        self.bodies = BodyFinder(self.registry, self.linker)


@contextlib.contextmanager
def _no_cyclic_gc():
    """Pause the cyclic garbage collector while one file is extracted.

    Extraction allocates hundreds of thousands of small objects (tuples, terms, mentions)
    that live until the file is done, so the collector's passes over them find nothing to
    free and cost about a sixth of the time.  Reference counting still frees everything
    as usual; the collector runs again, at its next threshold, once the file is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class CorpusFile:
    """One file of a corpus folder: where it is, its path in the corpus and its key."""

    path: Path
    rel: str  # relative to the corpus folder, "/"-separated
    key: str  # source.file_key(rel): unique and stable


@dataclass
class CorpusListing:
    files: list[CorpusFile] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"file", "status": "skipped", "reason"}
    problems: list[Problem] = field(default_factory=list)  # two paths with one key


def list_corpus(corpus_dir: Path | str) -> CorpusListing:
    """Every file under ``corpus_dir``, in every subfolder (collections keep their texts in
    folders by category and region), in a stable order. Hidden files and folders and
    ``*.meta.yaml`` sidecars are not inputs; files that are not texts (data tables, images,
    archives, PDFs …: :data:`source.NOT_TEXT`) are listed as skipped with the reason, never
    parsed as policy. Symbolic links to folders are not followed (no loops)."""
    root = Path(corpus_dir)
    out = CorpusListing()
    owner: dict[str, str] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if name.startswith(".") or sidecar.is_sidecar(path) or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            reason = not_text_reason(path)
            if reason:
                out.skipped.append({"file": rel, "status": "skipped", "reason": reason})
                continue
            key = file_key(rel)
            if key in owner:  # a SHA-256 prefix clash or two names equal after NFC
                out.problems.append(Problem(path, None, f"file key {key} clashes with {owner[key]}; "
                                                        "rename one of them"))
                out.skipped.append({"file": rel, "status": "failed",
                                    "reason": f"file key clashes with {owner[key]}"})
                continue
            owner[key] = rel
            out.files.append(CorpusFile(path, rel, key))
    return out


class ExtractionOvertime(Exception):
    """One file's extraction ran past its time budget."""


#: Seconds one file's extraction may take (a policy text takes well under one); past it the
#: file is reported as failed and left out, so a pathological file never stalls a build.
DEFAULT_BUDGET_S = 120.0


@contextlib.contextmanager
def _budget(seconds: float | None):
    """Raise :class:`ExtractionOvertime` in the block after ``seconds`` of wall time. A real
    timer (SIGALRM), so only in the main thread of a POSIX process; elsewhere no budget."""
    if not seconds or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return

    def overtime(signum, frame):
        raise ExtractionOvertime()

    previous = signal.signal(signal.SIGALRM, overtime)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract_file(path: Path | str, registry: Graph, base: str = DEFAULT_BASE, *,
                 max_bytes: int = DEFAULT_MAX_BYTES, source: URIRef | None = None,
                 key: str | None = None, rel: str = "", budget_s: float | None = DEFAULT_BUDGET_S,
                 _shared: _Shared | None = None) -> FileResult:
    """Extract one text file into one graph (library use; the build calls extract_corpus).
    ``key`` and ``rel``: the file's key and path in its corpus (:func:`list_corpus`);
    ``budget_s``: seconds the extraction may take before the file is left out as failed."""
    with _no_cyclic_gc():
        return _extract_file(path, registry, base, max_bytes=max_bytes, source=source, key=key,
                             rel=rel, budget_s=budget_s, _shared=_shared)


def _extract_file(path: Path | str, registry: Graph, base: str, *, max_bytes: int,
                  source: URIRef | None, key: str | None, rel: str, budget_s: float | None,
                  _shared: _Shared | None) -> FileResult:
    path = Path(path)
    shared = _shared or _Shared(registry, base)
    src, problems = read_source(path, max_bytes, key, rel)
    if src is None:
        status = "empty" if all(p.severity == "warning" for p in problems) else "failed"
        return FileResult(path, None, None, {
            "file": rel or path.name, "status": status,
            "reason": "; ".join(p.message for p in problems)}, problems)
    meta, meta_problems = sidecar.load(path)
    problems += meta_problems
    fm, fm_len, fm_body = sidecar.front_matter(src.raw)
    if fm_len:
        parsed, fm_problems = sidecar.parse(fm_body, path, line_offset=1)
        problems += fm_problems
        meta = {**parsed, **meta}
        blank = "".join(c if c == "\n" else " " for c in src.raw[:fm_len])
        src.text = blank + src.text[fm_len:]
    env = C.Env(src, shared.registry, shared.linker, shared.bodies, meta, problems)
    _check_meta_keys(env)
    genre_name = meta.get("genre")
    scores: dict[str, float] = {}
    genres = all_genres()
    if genre_name:
        genre = genres.get(str(genre_name))
        if genre is None:
            env.problems.append(Problem(sidecar.sidecar_path(path) or path, None,
                                        f"unknown genre {genre_name!r}; known: {', '.join(genres)}"))
            genre, scores = detect(src)
        how = "metadata"
    else:
        genre, scores = detect(src)
        how = "detected"
    if genre is None:
        best = max(scores.items(), key=lambda kv: kv[1], default=("none", 0.0))
        env.warn(0, "no recognisable structure: no genre fits this text (best: "
                    f"{best[0]} with score {best[1]:.2f}, at least {MIN_SCORE} needed); nothing "
                    "extracted (a <file>.meta.yaml sidecar with 'genre:' can force one)")
        ext = Extraction()
    else:
        try:
            with _budget(budget_s):
                ext = genre.extract(env)
        except ExtractionOvertime:
            return FileResult(path, None, None, {
                "file": rel or path.name, "status": "failed",
                "reason": f"extraction stopped after {budget_s:g} s, the per-file budget"}, problems + [
                Problem(path, None, f"extraction stopped after {budget_s:g} s, the per-file budget "
                                    "(cgtkg build --max-text-seconds); the file is left out so that it "
                                    "cannot stall the build")])
        except Exception as e:  # one broken file must not stop the corpus
            tb = traceback.extract_tb(e.__traceback__)[-1]
            env.problems.append(Problem(path, None, f"extraction failed in genre {genre.name}: "
                                        f"{type(e).__name__}: {e} ({tb.filename}:{tb.lineno})"))
            ext = Extraction()
        env.problems.extend(ext.problems)
    try:
        page.complete(env, ext, genre.name if genre else None)
    except Exception as e:  # the genre's documents stand without the page's completion
        tb = traceback.extract_tb(e.__traceback__)[-1]
        env.problems.append(Problem(path, None, f"reading the page's metadata failed: "
                                    f"{type(e).__name__}: {e} ({tb.filename}:{tb.lineno})"))
    _finish_documents(env, ext)
    _apply_meta(env, ext)
    page.quarantine_untitled(env, ext)
    _finish_keys(ext, src.key)
    _attach_citations(ext)
    if (why := collection.expired(path)) is not None:  # a collection's metadata.csv
        for doc in ext.documents:
            if doc.genre != "cited":
                doc.expired = why
    relations.read_english(src.text, ext)  # English: "formulated in accordance with …"
    writer = Writer(src, base, tool_version(), source)
    writer.header(genre.name if genre else "none")
    for doc in ext.documents:
        writer.document(doc)
    g_iri = graph_iri(f"extracted/{src.key}", base)
    report = file_report(src, ext, genre.name if genre else None, how, scores, g_iri, base)
    report["annotations"] = writer.n_annotations
    report["triples"] = len(writer.g)
    for doc in ext.documents:
        for m in doc.unresolved:
            env.problems.append(Problem(path, src.line_of(m.span.start),
                                        f"unresolved {m.kind} mention '{m.surface}': {m.how}", "warning"))
        for sp, msg in doc.odd_dates:
            env.problems.append(Problem(path, src.line_of(sp.start), f"odd date: {msg}", "warning"))
    return FileResult(path, g_iri, writer.g, report, env.problems, ext, src)


def extract_corpus(corpus_dir: Path | str, registry: Graph, base: str = DEFAULT_BASE, *,
                   max_bytes: int = DEFAULT_MAX_BYTES,
                   sources: dict[str, URIRef] | None = None) -> CorpusResult:
    """Extract every text file under ``corpus_dir`` (:func:`list_corpus`).

    ``sources`` may map a file's path in the corpus to the IRI of an already described source text, so that
    extracted facts point at the same source node as the curated records."""
    corpus_dir = Path(corpus_dir)
    started = time.time()
    result = CorpusResult()
    if not corpus_dir.is_dir():
        result.problems.append(Problem(corpus_dir, None, "corpus folder not found"))
        result.report = {"corpus": str(corpus_dir), "files": [], "totals": _totals([], result.problems)}
        return result
    shared = _Shared(registry, base)
    listing = list_corpus(corpus_dir)
    result.problems.extend(listing.problems)
    for cf in listing.files:
        t0 = time.time()
        fr = extract_file(cf.path, registry, base, max_bytes=max_bytes,
                          source=(sources or {}).get(cf.rel), key=cf.key, rel=cf.rel, _shared=shared)
        fr.report["seconds"] = round(time.time() - t0, 3)
        result.files.append(fr)
        result.problems.extend(fr.problems)
        if fr.graph_iri is not None and fr.graph is not None:
            result.graphs.append((fr.graph_iri, fr.graph))
    finished = time.time()
    result.report = {
        "corpus": str(corpus_dir),
        "tool": tool_version(),
        "activity": str(activity_iri(base)),
        "started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
        "finished": dt.datetime.fromtimestamp(finished, dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(finished - started, 3),
        "files": [f.report for f in result.files] + listing.skipped,
        "totals": _totals(result.files, result.problems, listing.skipped),
        "problems": [str(p) for p in result.problems],
    }
    return result


def _totals(files: list[FileResult], problems: list[Problem], skipped: list[dict] = ()) -> dict:
    """Counts over the files; ``files`` counts every input file, so that it equals built +
    empty + failed + quarantined + skipped."""
    docs = [d for f in files for d in f.report.get("documents", [])]
    status = [f.report.get("status") for f in files] + [s.get("status") for s in skipped]
    return {
        "files": len(status),
        "files_built": status.count("ok"),
        "files_empty": status.count("empty"),
        "files_failed": status.count("failed"),
        "files_quarantined": status.count("quarantined"),
        "files_skipped": status.count("skipped"),
        "documents": len(docs),
        "provisions": sum(d.get("provisions_found", 0) for d in docs),
        "responsibility_links": sum(d.get("responsibility_links", 0) for d in docs),
        "unresolved_mentions": sum(len(d.get("unresolved_mentions", [])) for d in docs),
        "errors": sum(1 for p in problems if p.severity == "error"),
        "warnings": sum(1 for p in problems if p.severity != "error"),
    }


# ---------------------------------------------------------------- sidecar metadata


def _check_meta_keys(env: C.Env) -> None:
    where = sidecar.sidecar_path(env.src.path) or env.src.path
    for field_, kind in (("issuers", "agency"), ("regions", "region"), ("therapies", "therapy")):
        for key in env.meta.get(field_, []) or []:
            if env.registry.iri(kind, str(key)) is None:
                env.problems.append(Problem(where, None, f"metadata {field_}: no {kind} with key {key!r} "
                                                         "in the registry"))
    t = env.meta.get("type")
    if t and env.registry.iri("doctype", str(t)) is None:
        env.problems.append(Problem(where, None, f"metadata type: no document type {t!r}"))


def _apply_meta(env: C.Env, ext: Extraction) -> None:
    """Sidecar values fill in (or override) the main document's metadata."""
    meta = env.meta
    if not meta or set(meta) <= {"genre"}:
        return
    if not ext.documents:
        ext.documents.append(Document(key="", genre="metadata"))
    doc = ext.documents[0]
    reg = env.registry

    def mention(kind: str, key: str) -> Mention | None:
        iri = reg.iri(kind, str(key))
        return Mention(kind, Span(0, 0), str(key), iri, str(key), "metadata") if iri else None

    if meta.get("title"):
        doc.titles = [Value(str(v), [], lang) for lang, v in meta["title"].items()] + \
                     [t for t in doc.titles if t.lang not in meta["title"]]
    if meta.get("number"):
        doc.number = Value(str(meta["number"]), [])
    if meta.get("type"):
        doc.doctype = mention("doctype", meta["type"]) or doc.doctype
    if meta.get("issuers"):
        doc.issuers = [m for m in (mention("agency", k) for k in meta["issuers"]) if m]
    if meta.get("regions"):
        doc.regions = [m for m in (mention("region", k) for k in meta["regions"]) if m]
    if meta.get("therapies"):
        doc.therapies = [m for m in (mention("therapy", k) for k in meta["therapies"]) if m]
    for kind, value in (meta.get("dates") or {}).items():
        doc.dates = [d for d in doc.dates if d.kind != kind] + [DocDate(kind, value, [], "from metadata")]
    if meta.get("key"):
        doc.key = "x-" + C.slug(str(meta["key"]), 80)
    doc.meta_fields = sorted(k for k in meta if k != "genre")  # type: ignore[attr-defined]


def _finish_documents(env: C.Env, ext: Extraction) -> None:
    """Rules that hold whatever the genre: a document is about its most specific therapy
    types; "regulations" of the whole country are administrative regulations."""
    reg = env.registry
    root = reg.top_regions
    admin = reg.iri("doctype", "administrative-regulations")
    for doc in ext.documents:
        doc.therapies = C.most_specific(doc.therapies, reg)
        if not doc.regions and doc.genre != "cited":
            # a document whose title names no place applies where its issuers govern
            places = [Mention("region", m.span, m.surface, r, reg.key(r), "issuer jurisdiction",
                              passage=m.passage)
                      for m in doc.issuers if m.target is not None
                      for r in sorted(reg.jurisdiction.get(m.target, ()))]
            doc.regions = C.subsume(C.dedupe(places), reg)
        if doc.doctype is not None and doc.doctype.key == "regulations" and admin is not None:
            national = [m for m in doc.regions if m.target in root]
            if national and len(national) == len(C.dedupe(doc.regions)):
                doc.doctype = Mention("doctype", doc.doctype.span, doc.doctype.surface, admin,
                                      "administrative-regulations",
                                      "regulations of the whole country")


def _attach_citations(ext: Extraction) -> None:
    """Who cites each document the text only names by a quoted title (``genre == "cited"``):
    the deepest provision whose text holds the quote, else the document whose own spans hold
    it, else the text's only document. In a text of several documents, a quote that none of
    them holds (a news lead before two plans) links nothing: the cited document is kept, and
    which of them cites it is not guessed."""
    cited = [d for d in ext.documents if d.genre == "cited"]
    citing = [d for d in ext.documents if d.genre != "cited"]
    if not cited or not citing:
        return
    for doc in cited:
        for sp in doc.spans:
            by: Document | Provision | None = None
            for d in citing:
                by = _holder(d.provisions, sp)
                if by is not None:
                    break
            if by is None:
                holders = [d for d in citing if any(s.contains(sp) for s in d.spans)]
                by = holders[0] if holders else citing[0] if len(citing) == 1 else None
            if by is not None:
                by.cites.append(Citation(doc, sp))


def _holder(provisions: list[Provision], sp: Span) -> Provision | None:
    """The deepest of these provisions (or their children) whose text holds ``sp``."""
    for p in provisions:
        if p.span.contains(sp) or any(x.contains(sp) for x in p.extra_spans):
            return _holder(p.children, sp) or p
    return None


def _finish_keys(ext: Extraction, text_key: str) -> None:
    """Stable, unique document keys (the text decides; a clash gets a numeric suffix).

    A document the text only cites by title is this text's copy: its key carries the text's
    (``x-<text>-<title>``). A national law that thousands of local texts cite would otherwise
    be one IRI described in thousands of named graphs, and Oxigraph 0.5 answers a pattern
    over the union of the graphs once per graph that holds the triple (oxigraph#1919): a
    query joining three of its properties made (copies)^3 rows, and the build's link to the
    curated records went from 0.4 s to more than 19 minutes (stopped there) at 10,000
    synthetic texts. Each copy is linked to the record of the same title (prov:alternateOf),
    which the citation queries follow (and, with no such record, to one copy of its title:
    ``cgtkg.pipeline.build._same_title_links``)."""
    seen: dict[str, int] = {}
    for doc in ext.documents:
        if not doc.key:
            doc.key = C.doc_key(doc)
            if doc.genre == "cited":
                doc.key = f"x-{text_key}-{doc.key.removeprefix('x-')}"
        base = doc.key
        if base in seen:
            seen[base] += 1
            doc.key = f"{base}-{seen[base]}"
        else:
            seen[base] = 1

