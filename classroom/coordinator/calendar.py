"""The coordinator's school calendar: the year's national holidays, and the closures she adds (cuti bersama
for the country, a province's school closures). Adding one cancels the coming sessions on it, with notice."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from ..auth.access import roles_required
from ..extensions import db
from ..forms import form_data
from ..reference import PROVINCES, PROVINCES_BY_CODE
from ..services import fields, school_calendar
from ..timefmt import utcnow
from ..errors import ValidationError
from .views import STAFF, bp


def _year() -> int:
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        return utcnow().year
    return year if fields.DATE_MIN.year <= year <= fields.DATE_MAX.year else utcnow().year


@bp.route("/calendar", methods=["GET", "POST"])
@roles_required(*STAFF)
def calendar():
    errors, data = {}, {}
    if request.method == "POST":
        data = form_data()
        try:
            closure, cancelled = school_calendar.add_closure(current_user, data)
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            flash(ngettext("%(name)s is saved; %(num)d coming session on it is cancelled, with notice.",
                           "%(name)s is saved; %(num)d coming sessions on it are cancelled, with notice.",
                           len(cancelled), name=closure.name), "success")
            return redirect(url_for("coordinator.calendar", year=closure.start_date.year))
    year = _year()
    first, last = date(year, 1, 1), date(year, 12, 31)
    return render_template("coordinator/calendar.html", year=year, errors=errors, data=data,
                           holidays=school_calendar.national_holidays(first, last),
                           closures=school_calendar.closures_between(first, last, any_province=True),
                           provinces=PROVINCES, provinces_by_code=PROVINCES_BY_CODE), (400 if errors else 200)
