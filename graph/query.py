"""Saved SPARQL queries: their headers, their parameters, and running them on the store.

A saved query is a ``queries/NAME.rq`` file that opens with ``#`` header lines (the question
it answers, its parameters, an example call; syntax in ``queries/README.md``).  Parameters
are parsed into RDF terms by their declared type and reach the query engine as bindings
(pyoxigraph substitutions locally, a ``VALUES`` block written from rdflib terms remotely),
never by pasting user text into the query.  The query text itself is checked with a real
SPARQL parser: update operations are refused, and ``SERVICE`` (which would make the query
reach out to other servers) is refused unless the caller allows it.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import functools
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cgtkg.graph.keys import BadKey, KeyIndex, parse_key
from cgtkg.graph.namespaces import DEFAULT_BASE, PREFIXES, bind_prefixes, instance_prefixes
from pyparsing import ParseException
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from cgtkg.resources import resource_dir

QUERIES_DIR = resource_dir("queries")
VIOLATION_SUFFIX = "-violation"
# agency, region, therapy, document: IRIs written as a key (nmpa, ag:nmpa or the full IRI),
# checked against the graph before the query runs (graph/keys.py)
KEY_TYPES = ("agency", "region", "therapy", "document")
PARAM_TYPES = ("iri", "date", "string", "integer", *KEY_TYPES)


class QueryError(ValueError):
    """A saved query, a parameter value or a query text is not usable; says where and why.

    The CLI maps it to exit code 2 (bad input).
    """


# ------------------------------------------------------------------ the header


@dataclass(frozen=True)
class Param:
    """One declared parameter: ``# param: NAME (TYPE, default VALUE) — what it is``."""

    name: str
    type: str
    default: str | None = None
    required: bool = False
    doc: str = ""
    line: int = 0


@dataclass
class SavedQuery:
    """A query file with its parsed header; ``form`` is SELECT, ASK, CONSTRUCT or DESCRIBE."""

    name: str
    path: Path | None
    text: str
    title: str = ""
    description: list[str] = field(default_factory=list)
    params: dict[str, Param] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    form: str = "SELECT"
    variables: list[str] = field(default_factory=list)
    uses_service: bool = False
    #: how parameters reach the embedded store: pyoxigraph's substitution, or a ``VALUES``
    #: block as remote engines get (``# bind: values`` in the header; see :func:`run_local`)
    bind: str = "substitution"

    @property
    def is_violation(self) -> bool:
        """``*-violation.rq`` files are checks: any row they return is a problem."""
        return self.name.endswith(VIOLATION_SUFFIX)


_PARAM_RE = re.compile(
    r"""^param:\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*
        \(\s*(?P<type>[A-Za-z-]+)\s*
        (?:,\s*(?:default\s+(?P<default>"(?:[^"\\]|\\.)*"|[^)\s]+)|(?P<flag>optional|required))\s*)?
        \)\s*(?:(?:—|–|--|-|:)\s*(?P<doc>.*))?$""",
    re.VERBOSE,
)


_OTHER_KEY = re.compile(r"^(?P<key>name|description|parameters|returns):\s*(?P<value>.*)$")
BIND_MODES = ("substitution", "values")


