"""Socket.IO namespaces of the live rooms (`/room`, ../shared/spec/rooms.md)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the room namespace; the rooms are built in classroom/sockets/rooms.py."""
    try:
        from .rooms import register
    except ImportError:  # rooms not built yet in this checkout
        return
    register(app)
