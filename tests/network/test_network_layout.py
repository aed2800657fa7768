"""The interactive page laid out for a phone (390 px, touch) and a desktop (1400 px), in real
headless Chromium: layout facts measured from element boxes, and a screenshot of each in
test-output/network/ for a person to look at.

What broke before (issue 24): a fixed two-column layout left a graph 215 px wide on a phone
with panel values clipped, the legend was fixed over the footer, a tooltip stayed after a
tap, and on the desktop two hub labels overlapped and one ran under the panel."""

from __future__ import annotations

from itertools import combinations

import pytest
from cgtkg.graph.network import ranked
from cgtkg.graph.network_draw import layout_positions
from cgtkg.graph.network_html import write_page
from network_1000 import network_1000

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1400, "height": 900}}


def _overlap(a, b) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def _inside(inner, outer, tol=0.5) -> bool:
    return (inner["x"] >= outer["x"] - tol and inner["y"] >= outer["y"] - tol
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + tol
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + tol)


def _must(net) -> list[str]:
    """The agencies the page names whatever the crowd: five best-connected, five largest."""
    p = net.agencies
    order = ranked(p)
    biggest = sorted(order, key=lambda n: -p.nodes[n]["measures"])
    keys = [p.nodes[n]["registry_key"] for n in order[:5] + biggest[:5]]
    return list(dict.fromkeys(keys))


def _open(browser, net, tmp_path, options, errors):
    path = tmp_path / "network.html"
    write_page(net, path, layout_positions(net.agencies, 42), 40)
    context = browser.new_context(**options)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_timeout(100)  # the label placement runs in the next animation frame
    return context, page


def _label_boxes(page) -> dict[str, dict]:
    """Each shown label's box as the page's own layout gives it (getBoundingClientRect: the
    text's em box), grown by the 1.5 px white halo drawn around the letters."""
    return page.locator("text.label.shown").evaluate_all("""els => Object.fromEntries(els.map(e => {
        const r = e.getBoundingClientRect();
        return [e.dataset.key, {x: r.x - 1.5, y: r.y - 1.5, width: r.width + 3, height: r.height + 3}];
    }))""")


def _common_layout_facts(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "horizontal scrolling"
    boxes = {sel: page.locator(sel).bounding_box() for sel in
             ("header", "#toolbar", "#canvas", "#legend", "#panel", "footer")}
    for sel, box in boxes.items():
        assert box["x"] >= -0.5 and box["x"] + box["width"] <= width + 0.5, f"{sel} leaves the viewport"
    for a, b in combinations(("#canvas", "#legend", "#panel", "footer"), 2):
        assert not _overlap(boxes[a], boxes[b]), f"{a} and {b} overlap"
    labels = _label_boxes(page)
    assert labels, "no label is shown"
    for (ka, a), (kb, b) in combinations(labels.items(), 2):
        assert not _overlap(a, b), f"labels {ka} and {kb} overlap"
    for key, box in labels.items():
        assert _inside(box, boxes["#canvas"]), f"label {key} is clipped by the drawing's edge"
    return boxes, labels


def test_phone_layout_is_stacked_and_readable(browser, real_net, tmp_path, test_output):
    errors: list[str] = []
    context, page = _open(browser, real_net, tmp_path, PHONE, errors)
    boxes, labels = _common_layout_facts(page, 390)
    # one column: drawing full width, then legend, then panel, then footer
    assert boxes["#canvas"]["width"] >= 380 and boxes["#canvas"]["height"] >= 300
    assert boxes["#legend"]["y"] >= boxes["#canvas"]["y"] + boxes["#canvas"]["height"] - 0.5
    assert boxes["#panel"]["y"] >= boxes["#legend"]["y"] + boxes["#legend"]["height"] - 0.5
    assert boxes["footer"]["y"] >= boxes["#panel"]["y"] + boxes["#panel"]["height"] - 0.5
    assert boxes["#panel"]["width"] >= 380
    # labels are at least 11 px high on the screen, and the biggest hubs are labelled
    assert min(b["height"] for b in labels.values()) >= 11
    p = real_net.agencies
    hubs = [p.nodes[n]["registry_key"] for n in ranked(p)[:3]]
    assert len(set(hubs) & set(labels)) >= 2, (hubs, sorted(labels))
    page.screenshot(path=str(test_output / "network-390.png"), full_page=True)

    # a tap selects: the panel shows the agency, values inside the panel, and no tooltip
    hub = hubs[0]
    page.locator(f'circle.node[data-key="{hub}"]').tap()
    page.wait_for_selector(f'body[data-selected="{hub}"]')
    assert page.locator("#tooltip").is_hidden()
    panel = page.locator("#panel").bounding_box()
    for dd in page.locator("#panel-body dd").all():
        assert _inside(dd.bounding_box(), panel), dd.inner_text()
        assert dd.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), dd.inner_text()
    # a tap elsewhere leaves no tooltip behind either
    page.locator("#subtitle").tap()
    assert page.locator("#tooltip").is_hidden()
    page.screenshot(path=str(test_output / "network-390-selected.png"), full_page=True)
    assert errors == []
    context.close()


