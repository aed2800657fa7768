"""``cgtkg build``, ``cgtkg validate`` and ``cgtkg stats``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cgtkg.cli.cli_options import jobs_option, out_option
from cgtkg.graph import console, safe_rdf
from cgtkg.graph import namespaces as ns
from cgtkg.graph.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_STORE_WRITE, EXIT_VIOLATIONS, BadInput
from cgtkg.graph.store import GraphStore, StoreError, check_output_dir
from cgtkg.pipeline.build import (
    BuildOptions,
    BuildResult,
    build,
    load_registry,
    load_shapes,
    validate_graph,
    write_last_attempt,
)


def build_or_exit(opts: BuildOptions) -> BuildResult:
    """``build(opts)`` with a progress bar on a terminal; a store that cannot be written (disk
    full, permissions) ends the command with one line and exit code 5 instead of a traceback."""
    with console.progress("building") as bar:
        if opts.progress is None:
            opts.progress = lambda done, total: bar.update(done, total)
        if opts.stage is None:
            opts.stage = bar.stage
        try:
            return build(opts)
        except StoreError as e:  # the published store cannot be read (a rebuild starts from it)
            message = f"build failed: {e}"
            code = e.exit_code
        except OSError as e:
            message = (f"build failed: could not write the new store generation under {opts.out_dir}: {e}; "
                       "the previous store is untouched")
            code = EXIT_STORE_WRITE
    click.echo(message, err=True)
    write_last_attempt(opts.out_dir, code, [message])
    sys.exit(code)


def report_problems(result: BuildResult) -> None:
    """Errors always (each names its file and line); warnings and per-file lines with -v, else
    their count."""
    warnings = [p for p in result.problems if p.severity != "error"]
    for p in result.problems:
        if p.severity == "error":
            click.echo(str(p), err=True)
        else:
            console.detail(str(p))
    if warnings and console.level() < console.VERBOSE:
        console.info(f"{len(warnings)} warning(s): `cgtkg -v build` lists them; all are in "
                     f"{result.out_dir / 'build-report.json'}")


def _claim_out(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """--out must be missing, empty or a cgtkg output: a build deletes and replaces files there."""
    if (refused := check_output_dir(value)) is not None:
        raise click.BadParameter(f"{value} {refused.message}" if refused.file else refused.message)
    return value


def _check_base(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """--base becomes the start of every instance IRI: an absolute http(s) IRI ending in / or #."""
    import re
    import urllib.parse

    parts = urllib.parse.urlsplit(value)
    if (re.search(r'[\s<>"{}|^`\\\x00-\x1f\x7f]', value) or parts.scheme not in ("http", "https")
            or not parts.netloc or not value.endswith(("/", "#"))):
        raise click.BadParameter(f"{value!r} is not a base IRI: write an absolute http(s) IRI "
                                 "ending in / or #, such as https://example.org/id/")
    return value


@click.command("build")
@out_option(callback=_claim_out, dir_only=False,
            help="The build folder (store, graph.trig, graph.ttl, build-report.json): a new or empty "
            "folder, or one an earlier build wrote.")
