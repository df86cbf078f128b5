"""A teacher's teaching record: sessions taught, hours as lesson hours (JP of 45 minutes), attendance and ratings."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _, pgettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AttendanceInterval, LiveSession, LiveStatus, Participant, Rating, TeacherProfile
from ..timefmt import as_utc, in_zone, utcnow, zone_label
from . import fields

JP_MINUTES = 45  # one jam pelajaran, the unit civil servants report competency development in


def jp(minutes: int) -> float:
    return round(minutes / JP_MINUTES, 1)


@dataclass
class TaughtSession:
    live: LiveSession
    local_start: datetime  # in the teacher's zone
    local_end: datetime
    minutes: int          # actually taught: the teacher in the room, until the session was ended
    planned_minutes: int
    students_present: int
    class_size: int
    rating_count: int
    rating_mean: float | None

    @property
    def jp(self) -> float:
        return jp(self.minutes)


@dataclass
class MonthTotal:
    month: str  # YYYY-MM in the teacher's zone
    sessions: int = 0
    minutes: int = 0
    students_present: int = 0

    @property
    def jp(self) -> float:
        return jp(self.minutes)


@dataclass
class TeachingRecord:
    timezone: str
    sessions: list[TaughtSession] = field(default_factory=list)
    months: list[MonthTotal] = field(default_factory=list)
    rating_count: int = 0
    rating_mean: float | None = None

    @property
    def total_sessions(self) -> int:
        return len(self.sessions)

    @property
    def total_minutes(self) -> int:
        return sum(s.minutes for s in self.sessions)

    @property
    def total_jp(self) -> float:
        return jp(self.total_minutes)


def _students_present(sessions: list[LiveSession]) -> dict[int, int]:
    """Students who were in each room: each named student once (by name, whatever browsers they used), plus the
    headcount each class device reported; never more than the class."""
    if not sessions:
        return {}
    present = (select(AttendanceInterval.participant_id).distinct())
    rows = db.session.execute(
        select(Participant.live_session_id, Participant.role, Participant.headcount, Participant.name)
        .where(Participant.live_session_id.in_([s.id for s in sessions]), Participant.removed.is_(False),
               Participant.role.in_(("student", "class_device")), Participant.id.in_(present)))
    names: dict[int, set[str]] = {}
    headcounts: dict[int, int] = {}
    for live_session_id, role, headcount, name in rows:
        if role == "class_device":
            headcounts[live_session_id] = headcounts.get(live_session_id, 0) + (headcount or 1)
        else:
            names.setdefault(live_session_id, set()).add(" ".join(name.split()).casefold())
    return {live.id: min(live.request.students, len(names.get(live.id, ())) + headcounts.get(live.id, 0))
            for live in sessions}


def _taught_minutes(sessions: list[LiveSession]) -> dict[int, int]:
    """Minutes each session was actually taught: the teacher's time in the room within the planned start and the
    moment it was ended (or its planned end); a session ended by the teacher with no presence recorded counts
    from its start to that moment; a session nobody opened counts nothing."""
    if not sessions:
        return {}
    rows = db.session.execute(
        select(Participant.live_session_id, AttendanceInterval.joined_at, AttendanceInterval.left_at)
        .join(AttendanceInterval, AttendanceInterval.participant_id == Participant.id)
        .where(Participant.live_session_id.in_([s.id for s in sessions]), Participant.role.in_(("teacher", "host"))))
    presence: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for live_session_id, joined, left in rows:
        presence.setdefault(live_session_id, []).append((as_utc(joined), as_utc(left) if left else None))
    out = {}
    for live in sessions:
        start = as_utc(live.starts_at)
        end = min(as_utc(live.ends_at), as_utc(live.ended_at)) if live.ended_at else as_utc(live.ends_at)
        intervals = presence.get(live.id)
        if not intervals:
            out[live.id] = max(0, int((end - start).total_seconds() // 60)) if live.ended_at else 0
            continue
        taught, reached = 0.0, start
        for joined, left in sorted(intervals, key=lambda i: i[0]):
            a, b = max(joined, reached), min(left or end, end)
            if b > a:
                taught += (b - a).total_seconds()
                reached = b
        out[live.id] = int(taught // 60)
    return out


def _ratings(session_ids: list[int]) -> dict[int, tuple[int, float]]:
    if not session_ids:
        return {}
    rows = db.session.execute(select(Rating.live_session_id, func.count(), func.avg(Rating.stars))
                              .where(Rating.live_session_id.in_(session_ids)).group_by(Rating.live_session_id))
    return {live_id: (count, float(mean)) for live_id, count, mean in rows}


def build(profile: TeacherProfile, first_day: date | None = None, last_day: date | None = None,
          now: datetime | None = None) -> TeachingRecord:
    """Sessions taught (ended, not cancelled, the teacher in the room) between two local dates of the teacher
    (both included). Hours count the time actually taught; the planned length is kept beside it."""
    now = now or utcnow()
    zone = profile.timezone
    taught = db.session.scalars(
        select(LiveSession).where(LiveSession.teacher_id == profile.id, LiveSession.status != LiveStatus.CANCELLED,
                                  or_(LiveSession.status == LiveStatus.ENDED, LiveSession.ends_at <= now))
        .options(selectinload(LiveSession.request), selectinload(LiveSession.school))
        .order_by(LiveSession.starts_at)).all()
    taught = [live for live in taught
              if (first_day is None or in_zone(live.starts_at, zone).date() >= first_day)
              and (last_day is None or in_zone(live.starts_at, zone).date() <= last_day)]
    taught_minutes = _taught_minutes(taught)
    taught = [live for live in taught if taught_minutes[live.id] > 0]
    ids = [live.id for live in taught]
    present = _students_present(taught)
    ratings = _ratings(ids)
    record = TeachingRecord(timezone=zone)
    months: dict[str, MonthTotal] = {}
    for live in taught:
        minutes = taught_minutes[live.id]
        count, mean = ratings.get(live.id, (0, None))
        row = TaughtSession(live=live, local_start=in_zone(live.starts_at, zone), local_end=in_zone(live.ends_at, zone),
                            minutes=minutes, students_present=present.get(live.id, 0),
                            planned_minutes=int((as_utc(live.ends_at) - as_utc(live.starts_at)).total_seconds() // 60),
                            class_size=live.request.students, rating_count=count, rating_mean=mean)
        record.sessions.append(row)
        month = months.setdefault(row.local_start.strftime("%Y-%m"), MonthTotal(row.local_start.strftime("%Y-%m")))
        month.sessions += 1
        month.minutes += minutes
        month.students_present += row.students_present
    record.months = [months[key] for key in sorted(months)]
    stars = [(s.rating_count, s.rating_mean) for s in record.sessions if s.rating_count]
    record.rating_count = sum(count for count, _mean in stars)
    if record.rating_count:
        record.rating_mean = round(sum(count * mean for count, mean in stars) / record.rating_count, 1)
    return record


def _csv_safe(text: str) -> str:
    # A school name typed as "=HYPERLINK(...)" must not become a formula in the teacher's spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(record: TeachingRecord) -> str:
    """One row per session, then the totals per month and overall; times in the teacher's zone, named; the
    headers in the viewer's language."""
    label = zone_label(record.timezone)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([pgettext("csv", "date"), pgettext("csv", "start"), pgettext("csv", "end"),
                     pgettext("csv", "zone"), pgettext("csv", "school"), pgettext("csv", "school_time"),
                     pgettext("csv", "subject"), pgettext("csv", "grade"), pgettext("csv", "class"),
                     pgettext("csv", "minutes"), pgettext("csv", "planned_minutes"), pgettext("csv", "jp"),
                     pgettext("csv", "students_present"), pgettext("csv", "class_size"), pgettext("csv", "rating")])
    for row in record.sessions:
        live = row.live
        school_start = in_zone(live.starts_at, live.school.timezone)
        writer.writerow([row.local_start.date().isoformat(), f"{row.local_start:%H:%M}", f"{row.local_end:%H:%M}",
                         label, _csv_safe(live.school.name), f"{school_start:%H:%M} {zone_label(live.school.timezone)}",
                         live.request.subject, live.request.grade, _csv_safe(live.request.class_name), row.minutes, row.planned_minutes,
                         f"{row.jp:.1f}", row.students_present, row.class_size,
                         f"{row.rating_mean:.1f}" if row.rating_mean is not None else ""])
    writer.writerow([])
    writer.writerow([pgettext("csv", "month"), pgettext("csv", "sessions"), pgettext("csv", "minutes"),
                     pgettext("csv", "jp")])
    for month in record.months:
        writer.writerow([month.month, month.sessions, month.minutes, f"{month.jp:.1f}"])
    writer.writerow([pgettext("csv", "total"), record.total_sessions, record.total_minutes, f"{record.total_jp:.1f}"])
    return out.getvalue()


def record_range(args) -> tuple[date | None, date | None, dict[str, str]]:
    """The record's dates from a query (`from`, `to`, both optional), and each bad one's message."""
    errors = fields.FieldErrors()
    first = fields.date_value(errors, "from", args["from"]) if args.get("from") else None
    last = fields.date_value(errors, "to", args["to"]) if args.get("to") else None
    if first and last and last < first:
        errors.add("to", _("The end date must not be before the start date."))
    return first, last, errors.fields
