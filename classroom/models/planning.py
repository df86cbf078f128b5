"""Planning: schools' session requests, matching runs, assignments and the dated live sessions they produce."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timefmt import utcnow
from .accounts import School, TeacherProfile, User
from .types import UTCDateTime


def _enum(cls):
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class RequestStatus(str, enum.Enum):
    WAITING = "waiting"        # not yet matched, or matched in a run not yet published
    SCHEDULED = "scheduled"    # served by a published run
    UNSERVED = "unserved"      # a published run could not serve it; see `unserved_reason`
    CANCELLED = "cancelled"


class SessionRequest(db.Model):
    """A school's request for weekly live sessions of one subject for one class."""
    __tablename__ = "session_requests"
    __table_args__ = (
        CheckConstraint("grade >= 1 AND grade <= 12", name="grade"),
        CheckConstraint("sessions_per_week >= 1 AND sessions_per_week <= 7", name="sessions_per_week"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes % 5 = 0", name="duration"),
        CheckConstraint("priority >= 1 AND priority <= 5", name="priority"),
        CheckConstraint("students >= 1", name="students"),
        CheckConstraint("term_start <= term_end", name="term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    class_name: Mapped[str] = mapped_column(String(40), default="")  # e.g. "VIII-A"
    subject: Mapped[str] = mapped_column(String(60))
    grade: Mapped[int] = mapped_column(Integer)
    students: Mapped[int] = mapped_column(Integer)
    sessions_per_week: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.WAITING)
    unserved_reason: Mapped[dict | None] = mapped_column(JSON)  # the scheduler's code, words and details
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School] = relationship(back_populates="requests")
    windows: Mapped[list[RequestWindow]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="(RequestWindow.day, RequestWindow.start_minute)")


class RequestWindow(db.Model):
    """A weekly window of the school day, in the school's local time, when the class can take the session."""
    __tablename__ = "request_windows"
    __table_args__ = (
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute", name="interval"),
        CheckConstraint("day >= 0 AND day <= 6", name="weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("session_requests.id", ondelete="CASCADE"), index=True)
    day: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)

    request: Mapped[SessionRequest] = relationship(back_populates="windows")


class RunStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"        # stopped early by the coordinator, best solution kept
    FAILED = "failed"
    PUBLISHED = "published"


class MatchingRun(db.Model):
    __tablename__ = "matching_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)  # time limit, workers, break, ...
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus), default=RunStatus.QUEUED)
    objective: Mapped[int | None] = mapped_column(Integer)
    bound: Mapped[int | None] = mapped_column(Integer)
    gap: Mapped[float | None] = mapped_column(Float)
    seconds: Mapped[float | None] = mapped_column(Float)
    requests_total: Mapped[int] = mapped_column(Integer, default=0)
    requests_served: Mapped[int] = mapped_column(Integer, default=0)
    moved: Mapped[int | None] = mapped_column(Integer)  # assignments changed against the previous run
    previous_run_id: Mapped[int | None] = mapped_column(ForeignKey("matching_runs.id"))
    kind: Mapped[str] = mapped_column(String(10), default="full")  # full, or replan (keeps the previous timetable)
    instance: Mapped[dict | None] = mapped_column(JSON)  # snapshot of the data the run matched
    solution: Mapped[dict | None] = mapped_column(JSON)  # the scheduler's solution JSON
    progress: Mapped[dict | None] = mapped_column(JSON)  # latest {"seconds", "objective", "bound", "gap"}
    stop_requested: Mapped[bool] = mapped_column(default=False)
    worker: Mapped[str | None] = mapped_column(String(80))  # "pid 1234" or an RQ job id
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a dead worker stops beating
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()
    previous_run: Mapped[MatchingRun | None] = relationship(remote_side="MatchingRun.id")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="run", cascade="all, delete-orphan")


class Assignment(db.Model):
    """A teacher put into a request by a run: the weekly sessions, in the school's local time."""
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("run_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("matching_runs.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("session_requests.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teacher_profiles.id"), index=True)
    slots: Mapped[list[dict]] = mapped_column(JSON)  # [{"day": "mon", "start": "07:30"}], school-local
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(300))

    run: Mapped[MatchingRun] = relationship(back_populates="assignments")
    request: Mapped[SessionRequest] = relationship()
    teacher: Mapped[TeacherProfile] = relationship()
    live_sessions: Mapped[list[LiveSession]] = relationship(back_populates="assignment", order_by="LiveSession.starts_at")


class LiveStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    ENDED = "ended"
    CANCELLED = "cancelled"


class LiveSession(db.Model):
    """One dated meeting of an assignment, with the room students join by code."""
    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("session_requests.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teacher_profiles.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    join_code: Mapped[str] = mapped_column(String(9), unique=True)
    status: Mapped[LiveStatus] = mapped_column(_enum(LiveStatus), default=LiveStatus.SCHEDULED)
    locked: Mapped[bool] = mapped_column(default=False)
    # When it was locked: who was in by then may come back after a drop; nobody else gets in (docs/rooms.md).
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    chat_muted: Mapped[bool] = mapped_column(default=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(300))
    # Teacher profile ids who withdrew from this one session: none of them is sought as its substitute again.
    given_up_by: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    assignment: Mapped[Assignment | None] = relationship(back_populates="live_sessions")

    @property
    def substitute_for(self) -> TeacherProfile | None:
        """The teacher the class was planned with, when another teaches this session instead."""
        if self.assignment is not None and self.assignment.teacher_id != self.teacher_id:
            return self.assignment.teacher
        return None
    request: Mapped[SessionRequest] = relationship()
    teacher: Mapped[TeacherProfile] = relationship()
    school: Mapped[School] = relationship()


class Rating(db.Model):
    """A school's rating of a finished session; ratings feed the teacher's quality signal."""
    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("live_session_id", "rated_by_id"),
        CheckConstraint("stars >= 1 AND stars <= 5", name="stars"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teacher_profiles.id"), index=True)
    rated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    """An in-app notification for one user."""
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # rendered in the reader's language
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Closure(db.Model):
    """Dated days without school that the coordinator adds: the year's cuti bersama (nationwide, no province)
    or a province's school closure. National holidays come from the `holidays` package, not from here."""
    __tablename__ = "closures"
    __table_args__ = (CheckConstraint("start_date <= end_date", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str | None] = mapped_column(String(2))  # None: the whole country
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