def parse_header(text: str, where: str) -> tuple[str, list[str], dict[str, Param], list[str], str]:
    """Read the leading ``#`` lines: title, description, parameters, examples, bind mode.

    ``where`` names the file in error messages.  Lines that start with ``param:``,
    ``example:`` or ``bind:`` are structured; every other header line is free description.
    """
    title, description, examples, bind = "", [], [], "substitution"
    params: dict[str, Param] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped.startswith("#"):
            break
        body = stripped[1:].strip()
        if body.startswith("param:"):
            m = _PARAM_RE.match(body)
            if not m:
                raise QueryError(
                    f"{where}:{lineno}: cannot read this parameter line; write "
                    "'# param: NAME (TYPE, default VALUE) — what it is' "
                    "(or 'optional' / 'required' instead of a default)"
                )
            p = _param_from_match(m, where, lineno)
            if p.name in params:
                raise QueryError(f"{where}:{lineno}: parameter {p.name!r} is declared twice "
                                 f"(first on line {params[p.name].line})")
            params[p.name] = p
        elif body.startswith("example:"):
            examples.append(body[len("example:"):].strip())
        elif body.startswith("bind:"):
            bind = body[len("bind:"):].strip()
            if bind not in BIND_MODES:
                raise QueryError(f"{where}:{lineno}: cannot read this bind line; write "
                                 f"'# bind: values' or '# bind: substitution', not {bind!r}")
        elif m := _OTHER_KEY.match(body):
            # the older "# name: / # description:" style: the description is the title
            if m["key"] == "description" and not title:
                title = m["value"].strip()
            elif m["key"] != "name":
                description.append(body)
        elif not title:
            title = body
        else:
            description.append(body)
    return title, description, params, examples, bind


def _param_from_match(m: re.Match, where: str, lineno: int) -> Param:
    ptype = m["type"].lower()
    if ptype not in PARAM_TYPES:
        raise QueryError(f"{where}:{lineno}: parameter {m['name']!r} has unknown type {ptype!r} "
                         f"(use one of {', '.join(PARAM_TYPES)})")
    default = m["default"]
    if default is not None and default.startswith('"'):
        default = re.sub(r"\\(.)", r"\1", default[1:-1])
    p = Param(m["name"], ptype, default, required=m["flag"] == "required" or
              (default is None and m["flag"] is None), doc=(m["doc"] or "").strip(), line=lineno)
    if default is not None:
        try:
            parse_value(p, default, DEFAULT_BASE)
        except QueryError as e:
            raise QueryError(f"{where}:{lineno}: the default is not valid: {e}") from None
    return p


# ------------------------------------------------------------------ loading


def query_files(directory: Path = QUERIES_DIR) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.rq") if p.is_file())


def load_text(text: str, name: str, path: Path | None = None) -> SavedQuery:
    """Parse header and query; raises :class:`QueryError` naming the file and line."""
    where = str(path) if path else name
    title, description, params, examples, bind = parse_header(text, where)
    form, variables, uses_service = inspect_sparql(text, where)
    q = SavedQuery(name, path, text, title, description, params, examples, form, variables,
                   uses_service, bind)
    for p in params.values():
        if not re.search(rf"[?$]{re.escape(p.name)}\b", strip_comments(text)):
            raise QueryError(f"{where}:{p.line}: parameter {p.name!r} is declared but the query "
                             f"never uses ?{p.name}")
        if re.search(rf"(?i)\bBOUND\s*\(\s*[?$]{re.escape(p.name)}\s*\)", strip_comments(text)):
            # pyoxigraph's substitution replaces ?name by the value, yet BOUND(?name) stays
            # false; a remote VALUES block makes it true. Results would differ.
            raise QueryError(f"{where}:{p.line}: do not test BOUND(?{p.name}) on a parameter: "
                             "give it a default instead (BOUND differs between engines)")
        if form == "SELECT" and p.name not in variables:
            # pyoxigraph substitutes only projected variables, and a projected parameter makes
            # every result row say which value it was computed for.
            raise QueryError(f"{where}:{p.line}: parameter ?{p.name} must appear in the SELECT "
                             "clause (add it to the projection; with GROUP BY, group by it)")
    if q.is_violation and (form != "SELECT" or any(p.required for p in params.values())):
        raise QueryError(f"{where}: a *-violation query must be a SELECT whose parameters all "
                         "have defaults: the build runs it without arguments")
    return q


