"""Relations stated in English texts between their document and a document they quote by
title (docs/relations.md): "formulated in accordance with the "X"" or "in line with the
requirements outlined in the "X"" (eli:based_on), "to
implement the "X"" (eli:implements), "the "X" is repealed" (eli:repeals), "replaces the
"X"" (cgt:supersedesEdition, for a new edition of a list or catalogue; eli:repeals
otherwise). Chinese originals state theirs in fixed places and are read by their own loader
(genres/statute_zh.py: history lines, 根据《…》制定本, 同时废止).

Only the sentence that quotes the title is read, and only words that say how this document
stands to the quoted one: "handle it in accordance with the "Drug Administration Law"" is a
citation, not the basis of the document, so ``based-on`` needs the text to say that it was
formulated (enacted, drawn up …) in accordance with the title.
"""

from __future__ import annotations

import re

from .model import Document, Extraction, Provision, Relation, Span

_END = re.compile(r"[.!?;\n]")
#: the words before the quoted title, up to its opening quote
_BEFORE = (
    ("based-on", re.compile(r"\b(?:formulated|enacted|drawn up|developed|made|formulate|formulating|"
                            r"issued|adopted)\b[^.;]{0,80}\b(?:in accordance with|pursuant to|"
                            r"on the basis of|based on)\s+(?:the\s+)?[\"“]$", re.I)),
    ("based-on", re.compile(r"^\s*(?:in accordance with|pursuant to|on the basis of)\s+(?:the\s+)?[\"“]$",
                            re.I)),
    ("based-on", re.compile(r"\bin line with\b[^.;]{0,60}\b(?:outlined|set out|laid down|stated)\s+in\s+"
                            r"(?:the\s+)?[\"“]$", re.I)),
    ("implements", re.compile(r"\b(?:to|shall|in order to|so as to)\s+(?:fully\s+|further\s+|thoroughly\s+)?"
                              r"implement(?:ing)?\s+(?:the\s+)?[\"“]$|\bimplementation of\s+(?:the\s+)?[\"“]$",
                              re.I)),
    ("repeals", re.compile(r"\b(?:repeals?|abolish(?:es)?|annuls?)\s+(?:the\s+)?[\"“]$", re.I)),
    ("supersedes", re.compile(r"\b(?:replaces?|supersedes?)\s+(?:the\s+)?[\"“]$", re.I)),
)
#: the words after the quoted title's closing quote
_AFTER = (
    ("repeals", re.compile(r"^[\"”]?[^.;]{0,60}\b(?:is|are|shall be)\s+(?:hereby\s+)?(?:simultaneously\s+)?"
                           r"(?:repealed|abolished|annulled)", re.I)),
)
_EDITION = re.compile(r"\b(?:edition|version|catalogue|list)\b", re.I)


def read_english(text: str, ext: Extraction) -> int:
    """Add each relation that a sentence of ``text`` states between a document of ``ext``
    and a document it quotes (its citations, ``_attach_citations``); returns how many."""
    added = 0
    for doc in ext.documents:
        if doc.genre == "cited":
            continue
        seen = {(r.kind, id(r.document)) for r in doc.relations}
        for c in list(doc.cites) + [c for p in _walk(doc.provisions) for c in p.cites]:
            kind = _kind(text, c.span, c.document)
            if kind is None or (kind, id(c.document)) in seen:
                continue
            seen.add((kind, id(c.document)))
            doc.relations.append(Relation(kind, c.document, _sentence(text, c.span)))
            added += 1
    return added


def _kind(text: str, span: Span, cited: Document) -> str | None:
    if _is_zh(text[span.start:span.end]):
        return None  # a Chinese quote in an English page: the Chinese loader's rules apply
    s = _sentence(text, span)
    before = text[s.start:span.start]
    after = text[span.end:s.end]
    for kind, rx in _BEFORE:
        if rx.search(before):
            if kind == "supersedes":
                title = " ".join(str(t.value) for t in cited.titles)
                return "supersedes-edition" if _EDITION.search(title) else "repeals"
            return kind
    for kind, rx in _AFTER:
        if rx.search(after):
            return kind
    return None


def _sentence(text: str, span: Span) -> Span:
    start = span.start
    while start > 0 and not _END.match(text[start - 1]):
        start -= 1
    m = _END.search(text, span.end)
    return Span(start, m.start() + 1 if m else len(text))


def _walk(provisions: list[Provision]):
    for p in provisions:
        yield p
        yield from _walk(p.children)


def _is_zh(s: str) -> bool:
    return bool(re.search(r"[\u3400-\u9fff]", s))
