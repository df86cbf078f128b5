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
from ..errors import Forbidden, NotFound, Taken, ValidationError
from .. import schemas
from . import fields, tokens
from .notifications import notify
from .quality import DEFAULT_DAY_LIMIT, DEFAULT_WEEK_LIMIT

RESET_MAX_AGE = 3 * 24 * 3600  # a reset link handed over by a coordinator lasts three days


def _email_taken(address: str) -> bool:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == address)) > 0


def _new_user(body: schemas.Account, role: Role) -> User:
    if _email_taken(body.email):
        raise Taken("email", _("An account with this e-mail address already exists."))
    user = User(name=body.name, email=body.email, role=role, language=body.language, status=AccountStatus.PENDING)
    user.set_password(body.password)
    return user


def register_teacher(data) -> User:
    """A teacher signs up; the account waits for a coordinator's approval."""
    body = schemas.parse(schemas.TeacherRegistration, data)
    user = _new_user(body, Role.TEACHER)
    zone = body.timezone or body.province.timezone
    user.timezone = zone
    user.teacher_profile = TeacherProfile(
        province_code=body.province.code, timezone=zone, subjects=body.subjects, grades=body.grades,
        school_name=body.school_name, certified=body.certified, years_teaching=body.years_teaching,
        max_sessions_per_day=DEFAULT_DAY_LIMIT, max_sessions_per_week=DEFAULT_WEEK_LIMIT,
        calendar_token=secrets.token_urlsafe(24))
    db.session.add(user)
    db.session.flush()
    return user


NEW_SCHOOL_FIELDS = ("school_name", "level", "province", "district")


def register_school(data) -> User:
    """School staff sign up with their school; a new school waits for approval together with them."""
    body = schemas.parse(schemas.SchoolRegistration, data)
    school = db.session.scalar(select(School).where(School.npsn == body.npsn))
    if school is None:
        missing = {name: _("This field is required.") for name in NEW_SCHOOL_FIELDS if not getattr(body, name)}
        if missing:  # a school new to the programme says what and where it is
            raise ValidationError(missing)
        user = _new_user(body, Role.SCHOOL)
        school = School(npsn=body.npsn, name=body.school_name, level=body.level, province_code=body.province.code,
                        district=body.district, timezone=body.timezone or body.province.timezone,
                        remote=body.remote, approved=False)
        db.session.add(school)
    else:
        user = _new_user(body, Role.SCHOOL)
    user.school = school
    user.timezone = school.timezone
    db.session.add(user)
    db.session.flush()
    colleagues = school_colleagues(user)
    if colleagues:  # they, and only they, can let the newcomer in
        notify(colleagues, "colleague_waiting", name=user.name, email=user.email)
    return user


def create_staff_account(data, role: Role) -> User:
    """An admin creates a coordinator (or another admin); it is active at once."""
    body = schemas.parse(schemas.StaffAccount, data)
    user = _new_user(body, role)
    user.timezone = body.timezone or "Asia/Jakarta"
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


def decide_on_colleague(staff_member: User, colleague_id: int, accept: bool) -> User:
    """The school's staff let a newcomer in or keep them out (page and API alike). Anyone who is not asking to
    join this staff member's school is simply not found."""
    newcomer = next((u for u in waiting_colleagues(staff_member) if u.id == colleague_id), None)
    if newcomer is None:
        raise NotFound(_("Not found."))
    if accept:
        approve(newcomer, staff_member)
    else:
        refuse_colleague(newcomer, staff_member)
    return newcomer
