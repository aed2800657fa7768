"""Static pictures of the agency network (PNG and SVG) that a person can read.

What makes a network picture readable, and what this module does about it:

* **labels that do not pile up** — only the ``top`` agencies by weighted degree get a
  label (their registry acronym where there is one, English otherwise; Chinese names
  are left to the interactive page because matplotlib often lacks CJK fonts).  Each
  label is placed greedily, best-connected first, at the first of several candidate
  spots around its node whose box overlaps no placed label and no other node; a label
  that finds no free spot is left out rather than drawn on top of another;
* **the biggest nodes are always named** — the :data:`MUST_LABEL` best-connected and the
  :data:`MUST_LABEL` largest agencies are placed first, and where every spot near one of
  them touches another circle (the middle of a dense network at 1,000 texts), their label
  goes further out with a leader line, on its white box over the circles it crosses, but
  still never over another label nor outside the picture;
* **colour means administrative level**, the same colours as the interactive page, with a
  legend that also explains edge width (shared provisions) and node size;
* **the title says what was drawn**: counts and the filters used.

matplotlib runs headless through its Agg canvas, without pyplot's global state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import networkx as nx
from cgtkg.graph.network import DEFAULT_TOP, LEVELS, Network, ranked
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

FIGSIZE = (16.0, 10.0)  # inches
MUST_LABEL = 5  # the best-connected and the largest agencies that are labelled whatever the crowd
DPI = 100
LABEL_FONT = 9.0
SVG_META = {"Creator": "cgtkg network", "Date": None}  # no date: same input, same file


@dataclass
class DrawResult:
    """Where the picture went and which labels were placed (tests check they don't overlap)."""

    png: Path | None
    svg: Path | None
    size_px: tuple[int, int]
    labelled: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    label_boxes: list[tuple[float, float, float, float]] = field(default_factory=list)


# ---------------------------------------------------------------- layout


def layout_positions(
    p: nx.Graph, seed: int = 42, aspect: float = 1.5
) -> dict[str, tuple[float, float]]:
    """Seeded force-directed positions in the unit square, components packed side by side.

    Each connected component gets its own spring layout, sized by the square root of its
    node count, and the components are packed in rows (largest first) so that a few
    separate pairs do not push the main cluster into a corner.  ``aspect`` is the
    width/height of the drawing area; the packing aims for it so that mapping onto the
    unit square stretches little.  Attraction grows with the logarithm of the
    shared-provision count: a pair sharing ten provisions sits close without merging.
    """
    if p.number_of_nodes() == 0:
        return {}
    comps = sorted((sorted(c) for c in nx.connected_components(p)), key=lambda c: (-len(c), c[0]))
    boxes: list[tuple[dict[str, tuple[float, float]], float, float]] = []
    for comp in comps:
        if len(comp) == 1:
            boxes.append(({comp[0]: (0.0, 0.0)}, 0.0, 0.0))
            continue
        h = nx.Graph()
        h.add_nodes_from(comp)
        for u, v, d in sorted(p.subgraph(comp).edges(data=True)):
            h.add_edge(u, v, w=1.0 + math.log(d.get("weight", 1)))
        raw = nx.spring_layout(
            h, weight="w", seed=seed, k=1.8 / math.sqrt(len(comp)), iterations=400
        )
        xs = [x for x, _ in raw.values()]
        ys = [y for _, y in raw.values()]
        span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
        size = math.sqrt(len(comp))
        local = {
            n: ((x - min(xs)) / span * size, (y - min(ys)) / span * size)
            for n, (x, y) in raw.items()
        }
        boxes.append((local, (max(xs) - min(xs)) / span * size, (max(ys) - min(ys)) / span * size))

    gap = 0.9
    best = None
    widest = max(w for _, w, _ in boxes)
    total = sum((w + gap) * (h + gap) for _, w, h in boxes)
    for factor in (0.8, 1.0, 1.2, 1.5, 2.0, 2.5, 3.0):
        row_width = max(widest, math.sqrt(total * aspect) * factor)
        placed, width, height = _shelf_pack(boxes, row_width, gap)
        score = abs(math.log(max(width, 1e-9) / max(height, 1e-9) / aspect))
        if best is None or score < best[0]:
            best = (score, placed, width, height)
    _, placed, width, height = best
    width, height = width or 1.0, height or 1.0
    unit = {n: (x / width * aspect, 1.0 - y / height) for n, (x, y) in placed.items()}
    unit = _separate(unit, min_dist=0.07)
    xs = [x for x, _ in unit.values()]
    ys = [y for _, y in unit.values()]
    sx, sy = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return {n: ((x - min(xs)) / sx, (y - min(ys)) / sy) for n, (x, y) in unit.items()}


def _separate(pos: dict[str, tuple[float, float]], min_dist: float, rounds: int = 60):
    """Push apart nodes closer than ``min_dist`` (agencies sharing every provision would
    otherwise sit on top of each other and hide each other's labels)."""
    pts = {n: list(xy) for n, xy in pos.items()}
    names = sorted(pts)
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                dx = pts[b][0] - pts[a][0]
                dy = pts[b][1] - pts[a][1]
                d = math.hypot(dx, dy)
                if d >= min_dist:
                    continue
                if d < 1e-9:  # same spot: split along a fixed direction
                    dx, dy, d = 1.0, 0.0, 1.0
                push = (min_dist - d) / 2
                ux, uy = dx / d, dy / d
                pts[a][0] -= ux * push
                pts[a][1] -= uy * push
                pts[b][0] += ux * push
                pts[b][1] += uy * push
                moved = True
        if not moved:
            break
    return {n: (x, y) for n, (x, y) in pts.items()}


def _shelf_pack(boxes, row_width: float, gap: float):
    """Place boxes left to right in rows of at most ``row_width``; y grows downwards."""
    placed: dict[str, tuple[float, float]] = {}
    x = y = row_h = width = 0.0
    for local, w, h in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_h = 0.0, y + row_h + gap, 0.0
        for n, (lx, ly) in local.items():
            placed[n] = (x + lx, y + (h - ly))
        width = max(width, x + w)
        row_h = max(row_h, h)
        x += w + gap
    return placed, width, y + row_h


def level_colour(level: str) -> str:
    return LEVELS.get(level or "", LEVELS[""])[1]


def node_area(measures: int, most: int) -> float:
    """Marker area in pt² — grows with the square root, so big hubs don't hide the rest."""
    return 70.0 + 650.0 * math.sqrt(measures / most) if most else 70.0


def edge_width(weight: int, heaviest: int) -> float:
    return 0.6 + 4.4 * (weight - 1) / (heaviest - 1) if heaviest > 1 else 1.0


# ---------------------------------------------------------------- labels


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _hits_disc(box: tuple[float, float, float, float], cx: float, cy: float, r: float) -> bool:
    nx_ = min(max(cx, box[0]), box[2])
    ny_ = min(max(cy, box[1]), box[3])
    return (nx_ - cx) ** 2 + (ny_ - cy) ** 2 < r * r


def _candidates(r_px: float, far: bool = False) -> list[tuple[float, float]]:
    """Offsets (pixels) to try around a node: close first, right/left before up/down;
    ``far`` adds rings further out (for the labels that must be placed)."""
    out = []
    rings = [r_px + 3, r_px + 16, r_px + 34, r_px + 56]
    if far:
        rings += [r_px + 80, r_px + 110, r_px + 150, r_px + 200]
    for ring in rings:
        for ang in (0, 180, 90, 270, 35, 145, 215, 325):
            a = math.radians(ang)
            out.append((ring * math.cos(a), ring * math.sin(a)))
    return out


def must_label(p: nx.Graph, order: list[str]) -> list[str]:
    """The agencies whose label is placed first and, if need be, over other circles: the
    best-connected (``order``) and the largest (most provisions), in that order."""
    biggest = sorted(p, key=lambda n: (-p.nodes[n].get("measures", 0), order.index(n)))
    out = []
    for n in order[:MUST_LABEL] + biggest[:MUST_LABEL]:
        if n not in out:
            out.append(n)
    return out


def _place_labels(fig, ax, canvas, p, pos, disc, order, top) -> tuple[list, list, list]:
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    frame_box = (frame.x0 + 2, frame.y0 + 2, frame.x1 - 2, frame.y1 - 2)
    to_pt = 72.0 / fig.dpi
    pad = 0.18 * LABEL_FONT / to_pt + 1  # the white box around the text, in pixels
    placed: list[tuple[float, float, float, float]] = []
    labelled: list[str] = []
    skipped: list[str] = []
    must = must_label(p, order)[: max(0, top)] if top else []
    queue = must + [n for n in order[:top] if n not in must]
    for n in queue:
        cx, cy, r = disc[n]
        text = p.nodes[n].get("short") or p.nodes[n].get("label_en") or n
        chosen = None
        tries = [(c, True) for c in _candidates(r)]
        if n in must:  # then further out, over other circles if there is no other way
            tries += [(c, False) for c in _candidates(r, far=True)]
        for i, ((dx, dy), strict) in enumerate(tries):
            ha = "left" if dx > 1 else "right" if dx < -1 else "center"
            va = "bottom" if dy > 1 else "top" if dy < -1 else "center"
            far = math.hypot(dx, dy) > r + 20
            ann = ax.annotate(
                text,
                xy=pos[n],
                xycoords="data",
                xytext=(dx * to_pt, dy * to_pt),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=LABEL_FONT,
                zorder=6 if n in must else 5,
                color="#1b2631",
                bbox={"boxstyle": "round,pad=0.18", "fc": "white", "ec": "none", "alpha": 0.8},
                arrowprops=(
                    {
                        "arrowstyle": "-",
                        "color": "#566573",
                        "lw": 0.6,
                        "shrinkA": 0,
                        "shrinkB": r * to_pt,
                    }
                    if far
                    else None
                ),
            )
            ann.update_positions(renderer)
            bb = Text.get_window_extent(ann, renderer)  # the text alone, not the leader line
            box = (bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)
            ok = (
                box[0] >= frame_box[0]
                and box[1] >= frame_box[1]
                and box[2] <= frame_box[2]
                and box[3] <= frame_box[3]
                and not any(_overlaps(box, q) for q in placed)
                and not (strict and any(_hits_disc(box, *disc[m]) for m in p if m != n))
            )
            if ok:
                chosen = box
                break
            ann.remove()
        if chosen is None:
            skipped.append(n)
        else:
            placed.append(chosen)
            labelled.append(n)
    return labelled, skipped, placed


# ---------------------------------------------------------------- the figure


def draw_static(
    net: Network,
    png: Path | None,
    svg: Path | None = None,
    *,
    top: int = DEFAULT_TOP,
    seed: int = 42,
    pos: dict[str, tuple[float, float]] | None = None,
) -> DrawResult:
    """Draw the agency projection; write ``png`` and/or ``svg``.  Returns what was labelled."""
    p = net.agencies
    pos = pos if pos is not None else layout_positions(p, seed)
    fig = Figure(figsize=FIGSIZE, dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.015, 0.05, 0.77, 0.82))
    ax.set_axis_off()
    ax.set_xlim(-0.06, 1.06)
    ax.set_ylim(-0.06, 1.06)

    n_agencies = p.number_of_nodes()
    n_measures = net.bipartite.number_of_nodes() - n_agencies
    fig.suptitle(
        "Which agencies share responsibility for China's cell and gene therapy policy provisions",
        x=0.015,
        y=0.975,
        ha="left",
        fontsize=16,
        fontweight="bold",
    )
    fig.text(
        0.015,
        0.915,
        f"{n_agencies} agencies made responsible for {n_measures} provisions; a line joins two "
        f"agencies made jointly responsible for at least one provision "
        f"({p.number_of_edges()} pairs).   Filters: {net.filters.describe()}",
        ha="left",
        fontsize=11,
        color="#34495e",
    )

    if n_agencies == 0:
        ax.text(
            0.5,
            0.5,
            "No responsibility links match these filters.",
            ha="center",
            va="center",
            fontsize=14,
            color="#7f8c8d",
        )
        return _save(fig, canvas, png, svg, [], [], [])

    most = max(p.nodes[n].get("measures", 1) for n in p)
    heaviest = max((d["weight"] for *_, d in p.edges(data=True)), default=1)
    edges = sorted(p.edges(data=True), key=lambda e: e[2]["weight"])
    if edges:
        ax.add_collection(
            LineCollection(
                [(pos[u], pos[v]) for u, v, _ in edges],
                linewidths=[edge_width(d["weight"], heaviest) for *_, d in edges],
                colors="#7f8c8d",
                alpha=0.45,
                zorder=1,
                capstyle="round",
            )
        )
    order = ranked(p)
    draw_order = list(reversed(order))  # hubs on top
    areas = [node_area(p.nodes[n].get("measures", 1), most) for n in draw_order]
    ax.scatter(
        [pos[n][0] for n in draw_order],
        [pos[n][1] for n in draw_order],
        s=areas,
        c=[level_colour(p.nodes[n].get("level", "")) for n in draw_order],
        edgecolors="white",
        linewidths=1.2,
        zorder=3,
    )
    canvas.draw()  # fixes the transforms, so label boxes can be measured in pixels
    px = fig.dpi / 72.0
    disc = {}
    for n, a in zip(draw_order, areas):
        x, y = ax.transData.transform(pos[n])
        disc[n] = (float(x), float(y), math.sqrt(a) / 2 * px + 1)
    labelled, skipped, boxes = _place_labels(fig, ax, canvas, p, pos, disc, order, top)
    _legend(fig, p, heaviest, most, top, len(labelled))
    fig.text(
        0.015,
        0.015,
        "Node size: provisions the agency is responsible for. Line width: provisions two agencies "
        "share. Labels: the best-connected agencies by weighted degree (registry acronyms). "
        "Made with cgtkg network.",
        ha="left",
        fontsize=9,
        color="#566573",
    )
    return _save(fig, canvas, png, svg, labelled, skipped, boxes)


