"""``cgtkg push``: replace the named graphs on a SPARQL server (Graph Store Protocol)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cgtkg.cli.cli_options import out_option
from cgtkg.cli.cmd_query import positive_seconds
from cgtkg.graph import console, remote
from cgtkg.graph import export as E
from cgtkg.graph import query as Q
from cgtkg.graph.errors import EXIT_BAD_INPUT
from cgtkg.graph.store import GraphStore


@click.command("push")
@click.option("--endpoint", required=True,
              help="SPARQL query endpoint URL, or an endpoint name from the config file; "
                   "used to verify triple counts.")
@click.option("--graph-store", default=None,
              help="Graph Store Protocol URL (default: derived for Oxigraph /query -> /store "
                   "and Virtuoso /sparql -> /sparql-graph-crud-auth).")
@out_option(legacy=("--from",))
@click.option("--batch-size", type=int, default=None,
              help=f"Triples per request (default {remote.DEFAULT_BATCH}).")
@click.option("--timeout", type=float, default=None, callback=positive_seconds,
              help="Seconds each request may take, answer included (a deadline, not a per-read wait).")
def push_cmd(endpoint: str, graph_store: str | None, out_dir: Path, batch_size: int | None,
             timeout: float | None) -> None:
    """Replace every named graph on a SPARQL server with the built one, then verify counts.

    Credentials come from CGTKG_ENDPOINT_USER / CGTKG_ENDPOINT_PASSWORD or the config file
    (~/.config/cgtkg/endpoints.toml, or the file CGTKG_CONFIG names), never from the command
    line. Exit codes: 0 every graph replaced and verified, 2 bad input, 4 the server failed
    (the report says which graphs were replaced and which were left as they were).
    """
    store = GraphStore.open_or_exit(out_dir)
    base = Q.detect_base(store)
    try:
        ep = remote.resolve_endpoint(endpoint, graph_store)
    except remote.RemoteError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if batch_size is not None:
        if batch_size < 1:
            click.echo("error: --batch-size must be at least 1", err=True)
            sys.exit(EXIT_BAD_INPUT)
        ep.batch_size = batch_size
    if timeout is not None:
        ep.timeout = timeout
    if not ep.graph_store_url:
        click.echo(f"error: cannot tell the Graph Store URL of {ep.query_url}; pass --graph-store",
                   err=True)
        sys.exit(EXIT_BAD_INPUT)
    graphs = len(store.named_graphs())
    console.info(f"pushing {graphs} graphs to {ep.graph_store_url}")
    catalog = E.void_description(store, base=base, out_dir=out_dir, endpoint=ep.query_url)
    try:
        with console.progress("pushing") as bar:
            done = 0

            def log(line: str) -> None:
                nonlocal done
                done += line.startswith("replaced ")
                bar.update(done, graphs)
                console.detail(line)

            report = remote.push(store, ep, base=base, catalog=catalog, log=log)
    except remote.RemoteError as e:
        click.echo(f"error: nothing was replaced: {e}", err=True)
        sys.exit(remote.EXIT_REMOTE)
    if report.failed:
        for line in report.lines():
            click.echo(line, err=True)
        sys.exit(remote.EXIT_REMOTE)
    for g in report.pruned:
        console.detail(f"removed {g} (no longer in the store)")
    total = sum(n for _, n in report.replaced)
    pruned = f", removed {len(report.pruned)} graph(s) no longer in the store" if report.pruned else ""
    console.info(f"replaced {len(report.replaced)} graphs ({total} triples){pruned}; counts verified",
                 err=False)
    _say_how_to_query(ep, base, graphs)


def _say_how_to_query(ep, base: str, graphs: int) -> None:
    """Queries name every graph unless the server serves their union (docs/remote.md):
    say which this server allows, when it matters."""
    if ep.dataset == "union" or graphs <= remote.MANY_GRAPHS:
        return
    try:
        union = remote.serves_union(ep, base)
    except remote.RemoteError:
        return
    if union:
        console.info(f"this server's default graph is the union of its graphs: if it holds this "
                     f"project alone, query it with --dataset union (or dataset = \"union\" in the "
                     f"endpoint config); naming all {graphs:,} graphs costs far more")
    else:
        console.info(f"queries will name each of the {graphs:,} graphs (FROM), which is slow; a "
                     "server that holds this project alone can serve their union as its default "
                     "graph (oxigraph serve --union-default-graph) and be queried with --dataset union")


commands = [push_cmd]
