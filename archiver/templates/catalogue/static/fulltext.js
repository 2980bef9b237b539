/* Full-text search of the catalogue (home page), from file:// or any web server.

   The index lies in fulltext/ as plain scripts (archiver/catalogue/fulltext.py says
   how): a query loads fulltext/meta.js once, the shards of its own keys
   (fulltext/keys/<k>.js) and the documents it shows (fulltext/docs/<n/1000>/<n>.js),
   each with a <script src> tag (a page opened from file:// may not fetch() a file, but
   it may load a script). The rules are those of fulltext.py, line for line: normal
   form, keys (Chinese bigrams, single characters for a one-character term, whole
   Latin/digit words), the hash of a key, the postings' encoding, and the check that a
   term stands in a page's text before the page counts as a hit.

   Results are built with DOM nodes and textContent only: no value from the archive is
   ever parsed as HTML. */
(function () {
  "use strict";
  var PAGE = 20;  /* hits shown at a time */
  var BATCH = 8, MAX_BATCH = 64;  /* documents loaded at a time */
  var BEFORE = 24, AFTER = 48;
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var DIGIT = {};
  for (var i = 0; i < ALPHABET.length; i++) { DIGIT[ALPHABET.charAt(i)] = i; }

  var root = document.body.getAttribute("data-root") || "";
  var meta = null, shards = {}, docs = {}, waiting = {};

  /* Loading ------------------------------------------------------------------------ */
  window.ARCHIVER_FT = {
    meta: function (data) { meta = data; },
    shard: function (k, data) { shards[k] = data; },
    doc: function (n, data) { docs[n] = data; }
  };

  function load(src) {
    if (!waiting[src]) {
      waiting[src] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = root + src;
        s.async = true;
        s.onload = function () { resolve(); };
        s.onerror = function () { delete waiting[src]; reject(new Error(src)); };
        document.head.appendChild(s);
      });
    }
    return waiting[src];
  }
  function loadMeta() { return load("fulltext/meta.js"); }
  function loadShard(k) { return load("fulltext/keys/" + k + ".js").then(function () { return shards[k]; }); }
  function loadDoc(n) {
    return load("fulltext/docs/" + Math.floor(n / 1000) + "/" + n + ".js").then(function () { return docs[n]; });
  }

  /* Text (fulltext.py: is_cjk, is_word, normalize, _runs, term_keys) ------------------ */
  function isCjk(ch) {
    var o = ch.codePointAt(0);
    return (o >= 0x4E00 && o <= 0x9FFF) || (o >= 0x3400 && o <= 0x4DBF) || (o >= 0xF900 && o <= 0xFAFF) ||
      (o >= 0x3040 && o <= 0x30FF) || (o >= 0xAC00 && o <= 0xD7AF) || (o >= 0x20000 && o <= 0x323AF) ||
      o === 0x3007;
  }
  var ALNUM = /^[\p{L}\p{N}]$/u;
  function isWord(ch) { return ALNUM.test(ch) && !isCjk(ch); }
  function lastChar(s) { var a = Array.from(s); return a[a.length - 1]; }
  function firstChar(s) { return String.fromCodePoint(s.codePointAt(0)); }

  function normalize(text) {
    text = text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
    if (text.indexOf(" ") < 0) { return text; }
    var parts = text.split(" "), out = [parts[0]];
    for (var i = 1; i < parts.length; i++) {
      var prev = out[out.length - 1], part = parts[i];
      if (prev && part && isCjk(lastChar(prev)) && isCjk(firstChar(part))) { out[out.length - 1] = prev + part; }
      else { out.push(part); }
    }
    return out.join(" ");
  }

  function runs(text) {
    var out = [], kind = null, run = [];
    Array.from(text).forEach(function (ch) {
      var k = isCjk(ch) ? "c" : isWord(ch) ? "w" : null;
      if (k !== kind) {
        if (kind !== null) { out.push([kind, run]); }
        kind = k; run = [];
      }
      run.push(ch);
    });
    if (kind !== null) { out.push([kind, run]); }
    return out;
  }

  var MAX_WORD = 40;
  function termKeys(term) {
    var keys = [];
    runs(term).forEach(function (r) {
      var chars = r[1], found = [];
      if (r[0] === "w") { if (chars.length <= MAX_WORD) { found = [chars.join("")]; } }
      else if (chars.length === 1) { found = [chars[0]]; }
      else { for (var i = 0; i + 1 < chars.length; i++) { found.push(chars[i] + chars[i + 1]); } }
      found.forEach(function (k) { if (keys.indexOf(k) < 0) { keys.push(k); } });
    });
    return keys;
  }

  function queryTerms(query) {
    var terms = [];
    query.trim().split(/\s+/).forEach(function (raw) {
      var t = normalize(raw);
      if (t && terms.indexOf(t) < 0 && termKeys(t).length) { terms.push(t); }
    });
    return terms;
  }

  /* fulltext.py: _bounded, find_term, marks, snippet */
  function charBefore(text, at) { return at > 0 ? lastChar(text.slice(Math.max(0, at - 2), at)) : ""; }
  function bounded(text, at, term) {
    var end = at + term.length;
    if (isWord(firstChar(term)) && at > 0 && isWord(charBefore(text, at))) { return false; }
    return !(isWord(lastChar(term)) && end < text.length && isWord(firstChar(text.slice(end))));
  }
  function findTerm(text, term, start) {
    var at = text.indexOf(term, start || 0);
    while (at >= 0 && !bounded(text, at, term)) { at = text.indexOf(term, at + 1); }
    return at;
  }
  function marks(text, terms) {
    var spans = [];
    terms.forEach(function (t) {
      var at = findTerm(text, t, 0);
      while (at >= 0) { spans.push([at, at + t.length]); at = findTerm(text, t, at + t.length); }
    });
    spans.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var merged = [];
    spans.forEach(function (s) {
      var last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) { last[1] = Math.max(last[1], s[1]); } else { merged.push([s[0], s[1]]); }
    });
    return merged;
  }
  function snippet(text, terms) {
    var spans = marks(text, terms);
    if (!spans.length) { return []; }
    var start = Math.max(0, spans[0][0] - BEFORE), end = Math.min(text.length, spans[0][1] + AFTER);
    var parts = start > 0 ? [["…", false]] : [], at = start;
    for (var i = 0; i < spans.length && spans[i][0] < end; i++) {
      var s = spans[i][0], e = Math.min(spans[i][1], end);
      if (s > at) { parts.push([text.slice(at, s), false]); }
      parts.push([text.slice(s, e), true]);
      at = e;
    }
    if (at < end) { parts.push([text.slice(at, end), false]); }
    if (end < text.length) { parts.push(["…", false]); }
    return parts;
  }

  /* Shards and postings (fulltext.py: key_hash, decode_postings; intersect, lazily) ---- */
  function keyHash(key) {
    var h = 0x811C9DC5;
    for (var ch of key) { h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0; }
    h ^= h >>> 16; h = Math.imul(h, 0x85EBCA6B) >>> 0;
    h ^= h >>> 13; h = Math.imul(h, 0xC2B2AE35) >>> 0;
    return (h ^ (h >>> 16)) >>> 0;
  }
  /* A shard is one string, a line a key: "\n<key>\t<postings>\n…" (fulltext.py: shard_script). */
  function lookup(table, key) {
    if (typeof table !== "string") { return ""; }
    var at = table.indexOf("\n" + key + "\t");
    if (at < 0) { return ""; }
    var start = at + key.length + 2;
    return table.slice(start, table.indexOf("\n", start));
  }
  /* Postings: a sorted array of document numbers, or — for a bitmap ("~…") — a test
     of one number's bit, so a dense list is never expanded unless it is the shortest. */
  function Postings(text) {
    this.bitmap = text.charAt(0) === "~" ? text : null;
    this.list = this.bitmap ? null : decode(text);
    this.size = this.bitmap ? (text.length - 1) * 6 : this.list.length;  /* an upper bound for a bitmap */
  }
  Postings.prototype.has = function (n) {
    var d = DIGIT[this.bitmap.charAt(1 + Math.floor(n / 6))];
    return d !== undefined && ((d >> (n % 6)) & 1) === 1;
  };
  Postings.prototype.all = function () { return this.list || decode(this.bitmap); };
  function decode(text) {
    var out = [], i, b, d;
    if (text.charAt(0) === "~") {
      for (i = 1; i < text.length; i++) {
        d = DIGIT[text.charAt(i)];
        for (b = 0; b < 6; b++) { if ((d >> b) & 1) { out.push((i - 1) * 6 + b); } }
      }
      return out;
    }
    var last = -1, value = 0, shift = 0;
    for (i = 0; i < text.length; i++) {
      d = DIGIT[text.charAt(i)];
      value += (d & 31) * Math.pow(2, shift);
      if (d & 32) { shift += 5; continue; }
      last += value + 1; out.push(last); value = 0; shift = 0;
    }
    return out;
  }
  /* The numbers in every list, newest (highest) first, taken a few at a time: the
     shortest list is walked from its end and each number tested in the others (a bitmap
     by its bit, a sorted list by binary search), so a query of common words looks at the
     few candidates it shows, never at all of them. */
  function Candidates(postings) {
    postings.sort(function (a, b) { return a.size - b.size; });
    this.first = postings[0];
    this.rest = postings.slice(1);
    this.pos = this.first.bitmap ? (this.first.bitmap.length - 1) * 6 - 1 : this.first.list.length - 1;
    this.taken = 0;
  }
  function inList(list, n) {
    var lo = 0, hi = list.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid] === n) { return true; }
      if (list[mid] < n) { lo = mid + 1; } else { hi = mid - 1; }
    }
    return false;
  }
  Candidates.prototype.take = function (k) {
    var out = [], first = this.first, rest = this.rest;
    while (out.length < k && this.pos >= 0) {
      var n = first.bitmap ? this.pos : first.list[this.pos];
      this.pos--;
      if (first.bitmap && !first.has(n)) { continue; }
      var all = true;
      for (var i = 0; i < rest.length && all; i++) { all = rest[i].bitmap ? rest[i].has(n) : inList(rest[i].list, n); }
      if (all) { out.push(n); }
    }
    this.taken += out.length;
    return out;
  };
  Candidates.prototype.done = function () { return this.pos < 0; };
  /* How many there are in all: exact for one list (a single key), else null (unknown until walked). */
  Candidates.prototype.count = function () {
    if (this.rest.length) { return this.done() ? this.taken : null; }
    if (this.first.list) { return this.first.list.length; }
    var c = 0, b = this.first.bitmap;
    for (var i = 1; i < b.length; i++) { for (var d = DIGIT[b.charAt(i)]; d; d >>= 1) { c += d & 1; } }
    return c;
  };

  /* Searching -------------------------------------------------------------------------- */
  function Search(query, filters) {
    this.terms = queryTerms(query);
    this.filters = filters || {};
    this.candidates = null;  /* Candidates, newest first */
    this.next = 0;  /* the next candidate to look at */
    this.hits = [];
    this.found = 0;  /* documents hit */
    /* every term is one key, the key itself: each candidate is a hit */
    this.exact = this.terms.every(function (t) { var k = termKeys(t); return k.length === 1 && k[0] === t; });
  }
  Search.prototype.start = function (onBatch) {
    var self = this;
    if (!self.terms.length) { return Promise.resolve(self); }
    return loadMeta().then(function () {
      if (!meta || meta.version !== 1) { throw new Error("fulltext/meta.js"); }
      var keys = [];
      self.terms.forEach(function (t) { termKeys(t).forEach(function (k) { keys.push(k); }); });
      var f = self.filters;
      if (f.customer) { keys.push("#c:" + f.customer); }
      if (f.year) { keys.push("#y:" + f.year); }
      if (f.type) { keys.push("#t:" + f.type); }
      keys = keys.filter(function (k, i) { return keys.indexOf(k) === i; });
      return Promise.all(keys.map(function (k) {
        return loadShard(keyHash(k) & (meta.shards - 1)).then(function (table) { return new Postings(lookup(table, k)); });
      }));
    }).then(function (lists) {
      if (lists) { self.candidates = new Candidates(lists); }
      return self.more(onBatch);
    });
  };
  /* Look at more candidates until PAGE more hits are found (or none are left). A
     document is a hit when every term stands in its text; its pages holding a term are
     shown. The first batch is small (shown at once); later ones are sized by the share of
     candidates found so far to be hits, so few rounds of loading are needed. */
  Search.prototype.more = function (onBatch) {
    var self = this, goal = self.hits.length + PAGE;
    function step() {
      var left = goal - self.hits.length;
      if (left <= 0 || self.done()) { return Promise.resolve(self); }
      var rate = self.next ? Math.max(self.found / self.next, 0.05) : 1;
      var size = self.next ? Math.min(MAX_BATCH, Math.max(BATCH, Math.ceil(left / rate))) : BATCH;
      var batch = self.candidates.take(size);
      self.next += batch.length;
      return Promise.all(batch.map(loadDoc)).then(function (loaded) {
        loaded.forEach(function (d, i) {
          if (!d) { return; }
          var pages = d.pg.filter(function (p) {
            return self.terms.some(function (t) { return findTerm(p[3], t, 0) >= 0; });
          });
          var all = self.terms.every(function (t) {
            return pages.some(function (p) { return findTerm(p[3], t, 0) >= 0; });
          });
          if (!all) { return; }
          self.found++;
          pages.forEach(function (p) {
            self.hits.push({ n: batch[i], doc: d, page: p, snippet: snippet(p[3], self.terms) });
          });
        });
        if (onBatch) { onBatch(self); }
        return step();
      });
    }
    return step();
  };
  Search.prototype.done = function () { return !this.candidates || this.candidates.done(); };
  Search.prototype.count = function () { return this.candidates ? this.candidates.count() : 0; };

  /* Showing ---------------------------------------------------------------------------- */
  var input = document.getElementById("q");
  var form = document.getElementById("search-form");
  var list = document.getElementById("ft-results");
  var status = document.getElementById("ft-status");
  var moreButton = document.getElementById("ft-more");
  var fCustomer = document.getElementById("ft-customer");
  var fYear = document.getElementById("ft-year");
  var fType = document.getElementById("ft-type");
  if (!input || !list || !status) { return; }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function encodePath(path) { return path.split("/").map(encodeURIComponent).join("/"); }
  function pageLabel(d, p) {
    if (p[2] !== null && p[2] !== undefined) { return "页号 " + p[2]; }
    return "第 " + p[0] + " 页";
  }
  function hitNode(h) {
    var d = h.doc, p = h.page, li = el("li", "result ft-hit");
    var a = el("a", "ft-open");
    a.href = d.p ? root + encodePath(d.p) + "#page=" + p[1] : root + encodePath(d.h);
    a.appendChild(el("span", "result-kind", d.v ? "案卷" : "文件"));
    a.appendChild(el("span", "result-title", d.t || d.id));
    li.appendChild(a);
    var metaLine = el("div", "result-meta");
    metaLine.appendChild(el("span", "ft-customer", (d.cn || d.c) + (d.cn ? " " + d.c : "")));
    if (d.r) { metaLine.appendChild(document.createTextNode(" · 档号 ")); metaLine.appendChild(el("span", "ref ft-ref", d.r)); }
    metaLine.appendChild(document.createTextNode(" · "));
    metaLine.appendChild(el("span", "ft-page", pageLabel(d, p)));
    metaLine.appendChild(document.createTextNode(" · "));
    var docLink = el("a", "ft-doc", "文件页");
    docLink.href = root + encodePath(d.h);
    metaLine.appendChild(docLink);
    li.appendChild(metaLine);
    var snip = el("p", "ft-snippet");
    h.snippet.forEach(function (part) { snip.appendChild(part[1] ? el("mark", "", part[0]) : document.createTextNode(part[0])); });
    li.appendChild(snip);
    return li;
  }

  var current = null, shown = 0, timer = null;
  function filters() {
    return { customer: fCustomer ? fCustomer.value.trim() : "", year: fYear ? fYear.value : "",
             type: fType ? fType.value : "" };
  }
  function render(s) {
    if (s !== current) { return; }
    var frag = document.createDocumentFragment();
    for (; shown < s.hits.length; shown++) { frag.appendChild(hitNode(s.hits[shown])); }
    list.appendChild(frag);
    var done = s.done(), docsHit = done ? s.found : s.exact ? s.count() : null;
    if (!s.terms.length) { status.textContent = ""; }
    else if (docsHit === 0) { status.textContent = "正文中没有找到。"; }
    else if (docsHit !== null) {
      status.textContent = "正文中找到 " + docsHit + " 份文件" + (done ? "," + s.hits.length + " 页。"
        : ",显示前 " + s.hits.length + " 页。");
    } else {
      status.textContent = "正文中找到 " + s.found + " 份文件(" + s.hits.length + " 页);还有更多可查看。";
    }
    if (moreButton) { moreButton.hidden = done; }
    status.setAttribute("data-done", "1");
  }
  function fail(s, err) {
    if (s !== current) { return; }
    status.textContent = "全文索引 " + err.message + " 未能加载;请重新生成目录(archiver site)。";
    status.setAttribute("data-done", "1");
  }
  function run(query, f) {
    var s = new Search(query, f);
    current = s; shown = 0;
    list.textContent = "";
    status.removeAttribute("data-done");
    var t0 = performance.now(), first = null;
    return s.start(function () {  /* hits are shown as each batch of documents comes in */
      render(s);
      if (first === null && s.hits.length) { first = performance.now() - t0; }
    }).then(function () {
      render(s);
      var ms = performance.now() - t0;
      var all = s.count();
      return { hits: s.hits.length, documents: s.found, candidates: all === null ? -1 : all, looked: s.next,
               ms: ms, first_ms: first === null ? ms : first, done: s.done() };
    }, function (err) { fail(s, err); throw err; });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(function () { run(input.value, filters()).catch(function () {}); }, 150);
  }
  input.addEventListener("input", later);
  if (form) { form.addEventListener("submit", function () { run(input.value, filters()).catch(function () {}); }); }
  [fCustomer, fYear, fType].forEach(function (f) { if (f) { f.addEventListener("change", later); } });
  if (moreButton) {
    moreButton.addEventListener("click", function () {
      var s = current;
      if (s) { s.more(render).then(function () { render(s); }); }
    });
  }
  window.archiverFulltext = function (query, f) { if (input) { input.value = query; } return run(query, f || {}); };

  /* The filters' choices, from the index's summary and the catalogue's customers. */
  loadMeta().then(function () {
    if (!meta) { return; }
    if (fYear) { meta.years.forEach(function (y) { fYear.appendChild(el("option", "", String(y))); }); }
    if (fType) { meta.types.forEach(function (t) { var o = el("option", "", t[1]); o.value = t[0]; fType.appendChild(o); }); }
    var known = window.ARCHIVER_SEARCH, datalist = document.getElementById("ft-customers");
    if (known && datalist) {
      known.customers.forEach(function (c) { var o = el("option", "", c[1]); o.value = c[0]; datalist.appendChild(o); });
    }
    var q = new URLSearchParams(window.location.search).get("q");
    status.setAttribute("data-ready", "1");
    if (q) { run(q, filters()).catch(function () {}); }
  }, function () { status.textContent = "全文索引未能加载;请重新生成目录(archiver site)。"; });
})();
