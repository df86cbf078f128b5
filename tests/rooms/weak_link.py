"""Clients for the weak-link tests: the official python-socketio client on either transport, and a bare
Engine.IO long-polling client that puts exactly the packets a test chooses into one POST, as a browser's
engine.io-client does with everything it queued while the previous POST was in flight."""
from __future__ import annotations

import json
import threading
import time

import requests

NAMESPACE = "/room"


class Listener:
    """A python-socketio client in the room that keeps every event it receives, in arrival order."""

    def __init__(self, url: str, token: str, transport: str):
        import socketio
        self.events: list[tuple[str, object]] = []
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record, namespace=NAMESPACE)
        self.client.connect(url, namespaces=[NAMESPACE], auth={"token": token}, transports=[transport],
                            wait_timeout=10)

    def _record(self, event, body=None):
        with self.changed:
            self.events.append((event, body))
            self.changed.notify_all()

    def emit(self, event: str, body) -> None:
        self.client.emit(event, body, namespace=NAMESPACE)

    def wait_for(self, ready, seconds: float = 20) -> list[tuple[str, object]]:
        """The events so far once `ready(events)` holds; the events as they are if it never does."""
        deadline = time.monotonic() + seconds
        with self.changed:
            while not ready(self.events) and time.monotonic() < deadline:
                self.changed.wait(deadline - time.monotonic())
            return list(self.events)

    def close(self) -> None:
        self.client.disconnect()


def chats_tagged(events, tag: str) -> list[dict]:
    return [body for name, body in events if name == "chat" and body["text"].startswith(tag)]


class PollingClient:
    """Engine.IO 4 over long-polling by hand: one POST carries every packet `send` is given."""

    def __init__(self, url: str, lang: str | None = None):
        self.http = requests.Session()
        self.base = f"{url}/socket.io/?EIO=4&transport=polling" + (f"&lang={lang}" if lang else "")
        opened = self.http.get(self.base, timeout=10)
        opened.raise_for_status()
        assert opened.text.startswith("0"), opened.text
        self.base += "&sid=" + json.loads(opened.text[1:])["sid"]
        self.received: list[tuple[str, object]] = []

    def connect(self, token: str | None) -> tuple[str, object]:
        """Sends the namespace's CONNECT with the token; the server's answer: ("connect", body) or
        ("connect_error", body)."""
        self._post(["40" + NAMESPACE + "," + json.dumps({"token": token})])
        answer = self.wait_for(lambda got: any(name in ("connect", "connect_error") for name, _ in got))
        return next((name, body) for name, body in answer if name in ("connect", "connect_error"))

    def send(self, events: list[tuple[str, object]]) -> requests.Response:
        return self._post(["42" + NAMESPACE + "," + json.dumps([name, body]) for name, body in events])

    def _post(self, packets: list[str]) -> requests.Response:
        response = self.http.post(self.base, data="\x1e".join(packets).encode(), timeout=30,
                                  headers={"Content-Type": "text/plain;charset=UTF-8"})
        response.raise_for_status()
        return response

    def wait_for(self, ready, seconds: float = 30) -> list[tuple[str, object]]:
        deadline = time.monotonic() + seconds
        while not ready(self.received) and time.monotonic() < deadline:
            self._poll()
        return list(self.received)

    def _poll(self) -> None:
        response = self.http.get(self.base, timeout=40)
        response.raise_for_status()
        for packet in response.text.split("\x1e"):
            if packet == "2":  # the server's ping
                self._post(["3"])
            elif packet.startswith("40" + NAMESPACE + ","):
                self.received.append(("connect", json.loads(packet[len(NAMESPACE) + 3:])))
            elif packet.startswith("44" + NAMESPACE + ","):
                self.received.append(("connect_error", json.loads(packet[len(NAMESPACE) + 3:])))
            elif packet.startswith("42" + NAMESPACE + ","):
                name, *args = json.loads(packet[len(NAMESPACE) + 3:])
                self.received.append((name, args[0] if args else None))

    def close(self) -> None:
        try:
            self._post(["1"])
        except requests.RequestException:
            pass
        self.http.close()