def load(name_or_path: str | Path, directory: Path = QUERIES_DIR) -> SavedQuery:
    """A saved query by name (``agency-measures``) or an ``.rq`` file by path."""
    arg = str(name_or_path)
    looks_like_path = arg.endswith(".rq") or "/" in arg or "\\" in arg
    path = Path(arg) if looks_like_path else Path(directory) / f"{arg}.rq"
    if not path.is_file():
        if looks_like_path:
            raise QueryError(f"{arg}: no such query file")
        known = [p.stem for p in query_files(directory)]
        close = difflib.get_close_matches(arg, known, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (`cgtkg queries` lists them)"
        raise QueryError(f"no saved query named {arg!r}{hint}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise QueryError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    return load_text(text, path.stem, path)


def saved_queries(directory: Path = QUERIES_DIR) -> list[SavedQuery]:
    return [load(p, directory) for p in query_files(directory)]


# ------------------------------------------------------------------ checking SPARQL text


_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
          "DescribeQuery": "DESCRIBE"}


def inspect_sparql(text: str, where: str = "<query>") -> tuple[str, list[str], bool]:
    """Parse ``text`` as a SPARQL query: its form, its projected variables, SERVICE use.

    A text that is an update (INSERT, DELETE, LOAD, CLEAR, DROP ...) is refused here, so
    nothing that goes through ``cgtkg query`` can change a store.
    """
    try:
        parsed = parseQuery(text)
    except ParseException as e:
        try:
            parseUpdate(text)
        except ParseException:
            raise QueryError(f"{where}:{e.lineno}:{e.col}: SPARQL syntax error: {e.msg}") from None
        raise QueryError(f"{where}: is a SPARQL update; `cgtkg query` only runs queries "
                         "(SELECT, ASK, CONSTRUCT, DESCRIBE) and never changes a store") from None
    form = _FORMS.get(parsed[1].name, parsed[1].name)
    # Looked for before translateQuery, which rewrites the parse tree in place: a FILTER
    # [NOT] EXISTS moves into the algebra and its SERVICE vanishes from the tree (issue 26).
    uses_service = _has_service(parsed) or mentions_service(text)
    variables: list[str] = []
    if form == "SELECT":
        try:
            algebra = translateQuery(parsed).algebra
            variables = [str(v) for v in algebra["PV"]]
        except Exception as e:  # rdflib's algebra rejects a few valid-looking constructs
            raise QueryError(f"{where}: cannot analyse the query: {e}") from None
        uses_service = uses_service or _has_service(algebra)
        if re.search(r"(?i)\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?\*", strip_comments(text)):
            variables.sort()
    return form, variables, uses_service


def mentions_service(text: str) -> bool:
    """Whether the SPARQL keyword ``SERVICE`` occurs anywhere in ``text`` as a keyword
    (not inside a string, an IRI, a comment, a variable or a prefixed name).

    Why a lexical check on top of the parse tree: SPARQL cannot federate without that
    keyword, so this holds whatever the nesting (FILTER EXISTS, subqueries, OPTIONAL, MINUS)
    and whatever the engine's own algebra does with it; a tree walk only sees the forms it
    was written for.  It errs on the side of refusing: ``:SERVICE`` with the empty prefix is
    taken for the keyword only when it is not preceded by ``:``.
    """
    for m in _LEX.finditer(text):
        if m.lastgroup == "word" and m.group().upper() == "SERVICE":
            before = text[: m.start()].rstrip()
            if not before.endswith(":"):
                return True
    return False


def _has_service(node, depth: int = 0) -> bool:
    """A ``ServiceGraphPattern`` anywhere in a parse tree or algebra (expressions included)."""
    if depth > 2000:  # deeper than any query the parser accepts; refuse rather than recurse
        return True
    if isinstance(node, CompValue):
        if node.name in ("ServiceGraphPattern", "Service"):
            return True
        return any(_has_service(v, depth + 1) for v in dict.values(node))
    if isinstance(node, (list, tuple, set, frozenset)):
        return any(_has_service(v, depth + 1) for v in node)
    if isinstance(node, dict):
        return any(_has_service(v, depth + 1) for v in node.values())
    if hasattr(node, "asList") and not isinstance(node, str):
        return any(_has_service(v, depth + 1) for v in node)
    return False


# ------------------------------------------------------------------ parameter values


_IRI_BAD = re.compile(r'[\s<>"{}|^`\\\x00-\x1f]')
_PNAME = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9_.-]*)?:(?P<local>.*)$")


