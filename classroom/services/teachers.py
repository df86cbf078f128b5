"""Teachers: profile, limits, weekly availability in their own time, and dated exceptions."""
from __future__ import annotations

from flask_babel import gettext as _

from ..extensions import db
from ..models import Availability, AvailabilityException, TeacherProfile
from ..timefmt import DAYS, minutes_to_hhmm
from . import fields


def update_profile(profile: TeacherProfile, data: dict) -> None:
    errors = fields.FieldErrors()
    province = fields.province(errors, "province", data.get("province", profile.province_code))
    zone = data.get("timezone") or (province.timezone if province else profile.timezone)
    zone = fields.timezone_name(errors, "timezone", zone)
    subjects = fields.subject_list(errors, "subjects", data.get("subjects", profile.subjects))
    grades = fields.grade_list(errors, "grades", data.get("grades", profile.grades))
    per_day = fields.integer(errors, "max_sessions_per_day", data.get("max_sessions_per_day", profile.max_sessions_per_day), low=1, high=8)
    per_week = fields.integer(errors, "max_sessions_per_week", data.get("max_sessions_per_week", profile.max_sessions_per_week), low=1, high=40)
    years = fields.integer(errors, "years_teaching", data.get("years_teaching", profile.years_teaching), low=0, high=50)
    if "max_sessions_per_day" not in errors.fields and "max_sessions_per_week" not in errors.fields and per_week < per_day:
        errors.add("max_sessions_per_week", _("The weekly limit cannot be below the daily limit."))
    errors.raise_if_any()
    profile.province_code = province.code
    profile.timezone = zone
    profile.user.timezone = zone
    profile.subjects = subjects
    profile.grades = grades
    profile.max_sessions_per_day = per_day
    profile.max_sessions_per_week = per_week
    profile.years_teaching = years
    if "certified" in data:
        profile.certified = bool(data.get("certified"))


def set_availability(profile: TeacherProfile, intervals: list) -> list[Availability]:
    """Replace the weekly availability; overlapping or touching blocks merge into one."""
    errors = fields.FieldErrors()
    if not isinstance(intervals, list):
        errors.add("availability", _("A list of intervals is expected."))
        errors.raise_if_any()
    if len(intervals) > 200:
        errors.add("availability", _("At most %(n)d intervals.", n=200))
        errors.raise_if_any()
    parsed = [fields.interval(errors, f"availability.{i}", raw) for i, raw in enumerate(intervals)]
    errors.raise_if_any()
    profile.availability.clear()
    db.session.flush()
    for day, start, end in fields.merge_intervals([p for p in parsed if p]):
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
