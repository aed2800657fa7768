"""``cgtkg export``: the store as Turtle, TriG, N-Triples, N-Quads or JSON-LD, or its VoID."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cgtkg.cli.cli_options import out_option, output_option, warn_deprecated
from cgtkg.graph import console
from cgtkg.graph import export as E
from cgtkg.graph import query as Q
from cgtkg.graph.store import GraphStore, write_atomically

_RDF_SUFFIXES = (".trig", ".ttl", ".nt", ".nq", ".jsonld", ".json", ".rdf", ".n3")


def _old_out_file(ctx: click.Context, value: Path) -> bool:
    """Before `--out` meant the build folder everywhere, `export --out` named the file to
    write: such a value (an RDF file name, or an existing file) is still taken as the file."""
    if value.suffix.lower() in _RDF_SUFFIXES or value.is_file():
        warn_deprecated(f"--out {value} (a file)", f"--output {value}")
        ctx.meta["cgtkg.export.old-out-file"] = value
        return True
    return False


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(list(E.FORMATS)), default="trig",
              show_default=True,
              help="turtle/nt: all graphs merged; trig/nq/jsonld: one named graph per source.")
@output_option("File to write (default: standard output).")
@out_option(legacy=("--from",), reinterpret=_old_out_file, dir_only=False)
@click.option("--void", "void", is_flag=True,
              help="Write the VoID/DCAT description of the dataset instead of the data "
                   "(graphs with triple counts, sources, licence, build time, tool version).")
@click.option("--endpoint", default=None,
              help="With --void: the SPARQL endpoint URL to advertise (void:sparqlEndpoint).")
def export_cmd(fmt: str, output: Path | None, out_dir: Path, void: bool,
               endpoint: str | None) -> None:
    """Export the built graph for linked-data consumers (nothing is fetched from the network)."""
    old = click.get_current_context().meta.get("cgtkg.export.old-out-file")
    if output is not None and old is not None:
        raise click.BadParameter(f"{old} is a file name: write the file with --output and the build "
                                 "folder with --out", param_hint="--out")
    out_file = output or old
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
        console.info(f"wrote {out_file} ({len(data)} bytes)")


commands = [export_cmd]
