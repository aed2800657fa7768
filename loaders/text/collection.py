"""What a collection's own metadata says about its files: ``metadata.csv`` at the root of the
Chinese originals (columns ``file``, ``expired`` …). Only the ``expired`` flag is taken: the
collection marks a law no longer in force without a date, which no text of it states
(docs/relations.md). Dates stay the texts' (benchmarks/zh_accuracy.py measures them
against the same metadata)."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

METADATA = "metadata.csv"
MAX_UP = 6  # folders above a file searched for its collection's metadata


def expired(path: Path) -> str | None:
    """Who says the file's document is no longer in force (``"<csv>, expired = 1"``), or None."""
    path = Path(path).resolve()
    for folder in list(path.parents)[:MAX_UP]:
        table = _table(folder / METADATA)
        if table is None:
            continue
        rel = path.relative_to(folder).as_posix()
        row = table.get(rel)
        if row is not None and str(row.get("expired", "")).strip() == "1":
            return f"{folder.name}/{METADATA} marks it expired (expired = 1)"
        return None
    return None


@functools.lru_cache(maxsize=8)
def _table(csv_path: Path) -> dict[str, dict] | None:
    if not csv_path.is_file():
        return None
    try:
        with open(csv_path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if not rows or "file" not in rows[0]:
        return None
    return {r["file"]: r for r in rows}
