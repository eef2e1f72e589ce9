// Findings filter: each <select data-filter="owner|tier|severity|rule|disposition"> narrows the
// findings by that value; an empty value means "any". A small report has every row in the table
// and the filter hides rows. A large one has its first rows in the table and all of them in the
// #finding-rows data ([owner, tier, severity, disposition, rule, row markup] as JSON, compressed
// with zlib and in base64: the browser's DecompressionStream reads it back): the filter then picks
// from the data and the table shows a page of the matches at a time ("show N more"), and
// #findings-rest says how many matches, of which status, the table leaves out.
// The controls are written hidden (without a script they would do nothing): shown here, once
// what they filter is read. A browser without DecompressionStream leaves them hidden, and the
// page reads as it does without a script: its first page, and where every finding is.
(function () {
  "use strict";
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var shown = document.getElementById("shown-count");
  var data = document.getElementById("finding-rows");
  var fields = ["owner", "tier", "severity", "disposition", "rule"];
  var MARKUP = fields.length;  // a row's markup follows what the filters compare
  // Counts grouped in thousands, as the report's Python side writes them (`wording.number`).
  function grouped(n) { return n.toLocaleString("en-US"); }
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
  // The filters of a large report: they pick from `all`, the table shows a page of the matches.
  function paged(all) {
    var body = document.querySelector("#findings-table tbody");
    var more = document.getElementById("more-findings");
    var page = Number(more.getAttribute("data-page"));
    var matching = all;
    var limit = page;
    var rest = document.getElementById("findings-rest");
    var statuses = Array.prototype.slice.call(document.getElementById("filter-disposition").options, 1);
    var render = function () {
      var count = Math.min(limit, matching.length);
      body.innerHTML = matching.slice(0, count).map(function (item) { return item[MARKUP]; }).join("");
      shown.textContent = count < matching.length ? grouped(count) + " of " + grouped(matching.length) : grouped(count);
      more.hidden = count >= matching.length;
      var unlisted = matching.slice(count);
      rest.hidden = !unlisted.length;
      document.getElementById("rest-count").textContent =
        grouped(unlisted.length) + " of " + grouped(matching.length) + " findings" +
        (matching.length < all.length ? " that the filters keep" : "");
      document.getElementById("rest-status").textContent = statuses.map(function (option) {
        var n = unlisted.filter(function (item) { return item[3] === option.value; }).length;
        return n ? grouped(n) + " " + option.text : "";
      }).filter(Boolean).join(", ");
    };
    var apply = function () {
      matching = all.filter(function (item) {
        return keep(function (name) { return item[fields.indexOf(name)]; });
      });
      limit = page;
      render();
    };
    more.addEventListener("click", function () {
      limit += page;
      render();
    });
    return apply;
  }
  // The filters of a small report: every row is in the table, and they hide rows.
  function filtered() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr.finding"));
    return function () {
      var count = 0;
      rows.forEach(function (row) {
        row.hidden = !keep(function (name) { return row.getAttribute("data-" + name); });
        if (!row.hidden) { count += 1; }
      });
      if (shown) { shown.textContent = grouped(count); }
    };
  }
  // Which filters hold, beside the count: on paper, where the controls are not printed, a
  // filtered table must not pass for every finding.
  var active = document.getElementById("active-filters");
  function describe() {
    // A rule by its code alone: its option's count is of every finding, not of those shown.
    var held = selects.filter(function (select) { return select.value; }).map(function (select) {
      var name = select.getAttribute("data-filter");
      return select.parentNode.firstChild.textContent + ": " +
        (name === "rule" ? select.value : select.options[select.selectedIndex].text);
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
