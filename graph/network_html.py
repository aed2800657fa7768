"""A self-contained interactive page of the agency network (one HTML file, works offline).

The page is a small vanilla JavaScript/SVG viewer (``graph/web/``) with the layout
precomputed here by networkx, so what the browser shows is exactly the graph that was
exported: same nodes, same positions as the static picture.  The template, style sheet,
script and data are stitched together in one pass; the data travels as JSON inside a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, so no
label can close the script element, and a Content-Security-Policy forbids loading
anything from outside.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

from cgtkg.graph.network import DEFAULT_TOP, LEVELS, MEASURE, Network, ranked

WEB_DIR = Path(__file__).resolve().parent / "web"
_PLACEHOLDER = re.compile(r"/\*__(CSS|JS)__\*/|__(DATA|TITLE|SUBTITLE)__")
# Provisions the side panel shows at first and adds per "Show more": an agency can own
# thousands (14,100 at 10,000 texts), and the panel builds about a millisecond of page per
# provision.
PAGE_SIZE = 200


def page_data(
    net: Network,
    pos: dict[str, tuple[float, float]],
    top: int = DEFAULT_TOP,
    page_size: int = PAGE_SIZE,
) -> dict:
    """Everything the page needs, as plain JSON-able data."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, not {page_size}")
    p, b = net.agencies, net.bipartite
    order = ranked(p)
    top_set = set(order[:top])
    index = {n: i for i, n in enumerate(order)}
    most = max((p.nodes[n].get("measures", 1) for n in p), default=1)
    nodes = []
    for n in order:
        d = p.nodes[n]
        owned = sorted(
            (m for m in b.neighbors(n) if b.nodes[m].get("kind") == MEASURE),
            key=lambda m: (b.nodes[m]["document"], _num(b.nodes[m]), m),
        )
        nodes.append(
            {
                "id": n,
                "key": d["registry_key"],
                "en": d["label_en"],
                "zh": d["label_zh"],
                "short": d["short"],
                "level": d["level"] if d["level"] in LEVELS else "",
                "regionLabel": d["region_label"] or d["region"],
                "parentLabel": d["parent_label"] or d["parent"],
                "generic": d["generic"],
                "x": round(pos[n][0], 5),
                "y": round(pos[n][1], 5),
                "r": round(5.0 + 13.0 * math.sqrt(d.get("measures", 1) / most), 2),
                "measures": d.get("measures", 0),
                "partners": d.get("partners", 0),
                "strength": d.get("strength", 0),
                "betweenness": d.get("betweenness", 0.0),
                "community": d.get("community"),
                "top": n in top_set,
                "m": owned,
                # where the text names this agency for a provision (text loader annotations)
                "mp": {m: b.edges[n, m]["passage"] for m in owned if b.edges[n, m].get("passage")},
            }
        )
    edges = [
        {"s": index[u], "t": index[v], "w": int(d["weight"])}
        for u, v, d in sorted(p.edges(data=True), key=lambda e: (index[e[0]], index[e[1]]))
    ]
    measures = {}
    for m, d in b.nodes(data=True):
        if d.get("kind") != MEASURE:
            continue
        measures[m] = {
            "id": m,
            "provision": d["provision"],
            "title": d["title"],
            "summary": d["summary"],
            "document": d["document"],
            "documentIri": d["document_iri"],
            "docTitleEn": d["document_title_en"],
            "docTitleZh": d["document_title_zh"],
            "docNumber": d["document_number"],
            "docDates": d["document_dates"],
            "source": d["source"],
            "sourceTitle": d["source_title"],
            "locator": d["locator"],
            "passage": d["passage"],
            "agencies": sorted(index[a] for a in b.neighbors(m) if a in index),
        }
    return {
        "meta": {
            "title": net.title,
            "filters": net.filters.describe(),
            "communityMethod": p.graph.get("community_method", ""),
            "pageSize": page_size,
            "levels": [{"key": k, "label": v[0], "colour": v[1]} for k, v in LEVELS.items()],
            "counts": {
                "agencies": p.number_of_nodes(),
                "measures": len(measures),
                "pairs": p.number_of_edges(),
            },
        },
        "nodes": nodes,
        "edges": edges,
        "measures": measures,
    }


def _num(d: dict) -> int:
    try:
        return int(d.get("number") or 0)
    except ValueError:
        return 0


def _json_for_script(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def render_page(
    net: Network,
    pos: dict[str, tuple[float, float]],
    top: int = DEFAULT_TOP,
    page_size: int = PAGE_SIZE,
) -> str:
    """The page as one string: template + inline CSS + inline JS + JSON data."""
    template = (WEB_DIR / "network.html").read_text(encoding="utf-8")
    css = (WEB_DIR / "network.css").read_text(encoding="utf-8")
    js = (WEB_DIR / "network.js").read_text(encoding="utf-8")
    for name, text in (("network.css", css), ("network.js", js)):
        if re.search(r"</(script|style)", text, re.IGNORECASE):
            raise ValueError(f"graph/web/{name} must not contain a closing </script> or </style>")
    data = page_data(net, pos, top, page_size)
    c = data["meta"]["counts"]
    subtitle = (
        f"{c['agencies']} agencies responsible for {c['measures']} provisions; a line joins two "
        f"agencies made jointly responsible for at least one ({c['pairs']} pairs). "
        f"Filters: {net.filters.describe()}."
    )
    values = {
        "CSS": css,
        "JS": js,
        "DATA": _json_for_script(data),
        "TITLE": html.escape(net.title),
        "SUBTITLE": html.escape(subtitle),
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1) or m.group(2)], template)


def write_page(
    net: Network,
    path: Path,
    pos: dict[str, tuple[float, float]],
    top: int = DEFAULT_TOP,
    page_size: int = PAGE_SIZE,
) -> Path:
    page = render_page(net, pos, top, page_size)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
