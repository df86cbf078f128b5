"""Socket.IO namespaces: the live rooms (`/room`, ../shared/spec/rooms.md) and matching-run progress (`/runs`)."""
from __future__ import annotations

from engineio.payload import Payload
from flask import Flask

from ..extensions import socketio
from .rooms import register as register_rooms
from .runs import register as register_runs


def init_app(app: Flask) -> None:
    allow_whole_polling_payloads()
    register_runs(app)
    register_rooms(app)


def allow_whole_polling_payloads() -> None:
    """Let a long-polling POST carry as many packets as its size allows.

    python-engineio drops a POST of more than 16 packets whole and still answers 200, so the client takes all of
    it for delivered. A browser's engine.io-client puts everything queued while its previous POST was in flight
    into the next one (a chat burst, a flushed offline queue, whiteboard strokes) and limits only the size, to
    the server's `maxPayload` (`max_http_buffer_size`). Every packet takes at least two bytes with its separator,
    so that size already bounds the count, as it does on a WebSocket; each event is then applied or refused with
    `error` like any other, flood limits included. The setting is the maintainer's (python-engineio issue #142).
    """
    Payload.max_decode_packets = max(Payload.max_decode_packets, socketio.server.eio.max_http_buffer_size // 2)
