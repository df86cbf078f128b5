"""The scheduler's reasons for an unserved request, in the reader's language."""
from __future__ import annotations

from flask_babel import gettext as _, ngettext

from ..i18n import day_name
from ..timefmt import zone_label


def _hours(details: dict) -> str:
    hours = details.get("hours") or []
    zone = zone_label(details.get("timezone", ""))
    text = ", ".join(f"{day_name(h['day'])} {h['start']}–{h['end']}" for h in hours[:8])
    return f"{text} {zone}" if text else _("none")


def explain(reason: dict | None) -> str:
    """A coordinator's or school's sentence for `{"code", "details", "reason"}`; unknown codes keep the English."""
    if not reason:
        return ""
    details = reason.get("details") or {}
    code = reason.get("code")
    try:
        if code == "windows_too_short":
            return _("No window of the school day is as long as one session (%(minutes)d minutes).",
                     minutes=details["duration_minutes"])
        if code == "no_teacher_for_subject_grade":
            return _("No teacher in the programme teaches %(subject)s for grade %(grade)d.",
                     subject=details["subject"], grade=details["grade"])
        if code == "only_same_province":
            return _("Every teacher of %(subject)s grade %(grade)d is in %(province)s, the school's own province.",
                     subject=details["subject"], grade=details["grade"], province=details["province"])
        if code == "sessions_exceed_teacher_limit":
            return _("%(needed)d sessions a week are requested, but the fitting teachers take at most %(most)d a week. Fewer sessions would fit.",
                     needed=details["needed"], most=details["most_allowed"])
        if code == "too_few_common_days":
            return _("The fitting teachers are free on only %(best)d of the %(needed)d days needed inside the school's windows. They are free (school time): %(hours)s.",
                     best=details["best"], needed=details["needed"], hours=_hours(details))
        if code == "no_common_time":
            return ngettext("%(num)d teacher fits, but is not free inside the school's windows once time zones are applied. Hours that would work (school time): %(hours)s.",
                            "%(num)d teachers fit, but none is free inside the school's windows once time zones are applied. Hours that would work (school time): %(hours)s.",
                            details["teachers"], hours=_hours(details))
        if code == "teachers_taken_by_higher_priority":
            return ngettext("The one fitting teacher is used by higher-priority requests.",
                            "All %(num)d fitting teachers are used by higher-priority requests.", details["fitting_teachers"])
        if code == "teachers_taken":
            return ngettext("The one fitting teacher is booked by requests worth more in total; more teacher hours or wider windows would let it in.",
                            "All %(num)d fitting teachers are booked by requests worth more in total; more teacher hours or wider windows would let it in.",
                            details["fitting_teachers"])
    except (KeyError, TypeError, ValueError):
        pass
    return reason.get("reason", "")
