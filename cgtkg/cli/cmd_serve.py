"""``cgtkg serve``: the built store, read-only, over HTTP on this machine (graph/serve.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cgtkg.graph.errors import EXIT_BAD_INPUT


def _base(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from cgtkg.cli.cmd_build import _check_base

    return None if value is None else _check_base(ctx, param, value)


@click.command("serve")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"),
              show_default=True, help="The build's output directory, which holds the store.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but a loopback address makes the data and the "
                   "endpoint reachable from other machines.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--base", default=None, callback=_base,
              help="The base IRI whose IRIs this server answers at /id/ [default: the one the "
                   "store was built with, e.g. https://w3id.org/cgt-kg/id/].")
def serve_cmd(out_dir: Path, host: str, port: int, base: str | None) -> None:
    """Serve the built store read-only: SPARQL at /sparql, a query page at /, and every IRI of
    the dataset at /id/… (HTML for a browser; Turtle, JSON-LD or N-Triples by Accept).

    Updates are refused and the store is opened read-only. Stop with Ctrl+C. Exit codes:
    0 stopped, 2 bad input (no store, the port is taken), 5 the store cannot be read.
    """
    from cgtkg.graph.serve import is_loopback, serve
    from cgtkg.graph.store import StoreError, format_mismatch

    def ready(server, site) -> None:
        url = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_port}"
        store = site.live.get()
        click.echo(f"serving {store.path} read-only at {url}/  (SPARQL: {url}/sparql, "
                   f"IRIs: {url}/id/… for {site.base}…); Ctrl+C stops", err=True)
        stale = format_mismatch(store, out_dir)
        if stale:
            click.echo(f"warning: {stale}", err=True)
        if not is_loopback(host):
            click.echo(f"warning: listening on {host}: other machines can read the data", err=True)

    try:
        serve(out_dir, host, port, base, ready=ready)
    except StoreError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    except OSError as e:  # the address is taken or not ours
        click.echo(f"error: cannot listen on {host}:{port}: {e.strerror or e}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


commands = [serve_cmd]
