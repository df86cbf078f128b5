"""What one server process holds of its rooms, in one object (`app.extensions["rooms"]`): its connections and
their slots, the caches, the locks, its identity among the server processes, the presence fan-out, and the
slide renders under way."""
from __future__ import annotations

import threading
from collections import defaultdict
from typing import TYPE_CHECKING

from flask import Flask, current_app

from ...services.slides import RenderSlots

if TYPE_CHECKING:
    from .fanout import PresenceFanout
    from .guard import Connection, ConnectionSlots
    from .servers import ServerProcess
    from .snapshots import RoomSnapshots


class RoomRegistry:
    """Per app, not per module: two apps in one process (the tests make many) share nothing."""

    def __init__(self, app: Flask, slots: ConnectionSlots, server: ServerProcess, fanout: PresenceFanout,
                 snapshots: RoomSnapshots):
        self.app = app
        self.connections: dict[str, Connection] = {}  # by Socket.IO id; the database knows them too
        self.slots = slots
        self.server = server
        self.fanout = fanout
        self.snapshots = snapshots
        # Which session and role a participant has never changes, so signalling can route without a query.
        self.participant_cache: dict[int, tuple[int, str]] = {}
        self.room_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)  # chat's store-then-send
        self.session_facts: dict[int, tuple[float, dict]] = {}  # services/rooms/access.session_json
        self.muted: dict[int, set[int]] = {}  # students the teacher muted, per session (sockets/media.py)
        self.renders = RenderSlots()  # slide decks being rendered (services/slides.py)
        self._redis = None

    def shared_redis(self):
        """The Redis every process shares when a message queue joins several processes; None for one process."""
        queue = self.app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
        if not queue.startswith(("redis://", "rediss://", "unix://")):
            return None
        if self._redis is None:
            import redis
            self._redis = redis.Redis.from_url(queue)
        return self._redis

    def stop(self, timeout: float = 5.0) -> None:
        """Ends the background fan-out (an app being torn down, as in the tests)."""
        self.fanout.stop(timeout)


def rooms() -> RoomRegistry:
    return current_app.extensions["rooms"]