def known_prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    out = {k: str(v) for k, v in PREFIXES.items()}
    out.update(instance_prefixes(base))
    return out


def parse_value(param: Param, raw: str, base: str = DEFAULT_BASE) -> Node:
    """Text from the command line or a header default -> an RDF term of the declared type."""
    name = param.name
    if param.type in KEY_TYPES:
        try:
            return parse_key(param.type, raw, base, what=f"parameter {name!r}")
        except BadKey as e:
            raise QueryError(str(e)) from None
    if param.type == "iri":
        return parse_iri(raw, base, what=f"parameter {name!r}")
    if param.type == "date":
        text = raw.strip()
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or len(text) != 10:
            raise QueryError(f"parameter {name!r}: {raw!r} is not a date; write YYYY-MM-DD")
        return Literal(value.isoformat(), datatype=XSD.date)
    if param.type == "integer":
        if not re.fullmatch(r"\s*[+-]?\d+\s*", raw):
            raise QueryError(f"parameter {name!r}: {raw!r} is not an integer")
        return Literal(int(raw), datatype=XSD.integer)
    if any(ord(c) < 32 and c not in "\t\n" for c in raw):
        raise QueryError(f"parameter {name!r}: the text contains control characters")
    return Literal(raw)


def parse_iri(raw: str, base: str = DEFAULT_BASE, what: str = "value") -> URIRef:
    """``ag:nmpa``, ``<https://…>`` or ``https://…`` -> URIRef; anything else is refused."""
    text = raw.strip()
    bracketed = text.startswith("<") and text.endswith(">")
    if bracketed:
        text = text[1:-1]
    if not text:
        raise QueryError(f"{what}: empty IRI")
    if bad := _IRI_BAD.search(text):
        raise QueryError(f"{what}: {raw!r} is not an IRI (it contains {bad.group()!r}); "
                         "write a prefixed name such as ag:nmpa or a full IRI")
    prefixes = known_prefixes(base)
    m = _PNAME.match(text)
    if m is None:
        raise QueryError(f"{what}: {raw!r} is not an IRI; write a prefixed name with a known "
                         f"prefix (ag:nmpa, rg:guangdong, th:car-t, ...) or a full IRI")
    prefix = m["prefix"] or ""
    if not bracketed and prefix in prefixes:
        return URIRef(prefixes[prefix] + m["local"])
    if prefix.lower() in _URI_SCHEMES or m["local"].startswith("//"):
        return URIRef(text)
    raise QueryError(f"{what}: {raw!r}: unknown prefix {prefix!r}; known prefixes are "
                     f"{', '.join(sorted(p for p in prefixes if p))}")


_URI_SCHEMES = {"http", "https", "urn", "mailto", "file", "tag", "info", "doi", "did", "ftp"}


def resolve_bindings(query: SavedQuery, given: Mapping[str, str],
                     base: str = DEFAULT_BASE) -> dict[str, Node]:
    """Declared parameters + given values (+ defaults) -> ``{var: term}`` bindings.

    Optional parameters without a value stay unbound; the query decides what that means.
    """
    unknown = sorted(set(given) - set(query.params))
    if unknown:
        declared = ", ".join(query.params) or "none"
        raise QueryError(f"{query.name}: unknown parameter {', '.join(map(repr, unknown))} "
                         f"(declared: {declared})")
    out: dict[str, Node] = {}
    for name, p in query.params.items():
        if name in given:
            out[name] = parse_value(p, given[name], base)
        elif p.default is not None:
            out[name] = parse_value(p, p.default, base)
        elif p.required:
            raise QueryError(f"{query.name}: parameter {name!r} is required "
                             f"(--param {name}=...; {p.doc})")
    return out


