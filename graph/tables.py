"""Tables for people on a terminal, laid out by rich.

Why rich and not ``str.ljust``: a Chinese character takes two terminal cells, so widths
counted with ``len()`` misalign every column after a Chinese title; rich measures display
cells (East Asian width) and knows the terminal's width.  Each column either wraps (text:
titles, summaries, passages) or is cut with an ellipsis (keys and IRIs, which mean nothing
broken over lines), and ``wide=True`` gives every cell in full on one line (for a pager or
a wide window).  Programs should read CSV, TSV or JSON instead (``--format``).
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

DEFAULT_WIDTH = 100  # when the output is not a terminal and COLUMNS is not set


def terminal_width() -> int:
    """The terminal's width in cells (``COLUMNS`` wins); ``DEFAULT_WIDTH`` for pipes."""
    if os.environ.get("COLUMNS", "").isdigit():
        return max(20, int(os.environ["COLUMNS"]))
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def _is_text(values: list[str]) -> bool:
    """A column of prose (wrapped) rather than of keys, IRIs, numbers and dates (cut)."""
    spaced = sum(1 for v in values if " " in v.strip() or any(_wide(c) for c in v[:8]))
    return spaced * 2 >= max(1, sum(1 for v in values if v))


def _wide(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"


def _numeric(values: list[str]) -> bool:
    filled = [v for v in values if v]
    return bool(filled) and all(v.lstrip("-").replace(".", "", 1).isdigit() for v in filled)


GAP = 3  # cells between columns: the rule's separator and one cell of padding each side
KEY_CAP = 22  # a key or IRI column is given up to this many cells before the table is laid out as records
TEXT_MIN = 16  # a prose column narrower than this reads badly: lay the rows out as records instead


def render(columns: Sequence[str], rows: Sequence[Sequence[str]], *, wide: bool = False,
           width: int | None = None, title: str | None = None) -> str:
    """``rows`` of strings under ``columns`` as aligned text, without colour.

    ``width`` is the line width in terminal cells (default: the terminal's).  When the
    columns fit, one line per row, prose wrapped and keys cut with an ellipsis; when they do
    not (ten columns on an 80-cell terminal), each row becomes a block of ``column  value``
    lines, as psql's expanded display does, so no column is ever dropped.  ``wide`` ignores
    the width and never wraps or cuts a cell.
    """
    rows = [["" if c is None else str(c) for c in r] for r in rows]
    if wide:
        return _print(_grid(columns, rows, wide=True), None)
    width = width or terminal_width()
    kinds = [_kind([r[i] for r in rows]) for i in range(len(columns))]
    widths = _widths(columns, rows, kinds, width)
    if widths is None:
        return _records(columns, rows, width)
    return _print(_grid(columns, rows, kinds=kinds, widths=widths), width)


def _widths(columns: Sequence[str], rows: list[list[str]], kinds: list[str],
            width: int) -> list[int] | None:
    """Cells per column so that the line fits ``width``; ``None`` when it cannot.

    Numbers keep their width; keys get up to ``KEY_CAP`` cells and then the rest of what
    they need before prose does (a cut key cannot be pasted back); prose shares what is
    left in proportion to its length, at least ``TEXT_MIN`` each.
    """
    natural = [max([cell_len(name)] + [cell_len(r[i]) for r in rows]) for i, name in enumerate(columns)]
    room = width - GAP * (len(columns) - 1)
    if sum(natural) <= room:
        return natural
    floor = [n if k == "number" else min(n, KEY_CAP if k == "key" else TEXT_MIN)
             for n, k in zip(natural, kinds)]
    if sum(floor) > room and len(columns) > 1:
        return None
    out = list(floor)
    spare = room - sum(out)
    for i, k in enumerate(kinds):  # keys first, up to what they need
        if k == "key" and spare > 0:
            extra = min(spare, natural[i] - out[i])
            out[i] += extra
            spare -= extra
    texts = [i for i, k in enumerate(kinds) if k == "text" and natural[i] > out[i]]
    want = sum(natural[i] - out[i] for i in texts)
    for i in texts:
        if spare <= 0:
            break
        extra = min(natural[i] - out[i], spare * (natural[i] - out[i]) // max(1, want) or 1)
        out[i] += extra
    spare = room - sum(out)
    for i in texts:  # what rounding left over
        extra = min(spare, natural[i] - out[i])
        out[i] += extra
        spare -= extra
    return out


def _kind(values: list[str]) -> str:
    if _numeric(values):
        return "number"
    return "text" if _is_text(values) else "key"


def _grid(columns: Sequence[str], rows: list[list[str]], *, wide: bool = False,
          kinds: list[str] | None = None, widths: list[int] | None = None) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1),
                  header_style="", expand=False)
    for i, name in enumerate(columns):
        kind = kinds[i] if kinds else "key"
        w = widths[i] if widths else None
        if wide:
            table.add_column(name, no_wrap=True, overflow="ignore")
        elif kind == "number":
            table.add_column(name, justify="right", no_wrap=True, width=w)
        elif kind == "text":
            table.add_column(name, overflow="fold", width=w)
        else:
            table.add_column(name, no_wrap=True, overflow="ellipsis", width=w)
    for r in rows:
        table.add_row(*(Text(c) for c in r))
    return table


def _records(columns: Sequence[str], rows: list[list[str]], width: int) -> str:
    """One block per row: ``column  value``, values wrapped to the width."""
    label = max(cell_len(c) for c in columns)
    parts = []
    for n, r in enumerate(rows, start=1):
        block = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1), expand=False)
        block.add_column(no_wrap=True, min_width=label)
        block.add_column(overflow="fold")
        for name, value in zip(columns, r):
            if value:
                block.add_row(Text(name), Text(value))
        rule = f"-[ row {n} ]"
        parts.append(rule + "-" * max(0, min(width, 40) - len(rule)) + "\n" + _print(block, width))
    return "".join(parts)


def _print(renderable, width: int | None) -> str:
    if width is None:  # wide: as wide as the content
        from rich.measure import Measurement

        probe = Console(file=io.StringIO(), width=10**6, color_system=None)
        width = Measurement.get(probe, probe.options, renderable).maximum + 1
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False,
                      legacy_windows=False, soft_wrap=False, emoji=False, highlight=False)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"
