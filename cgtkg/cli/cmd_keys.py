"""``cgtkg keys``: the keys of agencies, regions, therapy types and documents, with their names."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from cgtkg.cli.cli_options import out_option
from cgtkg.graph import query as Q
from cgtkg.graph.errors import EXIT_BAD_INPUT, EXIT_STORE_WRITE
from cgtkg.graph.keys import KINDS, KeyIndex, kind_named
from cgtkg.graph.store import GraphStore, StoreError

COLUMNS = ["key", "name_en", "name_zh", "other_names"]


@click.command("keys")
@click.argument("kind", type=click.Choice([k.plural for k in KINDS.values()]))
@click.option("--search", "-s", default=None, metavar="TEXT",
              help="Only those whose key or any name (English or Chinese) contains TEXT, "
                   "case-insensitively: --search 药品, --search drug, --search shenzhen.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True, help="table for people; csv, tsv, json for programs.")
@click.option("--wide", is_flag=True, help="With --format table: every cell in full on one line.")
@out_option()
def keys_cmd(kind: str, search: str | None, fmt: str, wide: bool, out_dir: Path) -> None:
    """List the keys of agencies, regions, therapies or documents, with their names.

    A key is written the same way in every command and parameter: `nmpa`, `ag:nmpa` or the
    full IRI (`rg:` regions, `th:` therapy types, `doc:` documents). Exit codes: 0 listed
    (also when nothing matches --search), 2 no store, 5 the store could not be read.
    """
    store = GraphStore.open_or_exit(out_dir)
    base = Q.detect_base(store)
    try:
        entries = KeyIndex.for_store(store, base).search(kind_named(kind), search)
    except StoreError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    except Q.QueryError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except OSError as e:
        click.echo(f"error: reading the store under {out_dir} failed: {e}", err=True)
        sys.exit(EXIT_STORE_WRITE)
    prefix = kind_named(kind).prefix
    rows = [[f"{prefix}:{e.key}", e.name("en"), e.name("zh"), "; ".join(e.other_names())] for e in entries]
    click.echo(_format(rows, fmt, wide), nl=False)
    if fmt == "table":
        click.echo(f"({len(rows)} {kind}{' matching ' + repr(search) if search else ''})")


def _format(rows: list[list[str]], fmt: str, wide: bool) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(COLUMNS, r)) for r in rows], ensure_ascii=False, indent=1) + "\n"
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n" if fmt == "csv" else "\n",
                            delimiter="," if fmt == "csv" else "\t")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        return buf.getvalue()
    from cgtkg.graph.tables import render

    return render(["key", "English", "中文", "other names"], rows, wide=wide) if rows else ""


commands = [keys_cmd]
