"""Who may do what: the login manager and the role checks every page and API route declares."""
from __future__ import annotations

import time
from functools import wraps

from flask import Flask, abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from ..extensions import db
from ..models import AccountStatus, Role, User


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(login_id: str) -> User | None:
        return user_for_login_id(login_id)

    from . import tokens
    tokens.init_app(app, login_manager)  # `Authorization: Bearer` on /api/ routes

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, request, url_for
        from ..errors import wants_json
        if wants_json():
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def user_for_login_id(login_id: str) -> User | None:
    """The active account a session's or remember cookie's id (`User.get_id`) still stands for, or None: after a
    logout, a password reset or a disabling (the session version moved), or once the login is too old."""
    try:
        user_id, version, issued, _nonce = str(login_id).split(":")
        user_id, version, issued = int(user_id), int(version), int(issued)
    except ValueError:
        return None
    max_age = current_app.config["REMEMBER_COOKIE_DURATION"]  # seconds; the server holds it, not the browser
    if not 0 < user_id < 2**31 or time.time() - issued > max_age:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or user.status != AccountStatus.ACTIVE:
        return None
    return user


def roles_required(*roles: Role):
    """The view runs only for a logged-in, active user holding one of `roles`; others get 401/403."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from flask import current_app
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        wrapped.allowed_roles = roles  # read by the authorization table test
        return wrapped
    return decorator


def public(view):
    """Marks a view anyone may reach, so the authorization table knows it was decided, not forgotten."""
    view.allowed_roles = "public"
    return view


def current_teacher():
    profile = current_user.teacher_profile
    if profile is None:
        abort(403)
    return profile


def current_school():
    if current_user.school is None:
        abort(403)
    return current_user.school
