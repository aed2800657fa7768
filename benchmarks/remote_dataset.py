"""Saved queries on an Oxigraph server: every graph named in the query, or the union.

``python -m benchmarks.remote_dataset OUT [--timeout S]`` starts one ``oxigraph serve
--union-default-graph`` on loopback (the ``oxigraph`` binary from the PyPI package), pushes
the build in ``OUT`` to it, and times each saved query (its example's parameters) once with
``--dataset listed`` (``FROM``/``FROM NAMED`` for each of the project's graphs, the default)
and once with ``--dataset union``, alternating, against the embedded store; it checks that
the three answers agree and prints the times, the ratio listed / union and the totals.
A query that does not finish within ``--timeout`` seconds on the server counts as the
timeout.  No test runs it (a push of a 1,000-text build takes minutes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from cgtkg.graph import query as Q
from cgtkg.graph import remote
from cgtkg.graph.store import GraphStore

REPO = Path(__file__).resolve().parents[1]


def _rows(rows) -> Counter:
    return Counter(frozenset((k, str(v)) for k, v in r.items()) for r in rows)


def _timed(fn):
    start = time.perf_counter()
    try:
        result = fn()
    except remote.RemoteError as e:
        return time.perf_counter() - start, None, str(e)[:120]
    return time.perf_counter() - start, result, ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="a build's output folder")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds a query may take on the server")
    ap.add_argument("names", nargs="*", help="saved queries (default: all)")
    args = ap.parse_args(argv)
    sys.path[:0] = [str(REPO / "tests" / "queries"), str(REPO / "tests")]
    from click.testing import CliRunner
    from query_helpers import example_params, saved_query_names
    from query_servers import start_oxigraph

    from cgtkg.cli import main as cli

    store = GraphStore.open(args.out)
    graphs = len(store.named_graphs())
    with tempfile.TemporaryDirectory() as tmp:
        server = start_oxigraph(Path(tmp), union=True)
        try:
            start = time.perf_counter()
            pushed = CliRunner().invoke(cli, ["push", "--endpoint", server.query_url, "--out", str(args.out)],
                                        env={"CGTKG_CONFIG": ""})
            if pushed.exit_code:
                print(pushed.output, file=sys.stderr)
                return 1
            print(f"{graphs:,} graphs, {len(store.ox):,} quads pushed in {time.perf_counter() - start:.0f} s")
            eps = {d: remote.resolve_endpoint(server.query_url, config={}, env={}, dataset=d)
                   for d in remote.DATASETS}
            for ep in eps.values():
                ep.timeout = args.timeout
            print(f"{'query':34s} {'local':>8s} {'listed':>8s} {'union':>8s} {'listed/union':>12s}  same rows")
            totals = Counter()
            for name in args.names or saved_query_names():
                q = Q.load(name)
                b = Q.resolve_bindings(q, example_params(q))
                t_local, local, _ = _timed(lambda: Q.run_local(store, q, b))  # noqa: B023
                t_listed, listed, err_l = _timed(lambda: remote.run_query(eps["listed"], q, b))  # noqa: B023
                t_union, union, err_u = _timed(lambda: remote.run_query(eps["union"], q, b))  # noqa: B023
                same = all(r is not None and _rows(r.rows) == _rows(local.rows) for r in (listed, union))
                totals.update(local=t_local, listed=t_listed, union=t_union)
                note = "yes" if same else f"NO {err_l or err_u}".strip()
                print(f"{name:34s} {t_local:8.3f} {t_listed:8.3f} {t_union:8.3f} {t_listed / t_union:12.1f}  {note}",
                      flush=True)
            print(f"{'every saved query':34s} {totals['local']:8.1f} {totals['listed']:8.1f} "
                  f"{totals['union']:8.1f} {totals['listed'] / totals['union']:12.1f}")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
