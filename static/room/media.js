/* The room's audio and video: a mesh (the teacher's browser calls each member) or, when the server has Janus,
   the SFU path (everyone publishes to and subscribes from Janus through the /room namespace). The teacher's
   controls (microphone, camera, device, screen share, muting the floor) work on both.
   room.js calls: RoomMedia(ctx) once, then .state(), .presence(), .floor(), .setMode(), .stop(). */
window.RoomMedia = function (ctx) {
  "use strict";
  var $ = ctx.$, say = ctx.say, el = ctx.el;
  var socket = null, me = null, mode = "full", source = "camera", members = [], teacherId = null, floorId = null;
  var sfu = false, ice = {iceServers: []};
  var camStream = null, screenStream = null, micTrack = null, mutedByTeacher = false;
  var peers = {};      // mesh: participant id -> {pc, audio, screenId}
  var pubs = {};       // sfu: "camera"/"screen" -> RTCPeerConnection we publish on
  var subs = {};       // sfu: feed -> {pc, want, feed}
  var feeds = [];      // sfu: what Janus relays now
  var layer = {pick: "auto", current: 2, good: 0, last: null};
  var recording = false;
  // The camera's three simulcast layers, about 640x360, 320x180 and 160x90 whatever the camera gives. Chromium
  // sends only as many layers as the camera's picture allows (two below 960x540: the lowest went unsent at
  // 640x360), so the camera is asked for 1280x720 and each layer scaled down from it.
  function simulcast(track) {
    var width = (track && track.getSettings && track.getSettings().width) || 640, top = Math.max(1, width / 640);
    return [{rid: "h", maxBitrate: 500000, scaleResolutionDownBy: top},
            {rid: "m", maxBitrate: 200000, scaleResolutionDownBy: 2 * top},
            {rid: "l", maxBitrate: 80000, scaleResolutionDownBy: 4 * top}];
  }
  var teacher = function () { return me && me.role === "teacher"; };

  function emit(name, body) { if (socket && socket.connected) socket.emit(name, body); }
  function show(id, on) { var n = $(id); if (n) n.hidden = !on; }
  function setText(id, key) { var n = $(id); if (n) n.textContent = say(key); }

  // --- what the page shows ---------------------------------------------------------------------
  function showMode() {
    var n = $("mediamode");
    if (!n) return;
    n.textContent = say(sfu ? "media_sfu" : "media_mesh");
    n.dataset.mode = sfu ? "sfu" : "mesh";
  }
  function drawControls() {
    var live = !!camStream;
    show("camera", teacher() && !live);
    ["mic", "cam", "screen", "camsel", "micsel"].forEach(function (id) { show(id, teacher() && live); });
    show("record", teacher() && live && sfu);  // Janus records; a mesh has nothing in the middle to record
    setText("record", recording ? "record_stop" : "record_start");
    $("record").setAttribute("aria-pressed", recording ? "true" : "false");
    show("recnote", recording);
    if (!live) return;
    var audio = camStream.getAudioTracks()[0], video = camStream.getVideoTracks()[0];
    setText("mic", audio && audio.enabled ? "mic_off" : "mic_on");
    $("mic").setAttribute("aria-pressed", audio && !audio.enabled ? "true" : "false");
    setText("cam", video ? "cam_off" : "cam_on");
    setText("screen", screenStream ? "screen_stop" : "screen_start");
  }
  function drawSources() {  // a student switches between the teacher's camera and screen
    var hasScreen = sfu ? feeds.some(function (f) { return f.kind === "screen"; })
                        : !!(teacherId && peers[teacherId] && peers[teacherId].screen);
    show("sources", !teacher() && hasScreen);
    if (!hasScreen && source === "screen") source = "camera";
    Array.prototype.forEach.call(document.querySelectorAll("[data-source]"), function (b) {
      b.className = b.dataset.source === source ? "small on" : "small ghost";
    });
    show("layerpick", !teacher() && sfu && mode === "full");
  }
  function showVideo(stream) {
    var v = $("teachervideo");
    if (v.srcObject !== stream) v.srcObject = stream;
    $("videonote").hidden = !!stream;
  }

  // --- the teacher's camera, microphone, devices and screen ------------------------------------
  function constraints(kind) {
    var picked = $(kind === "video" ? "camsel" : "micsel"), id = picked && picked.value;
    // Through Janus the picture is taken at 1280x720 and sent scaled down (simulcast, above); the mesh sends it
    // as taken to every student, so there it is taken at 640x360.
    var size = sfu ? {width: {ideal: 1280}, height: {ideal: 720}} : {width: 640, height: 360};
    var c = kind === "video" ? Object.assign(size, {frameRate: 15}) : {echoCancellation: true};
    if (id) c.deviceId = {exact: id};
    return c;
  }
  function startCamera() {
    return navigator.mediaDevices.getUserMedia({audio: constraints("audio"), video: constraints("video")})
      .then(function (stream) {
        camStream = stream; showVideo(stream); drawControls(); listDevices();
        if (sfu) publish("camera"); else callEveryone();
      })
      .catch(function () { ctx.banner(say("no_media")); });
  }
  function listDevices() {
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      [["videoinput", "camsel", camStream.getVideoTracks()[0]], ["audioinput", "micsel", camStream.getAudioTracks()[0]]]
        .forEach(function (spec) {
          var select = $(spec[1]), current = spec[2] && spec[2].getSettings().deviceId;
          if (!select) return;
          select.textContent = "";
          devices.filter(function (d) { return d.kind === spec[0]; }).forEach(function (d, i) {
            var o = el("option", d.label || (say(spec[0] === "videoinput" ? "camera_n" : "mic_n") + " " + (i + 1)));
            o.value = d.deviceId; o.selected = d.deviceId === current; select.appendChild(o);
          });
        });
    });
  }
  function senders() {  // every sender of the teacher's camera stream, on whichever path
    var list = [];
    if (sfu) { if (pubs.camera) list = pubs.camera.getSenders(); }
    else Object.keys(peers).forEach(function (id) { list = list.concat(peers[id].pc.getSenders().filter(function (s) { return !s._screen; })); });
    return list;
  }
  function swapTrack(kind, track) {  // a new device, or the camera off/on: no renegotiation needed
    camStream.getTracks().filter(function (t) { return t.kind === kind; }).forEach(function (t) { t.stop(); camStream.removeTrack(t); });
    if (track) camStream.addTrack(track);
    senders().forEach(function (s) {
      if (s._kind !== kind && !(s.track && s.track.kind === kind)) return;
      s._kind = kind;
      var peer = s._peer;  // mesh: a student who asked for audio only keeps getting no video
      s.replaceTrack(peer && !wants(peer, kind) ? null : track);
    });
    showVideo(camStream); drawControls();
  }
  function useDevice(kind) {
    var spec = {}; spec[kind] = constraints(kind);
    navigator.mediaDevices.getUserMedia(spec).then(function (stream) {
      var track = kind === "video" ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
      var old = camStream.getTracks().filter(function (t) { return t.kind === kind; })[0];
      if (kind === "audio" && old) track.enabled = old.enabled;  // a muted microphone stays muted
      swapTrack(kind, track);
    }).catch(function () { ctx.banner(say("no_media")); });
  }
  function toggleMic() {
    var audio = camStream && camStream.getAudioTracks()[0];
    if (audio) audio.enabled = !audio.enabled;
    drawControls();
  }
  function toggleCam() {
    if (camStream.getVideoTracks()[0]) swapTrack("video", null);
    else useDevice("video");
  }
  function toggleScreen() {
    if (screenStream) return stopScreen();
    navigator.mediaDevices.getDisplayMedia({video: {frameRate: 10}, audio: false}).then(function (stream) {
      screenStream = stream;
      stream.getVideoTracks()[0].onended = stopScreen;  // the browser's own "stop sharing"
      if (sfu) publish("screen");
      else Object.keys(peers).forEach(function (id) { addScreen(peers[id], +id); });
      drawControls();
    }).catch(function () { ctx.banner(say("no_screen")); });
  }
  function stopScreen() {
    if (!screenStream) return;
    screenStream.getTracks().forEach(function (t) { t.stop(); });
    screenStream = null;
    if (sfu) unpublish("screen");
    else Object.keys(peers).forEach(function (id) {
      var entry = peers[id];
      entry.pc.getSenders().forEach(function (s) { if (s._screen) entry.pc.removeTrack(s); });
      offer(+id, entry);
    });
    drawControls();
  }
  $("camera").onclick = startCamera;
  $("mic").onclick = toggleMic;
  $("cam").onclick = toggleCam;
  $("screen").onclick = toggleScreen;
  $("record").onclick = function () { emit("media_record", {on: !recording}); };
  function onRecording(body) { recording = body.on; drawControls(); }
  $("camsel").onchange = function () { if (camStream.getVideoTracks()[0]) useDevice("video"); };
  $("micsel").onchange = function () { useDevice("audio"); };
  Array.prototype.forEach.call(document.querySelectorAll("[data-source]"), function (b) {
    b.onclick = function () { source = b.dataset.source; reconcile(); drawSources(); };
  });
  $("layer").onchange = function () {
    layer.pick = this.value;
    if (layer.pick !== "auto") setLayer(+layer.pick);
  };

  // --- speaking with the floor, and the teacher muting it --------------------------------------
  function startSpeaking() {
    navigator.mediaDevices.getUserMedia({audio: true}).then(function (stream) {
      micTrack = stream.getAudioTracks()[0];
      micTrack.enabled = !mutedByTeacher;
      if (sfu) return publish("camera");
      var entry = peers[teacherId];
      if (!entry) return;
      entry.pc.addTrack(micTrack, stream);
      offer(teacherId, entry);
    }).catch(function () { ctx.banner(say("no_media")); });
  }
  function stopSpeaking() {
    if (!micTrack) return;
    if (sfu) unpublish("camera");
    Object.keys(peers).forEach(function (id) {
      peers[id].pc.getSenders().forEach(function (s) { if (s.track === micTrack) s.replaceTrack(null); });
    });
    micTrack.stop(); micTrack = null;
  }
  function drawFloorMute(f) {
    var box = $("floormute");
    if (!box) return;
    box.textContent = "";
    if (!teacher() || !f.id) return;
    var b = el("button", say(f.muted ? "unmute_student" : "mute_student"), "small ghost");
    b.id = "mutefloor";
    b.onclick = function () { emit("media_mute", {id: f.id, muted: !f.muted}); };
    box.appendChild(b);
  }
  var floorState = {id: null, muted: false};
  function onMuted(body) {
    if (body.id !== floorState.id) return;
    floorState.muted = body.muted;
    drawFloorMute(floorState);
    if (me && body.id === me.id) {
      mutedByTeacher = body.muted;
      if (micTrack) micTrack.enabled = !body.muted;
      ctx.banner(say(body.muted ? "you_muted" : "you_unmuted"));
    }
    if (!sfu && teacher() && peers[body.id]) peers[body.id].audio.muted = body.muted;
  }

  // --- the mesh: the teacher calls each member; signalling goes to one peer through the server ----
  function signal(to, kind, data) { emit("signal", {to: to, kind: kind, data: data}); }
  function wants(entry, kind) { return entry.mode === "full" || (entry.mode === "audio" && kind === "audio"); }
  function peer(id) {
    if (peers[id]) return peers[id];
    var pc = new RTCPeerConnection(ice), entry = {pc: pc, audio: el("audio"), mode: "full", screen: null};
    entry.audio.autoplay = true; $("flooraudio").appendChild(entry.audio);
    pc.onicecandidate = function (e) { if (e.candidate) signal(id, "ice", e.candidate.toJSON()); };
    pc.ontrack = function (e) {
      var stream = e.streams[0] || new MediaStream([e.track]);
      if (teacher()) { entry.audio.srcObject = stream; entry.audio.muted = floorId !== id || floorState.muted; return; }
      if (entry.screenId && stream.id === entry.screenId) { entry.screen = stream; drawSources(); }
      else if (e.track.kind === "video") entry.camera = stream;
      else $("teacheraudio").srcObject = stream;
      showMeshVideo();
    };
    peers[id] = entry;
    return entry;
  }
  function showMeshVideo() {
    var entry = peers[teacherId];
    if (!entry) return;
    showVideo(source === "screen" && entry.screen ? entry.screen : entry.camera || null);
  }
  function closePeer(id) { if (peers[id]) { peers[id].pc.close(); peers[id].audio.remove(); delete peers[id]; } }
  function offer(id, entry) {
    entry.pc.createOffer().then(function (o) { return entry.pc.setLocalDescription(o); })
      .then(function () {
        var data = entry.pc.localDescription.toJSON();
        if (screenStream) data.screen = screenStream.id;  // which incoming stream is the screen
        signal(id, "offer", data);
      });
  }
  function addScreen(entry, id) {
    var track = screenStream.getVideoTracks()[0];
    var s = entry.pc.addTrack(track, screenStream);
    s._screen = true; s._peer = entry;
    if (!wants(entry, "video")) s.replaceTrack(null);
    offer(id, entry);
  }
  function callEveryone() {
    if (!camStream || sfu) return;
    var present = {};
    members.forEach(function (m) {
      if (m.role === "teacher") return;
      present[m.id] = true;
      if (!peers[m.id]) call(m.id);
    });
    Object.keys(peers).forEach(function (id) { if (!present[id]) closePeer(id); });
  }
  function call(id) {
    var entry = peer(id);
    camStream.getTracks().forEach(function (t) { var s = entry.pc.addTrack(t, camStream); s._kind = t.kind; s._peer = entry; });
    if (screenStream) {
      var s = entry.pc.addTrack(screenStream.getVideoTracks()[0], screenStream); s._screen = true; s._peer = entry;
    }
    offer(id, entry);
  }
  function applyMode(entry, wanted) {  // teacher side: send a student only what they asked for
    entry.mode = wanted;
    entry.pc.getSenders().forEach(function (s) {
      if (s._screen) return s.replaceTrack(wanted === "full" && screenStream ? screenStream.getVideoTracks()[0] : null);
      if (!s._kind) return;
      s.replaceTrack(wants(entry, s._kind) ? camStream.getTracks().filter(function (t) { return t.kind === s._kind; })[0] || null : null);
    });
  }
  function onSignal(msg) {
    var from = msg.from, data = msg.data, entry;
    if (sfu) return;
    if (msg.kind === "offer") {
      entry = peer(from);
      entry.screenId = data.screen || null;
      if (!entry.screenId) { entry.screen = null; drawSources(); showMeshVideo(); }
      entry.pc.setRemoteDescription({type: data.type, sdp: data.sdp})
        .then(function () { return entry.pc.createAnswer(); })
        .then(function (a) { return entry.pc.setLocalDescription(a); })
        .then(function () { signal(from, "answer", entry.pc.localDescription.toJSON()); if (mode !== "full") api.setMode(mode); });
    } else if (msg.kind === "answer" && peers[from]) {
      peers[from].pc.setRemoteDescription(data);
    } else if (msg.kind === "ice" && peers[from]) {
      peers[from].pc.addIceCandidate(data).catch(function () { /* a late candidate of a closed call */ });
    } else if (msg.kind === "mode" && peers[from] && teacher()) {
      applyMode(peers[from], data && data.mode);
    } else if (msg.kind === "bye") closePeer(from);
  }

  // --- the SFU: publish to Janus, subscribe from it, all through the server ---------------------
  function publish(kind) {
    var stream = kind === "screen" ? screenStream : camStream;
    if (pubs[kind]) pubs[kind].close();
    var pc = pubs[kind] = new RTCPeerConnection(ice);
    // Janus's handle exists once the server has relayed the offer: candidates wait for the answer.
    pc._held = [];
    pc.onicecandidate = function (e) {
      var body = {target: "pub:" + kind, candidate: e.candidate ? e.candidate.toJSON() : null};
      if (pc._held) pc._held.push(body); else emit("media_trickle", body);
    };
    if (kind === "camera" && !teacher()) {  // a student with the floor: the voice only
      pc.addTransceiver(micTrack, {direction: "sendonly"});
    } else {
      stream.getAudioTracks().forEach(function (t) { pc.addTransceiver(t, {direction: "sendonly", streams: [stream]})._kind = "audio"; });
      stream.getVideoTracks().forEach(function (t) {
        var init = {direction: "sendonly", streams: [stream]};
        if (kind === "camera") init.sendEncodings = simulcast(t);
        else init.sendEncodings = [{maxBitrate: 800000}];
        pc.addTransceiver(t, init);
      });
      if (kind === "camera" && !stream.getVideoTracks().length) pc.addTransceiver("video", {direction: "sendonly", sendEncodings: simulcast(null)});
    }
    pc.getSenders().forEach(function (s) { if (s.track) s._kind = s.track.kind; });
    pc.getTransceivers().forEach(function (t) { if (!t.sender.track) t.sender._kind = "video"; });
    pc.createOffer().then(function (o) { return pc.setLocalDescription(o); })
      .then(function () { emit("media_publish", {kind: kind, jsep: {type: "offer", sdp: pc.localDescription.sdp}}); });
  }
  function unpublish(kind) {
    if (pubs[kind]) { pubs[kind].close(); delete pubs[kind]; }
    emit("media_unpublish", {kind: kind});
  }
  function onAnswer(body) {
    var pc = pubs[body.kind];
    if (!pc) return;
    pc.setRemoteDescription(body.jsep).catch(function () { ctx.banner(say("error")); });
    (pc._held || []).forEach(function (held) { emit("media_trickle", held); });
    pc._held = null;
  }
  function wanted() {  // feed -> "full" | "audio": what this member should receive now
    var want = {};
    if (mode === "none") return want;
    feeds.forEach(function (f) {
      if (me && f.participant === me.id) return;
      var fromTeacher = f.participant === teacherId || (!teacherId && f.kind === "screen");
      if (f.kind === "screen") { if (!teacher() && mode === "full" && source === "screen") want[f.feed] = "full"; return; }
      if (fromTeacher) want[f.feed] = mode === "full" && source === "camera" && f.video ? "full" : "audio";
      else if (f.audio) want[f.feed] = "audio";  // the student who has the floor
    });
    if (teacher()) Object.keys(want).forEach(function (k) { want[k] = "audio"; });
    return want;
  }
  function reconcile() {
    if (!sfu) { showMeshVideo(); return; }
    var want = wanted();
    Object.keys(subs).forEach(function (feed) { if (subs[feed].want !== want[feed]) unsubscribe(+feed); });
    Object.keys(want).forEach(function (feed) {
      if (subs[feed]) return;
      subs[feed] = {want: want[feed], pc: null, feed: +feed};
      var body = {feed: +feed, audio_only: want[feed] === "audio"};
      if (isCamera(+feed) && layer.pick !== "auto") body.substream = +layer.pick;
      emit("media_subscribe", body);
    });
    drawSources();
  }
  function isCamera(feed) { return feeds.some(function (f) { return f.feed === feed && f.kind === "camera" && f.participant === teacherId; }); }
  function isScreen(feed) { return feeds.some(function (f) { return f.feed === feed && f.kind === "screen"; }); }
  function unsubscribe(feed) {
    var sub = subs[feed];
    if (!sub) return;
    if (sub.pc) sub.pc.close();
    if (sub.audio) sub.audio.remove();
    delete subs[feed];
    emit("media_unsubscribe", {feed: feed});
  }
  function onOffer(body) {
    var sub = subs[body.feed];
    if (!sub) return emit("media_unsubscribe", {feed: body.feed});
    var pc = sub.pc = new RTCPeerConnection(ice);
    pc.onicecandidate = function (e) { emit("media_trickle", {target: "sub:" + body.feed, candidate: e.candidate ? e.candidate.toJSON() : null}); };
    pc.ontrack = function (e) {
      var stream = new MediaStream([e.track]);
      if (e.track.kind === "video") { sub.video = stream; showSfuVideo(); return; }
      if (isCamera(body.feed)) { $("teacheraudio").srcObject = stream; return; }
      if (!sub.audio) { sub.audio = el("audio"); sub.audio.autoplay = true; $("flooraudio").appendChild(sub.audio); }
      sub.audio.srcObject = stream;
    };
    pc.setRemoteDescription(body.jsep)
      .then(function () { return pc.createAnswer(); })
      .then(function (a) { return pc.setLocalDescription(a); })
      .then(function () { emit("media_start", {feed: body.feed, jsep: {type: "answer", sdp: pc.localDescription.sdp}}); });
  }
  function showSfuVideo() {
    var shown = null;
    Object.keys(subs).forEach(function (feed) {
      var sub = subs[feed];
      if (!sub.video) return;
      if (isScreen(+feed) ? source === "screen" : source === "camera") shown = sub.video;
    });
    if (!teacher()) showVideo(shown);
  }
  function onFeeds(body) {
    feeds = body.feeds;
    reconcile();
  }

  // --- simulcast: the layer this student's link carries ----------------------------------------
  function setLayer(substream) {
    layer.current = substream;
    Object.keys(subs).forEach(function (feed) {
      if (isCamera(+feed) && subs[feed].want === "full") emit("media_layer", {feed: +feed, substream: substream});
    });
    var n = $("layernow"); if (n) n.textContent = say("layer_" + substream);
  }
  function watchLayer() {  // down at once on loss or a stalled picture, up after 10 s that were clean
    var sub = Object.keys(subs).map(function (k) { return subs[k]; }).filter(function (s) { return s.pc && s.video && isCamera(s.feed); })[0];
    if (!sub) return;
    sub.pc.getStats().then(function (stats) {
      var now = null;
      stats.forEach(function (r) { if (r.type === "inbound-rtp" && r.kind === "video") now = r; });
      if (!now) return;
      var last = layer.last; layer.last = {lost: now.packetsLost || 0, got: now.packetsReceived || 0, bytes: now.bytesReceived || 0, at: now.timestamp};
      if (!last || layer.pick !== "auto") return;
      var lost = layer.last.lost - last.lost, got = layer.last.got - last.got;
      var kbps = 8 * (layer.last.bytes - last.bytes) / Math.max(1, layer.last.at - last.at);
      var loss = lost / Math.max(1, lost + got);
      if ((loss > 0.05 || (got === 0 && mode === "full")) && layer.current > 0) { layer.good = 0; setLayer(layer.current - 1); }
      else if (loss < 0.01 && kbps > 0 && ++layer.good >= 5 && layer.current < 2) { layer.good = 0; setLayer(layer.current + 1); }
      sub.kbps = kbps; sub.loss = loss;
    });
  }
  setInterval(function () { if (sfu && !teacher()) watchLayer(); }, 2000);

  // --- what room.js tells us -------------------------------------------------------------------
  var api = {
    attach: function (s) {
      socket = s;
      socket.on("signal", onSignal);
      socket.on("media_feeds", onFeeds);
      socket.on("media_answer", onAnswer);
      socket.on("media_offer", onOffer);
      socket.on("media_muted", onMuted);
      socket.on("recording", onRecording);
      socket.on("disconnect", function () { api.drop(); });
    },
    state: function (state) {
      me = state.you;
      var media = state.media || {mode: "mesh", ice_servers: []};
      sfu = media.mode === "sfu";
      ice = {iceServers: media.ice_servers || []};
      if (media.ice_policy === "relay") ice.iceTransportPolicy = "relay";
      recording = !!media.recording;
      showMode(); drawControls(); drawSources();
      if (sfu) {
        emit("media_feeds", {});
        if (camStream && teacher()) publish("camera");
        if (screenStream && teacher()) publish("screen");
        if (micTrack) publish("camera");
      }
    },
    presence: function (list) {
      members = list;
      teacherId = null;
      members.forEach(function (m) { if (m.role === "teacher") teacherId = m.id; });
      if (teacher()) callEveryone();
      else if (sfu) reconcile();
    },
    floor: function (f) {
      var had = floorId && me && floorId === me.id;
      floorId = f.id;
      if (floorState.id !== f.id) floorState = {id: f.id, muted: false};
      mutedByTeacher = false;
      drawFloorMute(floorState);
      if (me && f.id === me.id && !had) startSpeaking();
      if (had && !(me && f.id === me.id)) stopSpeaking();
      if (teacher() && !sfu) Object.keys(peers).forEach(function (id) { peers[id].audio.muted = +id !== f.id; });
    },
    setMode: function (next) {
      mode = next;
      if (sfu) return reconcile();
      showMeshVideo();
      // The teacher stops sending what we do not want, so the bytes are really saved.
      if (teacherId && !teacher()) signal(teacherId, "mode", {mode: mode});
    },
    drop: function () {  // the connection went: Janus lets go of our handles, the mesh's calls end
      Object.keys(peers).forEach(closePeer);
      Object.keys(pubs).forEach(function (k) { pubs[k].close(); delete pubs[k]; });
      Object.keys(subs).forEach(function (k) { var s = subs[k]; if (s.pc) s.pc.close(); if (s.audio) s.audio.remove(); delete subs[k]; });
      feeds = [];
    },
    stop: function () {
      api.drop();
      [camStream, screenStream].forEach(function (s) { if (s) s.getTracks().forEach(function (t) { t.stop(); }); });
      if (micTrack) micTrack.stop();
    },
    lossy: function () {  // the mesh's hint for a lighter mode: more than 8% of the teacher's video lost
      var entry = teacherId && peers[teacherId];
      return entry ? entry.lossy : false;
    },
    get peers() { return peers; }, get subs() { return subs; }, get feeds() { return feeds; },
    get pubs() { return pubs; }, get layer() { return layer; }, get sfu() { return sfu; }
  };
  setInterval(function () {  // mesh: a student watches loss of the teacher's stream to suggest a lighter mode
    var entry = teacherId && peers[teacherId];
    if (!entry || teacher()) return;
    entry.pc.getStats().then(function (stats) {
      stats.forEach(function (r) {
        if (r.type === "inbound-rtp" && r.kind === "video" && r.packetsReceived > 100) {
          entry.lossy = r.packetsLost / (r.packetsLost + r.packetsReceived) > 0.08;
        }
      });
    });
  }, 10000);
  return api;
};
