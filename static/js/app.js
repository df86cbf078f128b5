/* Every page: the menu button of small screens, and each table cell labelled with its column so that a table
   can stack into cards on a phone instead of scrolling the page sideways. */
(function () {
  "use strict";
  var header = document.querySelector("header.top"), toggle = header && header.querySelector(".menu-toggle");
  if (toggle) toggle.addEventListener("click", function () {
    toggle.setAttribute("aria-expanded", String(header.classList.toggle("open")));
  });
  Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
    var heads = table.tHead ? table.tHead.rows[0] : null;
    if (!heads || table.closest(".grid-editor")) return;  // the availability grid keeps its columns
    var labels = Array.prototype.map.call(heads.cells, function (th) { return th.textContent.trim(); });
    table.classList.add("stack");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, i) { if (labels[i]) cell.setAttribute("data-label", labels[i]); });
      });
    });
  });
})();
