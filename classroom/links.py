"""Addresses shared by pages, the API and mail: where a person goes for a thing."""
from __future__ import annotations

from flask import current_app, request, url_for

from .models import LiveSession


def room_url(live: LiveSession, external: bool = False) -> str:
    """The teacher's way into a session's room, wherever the rooms blueprint puts it."""
    for endpoint in ("rooms.teacher_room", "rooms.room"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, live_session_id=live.id, _external=external)
    path = f"/rooms/{live.id}"
    return request.host_url.rstrip("/") + path if external else path
