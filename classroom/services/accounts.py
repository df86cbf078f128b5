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
from ..errors import Forbidden, ValidationError
from . import fields, tokens
from .notifications import notify
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
    colleagues = school_colleagues(user)
    if colleagues:  # they, and only they, can let the newcomer in
        notify(colleagues, "colleague_waiting", name=user.name, email=user.email)
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


STAFF_ROLES = (Role.COORDINATOR, Role.ADMIN)


def check_may_manage(manager: User, user: User) -> None:
    """Coordinator and admin accounts are the admin's alone: approving, enabling, disabling, reset links."""
    if user.role in STAFF_ROLES and manager.role != Role.ADMIN:
        raise Forbidden(_("Only an admin manages coordinator and admin accounts."))


def school_colleagues(user: User) -> list[User]:
    """The active staff of the user's school, the user apart."""
    if user.school_id is None:
        return []
    return list(db.session.scalars(select(User).where(
        User.school_id == user.school_id, User.role == Role.SCHOOL, User.status == AccountStatus.ACTIVE,
        User.id != user.id).order_by(User.name)))


def needs_school_approval(user: User) -> bool:
    """A newcomer to a school that already has active staff: only they can let a new colleague read the school's
    requests and join codes (anybody can type a school's public NPSN). Someone approved once and later disabled is
    no newcomer."""
    return user.role == Role.SCHOOL and user.approved_at is None and bool(school_colleagues(user))


def _is_colleague(approver: User, user: User) -> bool:
    return (approver.role == Role.SCHOOL and approver.status == AccountStatus.ACTIVE and approver.id != user.id
            and approver.school_id is not None and approver.school_id == user.school_id)


def approve(user: User, approver: User) -> None:
    """Activate an account. A coordinator approves teachers and new schools' staff; a school's own staff approve
    newcomers to their school (nobody else can, not silently either); an admin alone handles staff accounts."""
    check_may_manage(approver, user)
    if needs_school_approval(user) and not _is_colleague(approver, user):
        raise Forbidden(_("%(school)s already has staff: only they can let a new colleague in.",
                          school=user.school.name))
    user.status = AccountStatus.ACTIVE
    user.approved_at = user.approved_at or utcnow()
    user.approved_by_id = approver.id
    if user.school is not None:
        user.school.approved = True


def refuse_colleague(user: User, staff_member: User) -> None:
    """The school's staff say this newcomer is not one of them: the account stays shut, and only they could
    still let it in later."""
    if not (needs_school_approval(user) and _is_colleague(staff_member, user)):
        raise Forbidden(_("You are not allowed to do this."))
    user.status = AccountStatus.DISABLED
    user.end_all_sessions()


def waiting_colleagues(staff_member: User) -> list[User]:
    """Newcomers asking to join the staff member's school, for its staff to approve or refuse."""
    return [u for u in db.session.scalars(select(User).where(
        User.school_id == staff_member.school_id, User.role == Role.SCHOOL, User.status == AccountStatus.PENDING,
        User.approved_at.is_(None)).order_by(User.created_at)) if _is_colleague(staff_member, u)]


def disable(user: User, manager: User) -> None:
    """Shut an account and end its sessions everywhere; enabling it again is `approve`."""
    check_may_manage(manager, user)
    user.status = AccountStatus.DISABLED
    user.end_all_sessions()


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
    user.end_all_sessions()  # whoever knew the old password is logged out everywhere
    tokens.revoke_all(user)  # and their scripts with it
    return user
