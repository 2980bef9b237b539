/* Instant search over the catalogue (home page). Loads nothing: the index is the
   global ARCHIVER_SEARCH set by search-index.js. Results are built with DOM nodes and
   textContent only — no value from the archive is ever parsed as HTML. */
(function () {
  "use strict";
  var LIMIT = 50;
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");
  if (!form || !input || !list || !status) { return; }
  var data = window.ARCHIVER_SEARCH;
  if (!data || data.version !== 1) {
    status.textContent = "搜索索引 search-index.js 未能加载;请重新生成目录(archiver site)。";
    return;
  }
  var root = document.body.getAttribute("data-root") || "";
  var customers = data.customers, types = data.types, items = data.items;

  function norm(s) { return String(s).normalize("NFC").toLowerCase(); }

  var customerText = new Array(customers.length);
  for (var c = 0; c < customers.length; c++) {
    customerText[c] = norm(customers[c][0] + "\n" + customers[c][1]);
  }
  var itemText = new Array(items.length);
  for (var i = 0; i < items.length; i++) {
    var it = items[i], date = it[3];
    itemText[i] = customerText[it[1]] + "\n" + norm([it[2] >= 0 ? types[it[2]] : "", date,
      date.replace(/-/g, ""), it[4], it[5], it[6]].join("\n"));
  }

  function matches(text, terms) {
    for (var t = 0; t < terms.length; t++) {
      if (text.indexOf(terms[t]) === -1) { return false; }
    }
    return true;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function result(href, kind, title, meta) {
    var li = el("li", "result");
    var a = el("a");
    a.href = root + href;
    a.appendChild(el("span", "result-kind", kind));
    a.appendChild(el("span", "result-title", title));
    li.appendChild(a);
    if (meta) { li.appendChild(el("div", "result-meta", meta)); }
    return li;
  }

  function search(query) {
    var terms = norm(query).split(/\s+/).filter(function (t) { return t.length > 0; });
    list.textContent = "";
    if (terms.length === 0) { status.textContent = ""; return 0; }
    var found = 0, shown = 0, frag = document.createDocumentFragment();
    for (var c = 0; c < customers.length; c++) {
      if (matches(customerText[c], terms)) {
        found++;
        if (shown < LIMIT) {
          shown++;
          frag.appendChild(result(customers[c][2], "客户", customers[c][1] || customers[c][0], customers[c][0]));
        }
      }
    }
    for (var i = 0; i < items.length; i++) {
      if (matches(itemText[i], terms)) {
        found++;
        if (shown < LIMIT) {
          shown++;
          var it = items[i], cust = customers[it[1]];
          var meta = [cust[1] || cust[0], it[2] >= 0 ? types[it[2]] : "", it[3], it[5], it[6]]
            .filter(function (x) { return x; }).join(" · ");
          frag.appendChild(result(it[7], it[0] === "v" ? "案卷" : "文件", it[4] || it[6], meta));
        }
      }
    }
    list.appendChild(frag);
    status.textContent = found === 0 ? "没有找到“" + query + "”。"
      : "找到 " + found + " 条" + (found > shown ? ",显示前 " + shown + " 条;请加关键词缩小范围。" : "。");
    return found;
  }

  input.addEventListener("input", function () { search(input.value); });
  form.addEventListener("submit", function (event) { event.preventDefault(); search(input.value); });
  window.archiverSearch = search;  /* for tests and benchmarks */

  var params = new URLSearchParams(window.location.search);
  var q = params.get("q");
  if (q) { input.value = q; search(q); }
  status.setAttribute("data-ready", "1");
})();
