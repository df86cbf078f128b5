"""Log in, log out, register as a teacher or as school staff, and reset a password with a coordinator's link."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..forms import form_data, save
from ..models import AccountStatus, Role
from ..reference import ALL_SUBJECTS, PROVINCES, SUBJECTS_BY_LEVEL
from ..services import accounts, tokens
from ..timefmt import utcnow
from ..security import LOGIN_LIMIT, REGISTER_LIMIT, RESET_LIMIT, limiter
from .access import public, roles_required

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str | None:
    """A path on this site, or None. Browsers drop tabs and newlines and read `\\` as `/`, so `/\\t/evil.example`
    would become `//evil.example`, another site: any control character or backslash refuses the target."""
    if not target or not target.startswith("/") or "\\" in target or any(ord(c) < 33 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc or target.startswith("//")) else None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "")[:254]
        user = accounts.authenticate(email, request.form.get("password", "")[:200])
        if user is None:
            error = _("Wrong e-mail address or password.")
        elif user.status == AccountStatus.PENDING:
            error = _("Your account is waiting for a coordinator's approval.")
        elif user.status == AccountStatus.DISABLED:
            error = _("This account is disabled. Please contact your coordinator.")
        else:
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", error=error, email=email), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    current_user.end_all_sessions()  # every session and remember cookie of the account, on every device
    db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


logout.allowed_roles = "authenticated"


@bp.get("/register")
@public
def register():
    return render_template("auth/register.html")


@bp.route("/register/teacher", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
@public
def register_teacher():
    data, errors = {"subjects": [], "grades": []}, {}
    if request.method == "POST":
        data = form_data()
        errors = save(lambda: accounts.register_teacher(data))
        if not errors:
            flash(_("Thank you! A coordinator will check and approve your account."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/register_teacher.html", data=data, errors=errors, provinces=PROVINCES,
                           subjects=ALL_SUBJECTS), (400 if errors else 200)


@bp.route("/register/school", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
@public
def register_school():
    data, errors = {}, {}
    if request.method == "POST":
        data = form_data()
        errors = save(lambda: accounts.register_school(data))
        if not errors:
            flash(_("Thank you! Your account waits for approval: by your school’s staff if your school is already in the programme, otherwise by a coordinator."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/register_school.html", data=data, errors=errors, provinces=PROVINCES,
                           levels=SUBJECTS_BY_LEVEL.keys()), (400 if errors else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, methods=["POST"])
@public
def reset_password(token: str):
    errors = {}
    if request.method == "POST":
        errors = save(lambda: accounts.reset_password(token, request.form.get("password", "")))
        if not errors:
            flash(_("Your new password is set. Please log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", errors=errors), (400 if errors else 200)


def _account_page(errors: dict | None = None, data: dict | None = None, new_token: tuple | None = None, status=200):
    response = make_response(render_template(
        "auth/account.html", tokens=tokens.live_tokens(current_user), errors=errors or {},
        data=data or {"expires_in_days": "90"}, new_token=new_token, expiry_days=tokens.EXPIRY_DAYS, now=utcnow()),
        status)
    response.headers["Cache-Control"] = "no-store"  # a new token is on the page once, and in no cache
    return response


@bp.get("/account")
@roles_required(*Role)
def account():
    return _account_page()


@bp.post("/account/tokens")
@roles_required(*Role)
def create_token():
    data = form_data()
    created = {}

    def create():
        created["token"] = tokens.create_token(current_user, data)
    errors = save(create)
    if errors:
        return _account_page(errors, data, status=400)
    token, secret = created["token"]
    return _account_page(new_token=(token, secret))


@bp.post("/account/tokens/<int:token_id>/revoke")
@roles_required(*Role)
def revoke_token(token_id: int):
    token = tokens.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("The token %(name)s is revoked: scripts using it are refused from now on.", name=token.name), "info")
    return redirect(url_for("auth.account"))
