"""Schools' session requests: created, edited and cancelled with every field checked."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Assignment, MatchingRun, RequestStatus, RequestWindow, RunStatus, School, SessionRequest, User
from ..timefmt import DAYS, minutes_to_hhmm
from ..errors import Conflict
from .. import schemas


FIELDS = ("class_name", "subject", "grade", "students", "sessions_per_week", "duration_minutes", "priority",
          "term_start", "term_end")


def _parse(school: School, data) -> tuple[dict, list[tuple[int, int, int]]]:
    body = schemas.parse(schemas.RequestBody, data, school=school)
    return body.values(*FIELDS), body.windows


def form_values(request: SessionRequest) -> dict:
    """A stored request as its form shows it: every schema field, dates as the form writes them."""
    return {name: value.isoformat() if isinstance(value, date) else value
            for name, value in ((name, getattr(request, name)) for name in FIELDS)}


def create_request(school: School, data: dict, created_by: User | None = None) -> SessionRequest:
    values, windows = _parse(school, data)
    request = SessionRequest(school=school, created_by_id=created_by.id if created_by else None, **values)
    request.windows = [RequestWindow(day=d, start_minute=s, end_minute=e) for d, s, e in windows]
    db.session.add(request)
    db.session.flush()
    return request


def update_request(request: SessionRequest, data: dict) -> SessionRequest:
    if request.status == RequestStatus.CANCELLED:
        raise Conflict(_("This request was cancelled and can no longer be changed."))
    values, windows = _parse(request.school, data)
    for key, value in values.items():
        setattr(request, key, value)
    request.windows.clear()
    db.session.flush()
    request.windows.extend(RequestWindow(day=d, start_minute=s, end_minute=e) for d, s, e in windows)
    db.session.flush()
    return request


def cancel_request(request: SessionRequest) -> None:
    request.status = RequestStatus.CANCELLED


def windows_json(request: SessionRequest) -> list[dict]:
    return [{"day": DAYS[w.day], "start": minutes_to_hhmm(w.start_minute), "end": minutes_to_hhmm(w.end_minute)}
            for w in request.windows]


def current_assignment(session_request: SessionRequest) -> Assignment | None:
    """The assignment in force for a scheduled request: the newest of a published run, not withdrawn."""
    if session_request.status != RequestStatus.SCHEDULED:
        return None
    return db.session.scalar(select(Assignment).join(MatchingRun).where(
        Assignment.request_id == session_request.id, Assignment.withdrawn_at.is_(None),
        MatchingRun.status == RunStatus.PUBLISHED).order_by(MatchingRun.published_at.desc()).limit(1))
