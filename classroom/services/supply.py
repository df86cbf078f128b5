"""Supply a school sees while it asks: how many approved teachers who teach a subject and grade are free at
each hour of the week, in the school's own time. A teacher counts for an hour when their availability covers
the whole hour once moved into the school's zone; teachers of the school's own province are left out, as the
matching never gives a school a teacher of its own province."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AccountStatus, Role, School, TeacherProfile, User
from ..timefmt import utc_offset_minutes

WEEK_MINUTES = 7 * 1440


def fitting_teachers(subject: str, grade: int, school: School) -> list[TeacherProfile]:
    """Active (approved) teachers of the subject and grade from another province, with their availability."""
    profiles = db.session.scalars(select(TeacherProfile).join(User).where(
        User.role == Role.TEACHER, User.status == AccountStatus.ACTIVE,
        TeacherProfile.province_code != school.province_code)
        .options(selectinload(TeacherProfile.availability)).order_by(TeacherProfile.id)).all()
    return [p for p in profiles if subject in p.subjects and grade in p.grades]


def _free_minutes(profile: TeacherProfile, shift: int) -> list[tuple[int, int]]:
    """The teacher's weekly free intervals as week minutes of the school's zone; one crossing the week's end is
    split in two."""
    out = []
    for slot in profile.availability:
        start = (slot.day * 1440 + slot.start_minute + shift) % WEEK_MINUTES
        end = start + slot.end_minute - slot.start_minute
        if end <= WEEK_MINUTES:
            out.append((start, end))
        else:
            out += [(start, WEEK_MINUTES), (0, end - WEEK_MINUTES)]
    return _merged(out)


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def free_by_hour(subject: str, grade: int, school: School) -> dict:
    """`hours[day][hour]`: fitting teachers free for the whole school-local hour (day 0 = Monday), and how many
    fit at all."""
    school_offset = utc_offset_minutes(school.timezone)
    hours = [[0] * 24 for _day in range(7)]
    teachers = fitting_teachers(subject, grade, school)
    for profile in teachers:
        free = _free_minutes(profile, school_offset - utc_offset_minutes(profile.timezone))
        for day in range(7):
            for hour in range(24):
                first = day * 1440 + hour * 60
                if any(start <= first and first + 60 <= end for start, end in free):
                    hours[day][hour] += 1
    return {"hours": hours, "teachers": len(teachers)}
