"""Bring a whole programme in from a scheduler instance file (../shared/spec/scheduling.md):
teachers, schools and their requests, for a term. Used to load a province's data in bulk and by benchmarks."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from ..extensions import db
from ..models import AccountStatus, Role, School, TeacherProfile, User
from ..reference import PROVINCES_BY_NAME, SUBJECTS_BY_LEVEL, level_of_grade
from ..timefmt import utcnow
from ..errors import ValidationError
from . import requests as request_service, teachers as teacher_service

UNUSABLE_PASSWORD = "!imported"  # imported people set their password through a coordinator's reset link


def import_instance(data: dict, term_start: date, term_end: date, email_domain: str = "impor.kelas.id") -> dict:
    import scheduler
    try:
        instance = scheduler.load_instance(data)
    except scheduler.InstanceError as exc:
        raise ValidationError({"instance": str(exc)})
    now = utcnow()
    school_rows: dict[str, School] = {}
    for index, school in enumerate(instance.schools):
        province = PROVINCES_BY_NAME.get(school.province)
        if province is None:
            raise ValidationError({"instance": _("Unknown province: %(name)s.", name=school.province)})
        grades = [r.grade for r in instance.requests if r.school == school.id]
        level = level_of_grade(min(grades)) if grades else "SMP"
        row = School(npsn=f"9{index:07d}", name=school.name, level=level, province_code=province.code,
                     district="-", timezone=school.timezone, remote=school.remote, approved=True)
        db.session.add(row)
        school_rows[school.id] = row
    for index, teacher in enumerate(instance.teachers):
        province = PROVINCES_BY_NAME.get(teacher.province)
        if province is None:
            raise ValidationError({"instance": _("Unknown province: %(name)s.", name=teacher.province)})
        user = User(email=f"guru-{teacher.id}@{email_domain}", name=teacher.name, password_hash=UNUSABLE_PASSWORD,
                    role=Role.TEACHER, status=AccountStatus.ACTIVE, timezone=teacher.timezone, approved_at=now)
        # Quality arrives as a number; the app derives it from certificate and years (see quality.py),
        # so keep the nearest pair of signals.
        certified = teacher.quality >= 3.5
        years = max(0, min(15, round((teacher.quality - 2.5 - (1.0 if certified else 0.0)) / 1.5 * 15)))
        user.teacher_profile = TeacherProfile(
            province_code=province.code, timezone=teacher.timezone, subjects=list(teacher.subjects),
            grades=list(teacher.grades), certified=certified, years_teaching=years,
            max_sessions_per_day=teacher.max_sessions_per_day, max_sessions_per_week=teacher.max_sessions_per_week)
        db.session.add(user)
        db.session.flush()
        teacher_service.set_availability(user.teacher_profile, [i.to_json() for i in teacher.availability])
    created = 0
    for request in instance.requests:
        school = school_rows[request.school]
        if request.subject not in SUBJECTS_BY_LEVEL[level_of_grade(request.grade)]:
            continue
        school.level = level_of_grade(request.grade)
        request_service.create_request(school, {
            "subject": request.subject, "grade": request.grade, "students": request.students,
            "sessions_per_week": request.sessions_per_week, "duration_minutes": request.duration_minutes,
            "priority": request.priority, "term_start": term_start, "term_end": term_end,
            "windows": [w.to_json() for w in request.windows]})
        created += 1
    return {"teachers": len(instance.teachers), "schools": len(instance.schools), "requests": created}
