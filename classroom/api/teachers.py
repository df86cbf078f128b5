"""The teacher's API: profile and weekly availability, timetable, teaching record, calendar address and
withdrawals."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from .. import schemas
from ..schemas import responses as out
from ..auth.access import current_teacher
from ..errors import ValidationError
from ..extensions import db
from ..models import Role
from ..services import calendar_feed, teaching_record, teachers as teacher_service, withdrawals
from . import json_body, route
from .shapes import session_json, user_json

TEACHER = (Role.TEACHER,)


def _availability(profile) -> dict:
    return out.answer(out.AvailabilityOut, timezone=profile.timezone,
                      availability=teacher_service.availability_json(profile))


@route("GET", "/teacher/availability", summary="Weekly availability, teacher-local", roles=TEACHER,
       response=out.AvailabilityOut)
def get_availability():
    return _availability(current_teacher())


@route("PUT", "/teacher/availability", summary="Replace the weekly availability (overlaps merge)", roles=TEACHER,
       body=schemas.AvailabilityBody, response=out.AvailabilityOut, rules="an interval that does not end after it starts.")
def put_availability():
    profile = current_teacher()
    teacher_service.set_availability(profile, json_body())
    db.session.commit()
    return _availability(profile)


@route("PUT", "/teacher/profile", summary="Subjects, grades, limits", roles=TEACHER, body=schemas.TeacherProfileBody, response=out.UserOut,
       rules="a weekly limit below the daily limit (either given or kept); a timezone that is no IANA zone name.")
def put_profile():
    teacher_service.update_profile(current_teacher(), json_body())
    db.session.commit()
    return user_json(current_user)


@route("GET", "/teacher/timetable", summary="Assigned dated sessions in the teacher's zone", roles=TEACHER,
       notes="Coming sessions, cancelled ones too, and the classes they belong to.", response=out.TimetableOut)
def timetable():
    profile = current_teacher()
    return out.answer(
        out.TimetableOut, timezone=profile.timezone,
        sessions=[session_json(live, profile.timezone) for live in teacher_service.upcoming_sessions(profile)],
        assignments=[{"id": a.id, "subject": a.request.subject, "grade": a.request.grade,
                      "class_name": a.request.class_name, "school": a.request.school.name,
                      "slots": teacher_service.weekly_slots(a, profile.timezone)}
                     for a in teacher_service.active_assignments(profile)])


@route("GET", "/teacher/record", summary="Teaching record: sessions, hours, JP, ratings", roles=TEACHER,
       query=(("from", schemas.DATE_SCHEMA), ("to", schemas.DATE_SCHEMA)), rules="`to` before `from`.",
       response=out.RecordOut)
def record():
    profile = current_teacher()
    first, last, errors = teaching_record.record_range(request.args)
    if errors:
        raise ValidationError(errors)
    taught = teaching_record.build(profile, first, last)
    return out.answer(out.RecordOut, **{
        "timezone": profile.timezone, "jp_minutes": teaching_record.JP_MINUTES,
        "sessions": [{**session_json(row.live, profile.timezone), "minutes": row.minutes,
                      "planned_minutes": row.planned_minutes, "jp": row.jp,
                      "students_present": row.students_present, "class_size": row.class_size,
                      "rating": row.rating_mean} for row in taught.sessions],
        "months": [{"month": m.month, "sessions": m.sessions, "minutes": m.minutes, "jp": m.jp} for m in taught.months],
        "total": {"sessions": taught.total_sessions, "minutes": taught.total_minutes, "jp": taught.total_jp,
                  "ratings": taught.rating_count, "rating_mean": taught.rating_mean},
    })


@route("POST", "/teacher/calendar-token", summary="Issue a new private iCalendar URL", roles=TEACHER,
       body=schemas.Empty, notes="The previous address stops working.",
       response=out.CalendarOut)
def regenerate_calendar_token():
    token = calendar_feed.regenerate_token(current_teacher())
    db.session.commit()
    return out.answer(out.CalendarOut, calendar_url=url_for("calendar.feed", token=token, _external=True))


def _own(find, row_id: int):
    """The teacher and their own row (`find(profile, id)`); another teacher's is simply not found."""
    profile = current_teacher()
    row = find(profile, row_id)
    if row is None:
        abort(404)
    return profile, row


@route("POST", "/teacher/sessions/<int:live_session_id>/withdraw", summary="Withdraw from one dated session",
       roles=TEACHER, body=schemas.Reason, notes="The school is told the reason; a substitute is sought.",
       response=out.WithdrawnSessionOut)
def withdraw_session(live_session_id: int):
    profile, live = _own(withdrawals.own_session, live_session_id)
    substitute = withdrawals.withdraw_session(profile, live, json_body())
    db.session.commit()
    return out.answer(out.WithdrawnSessionOut, **session_json(live, profile.timezone),
                      substitute=substitute.user.name if substitute else None)


@route("POST", "/teacher/assignments/<int:assignment_id>/withdraw", summary="Withdraw from a whole assignment",
       roles=TEACHER, body=schemas.Reason,
       notes="Every coming session of the class is cancelled (ones a substitute took over stay); the school is told.",
       response=out.WithdrawnClassOut)
def withdraw_assignment(assignment_id: int):
    profile, assignment = _own(withdrawals.own_assignment, assignment_id)
    cancelled = withdrawals.withdraw_assignment(profile, assignment, json_body())
    db.session.commit()
    return out.answer(out.WithdrawnClassOut, id=assignment.id, withdrawn_at=assignment.withdrawn_at.isoformat(),
                      withdrawn_reason=assignment.withdrawn_reason, request_status=assignment.request.status.value,
                      cancelled_sessions=[live.id for live in cancelled])
