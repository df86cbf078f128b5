"""What the API answers, one schema per kind of body. `api/shapes.py` builds every answer through `answer`, which
checks it against its schema (an undocumented key or a wrong type is a bug here, not a surprise for a client), and
the OpenAPI document states the same schemas, so neither can drift from the other."""
from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

Moment = str  # an ISO 8601 moment with its offset (UTC for stored moments, the viewer's zone where said)
Day = str     # an ISO date


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @classmethod
    def json_schema(cls) -> dict:
        return cls.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")


A = TypeVar("A", bound=Answer)


def answer(model: type[A], **values: Any) -> dict:
    """The body `values` make, checked against `model`; keys left out stay out (optional parts of an answer)."""
    return model.model_validate(values).model_dump(mode="json", exclude_unset=True)


class ProvinceOut(Answer):
    code: str
    name: str
    timezone: str
    zone: Literal["WIB", "WITA", "WIT"]


class ReferenceOut(Answer):
    """Provinces with their zones, and the subjects of each school level."""
    provinces: list[ProvinceOut]
    subjects: dict[str, list[str]]


class TeacherOut(Answer):
    province: str
    timezone: str
    subjects: list[str]
    grades: list[int]
    max_sessions_per_day: int
    max_sessions_per_week: int


class SchoolOut(Answer):
    id: int
    npsn: str
    name: str


class UserOut(Answer):
    """An account; `teacher` for teachers, `school` for active school staff."""
    id: int
    name: str
    email: str
    role: Literal["teacher", "school", "coordinator", "admin"]
    status: str
    timezone: str
    language: str
    teacher: TeacherOut | None = None
    school: SchoolOut | None = None


class PendingSchoolOut(SchoolOut):
    active_staff: int
    approved_by: Literal["school", "coordinator"]


class PendingOut(Answer):
    """An account waiting for approval; a newcomer to a school that has staff is theirs to approve."""
    id: int
    name: str
    email: str
    role: str
    created_at: Moment
    school: PendingSchoolOut | None = None


class NotificationOut(Answer):
    id: int
    kind: str
    message: str
    created_at: Moment
    read: bool


class ReadOut(Answer):
    id: int
    read: bool


class WindowOut(Answer):
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    start: str
    end: str


class AvailabilityOut(Answer):
    """The weekly availability in the teacher's zone."""
    timezone: str
    availability: list[WindowOut]


class RequestOut(Answer):
    """A school's request; windows in the school's zone."""
    id: int
    school: int
    class_name: str | None
    subject: str
    grade: int
    students: int
    sessions_per_week: int
    duration_minutes: int
    priority: int
    term_start: Day
    term_end: Day
    windows: list[WindowOut]
    timezone: str
    status: Literal["waiting", "scheduled", "unserved", "cancelled"]
    unserved_reason: dict | None


class LiveOut(Answer):
    """A dated session as the school sees it (UTC moments)."""
    id: int
    starts_at: Moment
    ends_at: Moment
    join_code: str
    status: str
    teacher: str
    withdrawn_reason: str | None


class ScheduleOut(Answer):
    request: RequestOut
    reason: str | None
    teacher: str | None
    sessions_per_week: list[dict]
    live_sessions: list[LiveOut]


class RatingOut(Answer):
    id: int
    stars: int
    comment: str | None


class DecisionOut(Answer):
    id: int
    status: str


class SessionSchoolOut(Answer):
    id: int
    name: str


class SessionOut(Answer):
    """A dated session as its teacher sees it: UTC, the teacher's clock and the school's, each with its zone."""
    id: int
    status: str
    starts_at: Moment
    ends_at: Moment
    local_start: Moment
    zone: str
    school_start: Moment
    school_zone: str
    school: SessionSchoolOut
    subject: str
    grade: int
    class_name: str | None
    assignment: int | None
    join_code: str
    room_url: str
    withdrawn_reason: str | None


class WithdrawnSessionOut(SessionOut):
    substitute: str | None


class ClassOut(Answer):
    id: int
    subject: str
    grade: int
    class_name: str | None
    school: str
    slots: list[dict]


class TimetableOut(Answer):
    timezone: str
    sessions: list[SessionOut]
    assignments: list[ClassOut]


class TaughtOut(SessionOut):
    minutes: int
    planned_minutes: int
    jp: float
    students_present: int
    class_size: int
    rating: float | None


class MonthOut(Answer):
    month: str
    sessions: int
    minutes: int
    jp: float


class TotalOut(Answer):
    sessions: int
    minutes: int
    jp: float
    ratings: int
    rating_mean: float | None


class RecordOut(Answer):
    """The teaching record: sessions taught, minutes, JP (lesson hours of `jp_minutes`), ratings."""
    timezone: str
    jp_minutes: int
    sessions: list[TaughtOut]
    months: list[MonthOut]
    total: TotalOut


class CalendarOut(Answer):
    calendar_url: str


class WithdrawnClassOut(Answer):
    id: int
    withdrawn_at: Moment
    withdrawn_reason: str | None
    request_status: str
    cancelled_sessions: list[int]


class RunOut(Answer):
    """A matching run; `assignments`, `unassigned`, `summary` and `changes` in a run's own answer once it has a
    timetable."""
    id: int
    kind: str
    status: str
    term_start: Day
    term_end: Day
    parameters: dict
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float | None
    requests_total: int | None
    requests_served: int | None
    moved: int | None
    previous_run: int | None
    created_by: int | None
    created_at: Moment
    published_at: Moment | None
    error: str | None
    progress: dict
    assignments: list[dict] | None = None
    unassigned: list[dict] | None = None
    summary: Any = None
    changes: Any = None


class PublishedOut(Answer):
    created: int
    kept: int
    cancelled: int
    run: RunOut


class JoinOut(Answer):
    """A room token for the /room namespace (docs/rooms.md), the room's name, the role and the session."""
    token: str
    room: str
    role: str
    session: dict
