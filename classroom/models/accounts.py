"""People and organisations: users and their roles, teacher profiles, schools."""
from __future__ import annotations

import enum
import secrets
import time
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timefmt import utcnow
from .types import UTCDateTime

if TYPE_CHECKING:
    from .planning import SessionRequest


class Role(str, enum.Enum):
    TEACHER = "teacher"
    SCHOOL = "school"          # staff of one school
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class AccountStatus(str, enum.Enum):
    PENDING = "pending"        # registered, waiting for a coordinator's approval
    ACTIVE = "active"
    DISABLED = "disabled"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]))
    status: Mapped[AccountStatus] = mapped_column(
        Enum(AccountStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=AccountStatus.PENDING)
    language: Mapped[str] = mapped_column(String(5), default="id")
    # The zone a coordinator or admin sees times in; teachers and school staff use their own.
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    # Bumped on a password reset so that reset links already handed out stop working.
    password_version: Mapped[int] = mapped_column(Integer, default=1)
    # Part of every login's id (session cookie and remember cookie): bumped by logout, a password reset or
    # disabling, which ends every session and remember token the account has anywhere.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    school: Mapped[School | None] = relationship(back_populates="staff", foreign_keys=[school_id])
    teacher_profile: Mapped[TeacherProfile | None] = relationship(back_populates="user", uselist=False,
                                                                  cascade="all, delete-orphan")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt, werkzeug's current default

    def check_password(self, password: str) -> bool:
        if not self.password_hash or self.password_hash.startswith("!"):  # no password set yet
            return False
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Flask-Login's alternative id, stored in the session and the remember cookie at login (the only caller):
        `user:session_version:issued_at:nonce`, so each login's token differs, expires (auth/access.py checks the
        age) and dies when the session version moves."""
        return f"{self.id}:{self.session_version}:{int(time.time())}:{secrets.token_urlsafe(12)}"

    def end_all_sessions(self) -> None:
        self.session_version = (self.session_version or 1) + 1

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login
        return self.status == AccountStatus.ACTIVE

    @property
    def viewer_timezone(self) -> str:
        if self.role == Role.TEACHER and self.teacher_profile:
            return self.teacher_profile.timezone
        if self.role == Role.SCHOOL and self.school:
            return self.school.timezone
        return self.timezone


class TeacherProfile(db.Model):
    __tablename__ = "teacher_profiles"
    __table_args__ = (
        CheckConstraint("max_sessions_per_day >= 1", name="day_limit_positive"),
        CheckConstraint("max_sessions_per_week >= 1", name="week_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    province_code: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(40))
    school_name: Mapped[str] = mapped_column(String(160), default="")  # where the teacher teaches at home
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    grades: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Signals the quality score comes from.
    certified: Mapped[bool] = mapped_column(Boolean, default=False)  # sertifikasi pendidik
    years_teaching: Mapped[int] = mapped_column(Integer, default=0)
    max_sessions_per_day: Mapped[int] = mapped_column(Integer, default=2)
    max_sessions_per_week: Mapped[int] = mapped_column(Integer, default=6)
    # Private token of the teacher's iCalendar feed URL.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    user: Mapped[User] = relationship(back_populates="teacher_profile")
    availability: Mapped[list[Availability]] = relationship(
        back_populates="teacher", cascade="all, delete-orphan", order_by="(Availability.day, Availability.start_minute)")
    exceptions: Mapped[list[AvailabilityException]] = relationship(
        back_populates="teacher", cascade="all, delete-orphan", order_by="AvailabilityException.start_date")


class Availability(db.Model):
    """A weekly interval when a teacher is free, in the teacher's local time."""
    __tablename__ = "availability"
    __table_args__ = (
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute", name="interval"),
        CheckConstraint("day >= 0 AND day <= 6", name="weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teacher_profiles.id", ondelete="CASCADE"), index=True)
    day: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)

    teacher: Mapped[TeacherProfile] = relationship(back_populates="availability")


class AvailabilityException(db.Model):
    """Dated days a teacher cannot teach: leave, a holiday, an exam week."""
    __tablename__ = "availability_exceptions"
    __table_args__ = (CheckConstraint("start_date <= end_date", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teacher_profiles.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20), default="leave")  # leave, holiday, exams
    note: Mapped[str] = mapped_column(String(200), default="")

    teacher: Mapped[TeacherProfile] = relationship(back_populates="exceptions")


class School(db.Model):
    __tablename__ = "schools"
    __table_args__ = (UniqueConstraint("npsn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    npsn: Mapped[str] = mapped_column(String(8))  # Nomor Pokok Sekolah Nasional
    name: Mapped[str] = mapped_column(String(160))
    level: Mapped[str] = mapped_column(String(3))  # SD, SMP, SMA, SMK, MTs, MA
    province_code: Mapped[str] = mapped_column(String(2))
    district: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(40))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)  # 3T: terdepan, terluar, tertinggal
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str] = mapped_column(Text, default="")

    staff: Mapped[list[User]] = relationship(back_populates="school", foreign_keys="User.school_id")
    requests: Mapped[list[SessionRequest]] = relationship(back_populates="school")


class AccessToken(db.Model):
    """A personal access token: a script sends it as `Authorization: Bearer <token>` to /api/ and acts as the
    account, with its role. Only the SHA-256 of the token is kept; `prefix` is the part shown to tell tokens apart."""
    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or moment < self.expires_at)
