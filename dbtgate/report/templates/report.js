// Findings filter: each <select data-filter="owner|tier|severity|disposition"> narrows the rows
// by the matching data-* attribute; an empty value means "any".
(function () {
  "use strict";
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.finding"));
  var shown = document.getElementById("shown-count");
  function apply() {
    var count = 0;
    rows.forEach(function (row) {
      var keep = selects.every(function (select) {
        return !select.value || row.getAttribute("data-" + select.getAttribute("data-filter")) === select.value;
      });
      row.hidden = !keep;
      if (keep) { count += 1; }
    });
    if (shown) { shown.textContent = String(count); }
  }
  selects.forEach(function (select) { select.addEventListener("change", apply); });
  var reset = document.getElementById("reset-filters");
  if (reset) {
    reset.addEventListener("click", function () {
      selects.forEach(function (select) { select.value = ""; });
      apply();
    });
  }
  apply();
})();