def check_keys(query: SavedQuery, bindings: Mapping[str, Node], given: Mapping[str, str],
               index: KeyIndex) -> None:
    """Every agency, region, therapy or document the caller gave must name one in the graph:
    a mistyped key is an error with suggestions, not an empty answer.  (Defaults are the
    query author's examples and are not checked: a graph may lack them.)"""
    for name, p in query.params.items():
        if p.type in KEY_TYPES and name in bindings and name in given:
            try:
                index.check(p.type, bindings[name], given[name], what=f"parameter {name!r}")
            except BadKey as e:
                raise QueryError(str(e)) from None


def parse_param_args(args: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["agency=ag:nmpa", ...]`` -> ``{"agency": "ag:nmpa"}``."""
    out: dict[str, str] = {}
    for a in args:
        key, sep, value = a.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise QueryError(f"--param {a!r}: write --param NAME=VALUE")
        if key in out:
            raise QueryError(f"--param {key} is given twice")
        out[key] = value
    return out


# ------------------------------------------------------------------ base IRI


def rebase_prologue(text: str, base: str) -> str:
    """Point the query's instance ``PREFIX`` declarations at another base IRI.

    Saved queries are written against the default base so that they can be pasted into any
    SPARQL editor; a graph built with ``--base`` needs their ``ag:``/``rg:``/... prefixes
    moved.  Only prologue declarations change, never parameter values.
    """
    if base == DEFAULT_BASE:
        return text
    pattern = re.compile(r"(?im)^(\s*PREFIX\s+[A-Za-z0-9_-]*:\s*<)" + re.escape(DEFAULT_BASE))
    return pattern.sub(lambda m: m.group(1) + base, text)


# ------------------------------------------------------------------ VALUES for remote engines


def with_values(text: str, bindings: Mapping[str, Node], *, check: bool = True) -> str:
    """Return ``text`` with a ``VALUES`` block opening its outermost WHERE group.

    This is how parameters reach a remote engine: each term is written by rdflib
    (``term.n3()``), which escapes it, so a value can never change the query's shape.  The
    block goes *inside* the WHERE group (not after it) so that FILTERs of that group see the
    values, as they do with pyoxigraph's substitutions.

    Where the blocks go depends on the text and the parameters' names only, and is worked
    out (and parsed) once per query (:func:`_values_layout`).  ``check`` parses the result
    once more; the embedded store leaves that to Oxigraph, which parses it anyway, since
    rdflib's parser took 40 ms of a 1-ms query.
    """
    if not bindings:
        return text
    written = {n: v.n3() for n, v in bindings.items()}
    out = _write_blocks(text, _values_layout(text, tuple(bindings)), written)
    if check:
        inspect_sparql(out, "<query with VALUES>")
    return out


_PLACEHOLDER = "urn:cgtkg:parameter:"


def _write_blocks(text: str, layout, terms: Mapping[str, str]) -> str:
    """``text`` with a ``VALUES`` block of ``terms`` (each already written as SPARQL) at each
    ``(index, parameters)`` of ``layout``."""
    pieces, last = [], 0
    for at, these in layout:
        row = " ".join(terms[n] for n in these)
        pieces += [text[last:at], f"\n  VALUES ({' '.join('?' + n for n in these)}) {{ ({row}) }}\n"]
        last = at
    return "".join(pieces) + text[last:]


@functools.lru_cache(maxsize=512)
def _values_layout(text: str, names: tuple[str, ...]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Where :func:`with_values` writes its blocks: ``(index in text, parameters)`` for the
    block that opens the WHERE group, then for each group that gets the block again.  Both
    forms are parsed here with a placeholder IRI for each value (any term written by rdflib
    stands where an IRI does)."""
    pos = _where_brace(text)
    layout = [(pos + 1, names)]
    placeholders = {n: f"<{_PLACEHOLDER}{n}>" for n in names}
    out = _write_blocks(text, layout, placeholders)
    inspect_sparql(out, "<query with VALUES>")
    # The same values again at the start of each OPTIONAL, MINUS and UNION group of the
    # WHERE clause that binds a parameter in a pattern of its own: Oxigraph plans such a
    # group without the outer block and read it whole (agency-measures: every annotation
    # of the store for one agency, 4.1 s -> 0.06 s at 1,000 texts, as with a substitution).
    shift = len(out) - len(text)  # the outer block, before every inner group
    inner = [(brace + 1 - shift, tuple(these))
             for brace, these in _groups_binding(out, pos + 1 + shift, list(names))]
    if not inner:
        return tuple(layout)
    try:
        inspect_sparql(_write_blocks(text, layout + inner, placeholders), "<query with VALUES>")
    except QueryError:
        return tuple(layout)  # a form the scan misread: the outer block alone is always right
    return tuple(layout + inner)


#: Inside a group, words that make a parameter's value inside it differ from outside it
#: (a sub-select's own variables, assignments, graph scopes): such groups are left alone.
_SCOPING = {"SELECT", "BIND", "VALUES", "GRAPH", "SERVICE", "EXISTS"}


def _groups_binding(text: str, start: int, names: list[str]) -> list[tuple[int, list[str]]]:
    """``(index of its {, parameters)`` for each group one level inside the WHERE group
    (which opens before ``start`` and whose first element is the parameters' block) that is
    an ``OPTIONAL`` or ``MINUS`` group or a ``UNION`` branch, holds none of the scoping words,
    and uses a parameter in one of its own triple patterns (not only in a nested group or an
    expression).  Joining such a group with the parameters' row first gives the answer the
    query gives (every outer row has that row's values; the group binds the parameter in
    every solution of its own, so no solution changes, only those that could never join
    are left out), and engines then look the group up from the values."""
    wanted = {f"?{n}" for n in names} | {f"${n}" for n in names}
    found: list[tuple[int, list[str]]] = []
    depth, parens, prev_word = 1, 0, ""
    group: dict | None = None  # the depth-2 group being read
    for m in _LEX.finditer(text, start):
        kind, value = m.lastgroup, m.group()
        if kind == "comment" or (kind == "other" and value.isspace()):
            continue
        if kind == "brace":
            if value == "{":
                depth += 1
                if depth == 2:
                    group = {"at": m.start(), "kind": prev_word.upper(), "uses": set(), "bad": False}
            else:
                if depth == 2 and group is not None:
                    nxt = text[m.end():].lstrip()
                    union_next = nxt[:5].upper() == "UNION" and not nxt[5:6].isalnum()
                    if (group["kind"] in ("OPTIONAL", "MINUS", "UNION") or union_next) \
                            and not group["bad"] and group["uses"]:
                        found.append((group["at"], sorted(n[1:] for n in group["uses"])))
                    group = None
                depth -= 1
                if depth == 0:
                    break
            prev_word = ""
            continue
        if kind == "other" and value in "()":
            parens += 1 if value == "(" else -1
        if group is not None:
            if kind == "word" and value.upper() in _SCOPING:
                group["bad"] = True
            elif kind == "word" and value in wanted and depth == 2 and parens == 0:
                group["uses"].add(value)
        prev_word = value if kind == "word" else ""
    return found


def _where_brace(text: str) -> int:
    """Index of the ``{`` that opens the query's WHERE clause (skipping strings, IRIs, comments)."""
    return _where(text)[1]


def _where(text: str) -> tuple[int, int]:
    """(start of the WHERE clause: the keyword, or its brace when the keyword is left out;
    the brace), at the top level of the query."""
    tokens = list(_top_level_tokens(text))
    for i, (kind, pos, value) in enumerate(tokens):
        if kind == "word" and value.upper() == "WHERE":
            for kind2, pos2, _ in tokens[i + 1:]:
                if kind2 == "{":
                    return pos, pos2
    # SELECT/ASK without the optional WHERE keyword: the first top-level group, unless it
    # is a CONSTRUCT template (a CONSTRUCT always says WHERE before its pattern).
    for kind, pos, _ in tokens:
        if kind == "{":
            return pos, pos
    raise QueryError("cannot find the query's WHERE clause")


def with_dataset(text: str, graphs: list[str]) -> str:
    """Return ``text`` with ``FROM``/``FROM NAMED`` clauses naming ``graphs``.

    Why in the query and not as ``default-graph-uri`` protocol parameters: Virtuoso echoes
    each protocol graph back as a response header, and past about a hundred graphs Python's
    HTTP client refuses the response.  A query that names its own dataset is left alone.
    """
    tokens = list(_top_level_tokens(text))
    start, _ = _where(text)
    if any(k == "word" and v.upper() == "FROM" and p < start for k, p, v in tokens):
        return text
    clauses = "".join(f"FROM {URIRef(g).n3()}\n" for g in graphs)
    clauses += "".join(f"FROM NAMED {URIRef(g).n3()}\n" for g in graphs)
    out = text[:start] + clauses + text[start:]
    inspect_sparql(out, "<query with FROM>")
    return out


_LEX = re.compile(
    r'''(?P<comment>\#[^\n]*)
      | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'
                  |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<brace>[{}])
      | (?P<word>[?$]?[A-Za-z_][A-Za-z0-9_-]*(?::[A-Za-z0-9_.-]*)?)
      | (?P<other>.)''',
    re.VERBOSE | re.DOTALL,
)


def _top_level_tokens(text: str):
    depth = 0
    for m in _LEX.finditer(text):
        kind = m.lastgroup
        if kind == "brace":
            if m.group() == "{":
                if depth == 0:
                    yield "{", m.start(), "{"
                depth += 1
            else:
                depth -= 1
        elif kind == "word" and depth == 0:
            yield "word", m.start(), m.group()


def strip_comments(text: str) -> str:
    """The query without ``#`` comments (strings and IRIs that contain ``#`` are kept)."""
    return "".join(m.group() for m in _LEX.finditer(text) if m.lastgroup != "comment")


# ------------------------------------------------------------------ running locally


@dataclass
class Result:
    """What a query returned, in one shape for the embedded store and remote endpoints."""

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None


def prepare(query: SavedQuery, *, allow_service: bool = False) -> None:
    if query.uses_service and not allow_service:
        raise QueryError(f"{query.name}: the query uses SERVICE, which would send it to other "
                         "servers; pass --allow-service if that is intended")


def run_local(store, query: SavedQuery, bindings: Mapping[str, Node], *,
              base: str = DEFAULT_BASE, allow_service: bool = False) -> Result:
    """Run on the embedded store (default graph = union of named graphs)."""
    prepare(query, allow_service=allow_service)
    text = rebase_prologue(query.text, base)
    text, substitutions = local_call(query, text, bindings)
    try:
        out = store.query(text, bindings=substitutions, allow_service=allow_service)
    except SyntaxError as e:
        raise QueryError(f"{query.path or query.name}: the store rejects the query: {e}") from None
    return to_result(query, out)


def local_call(query: SavedQuery, text: str, bindings: Mapping[str, Node]) -> tuple[str, dict]:
    """The text and the substitutions the embedded store is given for ``query``.

    By default the parameters are pyoxigraph substitutions.  A query whose header says
    ``# bind: values`` gets them written into its text as a remote engine does
    (:func:`with_values`): Oxigraph then starts from the values and looks up the groups the
    block is repeated in, where a substitution leaves the plan it made for the query alone
    (queries/README.md, rule 14).
    """
    if query.bind == "values" and bindings:
        return with_values(text, bindings, check=False), {}
    return text, dict(bindings)


def to_result(query: SavedQuery, out) -> Result:
    if isinstance(out, bool):
        return Result("ASK", boolean=out)
    if isinstance(out, Graph):
        return Result(query.form, graph=out)
    return Result("SELECT", list(query.variables), list(out))


def detect_base(store) -> str:
    """The base IRI a store was built with: its graphs are all named ``<base>graph/...``."""
    bases = set()
    for g in store.named_graphs():
        text = str(g)
        if text.endswith("graph/registry"):
            return text[: -len("graph/registry")]
        if "/graph/" in text:
            bases.add(text[: text.index("/graph/") + 1])
    return bases.pop() if len(bases) == 1 else DEFAULT_BASE


# ------------------------------------------------------------------ output formats


OUTPUT_FORMATS = ("table", "csv", "tsv", "json")


def format_result(result: Result, fmt: str, base: str = DEFAULT_BASE, *, wide: bool = False,
                  width: int | None = None) -> str:
    """Render a result: an aligned table for people, SPARQL 1.1 CSV/TSV/JSON for programs.

    The table fits ``width`` terminal cells (default: the terminal's), wrapping text and
    cutting keys; ``wide`` prints every cell in full (graph/tables.py).
    """
    if result.form == "ASK":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if result.graph is not None:
        g = bind_prefixes(Graph(), base)
        g += result.graph
        fmt_rdf = {"table": "turtle", "json": "json-ld"}.get(fmt, "nt")
        return g.serialize(format=fmt_rdf)
    if fmt == "json":
        return json.dumps(_sparql_json(result), ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(result.variables)
        for row in result.rows:
            w.writerow([_csv_term(row.get(v)) for v in result.variables])
        return buf.getvalue()
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in result.variables)]
        lines += ["\t".join(_nt_term(row.get(v)) for v in result.variables) for row in result.rows]
        return "\n".join(lines) + "\n"
    return _table(result, base, wide=wide, width=width)


