// Findings filter: each <select data-filter="owner|tier|severity|rule|disposition|changed">
// narrows the findings by that value (changed: "touched" or "untouched" by the change, offered
// with a base build only); an empty value means "any". A small report has every row in the table
// and the filter hides rows. A large one has its first rows in the table and all of them in the
// #finding-rows data ([owner, tier, severity, disposition, rule, changed, row markup, findings] as JSON, compressed
// with zlib and in base64: the browser's DecompressionStream reads it back): the filter then picks
// from the data and the table shows a page of the matches at a time (previous / next, in
// #findings-pager), and #findings-rest says how many matches, of which status, it leaves out.
// The controls are written hidden (without a script they would do nothing): shown here, once
// what they filter is read. A browser without DecompressionStream leaves them hidden, and the
// page reads as it does without a script: its first page, and where every finding is.
(function () {
  "use strict";
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var shown = document.getElementById("shown-count");
  var data = document.getElementById("finding-rows");
  var fields = ["owner", "tier", "severity", "disposition", "rule", "changed"];
  var MARKUP = fields.length;  // a row's markup follows what the filters compare
  // A row holds a finding, or repeats of one (a lint rule on six places of a file: its
  // `data-count`, the data's last field): the counts are of findings, as the filters' are.
  function held(item) { return item[MARKUP + 1] || 1; }
  function total(items) { return items.reduce(function (n, item) { return n + held(item); }, 0); }
  // Counts grouped in thousands, as the report's Python side writes them (`wording.number`).
  function grouped(n) { return n.toLocaleString("en-US"); }
  // A filter's choice by its name: each is written with its count of every finding,
  // "@team-7 (48)", which is no count of the rows a filter shows.
  function named(option) { return option.text.replace(/ \([\d,]+\)$/, ""); }
  function keep(value) {
    return selects.every(function (select) {
      return !select.value || value(select.getAttribute("data-filter")) === select.value;
    });
  }
  // The rows' data, decompressed: a promise of the list of rows.
  function unpack(element) {
    var text = atob(element.textContent.trim());
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i += 1) { bytes[i] = text.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(
      new DecompressionStream(element.getAttribute("data-encoding")));
    return new Response(stream).text().then(JSON.parse);
  }
  function start(all) {
    selects.forEach(function (select) { select.parentNode.hidden = false; });
    var apply = all ? paged(all) : filtered();
    controls(apply);
  }
  // The filters of a large report: they pick from `all`, the table shows a page of the matches
  // in place of the one before (appended, each page laid out the table again, and each slower).
  function paged(all) {
    var body = document.querySelector("#findings-table tbody");
    var pager = document.getElementById("findings-pager");
    var previous = document.getElementById("previous-findings");
    var next = document.getElementById("next-findings");
    var range = document.getElementById("page-range");
    var page = Number(pager.getAttribute("data-page"));
    var matching = all;
    var first = 0;
    var rest = document.getElementById("findings-rest");
    var statuses = Array.prototype.slice.call(document.getElementById("filter-disposition").options, 1);
    // `rows` false when the table already holds them: the first page, as written, on opening.
    var render = function (rows) {
      var last = Math.min(first + page, matching.length);
      if (rows) {
        body.innerHTML = matching.slice(first, last).map(function (item) { return item[MARKUP]; }).join("");
      }
      var paging = matching.length > page;
      // The live region counts findings, as the heading and the filters' choices do; the
      // pager says which rows of the matches the page holds.
      var onPage = total(matching.slice(first, last));
      shown.textContent = paging ? grouped(onPage) + " of " + grouped(total(matching)) : grouped(total(matching));
      range.textContent = "rows " + grouped(first + 1) + "–" + grouped(last) + " of " + grouped(matching.length);
      pager.hidden = !paging;
      // A button that no longer leads anywhere hands its focus to the other: disabled, it would
      // drop a keyboard's focus to the page's start.
      var focused = document.activeElement;
      previous.disabled = first === 0;
      next.disabled = last >= matching.length;
      if (focused && focused.disabled) { (focused === next ? previous : next).focus(); }
      var unlisted = matching.slice(0, first).concat(matching.slice(last));
      rest.hidden = !unlisted.length;
      document.getElementById("rest-count").textContent =
        grouped(total(unlisted)) + " of " + grouped(total(matching)) + " findings" +
        (matching.length < all.length ? " that the filters keep" : "");
      document.getElementById("rest-status").textContent = statuses.map(function (option) {
        var n = total(unlisted.filter(function (item) { return item[3] === option.value; }));
        return n ? grouped(n) + " " + named(option) : "";
      }).filter(Boolean).join(", ");
    };
    var opened = false;
    var apply = function () {
      matching = all.filter(function (item) {
        return keep(function (name) { return item[fields.indexOf(name)]; });
      });
      first = 0;
      render(opened || matching.length !== all.length);
      opened = true;
    };
    // A new page is read from its start: the page scrolls to the filters and the count above it.
    var top = document.querySelector("#findings .filters");
    var turn = function (by) {
      first += by;
      render(true);
      top.scrollIntoView();
    };
    previous.addEventListener("click", function () { turn(-page); });
    next.addEventListener("click", function () { turn(page); });
    return apply;
  }
  // The filters of a small report: every row is in the table, and they hide rows.
  function filtered() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr.finding"));
    return function () {
      var count = 0;
      rows.forEach(function (row) {
        row.hidden = !keep(function (name) { return row.getAttribute("data-" + name); });
        if (!row.hidden) { count += Number(row.getAttribute("data-count") || 1); }
      });
      if (shown) { shown.textContent = grouped(count); }
    };
  }
  // Which filters hold, beside the count: on paper, where the controls are not printed, a
  // filtered table must not pass for every finding.
  var active = document.getElementById("active-filters");
  function describe() {
    var held = selects.filter(function (select) { return select.value; }).map(function (select) {
      return select.parentNode.firstChild.textContent + ": " +
        named(select.options[select.selectedIndex]);
    });
    if (active) { active.textContent = held.length ? " · filtered by " + held.join(", ") : ""; }
  }
  function controls(apply) {
    selects.forEach(function (select) {
      select.addEventListener("change", apply);
      select.addEventListener("change", describe);
    });
    var reset = document.getElementById("reset-filters");
    if (reset) {
      reset.hidden = false;
      reset.addEventListener("click", function () {
        selects.forEach(function (select) { select.value = ""; });
        apply();
        describe();
      });
    }
    apply();
    describe();
  }
  if (!data) {
    start(null);
  } else if (window.DecompressionStream) {
    unpack(data).then(start);
  }
  // A rule's code in a finding links to the rule's entry below, which opens when followed.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.rule-link");
    var entry = link && document.getElementById(link.getAttribute("href").slice(1));
    if (entry) { entry.open = true; }
  });
  // Printed, every folded section is open (a closed one prints as its summary alone), not a
  // finding's raw details (pages of JSON); what the reader had closed closes again afterwards.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    var folded = document.querySelectorAll("details:not(#findings-table details)");
    opened = Array.prototype.filter.call(folded, function (d) { return !d.open; });
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
