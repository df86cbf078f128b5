"""The bodies of the pages' forms and the JSON API, one schema each (what a school, a teacher, a coordinator or a
student sends), and the field types of the programme's own values: provinces, subjects, grades, dates, weekly
intervals."""
from __future__ import annotations

import string
from datetime import date

from flask_babel import gettext as _

from ..errors import ValidationError
from ..reference import ALL_SUBJECTS, LEVEL_GRADES, PROVINCES, subject_taught_at
from ..services import fields, terms
from ..timefmt import DAYS, ZONE_NAME_MAX
from .base import (ROW_TEXT, Flag, FlagOf, Integer, Schema, Text, _field, _is_number, _is_text,
                   _number_type, _strict, _text_type)

NAME_MAX = 80  # a person's name in a room
JOIN_CODE_MAX = 20
BROWSER_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "-_")


def _strict_items(value, info, item_ok) -> bool:
    return not _strict(info) or all(item_ok(item) for item in value)


def _subjects(errors, name, value, info):
    if isinstance(value, list) and not _strict_items(value, info, _is_text):
        errors.add(name, _("Choose at least one subject."))
        return []
    return fields.subject_list(errors, name, value)


def _grades(errors, name, value, info):
    if isinstance(value, list) and not _strict_items(value, info, _is_number):
        errors.add(name, _("Grades are between 1 and 12."))
        return []
    return fields.grade_list(errors, name, value)


SUBJECTS_SCHEMA = {"type": "array", "minItems": 1, "items": {"enum": sorted(ALL_SUBJECTS)}}
GRADES_SCHEMA = {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1, "maximum": 12}}
Subjects = _field(_subjects, SUBJECTS_SCHEMA, required=True)
Grades = _field(_grades, GRADES_SCHEMA, required=True)
OptionalSubjects = _field(_subjects, SUBJECTS_SCHEMA)
OptionalGrades = _field(_grades, GRADES_SCHEMA)

PROVINCE_SCHEMA = {"enum": sorted({p.code for p in PROVINCES} | {p.name for p in PROVINCES}),
                   "description": "a province's Kemendagri code (e.g. \"91\") or its name"}


def _province(errors, name, value, info):
    return fields.province(errors, name, value)


Province = _field(_province, PROVINCE_SCHEMA, required=True)
OptionalProvince = _field(_province, PROVINCE_SCHEMA)
Zone = _field(lambda errors, name, value, info: fields.timezone_name(errors, name, value) if value else "",
              {"type": "string", "maxLength": ZONE_NAME_MAX,
               "description": "an IANA time zone (Asia/Jakarta, Asia/Makassar, Asia/Jayapura); "
                              "by default the province's"}, default="", json_type=_is_text, type_message=_text_type)
Email = _field(lambda errors, name, value, info: fields.email(errors, name, value),
               {"type": "string", "format": "email", "maxLength": 254}, required=True)
Password = _field(lambda errors, name, value, info: fields.password(errors, name, value),
                  {"type": "string", "minLength": fields.MIN_PASSWORD, "maxLength": 200}, required=True)
Npsn = _field(lambda errors, name, value, info: fields.npsn(errors, name, value),
              {"type": "string", "pattern": r"^\s*\d{8}\s*$", "description": "the school's 8-digit NPSN"},
              required=True)
Level = _field(lambda errors, name, value, info: fields.level(errors, name, value), {"enum": list(LEVEL_GRADES)})
Language = _field(lambda errors, name, value, info: value if value in ("id", "en") else "id",
                  {"enum": ["id", "en"], "default": "id"}, default="id", json_type=lambda value: value in ("id", "en"),
                  type_message=lambda: _("Choose id or en."))

DATE_SCHEMA = {"type": "string", "format": "date", "minLength": 10, "maxLength": 10,
               "pattern": r"^(20\d\d|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
               "description": f"a date from {fields.DATE_MIN} to {fields.DATE_MAX}"}


def _date(errors, name, value, info):
    return fields.date_value(errors, name, value)


DateValue = _field(_date, DATE_SCHEMA, required=True, json_type=_is_text,
                   type_message=lambda: _("Use a date like 2026-01-31."))


