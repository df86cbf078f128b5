"""A substitute for one dated session a teacher cannot give: a one-session match over the programme's free,
fitting teachers, keeping every rule of the matching (subject and grade, another province, availability,
leave, break, daily and weekly limits). The class keeps its session and join code."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import LiveSession, LiveStatus, TeacherProfile
from ..timefmt import as_utc, in_zone
from . import matching
from .quality import quality, ratings_by_teacher


def _inside_availability(profile: TeacherProfile, live: LiveSession) -> bool:
    start = in_zone(live.starts_at, profile.timezone)
    first = start.hour * 60 + start.minute
    last = first + int((as_utc(live.ends_at) - as_utc(live.starts_at)).total_seconds() // 60)
    return any(a.day == start.weekday() and a.start_minute <= first and last <= a.end_minute for a in profile.availability)


def _sessions_between(profile: TeacherProfile, first, last) -> int:
    return db.session.scalar(select(func.count()).select_from(LiveSession).where(
        LiveSession.teacher_id == profile.id, LiveSession.status == LiveStatus.SCHEDULED,
        LiveSession.starts_at >= first, LiveSession.starts_at < last)) or 0


def _within_limits(profile: TeacherProfile, live: LiveSession) -> bool:
    """No clash within the break, and room in the teacher-local day and week."""
    gap = timedelta(minutes=matching.BREAK_MINUTES)
    clash = db.session.scalar(select(func.count()).select_from(LiveSession).where(
        LiveSession.teacher_id == profile.id, LiveSession.status == LiveStatus.SCHEDULED,
        LiveSession.starts_at < as_utc(live.ends_at) + gap, LiveSession.ends_at > as_utc(live.starts_at) - gap))
    if clash:
        return False
    local = in_zone(live.starts_at, profile.timezone)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = day_start - timedelta(days=local.weekday())
    return (_sessions_between(profile, day_start, day_start + timedelta(days=1)) < profile.max_sessions_per_day
            and _sessions_between(profile, week_start, week_start + timedelta(days=7)) < profile.max_sessions_per_week)


def find_substitute(live: LiveSession, leaving: TeacherProfile) -> TeacherProfile | None:
    """The best free teacher who may teach this one session, or None."""
    request = live.request
    day = in_zone(live.starts_at, request.school.timezone).date()
    excluded = (set(matching.withdrawn_teachers([request.id]).get(request.id, []))
                | {matching.teacher_key(t) for t in [leaving.id, *(live.given_up_by or [])]})
    ratings = ratings_by_teacher()
    fitting = [p for p in matching.matchable_teachers(day, day)
               if matching.teacher_key(p.id) not in excluded and request.subject in p.subjects
               and request.grade in p.grades and p.province_code != request.school.province_code
               and not matching.on_leave(p, live.starts_at) and _inside_availability(p, live)
               and _within_limits(p, live)]
    fitting.sort(key=lambda p: (-quality(p, *ratings.get(p.id, (0, None))), p.id))
    return fitting[0] if fitting else None
