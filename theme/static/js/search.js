/* Search over all digests: fetches the language's search/index.json the first time the box is used.
 *
 * Markup contract (theme/templates/base.html):
 *   <form class="search" role="search" data-index="{{ SITEURL }}/search/"> <input type="search"> </form>
 *   <script src=".../js/search.js" defer></script>
 * Results go into the element #search-results if the page has one, else into an <ol> added after
 * the form. Every paper text is set with textContent: nothing from the index becomes markup.
 */
(function () {
  "use strict";
  var form = document.querySelector("form.search[data-index]");
  if (!form) return;
  var input = form.querySelector("input[type=search]");
  var base = form.getAttribute("data-index");
  var site = base.replace(/search\/?$/, "");
  var MAX_RESULTS = 30;
  var index = null, loading = null, timer = 0;
  var zh = /^zh/.test(document.documentElement.lang);
  var say = zh
    ? { none: "没有找到匹配的论文", many: "条结果", fail: "搜索索引加载失败" }
    : { none: "No paper matches", many: "results", fail: "The search index could not be loaded" };

  var list = document.getElementById("search-results");
  if (!list) {
    list = document.createElement("ol");
    list.id = "search-results";
    form.parentNode.insertBefore(list, form.nextSibling);
  }
  list.className = "search-results";
  list.setAttribute("aria-live", "polite");
  list.hidden = true;

  function fold(text) { return text.normalize("NFKC").toLowerCase(); }

  function load() {
    if (!loading) {
      loading = fetch(base + "index.json")
        .then(function (reply) { if (!reply.ok) throw new Error(reply.status); return reply.json(); })
        .then(function (data) {
          // One lower-cased haystack per paper, built once: a search is then a few substring tests.
          data.papers.forEach(function (p) { p.push(fold(p.slice(2, 6).join(" \u0001 "))); });
          index = data;
        });
    }
    return loading;
  }

  function search(query) {
    var terms = fold(query).split(/\s+/).filter(Boolean);
    if (!terms.length) return [];
    var found = [];
    for (var i = 0; i < index.papers.length && found.length < 500; i++) {
      var p = index.papers[i], hay = p[6];
      if (terms.every(function (t) { return hay.indexOf(t) >= 0; })) {
        var title = fold(p[2] + " " + p[3]);
        var score = terms.filter(function (t) { return title.indexOf(t) >= 0; }).length;
        found.push([score, i, p]);
      }
    }
    // Title matches first; the index is newest first, so ties keep the newest papers on top.
    found.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    return found.slice(0, MAX_RESULTS).map(function (f) { return f[2]; });
  }

  function item(p) {
    var day = index.days[p[0]];
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = site + day[1] + "#p" + p[1];
    a.textContent = p[3] || p[2];
    li.appendChild(a);
    var meta = document.createElement("span");
    meta.className = "search-meta";
    meta.textContent = " " + day[0] + " · " + p[4];
    li.appendChild(meta);
    return li;
  }

  function render(message, papers) {
    list.textContent = "";
    if (message) {
      var note = document.createElement("li");
      note.className = "search-note";
      note.textContent = message;
      list.appendChild(note);
    }
    (papers || []).forEach(function (p) { list.appendChild(item(p)); });
    list.hidden = !message && !(papers || []).length;
  }

  function run() {
    var query = input.value.trim();
    if (!query) { render(""); return; }
    load().then(function () {
      if (input.value.trim() !== query) return;  // the reader typed on: a newer run will render
      var papers = search(query);
      render(papers.length ? papers.length + " " + say.many : say.none + ": " + query, papers);
    }, function () { render(say.fail); loading = null; });
  }

  input.addEventListener("focus", load, { once: true });
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 120); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { input.value = ""; render(""); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();  // the index is searched in place; no server to submit to
    run();
  });
  var preset = new URLSearchParams(location.search).get("q");
  if (preset) { input.value = preset; run(); }
})();
