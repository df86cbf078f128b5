"""Teachers: profile, limits, weekly availability in their own time, dated exceptions, and their timetable."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (Assignment, Availability, AvailabilityException, LiveSession, LiveStatus, MatchingRun, RunStatus,
                      TeacherProfile)
from ..timefmt import DAYS, convert_weekly, hhmm_to_minutes, in_zone, local_datetime, minutes_to_hhmm, utcnow
from .. import schemas
from ..errors import ValidationError
from . import fields


def update_profile(profile: TeacherProfile, data) -> None:
    """Subjects, grades, province, zone and limits; a field left out keeps its value."""
    body = schemas.parse(schemas.TeacherProfileBody, data)
    province_code = body.province.code if body.province else profile.province_code
    zone = body.timezone or (body.province.timezone if body.province else profile.timezone)
    per_day = body.max_sessions_per_day or profile.max_sessions_per_day
    per_week = body.max_sessions_per_week or profile.max_sessions_per_week
    if per_week < per_day:
        raise ValidationError({"max_sessions_per_week": _("The weekly limit cannot be below the daily limit.")})
    profile.province_code = province_code
    profile.timezone = zone
    profile.user.timezone = zone
    profile.subjects = body.subjects or profile.subjects
    profile.grades = body.grades or profile.grades
    profile.max_sessions_per_day = per_day
    profile.max_sessions_per_week = per_week
    if body.years_teaching is not None:
        profile.years_teaching = body.years_teaching
    if body.certified is not None:
        profile.certified = body.certified


def set_availability(profile: TeacherProfile, intervals) -> list[Availability]:
    """Replace the weekly availability (a list of intervals, or the schema's body); overlapping or touching
    blocks merge into one."""
    body = intervals if isinstance(intervals, schemas.AvailabilityBody) else \
        schemas.parse(schemas.AvailabilityBody, {"availability": intervals})
    # Two saves of one teacher at once (two tabs, a phone and a laptop) must not mix: the later waits.
    db.session.execute(select(TeacherProfile.id).where(TeacherProfile.id == profile.id).with_for_update())
    db.session.expire(profile, ["availability"])
    profile.availability.clear()
    db.session.flush()
    for day, start, end in body.availability:
        profile.availability.append(Availability(day=day, start_minute=start, end_minute=end))
    db.session.flush()
    return profile.availability


def availability_json(profile: TeacherProfile) -> list[dict]:
    return [{"day": DAYS[a.day], "start": minutes_to_hhmm(a.start_minute), "end": minutes_to_hhmm(a.end_minute)}
            for a in profile.availability]


def add_exception(profile: TeacherProfile, data: dict) -> AvailabilityException:
    errors = fields.FieldErrors()
    start = fields.date_value(errors, "start_date", data.get("start_date"))
    end = fields.date_value(errors, "end_date", data.get("end_date") or data.get("start_date"))
    kind = data.get("kind") or "leave"
    if kind not in ("leave", "holiday", "exams", "other"):
        errors.add("kind", _("Choose leave, holiday, exams or other."))
    note = fields.text(errors, "note", data.get("note"), max_length=200, required=False)
    if start and end and end < start:
        errors.add("end_date", _("The end date must not be before the start date."))
    errors.raise_if_any()
    exception = AvailabilityException(start_date=start, end_date=end, kind=kind, note=note)
    profile.exceptions.append(exception)
    db.session.flush()
    return exception


# --- the timetable ------------------------------------------------------------------------------------

def week_start(profile: TeacherProfile, day: date | None = None) -> date:
    """The Monday, in the teacher's zone, of the week holding `day` (today by default)."""
    day = day or in_zone(utcnow(), profile.timezone).date()
    return day - timedelta(days=day.weekday())


def _sessions(profile: TeacherProfile):
    return (select(LiveSession).where(LiveSession.teacher_id == profile.id)
            .options(selectinload(LiveSession.request), selectinload(LiveSession.school))
            .order_by(LiveSession.starts_at))


def week_sessions(profile: TeacherProfile, monday: date) -> list[LiveSession]:
    """Every session, cancelled ones too, of one Monday-to-Sunday week of the teacher's own calendar."""
    start = local_datetime(monday, 0, profile.timezone)
    return list(db.session.scalars(_sessions(profile).where(
        LiveSession.starts_at >= start, LiveSession.starts_at < start + timedelta(days=7))))


def upcoming_sessions(profile: TeacherProfile, now: datetime | None = None, limit: int = 200) -> list[LiveSession]:
    """Sessions not over yet, cancelled ones too so the teacher sees what was called off."""
    now = now or utcnow()
    return list(db.session.scalars(_sessions(profile).where(LiveSession.ends_at > now).limit(limit)))


def active_assignments(profile: TeacherProfile, now: datetime | None = None) -> list[Assignment]:
    """Classes the teacher still has coming sessions in, from published timetables."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Assignment).join(MatchingRun).where(
            Assignment.teacher_id == profile.id, Assignment.withdrawn_at.is_(None),
            MatchingRun.status == RunStatus.PUBLISHED,
            Assignment.id.in_(select(LiveSession.assignment_id).where(
                LiveSession.teacher_id == profile.id, LiveSession.status == LiveStatus.SCHEDULED,
                LiveSession.starts_at > now)))
        .order_by(Assignment.id)))


def weekly_slots(assignment: Assignment, teacher_zone: str) -> list[dict]:
    """An assignment's weekly meetings in the teacher's time, each with the school's own clock beside it."""
    school_zone = assignment.request.school.timezone
    out = []
    for slot in assignment.slots:
        minute = hhmm_to_minutes(slot["start"])
        day, local = convert_weekly(slot["day"], minute, school_zone, teacher_zone)
        out.append({"day": DAYS.index(day), "minute": local, "school_day": DAYS.index(slot["day"]),
                    "school_minute": minute, "duration": assignment.request.duration_minutes})
    return sorted(out, key=lambda s: (s["day"], s["minute"]))
