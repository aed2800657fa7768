"""``cgtkg network``: build, measure and draw the agency-responsibility network."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import click

from cgtkg.cli.cli_options import out_option, output_option
from cgtkg.graph import console
from cgtkg.graph.errors import EXIT_BAD_INPUT
from cgtkg.graph.network import (
    DEFAULT_SEED,
    DEFAULT_TOP,
    Network,
    NetworkError,
    NetworkFilters,
    build_network,
    detect_base,
    metrics_report,
    metrics_table,
    write_graph_files,
)
from cgtkg.graph.store import GraphStore, StoreError, format_mismatch


@dataclass
class Outputs:
    files: dict[str, Path]
    labelled: int


@dataclass
class Drawn:
    """What :func:`draw` wrote and what the console says about it."""

    files: dict[str, Path]
    report: dict  # metrics_report() of the network drawn
    labelled: int
    title: str
    reused: str | None  # the folder the files were copied from, when they were kept from before
    notes: list[str]


def draw(store: GraphStore, filters: NetworkFilters, dest: Path, *, base: str | None = None,
         method: str = "louvain", seed: int = DEFAULT_SEED, top: int = DEFAULT_TOP,
         fresh: bool = False) -> Drawn:
    """Every output of the network into ``dest``, copied from what an earlier call kept for
    the same published build and options when there is one (cgtkg/cli/network_cache.py),
    else computed and kept."""
    from cgtkg.cli.network_cache import NetworkCache

    base = base or detect_base(store)
    cache = NetworkCache.of(store, filters, base=base, method=method, seed=seed, top=top)
    kept = None if fresh else cache.files()
    if kept is not None:
        files, summary = kept
        return Drawn(cache.copy_to(files, dest), summary["report"], summary["labelled"], summary["title"],
                     str(next(iter(files.values())).parent), cache.notes)
    net = build_network(store, filters, base=base, method=method, seed=seed)
    report = metrics_report(net)
    outputs = write_outputs(net, dest, top=top, seed=seed)
    cache.save_files(outputs.files, {"report": report, "labelled": outputs.labelled, "title": net.title})
    cache.save_metrics(report)
    return Drawn(outputs.files, report, outputs.labelled, net.title, None, cache.notes)


def metrics_of(store: GraphStore, filters: NetworkFilters, *, base: str | None = None,
               method: str = "louvain", seed: int = DEFAULT_SEED, fresh: bool = False) -> dict:
    """The metrics report, kept from an earlier call or drawing on this build when there is one."""
    from cgtkg.cli.network_cache import NetworkCache

    base = base or detect_base(store)
    cache = NetworkCache.of(store, filters, base=base, method=method, seed=seed, top=DEFAULT_TOP)
    report = None if fresh else cache.metrics()
    if report is None:
        report = metrics_report(build_network(store, filters, base=base, method=method, seed=seed,
                                              details=False))
        cache.save_metrics(report)
    return report


def write_outputs(
    net: Network, dest: Path, *, top: int = DEFAULT_TOP, seed: int = DEFAULT_SEED
) -> Outputs:
    """Every output of ``cgtkg network`` into ``dest``: GraphML, GEXF, metrics, PNG, SVG, HTML.

    The static picture and the page share one layout, so they show the same shape.
    """
    from cgtkg.graph.network_draw import draw_static, layout_positions
    from cgtkg.graph.network_html import write_page

    dest = Path(dest)
    pos = layout_positions(net.agencies, seed)
    files = write_graph_files(net, dest, pos)  # the GEXF files carry the same layout
    drawn = draw_static(
        net, dest / "agencies.png", dest / "agencies.svg", top=top, seed=seed, pos=pos
    )
    files["agencies.png"] = dest / "agencies.png"
    files["agencies.svg"] = dest / "agencies.svg"
    files["network.html"] = write_page(net, dest / "network.html", pos, top)
    return Outputs(files=files, labelled=len(drawn.labelled))


def _date(_ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date: write YYYY-MM-DD", param=param
        ) from None


@click.command("network")
@out_option(dir_only=False)
@output_option(
    "The folder to write the network files into [default: OUT/network].",
    legacy=("--dest",),
    dir_okay=True,
    file_okay=False,
)
@click.option(
    "--document",
    help="Only provisions of this document (record key, e.g. nansha-market-access-opinions).",
)
@click.option("--issuer", help="Only documents passed by this agency (registry key, e.g. nmpa).")
@click.option(
    "--region",
    help="Only provisions applying inside this region, sub-regions included (e.g. guangdong).",
)
@click.option(
    "--therapy",
    help="Only provisions about this therapy type, narrower types included (e.g. cell-therapy).",
)
@click.option(
    "--from",
    "date_from",
    callback=_date,
    metavar="YYYY-MM-DD",
    help="Only documents dated on or after this day.",
)
@click.option(
    "--to",
    "date_to",
    callback=_date,
    metavar="YYYY-MM-DD",
    help="Only documents dated on or before this day.",
)
@click.option(
    "--metrics",
    "show_metrics",
    is_flag=True,
    help="Print weighted degree, betweenness and communities instead of writing files "
    "(reads the responsibility links only, not the provisions' titles and passages).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Format of --metrics.",
)
@click.option(
    "--top",
    type=click.IntRange(0, 500),
    default=DEFAULT_TOP,
    show_default=True,
    help="Label at most this many agencies (best connected first) in the pictures.",
)
@click.option(
    "--communities",
    "method",
    type=click.Choice(["louvain", "greedy"]),
    default="louvain",
    show_default=True,
    help="Community detection: seeded Louvain or greedy modularity.",
)
@click.option(
    "--seed",
    type=int,
    default=DEFAULT_SEED,
    show_default=True,
    help="Seed for the layout and Louvain, so reruns give the same result.",
)
@click.option(
    "--base", default=None, help="Base IRI of instance data [default: read from the store]."
)
@click.option(
    "--no-cache",
    "fresh",
    is_flag=True,
    help="Compute again even if this build's network was already drawn with the same filters "
    "and options (kept in the build's generation folder), and keep the new result.",
)
def network_cmd(
    out_dir: Path,
    output: Path | None,
    document,
    issuer,
    region,
    therapy,
    date_from,
    date_to,
    show_metrics: bool,
    fmt: str,
    top: int,
    method: str,
    seed: int,
    base: str | None,
    fresh: bool,
) -> None:
    """Agencies linked by the provisions they are jointly responsible for.

    Builds, from the store and through the saved queries queries/network-*.rq, the
    agency–provision graph and its projection onto agencies (edge weight = provisions
    shared), then writes into OUT/network: bipartite.graphml/.gexf, agencies.graphml/.gexf,
    metrics.json, agencies.png/.svg and network.html (interactive, works offline).
    With --metrics it prints the metrics instead. Filters combine (all must hold).
    Exit codes: 0 done, 2 bad input (unknown filter value, no store).
    """
    filters = NetworkFilters(
        document=document,
        issuer=issuer,
        region=region,
        therapy=therapy,
        date_from=date_from,
        date_to=date_to,
    )
    target = output if output is not None else out_dir / "network"
    try:
        store = GraphStore.open(out_dir)
        stale = format_mismatch(store, out_dir)
        if stale:
            click.echo(f"warning: {stale}", err=True)
        if show_metrics:
            report = metrics_of(store, filters, base=base, method=method, seed=seed, fresh=fresh)
        else:
            drawn = draw(store, filters, target, base=base, method=method, seed=seed, top=top, fresh=fresh)
            report = drawn.report
    except (StoreError, NetworkError) as e:
        click.echo(f"cgtkg network: {e}", err=True)
        sys.exit(EXIT_BAD_INPUT)

    if show_metrics:
        if fmt == "json":
            click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            click.echo(metrics_table(report))
        return

    c = report["counts"]
    if c["agencies"] == 0:
        click.echo(
            f"cgtkg network: no responsibility links match the filters ({filters.describe()}); "
            "writing an empty network",
            err=True,
        )
    console.info(
        f"{c['agencies']} agencies, {c['measures']} provisions, {c['responsibility_links']} "
        f"responsibility links, {c['agency_pairs']} agency pairs, {c['communities']} communities "
        f"(filters: {filters.describe()})",
        err=False,
    )
    if drawn.reused:
        console.info(f"  drawn before from this build with the same filters and options: copied from "
                     f"{drawn.reused} (--no-cache computes again)", err=False)
    for note in drawn.notes:
        console.info(f"  {note}", err=False)
    for name, path in drawn.files.items():
        console.info(f"  {name:18} {path}", err=False)
    console.info(
        f"labelled {drawn.labelled} agencies in the pictures; "
        f"open {drawn.files['network.html']} in a browser to explore",
        err=False,
    )

commands = [network_cmd]
