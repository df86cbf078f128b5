"""Time zones and week-clock arithmetic: every time shown to a person is in their zone, with its name."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .reference import ZONE_NAMES

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK_MINUTES = 7 * 24 * 60


ZONE_NAME_MAX = 64  # the longest IANA name has 32 characters; a 5,000-character one made the file system raise


def is_known_zone(name: str) -> bool:
    if not isinstance(name, str) or not 0 < len(name) <= ZONE_NAME_MAX:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # ValueError also covers NUL and lone surrogates
        return False
    return True


def zone_label(name: str) -> str:
    """WIB/WITA/WIT for Indonesia's zones, the IANA name otherwise."""
    return ZONE_NAMES.get(name, name)


def utc_offset_minutes(zone_name: str) -> int:
    # Indonesia has no daylight saving, so any instant gives the offset.
    offset = datetime(2024, 1, 1, tzinfo=ZoneInfo(zone_name)).utcoffset()
    return int(offset.total_seconds() // 60)


def minutes_to_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hhmm_to_minutes(text: str) -> int:
    """Parse `HH:MM` (00:00..24:00); raises ValueError on anything else."""
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    hours, mins = int(parts[0]), int(parts[1])
    if not (0 <= mins < 60) or not (0 <= hours <= 24) or (hours == 24 and mins):
        raise ValueError(text)
    return hours * 60 + mins


def week_minute(day: str, minute: int, zone_name: str) -> int:
    """A local (day, minute) on the absolute week clock: minutes since Monday 00:00 UTC, wrapped."""
    return (DAYS.index(day) * 1440 + minute - utc_offset_minutes(zone_name)) % WEEK_MINUTES


def from_week_minute(absolute: int, zone_name: str) -> tuple[str, int]:
    """The local (day, minute) in `zone_name` of an absolute week-clock minute."""
    local = (absolute + utc_offset_minutes(zone_name)) % WEEK_MINUTES
    return DAYS[local // 1440], local % 1440


def convert_weekly(day: str, minute: int, from_zone: str, to_zone: str) -> tuple[str, int]:
    return from_week_minute(week_minute(day, minute, from_zone), to_zone)


def local_datetime(day_date: date, minute: int, zone_name: str) -> datetime:
    """An aware datetime for a local date and minute of day."""
    return datetime.combine(day_date, time(0), tzinfo=ZoneInfo(zone_name)) + timedelta(minutes=minute)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """Datetimes read back from SQLite are naive; they were stored as UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def in_zone(moment: datetime, zone_name: str) -> datetime:
    return as_utc(moment).astimezone(ZoneInfo(zone_name))
