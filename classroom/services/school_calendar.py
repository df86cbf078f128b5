"""Indonesia's school calendar: national holidays (the `holidays` package, country ID) and the coordinator's
dated closures (the year's cuti bersama, a province's school closures). No session is dated on them."""
from __future__ import annotations

from datetime import date, timedelta

import holidays
from flask_babel import get_locale, gettext as _
from sqlalchemy import or_, select

from ..extensions import db
from ..models import Closure, LiveSession, LiveStatus, School, User
from ..reference import PROVINCES_BY_CODE
from ..timefmt import in_zone, local_datetime, utcnow
from . import fields, terms
from .notifications import notify

NAME_MAX = 120


def _language() -> str:
    locale = get_locale()
    return "en_US" if locale is not None and locale.language == "en" else "id"


def national_holidays(start: date, end: date) -> dict[date, str]:
    """Indonesia's national holidays from `start` to `end`, named in the current language."""
    if end < start:
        return {}
    days = holidays.country_holidays("ID", years=range(start.year, end.year + 1), language=_language())
    return {day: name for day, name in sorted(days.items()) if start <= day <= end}


def closures_between(start: date, end: date, province_code: str | None = None, any_province: bool = False) -> list[Closure]:
    """Closures overlapping the dates: nationwide ones, and the province's (or every province's)."""
    query = select(Closure).where(Closure.start_date <= end, Closure.end_date >= start)
    if not any_province:
        query = query.where(or_(Closure.province_code.is_(None), Closure.province_code == province_code))
    return list(db.session.scalars(query.order_by(Closure.start_date, Closure.id)))


def closed_days(start: date, end: date, province_code: str | None = None) -> dict[date, str]:
    """Every day without school for a province (or nationwide only, without one), with its name."""
    out = national_holidays(start, end)
    for closure in closures_between(start, end, province_code):
        day = max(start, closure.start_date)
        while day <= min(end, closure.end_date):
            out.setdefault(day, closure.name)
            day += timedelta(days=1)
    return dict(sorted(out.items()))


def add_closure(coordinator: User, data: dict) -> tuple[Closure, list[LiveSession]]:
    """A dated closure; coming sessions on it are cancelled and their schools and teachers told."""
    errors = fields.FieldErrors()
    start, end = terms.term_dates(errors, {**data, "end_date": data.get("end_date") or data.get("start_date")},
                                  ("start_date", "end_date"))
    name = fields.text(errors, "name", data.get("name"), max_length=NAME_MAX)
    province = data.get("province") or None
    if province is not None and province not in PROVINCES_BY_CODE:
        errors.add("province", _("Choose a province from the list."))
    errors.raise_if_any()
    closure = Closure(start_date=start, end_date=end, name=name, province_code=province, created_by_id=coordinator.id)
    db.session.add(closure)
    db.session.flush()
    return closure, cancel_sessions_on(closure)


def cancel_sessions_on(closure: Closure) -> list[LiveSession]:
    """Coming sessions of the closure's schools on its dates (school-local), cancelled with notice."""
    query = select(LiveSession).join(School, LiveSession.school_id == School.id).where(
        LiveSession.status == LiveStatus.SCHEDULED, LiveSession.starts_at > utcnow(),
        # a day's margin either side, as school-local dates are checked below
        LiveSession.starts_at < local_datetime(closure.end_date + timedelta(days=2), 0, "UTC"),
        LiveSession.ends_at > local_datetime(closure.start_date - timedelta(days=1), 0, "UTC"))
    if closure.province_code is not None:
        query = query.where(School.province_code == closure.province_code)
    cancelled = [live for live in db.session.scalars(query.order_by(LiveSession.starts_at))
                 if closure.start_date <= in_zone(live.starts_at, live.school.timezone).date() <= closure.end_date]
    for live in cancelled:
        live.status, live.withdrawn_reason = LiveStatus.CANCELLED, closure.name
        notify(list(live.school.staff) + [live.teacher.user], "session_closed", subject=live.request.subject,
               grade=live.request.grade, school=live.school.name, when=live.starts_at, zone=live.school.timezone,
               closure=closure.name)
    db.session.flush()
    return cancelled
