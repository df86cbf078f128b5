"""Who is who in a live room, and the Socket.IO rooms (channels) that address them."""
from __future__ import annotations

NAMESPACE = "/room"  # the Socket.IO namespace of every room (../shared/spec/rooms.md)

STUDENT, TEACHER, HOST, CLASS_DEVICE = "student", "teacher", "host", "class_device"
ROLES = (STUDENT, TEACHER, HOST, CLASS_DEVICE)
MODERATORS = frozenset({TEACHER, HOST})  # may mute chat, lock, remove
LEARNERS = frozenset({STUDENT, CLASS_DEVICE})  # raise hands, answer polls, take the floor


def room_name(live_session_id: int) -> str:
    return f"session:{live_session_id}"


def participant_room(participant_id: int) -> str:
    """Every connection of one participant joins this room, so a message can reach exactly that peer."""
    return f"participant:{participant_id}"


def staff_room(live_session_id: int) -> str:
    """Teacher and hosts: they see a quiz's answers come in before the class does."""
    return f"session:{live_session_id}:staff"
