"""Metadata the text lacks, given beside it: ``<file>.meta.yaml`` or YAML front matter.

Why: some texts never print their issuer or date, and a few are of a genre that detection
cannot tell apart.  A sidecar says so explicitly instead of teaching the loaders a special
case.  Accepted keys:

    genre: regulation_articles        # force a genre (see docs/loaders.md)
    key: my-doc-key                   # document key (IRI <base>doc/x-<key>)
    title: "..."  |  {en: "...", zh: "..."}
    type: regulations                 # doctype key
    number: "..."                     # document number
    issuers: [shenzhen-npcsc]         # agency keys
    date: 2023-01-01                  # = dates.document
    dates: {document: ..., publication: ..., in_force: ...}
    regions: [shenzhen-sez]           # region keys; also the context for local names
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from graph.errors import Problem

KNOWN = {"genre", "key", "title", "type", "number", "issuers", "date", "dates", "regions",
         "therapies"}
_FRONT = re.compile(r"\A---[ \t]*\n(?P<body>.*?\n)---[ \t]*\n", re.S)


def sidecar_path(path: Path) -> Path | None:
    for cand in (path.with_name(path.name + ".meta.yaml"), path.with_name(path.name + ".meta.yml"),
                 path.with_suffix(".meta.yaml"), path.with_suffix(".meta.yml")):
        if cand.exists() and cand != path:
            return cand
    return None


def is_sidecar(path: Path) -> bool:
    return path.name.endswith((".meta.yaml", ".meta.yml"))


def _line_of_key(text: str, key: str) -> int | None:
    m = re.search(rf"(?m)^\s*{re.escape(key)}\s*:", text)
    return text.count("\n", 0, m.start()) + 1 if m else None


class _Loader(yaml.SafeLoader):
    """Dates stay text, so that "2024-13-01" is our error with a line, not a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse(text: str, where: Path, line_offset: int = 0) -> tuple[dict, list[Problem]]:
    problems: list[Problem] = []
    try:
        data = yaml.load(text, Loader=_Loader) or {}  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = (mark.line + 1 + line_offset) if mark else None
        return {}, [Problem(where, line, f"metadata is not valid YAML: {getattr(e, 'problem', e)}")]
    if not isinstance(data, dict):
        return {}, [Problem(where, 1 + line_offset, "metadata must be a mapping of keys to values")]
    for k in sorted(set(data) - KNOWN):
        problems.append(Problem(where, (_line_of_key(text, str(k)) or 0) + line_offset or None,
                                f"unknown metadata key {k!r} (known: {', '.join(sorted(KNOWN))})",
                                "warning"))
    out = {k: v for k, v in data.items() if k in KNOWN}
    if "date" in out:
        out.setdefault("dates", {})
        if isinstance(out["dates"], dict):
            out["dates"].setdefault("document", out.pop("date"))
    for kind, v in list((out.get("dates") or {}).items()):
        if isinstance(v, dt.date):
            continue
        try:
            out["dates"][kind] = dt.date.fromisoformat(str(v))
        except ValueError:
            key = "date" if "date" in data and kind == "document" else kind
            problems.append(Problem(where, (_line_of_key(text, key) or 0) + line_offset or None,
                                    f"metadata date {kind}: {v!r} is not YYYY-MM-DD"))
            del out["dates"][kind]
    if isinstance(out.get("title"), str):
        out["title"] = {"en": out["title"]}
    for k in ("issuers", "regions", "therapies"):
        if k in out and isinstance(out[k], str):
            out[k] = [out[k]]
    return out, problems


def load(path: Path) -> tuple[dict, list[Problem]]:
    sc = sidecar_path(path)
    if sc is None:
        return {}, []
    try:
        return parse(sc.read_text(encoding="utf-8-sig"), sc)
    except (OSError, UnicodeDecodeError) as e:
        return {}, [Problem(sc, None, f"cannot read metadata: {e}")]


def front_matter(text: str) -> tuple[dict, int, str]:
    """(metadata, length of the front matter, its YAML body) or ({}, 0, "")."""
    m = _FRONT.match(text)
    if not m:
        return {}, 0, ""
    return {"_raw": m.group("body")}, m.end(), m.group("body")
