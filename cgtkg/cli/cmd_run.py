"""``cgtkg run``: the main job a new user runs first.

Build and validate the graph on the embedded store, answer a few saved questions, draw
the agency network, and say where everything went.  Every step is the same library call
the individual commands make; nothing here reads the data a second way.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cgtkg.cli.cli_options import jobs_option, out_option
from cgtkg.cli.cmd_build import build_or_exit, report_problems
from cgtkg.graph import console
from cgtkg.graph import query as Q
from cgtkg.graph.errors import EXIT_OK
from cgtkg.graph.store import GraphStore
from cgtkg.pipeline.build import BuildOptions

# (saved query, parameters, how many rows to show): the card's first questions
QUESTIONS = [
    ("agency-measure-counts", {}, 12),
    ("agency-measures", {"agency": "ag:nmpa"}, 12),
    ("region-measures", {"region": "rg:guangdong"}, 12),
]


@click.command("run")
@out_option(dir_only=False, help="The build folder (store, graph files, reports, network).")
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, help="Also extract the plain-text documents in this folder.")
@jobs_option
def run_cmd(out_dir: Path, corpus_dir: Path | None, jobs: int) -> None:
    """Main job: build + validate, answer saved questions, draw the network."""
    click.echo(f"== build ({out_dir})")
    result = build_or_exit(BuildOptions(out_dir=out_dir, corpus_dir=corpus_dir, jobs=jobs,
                                        prune_in_background=True))
    report_problems(result)
    for v in result.violations:
        click.echo(str(v), err=True)
    if not result.published:
        click.echo(f"build failed (exit {result.exit_code}); see {out_dir / 'last-build.txt'}", err=True)
        sys.exit(result.exit_code)
    for line in result.file_lines:
        console.detail(f"  {line}", err=False)
    for line in result.summary:
        click.echo(f"  {line}")
    s = result.stats
    click.echo(f"  {s['documents']} documents, {s['provisions']} provisions, {s['agencies']} agencies, "
               f"{s['responsibility_links']} responsibility links, {s['citation_links']} citations, "
               f"{s['triples']} triples; SHACL conforms")

    store = GraphStore.open(out_dir)
    base = Q.detect_base(store)
    for name, params, limit in QUESTIONS:
        saved = Q.load(name)
        click.echo(f"\n== {name}: {saved.title}")
        if params:
            click.echo("   " + "  ".join(f"--param {k}={v}" for k, v in params.items()))
        bindings = Q.resolve_bindings(saved, params, base)
        answer = Q.run_local(store, saved, bindings, base=base)
        shown = Q.Result(answer.form, answer.variables, answer.rows[:limit])
        click.echo(Q.format_result(shown, "table", base), nl=False)
        if len(answer.rows) > limit:
            click.echo(f"   … {len(answer.rows) - limit} more rows: cgtkg query {name}"
                       + "".join(f" --param {k}={v}" for k, v in params.items()))

    from cgtkg.cli.cmd_network import draw
    from cgtkg.graph.network import NetworkFilters

    click.echo("\n== agency network")
    # kept with the build, so that `cgtkg network` without filters copies it (network_cache.py)
    outputs = draw(store, NetworkFilters(), out_dir / "network", base=base)
    click.echo(f"  {outputs.title}")

    click.echo("\n== outputs")
    for label, path in [
        ("store (Oxigraph)", out_dir / "store"),
        ("graph, one named graph per document", out_dir / "graph.trig"),
        ("graph, merged", out_dir / "graph.ttl"),
        ("build report", out_dir / "build-report.json"),
    ]:
        click.echo(f"  {label:<38} {path}")
    for label, path in outputs.files.items():
        click.echo(f"  network {label:<30} {path}")
    if result.exit_code != EXIT_OK:  # published without some input files: say so to scripts
        sys.exit(result.exit_code)


commands = [run_cmd]
