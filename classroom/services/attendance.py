"""Attendance of a live session: each participant's stretches of presence, reconnects merged, minutes present."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import pgettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import LiveSession, Participant
from ..timefmt import as_utc, utcnow

# A drop and return within this gap is one presence: a weak connection, not a student who left.
RECONNECT_GAP = timedelta(minutes=2)


@dataclass
class Stretch:
    joined_at: datetime
    left_at: datetime


@dataclass
class AttendanceRow:
    participant_id: int
    name: str
    role: str
    headcount: int | None
    removed: bool
    stretches: list[Stretch] = field(default_factory=list)
    reconnects: int = 0

    @property
    def first_joined(self) -> datetime | None:
        return self.stretches[0].joined_at if self.stretches else None

    @property
    def last_left(self) -> datetime | None:
        return self.stretches[-1].left_at if self.stretches else None

    @property
    def minutes_present(self) -> int:
        seconds = sum((s.left_at - s.joined_at).total_seconds() for s in self.stretches)
        return int(round(seconds / 60))


def merge(intervals: list[tuple[datetime, datetime]], gap: timedelta = RECONNECT_GAP) -> tuple[list[Stretch], int]:
    """Overlapping intervals (two tabs) and ones a short drop apart (a reconnect) become one stretch."""
    stretches: list[Stretch] = []
    reconnects = 0
    for joined, left in sorted(intervals):
        if stretches and joined <= stretches[-1].left_at + gap:
            if joined > stretches[-1].left_at:
                reconnects += 1
            stretches[-1].left_at = max(stretches[-1].left_at, left)
        else:
            stretches.append(Stretch(joined, left))
    return stretches, reconnects


def report(live: LiveSession, now: datetime | None = None) -> list[AttendanceRow]:
    """One row per participant who was ever connected; open intervals count up to now or the session's end."""
    now = now or utcnow()
    end = as_utc(live.ended_at or live.ends_at)
    cap = min(now, end) if live.ended_at is None else end
    participants = db.session.scalars(select(Participant).where(Participant.live_session_id == live.id)
                                      .options(selectinload(Participant.attendance))
                                      .order_by(Participant.role, Participant.name, Participant.id))
    rows = []
    for participant in participants:
        intervals = []
        for interval in participant.attendance:
            joined = as_utc(interval.joined_at)
            left = as_utc(interval.left_at) if interval.left_at else max(joined, cap)
            intervals.append((joined, min(left, max(joined, end))))
        if not intervals:
            continue
        stretches, reconnects = merge(intervals)
        rows.append(AttendanceRow(participant.id, participant.name, participant.role, participant.headcount,
                                  participant.removed, stretches, reconnects))
    return rows


def to_csv(live: LiveSession, rows: list[AttendanceRow], zone_name: str) -> str:
    from ..timefmt import in_zone, zone_label
    label = zone_label(zone_name)
    out = io.StringIO()
    writer = csv.writer(out)
    # Headers and words in the viewer's language; the values a spreadsheet computes with stay plain.
    writer.writerow([pgettext("csv", "session_id"), pgettext("csv", "participant_id"), pgettext("csv", "name"),
                     pgettext("csv", "role"), pgettext("csv", "headcount"), pgettext("csv", "first_joined"),
                     pgettext("csv", "last_left"), pgettext("csv", "minutes_present"), pgettext("csv", "reconnects"),
                     pgettext("csv", "removed"), pgettext("csv", "zone")])
    roles = {"student": pgettext("csv", "student"), "teacher": pgettext("csv", "teacher"),
             "host": pgettext("csv", "host"), "class_device": pgettext("csv", "class_device")}
    for row in rows:
        writer.writerow([live.id, row.participant_id, _csv_safe(row.name), roles.get(row.role, row.role),
                         row.headcount or "",
                         in_zone(row.first_joined, zone_name).isoformat(timespec="minutes"),
                         in_zone(row.last_left, zone_name).isoformat(timespec="minutes"),
                         row.minutes_present, row.reconnects,
                         pgettext("csv", "yes") if row.removed else pgettext("csv", "no"), label])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    # A name typed as "=HYPERLINK(...)" must not become a formula when the school opens the file in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
