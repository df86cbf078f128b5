"""Socket.IO namespaces: the live rooms (`/room`, ../shared/spec/rooms.md) and matching-run progress (`/runs`)."""
from __future__ import annotations

from flask import Flask

from .rooms import register as register_rooms
from .runs import register as register_runs


def init_app(app: Flask) -> None:
    register_runs(app)
    register_rooms(app)
