"""A term as schools and coordinators give it: two dates, the end not before the start, a school year at most."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from . import fields

MAX_TERM_DAYS = 366                          # a school year, a leap day included
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def term_dates(errors: fields.FieldErrors, data: dict) -> tuple[date | None, date | None]:
    """(term_start, term_end), each refused by name when it is not a date of a school year the programme can
    plan (one school cannot make a run date thousands of sessions, or past the calendar's end)."""
    start = fields.date_value(errors, "term_start", data.get("term_start"))
    end = fields.date_value(errors, "term_end", data.get("term_end"))
    for field, value in (("term_start", start), ("term_end", end)):
        if value is not None and not EARLIEST <= value <= LATEST:
            errors.add(field, _("Give a date between %(first)s and %(last)s.",
                                first=EARLIEST.isoformat(), last=LATEST.isoformat()))
    if "term_start" in errors.fields or "term_end" in errors.fields or start is None or end is None:
        return start, end
    if end < start:
        errors.add("term_end", _("The term must end after it starts."))
    elif (end - start).days + 1 > MAX_TERM_DAYS:
        errors.add("term_end", _("A term is at most a school year (%(n)d days).", n=MAX_TERM_DAYS))
    return start, end
