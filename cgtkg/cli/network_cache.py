"""The network files of a published build, kept with it so that asking again is instant.

``cgtkg network`` reads every responsibility link and provision of the store and writes
GraphML, GEXF, pictures and a page: tens of seconds on thousands of texts, every call
(docs/benchmarks.md).  A published generation never changes (a build writes a new one and
swaps the ``current`` link), so what one call wrote is right for every later call on the same
generation with the same filters and options.  It is kept in the generation's own folder,
``generations/<id>/network-cache/<key>/``, and goes when a build prunes that generation: a new
build can never be answered from an older one's files.

The key covers the filters as given, the base IRI option, the community method, the seed,
``--top`` (the files only), and a fingerprint of the code and queries that make the files
and of the libraries' versions that draw them, so a changed program recomputes.  ``cgtkg run``
fills it when it draws the network; ``cgtkg network --no-cache`` recomputes and refreshes it.
A folder that cannot be written (a read-only copy of a build) just means no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

from cgtkg.graph.network import QUERIES_DIR, NetworkFilters
from cgtkg.graph.store import GENERATIONS, GraphStore, write_atomically

CACHE_DIR = "network-cache"
SUMMARY = "summary.json"
#: bumped when the layout of a cache entry changes
LAYOUT = 1


def _code_fingerprint() -> str:
    """Hash of what makes the files: the network modules, the CLI that writes them, the
    saved network queries, and the versions of the libraries that lay out and draw them."""
    h = hashlib.sha256(f"layout {LAYOUT}".encode())
    # found, not imported: importing the drawing modules (matplotlib) costs seconds
    sources = [Path(find_spec(m).origin) for m in ("cgtkg.graph.network", "cgtkg.graph.network_draw",
                                                   "cgtkg.graph.network_html", "cgtkg.cli.cmd_network")]
    sources += sorted(Path(QUERIES_DIR).glob("network-*.rq"))
    sources.append(Path(__file__))
    for path in sources:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for package in ("cgtkg", "networkx", "matplotlib"):
        try:
            h.update(f"{package} {metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{package} ?".encode())
    return h.hexdigest()


def generation_of(store: GraphStore) -> Path | None:
    """The published generation folder ``store`` was opened from, or None (a store opened
    from a folder of its own, whose contents may change under the same path)."""
    folder = Path(store.path).resolve().parent
    return folder if folder.parent.name == GENERATIONS else None


@dataclass
class NetworkCache:
    """Where the outputs and metrics of one call would be kept, or nowhere (``root`` None)."""

    root: Path | None
    files_key: str
    metrics_key: str
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, store: GraphStore, filters: NetworkFilters, *, base: str | None, method: str,
           seed: int, top: int) -> NetworkCache:
        generation = generation_of(store)
        asked = {"filters": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                             for k, v in sorted(vars(filters).items())},
                 "base": base, "method": method, "seed": seed, "code": _code_fingerprint()}
        metrics_key = hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()[:24]
        files_key = hashlib.sha256(json.dumps({**asked, "top": top}, sort_keys=True).encode()).hexdigest()[:24]
        return cls(generation / CACHE_DIR if generation else None, files_key, metrics_key)

    # -- the metrics (cgtkg network --metrics)

    def metrics(self) -> dict | None:
        if self.root is None:
            return None
        try:
            return json.loads((self.root / f"metrics-{self.metrics_key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def save_metrics(self, report: dict) -> None:
        if self.root is not None:
            self._write_file(self.root / f"metrics-{self.metrics_key}.json",
                             json.dumps(report, ensure_ascii=False))

    # -- the files (cgtkg network, cgtkg run)

    def files(self) -> tuple[dict[str, Path], dict] | None:
        """The kept files by name and the summary of the call that wrote them, or None."""
        if self.root is None:
            return None
        folder = self.root / self.files_key
        try:
            summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        files = {name: folder / name for name in summary.get("files", [])}
        if not files or not all(p.is_file() for p in files.values()):
            return None
        return files, summary

    def copy_to(self, files: dict[str, Path], dest: Path) -> dict[str, Path]:
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        out = {}
        for name, src in files.items():
            out[name] = dest / name
            if src.resolve() != out[name].resolve():
                shutil.copyfile(src, out[name])
        return out

    def save_files(self, files: dict[str, Path], summary: dict) -> None:
        """Keep a copy of ``files`` (written by this call) with ``summary``; written into a
        folder of its own and renamed into place, so a reader never sees half of it."""
        if self.root is None:
            return
        folder = self.root / self.files_key
        tmp = self.root / f".{self.files_key}.{os.getpid()}.tmp"
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            for name, path in files.items():
                shutil.copyfile(path, tmp / name)
            (tmp / SUMMARY).write_text(json.dumps({**summary, "files": list(files)}, ensure_ascii=False),
                                       encoding="utf-8")
            if folder.exists():  # --no-cache: the old entry is set aside first, then removed
                old = folder.with_name(f".{self.files_key}.{os.getpid()}.old")
                os.rename(folder, old)
                os.rename(tmp, folder)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, folder)
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            self.notes.append(f"network files not kept for reuse ({e.strerror or e})")

    def _write_file(self, path: Path, text: str) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, text)
        except OSError as e:
            self.notes.append(f"network metrics not kept for reuse ({e.strerror or e})")
