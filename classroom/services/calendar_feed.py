"""A teacher's private iCalendar feed, so live sessions show in the phone's calendar at the right instant."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from flask_babel import force_locale, gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AccountStatus, LiveSession, LiveStatus, TeacherProfile
from ..timefmt import in_zone, utcnow, zone_label
from .school_calendar import closed_days

# Old sessions stay a while so the phone does not drop lessons the teacher just gave.
KEEP_PAST = timedelta(days=60)
TOKEN_BYTES = 24
HOLIDAYS_BEFORE = timedelta(days=31)


def profile_for_token(token: str) -> TeacherProfile | None:
    """The active teacher whose feed this token opens; None for anything else."""
    if not token or len(token) > 64:
        return None
    profile = db.session.scalar(select(TeacherProfile).where(TeacherProfile.calendar_token == token))
    if profile is None or profile.user.status != AccountStatus.ACTIVE:
        return None
    return profile


def regenerate_token(profile: TeacherProfile) -> str:
    """A new private URL; the old one stops working at once (a teacher who shared it by mistake)."""
    profile.calendar_token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.flush()
    return profile.calendar_token


def event_uid(live: LiveSession) -> str:
    # Stable per live session, so a phone updates the same event when it is cancelled.
    return f"live-session-{live.id}@kelas-nusantara"


def build(profile: TeacherProfile, room_url: Callable[[LiveSession], str]) -> bytes:
    """The feed: every live session of the teacher from two months back, in UTC; cancelled ones say so."""
    now = utcnow()
    sessions = db.session.scalars(
        select(LiveSession).where(LiveSession.teacher_id == profile.id, LiveSession.ends_at >= now - KEEP_PAST)
        .options(selectinload(LiveSession.request), selectinload(LiveSession.school))
        .order_by(LiveSession.starts_at)).all()
    calendar = Calendar()
    calendar.add("prodid", "-//Kelas Nusantara//Teacher timetable//ID")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    with force_locale(profile.user.language or "id"):
        calendar.add("x-wr-calname", _("Kelas Nusantara: my sessions"))
        for live in sessions:
            calendar.add_component(_event(live, room_url(live), now))
        if sessions:  # the days without school around the sessions' span (a month before), as all-day events
            first = max((now - KEEP_PAST).date(), sessions[0].starts_at.date() - HOLIDAYS_BEFORE)
            last = sessions[-1].ends_at.date()
            for day, name in closed_days(first, last).items():
                calendar.add_component(_closed_day(day, name, now))
    return calendar.to_ical()


def _event(live: LiveSession, url: str, now) -> Event:
    request = live.request
    school_start = in_zone(live.starts_at, live.school.timezone)
    school_clock = f"{school_start:%H:%M} {zone_label(live.school.timezone)}"
    event = Event()
    event.add("uid", event_uid(live))
    event.add("dtstamp", now)
    event.add("dtstart", live.starts_at)
    event.add("dtend", live.ends_at)
    event.add("summary", _("%(subject)s grade %(grade)d · %(school)s", subject=request.subject, grade=request.grade,
                           school=live.school.name))
    lines = [
        _("Class: %(name)s", name=request.class_name) if request.class_name else "",
        _("School time: %(time)s", time=school_clock),
        _("Join: %(url)s", url=url),
        _("Join code: %(code)s", code=live.join_code),
    ]
    if live.status == LiveStatus.CANCELLED:
        lines.insert(0, _("Cancelled: %(reason)s", reason=live.withdrawn_reason or "-"))
    event.add("description", "\n".join(line for line in lines if line))
    event.add("url", url)
    event.add("location", url)
    if live.status == LiveStatus.CANCELLED:
        event.add("status", "CANCELLED")
        event.add("sequence", 1)  # a newer version than the scheduled one, so calendars apply it
    else:
        event.add("status", "CONFIRMED")
        event.add("sequence", 0)
    return event


def _closed_day(day, name: str, now) -> Event:
    event = Event()
    event.add("uid", f"closed-{day.isoformat()}@kelas-nusantara")
    event.add("dtstamp", now)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", _("No school: %(name)s", name=name))
    event.add("transp", "TRANSPARENT")
    return event
