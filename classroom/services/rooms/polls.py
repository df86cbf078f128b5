"""Polls and quick quizzes: one open at a time per room, answers by learners, results counted per option."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ...errors import AppError, bad
from ...extensions import db
from ...models import LiveSession, Participant, Poll, PollAnswer
from ...timefmt import utcnow
from .payload import row_id


def open_poll(live: LiveSession, question: str, options: list[str], correct: int | None) -> Poll:
    """A poll (a quiz when `correct` is the right option's index); it closes the one that was open."""
    now = utcnow()
    db.session.execute(update(Poll).where(Poll.live_session_id == live.id, Poll.closed_at.is_(None))
                       .values(closed_at=now))
    poll = Poll(live_session_id=live.id, question=question, options=options, correct_option=correct, created_at=now)
    db.session.add(poll)
    db.session.flush()
    return poll


def current_poll(live_session_id: int) -> Poll | None:
    return db.session.scalar(select(Poll).where(Poll.live_session_id == live_session_id)
                             .order_by(Poll.id.desc()).limit(1))


def poll_json(poll: Poll, participant: Participant | None = None) -> dict:
    body = {"id": poll.id, "question": poll.question, "options": poll.options, "quiz": poll.correct_option is not None,
            "open": poll.closed_at is None}
    if poll.closed_at is not None:
        body["correct"] = poll.correct_option
    if participant is not None:
        mine = db.session.scalar(select(PollAnswer.option).where(PollAnswer.poll_id == poll.id,
                                                                 PollAnswer.participant_id == participant.id))
        body["mine"] = mine
    return body


def answer_poll(live_session_id: int, participant: Participant, poll_id: int, option: int) -> Poll:
    poll = db.session.get(Poll, poll_id) if row_id(poll_id) else None
    if poll is None or poll.live_session_id != live_session_id:
        raise AppError(404, "not_found", _("This poll is not in the room."))
    if poll.closed_at is not None:
        raise AppError(403, "poll_closed", _("This poll is closed."))
    if not 0 <= option < len(poll.options):
        raise bad("option", _("Choose one of the options."))
    answer = db.session.scalar(select(PollAnswer).where(PollAnswer.poll_id == poll.id,
                                                        PollAnswer.participant_id == participant.id))
    if answer is None:
        db.session.add(PollAnswer(poll_id=poll.id, participant_id=participant.id, option=option))
    else:
        answer.option = option  # a student may change their mind while the poll is open
        answer.answered_at = utcnow()
    db.session.flush()
    return poll


def poll_results(poll: Poll) -> dict:
    """Counts per option; a class device's answer counts once (it speaks for the room after a show of hands)."""
    counts = [0] * len(poll.options)
    for option, total in db.session.execute(select(PollAnswer.option, func.count(PollAnswer.id))
                                            .where(PollAnswer.poll_id == poll.id).group_by(PollAnswer.option)):
        if 0 <= option < len(counts):
            counts[option] = total
    body = {"poll": poll.id, "counts": counts, "total": sum(counts), "open": poll.closed_at is None}
    if poll.closed_at is not None:
        body["correct"] = poll.correct_option
    return body


def close_poll(live_session_id: int, poll_id: int) -> Poll:
    poll = db.session.get(Poll, poll_id) if row_id(poll_id) else None
    if poll is None or poll.live_session_id != live_session_id:
        raise AppError(404, "not_found", _("This poll is not in the room."))
    if poll.closed_at is None:
        poll.closed_at = utcnow()
    return poll
