"""Live sessions' media through Janus's VideoRoom: what the server does for a participant's browser.

Why a relay and not Janus tokens: with tokens, every browser would speak to Janus itself, and anything the
VideoRoom API allows (publishing without the floor, listing or joining another room whose id it guessed)
would be one crafted message away; the app could only hope the room's pin stayed secret. Here the browser
asks the `/room` namespace for one of a few things (publish, subscribe, answer, a candidate, a layer), the
server checks the role and the floor, and speaks to Janus itself with a secret no browser ever sees, in the
one room of that participant's session. Janus needs no public API port at all (only its media ports), and
no admin API is enabled. The cost is one relayed message per negotiation step, a few per participant."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from .janus import JanusError, JanusGateway

KINDS = {"camera": 1, "screen": 2}
SUBSTREAMS = (0, 1, 2)  # simulcast layers, lowest first
ROOM_BITRATE = 600_000  # the cap Janus asks each publisher for (REMB), all layers together
RECORDING_KEYFRAME_SECONDS = 1.5  # a recording's second keyframe request (sfu.SFU._keyframe_later)


def feed_id(participant_id: int, kind: str) -> int:
    return participant_id * 10 + KINDS[kind]


def sdp_streams(sdp: str) -> dict[str, str]:
    """{mid: "audio"|"video"|...} of an SDP offer, in order."""
    streams, kind = {}, None
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind = line[2:].split(" ", 1)[0]
        elif line.startswith("a=mid:") and kind:
            streams[line[6:].strip()] = kind
    return streams


@dataclass
class Handle:
    id: int
    live_session_id: int
    participant_id: int
    feed: int
    publishing: bool
    streams: list = field(default_factory=list)  # a subscription's streams as Janus described them


class SFU:
    """One per server process (app.extensions["sfu"])."""

    def __init__(self, gateway: JanusGateway, secret: str, recordings: str, announce):
        self.gateway = gateway
        self.secret = secret  # the rooms' secret: only this app may edit, kick, moderate or destroy
        self.recordings = recordings
        self.announce = announce  # called (in a new task) with a live session's id when its feeds changed
        self.handles: dict[tuple[str, str], Handle] = {}  # (Socket.IO sid, "pub:camera" or "sub:<feed>")
        self.rooms: dict[int, int] = {}  # live session id -> gateway generation it was created in
        self.control: tuple[int, int] | None = None  # (generation, handle) for the rooms' own requests
        self.lock = threading.Lock()

    # --- rooms -----------------------------------------------------------------------------------

    def _control(self) -> int:
        self.gateway._ensure()
        if self.control is None or self.control[0] != self.gateway.generation:
            self.control = (self.gateway.generation, self.gateway.attach())
        return self.control[1]

    def room_request(self, body: dict) -> dict:
        data, _ = self.gateway.message(self._control(), dict(body, secret=self.secret), wants_event=False)
        return data

    def ensure_room(self, live_session_id: int) -> None:
        if self.rooms.get(live_session_id) == self.gateway.generation and self.gateway.ws is not None:
            return
        try:
            self.room_request({"request": "create", "room": live_session_id, "admin_key": self.secret,
                               "description": f"session {live_session_id}", "is_private": True,
                               "publishers": 20, "bitrate": ROOM_BITRATE, "fir_freq": 10,
                               "audiocodec": "opus", "videocodec": "vp8", "notify_joining": False,
                               "rec_dir": self.recordings})
        except JanusError as exc:
            if exc.code != 427:  # 427: the room exists (made by another process, or before a restart)
                raise
        self.rooms[live_session_id] = self.gateway.generation

    def destroy_room(self, live_session_id: int) -> None:
        self.rooms.pop(live_session_id, None)
        try:
            self.room_request({"request": "destroy", "room": live_session_id})
        except JanusError as exc:
            if exc.code not in (426, 0):  # 426: no such room (nobody ever sent media)
                raise

    def feeds(self, live_session_id: int) -> list[dict]:
        """The session's active feeds: who publishes what, from Janus itself, so every process agrees."""
        self.ensure_room(live_session_id)
        data = self.room_request({"request": "listparticipants", "room": live_session_id})
        feeds = []
        for publisher in data.get("participants", []):
            if not publisher.get("publisher"):
                continue
            try:
                about = json.loads(publisher.get("display") or "")
            except ValueError:
                continue
            feeds.append({"feed": publisher["id"], "participant": about["p"], "kind": about["k"],
                          "audio": "audio" in about["m"].values(), "video": "video" in about["m"].values()})
        return sorted(feeds, key=lambda f: f["feed"])

    # --- publishing ------------------------------------------------------------------------------

    def publish(self, sid: str, live_session_id: int, participant_id: int, kind: str, offer: dict,
                record_as: str | None) -> dict:
        """Joins `participant_id`'s `kind` feed to the room with the browser's offer; returns Janus's answer.
        A second publish of the same kind replaces the first (a renegotiation after a device change)."""
        self.ensure_room(live_session_id)
        self.unpublish(sid, kind)
        streams = sdp_streams(offer["sdp"])
        feed = feed_id(participant_id, kind)
        handle = Handle(0, live_session_id, participant_id, feed, True)
        handle.id = self.gateway.attach(lambda event: self._publisher_event(handle, event))
        self.handles[(sid, f"pub:{kind}")] = handle
        body = {"request": "joinandconfigure", "ptype": "publisher", "room": live_session_id, "id": feed,
                "display": json.dumps({"p": participant_id, "k": kind, "m": streams}, separators=(",", ":"))}
        if record_as:
            body.update(record=True, filename=record_as)
        try:
            _, answer = self.gateway.message(handle.id, body, offer)
        except JanusError as exc:
            self._forget(sid, f"pub:{kind}")
            if exc.code == 436:  # the feed id is taken: a stale publisher of the same person (an old tab)
                self.kick(live_session_id, feed)
                return self.publish(sid, live_session_id, participant_id, kind, offer, record_as)
            raise
        return answer

    def _publisher_event(self, handle: Handle, event: dict) -> None:
        if event.get("janus") in ("webrtcup", "hangup", "detached"):
            self.gateway.start_task(self.announce, handle.live_session_id)

    def unpublish(self, sid: str, kind: str) -> bool:
        return self._forget(sid, f"pub:{kind}")

    def kick(self, live_session_id: int, feed: int) -> None:
        """Ends a feed whichever process holds its handle (the floor taken back, a removal)."""
        try:
            self.room_request({"request": "kick", "room": live_session_id, "id": feed})
        except JanusError as exc:
            if exc.code not in (426, 428, 0):  # no such room or no such feed: nothing to end
                raise

    def moderate(self, live_session_id: int, feed: int, mids: list[str], muted: bool) -> None:
        """Janus stops (or resumes) relaying a feed's audio to everyone: the teacher mutes a student."""
        for mid in mids:
            self.room_request({"request": "moderate", "room": live_session_id, "id": feed, "mid": mid,
                               "mute": muted})

    def recording(self, live_session_id: int, sid: str, record_as: str | None) -> bool:
        """Starts or stops recording the teacher's camera feed held by `sid`; False if it is not publishing."""
        handle = self.handles.get((sid, "pub:camera"))
        if handle is None:
            return False
        body = {"request": "configure", "record": bool(record_as)}
        if record_as:
            body["filename"] = record_as
        # No "keyframe" here: Janus asks the browser for one itself once the recorder exists. Asked for in this
        # request, the keyframe request goes out before the recorder is made, the browser's keyframe can arrive
        # before it (a loaded machine), and Janus's own request a moment later is dropped by the browser (it
        # ignores requests within 300 ms of the last) and by Janus (one a second): a recording with no picture.
        self.gateway.message(handle.id, body)
        if record_as:
            self.gateway.start_task(self._keyframe_later, handle, RECORDING_KEYFRAME_SECONDS)
        return True

    def _keyframe_later(self, handle: Handle, seconds: float) -> None:
        """A second keyframe request a moment into a recording, past both limits above: a recording begins
        with the first keyframe Janus sees, and one lost on a weak link would otherwise leave it without a
        picture until the room's regular request (`fir_freq`)."""
        time.sleep(seconds)
        if not any(held is handle for held in self.handles.values()):  # the camera stopped meanwhile
            return
        try:
            self.gateway.message(handle.id, {"request": "configure", "keyframe": True})
        except JanusError as exc:  # Janus went away: a second request is all this loses
            self.gateway.logger.warning("recording keyframe request failed: %s", exc)

    # --- subscribing -----------------------------------------------------------------------------

    def subscribe(self, sid: str, live_session_id: int, participant_id: int, feed: int, audio_only: bool,
                  substream: int | None = None) -> tuple[dict, list]:
        """A subscription to one feed of the room: Janus's offer and its streams. Audio only subscribes to the
        feed's audio and nothing else, so no video byte is ever sent."""
        self.ensure_room(live_session_id)
        self.unsubscribe(sid, feed)
        published = {f["feed"]: f for f in self.feeds(live_session_id)}
        if feed not in published:
            raise JanusError(428, "no such feed in this room")
        target = {"feed": feed}
        if substream is not None:
            target["substream"] = substream
        streams = [target]
        if audio_only:
            publisher = next(p for p in self._participants(live_session_id) if p["id"] == feed)
            mids = json.loads(publisher["display"])["m"]
            streams = [{"feed": feed, "mid": mid} for mid, kind in mids.items() if kind == "audio"]
            if not streams:
                raise JanusError(428, "this feed has no audio")
        handle = Handle(0, live_session_id, participant_id, feed, False)
        handle.id = self.gateway.attach()
        self.handles[(sid, f"sub:{feed}")] = handle
        try:
            data, offer = self.gateway.message(handle.id, {"request": "join", "ptype": "subscriber",
                                                           "room": live_session_id, "streams": streams,
                                                           "autoupdate": False})
        except JanusError:
            self._forget(sid, f"sub:{feed}")
            raise
        handle.streams = data.get("streams", [])
        return offer, handle.streams

    def _participants(self, live_session_id: int) -> list[dict]:
        return self.room_request({"request": "listparticipants", "room": live_session_id}).get("participants", [])

    def start(self, sid: str, feed: int, answer: dict) -> None:
        handle = self._handle(sid, f"sub:{feed}")
        self.gateway.message(handle.id, {"request": "start"}, answer)

    def layer(self, sid: str, feed: int, substream: int) -> None:
        handle = self._handle(sid, f"sub:{feed}")
        mids = [s["mid"] for s in handle.streams if s.get("type") == "video"]
        if mids:
            self.gateway.message(handle.id, {"request": "configure",
                                             "streams": [{"mid": mid, "substream": substream} for mid in mids]})

    def unsubscribe(self, sid: str, feed: int) -> bool:
        return self._forget(sid, f"sub:{feed}")

    def trickle(self, sid: str, target: str, candidate: dict | None) -> None:
        self.gateway.trickle(self._handle(sid, target).id, candidate)

    # --- handles ---------------------------------------------------------------------------------

    def _handle(self, sid: str, key: str) -> Handle:
        handle = self.handles.get((sid, key))
        if handle is None:
            raise JanusError(458, "no such negotiation")
        return handle

    def _forget(self, sid: str, key: str) -> bool:
        handle = self.handles.pop((sid, key), None)
        if handle is None:
            return False
        try:
            self.gateway.detach(handle.id)
        except JanusError:
            pass  # Janus may have ended it already (a kick, a restart)
        return True

    def leave(self, sid: str) -> set[int]:
        """Everything a closed connection had; returns the sessions whose feeds changed."""
        changed = set()
        for key in [k for k in self.handles if k[0] == sid]:
            handle = self.handles.get(key)
            if handle is not None and handle.publishing:
                changed.add(handle.live_session_id)
            self._forget(*key)
        return changed

    def holds(self, sid: str, key: str) -> bool:
        return (sid, key) in self.handles

