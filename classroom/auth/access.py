"""Who may do what: the login manager and the role checks every page and API route declares."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from ..extensions import db
from ..models import Role, User


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        try:
            return db.session.get(User, int(user_id))
        except (TypeError, ValueError):
            return None

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, request, url_for
        from ..errors import wants_json
        if wants_json():
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


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
