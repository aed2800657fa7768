/* Agency network page: draws the precomputed layout as SVG and makes it explorable.
 * Inlined into the page by graph/network_html.py; reads its data from the JSON block
 * #graph-data. No libraries, no network: every DOM text is set with textContent. */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const SVGNS = "http://www.w3.org/2000/svg";
  // SVG user units are the canvas's CSS pixels (the view box follows the canvas's size), so
  // circles and labels keep a readable size on a phone as on a desktop.
  let W = 1200, H = 800;
  const PAD = 28;
  const ASPECT = 1.5;  // width / height the layout was made for (graph/network_draw.py)
  const STRETCH = 1.6;  // how far the drawing may depart from that aspect to fill the canvas
  const FONT = 13;  // label size in screen pixels, at any zoom
  const HALO = 2;  // pixels kept free around a label's box: its 3 px white outline, and a little air
  const MIN_K = 0.4, MAX_K = 14;
  const COMMUNITY_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#ad494a"];

  // Served by `cgtkg serve` (which adds this meta element), the dataset's IRIs open their
  // pages on that server; opened from disk, they stay as they are.
  const idBaseMeta = document.querySelector('meta[name="cgtkg-id-base"]');
  const ID_BASE = idBaseMeta ? idBaseMeta.getAttribute("content") : "";
  function hrefOf(iri) {
    return ID_BASE && iri && iri.indexOf(ID_BASE) === 0 ? "/id/" + iri.slice(ID_BASE.length) : iri;
  }

  const nodes = data.nodes;
  const edges = data.edges;
  const measures = data.measures;
  const PAGE = data.meta.pageSize;  // provisions added to the panel at a time
  const levelInfo = {};
  data.meta.levels.forEach(function (l) { levelInfo[l.key] = l; });

  nodes.forEach(function (n, i) {
    n.i = i;
    n.nb = new Map();  // neighbour index -> shared provisions
  });
  // Named whatever the crowd (as in the PNG): the five best-connected (the data comes in
  // rank order) and the five largest agencies.
  const MUST = 5;
  const must = nodes.slice(0, MUST).concat(nodes.slice().sort(function (a, b) {
    return b.measures - a.measures || a.i - b.i;
  }).slice(0, MUST)).filter(function (n, i, all) { return all.indexOf(n) === i; });
  edges.forEach(function (e) {
    nodes[e.s].nb.set(e.t, e.w);
    nodes[e.t].nb.set(e.s, e.w);
  });

  // ------------------------------------------------------------ helpers

  function svgEl(name, attrs) {
    const e = document.createElementNS(SVGNS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function h(name, attrs, text) {
    const e = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function norm(s) { return (s || "").toString().trim().toLowerCase(); }
  function levelOf(n) { return levelInfo[n.level] || levelInfo[""]; }
  function nameOf(n) { return n.short && n.short !== n.en ? n.short : n.en; }

  // ------------------------------------------------------------ drawing

  const canvas = document.getElementById("canvas");
  const svg = svgEl("svg", {
    viewBox: "0 0 " + W + " " + H, preserveAspectRatio: "xMinYMin meet", role: "group",
    "aria-label": data.meta.title,
  });
  const viewport = svgEl("g", { id: "viewport" });
  const gEdges = svgEl("g", { class: "edges" });
  const gNodes = svgEl("g", { class: "nodes" });
  const gLabels = svgEl("g", { class: "labels" });
  viewport.append(gEdges, gNodes, gLabels);
  svg.append(viewport);
  canvas.append(svg);

  const wmax = edges.reduce(function (m, e) { return Math.max(m, e.w); }, 1);
  edges.forEach(function (e) {
    const a = nodes[e.s], b = nodes[e.t];
    e.el = svgEl("line", {
      class: "edge",
      "stroke-width": (1 + 5 * (e.w - 1) / Math.max(1, wmax - 1)).toFixed(2),
      "vector-effect": "non-scaling-stroke",
    });
    gEdges.append(e.el);
  });

  // biggest first, so small circles stay clickable on top of big ones
  nodes.slice().sort(function (a, b) { return b.r - a.r; }).forEach(function (n) {
    n.el = svgEl("circle", {
      class: "node", "data-id": n.id, "data-key": n.key,
      tabindex: "0", role: "button",
      "aria-label": n.en + (n.zh ? " / " + n.zh : "") + ": " + n.measures + " provisions",
    });
    n.label = svgEl("text", { class: "label" + (n.top ? " top" : ""), "data-key": n.key });
    n.label.textContent = nameOf(n);
    gNodes.append(n.el);
    gLabels.append(n.label);
    n.el.addEventListener("click", function (ev) { ev.stopPropagation(); select(n); });
    n.el.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(n); }
    });
    // the tooltip follows a mouse only: a tap selects the agency and the panel shows it all
    n.el.addEventListener("pointerenter", function (ev) { if (ev.pointerType === "mouse") showTip(n, ev); });
    n.el.addEventListener("pointermove", function (ev) { if (ev.pointerType === "mouse") moveTip(ev); });
    n.el.addEventListener("pointerleave", hideTip);
  });

  // ------------------------------------------------------------ geometry

  /** Each label's box at FONT px as the browser lays it out (its em box), and where it sits
   * from the text's anchor point: measured once, with every label shown but invisible. */
  function measureLabels() {
    gLabels.classList.add("measuring");
    gLabels.setAttribute("font-size", FONT);
    const m = svg.getScreenCTM();
    nodes.forEach(function (n) {
      n.label.setAttribute("x", "0");
      n.label.setAttribute("y", "100");
      const r = n.label.getBoundingClientRect();
      n.tw = r.width / m.a;
      n.th = r.height / m.a;
      n.lx = (r.left - m.e) / m.a;  // box left minus x
      n.asc = 100 - (r.top - m.f) / m.a;  // baseline minus box top
    });
    gLabels.classList.remove("measuring");
  }

  /** Fit the layout into the canvas: the view box is the canvas in pixels, and the drawing
   * keeps the layout's aspect within STRETCH. Node sizes shrink a little on small screens. */
  function layoutWorld() {
    const box = canvas.getBoundingClientRect();
    W = Math.max(160, Math.round(box.width));
    H = Math.max(160, Math.round(box.height));
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    const aw = W - 2 * PAD, ah = H - 2 * PAD;
    const aspect = Math.min(ASPECT * STRETCH, Math.max(ASPECT / STRETCH, aw / ah));
    let gw = aw, gh = aw / aspect;
    if (gh > ah) { gh = ah; gw = ah * aspect; }
    const ox = (W - gw) / 2, oy = (H - gh) / 2;
    const scale = Math.min(1, Math.max(0.6, W / 1000));
    nodes.forEach(function (n) {
      n.wx = ox + n.x * gw;
      n.wy = oy + (1 - n.y) * gh;
      n.wr = n.r * scale;
      n.el.setAttribute("cx", n.wx.toFixed(2));
      n.el.setAttribute("cy", n.wy.toFixed(2));
      n.el.setAttribute("r", n.wr.toFixed(2));
    });
    edges.forEach(function (e) {
      const a = nodes[e.s], b = nodes[e.t];
      e.el.setAttribute("x1", a.wx.toFixed(2)); e.el.setAttribute("y1", a.wy.toFixed(2));
      e.el.setAttribute("x2", b.wx.toFixed(2)); e.el.setAttribute("y2", b.wy.toFixed(2));
    });
  }

  /** Which labels show, and where: the focused agency first, then the five largest and five
   * best-connected, then its partners, then the other best-connected (all of them when
   * zoomed in), each at the first spot around its circle (right, left, above, below) that
   * stays inside the visible canvas and overlaps no label already placed and no other
   * circle; the focused agency and the largest and best-connected may cover other circles
   * (their label has a white outline) when that is the only way. A label with no spot is
   * not drawn (hover or zoom shows it). Boxes are in drawing units, so this runs again
   * after every zoom and pan. */
  function placeLabels() {
    const k = view.k, gap = 2 / k, pad = HALO / k;
    const vx0 = -view.tx / k, vy0 = -view.ty / k, vx1 = (W - view.tx) / k, vy1 = (H - view.ty) / k;
    const zoomed = k >= 2.2;
    const want = [];
    const insist = new Set(must);
    if (selected) {
      want.push(selected);
      insist.add(selected);
    }
    must.forEach(function (n) { if (want.indexOf(n) < 0) want.push(n); });
    if (selected) selected.nb.forEach(function (_w, j) { if (want.indexOf(nodes[j]) < 0) want.push(nodes[j]); });
    nodes.forEach(function (n) { if ((n.top || zoomed) && want.indexOf(n) < 0) want.push(n); });
    const placed = [];
    const shown = new Set();
    function free(b, self, overCircles) {
      if (b[0] < vx0 + pad || b[1] < vy0 + pad || b[2] > vx1 - pad || b[3] > vy1 - pad) return false;
      for (let i = 0; i < placed.length; i++) {
        const q = placed[i];
        if (b[0] < q[2] && q[0] < b[2] && b[1] < q[3] && q[1] < b[3]) return false;
      }
      if (overCircles) return true;
      for (let i = 0; i < nodes.length; i++) {
        const m = nodes[i];
        if (m === self) continue;
        const cx = Math.min(Math.max(m.wx, b[0]), b[2]), cy = Math.min(Math.max(m.wy, b[1]), b[3]);
        if ((cx - m.wx) * (cx - m.wx) + (cy - m.wy) * (cy - m.wy) < m.wr * m.wr) return false;
      }
      return true;
    }
    want.forEach(function (n) {
      if (n.wx < vx0 || n.wx > vx1 || n.wy < vy0 || n.wy > vy1) return;
      const w = n.tw / k, h = n.th / k, r = n.wr;
      const spots = [  // the box's top-left corner: right, left, above, below the circle
        [n.wx + r + gap, n.wy - h / 2],
        [n.wx - r - gap - w, n.wy - h / 2],
        [n.wx - w / 2, n.wy - r - gap - h],
        [n.wx - w / 2, n.wy + r + gap],
      ];
      const tries = insist.has(n) ? spots.length * 2 : spots.length;
      for (let t = 0; t < tries; t++) {
        const i = t % spots.length;
        const x = spots[i][0], y = spots[i][1];
        const b = [x - pad, y - pad, x + w + pad, y + h + pad];
        if (!free(b, n, t >= spots.length)) continue;
        placed.push(b);
        shown.add(n);
        n.label.setAttribute("x", (x - n.lx / k).toFixed(2));
        n.label.setAttribute("y", (y + n.asc / k).toFixed(2));
        return;
      }
    });
    nodes.forEach(function (n) { n.label.classList.toggle("shown", shown.has(n)); });
    svg.dataset.labels = String(shown.size);
  }
  let placing = 0;
  function schedulePlacement() {
    if (!placing) placing = requestAnimationFrame(function () { placing = 0; placeLabels(); });
  }

  // ------------------------------------------------------------ colour and legend

  let colourBy = "level";
  function colourOf(n) {
    if (colourBy === "community") {
      return n.community ? COMMUNITY_COLOURS[(n.community - 1) % COMMUNITY_COLOURS.length] : "#aab7b8";
    }
    return levelOf(n).colour;
  }
  function paint() {
    nodes.forEach(function (n) { n.el.setAttribute("fill", colourOf(n)); });
    drawLegend();
  }
  function drawLegend() {
    const legend = document.getElementById("legend");
    legend.textContent = "";
    const items = [];
    if (colourBy === "level") {
      legend.append(h("strong", {}, "Administrative level"));
      data.meta.levels.forEach(function (l) {
        const count = nodes.filter(function (n) { return levelOf(n) === l; }).length;
        if (count) items.push([l.colour, l.label + " (" + count + ")"]);
      });
    } else {
      legend.append(h("strong", {}, "Community (" + data.meta.communityMethod + ")"));
      const byC = new Map();
      nodes.forEach(function (n) {
        if (!byC.has(n.community)) byC.set(n.community, []);
        byC.get(n.community).push(n);
      });
      Array.from(byC.keys()).sort(function (a, b) { return a - b; }).forEach(function (c) {
        const members = byC.get(c).sort(function (a, b) { return b.strength - a.strength; });
        const names = members.slice(0, 3).map(nameOf).join(", ") + (members.length > 3 ? ", …" : "");
        items.push([colourOf(members[0]), c + ": " + names + " (" + members.length + ")"]);
      });
    }
    items.forEach(function (it) {
      const row = h("div", { class: "item" });
      const sw = h("span", { class: "swatch" });
      sw.style.background = it[0];
      row.append(sw, h("span", {}, it[1]));
      legend.append(row);
    });
  }
  document.getElementById("colour-by").addEventListener("change", function (ev) {
    colourBy = ev.target.value;
    paint();
  });

  // ------------------------------------------------------------ pan and zoom

  const view = { k: 1, tx: 0, ty: 0 };
  function apply(now) {
    viewport.setAttribute("transform",
      "translate(" + view.tx.toFixed(2) + "," + view.ty.toFixed(2) + ") scale(" + view.k.toFixed(4) + ")");
    gLabels.setAttribute("font-size", (FONT / view.k).toFixed(3));
    canvas.classList.toggle("zoomed", view.k >= 2.2);
    svg.dataset.zoom = view.k.toFixed(4);
    if (now) placeLabels(); else schedulePlacement();
  }
  function svgPoint(clientX, clientY) {
    const pt = svg.createSVGPoint();
    pt.x = clientX; pt.y = clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  function zoomAt(factor, px, py) {
    const k = Math.min(MAX_K, Math.max(MIN_K, view.k * factor));
    view.tx = px - (px - view.tx) * (k / view.k);
    view.ty = py - (py - view.ty) * (k / view.k);
    view.k = k;
    apply();
  }
  function centreOn(n, k) {
    view.k = Math.min(MAX_K, Math.max(view.k, k || 2.5));
    view.tx = W / 2 - n.wx * view.k;
    view.ty = H / 2 - n.wy * view.k;
    apply();
  }
  function reset() { view.k = 1; view.tx = 0; view.ty = 0; apply(); }
  let resizing = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { layoutWorld(); apply(true); }, 100);
  });

  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    const p = svgPoint(ev.clientX, ev.clientY);
    zoomAt(Math.exp(-ev.deltaY * 0.0015), p.x, p.y);
  }, { passive: false });

  let drag = null;
  svg.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0 || ev.target.classList.contains("node")) return;
    const p = svgPoint(ev.clientX, ev.clientY);
    drag = { x: p.x, y: p.y, tx: view.tx, ty: view.ty, moved: false };
    canvas.classList.add("dragging");
  });
  window.addEventListener("pointermove", function (ev) {
    if (!drag) return;
    const p = svgPoint(ev.clientX, ev.clientY);
    const dx = p.x - drag.x, dy = p.y - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.tx = drag.tx + dx;
    view.ty = drag.ty + dy;
    apply();
  });
  window.addEventListener("pointerup", function () {
    if (drag && !drag.moved) clearSelection();
    drag = null;
    canvas.classList.remove("dragging");
  });
  document.getElementById("zoom-in").addEventListener("click", function () { zoomAt(1.5, W / 2, H / 2); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomAt(1 / 1.5, W / 2, H / 2); });
  document.getElementById("zoom-reset").addEventListener("click", reset);
  document.addEventListener("keydown", function (ev) {
    if (ev.target.tagName === "INPUT" || ev.target.tagName === "SELECT") return;
    if (ev.key === "+" || ev.key === "=") zoomAt(1.5, W / 2, H / 2);
    else if (ev.key === "-") zoomAt(1 / 1.5, W / 2, H / 2);
    else if (ev.key === "0") reset();
    else if (ev.key === "Escape") clearSelection();
  });

  // ------------------------------------------------------------ tooltip

  const tip = document.getElementById("tooltip");
  function showTip(n, ev) {
    tip.textContent = "";
    tip.append(h("strong", {}, n.en));
    if (n.zh) tip.append(h("div", { class: "zh", lang: "zh" }, n.zh));
    const bits = [n.short !== n.en ? n.short : "", levelOf(n).label, n.regionLabel].filter(Boolean);
    tip.append(h("div", {}, bits.join(" · ")));
    tip.append(h("div", {}, n.measures + " provision" + (n.measures === 1 ? "" : "s") +
      ", shared with " + n.partners + " other agenc" + (n.partners === 1 ? "y" : "ies")));
    tip.hidden = false;
    moveTip(ev);
  }
  function moveTip(ev) {
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + "px";
    tip.style.top = Math.min(ev.clientY + 14, window.innerHeight - tip.offsetHeight - 8) + "px";
  }
  function hideTip() { tip.hidden = true; }
  // any touch or click elsewhere, and scrolling, put the tooltip away
  document.addEventListener("pointerdown", function (ev) {
    if (ev.pointerType !== "mouse" || !ev.target.classList.contains("node")) hideTip();
  }, true);
  window.addEventListener("scroll", hideTip, { passive: true });

  // ------------------------------------------------------------ selection and panel

  let selected = null;
  function clearSelection() {
    selected = null;
    svg.classList.remove("dim");
    nodes.forEach(function (n) {
      n.el.classList.remove("focused", "near");
      n.label.classList.remove("focused", "near");
    });
    edges.forEach(function (e) { e.el.classList.remove("near"); });
    document.getElementById("panel-body").hidden = true;
    document.getElementById("panel-empty").hidden = false;
    delete document.body.dataset.selected;
    schedulePlacement();
  }
  function select(n) {
    clearSelection();
    selected = n;
    svg.classList.add("dim");
    n.el.classList.add("focused");
    n.label.classList.add("focused");
    gNodes.append(n.el);  // on top, so it stays clickable
    n.nb.forEach(function (_w, j) {
      nodes[j].el.classList.add("near");
      nodes[j].label.classList.add("near");
    });
    edges.forEach(function (e) { if (e.s === n.i || e.t === n.i) e.el.classList.add("near"); });
    renderPanel(n);
    document.body.dataset.selected = n.key;
    hideTip();
    schedulePlacement();
  }
  function focusNode(n) {
    select(n);
    centreOn(n, 2.5);
  }

  function renderPanel(n) {
    const body = document.getElementById("panel-body");
    body.textContent = "";
    body.append(h("h2", {}, n.en));
    if (n.zh) body.append(h("p", { class: "zh", lang: "zh" }, n.zh));
    if (ID_BASE) {
      const open = h("p", { class: "open-page" });
      open.append(h("a", { href: hrefOf(n.id) }, "Open its page"));
      body.append(open);
    }
    const dl = h("dl");
    function row(k, v) { if (v !== "" && v !== null && v !== undefined) dl.append(h("dt", {}, k), h("dd", {}, String(v))); }
    row("Short name", n.short !== n.en ? n.short : "");
    row("Registry key", n.key);
    row("Level", levelOf(n).label);
    row("Region", n.regionLabel);
    row("Part of", n.parentLabel);
    row("Responsible for", n.measures + " provision" + (n.measures === 1 ? "" : "s"));
    row("Shares work with", n.partners + " agenc" + (n.partners === 1 ? "y" : "ies"));
    row("Weighted degree", n.strength);
    row("Betweenness", n.betweenness.toFixed(4));
    row("Community", n.community);
    body.append(dl);

    if (n.nb.size) {
      body.append(h("h3", {}, "Works with"));
      const ul = h("ul", { class: "partners" });
      Array.from(n.nb.entries())
        .sort(function (a, b) { return b[1] - a[1] || nodes[a[0]].en.localeCompare(nodes[b[0]].en); })
        .forEach(function (entry) {
          const m = nodes[entry[0]];
          const li = h("li");
          const btn = h("button", { type: "button", class: "partner", "data-key": m.key }, m.en);
          btn.addEventListener("click", function () { focusNode(m); });
          li.append(btn, document.createTextNode(" — " + entry[1] + " shared provision" + (entry[1] === 1 ? "" : "s")));
          ul.append(li);
        });
      body.append(ul);
    }

    // The provisions are added a page at a time (data.meta.pageSize): at 10,000 texts one
    // agency can own 14,000, and building all their entries froze the page for 20 s.
    const total = n.m.length;
    body.append(h("h3", { id: "measures-heading" }, "Provisions it is responsible for (" + total + ")"));
    const list = h("div", { class: "measure-list" });
    body.append(list);
    const controls = h("p", { class: "more-measures" });
    const shownText = h("span", { class: "shown" });
    const more = h("button", { type: "button", class: "more", "data-more": "page" });
    const all = h("button", { type: "button", class: "more", "data-more": "all" }, "Show all " + total);
    controls.append(shownText, " ", more, " ", all);
    body.append(controls);
    const sections = new Map();  // document IRI -> its list, sections in order of first provision
    let shown = 0;
    function showMore(count) {
      const end = Math.min(total, shown + count);
      for (; shown < end; shown++) {
        const m = measures[n.m[shown]];
        let ul = sections.get(m.documentIri);
        if (!ul) {
          ul = h("ul", { class: "measures" });
          sections.set(m.documentIri, ul);
          list.append(documentSection(m, ul));
        }
        ul.append(measureItem(n, m));
      }
      const left = total - shown;
      controls.hidden = left === 0;
      shownText.textContent = "Showing " + shown + " of " + total + ".";
      more.textContent = "Show " + Math.min(left, PAGE) + " more";
      all.hidden = left <= PAGE;
    }
    more.addEventListener("click", function () { showMore(PAGE); });
    // "Show all" adds a page per task, so the page stays responsive while thousands come;
    // it stops when another agency is chosen (this panel's list is then gone)
    all.addEventListener("click", function () {
      more.disabled = all.disabled = true;
      (function step() {
        if (!list.isConnected) return;
        showMore(PAGE);
        if (shown < total) setTimeout(step, 0);
      })();
    });
    showMore(PAGE);
    document.getElementById("panel-empty").hidden = true;
    body.hidden = false;
    body.scrollTop = 0;
  }

  function documentSection(d, ul) {
    const box = h("section", { class: "doc", "data-document": d.document });
    const heading = h("h3", {});
    if (ID_BASE) heading.append(h("a", { href: hrefOf(d.documentIri) }, d.docTitleEn || d.document));
    else heading.textContent = d.docTitleEn || d.document;
    box.append(heading);
    if (d.docTitleZh) box.append(h("p", { class: "zh", lang: "zh" }, d.docTitleZh));
    const meta = [d.docNumber, d.docDates].filter(Boolean).join(" · ");
    if (meta) box.append(h("p", { class: "doc-meta" }, meta));
    box.append(ul);
    return box;
  }
  function measureItem(n, m) {
    const li = h("li", { class: "measure", "data-measure": m.id });
    li.append(h("strong", {}, m.provision + (m.title ? ": " + m.title : "")));
    if (m.summary) li.append(h("p", { class: "summary" }, m.summary));
    const others = m.agencies.filter(function (j) { return j !== n.i; }).map(function (j) { return nameOf(nodes[j]); });
    if (others.length) li.append(h("p", { class: "source" }, "Also responsible: " + others.join(", ")));
    if (m.source) {
      const p = h("p", { class: "source" }, "Source: ");
      p.append(h("a", { href: hrefOf(m.source), rel: "noopener" }, m.sourceTitle || m.source));
      if (m.locator) p.append(document.createTextNode(" — " + m.locator));
      li.append(p);
    }
    const named = n.mp[m.id];
    if (named) {
      li.append(h("p", { class: "source" }, "Where the text names this agency:"));
      li.append(h("blockquote", { class: "passage responsibility" }, named));
    } else if (m.passage) {
      li.append(h("p", { class: "source" }, "Source passage:"));
      li.append(h("blockquote", { class: "passage" }, m.passage));
    }
    return li;
  }

  // ------------------------------------------------------------ search

  const search = document.getElementById("search");
  const status = document.getElementById("search-status");
  const names = document.getElementById("agency-names");
  nodes.slice().sort(function (a, b) { return a.en.localeCompare(b.en); }).forEach(function (n) {
    names.append(h("option", { value: n.en, label: [n.zh, n.short !== n.en ? n.short : ""].filter(Boolean).join(" · ") }));
  });
  function matches(q) {
    q = norm(q);
    if (!q) return [];
    const found = [];
    nodes.forEach(function (n) {
      const keys = [n.en, n.zh, n.short, n.key].map(norm).filter(Boolean);
      let score = null;
      if (keys.indexOf(q) >= 0) score = 0;
      else if (keys.some(function (k) { return k.startsWith(q); })) score = 1;
      else if (keys.some(function (k) { return k.indexOf(q) >= 0; })) score = 2;
      if (score !== null) found.push({ n: n, score: score });
    });
    found.sort(function (a, b) { return a.score - b.score || b.n.strength - a.n.strength; });
    return found;
  }
  function onSearch(force) {
    const found = matches(search.value);
    if (!search.value.trim()) { status.textContent = ""; return; }
    if (!found.length) { status.textContent = "no agency matches"; return; }
    const best = found[0];
    const tied = found.filter(function (f) { return f.score === best.score; }).length;
    status.textContent = found.length === 1 ? "1 match" : found.length + " matches";
    if (force || best.score === 0 || tied === 1) {
      focusNode(best.n);
      status.textContent = "showing " + best.n.en;
    }
  }
  search.addEventListener("input", function () { onSearch(false); });
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { ev.preventDefault(); onSearch(true); }
    if (ev.key === "Escape") { search.value = ""; status.textContent = ""; clearSelection(); }
  });

  paint();
  layoutWorld();
  measureLabels();
  apply(true);
  document.body.dataset.ready = "true";
})();
