"""Live rooms, by responsibility: `access` (when a room is open, tokens, joining, accounts' roles), `presence`
(attendance and the member list), `chat`, `moderation` (hands, floor, lock, removals, the end), `board`, `polls`.
Slides are services/slides.py. The room's socket handlers (classroom/sockets/rooms/) import those modules; what
the pages and the API use is re-exported here."""
from __future__ import annotations

from .access import (NAME_MAX, account_participant, account_role, check_open, issue_token, join_by_code,
                     read_token, session_json)
from .presence import close_silent_servers
from .roles import CLASS_DEVICE, HOST, LEARNERS, MODERATORS, STUDENT, TEACHER, room_name

__all__ = ["CLASS_DEVICE", "HOST", "LEARNERS", "MODERATORS", "NAME_MAX", "STUDENT", "TEACHER", "account_participant",
           "account_role", "check_open", "close_silent_servers", "issue_token", "join_by_code",
           "read_token", "room_name", "session_json"]
