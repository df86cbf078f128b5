// Live progress of a matching run: pushed by the server over Socket.IO (namespace /runs).
(function () {
  var box = document.getElementById("progress");
  if (!box || typeof io === "undefined") return;
  var runId = parseInt(box.dataset.run, 10);
  var socket = io("/runs", { transports: ["websocket", "polling"] });
  function text(id, value) { document.getElementById(id).textContent = value; }
  socket.on("connect", function () { socket.emit("watch", { run: runId }); });
  socket.on("progress", function (p) {
    document.getElementById("progress-bar").value = p.fraction;
    text("p-seconds", Math.round(p.seconds));
    if (p.objective !== null && p.objective !== undefined) text("p-objective", p.objective);
    if (p.bound !== null && p.bound !== undefined) text("p-bound", p.bound);
    if (p.gap !== null && p.gap !== undefined) text("p-gap", (p.gap * 100).toFixed(1) + "%");
    if (p.status !== "queued" && p.status !== "running") {
      text("run-status", box.dataset.doneLabel);
      socket.close();
      window.location.reload();
    }
  });
})();
