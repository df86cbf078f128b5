"""The whiteboard: strokes and texts on a 0 to 1000 grid, who may draw, undo and clear."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ...errors import AppError, bad
from ...extensions import db
from ...models import BoardStroke, LiveSession, Participant
from .payload import target_participant
from .roles import LEARNERS, TEACHER

BOARD_GRID = 1000
STROKE_POINTS_MAX = 400
BOARD_STROKES_MAX = 3000
TEXT_MAX = 200
LINE_MAX = 2**31 - 1


def stroke_json(stroke: BoardStroke) -> dict:
    body = {"id": stroke.id, "color": stroke.color, "width": stroke.width, "points": stroke.points}
    if stroke.text is not None:
        body["text"] = stroke.text
    return body


def may_draw(participant: Participant) -> None:
    """The teacher draws; a student or class device only while the teacher lets them."""
    if participant.role != TEACHER and not (participant.role in LEARNERS and participant.can_draw):
        raise AppError(403, "forbidden", _("Your role in this room cannot do this."))


def allow_drawing(live_session_id: int, target_id: int, allowed: bool) -> Participant:
    target = target_participant(live_session_id, target_id)
    if target.role not in LEARNERS:
        raise bad("id", _("Only a student or a class device can be let draw."))
    target.can_draw = allowed
    return target


def drawers(live_session_id: int) -> list[int]:
    return list(db.session.scalars(select(Participant.id).where(
        Participant.live_session_id == live_session_id, Participant.can_draw.is_(True),
        Participant.removed.is_(False)).order_by(Participant.id)))


def undo_line(live_session_id: int, participant: Participant) -> list[int]:
    """Takes back the drawer's newest line (every piece of it) or text; the ids of what went."""
    last = db.session.scalar(select(BoardStroke).where(
        BoardStroke.live_session_id == live_session_id, BoardStroke.participant_id == participant.id)
        .order_by(BoardStroke.id.desc()).limit(1))
    if last is None:
        return []
    query = select(BoardStroke.id).where(BoardStroke.live_session_id == live_session_id,
                                         BoardStroke.participant_id == participant.id)
    query = query.where(BoardStroke.line == last.line) if last.line is not None else query.where(
        BoardStroke.id == last.id)
    ids = list(db.session.scalars(query))
    db.session.execute(delete(BoardStroke).where(BoardStroke.id.in_(ids)))
    return ids


def add_stroke(live: LiveSession, participant: Participant, points: list[list[int]], color: str, width: int,
               text: str | None = None, line: int | None = None) -> BoardStroke:
    """A piece of a line (`line` groups the pieces one undo takes back) or a text at one point, on a full board
    refused."""
    count = db.session.scalar(select(func.count(BoardStroke.id)).where(BoardStroke.live_session_id == live.id))
    if count >= BOARD_STROKES_MAX:
        raise AppError(400, "board_full", _("The board is full. Clear it to draw more."))
    stroke = BoardStroke(live_session_id=live.id, participant_id=participant.id, color=color, width=width,
                         points=points, text=text, line=line)
    db.session.add(stroke)
    db.session.flush()
    return stroke


def strokes(live_session_id: int) -> list[dict]:
    return [stroke_json(s) for s in db.session.scalars(
        select(BoardStroke).where(BoardStroke.live_session_id == live_session_id).order_by(BoardStroke.id))]


def clear_board(live_session_id: int) -> None:
    db.session.execute(delete(BoardStroke).where(BoardStroke.live_session_id == live_session_id))
