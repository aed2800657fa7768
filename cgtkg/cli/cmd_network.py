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
    metrics_report,
    metrics_table,
    write_graph_files,
)
from cgtkg.graph.store import GraphStore, StoreError


@dataclass
class Outputs:
    files: dict[str, Path]
    labelled: int


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
    try:
        store = GraphStore.open(out_dir)
        net = build_network(
            store, filters, base=base, method=method, seed=seed, details=not show_metrics
        )
    except (StoreError, NetworkError) as e:
        click.echo(f"cgtkg network: {e}", err=True)
        sys.exit(EXIT_BAD_INPUT)

    report = metrics_report(net)
    if show_metrics:
        if fmt == "json":
            click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            click.echo(metrics_table(report))
        return

    if net.agencies.number_of_nodes() == 0:
        click.echo(
            f"cgtkg network: no responsibility links match the filters ({filters.describe()}); "
            "writing an empty network",
            err=True,
        )
    target = output if output is not None else out_dir / "network"
    outputs = write_outputs(net, target, top=top, seed=seed)
    c = report["counts"]
    console.info(
        f"{c['agencies']} agencies, {c['measures']} provisions, {c['responsibility_links']} "
        f"responsibility links, {c['agency_pairs']} agency pairs, {c['communities']} communities "
        f"(filters: {filters.describe()})",
        err=False,
    )
    for name, path in outputs.files.items():
        console.info(f"  {name:18} {path}", err=False)
    console.info(
        f"labelled {outputs.labelled} agencies in the pictures; "
        f"open {outputs.files['network.html']} in a browser to explore",
        err=False,
    )


commands = [network_cmd]
