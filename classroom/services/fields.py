"""Checks of single input fields shared by forms, the API and the CLI; each failure names its field."""
from __future__ import annotations

import re
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from ..reference import ALL_SUBJECTS, LEVEL_GRADES, PROVINCES_BY_CODE, PROVINCES_BY_NAME, Province
from ..timefmt import DAYS, hhmm_to_minutes, is_known_zone
from ..errors import ValidationError
from ..validation import storable, unstorable_message

MIN_PASSWORD = 10


class FieldErrors:
    """Collects every bad field of one input, so the person sees all problems at once."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationError(self.fields)


def text(errors: FieldErrors, field: str, value, *, max_length: int, required: bool = True) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        errors.add(field, _("Must be text."))
        return ""
    value = value.strip()
    if not storable(value):  # a NUL from a form (%00), a lone surrogate from JSON
        errors.add(field, unstorable_message())
    elif required and not value:
        errors.add(field, _("This field is required."))
    elif len(value) > max_length:
        errors.add(field, _("At most %(n)d characters.", n=max_length))
    return value


def whole_number(value) -> int | None:
    """An int from a form's text or JSON's number, or None: JSON also allows 1e999, Infinity and NaN, floats no
    int() can take (OverflowError, ValueError)."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return None if isinstance(value, float) and value != number else number


def integer(errors: FieldErrors, field: str, value, *, low: int, high: int) -> int:
    number = whole_number(value)
    if number is None:
        errors.add(field, _("Must be a whole number."))
        return low
    if not low <= number <= high:
        errors.add(field, _("Must be between %(low)d and %(high)d.", low=low, high=high))
    return number


def email(errors: FieldErrors, field: str, value) -> str:
    value = text(errors, field, value, max_length=254)
    if value and field not in errors.fields:
        try:
            value = validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.add(field, _("This is not a valid e-mail address."))
    return value


def password(errors: FieldErrors, field: str, value) -> str:
    if not isinstance(value, str) or len(value) < MIN_PASSWORD:
        errors.add(field, _("The password needs at least %(n)d characters.", n=MIN_PASSWORD))
        return ""
    if len(value) > 200:
        errors.add(field, _("At most %(n)d characters.", n=200))
    return value


def province(errors: FieldErrors, field: str, value) -> Province | None:
    found = PROVINCES_BY_CODE.get(value) if isinstance(value, str) else None
    found = found or (PROVINCES_BY_NAME.get(value) if isinstance(value, str) else None)
    if not found:
        errors.add(field, _("Unknown province."))
    return found


def timezone_name(errors: FieldErrors, field: str, value) -> str:
    if not isinstance(value, str) or not is_known_zone(value):
        errors.add(field, _("Unknown time zone."))
        return ""
    return value


def grade_list(errors: FieldErrors, field: str, values) -> list[int]:
    if not isinstance(values, (list, tuple)) or not values:
        errors.add(field, _("Choose at least one grade."))
        return []
    grades = set()
    for value in values:
        grade = whole_number(value) or 0
        if not 1 <= grade <= 12:
            errors.add(field, _("Grades are between 1 and 12."))
            return []
        grades.add(grade)
    return sorted(grades)


def subject_list(errors: FieldErrors, field: str, values) -> list[str]:
    if not isinstance(values, (list, tuple)) or not values:
        errors.add(field, _("Choose at least one subject."))
        return []
    unknown = [v for v in values if v not in ALL_SUBJECTS]
    if unknown:
        errors.add(field, _("Unknown subject: %(name)s.", name=str(unknown[0])[:60]))
        return []
    return sorted(set(values))


def level(errors: FieldErrors, field: str, value) -> str:
    if not isinstance(value, str) or value not in LEVEL_GRADES:  # {} from JSON is no key at all
        errors.add(field, _("Choose a level from the list (%(levels)s).", levels=", ".join(LEVEL_GRADES)))
        return ""
    return value


def npsn(errors: FieldErrors, field: str, value) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"\d{8}", value):
        errors.add(field, _("The NPSN has exactly 8 digits."))
    return value


def weekday(errors: FieldErrors, field: str, value) -> int:
    if isinstance(value, str) and value in DAYS:
        return DAYS.index(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str) and value.isdigit() and 0 <= int(value) <= 6:
        return int(value)
    errors.add(field, _("Unknown day of the week."))
    return 0


def clock(errors: FieldErrors, field: str, value) -> int:
    """`HH:MM` on the 5-minute grid, 00:00 to 24:00."""
    try:
        minute = hhmm_to_minutes(value)
    except (ValueError, AttributeError, TypeError):
        errors.add(field, _("Use a time like 07:30, between 00:00 and 24:00."))
        return 0
    if minute % 5:
        errors.add(field, _("Times are on a 5-minute grid."))
    return minute


def interval(errors: FieldErrors, prefix: str, raw) -> tuple[int, int, int] | None:
    """A weekly interval `{day, start, end}` on one local day; `end` after `start`."""
    if not isinstance(raw, dict):
        errors.add(prefix, _("Each interval needs a day, a start and an end."))
        return None
    before = len(errors.fields)
    day = weekday(errors, f"{prefix}.day", raw.get("day"))
    start = clock(errors, f"{prefix}.start", raw.get("start"))
    end = clock(errors, f"{prefix}.end", raw.get("end"))
    if len(errors.fields) > before:
        return None
    if end <= start:
        errors.add(f"{prefix}.end", _("The end must be after the start."))
        return None
    return day, start, end


def merge_intervals(intervals: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Overlapping or touching blocks on one day become one block."""
    merged: list[tuple[int, int, int]] = []
    for day, start, end in sorted(intervals):
        if merged and merged[-1][0] == day and start <= merged[-1][2]:
            last = merged[-1]
            merged[-1] = (day, last[1], max(last[2], end))
        else:
            merged.append((day, start, end))
    return merged


DATE_MIN, DATE_MAX = date(2000, 1, 1), date(2100, 12, 31)  # any day the programme can mean (services/terms.py's
# bounds); weeks and terms around a date stay inside the calendar (9999-12-31 + 7 days would overflow)


def date_value(errors: FieldErrors, field: str, value) -> date | None:
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(value)
        except (TypeError, ValueError):
            errors.add(field, _("Use a date like 2026-01-31."))
            return None
    if not DATE_MIN <= value <= DATE_MAX:
        errors.add(field, _("Give a date between %(first)s and %(last)s.", first=DATE_MIN.isoformat(),
                            last=DATE_MAX.isoformat()))
        return None
    return value