@click.option("--base", default=ns.DEFAULT_BASE, show_default=True, callback=_check_base,
              help="Base IRI for instance data.")
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, help="Also extract every plain-text policy document in this folder.")
@click.option("--records", "records_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, help="Folder of curated records (default: data/records).")
@click.option("--max-text-mb", type=click.FloatRange(min=0, min_open=True), default=8.0, show_default=True,
              help="Refuse (with an error naming it) a corpus text larger than this.")
@click.option("--max-text-seconds", type=click.FloatRange(min=0, min_open=True), default=120.0,
              show_default=True, help="Leave out (with an error naming it) a text whose extraction takes longer.")
@jobs_option
def build_cmd(out_dir: Path, base: str, corpus_dir: Path | None, records_dir: Path | None,
              max_text_mb: float, max_text_seconds: float, jobs: int) -> None:
    """Build, validate and publish the graph into an embedded on-disk store.

    Exit codes: 0 conforms, 1 SHACL or check violations, 2 bad input, 5 the store could not
    be written, 6 published without the input files that had errors (listed).
    """
    opts = BuildOptions(out_dir=out_dir, base=base, corpus_dir=corpus_dir,
                        max_text_bytes=int(max_text_mb * 1024 * 1024), max_text_seconds=max_text_seconds, jobs=jobs,
                        prune_in_background=True)  # the command returns as soon as it is published
    if records_dir is not None:
        opts.records_dir = records_dir
    result = build_or_exit(opts)
    report_problems(result)
    if result.exit_code == EXIT_BAD_INPUT:
        click.echo(f"build failed: bad input ({sum(p.severity == 'error' for p in result.problems)} error(s)); "
                   "the previous store is untouched", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if result.violations:
        click.echo(f"SHACL: {len(result.violations)} violation(s):", err=True)
        for v in result.violations:
            click.echo(str(v), err=True)
    for name, n in result.failed_checks.items():
        click.echo(f"check {name} returned {n} row(s); see {out_dir / 'last-build.txt'}", err=True)
    if not result.published:
        click.echo("build failed: the previous store is untouched", err=True)
        sys.exit(result.exit_code)
    for line in result.file_lines:
        console.detail(line, err=False)
    for line in result.summary:
        console.info(line, err=False)
    s = result.stats
    console.info(f"built {s['documents']} documents, {s['provisions']} provisions, {s['agencies']} agencies, "
               f"{s['responsibility_links']} responsibility links, {s['citation_links']} citations; "
               "SHACL conforms", err=False)
    console.info(f"store: {out_dir / 'store'}   graph: {out_dir / 'graph.trig'}, {out_dir / 'graph.ttl'}   "
               f"report: {out_dir / 'build-report.json'}", err=False)
    if result.exit_code != EXIT_OK:
        sys.exit(result.exit_code)


@click.command("validate")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--no-registries", is_flag=True, help="Validate the file alone, without the registries.")
@click.option("--max-mb", type=click.FloatRange(min=0, min_open=True), default=safe_rdf.MAX_BYTES / 2**20,
              show_default=True, help="Refuse a file larger than this.")
def validate_cmd(file: Path, no_registries: bool, max_mb: float) -> None:
    """Check any Turtle/TriG/N-Triples/N-Quads/JSON-LD file against the project's SHACL shapes.

    The registries (agencies, regions, therapies) are added unless --no-registries, so a file
    of records can point at them. The file is not trusted: only it is read (a regular file,
    at most --max-mb), nothing is fetched, and a JSON-LD @context must be inline.
    Exit codes: 0 conforms, 1 violations, 2 bad input.
    """
    from cgtkg.resources import resource_dir

    try:
        data = safe_rdf.parse_untrusted(file, max_bytes=int(max_mb * 2**20))
        shapes = load_shapes(resource_dir("ontology"))
        if not no_registries:
            data += load_registry(resource_dir("ontology"))
    except BadInput as e:
        click.echo(str(e), err=True)
        sys.exit(EXIT_BAD_INPUT)
    violations = validate_graph(data, shapes)
    if violations:
        for v in violations:
            click.echo(str(v))
        click.echo(f"{file}: {len(violations)} violation(s)")
        sys.exit(EXIT_VIOLATIONS)
    click.echo(f"{file}: conforms")


@click.command("stats")
@out_option()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv"]), default="table",
              show_default=True, help="table for people; json, csv, tsv for programs.")
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
def stats_cmd(out_dir: Path, fmt: str, as_json: bool) -> None:
    """Count documents, provisions, agencies, regions and links in the built store."""
    from cgtkg.pipeline.build import compute_stats

    stats = compute_stats(GraphStore.open_or_exit(out_dir))
    if as_json or fmt == "json":
        click.echo(json.dumps(stats, indent=2))
    elif fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        click.echo("\n".join([f"what{sep}count", *(f"{k}{sep}{v}" for k, v in stats.items())]))
    else:
        from cgtkg.graph.tables import render

        click.echo(render(["what", "count"], [[k.replace("_", " "), str(v)] for k, v in stats.items()]),
                   nl=False)


commands = [build_cmd, validate_cmd, stats_cmd]
