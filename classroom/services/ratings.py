"""Schools rate finished sessions; the ratings feed the teacher's quality score."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import LiveSession, LiveStatus, Rating, User
from ..timefmt import as_utc, utcnow
from ..errors import Conflict
from .. import schemas


def rate(live: LiveSession, rater: User, data) -> Rating:
    body = schemas.parse(schemas.RatingBody, data)
    stars, comment = body.stars, body.comment
    # once the teacher ends it, or once its planned end has passed
    if live.status == LiveStatus.CANCELLED or (live.status != LiveStatus.ENDED and as_utc(live.ends_at) > utcnow()):
        raise Conflict(_("Only a session that has taken place can be rated."))
    if db.session.scalar(select(Rating.id).where(Rating.live_session_id == live.id, Rating.rated_by_id == rater.id)):
        raise Conflict(_("You have already rated this session."))
    rating = Rating(live_session_id=live.id, teacher_id=live.teacher_id, rated_by_id=rater.id, stars=stars,
                    comment=comment)
    db.session.add(rating)
    db.session.flush()
    return rating
