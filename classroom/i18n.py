"""Language and time-zone choice for each viewer, and the Jinja filters that show times with their zone."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_date, get_locale, lazy_gettext as _l
from flask_login import current_user

from .reference import ZONE_NAMES
from .timefmt import DAYS, convert_weekly, in_zone, minutes_to_hhmm, zone_label

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}

DAY_NAMES = {
    "mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
    "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday"),
}


def select_locale() -> str:
    if not has_request_context():  # CLI and background jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def viewer_timezone() -> str:
    if not has_request_context():
        return current_app.config["DEFAULT_TIMEZONE"]
    if "viewer_tz" in g:
        return g.viewer_tz
    if current_user and current_user.is_authenticated:
        return current_user.viewer_timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def select_timezone() -> str:
    return viewer_timezone()


def day_name(day: str | int) -> str:
    key = DAYS[day] if isinstance(day, int) else day
    return str(DAY_NAMES[key])


def format_moment(moment: datetime | None, zone_name: str | None = None, with_date: bool = True) -> str:
    """`Senin, 30 Nov 2026 07:30 WIT`: an instant in the viewer's (or a given) zone, with the zone's name."""
    if moment is None:
        return ""
    zone_name = zone_name or viewer_timezone()
    local = in_zone(moment, zone_name)
    clock = f"{local:%H:%M} {zone_label(zone_name)}"
    if not with_date:
        return clock
    return f"{format_date(local.date(), 'EEEE, d MMM yyyy')} {clock}"


def format_day(day_date: date) -> str:
    return format_date(day_date, "EEEE, d MMM yyyy")


def format_weekly(day: str | int, minute: int, owner_zone: str, zone_name: str | None = None) -> str:
    """A weekly local time of one zone, shown in another: `Senin 05:30 WIB`."""
    zone_name = zone_name or viewer_timezone()
    day_key = DAYS[day] if isinstance(day, int) else day
    shown_day, shown_minute = convert_weekly(day_key, minute, owner_zone, zone_name)
    return f"{day_name(shown_day)} {minutes_to_hhmm(shown_minute)} {zone_label(zone_name)}"


def format_weekly_range(day: str | int, start: int, end: int, owner_zone: str, zone_name: str | None = None) -> str:
    """A weekly interval of one zone, shown in another: `Senin 06:30–08:30 WITA`."""
    zone_name = zone_name or viewer_timezone()
    day_key = DAYS[day] if isinstance(day, int) else day
    shown_day, shown_start = convert_weekly(day_key, start, owner_zone, zone_name)
    return (f"{day_name(shown_day)} {minutes_to_hhmm(shown_start)}–{minutes_to_hhmm((shown_start + end - start) % 1440 or 1440)}"
            f" {zone_label(zone_name)}")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["moment"] = format_moment
    app.jinja_env.filters["hhmm"] = minutes_to_hhmm
    app.jinja_env.filters["dayname"] = day_name
    app.jinja_env.filters["zonelabel"] = zone_label
    app.jinja_env.filters["longdate"] = format_day
    app.jinja_env.globals["format_weekly"] = format_weekly
    app.jinja_env.globals["format_weekly_range"] = format_weekly_range

    @app.context_processor
    def unread_context():
        if not (current_user and current_user.is_authenticated):
            return {}
        from sqlalchemy import func, select
        from .extensions import db
        from .models import Notification
        unread = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None)))
        return {"unread_notifications": unread}

    @app.context_processor
    def language_context():
        return {
            "current_language": str(get_locale()),
            "languages": LANGUAGES,
            "viewer_zone": viewer_timezone(),
            "viewer_zone_label": zone_label(viewer_timezone()),
            "zone_names": ZONE_NAMES,
        }
