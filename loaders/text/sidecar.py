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
from cgtkg.graph.errors import Problem
from cgtkg.loaders.records import BoundedComposer, yaml_error_problem

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


class _Loader(BoundedComposer, yaml.SafeLoader):
    """Dates stay text, so that "2024-13-01" is our error with a line, not a crash; no
    aliases, no deep nesting (see loaders.records.BoundedComposer)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse(text: str, where: Path, line_offset: int = 0) -> tuple[dict, list[Problem]]:
    problems: list[Problem] = []
    try:
        data = yaml.load(text, Loader=_Loader) or {}  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        return {}, [yaml_error_problem(where, text, e, "metadata is not valid YAML", line_offset)]
    if not isinstance(data, dict):
        return {}, [Problem(where, 1 + line_offset, "metadata must be a mapping of keys to values")]
    for k in sorted(set(data) - KNOWN, key=str):
        problems.append(Problem(where, (_line_of_key(text, str(k)) or 0) + line_offset or None,
                                f"unknown metadata key {k!r} (known: {', '.join(sorted(KNOWN))})",
                                "warning"))
    out = {k: v for k, v in data.items() if k in KNOWN}
    problems += _check_types(out, text, where, line_offset)
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


_TEXT_KEYS = ("genre", "key", "type", "number")
_LIST_KEYS = ("issuers", "regions", "therapies")


def _check_types(out: dict, text: str, where: Path, line_offset: int) -> list[Problem]:
    """A sidecar is not trusted: every value must have the shape its key promises, or it is
    dropped with an error naming its line (``issuers: 5`` once crashed the loaders)."""
    problems: list[Problem] = []

    def bad(key: str, what: str) -> None:
        problems.append(Problem(where, (_line_of_key(text, key) or 0) + line_offset or None,
                                f"metadata {key}: {what}"))
        del out[key]

    def plain(v) -> bool:
        return isinstance(v, str | int | float) and not isinstance(v, bool)

    for k in _TEXT_KEYS:
        if k in out:
            if not plain(out[k]):
                bad(k, f"must be text, not {type(out[k]).__name__}")
            else:
                out[k] = str(out[k])
    for k in _LIST_KEYS:
        v = out.get(k)
        if k in out and not (isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))):
            bad(k, "must be a key or a list of keys (issuers: [agency-key, ...])")
    if "title" in out:
        t = out["title"]
        if not (isinstance(t, str) or (isinstance(t, dict) and all(
                isinstance(a, str) and isinstance(b, str) for a, b in t.items()))):
            bad("title", 'must be text or {en: "...", zh: "..."}')
    if "dates" in out and not isinstance(out["dates"], dict):
        bad("dates", "must be a mapping (document: YYYY-MM-DD, ...)")
    elif "dates" in out and not all(isinstance(k, str) for k in out["dates"]):
        bad("dates", "its keys must be date names (document, publication, in_force)")
    if "date" in out and not plain(out["date"]):
        bad("date", "must be a date YYYY-MM-DD")
    return problems


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
