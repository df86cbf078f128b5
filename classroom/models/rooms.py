"""Room data of live sessions: participants, chat, attendance, and the room's board, polls and slides."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
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
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A random key the join page keeps in the student's browser: with the name, how a removed student is told
    # apart without an account (a removal refuses the same key or the same name until the teacher lets them in).
    browser_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # A student or class device the teacher lets draw on the whiteboard.
    can_draw: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The raise-hand queue is ordered by this instant; None when the hand is down.
    hand_raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The student the teacher has given the floor to may send audio.
    has_floor: Mapped[bool] = mapped_column(default=False)

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
    """One connection's stretch of presence in a room; reconnects are merged when reported."""
    __tablename__ = "attendance_intervals"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Socket.IO connection id, so that any server process can disconnect a removed participant.
    connection_id: Mapped[str | None] = mapped_column(String(64))
    # The server process holding the connection (RoomServer.id): if that process dies without a goodbye, the
    # others close its intervals at its last heartbeat.
    server_id: Mapped[str | None] = mapped_column(String(32), index=True)

    participant: Mapped[Participant] = relationship(back_populates="attendance")


class RoomServer(db.Model):
    """A Socket.IO server process that holds room connections, and when it last said it was alive."""
    __tablename__ = "room_servers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # host and pid, for an operator reading the table
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class BoardStroke(db.Model):
    """A whiteboard stroke, kept so that a late joiner sees the board as it is."""
    __tablename__ = "board_strokes"

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    color: Mapped[str] = mapped_column(String(7))
    width: Mapped[int] = mapped_column(Integer)
    points: Mapped[list] = mapped_column(JSON)  # [[x, y], ...] on a 0..1000 grid of the board
    text: Mapped[str | None] = mapped_column(String(200))  # a text item: written at its one point
    # The pieces of one line drawn in one go share this number (chosen by the drawer), so undo takes it whole.
    line: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Poll(db.Model):
    """A poll, or a quick quiz when it has a correct option, with live results."""
    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]] = mapped_column(JSON)
    correct_option: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    answers: Mapped[list[PollAnswer]] = relationship(back_populates="poll", cascade="all, delete-orphan")


class PollAnswer(db.Model):
    __tablename__ = "poll_answers"
    __table_args__ = (UniqueConstraint("poll_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    option: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    poll: Mapped[Poll] = relationship(back_populates="answers")


class SlideDeck(db.Model):
    """A PDF the teacher uploaded, rendered to small page images; the newest deck is the one shown."""
    __tablename__ = "slide_decks"

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    page_count: Mapped[int] = mapped_column(Integer)
    current_page: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pages: Mapped[list[SlidePage]] = relationship(back_populates="deck", cascade="all, delete-orphan",
                                                  order_by="SlidePage.number")


class SlidePage(db.Model):
    # Images live in the database so that every server process and machine can serve them.
    __tablename__ = "slide_pages"
    __table_args__ = (UniqueConstraint("deck_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("slide_decks.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    mimetype: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    image: Mapped[bytes] = mapped_column(LargeBinary)

    deck: Mapped[SlideDeck] = relationship(back_populates="pages")


class LessonRecording(db.Model):
    """The teacher's audio and video of part of a lesson, as Janus recorded it and janus-pp-rec converted it;
    kept beside the session's slides, board and chat (docs/rooms.md)."""
    __tablename__ = "lesson_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="recording")  # recording, processing, ready, failed
    # File names inside RECORDINGS_PATH: the .mjr base Janus writes, and the files a browser plays.
    base_name: Mapped[str] = mapped_column(String(120))
    video_file: Mapped[str | None] = mapped_column(String(160))
    audio_file: Mapped[str | None] = mapped_column(String(160))
    problem: Mapped[str | None] = mapped_column(Text)

    live_session: Mapped[LiveSession] = relationship()
