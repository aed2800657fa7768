"""The interactive page, used as a person would: in real headless Chromium via Playwright.

Opened straight from disk (file://) with every request recorded, so a page that tried
to fetch a script, a font or data from anywhere else would fail the test.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest
from cgtkg.graph.network import MEASURE
from cgtkg.graph.network_draw import layout_positions
from cgtkg.graph.network_html import write_page

pytestmark = pytest.mark.browser


class _Refs(HTMLParser):
    """Every attribute that could make a browser load something."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and not (tag == "a"):
                self.refs.append((tag, name, value or ""))


def _wait_for(page, expression: str, timeout_ms: int = 30_000) -> None:
    """Wait until ``expression`` is true in the page, asking it through ``page.evaluate``.

    ``page.wait_for_function`` evaluates its predicate with ``eval`` inside the page when the
    first check fails, which the page's Content-Security-Policy (no 'unsafe-eval') refuses:
    the test failed whenever the machine was slow enough for a second check
    (microsoft/playwright#7395). ``page.evaluate`` goes through the debugging protocol,
    which the page's policy does not govern, so the policy stays in force for the page."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(25)


def _page(browser, path, errors):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on(
        "console",
        lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)
    return page, requests


def _write(net, path, top=30):
    write_page(net, path, layout_positions(net.agencies, 42), top)
    return path


def _owned(net, agency):
    b = net.bipartite
    return {m for m in b.neighbors(agency) if b.nodes[m]["kind"] == MEASURE}


def _show_every_page(page) -> int:
    """Click "Show N more" until the panel lists everything; how many clicks it took."""
    more, clicks = page.locator('button[data-more="page"]'), 0
    while more.is_visible():
        more.click()
        clicks += 1
    return clicks


def _node_centre(page, key):
    box = page.locator(f'circle.node[data-key="{key}"]').bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_page_is_self_contained(real_net, tmp_path):
    html = _write(real_net, tmp_path / "network.html").read_text(encoding="utf-8")
    parser = _Refs()
    parser.feed(html)
    assert parser.refs == [], "the page refers to outside resources"
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"https?://[^\"'\s]*\.(js|css|woff2?)\b", html)


def test_real_network_search_focus_click_and_screenshot(browser, real_net, tmp_path, test_output):
    net = real_net
    p, b = net.agencies, net.bipartite
    target = max(p, key=lambda n: (len(_owned(net, n)), p.nodes[n]["registry_key"]))
    # pages of about a third of the target's list, so that its provisions come in pages
    size = max(1, -(-len(_owned(net, target)) // 3))
    path = tmp_path / "network.html"
    write_page(net, path, layout_positions(net.agencies, 42), 30, page_size=size)
    errors: list[str] = []
    page, requests = _page(browser, path, errors)

    # every agency is drawn once, every shared-responsibility pair once
    assert page.locator("circle.node").count() == p.number_of_nodes()
    assert page.locator("line.edge").count() == p.number_of_edges()

    # a person types an agency's Chinese name: the view centres on it and shows it
    key, zh = p.nodes[target]["registry_key"], p.nodes[target]["label_zh"]
    assert zh, f"{key} has no Chinese name in the registry"
    page.fill("#search", zh)
    _wait_for(page, f"document.body.dataset.selected === {key!r}")
    assert page.locator("circle.node.focused").get_attribute("data-key") == key
    canvas = page.locator("#canvas").bounding_box()
    cx, cy = _node_centre(page, key)
    assert abs(cx - (canvas["x"] + canvas["width"] / 2)) < 0.1 * canvas["width"]
    assert abs(cy - (canvas["y"] + canvas["height"] / 2)) < 0.1 * canvas["height"]
    assert float(page.locator("#canvas svg").get_attribute("data-zoom")) > 1

    # ... and its provisions are listed with their documents (all of them, past the first page)
    owned = _owned(net, target)
    assert len(owned) > size and _show_every_page(page) == -(-len(owned) // size) - 1
    assert page.locator("#panel-body li.measure").count() == len(owned)
    assert {
        page.locator("#panel-body li.measure").nth(i).get_attribute("data-measure")
        for i in range(len(owned))
    } == owned
    panel = page.locator("#panel-body").inner_text()
    for m in owned:
        d = b.nodes[m]
        assert d["document_title_en"] in panel
        if d["document_number"]:
            assert d["document_number"] in panel
    page.screenshot(path=str(test_output / "network-search.png"))

    # clicking a partner's circle shows that agency's provisions instead
    partner = max(p.neighbors(target), key=lambda n: (p.edges[target, n]["weight"], n))
    pkey = p.nodes[partner]["registry_key"]
    page.locator(f'circle.node[data-key="{pkey}"]').click()
    _wait_for(page, f"document.body.dataset.selected === {pkey!r}")
    assert page.locator("#panel-body h2").inner_text() == p.nodes[partner]["label_en"]
    _show_every_page(page)
    assert page.locator("#panel-body li.measure").count() == len(_owned(net, partner))

    # hovering shows both names
    page.locator(f'circle.node[data-key="{key}"]').hover()
    tip = page.locator("#tooltip")
    assert tip.is_visible()
    assert p.nodes[target]["label_en"] in tip.inner_text() and zh in tip.inner_text()

    shot = test_output / "network-page.png"
    page.screenshot(path=str(shot))
    print(f"\nscreenshots: {shot} and {test_output / 'network-search.png'}")
    assert errors == []
    assert all(u.startswith("file://") for u in requests), requests
    assert len(requests) == 1  # the page itself, nothing else
    page.close()


def test_pan_zoom_and_colour_modes(browser, real_net, tmp_path):
    path = _write(real_net, tmp_path / "network.html")
    errors: list[str] = []
    page, _ = _page(browser, path, errors)
    svg = page.locator("#canvas svg")
    canvas = page.locator("#canvas").bounding_box()
    # wheel zoom around the pointer
    page.mouse.move(canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2)
    page.mouse.wheel(0, -400)
    _wait_for(page, "parseFloat(document.querySelector('#canvas svg').dataset.zoom) > 1.5")
    # drag on the background pans: every node moves by the same amount
    some = page.locator("circle.node").first.get_attribute("data-key")
    before = _node_centre(page, some)
    x0, y0 = canvas["x"] + 5, canvas["y"] + 5
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 120, y0 + 60, steps=6)
    page.mouse.up()
    after = _node_centre(page, some)
    assert after[0] - before[0] == pytest.approx(120, abs=3)
    assert after[1] - before[1] == pytest.approx(60, abs=3)
    page.click("#zoom-reset")
    assert float(svg.get_attribute("data-zoom")) == 1

    # colour by level matches the legend; switching to communities recolours
    p = real_net.agencies
    fills = {
        c.get_attribute("data-key"): c.get_attribute("fill")
        for c in page.locator("circle.node").all()
    }
    by_level: dict[str, set[str]] = {}
    for n in p:
        by_level.setdefault(p.nodes[n]["level"], set()).add(fills[p.nodes[n]["registry_key"]])
    assert all(len(colours) == 1 for colours in by_level.values())  # one colour per level
    assert len({next(iter(c)) for c in by_level.values()}) == len(by_level)  # distinct levels
    assert "Administrative level" in page.locator("#legend").inner_text()
    page.select_option("#colour-by", "community")
    fills2 = {
        c.get_attribute("data-key"): c.get_attribute("fill")
        for c in page.locator("circle.node").all()
    }
    by_comm: dict[int, set[str]] = {}
    for n in p:
        by_comm.setdefault(p.nodes[n]["community"], set()).add(fills2[p.nodes[n]["registry_key"]])
    assert all(len(colours) == 1 for colours in by_comm.values())
    assert "Community" in page.locator("#legend").inner_text()
    assert errors == []
    page.close()


def test_clicking_shows_source_passage_when_there_is_one(browser, small_net, tmp_path, test_output):
    """Made-up store: alpha measure 1 has an annotated passage, the others do not."""
    path = _write(small_net, tmp_path / "small.html")
    errors: list[str] = []
    page, _ = _page(browser, path, errors)
    assert page.locator("circle.node").count() == small_net.agencies.number_of_nodes()
    page.locator('circle.node[data-key="nmpa"]').click()
    _wait_for(page, "document.body.dataset.selected === 'nmpa'")
    items = page.locator("#panel-body li.measure")
    assert items.count() == 4
    with_passage = page.locator("#panel-body li.measure:has(blockquote.passage)")
    assert with_passage.count() == 1
    assert with_passage.get_attribute("data-measure").endswith("/doc/alpha/measure/1")
    assert (
        with_passage.locator("blockquote").inner_text()
        == "An invented passage that stands in for a quote."
    )
    assert "Test [2024] No. 1" in page.locator("#panel-body").inner_text()
    # NHC: for the same measure the passage naming NHC as responsible is shown instead
    page.locator('circle.node[data-key="nhc"]').click()
    _wait_for(page, "document.body.dataset.selected === 'nhc'")
    named = page.locator("#panel-body li.measure blockquote.responsibility")
    assert named.count() == 1
    assert named.inner_text() == "Invented words that name the health commission."
    page.screenshot(path=str(test_output / "network-small.png"))
    # searching by acronym, then Escape clears the selection
    page.fill("#search", "tcde")
    _wait_for(page, "document.body.dataset.selected === 'cde'")
    page.keyboard.press("Escape")
    _wait_for(page, "document.body.dataset.selected === undefined")
    page.fill("#search", "no such agency")
    assert page.locator("#search-status").inner_text() == "no agency matches"
    assert errors == []
    page.close()


def test_labels_cannot_break_out_of_the_data_block(browser, small_net, tmp_path):
    """A label holding '</script>' stays text: the page still works and shows it verbatim."""
    import copy

    net = copy.deepcopy(small_net)
    evil = 'Evil </script><script>document.body.dataset.pwned="1"</script> & Co'
    for g in (net.agencies, net.bipartite):
        g.nodes[next(n for n in g if n.endswith("/agency/cde"))]["label_en"] = evil
    path = _write(net, tmp_path / "evil.html")
    errors: list[str] = []
    page, _ = _page(browser, path, errors)
    page.locator('circle.node[data-key="cde"]').click()
    assert page.locator("#panel-body h2").inner_text() == evil
    assert page.evaluate("document.body.dataset.pwned") is None
    assert errors == []
    page.close()


def _listed(page) -> list[str]:
    return page.locator("#panel-body li.measure").evaluate_all(
        "items => items.map(li => li.dataset.measure)"
    )


def test_long_provision_lists_come_a_page_at_a_time(browser, small_net, tmp_path):
    """An agency with more provisions than a page shows one page, then the rest on request.

    Whatever the page size, the panel ends with the same entries, in the same order and
    under the same document headings, as when everything fits on one page.
    """
    nmpa = next(n for n in small_net.agencies if n.endswith("/agency/nmpa"))
    owned = _owned(small_net, nmpa)
    docs = {small_net.bipartite.nodes[m]["document"] for m in owned}
    assert len(owned) == 4 and len(docs) < len(owned), "fixture: a document with two provisions"
    errors: list[str] = []

    def select(page_size):
        path = tmp_path / f"page-{page_size}.html"
        write_page(small_net, path, layout_positions(small_net.agencies, 42), 30, page_size)
        page, _ = _page(browser, path, errors)
        page.locator('circle.node[data-key="nmpa"]').click()
        _wait_for(page, "document.body.dataset.selected === 'nmpa'")
        return page

    def headings(page):
        return page.locator("#panel-body section.doc").evaluate_all(
            "s => s.map(x => [x.dataset.document, x.querySelectorAll('li.measure').length])"
        )

    page = select(100)
    whole, whole_docs = _listed(page), headings(page)
    assert set(whole) == owned and sorted(d for d, _ in whole_docs) == sorted(docs)
    assert page.locator("#panel-body .more-measures").is_hidden()
    page.close()

    # a page of three: the fourth comes with "Show 1 more"; "Show all" is not offered
    page = select(3)
    assert "(4)" in page.locator("#measures-heading").inner_text()
    assert _listed(page) == whole[:3]
    controls = page.locator("#panel-body .more-measures")
    assert "Showing 3 of 4" in controls.inner_text()
    assert page.locator('button[data-more="all"]').is_hidden()
    page.locator('button[data-more="page"]').click()
    assert _listed(page) == whole and headings(page) == whole_docs
    assert controls.is_hidden()
    page.close()

    # a page of one: one more at a time, or all at once
    page = select(1)
    assert _listed(page) == whole[:1]
    page.locator('button[data-more="page"]').click()
    assert _listed(page) == whole[:2]
    page.locator('button[data-more="all"]').click()  # a page per task, until all are there
    _wait_for(page, "document.querySelectorAll('#panel-body li.measure').length === 4")
    assert _listed(page) == whole and headings(page) == whole_docs
    assert page.locator("#panel-body .more-measures").is_hidden()
    # choosing another agency and coming back starts from one page again
    page.locator('circle.node[data-key="nhc"]').click()
    _wait_for(page, "document.body.dataset.selected === 'nhc'")
    page.locator('circle.node[data-key="nmpa"]').click()
    _wait_for(page, "document.body.dataset.selected === 'nmpa'")
    assert _listed(page) == whole[:1]
    page.close()
    assert errors == []


def test_page_size_must_be_positive(small_net, tmp_path):
    with pytest.raises(ValueError, match="page_size must be at least 1, not 0"):
        write_page(small_net, tmp_path / "p.html", layout_positions(small_net.agencies, 42), 30, 0)
