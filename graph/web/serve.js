/* Query page of `cgtkg serve`: runs SPARQL on /sparql and the saved questions on
 * /api/query/NAME, and shows the results as a table whose IRIs link to this server's pages.
 * No libraries and no network beyond this server; every text is set with textContent. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("site-config").textContent);
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const status = document.getElementById("status");
  const table = document.getElementById("result-table");
  const pre = document.getElementById("result-text");
  const savedSelect = document.getElementById("saved-query");
  const savedForm = document.getElementById("saved-form");
  const savedParams = document.getElementById("saved-params");
  const savedTitle = document.getElementById("saved-title");
  let saved = [];
  const MAX_ROWS = 2000;

  function h(name, attrs, text) {
    const e = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function localHref(iri) {
    if (iri.indexOf(config.base) === 0) {
      return config.local + iri.slice(config.base.length).split("/").map(encodeURIComponent).join("/");
    }
    return iri;
  }
  function cell(term) {
    const td = h("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = h("a", { href: localHref(term.value), title: term.value }, shortIri(term.value));
      td.append(a);
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) td.setAttribute("lang", term["xml:lang"]);
      if (term.type === "bnode") td.textContent = "_:" + term.value;
    }
    return td;
  }
  function shortIri(iri) {
    return iri.indexOf(config.base) === 0 ? iri.slice(config.base.length) : iri;
  }
  function clear() {
    table.textContent = "";
    pre.hidden = true;
    pre.textContent = "";
  }
  function showJson(data, started) {
    const ms = Math.round(performance.now() - started);
    if (data.boolean !== undefined) {
      status.textContent = "Answer: " + data.boolean + " (" + ms + " ms)";
      return;
    }
    const vars = data.head.vars;
    const all = data.results.bindings;
    const rows = all.slice(0, MAX_ROWS);  // a table of tens of thousands of rows freezes a tab
    status.textContent = all.length + " row" + (all.length === 1 ? "" : "s") + " (" + ms + " ms)" +
      (all.length > rows.length ? "; the first " + rows.length + " are shown, the downloads have them all" : "");
    const t = h("table", { class: "results" });
    const tr = h("tr");
    vars.forEach(function (v) { tr.append(h("th", { scope: "col" }, v)); });
    const head = h("thead");
    head.append(tr);
    t.append(head);
    const body = h("tbody");
    rows.forEach(function (r) {
      const row = h("tr");
      vars.forEach(function (v) { row.append(cell(r[v])); });
      body.append(row);
    });
    t.append(body);
    table.append(t);
  }
  function handle(response, started) {
    const type = (response.headers.get("Content-Type") || "").split(";")[0];
    if (!response.ok) {
      return response.text().then(function (text) {
        status.textContent = "Error " + response.status + ": " + text.trim();
        status.classList.add("error");
      });
    }
    if (type.indexOf("json") >= 0 && type !== "application/ld+json") {
      return response.json().then(function (data) { showJson(data, started); });
    }
    return response.text().then(function (text) {
      status.textContent = "Graph (" + type + ", " + Math.round(performance.now() - started) + " ms)";
      pre.textContent = text;
      pre.hidden = false;
    });
  }
  function run(url, init) {
    clear();
    status.classList.remove("error");
    status.textContent = "Running…";
    document.body.dataset.state = "running";
    const started = performance.now();
    return fetch(url, init)
      .then(function (r) { return handle(r, started); })
      .catch(function (e) { status.textContent = "The server did not answer: " + e; status.classList.add("error"); })
      .finally(function () { document.body.dataset.state = "done"; });
  }
  function runSparql() {
    const body = new URLSearchParams();
    body.set("query", textarea.value);
    return run("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: body,
    });
  }

  form.addEventListener("submit", function (ev) {
    if (ev.submitter && ev.submitter.name === "format") return;  // a download: let the form go
    ev.preventDefault();
    runSparql();
  });
  textarea.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); runSparql(); }
  });

  // ------------------------------------------------------------ saved questions

  function showSaved(q) {
    savedParams.textContent = "";
    savedTitle.textContent = q ? q.title : "";
    savedForm.hidden = !q;
    if (!q) return;
    q.params.forEach(function (p) {
      const id = "param-" + p.name;
      const row = h("div", { class: "param" });
      row.append(h("label", { for: id }, p.name + " (" + p.type + ")"));
      const input = h("input", { id: id, name: p.name, type: p.type === "date" ? "date" : "text",
                                 autocomplete: "off" });
      if (p.default !== null) input.value = p.default;
      if (p.required) input.required = true;
      row.append(input);
      if (p.doc) row.append(h("span", { class: "muted" }, p.doc));
      savedParams.append(row);
    });
  }
  fetch("/api/queries").then(function (r) { return r.json(); }).then(function (list) {
    saved = list;
    list.forEach(function (q) { savedSelect.append(h("option", { value: q.name }, q.name + " — " + q.title)); });
    document.body.dataset.saved = String(list.length);
  });
  savedSelect.addEventListener("change", function () {
    showSaved(saved.find(function (q) { return q.name === savedSelect.value; }));
  });
  savedForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const params = new URLSearchParams();
    savedParams.querySelectorAll("input").forEach(function (i) { if (i.value !== "") params.set(i.name, i.value); });
    run("/api/query/" + encodeURIComponent(savedSelect.value) + "?" + params.toString(),
        { headers: { "Accept": "application/sparql-results+json" } });
  });
  document.getElementById("saved-edit").addEventListener("click", function () {
    const q = saved.find(function (x) { return x.name === savedSelect.value; });
    if (q) { textarea.value = q.text; textarea.focus(); }
  });
  document.body.dataset.ready = "true";
})();
