"""``cgtkg export``: the store as Turtle, TriG, N-Triples, N-Quads or JSON-LD, or its VoID."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from graph import export as E
from graph import query as Q
from graph.store import GraphStore, write_atomically


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(list(E.FORMATS)), default="trig",
              show_default=True,
              help="turtle/nt: all graphs merged; trig/nq/jsonld: one named graph per source.")
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File to write (default: standard output).")
@click.option("--from", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("out"), show_default=True,
              help="The build's output directory, which holds the store.")
@click.option("--void", "void", is_flag=True,
              help="Write the VoID/DCAT description of the dataset instead of the data "
                   "(graphs with triple counts, sources, licence, build time, tool version).")
@click.option("--endpoint", default=None,
              help="With --void: the SPARQL endpoint URL to advertise (void:sparqlEndpoint).")
def export_cmd(fmt: str, out_file: Path | None, out_dir: Path, void: bool,
               endpoint: str | None) -> None:
    """Export the built graph for linked-data consumers (nothing is fetched from the network)."""
    store = GraphStore.open_or_exit(out_dir)
    base = Q.detect_base(store)
    if void:
        g = E.void_description(store, base=base, out_dir=out_dir, endpoint=endpoint)
        rdf_fmt = {"turtle": "turtle", "trig": "turtle", "nt": "nt", "nq": "nt",
                   "jsonld": "json-ld"}[fmt]
        kwargs = {"context": E.jsonld_context(base)} if rdf_fmt == "json-ld" else {}
        data = g.serialize(format=rdf_fmt, encoding="utf-8", **kwargs)
    else:
        data = E.export(store, fmt, base=base)
    if out_file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out_file, data)
        click.echo(f"wrote {out_file} ({len(data)} bytes)", err=True)


commands = [export_cmd]
