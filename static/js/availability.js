// The weekly availability grid: quarter hours in the teacher's own time, the same hours in the other zones
// beside them, saved through PUT /api/teacher/availability. Without this script the list form does the job.
(function () {
  "use strict";
  var editor = document.getElementById("week-grid-editor");
  var settingsNode = document.getElementById("grid-settings");
  if (!editor || !settingsNode || !window.fetch) return;
  var settings = JSON.parse(settingsNode.textContent);
  var texts = settings.texts;
  var SLOT = 15, SLOTS = 24 * 60 / SLOT, WEEK = 7 * 1440;
  var scroller = editor.querySelector("[data-grid-scroll]");
  var summary = editor.querySelector("[data-grid-summary]");
  var statusNode = editor.querySelector("[data-grid-status]");
  var errorsNode = editor.querySelector("[data-grid-errors]");
  var saveButton = editor.querySelector("[data-grid-save]");
  var state, saved, dirty = false, cells = [], drag = null, cursor = {day: 0, slot: 20};

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hhmm(minute) { return pad(Math.floor(minute / 60)) + ":" + pad(minute % 60); }
  function toMinute(text) { var p = text.split(":"); return Number(p[0]) * 60 + Number(p[1]); }

  // A weekly (day, minute) of the teacher's zone in a zone `offset` minutes from UTC.
  function shift(day, minute, offset) {
    var absolute = ((day * 1440 + minute - settings.zone.offset + offset) % WEEK + WEEK) % WEEK;
    return {day: Math.floor(absolute / 1440), minute: absolute % 1440};
  }

  function emptyWeek() {
    var week = [];
    for (var d = 0; d < 7; d++) week.push(new Uint8Array(SLOTS));
    return week;
  }

  function fromIntervals(intervals) {
    var week = emptyWeek(), rounded = false;
    intervals.forEach(function (item) {
      var day = settings.dayKeys.indexOf(item.day), start = toMinute(item.start), end = toMinute(item.end);
      if (start % SLOT || end % SLOT) rounded = true;
      // A block off the quarter-hour grid is widened to whole quarters, never shortened.
      for (var s = Math.floor(start / SLOT); s < Math.ceil(end / SLOT); s++) week[day][s] = 1;
    });
    return {week: week, rounded: rounded};
  }

  function blocks(week) {
    var out = [];
    for (var d = 0; d < 7; d++) {
      var s = 0;
      while (s < SLOTS) {
        if (!week[d][s]) { s++; continue; }
        var e = s;
        while (e < SLOTS && week[d][e]) e++;
        out.push({day: d, start: s * SLOT, end: e * SLOT});
        s = e;
      }
    }
    return out;
  }

  function asPayload(list) {
    return list.map(function (b) {
      return {day: settings.dayKeys[b.day], start: hhmm(b.start), end: hhmm(b.end)};
    });
  }

  function describe(block, zone) {
    var start = zone ? shift(block.day, block.start, zone.offset) : {day: block.day, minute: block.start};
    var end = start.minute + block.end - block.start;
    var label = zone ? zone.label : settings.zone.label;
    return settings.days[start.day] + " " + hhmm(start.minute) + "–" + hhmm(end > 1440 ? end - 1440 : end) + " " + label;
  }

  function build() {
    var table = document.createElement("table");
    table.className = "week-grid";
    table.setAttribute("role", "grid");
    var head = table.createTHead().insertRow();
    var corner = document.createElement("th");
    corner.textContent = settings.zone.label;
    corner.className = "own-zone";
    head.appendChild(corner);
    settings.days.forEach(function (name) {
      var th = document.createElement("th");
      th.textContent = name.slice(0, 3);
      th.title = name;
      head.appendChild(th);
    });
    settings.others.forEach(function (zone) {
      var th = document.createElement("th");
      th.textContent = zone.label;
      th.className = "other-zone";
      head.appendChild(th);
    });
    var body = table.createTBody();
    for (var d = 0; d < 7; d++) cells.push([]);
    for (var s = 0; s < SLOTS; s++) {
      var row = body.insertRow();
      var minute = s * SLOT;
      row.className = minute % 60 === 0 ? "hour" : (minute % 30 === 0 ? "half" : "quarter");
      var label = document.createElement("th");
      label.scope = "row";
      label.className = "own-zone";
      if (minute % 30 === 0) label.textContent = hhmm(minute);
      else {  // a quarter's row is named for screen readers, not printed
        var name = document.createElement("span"); name.className = "visually-hidden"; name.textContent = hhmm(minute);
        label.appendChild(name);
      }
      row.appendChild(label);
      for (var day = 0; day < 7; day++) {
        var cell = row.insertCell();
        cell.className = "slot";
        cell.dataset.day = day;
        cell.dataset.slot = s;
        cell.tabIndex = -1;
        cell.setAttribute("role", "gridcell");
        cell.setAttribute("aria-label", settings.days[day] + " " + hhmm(minute) + "–" + hhmm(minute + SLOT) + " " + settings.zone.label);
        cells[day].push(cell);
      }
      settings.others.forEach(function (zone) {
        var other = row.insertCell();
        other.className = "other-zone";
        if (minute % 30 === 0) {
          // Monday's clock stands for every day: the zones differ by whole hours, and the day may turn over.
          var shifted = shift(0, minute, zone.offset);
          var turn = shifted.day === 1 ? " ⁺¹" : (shifted.day === 6 ? " ⁻¹" : "");
          other.textContent = hhmm(shifted.minute) + turn;
          if (turn) other.title = shifted.day === 1 ? texts.nextDay : texts.previousDay;
        }
        row.appendChild(other);
      });
    }
    scroller.appendChild(table);
    cells[cursor.day][cursor.slot].tabIndex = 0;
    table.addEventListener("pointerdown", onDown);
    table.addEventListener("pointermove", onMove);
    table.addEventListener("pointerup", onUp);
    table.addEventListener("pointercancel", function () { drag = null; paint(); });
    table.addEventListener("keydown", onKey);
  }

  function cellAt(event) {
    var node = document.elementFromPoint(event.clientX, event.clientY);
    return node && node.classList && node.classList.contains("slot") ? node : null;
  }

  function range() {
    if (!drag) return null;
    return {
      d0: Math.min(drag.from.day, drag.to.day), d1: Math.max(drag.from.day, drag.to.day),
      s0: Math.min(drag.from.slot, drag.to.slot), s1: Math.max(drag.from.slot, drag.to.slot),
    };
  }

  function onDown(event) {
    var cell = cellAt(event);
    if (!cell || event.button > 0) return;
    event.preventDefault();
    var at = {day: Number(cell.dataset.day), slot: Number(cell.dataset.slot)};
    drag = {from: at, to: at, fill: !state[at.day][at.slot]};
    if (event.target.setPointerCapture) event.target.setPointerCapture(event.pointerId);
    moveCursor(at.day, at.slot, false);
    paint();
  }

  function onMove(event) {
    if (!drag) return;
    var cell = cellAt(event);
    if (!cell) return;
    var at = {day: Number(cell.dataset.day), slot: Number(cell.dataset.slot)};
    if (at.day !== drag.to.day || at.slot !== drag.to.slot) {
      drag.to = at;
      paint();
    }
  }

  function onUp() {
    if (!drag) return;
    var r = range();
    for (var d = r.d0; d <= r.d1; d++) {
      for (var s = r.s0; s <= r.s1; s++) state[d][s] = drag.fill ? 1 : 0;
    }
    drag = null;
    changed();
  }

  function moveCursor(day, slot, focus) {
    cells[cursor.day][cursor.slot].tabIndex = -1;
    cursor = {day: Math.max(0, Math.min(6, day)), slot: Math.max(0, Math.min(SLOTS - 1, slot))};
    var cell = cells[cursor.day][cursor.slot];
    cell.tabIndex = 0;
    if (focus) cell.focus();
  }

  function onKey(event) {
    var moves = {ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0]};
    if (moves[event.key]) {
      event.preventDefault();
      moveCursor(cursor.day + moves[event.key][0], cursor.slot + moves[event.key][1], true);
    } else if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      state[cursor.day][cursor.slot] = state[cursor.day][cursor.slot] ? 0 : 1;
      changed();
    }
  }

  function paint() {
    var r = range();
    for (var d = 0; d < 7; d++) {
      for (var s = 0; s < SLOTS; s++) {
        var on = !!state[d][s];
        var inDrag = r && d >= r.d0 && d <= r.d1 && s >= r.s0 && s <= r.s1;
        var cell = cells[d][s];
        cell.classList.toggle("free", inDrag ? drag.fill : on);
        cell.classList.toggle("pending", !!inDrag);
        cell.setAttribute("aria-selected", on ? "true" : "false");
      }
    }
  }

  function renderSummary() {
    summary.textContent = "";
    var list = blocks(state);
    if (!list.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = texts.empty;
      summary.appendChild(empty);
    }
    list.forEach(function (block) {
      var item = document.createElement("li");
      var own = document.createElement("strong");
      own.textContent = describe(block, null);
      item.appendChild(own);
      settings.others.forEach(function (zone) {
        var other = document.createElement("span");
        other.className = "other-zone";
        other.textContent = describe(block, zone);
        item.appendChild(other);
      });
      summary.appendChild(item);
    });
  }

  function changed() {
    dirty = true;
    setStatus(texts.unsaved);
    paint();
    renderSummary();
  }

  function setStatus(text) { statusNode.textContent = text; }

  function showErrors(body, sent) {
    errorsNode.textContent = "";
    var lead = document.createElement("p");
    lead.textContent = texts.refused + " " + (body && body.message ? body.message : "");
    errorsNode.appendChild(lead);
    var fields = (body && body.fields) || {};
    var list = document.createElement("ul");
    Object.keys(fields).forEach(function (name) {
      var match = /^availability\.(\d+)/.exec(name);
      var item = document.createElement("li");
      var block = match ? sent[Number(match[1])] : null;
      item.textContent = (block ? describe(block, null) + ": " : "") + fields[name];
      list.appendChild(item);
    });
    if (list.children.length) errorsNode.appendChild(list);
    errorsNode.hidden = false;
  }

  function save() {
    var sent = blocks(state);
    saveButton.disabled = true;
    errorsNode.hidden = true;
    setStatus(texts.saving);
    fetch(settings.api, {
      method: "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({availability: asPayload(sent)}),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        saveButton.disabled = false;
        if (response.ok && body) {
          state = fromIntervals(body.availability).week;
          saved = fromIntervals(body.availability).week;
          dirty = false;
          paint();
          renderSummary();
          setStatus(texts.saved);
          try { sessionStorage.setItem("kn-availability-saved", "1"); } catch (e) { /* private mode */ }
          // The list form and the pages around it were drawn from the old week: draw them again.
          window.location.reload();
        } else if (response.status === 401) {
          setStatus("");
          showErrors({message: texts.login}, sent);
        } else {
          setStatus("");
          showErrors(body, sent);
        }
      });
    }).catch(function () {
      saveButton.disabled = false;
      setStatus("");
      showErrors({message: texts.offline}, sent);
    });
  }

  function copy(week) { return week.map(function (day) { return new Uint8Array(day); }); }

  var loaded = fromIntervals(settings.availability);
  state = loaded.week;
  saved = copy(loaded.week);
  build();
  paint();
  renderSummary();
  editor.hidden = false;
  var rowEditor = document.getElementById("row-editor");
  if (rowEditor && !rowEditor.querySelector(".field-error")) rowEditor.open = false;
  try {
    if (sessionStorage.getItem("kn-availability-saved")) {
      sessionStorage.removeItem("kn-availability-saved");
      setStatus(texts.saved);
    }
  } catch (e) { /* private mode */ }
  // Start the view at five in the morning, when the first lessons of the east begin for the west.
  var first = blocks(state)[0];
  var startSlot = first ? Math.min(first.start / SLOT, 20) : 20;
  scroller.scrollTop = cells[0][startSlot].offsetTop - 30;

  saveButton.addEventListener("click", save);
  editor.querySelector("[data-grid-undo]").addEventListener("click", function () {
    state = copy(saved);
    dirty = false;
    errorsNode.hidden = true;
    setStatus("");
    paint();
    renderSummary();
  });
  editor.querySelector("[data-grid-clear]").addEventListener("click", function () {
    state = emptyWeek();
    changed();
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
