"""What the teacher and hosts steer: raised hands and the floor, the lock, removals and readmission, the end."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from ...errors import AppError, bad
from ...extensions import db
from ...models import AttendanceInterval, LiveSession, LiveStatus, Participant
from ...timefmt import as_utc, utcnow
from .payload import target_participant
from .presence import open_connections
from .roles import LEARNERS, MODERATORS


def set_hand(participant: Participant, up: bool) -> None:
    if up and participant.hand_raised_at is None:
        participant.hand_raised_at = utcnow()
    elif not up:
        participant.hand_raised_at = None


def hands(live_session_id: int) -> list[dict]:
    """The queue the teacher works through: first raised, first called."""
    rows = db.session.scalars(select(Participant).where(
        Participant.live_session_id == live_session_id, Participant.hand_raised_at.is_not(None),
        Participant.removed.is_(False)).order_by(Participant.hand_raised_at, Participant.id))
    return [{"id": p.id, "name": p.name, "at": as_utc(p.hand_raised_at).isoformat()} for p in rows]


def lower_hand(live_session_id: int, target_id: int) -> Participant:
    target = target_participant(live_session_id, target_id)
    target.hand_raised_at = None
    return target


def give_floor(live_session_id: int, target_id: int | None) -> Participant | None:
    """At most one learner holds the floor; None takes it back."""
    db.session.execute(update(Participant).where(Participant.live_session_id == live_session_id,
                                                 Participant.has_floor.is_(True)).values(has_floor=False))
    if target_id is None:
        return None
    target = target_participant(live_session_id, target_id)
    if target.role not in LEARNERS:
        raise bad("id", _("Only a student or a class device can be given the floor."))
    target.has_floor = True
    target.hand_raised_at = None
    return target


def floor_json(live_session_id: int) -> dict:
    holder = db.session.scalar(select(Participant).where(Participant.live_session_id == live_session_id,
                                                         Participant.has_floor.is_(True)))
    return {"id": holder.id, "name": holder.name} if holder else {"id": None, "name": None}


def set_locked(live: LiveSession, locked: bool) -> None:
    """Lock or unlock; locking a locked room keeps the moment it was first locked."""
    if locked and not live.locked:
        live.locked_at = utcnow()
    elif not locked:
        live.locked_at = None
    live.locked = locked


def remove_participant(live: LiveSession, target_id: int) -> tuple[Participant, list[str]]:
    target = target_participant(live.id, target_id)
    if target.role in MODERATORS:
        raise AppError(403, "forbidden", _("The teacher and school staff cannot be removed."))
    target.removed = True
    target.removed_at = utcnow()
    target.hand_raised_at = None
    target.has_floor = False
    connections = open_connections(target.id)
    now = utcnow()
    db.session.execute(update(AttendanceInterval).where(AttendanceInterval.participant_id == target.id,
                                                        AttendanceInterval.left_at.is_(None)).values(left_at=now))
    return target, connections


def readmit(live: LiveSession, target_id: int) -> Participant:
    """The teacher undoes a removal: that person's code, browser and name work again."""
    target = target_participant(live.id, target_id)
    if not target.removed:
        raise bad("id", _("This participant has not been removed."))
    target.removed = False
    target.removed_at = None
    return target


def removals(live_session_id: int) -> list[dict]:
    """Who was removed from this session, first removed first: the teacher sees them and can let them back in."""
    return [{"id": p.id, "name": p.name, "role": p.role, "at": as_utc(p.removed_at).isoformat() if p.removed_at else None}
            for p in db.session.scalars(select(Participant).where(
                Participant.live_session_id == live_session_id, Participant.removed.is_(True))
                .order_by(Participant.removed_at, Participant.id))]


def end_session(live: LiveSession) -> list[str]:
    """End the session for everyone: closes every open presence, returns the connections to drop."""
    now = utcnow()
    live.status = LiveStatus.ENDED
    live.ended_at = now
    participant_ids = select(Participant.id).where(Participant.live_session_id == live.id)
    connections = list(db.session.scalars(select(AttendanceInterval.connection_id).where(
        AttendanceInterval.participant_id.in_(participant_ids), AttendanceInterval.left_at.is_(None),
        AttendanceInterval.connection_id.is_not(None))))
    db.session.execute(update(AttendanceInterval).where(AttendanceInterval.participant_id.in_(participant_ids),
                                                        AttendanceInterval.left_at.is_(None)).values(left_at=now))
    db.session.execute(update(Participant).where(Participant.live_session_id == live.id)
                       .values(hand_raised_at=None, has_floor=False))
    return connections
