"""News items, law-firm notes and portal pages that announce documents without printing a
numbered text: a headline, a dateline or byline, statements that name what was issued, by
whom and when ("On July 16, X issued the ..."; "A, B and C: Notice on ..." as a heading; a
block of metadata fields), perhaps a second announcement further down.

The documents themselves are read by :mod:`loaders.text.page`, which completes every genre's
extraction the same way; this genre only claims the texts no structured genre fits, so that
their documents are not lost as "unstructured".
"""

from __future__ import annotations

import re

from .. import common as C
from .. import page as page_mod
from ..furniture import read_page
from ..model import Extraction, Segment, Span
from ..source import SourceText
from . import register

_VERB = re.compile(r"\b" + C.ISSUE_VERB + r"\b", re.I)


class NewsItem:
    name = "news_item"
    description = ("news items, notes and portal pages announcing documents: statements, "
                   "headings with issuers, metadata fields; no numbered text")

    def detect(self, src: SourceText) -> float:
        page = read_page(src)
        has_fields = any(f.kind in ("title", "number", "issuer") for f in page.fields)
        sample = src.text[:20000]
        cjk, latin = src.script_counts(20000)
        if cjk >= 3 * max(1, latin):
            return 0.0  # a Chinese original: statute_zh reads it
        statements = len(_VERB.findall(sample))
        if not statements and not has_fields:
            return 0.0
        return 0.26 + (0.04 if has_fields else 0.0) + min(statements, 3) * 0.01

    def extract(self, env: C.Env) -> Extraction:
        out = Extraction()
        text = env.src.text
        # the documents come from page.complete(); the prose around them is commentary
        for ln in C.nonblank_lines(env.src):
            out.segments.append(Segment("commentary", Span(ln.start, ln.end)))
        if not _VERB.search(text) and not read_page(env.src).fields:
            env.warn(0, "no statement that a document was issued")
        return out


register(NewsItem())
page_mod.COMPLETED_GENRES.add(NewsItem.name)
