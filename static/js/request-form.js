// The school's request form: the shared week grid (week-grid.js) in the school's own time writes its windows
// into the form's rows, and beside it the count of fitting teachers free at each hour is fetched whenever the
// subject or grade changes. Without this script the rows and the server-drawn counts do the job.
(function () {
  "use strict";
  var editor = document.getElementById("week-grid-editor");
  var settingsNode = document.getElementById("grid-settings");
  var rowsBody = document.querySelector("[data-window-rows]");
  if (!editor || !settingsNode || !rowsBody || !window.WeekGrid) return;
  var settings = JSON.parse(settingsNode.textContent);
  var texts = settings.texts;
  var form = rowsBody.closest("form");
  var statusNode = editor.querySelector("[data-grid-status]");
  var daySelect = rowsBody.querySelector("select").cloneNode(true);  // the day names, already translated

  function input(name, value, label) {
    var node = document.createElement("input");
    // A time field cannot hold 24:00, the end of a window that runs to midnight; the server takes it as text.
    node.type = value === "24:00" ? "text" : "time";
    node.step = "300"; node.name = name; node.value = value;
    node.setAttribute("aria-label", label);
    return node;
  }

  function addRow(window_) {
    var i = rowsBody.rows.length, row = rowsBody.insertRow();
    var select = daySelect.cloneNode(true);
    select.name = "window-" + i + "-day";
    select.value = window_.day;
    select.setAttribute("aria-label", texts.day + " " + (i + 1));
    row.insertCell().appendChild(select);
    row.insertCell().appendChild(input("window-" + i + "-start", window_.start, texts.from + " " + (i + 1)));
    row.insertCell().appendChild(input("window-" + i + "-end", window_.end, texts.to + " " + (i + 1)));
  }

  // The rows are what the form sends: one per block of the grid, as many as there are, and one to type in.
  function writeRows(grid) {
    rowsBody.textContent = "";
    grid.intervals().forEach(addRow);
    addRow({day: settings.dayKeys[0], start: "", end: ""});
    statusNode.textContent = texts.unsaved;
  }

  // And the other way: times typed into the rows show on the grid.
  function readRows() {
    var out = [];
    for (var i = 0; i < rowsBody.rows.length; i++) {
      var day = form.elements["window-" + i + "-day"], start = form.elements["window-" + i + "-start"];
      var end = form.elements["window-" + i + "-end"];
      if (day && start && end && /^\d\d:\d\d$/.test(start.value) && /^\d\d:\d\d$/.test(end.value)) {
        out.push({day: day.value, start: start.value, end: end.value});
      }
    }
    return out;
  }

  var grid = window.WeekGrid(editor, settings, writeRows);
  rowsBody.addEventListener("change", function () { grid.show(readRows()); });
  editor.querySelector("[data-grid-undo]").addEventListener("click", function () { grid.undo(); writeRows(grid); });
  editor.querySelector("[data-grid-clear]").addEventListener("click", function () { grid.clear(); });
  var more = document.querySelector("[data-more-rows]");
  if (more) {
    more.addEventListener("click", function (event) {  // a row more on the page; no round trip to the server
      event.preventDefault();
      addRow({day: settings.dayKeys[0], start: "", end: ""});
    });
  }

  // --- the free teachers beside the grid -------------------------------------------------------------
  var panel = document.querySelector("[data-supply]");
  var supplyStatus = panel.querySelector("[data-supply-status]");
  var subject = form.elements.subject, grade = form.elements.grade;
  var asked = 0;

  function fill(counts) {
    panel.querySelectorAll("td[data-day]").forEach(function (cell) {
      var n = counts ? counts.hours[Number(cell.dataset.day)][Number(cell.dataset.hour)] : null;
      cell.textContent = n === null ? "" : String(n);
      cell.className = n === null ? "" : (n === 0 ? "none" : (n >= 3 ? "many" : "some"));
    });
  }

  function loadSupply() {
    if (!subject.value || !grade.value) { fill(null); supplyStatus.textContent = texts.supplyNone; return; }
    var mine = ++asked;  // a slow answer for an earlier choice must not overwrite a newer one
    var url = settings.supplyUrl + "?subject=" + encodeURIComponent(subject.value) + "&grade=" + encodeURIComponent(grade.value);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (answer) {
      if (mine !== asked) return;
      if (!answer.ok) { fill(null); supplyStatus.textContent = answer.body.message || texts.supplyError; return; }
      fill(answer.body);
      supplyStatus.textContent = answer.body.summary;
    }).catch(function () {
      if (mine === asked) { fill(null); supplyStatus.textContent = texts.supplyError; }
    });
  }

  subject.addEventListener("change", loadSupply);
  grade.addEventListener("change", loadSupply);
})();
