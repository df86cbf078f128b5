"""Accounts: registration of teachers and school staff, approval, coordinator-issued password resets."""
from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from ..extensions import db
from ..models import AccountStatus, Role, School, TeacherProfile, User
from ..timefmt import utcnow
from ..validation import ValidationError
from . import fields
from .quality import DEFAULT_DAY_LIMIT, DEFAULT_WEEK_LIMIT

RESET_MAX_AGE = 3 * 24 * 3600  # a reset link handed over by a coordinator lasts three days


def _email_taken(address: str) -> bool:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == address)) > 0


def _new_user(errors: fields.FieldErrors, data: dict, role: Role) -> User:
    name = fields.text(errors, "name", data.get("name"), max_length=120)
    address = fields.email(errors, "email", data.get("email"))
    password = fields.password(errors, "password", data.get("password"))
    if address and "email" not in errors.fields and _email_taken(address):
        errors.add("email", _("An account with this e-mail address already exists."))
    language = data.get("language") if data.get("language") in ("id", "en") else "id"
    user = User(name=name, email=address, role=role, language=language, status=AccountStatus.PENDING)
    if password:
        user.set_password(password)
    return user


def register_teacher(data: dict) -> User:
    """A teacher signs up; the account waits for a coordinator's approval."""
    errors = fields.FieldErrors()
    user = _new_user(errors, data, Role.TEACHER)
    province = fields.province(errors, "province", data.get("province"))
    zone = data.get("timezone") or (province.timezone if province else "")
    zone = fields.timezone_name(errors, "timezone", zone) if zone else ""
    subjects = fields.subject_list(errors, "subjects", data.get("subjects"))
    grades = fields.grade_list(errors, "grades", data.get("grades"))
    school_name = fields.text(errors, "school_name", data.get("school_name"), max_length=160, required=False)
    years = fields.integer(errors, "years_teaching", data.get("years_teaching", 0), low=0, high=50)
    errors.raise_if_any()
    user.timezone = zone
    user.teacher_profile = TeacherProfile(
        province_code=province.code, timezone=zone, subjects=subjects, grades=grades, school_name=school_name,
        certified=bool(data.get("certified")), years_teaching=years,
        max_sessions_per_day=DEFAULT_DAY_LIMIT, max_sessions_per_week=DEFAULT_WEEK_LIMIT,
        calendar_token=secrets.token_urlsafe(24))
    db.session.add(user)
    db.session.flush()
    return user


def register_school(data: dict) -> User:
    """School staff sign up with their school; a new school waits for approval together with them."""
    errors = fields.FieldErrors()
    user = _new_user(errors, data, Role.SCHOOL)
    npsn = fields.npsn(errors, "npsn", data.get("npsn"))
    school = db.session.scalar(select(School).where(School.npsn == npsn)) if npsn else None
    if school is None:
        school_name = fields.text(errors, "school_name", data.get("school_name"), max_length=160)
        level = fields.level(errors, "level", data.get("level"))
        province = fields.province(errors, "province", data.get("province"))
        district = fields.text(errors, "district", data.get("district"), max_length=120)
        zone = data.get("timezone") or (province.timezone if province else "")
        zone = fields.timezone_name(errors, "timezone", zone) if zone else ""
        errors.raise_if_any()
        school = School(npsn=npsn, name=school_name, level=level, province_code=province.code,
                        district=district, timezone=zone, remote=bool(data.get("remote")), approved=False)
        db.session.add(school)
    errors.raise_if_any()
    user.school = school
    user.timezone = school.timezone
    db.session.add(user)
    db.session.flush()
    return user


def create_staff_account(data: dict, role: Role) -> User:
    """An admin creates a coordinator (or another admin); it is active at once."""
    errors = fields.FieldErrors()
    user = _new_user(errors, data, role)
    zone = fields.timezone_name(errors, "timezone", data.get("timezone") or "Asia/Jakarta")
    errors.raise_if_any()
    user.timezone = zone
    user.status = AccountStatus.ACTIVE
    user.approved_at = utcnow()
    db.session.add(user)
    db.session.flush()
    return user


def approve(user: User, approver: User) -> None:
    user.status = AccountStatus.ACTIVE
    user.approved_at = utcnow()
    user.approved_by_id = approver.id
    if user.school is not None:
        user.school.approved = True


def set_disabled(user: User, disabled: bool) -> None:
    user.status = AccountStatus.DISABLED if disabled else AccountStatus.ACTIVE


def pending_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.status == AccountStatus.PENDING).order_by(User.created_at)))


def authenticate(address: str, password: str) -> User | None:
    """The user for these credentials, or None; the same answer whichever part was wrong."""
    user = db.session.scalar(select(User).where(User.email == (address or "").strip().lower()))
    if user is None:
        # Hash anyway so a wrong address takes as long as a wrong password.
        User(password_hash="").set_password(password or "x")
        return None
    return user if user.check_password(password or "") else None


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    """A one-use link a coordinator hands to a teacher or school who lost their password."""
    return _reset_serializer().dumps({"user": user.id, "v": user.password_version})


def reset_password(token: str, new_password: str) -> User:
    errors = fields.FieldErrors()
    try:
        payload = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired:
        raise ValidationError({"token": _("This reset link has expired. Ask your coordinator for a new one.")})
    except BadSignature:
        raise ValidationError({"token": _("This reset link is not valid.")})
    user = db.session.get(User, payload.get("user"))
    if user is None or user.password_version != payload.get("v"):
        raise ValidationError({"token": _("This reset link was already used.")})
    password = fields.password(errors, "password", new_password)
    errors.raise_if_any()
    user.set_password(password)
    user.password_version += 1
    return user
