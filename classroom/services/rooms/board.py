"""The whiteboard: strokes and texts on a 0 to 1000 grid, who may draw, undo and clear."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ...errors import AppError, bad
from ...extensions import db
from ...models import BoardStroke, LiveSession, Participant
from .payload import clean_text, flag, no_arguments, target_participant
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


def allow_drawing(live_session_id: int, data) -> Participant:
    target = target_participant(live_session_id, data)
    if target.role not in LEARNERS:
        raise bad("id", _("Only a student or a class device can be let draw."))
    target.can_draw = flag(data, "allowed")
    return target


def drawers(live_session_id: int) -> list[int]:
    return list(db.session.scalars(select(Participant.id).where(
        Participant.live_session_id == live_session_id, Participant.can_draw.is_(True),
        Participant.removed.is_(False)).order_by(Participant.id)))


def undo_line(live_session_id: int, participant: Participant, data) -> list[int]:
    """Takes back the drawer's newest line (every piece of it) or text; the ids of what went."""
    no_arguments(data)
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


def add_stroke(live: LiveSession, participant: Participant, data) -> BoardStroke:
    if not isinstance(data, dict):
        raise bad("points", _("Send a stroke as {\"points\": [[x, y], ...], \"color\", \"width\"}."))
    text = None
    if data.get("text") is not None:
        text = clean_text(data.get("text"), "text", TEXT_MAX, _("Write the text first."))
        if not isinstance(data.get("points"), list) or len(data["points"]) != 1:
            raise bad("points", _("A text is written at one point [x, y]."))
    line = data.get("line")
    if line is not None and (isinstance(line, bool) or not isinstance(line, int) or not 0 <= line <= LINE_MAX):
        raise bad("line", _("A line number is a whole number from 0."))
    points = data.get("points")
    if not isinstance(points, list) or not 1 <= len(points) <= STROKE_POINTS_MAX or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                        and 0 <= v <= BOARD_GRID for v in p) for p in points):
        raise bad("points", _("A stroke is 1 to %(n)d points [x, y] on a 0 to 1000 grid.", n=STROKE_POINTS_MAX))
    color = data.get("color", "#1d2a33")
    if not isinstance(color, str) or len(color) != 7 or color[0] != "#" or not all(
            c in "0123456789abcdefABCDEF" for c in color[1:]):
        raise bad("color", _("A colour is written #rrggbb."))
    width = data.get("width", 3)
    if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= 40:
        raise bad("width", _("A width is 1 to 40."))
    count = db.session.scalar(select(func.count(BoardStroke.id)).where(BoardStroke.live_session_id == live.id))
    if count >= BOARD_STROKES_MAX:
        raise AppError(400, "board_full", _("The board is full. Clear it to draw more."))
    stroke = BoardStroke(live_session_id=live.id, participant_id=participant.id, color=color.lower(), width=width,
                         points=points, text=text, line=line)
    db.session.add(stroke)
    db.session.flush()
    return stroke


def strokes(live_session_id: int) -> list[dict]:
    return [stroke_json(s) for s in db.session.scalars(
        select(BoardStroke).where(BoardStroke.live_session_id == live_session_id).order_by(BoardStroke.id))]


def clear_board(live_session_id: int) -> None:
    db.session.execute(delete(BoardStroke).where(BoardStroke.live_session_id == live_session_id))
