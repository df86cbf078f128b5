"""Room data of live sessions: participants, chat messages and attendance intervals."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timefmt import utcnow
from .planning import LiveSession
from .types import UTCDateTime


class Participant(db.Model):
    """Someone in a room: a student by code, the teacher, school staff (host) or a class device."""
    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))  # student, teacher, host, class_device
    headcount: Mapped[int | None] = mapped_column(Integer)  # students in front of a class device
    removed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    live_session: Mapped[LiveSession] = relationship()
    attendance: Mapped[list[AttendanceInterval]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="AttendanceInterval.joined_at")


class ChatMessage(db.Model):
    __tablename__ = "chat_messages"

    # One sequence for all rooms, so ids strictly increase within each room.
    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    name: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceInterval(db.Model):
    """One stretch of a participant's presence in a room; reconnects are merged when reported."""
    __tablename__ = "attendance_intervals"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    participant: Mapped[Participant] = relationship(back_populates="attendance")