def test_desktop_hub_labels_neither_overlap_nor_run_under_the_panel(browser, real_net, tmp_path, test_output):
    errors: list[str] = []
    context, page = _open(browser, real_net, tmp_path, DESKTOP, errors)
    boxes, labels = _common_layout_facts(page, 1400)
    assert boxes["#panel"]["x"] >= boxes["#canvas"]["x"] + boxes["#canvas"]["width"] - 0.5  # side by side
    p = real_net.agencies
    hubs = [p.nodes[n]["registry_key"] for n in ranked(p)[:5]]
    assert set(hubs) <= set(labels), f"hub labels missing: {set(hubs) - set(labels)}"
    assert len(labels) >= min(25, p.number_of_nodes() * 2 // 3)
    page.screenshot(path=str(test_output / "network-1400.png"))

    # the tooltip follows the mouse and goes when the mouse leaves; a click selects the agency
    hub = page.locator(f'circle.node[data-key="{hubs[0]}"]')
    hub.hover()
    assert page.locator("#tooltip").is_visible()
    page.mouse.move(5, 5)
    assert page.locator("#tooltip").is_hidden()
    hub.click()
    page.wait_for_selector(f'body[data-selected="{hubs[0]}"]')
    page.locator("#panel-body h2").click()
    assert page.locator("#tooltip").is_hidden()
    selected = _label_boxes(page)
    assert hubs[0] in selected  # the selected agency is labelled, and still no overlap
    for (ka, a), (kb, b) in combinations(selected.items(), 2):
        assert not _overlap(a, b), f"labels {ka} and {kb} overlap with {hubs[0]} selected"
    page.click("#zoom-reset")
    # zoomed in, more labels show, and still none overlaps another
    for _ in range(3):
        page.click("#zoom-in")
    page.wait_for_timeout(100)
    zoomed = _label_boxes(page)
    for (ka, a), (kb, b) in combinations(zoomed.items(), 2):
        assert not _overlap(a, b), f"labels {ka} and {kb} overlap when zoomed"
    assert errors == []
    context.close()


@pytest.mark.parametrize("options", [PHONE, DESKTOP], ids=["390px", "1400px"])
def test_hubs_are_named_in_the_1000_text_hairball(browser, tmp_path, test_output, options):
    """At 1,000 texts the largest agencies sit inside a dense hairball where no spot near
    them is free of other circles: their labels are placed anyway, over circles, still never
    over another label nor past the drawing's edge."""
    net = network_1000()
    errors: list[str] = []
    context, page = _open(browser, net, tmp_path, options, errors)
    width = options["viewport"]["width"]
    _, labels = _common_layout_facts(page, width)
    missing = [k for k in _must(net) if k not in labels]
    assert missing == [], f"unnamed hubs: {missing}"
    page.screenshot(path=str(test_output / f"network-1000-{width}.png"))
    assert errors == []
    context.close()
