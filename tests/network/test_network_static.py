"""The static PNG and SVG: right size, not blank, coloured by level, labels that don't collide."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import combinations

import pytest
from cgtkg.graph.network import LEVELS, NetworkFilters, build_network, ranked
from cgtkg.graph.network_draw import DPI, FIGSIZE, draw_static, layout_positions, must_label
from network_1000 import network_1000
from PIL import Image, ImageStat

EXPECTED_PX = (int(FIGSIZE[0] * DPI), int(FIGSIZE[1] * DPI))


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _has_colour(img: Image.Image, rgb: tuple[int, int, int], tol: int = 6) -> bool:
    return any(
        all(abs(a - b) <= tol for a, b in zip(px, rgb)) for _count, px in img.getcolors(2**24)
    )


def _check_picture(png, net, result, test_output=None):
    img = Image.open(png).convert("RGB")
    assert img.size == EXPECTED_PX
    stat = ImageStat.Stat(img.convert("L"))
    assert stat.var[0] > 200, "picture looks blank"
    dark = sum(count for count, v in img.convert("L").getcolors(256) if v < 200)
    assert dark > 0.01 * img.size[0] * img.size[1], "almost nothing drawn"
    # every administrative level present in the graph is drawn in its own colour
    for level in {net.agencies.nodes[n]["level"] for n in net.agencies}:
        assert _has_colour(img, _hex(LEVELS.get(level, LEVELS[""])[1])), level
    # labels never overlap each other
    for a, b in combinations(result.label_boxes, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    # every label lies inside the picture
    for x0, y0, x1, y1 in result.label_boxes:
        assert 0 <= x0 < x1 <= EXPECTED_PX[0] and 0 <= y0 < y1 <= EXPECTED_PX[1]


def test_png_of_small_network(small_net, tmp_path):
    result = draw_static(small_net, tmp_path / "a.png", tmp_path / "a.svg", top=30)
    _check_picture(tmp_path / "a.png", small_net, result)
    assert set(result.labelled) == set(small_net.agencies)  # 8 agencies: room for all
    assert result.size_px == EXPECTED_PX


def test_only_top_agencies_are_labelled(small_net, tmp_path):
    result = draw_static(small_net, tmp_path / "a.png", None, top=3)
    assert result.labelled == ranked(small_net.agencies)[:3]


def test_svg_keeps_labels_and_title_as_text(small_net, tmp_path):
    draw_static(small_net, None, tmp_path / "a.svg", top=30)
    root = ET.parse(tmp_path / "a.svg").getroot()
    text = " ".join(t for t in root.itertext())
    assert "TMPA" in text and "Filters: none" in text
    assert "national (4)" in text  # the legend


def test_title_names_the_filters(small_store, tmp_path):
    net = build_network(small_store, NetworkFilters(region="guangdong"))
    draw_static(net, None, tmp_path / "g.svg")
    text = " ".join(ET.parse(tmp_path / "g.svg").getroot().itertext())
    assert "Filters: region=guangdong" in text
    assert f"{net.agencies.number_of_nodes()} agencies" in text


def test_empty_network_still_draws_an_explanation(small_store, tmp_path):
    from datetime import date

    net = build_network(small_store, NetworkFilters(date_from=date(2030, 1, 1)))
    assert net.agencies.number_of_nodes() == 0
    result = draw_static(net, tmp_path / "e.png", tmp_path / "e.svg")
    assert Image.open(tmp_path / "e.png").size == EXPECTED_PX
    assert "No responsibility links match" in " ".join(
        ET.parse(tmp_path / "e.svg").getroot().itertext()
    )
    assert result.labelled == []


def test_layout_is_seeded_and_fills_the_frame(small_net):
    a = layout_positions(small_net.agencies, seed=3)
    assert a == layout_positions(small_net.agencies, seed=3)
    xs, ys = [x for x, _ in a.values()], [y for _, y in a.values()]
    assert min(xs) == pytest.approx(0) and max(xs) == pytest.approx(1)
    assert min(ys) == pytest.approx(0, abs=1e-9) and max(ys) <= 1 + 1e-9


def test_png_of_the_real_network(real_net, test_output):
    """The picture the README shows: written to test-output/network/ for a person to look at."""
    png = test_output / "agencies.png"
    result = draw_static(real_net, png, test_output / "agencies.svg", top=30)
    print(f"\nreal network picture: {png}")
    _check_picture(png, real_net, result)
    n = real_net.agencies.number_of_nodes()
    assert len(result.labelled) >= min(20, n), f"only {len(result.labelled)} labels fitted"
    order = ranked(real_net.agencies)
    tried = set(order[:30]) | set(must_label(real_net.agencies, order))
    assert sorted(result.labelled + result.skipped) == sorted(tried)
    assert set(must_label(real_net.agencies, order)) <= set(result.labelled)


def test_biggest_nodes_are_labelled_at_1000_texts(test_output):
    """At 1,000 texts the biggest agency (Guangzhou's government) sat inside the hairball,
    every spot near it touched another circle, and the PNG left it unnamed (issue 24)."""
    net = network_1000()
    p = net.agencies
    assert (p.number_of_nodes(), p.number_of_edges()) == (99, 2615)
    png = test_output / "agencies-1000.png"
    result = draw_static(net, png, None, top=40)
    print(f"\n1,000-text network picture: {png}")
    _check_picture(png, net, result)
    order = ranked(p)
    must = must_label(p, order)
    biggest = sorted(p, key=lambda n: -p.nodes[n]["measures"])[:2]
    assert set(biggest) <= set(must)
    missing = [p.nodes[n]["short"] for n in must if n not in result.labelled]
    assert missing == [], f"the biggest or best-connected agencies are unlabelled: {missing}"
    assert len(result.labelled) >= 30
