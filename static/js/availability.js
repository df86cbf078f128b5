// The teacher's weekly availability: the shared week grid (week-grid.js) in the teacher's own time, the same
// hours in the other zones beside it, saved through PUT /api/teacher/availability. Without this script the
// list form does the job.
(function () {
  "use strict";
  var editor = document.getElementById("week-grid-editor");
  var settingsNode = document.getElementById("grid-settings");
  if (!editor || !settingsNode || !window.fetch || !window.WeekGrid) return;
  var settings = JSON.parse(settingsNode.textContent);
  var texts = settings.texts;
  var statusNode = editor.querySelector("[data-grid-status]");
  var errorsNode = editor.querySelector("[data-grid-errors]");
  var saveButton = editor.querySelector("[data-grid-save]");
  var dirty = false;

  function setStatus(text) { statusNode.textContent = text; }

  var grid = window.WeekGrid(editor, settings, function () {
    dirty = true;
    setStatus(texts.unsaved);
  });

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
      item.textContent = (block ? grid.describe(block, null) + ": " : "") + fields[name];
      list.appendChild(item);
    });
    if (list.children.length) errorsNode.appendChild(list);
    errorsNode.hidden = false;
  }

  function save() {
    var sent = grid.blocks();
    saveButton.disabled = true;
    errorsNode.hidden = true;
    setStatus(texts.saving);
    fetch(settings.api, {
      method: "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({availability: grid.intervals()}),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        saveButton.disabled = false;
        if (response.ok && body) {
          grid.load(body.availability);
          dirty = false;
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

  var rowEditor = document.getElementById("row-editor");
  if (rowEditor && !rowEditor.querySelector(".field-error")) rowEditor.open = false;
  try {
    if (sessionStorage.getItem("kn-availability-saved")) {
      sessionStorage.removeItem("kn-availability-saved");
      setStatus(texts.saved);
    }
  } catch (e) { /* private mode */ }

  saveButton.addEventListener("click", save);
  editor.querySelector("[data-grid-undo]").addEventListener("click", function () {
    grid.undo();
    dirty = false;
    errorsNode.hidden = true;
    setStatus("");
  });
  editor.querySelector("[data-grid-clear]").addEventListener("click", function () { grid.clear(); });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
