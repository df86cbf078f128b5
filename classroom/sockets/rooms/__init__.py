"""The live rooms' Socket.IO side, by responsibility: `namespace` (the thin event handlers), `guard` (admission,
the event guard, flood buckets, the one commit), `fanout` (presence), `servers` (this process's heartbeats),
`snapshots` (what a joiner is shown), `ordering` (chat's store-then-send lock), and `registry`, the one object
(`app.extensions["rooms"]`) that holds this process's state of them all."""
from __future__ import annotations

import os

from flask import Flask

from ...extensions import socketio
from ...services.rooms.roles import NAMESPACE
from .fanout import PresenceFanout
from .guard import ConnectionSlots
from .registry import RoomRegistry
from .servers import ServerProcess
from .snapshots import RoomSnapshots


def register(app: Flask) -> None:
    # 0.25 s: a class arriving at the bell settles in one or two fan-outs; see docs/rooms.md for the measurements.
    app.config.setdefault("ROOM_PRESENCE_SECONDS", float(os.environ.get("ROOM_PRESENCE_SECONDS", "0.25")))
    app.extensions["rooms"] = RoomRegistry(app, slots=ConnectionSlots(), server=ServerProcess(app),
                                           fanout=PresenceFanout(app), snapshots=RoomSnapshots())
    from ..media import MediaNamespace  # the room's events and, beside them, the SFU's (sockets/media.py)
    socketio.on_namespace(MediaNamespace(NAMESPACE))
