// The week grid shared by the teacher's availability and the school's request form: quarter hours of one
// zone, dragged or keyed free, shown beside the same hours in other zones and listed as blocks. The page's own
// script decides what a change means (saved through the API, or written into the form's rows).
(function () {
  "use strict";
  var SLOT = 15, SLOTS = 24 * 60 / SLOT, WEEK = 7 * 1440;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hhmm(minute) { return pad(Math.floor(minute / 60)) + ":" + pad(minute % 60); }
  function toMinute(text) { var p = text.split(":"); return Number(p[0]) * 60 + Number(p[1]); }
  function emptyWeek() {
    var week = [];
    for (var d = 0; d < 7; d++) week.push(new Uint8Array(SLOTS));
    return week;
  }
  function copy(week) { return week.map(function (day) { return new Uint8Array(day); }); }

  // `editor` holds [data-grid-scroll] and [data-grid-summary]; `onChange(grid)` runs after every edit.
  function WeekGrid(editor, settings, onChange) {
    var texts = settings.texts;
    var scroller = editor.querySelector("[data-grid-scroll]");
    var summary = editor.querySelector("[data-grid-summary]");
    var state, saved, cells = [], rows = [], drag = null, cursor = {day: 0, slot: 20};

    // A weekly (day, minute) of the grid's zone in a zone `offset` minutes from UTC.
    function shift(day, minute, offset) {
      var absolute = ((day * 1440 + minute - settings.zone.offset + offset) % WEEK + WEEK) % WEEK;
      return {day: Math.floor(absolute / 1440), minute: absolute % 1440};
    }

    function fromIntervals(intervals) {
      var week = emptyWeek(), rounded = false;
      intervals.forEach(function (item) {
        var day = settings.dayKeys.indexOf(item.day), start = toMinute(item.start), end = toMinute(item.end);
        if (day < 0 || !(end > start)) return;
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
        rows.push(row);
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
      paint();
      renderSummary();
      if (onChange) onChange(grid);
    }

    var grid = {
      hhmm: hhmm,
      blocks: function () { return blocks(state); },
      intervals: function () { return asPayload(blocks(state)); },
      describe: describe,
      // The week as the server has it now (after a save): the new baseline for undo.
      load: function (intervals) {
        state = fromIntervals(intervals).week;
        saved = copy(state);
        paint();
        renderSummary();
      },
      // Intervals typed elsewhere on the page, shown without moving the baseline.
      show: function (intervals) { state = fromIntervals(intervals).week; paint(); renderSummary(); },
      undo: function () { state = copy(saved); paint(); renderSummary(); },
      clear: function () { state = emptyWeek(); changed(); },
      // The <tr> of each hour's first quarter, for a page that writes something beside the hours.
      hourRow: function (hour) { return rows[hour * 60 / SLOT]; },
    };

    state = fromIntervals(settings.availability).week;
    saved = copy(state);
    build();
    paint();
    renderSummary();
    editor.hidden = false;
    // Start the view at five in the morning, when the first lessons of the east begin for the west.
    var first = blocks(state)[0];
    var startSlot = first ? Math.min(first.start / SLOT, 20) : 20;
    scroller.scrollTop = cells[0][startSlot].offsetTop - 30;
    return grid;
  }

  window.WeekGrid = WeekGrid;
})();
