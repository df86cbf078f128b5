/* The live room page: joins by code, speaks the /room contract, resyncs after every reconnect.
   Hand-written and small on purpose: the whole first load must stay under 150 KB for weak connections. */
(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("page").textContent);
  var words = JSON.parse(document.getElementById("words").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var say = function (key, values) {
    var word = words[key] || key;  // a counted word comes in both forms, chosen by its count
    if (typeof word === "object") word = values && values.n === 1 ? word.one : word.other;
    return word.replace(/\{(\w+)\}/g, function (_, k) { return values && k in values ? values[k] : ""; });
  };
  var el = function (tag, text, cls) {  // text always goes in as text, never as HTML
    var node = document.createElement(tag);
    if (text != null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  };
  var lang = document.documentElement.lang || "id";

  var socket = null, me = null, role = page.role, lastId = 0, members = [], seen = {};
  var mode = "full", slides = null, currentPoll = null, floor = {id: null};
  var media = window.RoomMedia({$: $, say: say, el: el, banner: function (t) { banner(t); }});  // media.js

  // --- time in the viewer's own zone -------------------------------------------------------------
  var ZONES = {420: "WIB", 480: "WITA", 540: "WIT"};
  function localTime(iso) {
    var d = new Date(iso), offset = -d.getTimezoneOffset();
    var hhmm = ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
    var zone = ZONES[offset] || ("UTC" + (offset >= 0 ? "+" : "-") + Math.abs(offset / 60));
    return hhmm + " " + zone;
  }
  function showSession(session) {
    if (!session) return;
    $("title").textContent = session.subject + " · " + session.class_name + " · " + session.school;
    var mine = localTime(session.starts_at) + " – " + localTime(session.ends_at);
    if (!$("when").textContent) $("when").textContent = mine;
    else if ($("when").textContent.indexOf(mine.split(" – ")[0]) < 0) $("localwhen").textContent = say("your_time", {time: mine});
  }

  // --- joining -----------------------------------------------------------------------------------
  function storedToken(code) {
    try { return sessionStorage.getItem("room:" + code); } catch (e) { return null; }
  }
  $("joinform").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, code = form.code.value.trim(), name = form.name.value.trim();
    $("joinerror").textContent = "";
    fetch("/api/rooms/join?lang=" + lang, {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({code: code, name: name, key: browserKey()})})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        if (!res.ok) { $("joinerror").textContent = res.body.message || say("error"); return; }
        try { sessionStorage.setItem("room:" + code, res.body.token); } catch (e) { /* private mode */ }
        showSession(res.body.session);
        start(res.body.token);
      })
      .catch(function () { $("joinerror").textContent = say("offline"); });
  });

  // A random key this browser keeps: with the name, it is how a removal holds without accounts.
  function browserKey() {
    try {
      var key = localStorage.getItem("room:key");
      if (!key) {
        var bytes = new Uint8Array(16);
        crypto.getRandomValues(bytes);
        key = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
        localStorage.setItem("room:key", key);
      }
      return key;
    } catch (e) { return undefined; }  // storage off: the name alone is checked
  }

  // --- the connection ----------------------------------------------------------------------------
  function setNet(text, ok) { var n = $("net"); n.textContent = text; n.classList.toggle("ok", !!ok); }

  function start(token) {
    $("joinform").hidden = true;
    $("room").hidden = false;
    $("net").classList.remove("waiting");
    // Polling first, then upgrade: works where a school network blocks WebSocket.
    socket = io("/room", {auth: {token: token}, query: {lang: lang}, reconnectionDelayMax: 10000});
    socket.on("connect", function () {
      setNet(socket.io.engine.transport.name === "polling" ? say("polling") : say("online"), true);
      socket.io.engine.once("upgrade", function () { setNet(say("online"), true); });
      synced = false;  // the chat outbox waits for this answer: what we typed may already be stored
      socket.emit("sync", {after: lastId});  // everything sent while we were away
    });
    socket.on("disconnect", function (reason) {
      setNet(reason === "io server disconnect" ? say("offline") : say("reconnecting"), false);
    });
    media.attach(socket);
    socket.on("connect_error", function (err) {
      if (socket.active) { setNet(say("reconnecting"), false); return; }  // a network failure: the client retries
      if (err && err.data && err.data.error === "too_many_connections") {  // open in other tabs: the pass is fine
        banner(err.data.message, true);
        setNet(say("reconnecting"), false);
        return setTimeout(function () { socket.connect(); }, 15000);  // a dropped tab's slot frees within a minute
      }
      // Refused at connect (the pass expired, is forged, or no longer admits us): it will not be retried, so
      // say why and, for a student, offer the join form again; what was typed stays in the outbox.
      var message = (err && err.data && err.data.message) || say("error");
      setNet(say("offline"), false);
      if (page.token) return gone(message);
      try { sessionStorage.removeItem("room:" + $("joinform").code.value.trim()); } catch (e) { /* ignore */ }
      $("room").hidden = true; $("joinform").hidden = false; $("joinerror").textContent = message;
    });
    socket.on("state", onState);
    socket.on("presence", onPresence);
    socket.on("room", onRoom);
    socket.on("chat", addMessage);
    // The server's queue was away: chat, and the rest of the room, may have changed unseen.
    socket.on("resync", function () { socket.emit("sync", {after: lastId, state: true}); });
    socket.on("history", function (body) {
      body.messages.forEach(addMessage);
      if (body.messages.length >= 1000) return socket.emit("sync", {after: lastId});
      settleUnsure(body.messages);
      synced = true;
      sendNextChat();
    });
    socket.on("hands", function (body) { drawHands(body.queue); });
    socket.on("floor", onFloor);
    socket.on("poll", function (poll) { currentPoll = poll; drawPoll(null); });
    socket.on("poll_results", drawPoll);
    socket.on("poll_answered", function () { var n = $("pollnote"); if (n) n.textContent = say("answered"); });
    socket.on("board", function (body) { strokes = body.strokes; redraw(); });
    socket.on("board_stroke", function (stroke) { strokes.push(stroke); drawStroke(stroke); });
    socket.on("slide", showSlide);
    socket.on("error", function (body) { banner(body.message); });
    socket.on("removals", function (body) { drawRemovals(body.people); });
    socket.on("drawers", function (body) { drawers = body.ids; onPresence({members: members}); });
    socket.on("board_allowed", function (body) { setDrawing(body.allowed); });
    socket.on("board_removed", function (body) {
      strokes = strokes.filter(function (s) { return body.ids.indexOf(s.id) < 0; }); redraw();
    });
    socket.on("removed", function () { gone(say("removed")); });
    socket.on("ended", function () { gone(say("ended")); });
  }

  function gone(message) {
    if (socket) socket.disconnect();
    media.stop();
    // Removed or ended: the pass is no good any more, so a reload shows the join form and says why.
    try { sessionStorage.removeItem("room:" + $("joinform").code.value.trim()); } catch (e) { /* ignore */ }
    $("room").hidden = true;
    $("gone").hidden = false;
    $("gonetext").textContent = message;
    setNet(say("offline"), false);
  }

  var bannerTimer = null;
  function banner(text, sticky) {
    var b = $("banner"); b.textContent = text; b.hidden = false;
    clearTimeout(bannerTimer);
    if (!sticky) bannerTimer = setTimeout(function () { b.hidden = true; }, 6000);
  }

  function onState(state) {
    me = state.you; role = me.role;
    document.body.className = "role-" + role;
    if (state.removals) drawRemovals(state.removals);
    if (state.drawers) drawers = state.drawers;
    setDrawing(!!state.can_draw);
    showSession(state.session);
    onRoom(state.room);
    drawHands(state.hands);
    media.state(state);
    onFloor(state.floor);
    showSlide(state.slides);
    currentPoll = state.poll;
    drawPoll(state.poll_results || null);
    if (state.you.headcount && $("headcount")) $("headcount").count.value = state.you.headcount;
  }

  // --- presence ----------------------------------------------------------------------------------
  function onPresence(body) {
    members = body.members;
    var list = $("people"); list.textContent = "";
    members.forEach(function (m) {
      var li = el("li", m.name);
      li.appendChild(el("span", say(m.role), "role"));
      if ((role === "teacher" || role === "host") && (m.role === "student" || m.role === "class_device")) {
        var b = el("button", say("remove"), "small ghost"); b.dataset.control = "remove";
        b.onclick = function () { if (confirm(say("confirm_remove", {name: m.name}))) socket.emit("remove", {id: m.id}); };
        li.appendChild(document.createTextNode(" ")); li.appendChild(b);
      }
      if (role === "teacher" && (m.role === "student" || m.role === "class_device")) li.appendChild(drawToggle(m));
      list.appendChild(li);
    });
    media.presence(members);
  }
  // A switch the teacher just flipped stays as flipped until the server answers it: a `room` sent before the
  // flip reached the server (a student arriving) must not flip it back under the teacher's finger.
  var flipping = {}, lastRoom = null;
  function showSwitches() {
    if (!lastRoom) return;
    if (!flipping.mute) $("mute").checked = lastRoom.chat_muted;
    if (!flipping.lock) $("lock").checked = lastRoom.locked;
  }
  function onRoom(room) {
    lastRoom = room;
    showSwitches();
    $("count").textContent = "(" + say("students", {n: room.students}) + ")";
    showChatPaused(room.chat_muted && role !== "teacher" && role !== "host");
  }
  function flipSwitch(id, event, field) {
    return function () {
      var body = {}; body[field] = this.checked; flipping[id] = true;
      socket.timeout(ACK_MS).emit(event, body, function () { delete flipping[id]; showSwitches(); });
    };
  }
  $("mute").onchange = flipSwitch("mute", "mute_chat", "muted");
  $("lock").onchange = flipSwitch("lock", "lock", "locked");
  $("end").onclick = function () { if (confirm(say("confirm_end"))) socket.emit("end", {}); };
  $("headcount").addEventListener("submit", function (e) {
    e.preventDefault(); socket.emit("headcount", {count: parseInt(this.count.value, 10)});
  });

  // --- chat --------------------------------------------------------------------------------------
  function addMessage(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    if (m.id > lastId) lastId = m.id;
    var li = el("li");
    li.appendChild(el("b", m.name)); li.appendChild(el("span", m.text));
    placeMessage(li, m.id);
  }
  function placeMessage(li, id) {  // in id order even if a resync and a live message cross
    var list = $("chat"), after = null;
    if (li.parentNode) li.remove();
    li.dataset.id = id;
    for (var n = list.lastChild; n && +n.dataset.id > id; n = n.previousSibling) after = n;
    list.insertBefore(li, after);
    list.scrollTop = list.scrollHeight;
  }
  // Chat goes through an outbox, one message at a time, each acknowledged by the server (its id, or why it was
  // refused): what a student types offline or on a weak link is shown as waiting and sent, in the order typed,
  // once the room is reachable again; a flood refusal waits and tries the same message again.
  var outbox = [], sending = null, synced = false, ACK_MS = 15000, RETRY_MS = 1500;
  $("chatform").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = this.text.value.trim();
    if (!text) return;
    var li = el("li", null, "pending");
    li.appendChild(el("b", me ? me.name : "")); li.appendChild(el("span", text)); li.appendChild(el("small", say("waiting")));
    placeMessage(li, 1e15);  // after every stored message
    outbox.push({text: text, li: li, after: 0, unsure: false});
    this.text.value = "";
    sendNextChat();
  });
  function sendNextChat() {
    if (sending || !outbox.length || !socket || !socket.connected || !synced) return;
    var item = sending = outbox[0];
    item.after = lastId;
    socket.timeout(ACK_MS).emit("chat", {text: item.text}, function (lost, answer) {
      if (sending !== item) return;
      sending = null;
      if (lost) {  // no answer: it may be stored; the next sync tells (settleUnsure) before it goes again
        item.unsure = true;
        if (socket.connected) { synced = false; socket.emit("sync", {after: lastId}); }
        return;
      }
      if (answer && answer.error) {
        if (answer.error === "rate_limited" || answer.error === "unavailable") return setTimeout(sendNextChat, RETRY_MS);
        if (answer.error === "chat_muted") { putBack(outbox.shift()); return sendNextChat(); }
        outbox.shift();
        item.li.className = "failed"; item.li.lastChild.textContent = answer.message;
      } else chatStored(outbox.shift(), answer && answer.id);
      sendNextChat();
    });
  }
  function chatStored(item, id) {  // the message itself comes (or came) as `chat` to the whole room
    if (!id || seen[id]) { item.li.remove(); return; }
    seen[id] = true;
    item.li.className = ""; item.li.lastChild.remove();
    placeMessage(item.li, id);
  }
  function settleUnsure(messages) {
    var item = outbox[0];
    if (!item || !item.unsure) return;
    item.unsure = false;
    messages.forEach(function (m) {
      if (outbox[0] === item && me && m.name === me.name && m.text === item.text && m.id > item.after) outbox.shift().li.remove();
    });
  }

  // --- moderation: chat pause, removals and letting back in ------------------------------------------
  function putBack(item) {  // a message the pause refused goes back into the box: nothing typed is lost
    var box = $("chatform").text;
    item.li.remove();
    if (!box.value) box.value = item.text;
  }
  function showChatPaused(paused) {
    var form = $("chatform");
    form.text.disabled = paused; $("send").disabled = paused;
    $("chatpaused").hidden = !paused;  // the reason shows at once, and goes at once on resume; the text stays
  }
  function drawRemovals(people) {
    var list = $("removed"); list.textContent = "";
    $("removals").hidden = !people.length;
    people.forEach(function (p) {
      var li = el("li", p.name + " ");
      var back = el("button", say("readmit"), "small ghost"); back.dataset.control = "readmit";
      back.onclick = function () { socket.emit("readmit", {id: p.id}); };
      li.appendChild(back); list.appendChild(li);
    });
  }

  // --- hands and the floor -----------------------------------------------------------------------
  function drawHands(queue) {
    var list = $("hands"); list.textContent = "";
    var mine = false;
    queue.forEach(function (h) {
      if (me && h.id === me.id) mine = true;
      var li = el("li", h.name + " ");
      if (role === "teacher") {
        var give = el("button", say("give_floor"), "small"); give.dataset.control = "give-floor"; give.onclick = function () { socket.emit("floor", {id: h.id}); };
        var done = el("button", say("done"), "small ghost"); done.dataset.control = "hand-done"; done.onclick = function () { socket.emit("hand_lower", {id: h.id}); };
        li.appendChild(give); li.appendChild(document.createTextNode(" ")); li.appendChild(done);
      }
      list.appendChild(li);
    });
    $("hand").textContent = mine ? say("lower") : say("raise");
    $("hand").dataset.up = mine ? "1" : "";
  }
  $("hand").onclick = function () { socket.emit("hand", {up: !this.dataset.up}); };

  function onFloor(f) {
    floor = f;
    var p = $("floor"); p.textContent = "";
    if (f.id) {
      p.textContent = me && f.id === me.id ? say("floor_you") : say("floor_other", {name: f.name});
      if (role === "teacher") {
        var b = el("button", say("take_floor"), "small ghost"); b.dataset.control = "take-floor"; b.onclick = function () { socket.emit("floor", {id: null}); };
        p.appendChild(document.createTextNode(" ")); p.appendChild(b);
      }
    }
    media.floor(f);
  }

  // --- polls -------------------------------------------------------------------------------------
  function drawPoll(results) {
    var box = $("poll"), poll = currentPoll;
    if (!poll) return;
    if (results && results.poll !== poll.id) return;
    box.textContent = "";
    box.appendChild(el("p", poll.question, "q"));
    poll.options.forEach(function (option, i) {
      var row = el("div", null, "bar-row");
      var label = option + (poll.correct === i ? " ✓ " + say("correct") : "");
      if ((role === "student" || role === "class_device") && poll.open) {
        var b = el("button", label, poll.mine === i ? "small" : "small ghost"); b.dataset.control = "answer";
        b.onclick = function () { poll.mine = i; socket.emit("poll_answer", {poll: poll.id, option: i}); drawPoll(results); };
        row.appendChild(b);
      } else row.appendChild(el("span", label, "opt"));
      if (results) {
        var total = results.total || 1, bar = el("i");
        bar.style.width = Math.round(100 * results.counts[i] / total) + "px";
        row.appendChild(bar); row.appendChild(el("span", String(results.counts[i])));
      }
      box.appendChild(row);
    });
    if (results) box.appendChild(el("p", say("votes", {n: results.total}), "muted"));
    box.appendChild(el("p", "", "muted")).id = "pollnote";
    if (role === "teacher" && poll.open) {
      var close = el("button", say("close_poll"), "small ghost"); close.dataset.control = "close-poll";
      close.onclick = function () { socket.emit("poll_close", {poll: poll.id}); };
      box.appendChild(close);
    }
  }
  $("pollform").addEventListener("submit", function (e) {
    e.preventDefault();
    var options = this.options.value.split(";").map(function (s) { return s.trim(); }).filter(Boolean);
    var body = {question: this.question.value.trim(), options: options};
    if (this.quiz.checked) body.correct = 0;
    socket.emit("poll_open", body);
    this.reset();
  });

  // --- whiteboard --------------------------------------------------------------------------------
  var board = $("board"), ctx = board.getContext("2d"), strokes = [], drawing = null, sentUpTo = 0;
  function drawStroke(s) {
    var pts = s.points, sx = board.width / 1000, sy = board.height / 1000;
    if (s.text != null) return drawText(s, sx, sy);
    ctx.strokeStyle = s.color; ctx.lineWidth = s.width; ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath(); ctx.moveTo(pts[0][0] * sx, pts[0][1] * sy);
    for (var i = 1; i < pts.length; i++) ctx.lineTo(pts[i][0] * sx, pts[i][1] * sy);
    if (pts.length === 1) ctx.lineTo(pts[0][0] * sx + 0.1, pts[0][1] * sy);
    ctx.stroke();
  }
  function redraw() { ctx.clearRect(0, 0, board.width, board.height); strokes.forEach(drawStroke); }
  // --- whiteboard tools: pen, eraser, text, undo, and who may draw -----------------------------------
  var tool = "pen", canDraw = false, drawers = [], ERASER = "#ffffff";
  function drawText(s, sx, sy) {
    ctx.fillStyle = s.color; ctx.font = (s.width * 4) + "px system-ui, sans-serif"; ctx.textBaseline = "top";
    ctx.fillText(s.text, s.points[0][0] * sx, s.points[0][1] * sy);
  }
  function mayDraw() { return role === "teacher" || canDraw; }
  function setDrawing(allowed) {
    canDraw = allowed;
    document.body.classList.toggle("can-draw", allowed && role !== "teacher");
  }
  function setTool(next) {
    tool = tool === next ? "pen" : next;
    ["eraser", "textmode"].forEach(function (id) { $(id).setAttribute("aria-pressed", String(tool === (id === "eraser" ? "eraser" : "text"))); });
    if (tool === "text") $("boardtext").focus();
  }
  $("eraser").onclick = function () { setTool("eraser"); };
  $("textmode").onclick = function () { setTool("text"); };
  $("undo").onclick = function () { socket.emit("board_undo", {}); };
  function placeText(point) {
    var text = $("boardtext").value.trim();
    if (!text) { $("boardtext").focus(); return; }
    socket.emit("board_stroke", {points: [point], color: $("pen").value, width: 6, text: text, line: lineNumber()});
    $("boardtext").value = "";
  }
  function lineNumber() { return Math.floor(Date.now() / 10) % 2147483647; }
  function drawToggle(m) {  // the teacher lets a student draw, or stops it
    var allowed = drawers.indexOf(m.id) >= 0;
    var b = el("button", say(allowed ? "stop_draw" : "let_draw"), "small ghost"); b.dataset.control = "allow-draw";
    b.onclick = function () { socket.emit("board_allow", {id: m.id, allowed: !allowed}); };
    var span = el("span"); span.appendChild(document.createTextNode(" ")); span.appendChild(b);
    return span;
  }

  function boardPoint(e) {
    var r = board.getBoundingClientRect();
    return [Math.max(0, Math.min(1000, Math.round(1000 * (e.clientX - r.left) / r.width))),
            Math.max(0, Math.min(1000, Math.round(1000 * (e.clientY - r.top) / r.height)))];
  }
  function sendStroke(final) {
    // Long strokes go in pieces so students see the line grow, not appear at the end.
    if (!drawing || drawing.points.length - sentUpTo < (final ? 1 : 30)) return;
    var from = Math.max(0, sentUpTo - 1), piece = drawing.points.slice(from, from + 400);
    socket.emit("board_stroke", {points: piece, color: drawing.color, width: drawing.width, line: drawing.line});
    sentUpTo = from + piece.length;
  }
  board.addEventListener("pointerdown", function (e) {
    if (!mayDraw()) return;
    if (tool === "text") return placeText(boardPoint(e));
    board.setPointerCapture(e.pointerId);
    drawing = {points: [boardPoint(e)], color: tool === "eraser" ? ERASER : $("pen").value,
               width: tool === "eraser" ? 24 : 4, line: lineNumber()}; sentUpTo = 0;
  });
  board.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    drawing.points.push(boardPoint(e));
    drawStroke({points: drawing.points.slice(-2), color: drawing.color, width: drawing.width});
    sendStroke(false);
  });
  board.addEventListener("pointerup", function () { sendStroke(true); drawing = null; });
  $("clear").onclick = function () { socket.emit("board_clear", {}); };

  // --- slides ------------------------------------------------------------------------------------
  function showSlide(s) {
    slides = s;
    if (!s || !s.deck) return;
    var img = $("slide");
    if (!img) {  // made with its first page: an <img> without a source is not valid HTML
      img = el("img"); img.id = "slide";
      $("slidenote").parentNode.insertBefore(img, $("slidenote"));
    }
    img.src = "/rooms/slides/" + s.deck + "/" + s.page + ".webp?k=" + encodeURIComponent(s.key);
    img.alt = s.title + " " + s.page; img.hidden = false;
    $("slidenote").textContent = say("page", {page: s.page, pages: s.pages});
    $("pageno").textContent = s.page + " / " + s.pages;
    if (s.page < s.pages) new Image().src = "/rooms/slides/" + s.deck + "/" + (s.page + 1) + ".webp?k=" + encodeURIComponent(s.key);
  }
  $("prev").onclick = function () { if (slides && slides.page > 1) socket.emit("slide", {page: slides.page - 1}); };
  $("next").onclick = function () { if (slides && slides.page < slides.pages) socket.emit("slide", {page: slides.page + 1}); };
  $("upload").addEventListener("submit", function (e) {
    e.preventDefault();
    var data = new FormData(this);
    $("uploadnote").textContent = say("uploading");
    fetch(page.upload_url, {method: "POST", body: data, headers: {"X-CSRFToken": page.csrf || "", "Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (body) { $("uploadnote").textContent = body.message || ""; })
      .catch(function () { $("uploadnote").textContent = say("error"); });
  });

  // --- tabs and receive modes --------------------------------------------------------------------
  function showTab(name) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-tab]"), function (b) {
      b.className = b.dataset.tab === name ? "on" : ""; b.setAttribute("aria-selected", String(b.dataset.tab === name));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-pane]"), function (p) { p.hidden = p.dataset.pane !== name; });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-tab]"), function (b) { b.onclick = function () { showTab(b.dataset.tab); }; });
  function setMode(next) {
    mode = next;
    Array.prototype.forEach.call(document.querySelectorAll("[data-mode]"), function (b) { b.className = b.dataset.mode === mode ? "on" : ""; });
    $("teachervideo").hidden = mode !== "full";
    if (mode === "none") showTab("slides");
    media.setMode(mode);
    audioStage(mode === "audio" && role !== "teacher");
  }

  // --- the audio-only stage: "audio-only mode", who speaks, and a level meter of what we hear ----------
  var levelTimer = null, audioContext = null, analyser = null, analysed = null;
  function audioStage(on) {
    $("audiostage").hidden = !on;
    clearInterval(levelTimer); levelTimer = null;
    if (!on) return;
    // Made inside the click that chose the mode: browsers start an AudioContext only after a gesture.
    if (!audioContext && window.AudioContext) audioContext = new AudioContext();
    levelTimer = setInterval(showLevel, 150);
    showLevel();
  }
  function speakerName() {
    if (floor.id) return floor.name;
    var teacher = members.filter(function (m) { return m.role === "teacher"; })[0];
    return teacher ? teacher.name : say("teacher");
  }
  function showLevel() {
    var stream = $("teacheraudio").srcObject;
    if (audioContext && stream && stream !== analysed && stream.getAudioTracks().length) {
      analyser = audioContext.createAnalyser(); analyser.fftSize = 512;
      audioContext.createMediaStreamSource(stream).connect(analyser); analysed = stream;
    }
    var level = 0;
    if (analyser) {
      var samples = new Uint8Array(analyser.fftSize), sum = 0;
      analyser.getByteTimeDomainData(samples);
      for (var i = 0; i < samples.length; i++) { var v = (samples[i] - 128) / 128; sum += v * v; }
      level = Math.min(1, 4 * Math.sqrt(sum / samples.length));
    }
    $("level").value = level;
    $("speaker").textContent = say(level > 0.03 ? "speaking" : "quiet", {name: speakerName()});
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-mode]"), function (b) { b.onclick = function () { setMode(b.dataset.mode); }; });

  function checkConnection() {
    var c = navigator.connection, weak = false;
    if (c && (c.saveData || /(^|-)2g$/.test(c.effectiveType || "") || (c.downlink && c.downlink < 0.4))) weak = true;
    if (socket && socket.connected && socket.io.engine.transport.name === "polling" && Date.now() - startedAt > 15000) weak = true;
    if (media.lossy()) weak = true;
    if (weak && mode === "full" && role !== "teacher") banner(say("weak"), true);
  }
  var startedAt = Date.now();
  setInterval(checkConnection, 10000);

  window.room = {  // for the browser tests and the curious
    get socket() { return socket; }, get peers() { return media.peers; }, get media() { return media; },
    get lastId() { return lastId; }, get strokes() { return strokes; }
  };

  if (page.token) start(page.token);
  else {
    var code = $("joinform").code.value.trim(), saved = code && storedToken(code);
    if (saved) start(saved);
    else $("joinform").hidden = false;  // rendered hidden when a code came with the link: a kept pass may skip it
  }
})();