def _legend(fig, p, heaviest: int, most: int, top: int, n_labelled: int) -> None:
    present: dict[str, int] = {}
    for n in p:
        lvl = p.nodes[n].get("level", "") or ""
        lvl = lvl if lvl in LEVELS else ""
        present[lvl] = present.get(lvl, 0) + 1
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=11,
            markerfacecolor=colour,
            markeredgecolor="white",
            label=f"{name} ({present[key]})",
        )
        for key, (name, colour) in LEVELS.items()
        if key in present
    ]
    widths = sorted({1, (1 + heaviest) // 2, heaviest})
    handles += [
        Line2D(
            [],
            [],
            color="#7f8c8d",
            alpha=0.6,
            linewidth=edge_width(w, heaviest),
            label=f"{w} shared provision{'s' if w != 1 else ''}",
        )
        for w in widths
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color="#aab7b8",
            markersize=math.sqrt(node_area(m, most)),
            label=f"responsible for {m}",
        )
        for m in sorted({1, most})
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.8, 0.86),
        frameon=False,
        title="Colour: administrative level",
        title_fontsize=10,
        fontsize=10,
        labelspacing=1.1,
        borderpad=0.6,
        alignment="left",
    )
    fig.text(
        0.8,
        0.2,
        f"{n_labelled} of {p.number_of_nodes()} agencies labelled:\n"
        f"the top {top} by weighted degree whose\nlabel fits without overlap; the {MUST_LABEL} "
        f"largest\nand best-connected always",
        ha="left",
        va="top",
        fontsize=9,
        color="#566573",
    )


def _save(fig, canvas, png, svg, labelled, skipped, boxes) -> DrawResult:
    if png is not None:
        Path(png).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(png, dpi=DPI, facecolor="white")
    if svg is not None:
        Path(svg).parent.mkdir(parents=True, exist_ok=True)
        # text stays text (searchable, selectable), and ids are stable between runs
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cgtkg"}):
            fig.savefig(svg, format="svg", facecolor="white", metadata=SVG_META)
    w, h = canvas.get_width_height()
    return DrawResult(
        png=Path(png) if png else None,
        svg=Path(svg) if svg else None,
        size_px=(w, h),
        labelled=labelled,
        skipped=skipped,
        label_boxes=boxes,
    )
