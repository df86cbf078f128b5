"""Instance and solution dataclasses, read from and written to the spec's JSON."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_INDEX = {d: i for i, d in enumerate(DAYS)}
WEEK_MINUTES = 7 * 24 * 60
# Indonesia has no daylight saving; for any other zone the offset of this
# Monday is used, so the week template stays a fixed week.
_REFERENCE_MONDAY = datetime(2024, 1, 1, 12, 0)


class InstanceError(ValueError):
    """A malformed instance or solution; `item` and `field` name where."""

    def __init__(self, item: str, field: str, problem: str):
        self.item = item
        self.field = field
        self.problem = problem
        super().__init__(f"{item}: field '{field}': {problem}")


def parse_hhmm(text: Any, item: str, field: str, allow_24: bool = False) -> int:
    """'HH:MM' on the 5-minute grid -> minutes after local midnight."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":" \
            or not (text[:2].isdigit() and text[3:].isdigit()):
        raise InstanceError(item, field, f"bad time {text!r}, expected HH:MM")
    hours, minutes = int(text[:2]), int(text[3:])
    total = hours * 60 + minutes
    if minutes >= 60 or total > 24 * 60 or (total == 24 * 60 and not allow_24):
        raise InstanceError(item, field, f"bad time {text!r}")
    if minutes % 5:
        raise InstanceError(item, field, f"time {text!r} is not on the 5-minute grid")
    return total


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def utc_offset_minutes(timezone: str, item: str = "instance", field: str = "timezone") -> int:
    if not isinstance(timezone, str) or not timezone:
        raise InstanceError(item, field, f"unknown time zone {timezone!r}")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InstanceError(item, field, f"unknown time zone {timezone!r}") from None
    offset = zone.utcoffset(_REFERENCE_MONDAY)
    return int(offset.total_seconds() // 60)


@dataclass(frozen=True)
class Interval:
    """A local interval on one day: minutes after that day's local midnight."""
    day: str
    start: int
    end: int

    @classmethod
    def from_json(cls, data: Any, item: str, field: str) -> "Interval":
        if not isinstance(data, dict):
            raise InstanceError(item, field, "expected an object {day, start, end}")
        for key in ("day", "start", "end"):
            if key not in data:
                raise InstanceError(item, f"{field}.{key}", "missing field")
        day = data["day"]
        if not isinstance(day, str) or day not in DAY_INDEX:
            raise InstanceError(item, f"{field}.day", f"unknown day {day!r}")
        start = parse_hhmm(data["start"], item, f"{field}.start")
        end = parse_hhmm(data["end"], item, f"{field}.end", allow_24=True)
        if start >= end:
            raise InstanceError(item, field, f"start {data['start']} is not before end {data['end']}")
        return cls(day, start, end)

    def to_json(self) -> dict:
        return {"day": self.day, "start": format_hhmm(self.start), "end": format_hhmm(self.end)}


@dataclass(frozen=True)
class School:
    id: str
    name: str
    province: str
    timezone: str
    remote: bool = False

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "province": self.province,
                "timezone": self.timezone, "remote": self.remote}


@dataclass(frozen=True)
class Teacher:
    id: str
    name: str
    province: str
    timezone: str
    subjects: tuple[str, ...]
    grades: tuple[int, ...]
    quality: float
    max_sessions_per_day: int
    max_sessions_per_week: int
    availability: tuple[Interval, ...]

    @property
    def q10(self) -> int:
        return int(round(10 * self.quality))

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "province": self.province,
                "timezone": self.timezone, "subjects": list(self.subjects),
                "grades": list(self.grades), "quality": self.quality,
                "max_sessions_per_day": self.max_sessions_per_day,
                "max_sessions_per_week": self.max_sessions_per_week,
                "availability": [a.to_json() for a in self.availability]}


@dataclass(frozen=True)
class Request:
    id: str
    school: str
    subject: str
    grade: int
    students: int
    sessions_per_week: int
    duration_minutes: int
    priority: int
    windows: tuple[Interval, ...]
    # Optional extension of the spec: teachers who withdrew from this request and must not get it again.
    excluded_teachers: tuple[str, ...] = ()

    def to_json(self) -> dict:
        data = {"id": self.id, "school": self.school, "subject": self.subject,
                "grade": self.grade, "students": self.students,
                "sessions_per_week": self.sessions_per_week,
                "duration_minutes": self.duration_minutes, "priority": self.priority,
                "windows": [w.to_json() for w in self.windows]}
        if self.excluded_teachers:
            data["excluded_teachers"] = list(self.excluded_teachers)
        return data


