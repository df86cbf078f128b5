"""What a joiner is shown: the room's state, from a snapshot per room that a class arriving together shares."""
from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from ...extensions import db
from ...media import media_state
from ...models import ChatMessage, LiveSession, Participant, Poll
from ...services.rooms import access, board, moderation, polls, presence
from ...services.rooms.roles import LEARNERS, MODERATORS
from ...services.slides import slide_state
from .registry import rooms


@dataclass
class RoomSnapshot:
    """What every joiner of a room is shown alike, loaded once and shared by a class arriving together."""
    version: object
    expires: float
    hands: list
    floor: dict
    slides: dict
    poll_id: int | None
    board: list
    last_message_id: int


class RoomSnapshots:
    """A class arriving at the bell would load the same hands, floor, slides, poll and board once per student
    (seven queries each, most of a connect's cost). Each process keeps one snapshot per room, tagged with the
    room's version: every event that changes the room gives it a new version (in Redis when several processes
    share a message queue, so a change on one process is seen by all), and a snapshot is used only while its
    version is current, and at most `SECONDS` old as a safety net."""

    SECONDS = 5.0

    def __init__(self):
        self.snapshots: dict[int, RoomSnapshot] = {}
        self.local_versions: defaultdict[int, int] = defaultdict(int)

    @staticmethod
    def _key(live_session_id: int) -> str:
        return f"kelas:room-version:{live_session_id}"

    def version(self, live_session_id: int):
        """The room's current version; None when it cannot be known (Redis unreachable): then no snapshot."""
        shared = rooms().shared_redis()
        if shared is None:
            return self.local_versions[live_session_id]
        try:
            version = shared.get(self._key(live_session_id))
            if version is None:  # not changed since Redis started: a fresh random version, never a reused one
                shared.set(self._key(live_session_id), uuid.uuid4().hex, nx=True, ex=86400)
                version = shared.get(self._key(live_session_id))
            return version
        except Exception:  # noqa: BLE001 - the room still works, from the database
            current_app.logger.warning("room version unavailable", exc_info=True)
            return None

    def changed(self, live_session_id: int) -> None:
        self.snapshots.pop(live_session_id, None)
        self.local_versions[live_session_id] += 1
        shared = rooms().shared_redis()
        if shared is not None:
            try:
                shared.set(self._key(live_session_id), uuid.uuid4().hex, ex=86400)
            except Exception:  # noqa: BLE001 - other processes' snapshots still expire after SECONDS
                current_app.logger.warning("room version not published", exc_info=True)

    def chat_sent(self, live_session_id: int, message_id: int) -> None:
        snapshot = self.snapshots.get(live_session_id)
        if snapshot is not None and message_id > snapshot.last_message_id:
            snapshot.last_message_id = message_id

    def get(self, live_session_id: int, loaded_after: float = 0.0) -> RoomSnapshot:
        """The room's snapshot; `loaded_after` (a time.monotonic() instant) refuses one loaded before it."""
        version = self.version(live_session_id)
        snapshot = self.snapshots.get(live_session_id)
        if version is not None and snapshot is not None and snapshot.version == version \
                and snapshot.expires > time.monotonic() and snapshot.expires - self.SECONDS > loaded_after:
            return snapshot
        # Tagged with the version read before loading: a change committed meanwhile makes it stale at once.
        poll = polls.current_poll(live_session_id)
        snapshot = RoomSnapshot(
            version=version, expires=time.monotonic() + self.SECONDS,
            hands=moderation.hands(live_session_id), floor=moderation.floor_json(live_session_id),
            slides=slide_state(live_session_id), poll_id=poll.id if poll else None,
            board=board.strokes(live_session_id),
            last_message_id=db.session.scalar(select(func.max(ChatMessage.id))
                                              .where(ChatMessage.live_session_id == live_session_id)) or 0)
        if version is not None:
            self.snapshots[live_session_id] = snapshot
        return snapshot


def state_json(live: LiveSession, member: Participant, rows: list | None = None,
               snapshot: RoomSnapshot | None = None) -> dict:
    """Everything a client needs to draw the room after a (re)connect, chat aside (that comes by `sync`)."""
    snapshot = snapshot or rooms().snapshots.get(live.id)
    poll = db.session.get(Poll, snapshot.poll_id) if snapshot.poll_id else None
    state = {
        "you": {"id": member.id, "name": member.name, "role": member.role, "hand": member.hand_raised_at is not None,
                "floor": member.has_floor, "headcount": member.headcount},
        "session": access.session_json(live),
        "room": presence.room_json(live, rows),
        "hands": snapshot.hands,
        "floor": snapshot.floor,
        "slides": snapshot.slides,
        "poll": polls.poll_json(poll, member) if poll else None,
        "last_message_id": snapshot.last_message_id,
        "media": media_state(member.id, live.id),
    }
    if poll and (poll.correct_option is None or poll.closed_at is not None or member.role in MODERATORS):
        state["poll_results"] = polls.poll_results(poll)  # answers come in all the time: never cached
    state.update(moderation_state(live.id, member))
    return state


def moderation_state(live_session_id: int, member) -> dict:
    """Who was removed and who may draw, for the teacher and hosts; whether a learner may draw, for them."""
    if member.role in MODERATORS:
        return {"removals": moderation.removals(live_session_id), "drawers": board.drawers(live_session_id)}
    if member.role in LEARNERS:
        return {"can_draw": bool(member.can_draw)}
    return {}

