/* Search over every paper of every day (generator/search.py writes the index it reads).
 *
 * Markup contract (theme/templates/base.html):
 *   <form class="search" role="search" data-index="<main site>/search/" data-site="<this edition>/">
 *     <input type="search"> <script type="application/json" id="search-ui">{the page's words}</script> </form>
 * A query fetches search/index.json, one terms file per word and the docs files of the results it
 * shows. Its words are tokenized as the index's text was: NFKC, lower case, stop words and one-letter
 * words dropped, a plural "s" removed; Chinese is segmented with the glossary's words, and a
 * segment gives its character pairs. Every paper text is set with textContent: nothing from the
 * index becomes markup.
 */
(function () {
  "use strict";
  var form = document.querySelector("form.search[data-index]");
  if (!form) return;
  var input = form.querySelector("input[type=search]");
  var base = form.getAttribute("data-index");
  var site = form.getAttribute("data-site") || "";
  var SHOW = 10;
  var CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff";
  var RUNS = new RegExp("[" + CJK + "]+|(?:(?![" + CJK + "])[\\p{L}\\p{N}])+", "gu");
  var IS_CJK = new RegExp("^[" + CJK + "]");
  var strings = document.getElementById("search-ui");  // the page's words, from the theme's catalog
  if (!input || !strings) return;
  var say = JSON.parse(strings.textContent);
  var zh = /^zh/.test(document.documentElement.lang);
  var index = null, loading = null, files = {}, timer = 0, run = 0;

  var list = document.getElementById("search-results");
  if (!list) {
    list = document.createElement("ol");
    list.id = "search-results";
    form.parentNode.insertBefore(list, form.nextSibling);
  }
  list.className = "search-results";
  list.hidden = true;
  var status = document.createElement("p");
  status.className = "search-status";
  status.setAttribute("role", "status");
  list.parentNode.insertBefore(status, list);

  function get(name) {
    if (!files[name]) {
      files[name] = fetch(base + name).then(function (reply) {
        if (!reply.ok) throw new Error(reply.status);
        return reply.json();
      });
      files[name].catch(function () { delete files[name]; });
    }
    return files[name];
  }

  function load() {
    if (!loading) {
      loading = get("index.json").then(function (data) {
        data.stopSet = {};
        (data.stop || []).forEach(function (word) { data.stopSet[word] = 1; });
        index = data;
      });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function word(run) {
    if (run.length < 2 || index.stopSet[run]) return null;
    return run.length > 3 && /s$/.test(run) && !/ss$/.test(run) ? run.slice(0, -1) : run;
  }

  function pairs(text, out) {
    if (text.length === 1) out.push(text);
    for (var i = 0; i + 1 < text.length; i++) out.push(text.slice(i, i + 2));
  }

  // A Chinese run cut into the glossary's words (longest first) and the text between them.
  function segment(run, out, glossary) {
    var pending = "";
    for (var i = 0; i < run.length;) {
      var found = null;
      for (var w = 0; w < index.dictionary.length && !found; w++) {
        if (run.startsWith(index.dictionary[w], i)) found = index.dictionary[w];
      }
      if (found) {
        if (pending.length > 1) pairs(pending, out);
        pending = "";
        pairs(found, out);
        pairs(found, glossary);
        i += found.length;
      } else {
        pending += run[i];
        i += 1;
      }
    }
    if (pending.length > 1 || (pending && !out.length)) pairs(pending, out);
  }

  // The query's terms: {all: every term, glossary: the terms of glossary words, name: the words
  // as an author's whole name}.
  function terms(query) {
    var all = [], glossary = [], runs = query.normalize("NFKC").toLowerCase().match(RUNS) || [];
    runs.forEach(function (run) {
      if (IS_CJK.test(run)) segment(run, all, glossary);
      else { var token = word(run); if (token) all.push(token); }
    });
    var unique = function (list) { return list.filter(function (term, i) { return list.indexOf(term) === i; }); };
    return { all: unique(all), glossary: unique(glossary), name: runs.length > 1 ? runs.join(" ") : null };
  }

  function bucket(term, buckets) {
    var value = 0x811c9dc5;
    for (var char of term) value = Math.imul(value ^ char.codePointAt(0), 0x01000193) >>> 0;
    return value % buckets;
  }

  function postings(segment, term) {
    return get(segment.id + "/terms/" + bucket(term, segment.buckets) + ".json").then(function (table) {
      var gaps = table[term] || [], numbers = [], at = 0;
      for (var i = 0; i < gaps.length; i++) { at += gaps[i]; numbers.push(at); }
      return numbers;
    });
  }

  function match(segment, list) {
    if (!list.length) return Promise.resolve([]);
    return Promise.all(list.map(function (term) { return postings(segment, term); })).then(intersect);
  }

  function intersect(lists) {
    lists.sort(function (a, b) { return a.length - b.length; });
    return lists[0].filter(function (number) {
      return lists.every(function (other) { return bsearch(other, number); });
    });
  }

  function bsearch(sorted, value) {
    var low = 0, high = sorted.length - 1;
    while (low <= high) {
      var mid = (low + high) >> 1;
      if (sorted[mid] === value) return true;
      if (sorted[mid] < value) low = mid + 1; else high = mid - 1;
    }
    return false;
  }

  // A month's results: the name's own papers first, then the other matches; each newest day
  // first, in rank order. Chinese words the glossary does not know are dropped rather than
  // finding nothing.
  function searchSegment(segment, wanted) {
    return Promise.all([match(segment, wanted.all), wanted.name ? postings(segment, wanted.name) : []])
      .then(function (found) {
        if (found[0].length || !wanted.glossary.length || wanted.glossary.length === wanted.all.length) return found;
        return match(segment, wanted.glossary).then(function (some) { return [some, found[1]]; });
      })
      .then(function (found) {
        var named = {};
        found[1].forEach(function (n) { named[n] = 1; });
        var rest = found[0].filter(function (n) { return !named[n]; });
        return order(segment, found[1]).concat(order(segment, rest)).map(function (n) { return [segment, n]; });
      });
  }

  function order(segment, numbers) {
    return numbers.map(function (n) { return [dayOf(segment, n), n]; })
      .sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; })
      .map(function (pair) { return pair[1]; });
  }

  function dayOf(segment, number) {
    var low = 0, high = segment.days.length - 1;
    while (low < high) {
      var mid = (low + high + 1) >> 1;
      if (segment.days[mid][2] <= number) low = mid; else high = mid - 1;
    }
    return low;
  }

  function item(segment, row) {
    var day = segment.days[row[0]];
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = site + day[1] + "#p" + row[1];
    a.textContent = (zh && row[3]) || row[2];
    li.appendChild(a);
    var meta = document.createElement("span");
    meta.className = "search-meta";
    meta.textContent = " " + day[0] + " · #" + row[1] + " · " + row[4];
    li.appendChild(meta);
    return li;
  }

  // One query's results, found month by month (newest first) as far as the reader reads.
  function Results(wanted, mine) {
    this.wanted = wanted;
    this.mine = mine;
    this.found = [];
    this.shown = 0;
    this.next = index.segments.length - 1;
  }

  // Searches older months until SHOW more results than shown are found, or none is left.
  Results.prototype.fill = function () {
    var self = this;
    if (self.next < 0 || self.found.length >= self.shown + SHOW) return Promise.resolve();
    return searchSegment(index.segments[self.next--], self.wanted).then(function (more) {
      self.found = self.found.concat(more);
      return self.fill();
    });
  };

  Results.prototype.count = function () {
    // [form for one, form for other counts] (base.html); "10+" while older months are left
    var more = this.next >= 0;
    var form = say.results[this.found.length === 1 && !more ? 0 : 1];
    return form.replace("{num}", this.found.length + (more ? "+" : ""));
  };

  Results.prototype.show = function () {
    var self = this;
    return self.fill().then(function () {
      var page = self.found.slice(self.shown, self.shown + SHOW);
      return Promise.all(page.map(function (hit) {
        return get(hit[0].id + "/docs/" + Math.floor(hit[1] / hit[0].chunk) + ".json");
      })).then(function (tables) {
        if (self.mine !== run) return;
        if (!self.found.length) { render(say.none + say.colon + input.value.trim()); return; }
        status.textContent = self.count();
        var old = list.querySelector(".search-more");
        if (old) old.parentNode.removeChild(old);
        page.forEach(function (hit, i) { list.appendChild(item(hit[0], tables[i][hit[1] % hit[0].chunk])); });
        self.shown += page.length;
        list.hidden = false;
        if (self.shown < self.found.length || self.next >= 0) {
          var li = document.createElement("li");
          li.className = "search-more";
          var button = document.createElement("button");
          button.type = "button";
          button.textContent = say.more;
          button.addEventListener("click", function () { self.show().catch(failed(self.mine)); });
          li.appendChild(button);
          list.appendChild(li);
        }
      });
    });
  };

  function failed(mine) {
    return function () { if (mine === run) render(say.failed); };
  }

  function render(message) {
    list.textContent = "";
    list.hidden = true;
    status.textContent = message;
  }

  function search() {
    var query = input.value.trim();
    var mine = ++run;
    if (!query) { render(""); return; }
    load().then(function () {
      if (mine !== run) return;  // the reader typed on: a newer search renders
      var wanted = terms(query);
      if (!wanted.all.length && !wanted.name) { render(say.none + say.colon + query); return; }
      list.textContent = "";
      return new Results(wanted, mine).show();
    }).catch(failed(mine));
  }

  input.addEventListener("focus", load, { once: true });
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 150); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { input.value = ""; render(""); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();  // the index is searched in place; no server to submit to
    search();
  });
  var preset = new URLSearchParams(location.search).get("q");
  if (preset) { input.value = preset; search(); }
})();
