// Paper Radar: the author filter and the "next batch" control of a day page.
// Progressive: the page is complete without this script; it only adds the two controls.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text; // paper text is untrusted: never innerHTML
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  // A message with a count ([form for one, form for other counts], see _day.html) filled in.
  function counted(forms, count, values) {
    return fill(forms[count === 1 ? 0 : 1], values);
  }

  // Only plain http(s) links from the day's data become links.
  function safeUrl(value) {
    return typeof value === "string" && /^https?:\/\/[^\s"'<>]+$/i.test(value) ? value : null;
  }

  function setUpFilter(day) {
    var bar = day.querySelector(".author-filter");
    if (!bar) return;
    var who = bar.querySelector(".who");
    var count = bar.querySelector(".filter-count");
    var ui = day.ui;
    var current = null;

    function apply() {
      var cards = day.querySelectorAll(".paper");
      var shown = 0;
      cards.forEach(function (card) {
        var match = !current;
        card.querySelectorAll(".author").forEach(function (chip) {
          var on = chip.getAttribute("data-author") === current;
          chip.setAttribute("aria-pressed", on ? "true" : "false");
          if (on) match = true;
        });
        card.hidden = !match;
        if (match) shown += 1;
      });
      bar.hidden = !current;
      who.textContent = current || "";
      count.textContent = current ? counted(ui.shown, cards.length, { shown: shown, num: cards.length }) : "";
    }

    day.filterAgain = apply;
    day.addEventListener("click", function (event) {
      var chip = event.target.closest(".author");
      if (chip) {
        var name = chip.getAttribute("data-author");
        current = current === name ? null : name;
        apply();
        if (current) bar.querySelector(".clear-filter").focus();
      } else if (event.target.closest(".clear-filter")) {
        current = null;
        apply();
      }
    });
  }

  // Each source of a paper carries its badge, worded by generator/labels.py; every paper lists one
  // source at least (generator/store.py).
  function badges(paper) {
    return paper.sources.map(function (ref) { return ref.badge; });
  }

  function card(paper, ui) {
    var item = el("li", { "class": "paper", id: "p" + paper.rank });
    var box = el("article");
    var head = el("header", { "class": "card-head" });
    head.appendChild(el("span", { "class": "num" }, String(paper.rank)));
    badges(paper).forEach(function (text) { head.appendChild(el("span", { "class": "badge" }, text)); });
    var day = (paper.published || "").slice(0, 10);
    if (day) {
      // What the date is, by the paper's source (labels.date_kind: a source not listed, its submission).
      var date = el("span", { "class": "date" }, ui.dated[ui.dateKinds[paper.source] || "submitted"] + " ");
      date.appendChild(el("time", { datetime: day }, day));
      head.appendChild(date);
    }
    if (paper.summary_kind === "extractive") head.appendChild(el("span", { "class": "tag-extractive" }, ui.extractive));
    box.appendChild(head);
    var title = el("h3", { "class": "title" });
    var url = safeUrl(paper.url);
    title.appendChild(url ? el("a", { href: url }, paper.title) : document.createTextNode(paper.title));
    box.appendChild(title);
    var names = paper.authors || [];
    var authors = el("div", { "class": "authors" });
    authors.appendChild(el("span", { "class": "count" }, counted(ui.authors, names.length, { num: names.length })));
    var chips = el("ul", { "class": "chips" });
    names.forEach(function (name, index) {
      var followed = ui.followed.indexOf(name) >= 0;
      var li = el("li", index >= 12 && !followed ? { "class": "extra" } : {});
      li.appendChild(el("button", {
        type: "button", "class": followed ? "author followed" : "author",
        "data-author": name, "aria-pressed": "false"
      }, (followed ? "★ " : "") + name));
      chips.appendChild(li);
    });
    authors.appendChild(chips);
    box.appendChild(authors);
    if (paper.comment) {
      var comment = el("p", { "class": "comment" });
      comment.appendChild(el("span", { "class": "label" }, ui.comment + ui.colon));
      comment.appendChild(el("span", { lang: "en" }, paper.comment));
      box.appendChild(comment);
    }
    // A paper below the featured ones has no summary: its abstract's first sentence, marked.
    var tldrs = (paper.summary || {}).tldr || {};
    var first = /^[\s\S]*?[.!?](?=\s|$)/.exec(paper.abstract || "");
    var tldr = tldrs[ui.lang] || tldrs.en || (first ? first[0] : "");
    if (tldr) {
      var block = el("div", { "class": "tldr" });
      var line = el("p");
      line.appendChild(el("strong", {}, ui.tldr));
      if (!tldrs[ui.lang] && ui.lang !== "en") line.appendChild(el("span", { "class": "mark" }, " " + ui.notTranslated));
      line.appendChild(document.createTextNode(" "));
      line.appendChild(el("span", tldrs[ui.lang] ? {} : { lang: "en" }, tldr));
      block.appendChild(line);
      if (!tldrs[ui.lang] && !tldrs.en) block.appendChild(el("p", { "class": "mark" }, ui.extractive));
      box.appendChild(block);
    }
    if (paper.abstract) {
      var details = el("details", { "class": "abstract" });
      details.appendChild(el("summary", {}, ui.abstract));
      details.appendChild(el("p", { lang: "en" }, paper.abstract));
      box.appendChild(details);
    }
    var links = el("p", { "class": "links" });
    if (url) links.appendChild(el("a", { href: url }, ui.page));
    if (safeUrl(paper.pdf_url)) links.appendChild(el("a", { href: safeUrl(paper.pdf_url) }, "PDF"));
    if (safeUrl(paper.code_url)) links.appendChild(el("a", { href: safeUrl(paper.code_url) }, ui.code));
    box.appendChild(links);
    var why = el("p", { "class": "why" });
    why.appendChild(el("strong", {}, ui.why + ui.colon));
    paper.matched.forEach(function (match) {
      var shown = match.kind === "topic" ? (ui.topics[match.name] || match.name) : match.name;
      why.appendChild(el("span", { "class": "match" }, shown));
      why.appendChild(document.createTextNode(" "));
    });
    // Scores are stored to one decimal: as text they read as the page shows them ("87.3", "100").
    why.appendChild(el("span", { "class": "score" }, ui.score + " " + paper.score));
    if ((paper.why || []).length) {
      var terms = paper.why.map(function (term) { return ui.glossary[term.toLowerCase()] || term; });
      why.appendChild(el("span", { "class": "terms" }, " · " + ui.terms + ui.colon + terms.join(ui.list)));
    }
    box.appendChild(why);
    item.appendChild(box);
    return item;
  }

  function setUpNextBatch(day) {
    var section = day.querySelector(".more");
    if (!section || !window.fetch) return;
    var button = section.querySelector(".next-batch");
    var list = section.querySelector(".batch");
    var status = section.querySelector(".batch-status");
    var size = parseInt(section.getAttribute("data-batch"), 10) || 10;
    var ui = day.ui;
    var rest = null;
    var next = 0;

    function show() {
      var batch = rest.slice(next, next + size);
      list.textContent = "";
      batch.forEach(function (paper) { list.appendChild(card(paper, ui)); });
      status.textContent = counted(ui.batch, batch.length, { first: next + 1, last: next + batch.length, total: rest.length });
      next = next + size >= rest.length ? 0 : next + size; // 换一批: wrap around to the first batch
      if (day.filterAgain) day.filterAgain();
    }

    // The day's JSON (output/data/D.json) is in the store's current format, whatever format the store
    // keeps the day in: generator/site.py publishes older days upgraded (generator/store.py).
    function load() {
      if (rest) return Promise.resolve();
      status.textContent = ui.loading;
      button.disabled = true;
      return fetch(section.getAttribute("data-src"))
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          rest = data.papers.filter(function (paper) { return !paper.featured; });
        })
        .finally(function () { button.disabled = false; });
    }

    // A link to a paper below the featured ones (a search result: "#p87") shows its batch.
    function reveal() {
      var wanted = /^#p(\d+)$/.exec(location.hash);
      if (!wanted || document.getElementById("p" + wanted[1])) return;
      load().then(function () {
        var at = rest.findIndex(function (paper) { return String(paper.rank) === wanted[1]; });
        if (at < 0) return;
        next = at - at % size;
        show();
        var target = document.getElementById("p" + wanted[1]);
        if (target) target.scrollIntoView();
      }).catch(function () { status.textContent = ui.failed; });
    }

    button.hidden = false;
    button.addEventListener("click", function () {
      load().then(show).catch(function () { status.textContent = ui.failed; });
    });
    window.addEventListener("hashchange", reveal);
    reveal();
  }

  // Opened from files (file://), a link to a folder ("../2026/06/02/") shows a folder listing:
  // point the site's relative links at the folder's index.html instead.
  function linkIndexFiles() {
    if (location.protocol !== "file:") return;
    document.querySelectorAll("a[href]").forEach(function (link) {
      var href = link.getAttribute("href");
      if (/^[a-z][a-z0-9+.-]*:|^\/\/|^#/i.test(href)) return;  // absolute, or a place on this page
      link.setAttribute("href", href.replace(/\/(#|$)/, "/index.html$1"));
    });
  }

  ready(function () {
    linkIndexFiles();
    var day = document.querySelector(".day");
    var strings = document.getElementById("radar-ui");
    if (!day || !strings) return;
    day.ui = JSON.parse(strings.textContent);
    setUpFilter(day);
    setUpNextBatch(day);
  });
})();