def _require(data: dict, key: str, item: str) -> Any:
    if key not in data:
        raise InstanceError(item, key, "missing field")
    return data[key]


def _int(data: dict, key: str, item: str, lo: int | None = None, hi: int | None = None) -> int:
    value = _require(data, key, item)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(item, key, f"expected an integer, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InstanceError(item, key, f"{value} is outside {lo}..{hi if hi is not None else ''}")
    return value


def _str(data: dict, key: str, item: str) -> str:
    value = _require(data, key, item)
    if not isinstance(value, str) or not value:
        raise InstanceError(item, key, f"expected a non-empty string, got {value!r}")
    return value


def _list(data: dict, key: str, item: str) -> list:
    value = _require(data, key, item)
    if not isinstance(value, list):
        raise InstanceError(item, key, "expected a list")
    return value


def _unique_ids(entries: list, kind: str) -> None:
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InstanceError(f"{kind} #{index}", "-", "expected an object")
        ident = _str(entry, "id", f"{kind} #{index}")
        if ident in seen:
            raise InstanceError(f"{kind} {ident}", "id", f"duplicate id {ident!r}")
        seen.add(ident)


def _school(data: dict) -> School:
    item = f"school {data['id']}"
    timezone = _str(data, "timezone", item)
    utc_offset_minutes(timezone, item, "timezone")
    remote = data.get("remote", False)
    if not isinstance(remote, bool):
        raise InstanceError(item, "remote", f"expected true or false, got {remote!r}")
    return School(data["id"], _str(data, "name", item), _str(data, "province", item), timezone, remote)


def _teacher(data: dict) -> Teacher:
    item = f"teacher {data['id']}"
    timezone = _str(data, "timezone", item)
    utc_offset_minutes(timezone, item, "timezone")
    subjects = _list(data, "subjects", item)
    if not all(isinstance(s, str) and s for s in subjects):
        raise InstanceError(item, "subjects", "expected a list of subject names")
    grades = _list(data, "grades", item)
    if not all(isinstance(g, int) and not isinstance(g, bool) and 1 <= g <= 12 for g in grades):
        raise InstanceError(item, "grades", "expected a list of grades 1..12")
    quality = _require(data, "quality", item)
    if isinstance(quality, bool) or not isinstance(quality, (int, float)) \
            or not 0 <= quality <= 5 or not math.isclose(round(quality * 10), quality * 10, abs_tol=1e-6):
        raise InstanceError(item, "quality", f"expected 0..5 with one decimal, got {quality!r}")
    availability = tuple(Interval.from_json(a, item, f"availability[{i}]")
                         for i, a in enumerate(_list(data, "availability", item)))
    return Teacher(data["id"], _str(data, "name", item), _str(data, "province", item), timezone,
                   tuple(subjects), tuple(grades), float(quality),
                   _int(data, "max_sessions_per_day", item, 0),
                   _int(data, "max_sessions_per_week", item, 0), availability)


def _request(data: dict, school_ids: set[str]) -> Request:
    item = f"request {data['id']}"
    school = _str(data, "school", item)
    if school not in school_ids:
        raise InstanceError(item, "school", f"unknown school {school!r}")
    duration = _int(data, "duration_minutes", item, 5, 24 * 60)
    if duration % 5:
        raise InstanceError(item, "duration_minutes", f"{duration} is not a multiple of 5")
    students = _int(data, "students", item, 0) if "students" in data else 0
    windows = tuple(Interval.from_json(w, item, f"windows[{i}]")
                    for i, w in enumerate(_list(data, "windows", item)))
    excluded = data.get("excluded_teachers", [])
    if not isinstance(excluded, list) or not all(isinstance(t, str) for t in excluded):
        raise InstanceError(item, "excluded_teachers", "expected a list of teacher ids")
    return Request(data["id"], school, _str(data, "subject", item), _int(data, "grade", item, 1, 12),
                   students, _int(data, "sessions_per_week", item, 1, 7), duration,
                   _int(data, "priority", item, 1, 5), windows, tuple(excluded))


@dataclass
class Instance:
    name: str
    break_minutes: int
    cross_province: bool
    fairness_bonus: int
    schools: list[School]
    teachers: list[Teacher]
    requests: list[Request]

    @classmethod
    def from_json(cls, data: dict | str | bytes) -> "Instance":
        """Parse the spec's instance JSON (a dict or its text); raises InstanceError."""
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise InstanceError("instance", "-", f"not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InstanceError("instance", "-", "expected a JSON object")
        item = "instance"
        name = data.get("name", "unnamed")
        if not isinstance(name, str):
            raise InstanceError(item, "name", "expected a string")
        cross = _require(data, "cross_province", item)
        if not isinstance(cross, bool):
            raise InstanceError(item, "cross_province", f"expected true or false, got {cross!r}")
        lists = {key: _list(data, key, item) for key in ("schools", "teachers", "requests")}
        for key, kind in (("schools", "school"), ("teachers", "teacher"), ("requests", "request")):
            _unique_ids(lists[key], kind)
        schools = [_school(s) for s in lists["schools"]]
        school_ids = {s.id for s in schools}
        return cls(name, _int(data, "break_minutes", item, 0, 24 * 60), cross,
                   _int(data, "fairness_bonus", item, 0), schools,
                   [_teacher(t) for t in lists["teachers"]],
                   [_request(r, school_ids) for r in lists["requests"]])

    def to_json(self) -> dict:
        return {"name": self.name, "break_minutes": self.break_minutes,
                "cross_province": self.cross_province, "fairness_bonus": self.fairness_bonus,
                "schools": [s.to_json() for s in self.schools],
                "teachers": [t.to_json() for t in self.teachers],
                "requests": [r.to_json() for r in self.requests]}


def load_instance(data: dict | str | bytes) -> Instance:
    """Parse and check an instance; raises InstanceError naming the item and field."""
    return Instance.from_json(data)


@dataclass(frozen=True)
class Session:
    day: str     # school-local day
    start: int   # school-local minutes after midnight

    def to_json(self) -> dict:
        return {"day": self.day, "start": format_hhmm(self.start)}


@dataclass
class Assignment:
    request: str
    teacher: str
    sessions: list[Session]

    def to_json(self) -> dict:
        return {"request": self.request, "teacher": self.teacher,
                "sessions": [s.to_json() for s in self.sessions]}


@dataclass
class Unassigned:
    """Why a request is not served: English `reason`, machine `code` and `details`."""
    request: str
    reason: str
    code: str = "not_selected"
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"request": self.request, "reason": self.reason, "code": self.code,
                "details": self.details}


@dataclass
class Solution:
    instance: str
    solver: str
    status: str
    objective: int
    bound: int | None
    seconds: float
    assignments: list[Assignment]
    unassigned: list[Unassigned]
    moved: int | None = None          # re-planning: previous assignments not kept
    stats: dict = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        if self.bound is None or self.bound <= 0:
            return None
        return max(0.0, (self.bound - self.objective) / self.bound)

    @classmethod
    def from_json(cls, data: dict | str | bytes) -> "Solution":
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise InstanceError("solution", "-", f"not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InstanceError("solution", "-", "expected a JSON object")
        assignments = []
        for i, entry in enumerate(_list(data, "assignments", "solution")):
            item = f"assignment #{i}"
            if not isinstance(entry, dict):
                raise InstanceError(item, "-", "expected an object")
            sessions = []
            for j, session in enumerate(_list(entry, "sessions", item)):
                if not isinstance(session, dict):
                    raise InstanceError(item, f"sessions[{j}]", "expected an object {day, start}")
                day = _require(session, "day", item)
                if day not in DAY_INDEX:
                    raise InstanceError(item, f"sessions[{j}].day", f"unknown day {day!r}")
                sessions.append(Session(day, parse_hhmm(_require(session, "start", item), item,
                                                        f"sessions[{j}].start")))
            assignments.append(Assignment(_str(entry, "request", item), _str(entry, "teacher", item),
                                          sessions))
        unassigned = []
        for i, entry in enumerate(data.get("unassigned", [])):
            item = f"unassigned #{i}"
            if not isinstance(entry, dict):
                raise InstanceError(item, "-", "expected an object")
            unassigned.append(Unassigned(_str(entry, "request", item), str(entry.get("reason", "")),
                                         str(entry.get("code", "not_selected")),
                                         dict(entry.get("details") or {})))
        bound = data.get("bound")
        return cls(str(data.get("instance", "")), str(data.get("solver", "")),
                   str(data.get("status", "")), int(data.get("objective", 0) or 0),
                   None if bound is None else int(bound), float(data.get("seconds", 0.0) or 0.0),
                   assignments, unassigned, data.get("moved"), dict(data.get("stats") or {}))

    def to_json(self) -> dict:
        out = {"instance": self.instance, "solver": self.solver, "status": self.status,
               "objective": self.objective, "bound": self.bound,
               "seconds": round(self.seconds, 3),
               "assignments": [a.to_json() for a in self.assignments],
               "unassigned": [u.to_json() for u in self.unassigned]}
        if self.moved is not None:
            out["moved"] = self.moved
        if self.stats:
            out["stats"] = self.stats
        return out
