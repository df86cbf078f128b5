"""The app's one connection to Janus (WebSocket API): one Janus session per server process, a handle per
PeerConnection of a participant. Browsers never talk to Janus; the `/room` namespace relays what they may do.

Janus answers a plugin message with `ack` and later an `event` carrying the same transaction; events with no
transaction of ours (`webrtcup`, `hangup`, a publisher leaving) go to the handle's listener."""
from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

KEEPALIVE_SECONDS = 25  # Janus drops a session silent for session_timeout (60 s)
REPLY_SECONDS = 10


class JanusError(Exception):
    """Janus refused a request, or could not be reached; `code` is Janus's (or 0 for a transport failure)."""

    def __init__(self, code: int, reason: str):
        super().__init__(f"janus {code}: {reason}")
        self.code, self.reason = code, reason


@dataclass
class Pending:
    wants_event: bool
    done: threading.Event = field(default_factory=threading.Event)
    reply: dict | None = None


class JanusGateway:
    def __init__(self, url: str, api_secret: str, start_task: Callable, logger):
        parts = urlsplit(url)
        self.url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
        self.api_secret = api_secret
        self.start_task = start_task  # socketio.start_background_task: a thread, or a greenlet under gevent
        self.logger = logger
        self.lock = threading.Lock()
        self.send_lock = threading.Lock()
        self.ws = None
        self.session_id: int | None = None
        self.generation = 0  # a new Janus session (after Janus restarted or the socket dropped) is a new one
        self.pending: dict[str, Pending] = {}
        self.listeners: dict[int, Callable[[dict], None]] = {}
        self.transactions = itertools.count(1)

    # --- the connection ------------------------------------------------------------------------------

    def _ensure(self) -> None:
        if self.ws is not None:
            return
        with self.lock:
            if self.ws is not None:
                return
            import simple_websocket
            try:
                ws = simple_websocket.Client.connect(self.url, subprotocols=["janus-protocol"])
            except Exception as exc:  # refused, DNS, handshake: the room falls back to saying media is away
                raise JanusError(0, f"cannot reach Janus at {self.url}: {exc}") from None
            self.ws = ws
            self.generation += 1
            self.start_task(self._read, ws)
            try:
                self.session_id = self._send({"janus": "create"})["data"]["id"]
            except BaseException:
                self._drop(ws)
                raise
            self.start_task(self._keepalive, ws, self.session_id)

    def _drop(self, ws) -> None:
        if self.ws is ws:
            self.ws, self.session_id = None, None
            self.listeners.clear()
            for pending in list(self.pending.values()):
                pending.reply = {"janus": "error", "error": {"code": 0, "reason": "connection to Janus lost"}}
                pending.done.set()
        try:
            ws.close()
        except Exception:
            pass

    def _read(self, ws) -> None:
        while True:
            try:
                raw = ws.receive(timeout=None)
            except Exception:
                raw = None
            if raw is None:
                if self.ws is ws:
                    self.logger.warning("the connection to Janus closed")
                self._drop(ws)
                return
            try:
                self._dispatch(json.loads(raw))
            except Exception:
                self.logger.exception("a Janus message could not be handled")

    def _dispatch(self, message: dict) -> None:
        pending = self.pending.get(message.get("transaction") or "")
        if pending is not None:
            if message.get("janus") == "ack" and pending.wants_event:
                return
            pending.reply = message
            pending.done.set()
            return
        listener = self.listeners.get(message.get("sender"))
        if listener is not None:
            listener(message)

    def _keepalive(self, ws, session_id: int) -> None:
        while self.ws is ws:
            time.sleep(KEEPALIVE_SECONDS)
            if self.ws is not ws:
                return
            try:
                self._send({"janus": "keepalive", "session_id": session_id})
            except JanusError as exc:
                self.logger.warning("Janus keepalive failed: %s", exc)

    def _send(self, message: dict, wants_event: bool = False, timeout: float = REPLY_SECONDS) -> dict:
        transaction = f"k{next(self.transactions)}"
        pending = self.pending[transaction] = Pending(wants_event)
        message = dict(message, transaction=transaction, apisecret=self.api_secret)
        try:
            with self.send_lock:
                ws = self.ws
                if ws is None:
                    raise JanusError(0, "not connected to Janus")
                ws.send(json.dumps(message))
            if not pending.done.wait(timeout):
                raise JanusError(0, f"Janus did not answer {message.get('janus')} within {timeout:.0f} s")
        finally:
            self.pending.pop(transaction, None)
        reply = pending.reply or {}
        if reply.get("janus") == "error":
            error = reply.get("error") or {}
            raise JanusError(error.get("code", 0), error.get("reason", "error"))
        return reply

    # --- what the app asks ---------------------------------------------------------------------------

    def attach(self, listener: Callable[[dict], None] | None = None) -> int:
        """A new VideoRoom handle; `listener` gets its unsolicited events."""
        self._ensure()
        reply = self._send({"janus": "attach", "session_id": self.session_id, "plugin": "janus.plugin.videoroom"})
        handle = reply["data"]["id"]
        if listener is not None:
            self.listeners[handle] = listener
        return handle

    def message(self, handle: int, body: dict, jsep: dict | None = None, wants_event: bool = True
                ) -> tuple[dict, dict | None]:
        """A VideoRoom request on a handle: the plugin's data and the JSEP that came with it, if any.
        The plugin's own refusals (`error_code`) raise JanusError."""
        self._ensure()
        message = {"janus": "message", "session_id": self.session_id, "handle_id": handle, "body": body}
        if jsep is not None:
            message["jsep"] = jsep
        reply = self._send(message, wants_event=wants_event)
        data = (reply.get("plugindata") or {}).get("data") or {}
        if "error_code" in data:
            raise JanusError(data["error_code"], data.get("error", "error"))
        return data, reply.get("jsep")

    def trickle(self, handle: int, candidate: dict | None) -> None:
        self._ensure()
        self._send({"janus": "trickle", "session_id": self.session_id, "handle_id": handle,
                    "candidate": candidate or {"completed": True}})

    def detach(self, handle: int) -> None:
        self.listeners.pop(handle, None)
        if self.ws is None:
            return  # the session, and with it every handle, is gone already
        try:
            self._send({"janus": "detach", "session_id": self.session_id, "handle_id": handle})
        except JanusError as exc:
            if exc.code not in (0, 459, 463):  # already gone: no such handle, or the session died
                raise

    def close(self) -> None:
        ws = self.ws
        if ws is not None:
            self._drop(ws)
