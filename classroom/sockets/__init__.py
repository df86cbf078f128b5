"""Socket.IO namespaces: the live rooms (`/room`, ../shared/spec/rooms.md) and matching-run progress (`/runs`)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .runs import register as register_runs
    register_runs(app)
    try:
        from .rooms import register
    except ImportError:  # rooms not built yet in this checkout
        return
    register(app)