def _sparql_json(result: Result) -> dict:
    bindings = []
    for row in result.rows:
        b = {}
        for var, term in row.items():
            if isinstance(term, URIRef):
                b[var] = {"type": "uri", "value": str(term)}
            elif isinstance(term, Literal):
                b[var] = {"type": "literal", "value": str(term)}
                if term.language:
                    b[var]["xml:lang"] = term.language
                elif term.datatype:
                    b[var]["datatype"] = str(term.datatype)
            elif term is not None:
                b[var] = {"type": "bnode", "value": str(term)}
        bindings.append(b)
    return {"head": {"vars": result.variables}, "results": {"bindings": bindings}}


def _csv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _nt_term(term: Node | None) -> str:
    if term is None:
        return ""
    from cgtkg.graph.store import to_ox

    return str(to_ox(term))


def _short(term: Node | None, nsm: list[tuple[str, str]]) -> str:
    """A cell for people: ``ag:nmpa`` rather than the full IRI, literals without markup."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        matches = [(p, ns) for p, ns in nsm if text.startswith(ns)]
        if matches:
            prefix, ns = max(matches, key=lambda m: len(m[1]))
            return f"{prefix}:{text[len(ns):]}"
        return f"<{text}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return " ".join(str(term).split())


def _table(result: Result, base: str, *, wide: bool = False, width: int | None = None) -> str:
    from cgtkg.graph.tables import render

    nsm = [(p, ns) for p, ns in known_prefixes(base).items() if p] + [("gr", f"{base}graph/")]
    cells = [[_short(row.get(v), nsm) for v in result.variables] for row in result.rows]
    n = len(result.rows)
    return render(result.variables, cells, wide=wide, width=width) + f"({n} row{'s' if n != 1 else ''})\n"
