"""Who is in a room now: attendance intervals per connection, the server processes holding them, and the member
list and headcount every member sees."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from ...errors import AppError
from ...extensions import db
from ...models import AttendanceInterval, LiveSession, Participant, RoomServer
from ...timefmt import utcnow
from .access import closes_at
from .roles import CLASS_DEVICE, HOST, LEARNERS, STUDENT, TEACHER


def open_interval(participant: Participant, connection_id: str, server_id: str | None = None) -> AttendanceInterval:
    interval = AttendanceInterval(participant_id=participant.id, joined_at=utcnow(), connection_id=connection_id,
                                  server_id=server_id)
    db.session.add(interval)
    db.session.flush()
    return interval


def close_interval(interval_id: int, when: datetime | None = None) -> None:
    db.session.execute(update(AttendanceInterval).where(AttendanceInterval.id == interval_id,
                                                        AttendanceInterval.left_at.is_(None))
                       .values(left_at=when or utcnow()))


def close_connection_interval(participant_id: int, connection_id: str, when: datetime | None = None) -> None:
    """Close a connection's interval by its Socket.IO id (the participant's index finds it)."""
    db.session.execute(update(AttendanceInterval).where(AttendanceInterval.participant_id == participant_id,
                                                        AttendanceInterval.connection_id == connection_id,
                                                        AttendanceInterval.left_at.is_(None))
                       .values(left_at=when or utcnow()))


def open_connections(participant_id: int) -> list[str]:
    return list(db.session.scalars(select(AttendanceInterval.connection_id).where(
        AttendanceInterval.participant_id == participant_id, AttendanceInterval.left_at.is_(None),
        AttendanceInterval.connection_id.is_not(None))))


def register_server(server_id: str, name: str) -> None:
    db.session.add(RoomServer(id=server_id, name=name[:200]))


def server_heartbeat(server_id: str) -> bool:
    """Records that this process is alive; False if the others had given it up and closed its attendance."""
    return bool(db.session.execute(update(RoomServer).where(RoomServer.id == server_id)
                                   .values(seen_at=utcnow())).rowcount)


def close_silent_servers(silent_seconds: float) -> set[int]:
    """A process killed outright says no goodbye: its connections' attendance would stay open, and its members
    would stay in every presence list. Close them at the process's last heartbeat and forget the process.
    Returns the live sessions whose presence changed."""
    cutoff = utcnow() - timedelta(seconds=silent_seconds)
    changed: set[int] = set()
    for server_id, seen_at in db.session.execute(select(RoomServer.id, RoomServer.seen_at)
                                                 .where(RoomServer.seen_at < cutoff)).all():
        # Delete first, guarded by the heartbeat read: a process that beat meanwhile keeps its row and its
        # attendance; one that beats later finds no row and opens its connections' intervals again.
        gone = db.session.execute(delete(RoomServer).where(RoomServer.id == server_id,
                                                           RoomServer.seen_at == seen_at)).rowcount
        if not gone:
            continue
        orphaned = (AttendanceInterval.server_id == server_id, AttendanceInterval.left_at.is_(None))
        changed.update(db.session.scalars(select(Participant.live_session_id).distinct()
                                          .join(AttendanceInterval, AttendanceInterval.participant_id == Participant.id)
                                          .where(*orphaned)))
        db.session.execute(update(AttendanceInterval).where(*orphaned).values(left_at=seen_at))
    return changed


def removed_among(participant_ids) -> set[int]:
    ids = set(participant_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Participant.id).where(Participant.id.in_(ids), Participant.removed.is_(True))))


ROLE_ORDER = {TEACHER: 0, HOST: 1, CLASS_DEVICE: 2, STUDENT: 3}


def member_rows(live_session_id: int) -> list:
    """Everyone with an open connection, each once however many tabs or reconnects they have."""
    rows = db.session.execute(
        select(Participant.id, Participant.name, Participant.role, Participant.headcount)
        .join(AttendanceInterval, AttendanceInterval.participant_id == Participant.id)
        .where(Participant.live_session_id == live_session_id, Participant.removed.is_(False),
               AttendanceInterval.left_at.is_(None))
        .distinct()).all()
    rows.sort(key=lambda r: (ROLE_ORDER.get(r.role, 9), r.name.lower(), r.id))
    return rows


def members(live_session_id: int, rows: list | None = None) -> list[dict]:
    rows = member_rows(live_session_id) if rows is None else rows
    return [{"id": r.id, "name": r.name, "role": r.role} for r in rows]


def students_present(live_session_id: int, rows: list | None = None) -> int:
    """Students in the room: one per student, a class device's headcount for each class device."""
    rows = member_rows(live_session_id) if rows is None else rows
    return sum((r.headcount or 1) if r.role == CLASS_DEVICE else 1 for r in rows if r.role in LEARNERS)


def room_json(live: LiveSession, rows: list | None = None) -> dict:
    return {"status": live.status.value, "locked": live.locked, "chat_muted": live.chat_muted,
            "students": students_present(live.id, rows), "closes_at": closes_at(live).isoformat()}


def set_headcount(participant: Participant, count: int) -> None:
    if participant.role != CLASS_DEVICE:
        raise AppError(403, "forbidden", _("Only a class device has a headcount."))
    participant.headcount = count
