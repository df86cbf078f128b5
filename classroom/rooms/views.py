"""Pages and API routes of live rooms (see ../shared/spec/rooms.md)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rooms", __name__)
