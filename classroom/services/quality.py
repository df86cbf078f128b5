"""A teacher's quality score (0..5, one decimal) from certification, experience and ratings received."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import Rating, TeacherProfile

DEFAULT_DAY_LIMIT = 2
DEFAULT_WEEK_LIMIT = 6
# Ratings count as much as the prior of certification and experience once a teacher has this many.
RATINGS_FOR_FULL_WEIGHT = 10


def prior_quality(profile: TeacherProfile) -> float:
    """What the paper record says: 2.5 to start, up to +1.0 for certification, up to +1.5 for 15+ years."""
    return 2.5 + (1.0 if profile.certified else 0.0) + 1.5 * min(profile.years_teaching, 15) / 15


def quality(profile: TeacherProfile, rating_count: int, rating_mean: float | None) -> float:
    prior = prior_quality(profile)
    if not rating_count or rating_mean is None:
        return round(min(prior, 5.0), 1)
    weight = min(rating_count, RATINGS_FOR_FULL_WEIGHT) / (2 * RATINGS_FOR_FULL_WEIGHT)
    return round(min(5.0, max(0.0, (1 - weight) * prior + weight * rating_mean)), 1)


def ratings_by_teacher() -> dict[int, tuple[int, float]]:
    rows = db.session.execute(select(Rating.teacher_id, func.count(), func.avg(Rating.stars)).group_by(Rating.teacher_id))
    return {teacher_id: (count, float(mean)) for teacher_id, count, mean in rows}


def quality_signal(profile: TeacherProfile) -> dict:
    """The score and what it is made of, so a new teacher is shown as new rather than as a 4.9."""
    count, mean = ratings_by_teacher().get(profile.id, (0, None))
    return {"score": quality(profile, count, mean), "prior": round(min(prior_quality(profile), 5.0), 1),
            "ratings": count, "rating_mean": None if mean is None else round(mean, 1), "new": count == 0,
            "full_weight_at": RATINGS_FOR_FULL_WEIGHT}
