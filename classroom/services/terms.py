"""A term as schools and coordinators give it: two dates, the end not before the start, a school year at most."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from . import fields

MAX_TERM_DAYS = 366  # a school year, a leap day included


def term_dates(errors: fields.FieldErrors, data: dict,
               names: tuple[str, str] = ("term_start", "term_end")) -> tuple[date | None, date | None]:
    """(start, end) of a term (or of dates named otherwise), refused by name unless it is at most a school year
    of dates the programme plans (fields.date_value bounds each date): one school cannot make a run date
    thousands of sessions, or past the calendar's end."""
    first, last = names
    start = fields.date_value(errors, first, data.get(first))
    end = fields.date_value(errors, last, data.get(last))
    if first in errors.fields or last in errors.fields or start is None or end is None:
        return start, end
    check_term(errors, start, end, last)
    return start, end


def check_term(errors: fields.FieldErrors, start: date, end: date, field: str = "term_end") -> None:
    """The end not before the start, and a school year at most; refused on the end's field."""
    if end < start:
        errors.add(field, _("The term must end after it starts."))
    elif (end - start).days + 1 > MAX_TERM_DAYS:
        errors.add(field, _("A term is at most a school year (%(n)d days).", n=MAX_TERM_DAYS))
