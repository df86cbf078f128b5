"""Accounts on the API: what the programme offers, registering, who I am, my notifications."""
from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user
from sqlalchemy import select

from .. import schemas
from ..schemas import responses as out
from ..extensions import db
from ..models import Notification
from ..reference import PROVINCES, SUBJECTS_BY_LEVEL, ZONE_NAMES
from ..security import REGISTER_LIMIT
from ..services import accounts
from ..timefmt import utcnow
from . import ANY_ROLE, ANYONE, json_body, route
from .shapes import notification_json, user_json


@route("GET", "/reference", summary="Provinces with their zones, subjects by level", roles=ANYONE,
       response=out.ReferenceOut)
def reference():
    return out.answer(out.ReferenceOut,
                      provinces=[{"code": p.code, "name": p.name, "timezone": p.timezone, "zone": ZONE_NAMES[p.timezone]}
                                 for p in PROVINCES],
                      subjects={level: list(subjects) for level, subjects in SUBJECTS_BY_LEVEL.items()})


@route("POST", "/register/teacher", summary="Register as a teacher (waits for approval)", roles=ANYONE,
       body=schemas.TeacherRegistration, status=201, response=out.UserOut, limit=REGISTER_LIMIT,
       notes="An e-mail address already registered is refused with 409.",
       rules="a timezone that is no IANA zone name; an e-mail address no mail server would take (no dot in its domain, a reserved domain).")
def register_teacher():
    user = accounts.register_teacher(json_body())
    db.session.commit()
    return user_json(user), 201


@route("POST", "/register/school", summary="Register as school staff (waits for approval)", roles=ANYONE,
       body=schemas.SchoolRegistration, status=201, response=out.UserOut, limit=REGISTER_LIMIT,
       notes="A school new to the programme also needs school_name, level, province and district (400 naming "
             "each missing one); an e-mail address already registered is refused with 409.",
       rules="school_name, level, province or district left out for a school not registered yet (an NPSN the "
             "programme does not know); a timezone that is no IANA zone name; an e-mail address no mail server "
             "would take.")
def register_school():
    user = accounts.register_school(json_body())
    db.session.commit()
    return user_json(user), 201


@route("GET", "/me", summary="The logged-in account", roles=ANY_ROLE, response=out.UserOut)
def me():
    return user_json(current_user)


@route("GET", "/notifications", summary="My notifications, in my language", roles=ANY_ROLE, response=[out.NotificationOut])
def notifications():
    rows = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                              .order_by(Notification.created_at.desc()).limit(100)).all()
    return jsonify([notification_json(n) for n in rows])


@route("POST", "/notifications/<int:notification_id>/read", summary="Mark a notification read", roles=ANY_ROLE,
       body=schemas.Empty, response=out.ReadOut)
def read_notification(notification_id: int):
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    note.read_at = note.read_at or utcnow()
    db.session.commit()
    return out.answer(out.ReadOut, id=note.id, read=True)
