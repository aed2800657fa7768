"""``cgtkg queries`` and ``cgtkg query``: saved SPARQL queries, locally or on an endpoint."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cgtkg.cli.cli_options import out_option
from cgtkg.graph import console
from cgtkg.graph import query as Q
from cgtkg.graph.errors import EXIT_BAD_INPUT, EXIT_STORE_WRITE, EXIT_VIOLATIONS
from cgtkg.graph.keys import KeyIndex
from cgtkg.graph.store import GraphStore, StoreError


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.command("queries")
@click.option("--verbose", "-v", is_flag=True, help="Also show parameters and example calls.")
def queries_cmd(verbose: bool) -> None:
    """List the saved queries (queries/*.rq) with the question each answers."""
    verbose = verbose or console.level() >= console.VERBOSE
    try:
        saved = Q.saved_queries()
    except Q.QueryError as e:
        fail(str(e), EXIT_BAD_INPUT)
    width = max((len(q.name) for q in saved), default=0)
    for q in saved:
        mark = " [check]" if q.is_violation else ""
        click.echo(f"{q.name.ljust(width)}  {q.title}{mark}")
        if verbose:
            for p in q.params.values():
                dflt = f"default {p.default}" if p.default is not None else (
                    "required" if p.required else "optional")
                click.echo(f"{'':{width}}    --param {p.name}=<{p.type}>  ({dflt}) {p.doc}")
            for ex in q.examples:
                click.echo(f"{'':{width}}    e.g. {ex}")


def positive_seconds(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """--timeout: a finite number of seconds above 0 (0 once meant the 60 s default, -1 was taken)."""
    if value is not None and not 0 < value <= 10**6:
        raise click.BadParameter(f"{value:g} is not a number of seconds above 0 (at most 1000000)")
    return value


@click.command("query")
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter value; IRIs as prefixed names (ag:nmpa) or full IRIs, dates as "
                   "YYYY-MM-DD. Repeat for several.")
@click.option("--format", "fmt", type=click.Choice(Q.OUTPUT_FORMATS), default="table",
              show_default=True, help="table for people; csv, tsv, json are SPARQL 1.1 results.")
@click.option("--wide", is_flag=True,
              help="With --format table: every cell in full on one line, whatever the terminal's width.")
@out_option(legacy=("--from",))
@click.option("--endpoint", default=None,
              help="Run on this SPARQL endpoint (URL or a name from the endpoints config) "
                   "instead of the local store.")
@click.option("--base", default=None,
              help="Base IRI of the instance data (default: read from the store, or the "
                   "project default).")
@click.option("--dataset", type=click.Choice(["listed", "union"]), default=None,
              help="With --endpoint: how the query names the project's data. listed (default, "
                   "or the endpoint config's `dataset`): FROM each of its graphs, so that other "
                   "graphs on the server never mix in; slow past a few hundred graphs. union: "
                   "the server's default graph, for a server that holds this project alone and "
                   "serves the union of its graphs (oxigraph serve --union-default-graph).")
@click.option("--allow-service", is_flag=True, help="Allow SERVICE (federated) clauses.")
@click.option("--timeout", type=float, default=None, callback=positive_seconds,
              help="Seconds the whole remote query may take (a deadline, not a per-read wait).")
def query_cmd(name: str, params: tuple[str, ...], fmt: str, wide: bool, out_dir: Path,
              endpoint: str | None, base: str | None, dataset: str | None, allow_service: bool,
              timeout: float | None) -> None:
    """Run a saved query (NAME, see `cgtkg queries`) or a query FILE (*.rq).

    Only queries run: update operations are refused, and so is SERVICE (in any nesting)
    unless --allow-service. Exit codes: 0 ok, 1 a *-violation check returned rows, 2 bad
    input (unknown query, malformed parameter, syntax error, bad endpoint URL, no store),
    4 the endpoint failed, 5 the store could not be read.
    """
    try:
        saved = Q.load(name)
        given = Q.parse_param_args(params)
        Q.prepare(saved, allow_service=allow_service)
        if endpoint:
            result, base = _remote(saved, given, endpoint, base, allow_service, timeout, dataset)
        else:
            store = GraphStore.open_or_exit(out_dir)
            base = base or Q.detect_base(store)
            bindings = Q.resolve_bindings(saved, given, base)
            Q.check_keys(saved, bindings, given, KeyIndex.for_store(store, base))
            result = Q.run_local(store, saved, bindings, base=base, allow_service=allow_service)
    except Q.QueryError as e:
        fail(str(e), EXIT_BAD_INPUT)
    except StoreError as e:
        fail(str(e), e.exit_code)
    except OSError as e:  # pyoxigraph: the store's files could not be read during the query
        fail(f"reading the store under {out_dir} failed: {e}; run `cgtkg build` if it persists",
             EXIT_STORE_WRITE)
    click.echo(Q.format_result(result, fmt, base, wide=wide), nl=False)
    if saved.is_violation and result.rows:
        click.echo(f"check {saved.name}: {len(result.rows)} violation(s)", err=True)
        sys.exit(EXIT_VIOLATIONS)


def _remote(saved: Q.SavedQuery, given: dict, endpoint: str, base: str | None,
            allow_service: bool, timeout: float | None, dataset: str | None = None):
    from cgtkg.graph import remote
    from cgtkg.graph.namespaces import DEFAULT_BASE

    base = base or DEFAULT_BASE
    try:
        ep = remote.resolve_endpoint(endpoint, dataset=dataset)
    except remote.RemoteError as e:  # a bad URL or config: bad input, as for `push`
        fail(str(e), EXIT_BAD_INPUT)
    if timeout is not None:
        ep.timeout = timeout
    try:
        bindings = Q.resolve_bindings(saved, given, base)
        keys = KeyIndex(lambda q, b: remote.run_query(ep, q, b, base=base).rows, base)
        try:
            Q.check_keys(saved, bindings, given, keys)
        except Q.QueryError as e:
            fail(str(e), EXIT_BAD_INPUT)
        return remote.run_query(ep, saved, bindings, base=base, allow_service=allow_service), base
    except remote.RemoteError as e:
        fail(str(e), remote.EXIT_REMOTE)


commands = [queries_cmd, query_cmd]