def _term_end(errors, name, value, info):
    """The term's end, and its rule against the start (a school year at most) when the start is good."""
    end = fields.date_value(errors, name, value)
    start = info.data.get("term_start")
    if end is not None and isinstance(start, date):
        terms.check_term(errors, start, end, name)
    return end


TermEnd = _field(_term_end, DATE_SCHEMA, required=True, json_type=_is_text,
                 type_message=lambda: _("Use a date like 2026-01-31."))

CLOCK = r"^\s*(([01]\d|2[0-3]):[0-5][05]|24:00)\s*$"
INTERVAL_SCHEMA = {"type": "object", "required": ["day", "start", "end"], "properties": {
    "day": {"anyOf": [{"enum": list(DAYS)}, {"type": "integer", "minimum": 0, "maximum": 6}],
            "description": "mon..sun, or 0 (Monday) to 6"},
    "start": {"type": "string", "pattern": CLOCK, "description": "HH:MM on the 5-minute grid, local time"},
    "end": {"type": "string", "pattern": CLOCK, "description": "HH:MM after start, up to 24:00"}},
    "description": "a weekly interval on one local day"}


def _intervals(most: int, errors, name, value, info) -> list[tuple[int, int, int]]:
    """Weekly intervals `{day, start, end}`; every bad one is named (`windows.2.end`). Overlapping ones merge."""
    if not isinstance(value, list):
        errors.add(name, _("A list of intervals is expected."))
        return []
    if len(value) > most:
        errors.add(name, _("At most %(n)d intervals.", n=most))
        return []
    parsed = []
    for index, raw in enumerate(value):
        if _strict(info) and isinstance(raw, dict) and isinstance(raw.get("day"), str) and raw["day"] not in DAYS:
            errors.add(f"{name}.{index}.day", _("Unknown day of the week."))  # "3" is a form's day, not JSON's
            continue
        parsed.append(fields.interval(errors, f"{name}.{index}", raw))
    return fields.merge_intervals([p for p in parsed if p])


def Intervals(most: int):
    return _field(lambda errors, name, value, info: _intervals(most, errors, name, value, info),
                  {"type": "array", "maxItems": most, "items": INTERVAL_SCHEMA}, required=True)



class Account(Schema):
    name: Text(120, required=True)
    email: Email
    password: Password
    language: Language


class StaffAccount(Account):
    """A coordinator or admin account, active at once (the admin creates it)."""
    timezone: Zone


class TeacherRegistration(Account):
    """A teacher signs up; the account waits for a coordinator's approval."""
    province: Province
    timezone: Zone
    subjects: Subjects
    grades: Grades
    school_name: Text(160)
    years_teaching: Integer(0, 50, default=0)
    certified: Flag


class SchoolRegistration(Account):
    """School staff sign up with their school. For a school new to the programme, school_name, level, province and
    district are required too; joining a school that is already there needs its staff's approval."""
    npsn: Npsn
    school_name: Text(160)
    level: Level
    province: OptionalProvince
    district: Text(120)
    timezone: Zone
    remote: Flag


class TeacherProfileBody(Schema):
    """Subjects, grades and limits; a field left out keeps its value."""
    province: OptionalProvince
    timezone: Zone
    subjects: OptionalSubjects
    grades: OptionalGrades
    max_sessions_per_day: Integer(1, 8)
    max_sessions_per_week: Integer(1, 40)
    years_teaching: Integer(0, 50)
    certified: FlagOf(None)


class AvailabilityBody(Schema):
    """The whole weekly availability in the teacher's zone; overlapping or touching blocks merge."""
    availability: Intervals(200)


def _grade(errors, name, value, info):
    grade = fields.integer(errors, name, value, low=1, high=12)
    school = (info.context or {}).get("school")
    if name not in errors.fields and school is not None and grade not in LEVEL_GRADES[school.level]:
        errors.add(name, _("This school (%(level)s) does not teach grade %(grade)d.", level=school.level,
                           grade=grade))
    return grade


