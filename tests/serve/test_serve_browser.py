"""The pages of ``cgtkg serve`` as a person uses them: headless Chromium (Debian's) through
Playwright, on a phone (390 px) and a desktop (1280 px) viewport, with screenshots in
test-output/serve/.  Every request the pages make is recorded: none may leave the server."""

from __future__ import annotations

import time

import pytest
from cgtkg.graph.namespaces import CGT, DEFAULT_BASE, ELI
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF

pytestmark = pytest.mark.browser
WIDTHS = (390, 1280)
CGT_PART_OF = URIRef("https://w3id.org/cgt-kg/ontology#partOfDocument")


def _open(browser, server, path, width, problems):
    page = browser.new_page(viewport={"width": width, "height": 860})
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if r.url.startswith(server.url) else problems.append(f"outside: {r.url}"))
    page.goto(server.url + path)
    return page


def _wait(page, expression, seconds=20):
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false: {expression}"
        page.wait_for_timeout(50)


def _fits(page, width):
    """No horizontal scrolling, and every visible block ends inside the viewport."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    outside = page.evaluate("""(w) => Array.from(document.querySelectorAll(
        'h1, h2, p, dt, dd, li, figure, textarea, select, button, table, .table-wrap, header, footer'))
        .filter(e => e.offsetParent !== null && !e.closest('.table-wrap table'))
        .map(e => [e.tagName, e.getBoundingClientRect()])
        .filter(([t, r]) => r.width > 0 && (r.left < -1 || r.right > w + 1))
        .map(([t, r]) => t + ' ' + Math.round(r.left) + '..' + Math.round(r.right))""", width)
    assert outside == []


@pytest.mark.parametrize("width", WIDTHS)
def test_document_page_lists_its_provisions_and_leads_to_them(browser, server, union, shots, width):
    doc = max(union.subjects(RDF.type, ELI.LegalResource),
              key=lambda d: (len(set(union.subjects(CGT_PART_OF, d))), str(d)))
    provisions = set(union.subjects(CGT_PART_OF, doc))
    problems: list[str] = []
    page = _open(browser, server, "/id/" + str(doc)[len(DEFAULT_BASE):], width, problems)
    assert page.url == server.url + "/page/" + str(doc)[len(DEFAULT_BASE):]
    title = next(str(t) for t in union.objects(doc, DCTERMS.title) if t.language == "en")
    assert page.locator("h1").inner_text().strip() == title
    assert page.locator("li.provision").count() == len(provisions)
    _fits(page, width)
    page.screenshot(path=str(shots / f"document-{width}.png"))
    first = page.locator("li.provision a").first
    name = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(name)
    assert page.locator("p.within a").inner_text().strip() == title
    _fits(page, width)
    page.screenshot(path=str(shots / f"provision-{width}.png"), full_page=True)
    assert problems == []
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_agency_page_names_it_in_both_languages_with_its_provisions(browser, server, union, shots, width):
    nmpa = URIRef(DEFAULT_BASE + "agency/nmpa")
    problems: list[str] = []
    page = _open(browser, server, "/id/agency/nmpa", width, problems)
    assert page.locator("h1").inner_text() == "National Medical Products Administration"
    assert page.locator("p.title-zh").inner_text() == "国家药品监督管理局"
    owned = set(union.subjects(CGT.responsibleAgency, nmpa))
    row = page.locator("#referenced dt", has_text="Responsible bodies")
    assert row.count() == 1
    assert row.locator("xpath=following-sibling::dd[1]").locator("li").count() == len(owned)
    _fits(page, width)
    page.screenshot(path=str(shots / f"agency-{width}.png"))
    assert problems == []
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_query_page_runs_sparql_and_saved_questions(browser, server, served_build, shots, width):
    from cgtkg.graph import query as Q
    from cgtkg.graph.store import GraphStore

    problems: list[str] = []
    page = _open(browser, server, "/", width, problems)
    _wait(page, "document.body.dataset.ready === 'true' && Number(document.body.dataset.saved) > 0")
    text = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "SELECT ?agency ?name WHERE { ?agency a <http://www.w3.org/ns/org#Organization> ; "
            "skos:prefLabel ?name FILTER(LANG(?name) = 'zh') } ORDER BY ?name")
    store = GraphStore.open(served_build)
    try:
        expected = store.query(text)
        saved = Q.load("agency-measures")
        base = Q.detect_base(store)
        expected_saved = Q.run_local(store, saved, Q.resolve_bindings(saved, {"agency": "ag:nhc"}, base), base=base)
    finally:
        store.close()
    page.fill("#query", text)
    page.click("#run")
    _wait(page, "document.body.dataset.state === 'done'")
    assert page.locator("#result-table tbody tr").count() == len(expected)
    assert page.locator("#status").inner_text().startswith(f"{len(expected)} rows")
    _fits(page, width)
    page.screenshot(path=str(shots / f"query-{width}.png"))

    page.select_option("#saved-query", "agency-measures")
    page.fill("#param-agency", "ag:nhc")
    page.click("#saved-run")
    _wait(page, "document.body.dataset.state === 'done'")  # the click set it to 'running' first
    assert expected_saved.rows
    assert page.locator("#result-table tbody tr").count() == len(expected_saved.rows)

    # a result's IRI opens its page on this server
    link = page.locator("#result-table tbody a").first
    href = link.get_attribute("href")
    assert href.startswith("/id/")
    link.click()
    page.wait_for_load_state()
    assert page.url.startswith(server.url + "/page/")
    assert problems == []
    page.close()


def test_network_page_served_links_to_this_servers_pages(browser, server, shots):
    """Opened from `cgtkg serve`, the network page's documents, agencies and sources open
    their pages on the server instead of the w3id IRIs (which dereference nowhere yet)."""
    problems: list[str] = []
    page = _open(browser, server, "/network", 1280, problems)
    _wait(page, "document.body.dataset.ready === 'true'")
    hub = page.locator("circle.node").first.get_attribute("data-key")
    page.locator(f'circle.node[data-key="{hub}"]').click()
    _wait(page, f"document.body.dataset.selected === {hub!r}")
    hrefs = page.locator("#panel-body a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("/id/") for h in hrefs), hrefs
    assert any(h.startswith("/id/source/") for h in hrefs) and any(h.startswith("/id/doc/") for h in hrefs)
    page.screenshot(path=str(shots / "network-served.png"))
    page.locator("#panel-body p.open-page a").click()
    page.wait_for_load_state()
    assert page.url == f"{server.url}/page/agency/{hub}"
    assert problems == []
    page.close()
