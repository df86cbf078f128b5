"""Schools' session requests: created, edited and cancelled with every field checked."""
from __future__ import annotations

from flask_babel import gettext as _

from ..extensions import db
from ..models import RequestStatus, RequestWindow, School, SessionRequest, User
from ..reference import LEVEL_GRADES, subject_taught_at
from ..timefmt import DAYS, minutes_to_hhmm
from ..errors import Conflict
from . import fields, terms


def _parse(school: School, data: dict) -> tuple[dict, list[tuple[int, int, int]]]:
    errors = fields.FieldErrors()
    values = {
        "class_name": fields.text(errors, "class_name", data.get("class_name"), max_length=40, required=False),
        "subject": fields.text(errors, "subject", data.get("subject"), max_length=60),
        "grade": fields.integer(errors, "grade", data.get("grade"), low=1, high=12),
        "students": fields.integer(errors, "students", data.get("students"), low=1, high=200),
        "sessions_per_week": fields.integer(errors, "sessions_per_week", data.get("sessions_per_week"), low=1, high=7),
        "duration_minutes": fields.integer(errors, "duration_minutes", data.get("duration_minutes"), low=15, high=240),
        "priority": fields.integer(errors, "priority", data.get("priority", 3), low=1, high=5),
    }
    values["term_start"], values["term_end"] = terms.term_dates(errors, data)
    if "duration_minutes" not in errors.fields and values["duration_minutes"] % 5:
        errors.add("duration_minutes", _("The duration is a multiple of 5 minutes."))
    if "grade" not in errors.fields and values["grade"] not in LEVEL_GRADES[school.level]:
        errors.add("grade", _("This school (%(level)s) does not teach grade %(grade)d.",
                              level=school.level, grade=values["grade"]))
    elif "grade" not in errors.fields and "subject" not in errors.fields:
        if not subject_taught_at(values["subject"], values["grade"], school.level):
            errors.add("subject", _("%(subject)s is not a subject of grade %(grade)d.",
                                    subject=values["subject"], grade=values["grade"]))
    raw_windows = data.get("windows")
    if not isinstance(raw_windows, list) or not raw_windows:
        errors.add("windows", _("Give at least one window of the school day."))
        raw_windows = []
    elif len(raw_windows) > 50:
        errors.add("windows", _("At most %(n)d intervals.", n=50))
        raw_windows = []
    windows = [fields.interval(errors, f"windows.{i}", raw) for i, raw in enumerate(raw_windows)]
    windows = fields.merge_intervals([w for w in windows if w])
    if windows and "duration_minutes" not in errors.fields:
        longest = max(end - start for _day, start, end in windows)
        if longest < values["duration_minutes"]:
            errors.add("windows", _("No window is long enough for a session of %(n)d minutes.",
                                    n=values["duration_minutes"]))
        days = {day for day, _s, _e in windows}
        if "sessions_per_week" not in errors.fields and len(days) < values["sessions_per_week"]:
            errors.add("windows", _("%(n)d sessions a week need windows on at least %(n)d different days.",
                                    n=values["sessions_per_week"]))
    errors.raise_if_any()
    return values, windows


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