def _subject(errors, name, value, info):
    subject = fields.text(errors, name, value, max_length=60)
    grade, school = info.data.get("grade"), (info.context or {}).get("school")
    if name not in errors.fields and isinstance(grade, int) and school is not None \
            and not subject_taught_at(subject, grade, school.level):
        errors.add(name, _("%(subject)s is not a subject of grade %(grade)d.", subject=subject, grade=grade))
    return subject


def _windows(errors, name, value, info):
    """The school's windows: at least one, one long enough for a session, on as many days as sessions a week."""
    if not isinstance(value, list) or not value:
        errors.add(name, _("Give at least one window of the school day."))
        return []
    windows = _intervals(50, errors, name, value, info)
    duration, per_week = info.data.get("duration_minutes"), info.data.get("sessions_per_week")
    if windows and isinstance(duration, int):
        if max(end - start for _day, start, end in windows) < duration:
            errors.add(name, _("No window is long enough for a session of %(n)d minutes.", n=duration))
        elif isinstance(per_week, int) and len({day for day, _s, _e in windows}) < per_week:
            errors.add(name, _("%(n)d sessions a week need windows on at least %(n)d different days.", n=per_week))
    return windows


class RequestBody(Schema):
    """A school's request for a class: subject and grade, how many sessions a week and how long, in which windows
    of the school's day (its own zone), over which term (a school year at most). The grade must be one the school
    teaches and the subject one of that grade."""
    class_name: Text(40)
    grade: _field(_grade, {"type": "integer", "minimum": 1, "maximum": 12}, required=True, json_type=_is_number,
                  type_message=_number_type)
    subject: _field(_subject, {"enum": sorted(ALL_SUBJECTS)}, required=True, json_type=_is_text,
                    type_message=_text_type)
    students: Integer(1, 200, required=True)
    sessions_per_week: Integer(1, 7, required=True)
    duration_minutes: Integer(15, 240, required=True, multiple_of=5,
                               multiple_message=lambda: _("The duration is a multiple of 5 minutes."))
    priority: Integer(1, 5, default=3)
    term_start: DateValue
    term_end: TermEnd
    windows: _field(_windows, {"type": "array", "minItems": 1, "maxItems": 50, "items": INTERVAL_SCHEMA},
                    required=True)


class Reason(Schema):
    """Why: the school (or the teacher) reads it."""
    reason: Text(300, required=True)


class RatingBody(Schema):
    """Stars for a session that has taken place, and a comment the teacher reads."""
    stars: Integer(1, 5, required=True)
    comment: Text(500)


class RunBody(Schema):
    """A full matching run of a term (a school year at most), stopped after `time_limit` seconds."""
    term_start: DateValue
    term_end: TermEnd
    time_limit: Integer(5, 900, default=60)


class ReplanBody(Schema):
    """A re-plan of the published timetable's term, keeping every assignment that is still valid."""
    time_limit: Integer(5, 900, default=60)


def _join_code(errors, name, value, info):
    if not isinstance(value, str) or not value.strip() or len(value) > JOIN_CODE_MAX:
        errors.add(name, _("Enter the join code your teacher gave you."))
    return value


def _person_name(errors, name, value, info):
    from ..services.rooms.payload import clean_text  # the room's own rule for a line a person types
    try:
        return clean_text(value, name, NAME_MAX, _("Enter your name."))
    except ValidationError as exc:
        errors.fields.update(exc.fields)
        return ""


def _browser_key(errors, name, value, info):
    if not isinstance(value, str) or not 16 <= len(value) <= 64 or set(value) - BROWSER_KEY_CHARS:
        errors.add(name, _("The browser key is 16 to 64 letters, digits, - or _."))
    return value


class JoinBody(Schema):
    """A student enters a live session with the code the teacher gave and a name; `key` is the browser's own
    random key, so a removal holds for that browser."""
    code: _field(_join_code, {"type": "string", "minLength": 1, "maxLength": JOIN_CODE_MAX, "pattern": ROW_TEXT},
                 required=True)
    name: _field(_person_name, {"type": "string", "maxLength": NAME_MAX, "pattern": r"[^\s\x00-\x1f\x7f-\x9f]"},
                 required=True)
    key: _field(_browser_key, {"type": "string", "minLength": 16, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"})
