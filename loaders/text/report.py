"""The build report: per file and per document, in plain JSON.

It says what was found (documents, provisions by type, responsibility links), what looks
wrong (numbering anomalies, unresolved mentions, odd dates) and how much of the text the
genre accounted for: *coverage* is the share of non-blank characters that lie inside a
provision or were classed as header, preamble, commentary, dated entry or boilerplate.
"""

from __future__ import annotations

import re
from collections import Counter

from cgtkg.graph import namespaces as ns

from .model import Document, Extraction
from .source import SourceText


def coverage(src: SourceText, ext: Extraction) -> dict:
    """Shares of non-blank characters per segment kind, counted on byte masks (one byte per
    character; whitespace masked out with ``\\s``, which is ``str.isspace``)."""
    text = src.text
    n = len(text)
    blank = [(m.start(), m.end()) for m in _SPACE.finditer(text)]
    total = n - sum(e - s for s, e in blank)
    if total == 0:
        return {"classified": 0.0, "unclassified_chars": 0}
    order = ["provision", "entry", "header", "preamble", "commentary", "boilerplate"]
    marks = bytearray(n)
    for seg in sorted(ext.segments, key=lambda s: order.index(s.kind) if s.kind in order else 99,
                      reverse=True):
        code = order.index(seg.kind) + 1 if seg.kind in order else len(order) + 1
        marks[seg.span.start:seg.span.end] = bytes([code]) * (seg.span.end - seg.span.start)
    del marks[n:]  # a span past the end grows the mask, as slice assignment does
    for s, e in blank:
        marks[s:e] = _BLANK * (e - s)
    counts = {code: marks.count(code) for code in range(len(order) + 2)}
    out = {kind: round(counts[i + 1] / total, 4) for i, kind in enumerate(order)}
    unclassified = counts[0]
    out["unclassified"] = round(unclassified / total, 4)
    out["classified"] = round(1 - unclassified / total, 4)
    # a run of unclassified non-blank characters holds no line break, so lies on one line
    out["unclassified_lines"] = sorted({src.line_of(m.start()) for m in _UNCLASSIFIED.finditer(marks)})[:50]
    return out


_SPACE = re.compile(r"\s+")
_BLANK = b"\xff"
_UNCLASSIFIED = re.compile(rb"\x00+")


def document_report(doc: Document, src: SourceText, base: str) -> dict:
    provs = list(doc.all_provisions())
    return {
        "iri": str(ns.document(doc.key, base)),
        "key": doc.key,
        "genre": doc.genre,
        "line": doc.line,
        "title": {t.lang or "en": str(t.value) for t in doc.titles},
        "title_from_page": doc.title_from_page,
        "promulgates": [str(ns.document(c.document.key, base)) for c in doc.promulgates],
        "number": str(doc.number.value) if doc.number else None,
        "type": doc.doctype.key if doc.doctype else None,
        "issuers": [m.key for m in doc.issuers if m.target is not None],
        "dates": {d.kind: d.value.isoformat() for d in doc.dates if d.value},
        "date_notes": {d.kind: d.note for d in doc.dates if d.note},
        "regions": [m.key for m in doc.regions if m.target is not None],
        "therapies": [m.key for m in doc.therapies if m.target is not None],
        "provisions_found": len(provs),
        "provisions_by_type": dict(sorted(Counter(p.kind for p in provs).items())),
        "responsibility_links": sum(len(p.responsible) for p in provs),
        "numbering_anomalies": doc.anomalies,
        "unresolved_mentions": [
            {"text": m.surface, "kind": m.kind, "line": src.line_of(m.span.start),
             "start": m.span.start, "end": m.span.end, "reason": m.how,
             "candidates": list(m.candidates)}
            for m in doc.unresolved + [i for i in doc.issuers if i.target is None]],
        "odd_dates": [{"text": src.raw[sp.start:sp.end], "line": src.line_of(sp.start),
                       "problem": msg} for sp, msg in doc.odd_dates],
        "metadata_fields": getattr(doc, "meta_fields", []),
    }


def file_report(src: SourceText, ext: Extraction, genre: str | None, how: str,
                scores: dict, graph_iri, base: str) -> dict:
    return {
        "file": src.name,
        "file_key": src.key,
        "status": "ok",
        "sha256": src.sha256,
        "encoding": src.encoding,
        "characters": len(src.raw),
        "lines": len(src.line_starts),
        "genre": genre,
        "genre_chosen_by": how,
        "genre_scores": scores,
        "graph": str(graph_iri),
        "coverage": coverage(src, ext),
        "documents": [document_report(d, src, base) for d in ext.documents],
        "quarantined_documents": ext.quarantined,
        "notes": ext.notes,
    }
