"""This process among the rooms' server processes: its row in room_servers, its heartbeats, and the closing of
the attendance of processes that went silent (killed outright, they say no goodbye)."""
from __future__ import annotations

import os
import socket
import threading
import time
import uuid

from flask import Flask

from ...extensions import db
from ...services.rooms import presence
from .registry import rooms


class ServerProcess:

    def __init__(self, app: Flask):
        self.app = app
        self.lock = threading.Lock()
        self._server: tuple[int, str] | None = None  # (pid, id): a forked child is a new server process
        self.registered = False
        self.last_beat = float("-inf")  # time.monotonic() of this process's last heartbeat that was stored

    @property
    def server_id(self) -> str:
        if self._server is None or self._server[0] != os.getpid():
            self._server = (os.getpid(), uuid.uuid4().hex)
            self.registered = False
        return self._server[1]

    @staticmethod
    def server_name() -> str:
        return f"{socket.gethostname()}:{os.getpid()}"  # for an operator reading room_servers

    def register_server(self) -> None:
        """Once per process, before its first connection's attendance is written."""
        server_id = self.server_id
        if self.registered:
            return
        with self.lock:
            if self.registered:
                return
            presence.register_server(server_id, self.server_name())
            db.session.commit()
            self.registered = True

    def heartbeat(self) -> set[int]:
        """Says this process is alive, and closes the attendance of processes that have gone silent; returns
        the live sessions whose presence changed."""
        if self.registered and not presence.server_heartbeat(self.server_id):
            # The others took this process for dead (it was stopped or cut off for a while) and closed its
            # connections' attendance: it comes back, and the connections it still holds are present again.
            presence.register_server(self.server_id, self.server_name())
            rooms().fanout.present_again()
            self.app.logger.warning("room server %s was taken for dead; its connections are present again",
                                    self.server_id)
        db.session.commit()
        beat_before, self.last_beat = self.last_beat, time.monotonic()
        # Judge the others only when this process's own beats went through: after an outage of the database
        # every process looks silent, and the first one back would otherwise close everybody's attendance.
        if self.last_beat - beat_before > 2 * self.app.config["ROOM_HEARTBEAT_SECONDS"] + 1:
            return set()
        changed = presence.close_silent_servers(self.app.config["ROOM_SERVER_SILENT_SECONDS"])
        db.session.commit()
        if changed:
            self.app.logger.warning("closed the attendance of silent room servers in sessions %s", sorted(changed))
        return changed
