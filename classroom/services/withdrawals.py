"""A teacher withdrawing from one live session or a whole assignment, with a reason the school is told."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import (AccountStatus, Assignment, LiveSession, LiveStatus, RequestStatus, Role, RunStatus,
                      TeacherProfile, User)
from ..timefmt import as_utc, in_zone, utcnow
from ..errors import Conflict
from .. import schemas
from .notifications import notify
from .substitutes import find_substitute

REASON_MAX = 300


def reason_text(value) -> str:
    """The reason as the teacher typed it (a string), or the API's checked body."""
    body = value if isinstance(value, schemas.Reason) else schemas.parse(schemas.Reason, {"reason": value})
    return body.reason


def own_session(profile: TeacherProfile, live_session_id: int) -> LiveSession | None:
    """The teacher's own live session, or None: another teacher's session is as good as not there."""
    live = db.session.get(LiveSession, live_session_id)
    return live if live is not None and live.teacher_id == profile.id else None


def own_assignment(profile: TeacherProfile, assignment_id: int) -> Assignment | None:
    """The teacher's own assignment of a published timetable, or None."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.teacher_id != profile.id or assignment.run.status != RunStatus.PUBLISHED:
        return None
    return assignment


def check_session_withdrawable(live: LiveSession, now: datetime | None = None) -> None:
    now = now or utcnow()
    if live.status == LiveStatus.CANCELLED:
        raise Conflict(_("This session is already cancelled."))
    if live.status == LiveStatus.ENDED or as_utc(live.starts_at) <= now:
        raise Conflict(_("This session has already started or ended; it can no longer be withdrawn from."))


def check_assignment_withdrawable(assignment: Assignment) -> None:
    if assignment.withdrawn_at is not None:
        raise Conflict(_("You have already withdrawn from this class."))


def _readers(school_id: int) -> list[User]:
    """Who must hear of a withdrawal: the school's active staff and every active coordinator."""
    return list(db.session.scalars(select(User).where(
        User.status == AccountStatus.ACTIVE,
        ((User.role == Role.SCHOOL) & (User.school_id == school_id)) | (User.role == Role.COORDINATOR))
        .order_by(User.id)))


def withdraw_session(profile: TeacherProfile, live: LiveSession, reason) -> TeacherProfile | None:
    """Give up one coming session. A substitute is sought at once (same time, same join code); without one the
    session is cancelled. The school and the coordinators are told, in their own zone and language; the
    substitute is asked. Returns the substitute, if any."""
    reason = reason_text(reason)
    check_session_withdrawable(live)
    live.given_up_by = [*(live.given_up_by or []), profile.id]  # a new list: the JSON column sees the change
    substitute = find_substitute(live, profile)
    subject = live.request.subject
    if substitute is None:
        live.status = LiveStatus.CANCELLED
        live.withdrawn_reason = reason
    else:
        live.teacher = substitute
    when, zone = live.starts_at, live.school.timezone
    readers = _readers(live.school_id)
    if substitute is None:
        notify(readers, "session_withdrawn", teacher=profile.user.name, subject=subject, when=when, zone=zone,
               reason=reason)
    else:
        notify(readers, "session_substituted", teacher=profile.user.name, substitute=substitute.user.name,
               subject=subject, when=when, zone=zone, reason=reason)
        notify([substitute.user], "substitute_assigned", subject=subject, grade=live.request.grade,
               school=live.school.name, when=when, zone=zone, code=live.join_code)
    db.session.flush()
    return substitute


def decline_substitute(live: LiveSession, by: User) -> None:
    """The school would rather not have the substitute: the session is cancelled and the substitute and the
    coordinators are told. Only a coming session that a substitute teaches can be declined."""
    check_session_withdrawable(live)
    substitute = live.substitute_for and live.teacher
    if substitute is None:
        raise Conflict(_("This session is taught by the class's own teacher; there is no substitute to decline."))
    live.status = LiveStatus.CANCELLED
    live.withdrawn_reason = _("The school declined the substitute.")
    coordinators = [u for u in _readers(live.school_id) if u.role == Role.COORDINATOR]
    notify([substitute.user] + coordinators, "substitute_declined", school=live.school.name,
           subject=live.request.subject, grade=live.request.grade, when=live.starts_at, zone=live.school.timezone,
           by=by.name)
    db.session.flush()


def coming_sessions_on(profile: TeacherProfile, start_date, end_date) -> list[LiveSession]:
    """The teacher's coming sessions on teacher-local dates from `start_date` to `end_date`."""
    now = utcnow()
    sessions = db.session.scalars(select(LiveSession).where(
        LiveSession.teacher_id == profile.id, LiveSession.status == LiveStatus.SCHEDULED,
        LiveSession.starts_at > now).order_by(LiveSession.starts_at)).all()
    return [s for s in sessions if start_date <= in_zone(s.starts_at, profile.timezone).date() <= end_date]


def withdraw_for_leave(profile: TeacherProfile, start_date, end_date, reason: str) -> list[tuple[LiveSession, TeacherProfile | None]]:
    """Leave over dates that already have sessions: each is withdrawn (a substitute sought, the school told)."""
    return [(live, withdraw_session(profile, live, reason)) for live in coming_sessions_on(profile, start_date, end_date)]


def coming_of_assignment(assignment: Assignment, now: datetime | None = None) -> list[LiveSession]:
    """The class's coming sessions its own teacher gives; one a substitute took over goes on with them."""
    now = now or utcnow()
    return [live for live in assignment.live_sessions if live.status == LiveStatus.SCHEDULED
            and live.teacher_id == assignment.teacher_id and as_utc(live.starts_at) > now]


def withdraw_assignment(profile: TeacherProfile, assignment: Assignment, reason) -> list[LiveSession]:
    """Leave a whole class: every coming session is cancelled and the request waits for the next re-plan."""
    reason = reason_text(reason)
    check_assignment_withdrawable(assignment)
    now = utcnow()
    assignment.withdrawn_at = now
    assignment.withdrawn_reason = reason
    cancelled = coming_of_assignment(assignment, now)
    for live in cancelled:
        live.status = LiveStatus.CANCELLED
        live.withdrawn_reason = reason
    request = assignment.request
    if request.status != RequestStatus.CANCELLED:
        request.status = RequestStatus.WAITING
        request.unserved_reason = None
    notify(_readers(request.school_id), "assignment_withdrawn", teacher=profile.user.name, subject=request.subject,
           grade=request.grade, school=request.school.name, reason=reason)
    db.session.flush()
    return cancelled
