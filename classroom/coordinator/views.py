"""The programme coordinator's pages: approvals, accounts and password resets, the programme at a glance."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..auth.access import roles_required
from ..extensions import db
from ..forms import form_data, save
from ..models import AccountStatus, MatchingRun, RequestStatus, Role, School, SessionRequest, TeacherProfile, User
from ..reference import PROVINCES_BY_CODE, WIB, WIT, WITA
from ..services import accounts

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
STAFF = (Role.COORDINATOR, Role.ADMIN)


@bp.get("/")
@roles_required(*STAFF)
def home():
    counts = dict(db.session.execute(select(SessionRequest.status, func.count()).group_by(SessionRequest.status)).all())
    runs = db.session.scalars(select(MatchingRun).order_by(MatchingRun.created_at.desc()).limit(5)).all()
    teachers = db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.TEACHER, User.status == AccountStatus.ACTIVE))
    schools = db.session.scalar(select(func.count()).select_from(School).where(School.approved.is_(True)))
    return render_template("coordinator/home.html", pending=accounts.pending_users(), counts=counts,
                           school_colleagues=accounts.school_colleagues,
                           statuses=RequestStatus, runs=runs, teacher_count=teachers, school_count=schools,
                           provinces=PROVINCES_BY_CODE)


@bp.post("/users/<int:user_id>/approve")
@roles_required(*STAFF)
def approve(user_id: int):
    user = db.get_or_404(User, user_id)
    accounts.approve(user, current_user)
    db.session.commit()
    flash(_("%(name)s can now log in.", name=user.name), "success")
    return redirect(request.referrer or url_for("coordinator.home"))


@bp.post("/users/<int:user_id>/disable")
@roles_required(*STAFF)
def disable(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
    else:
        accounts.disable(user, current_user)
        db.session.commit()
        flash(_("%(name)s is disabled.", name=user.name), "info")
    return redirect(url_for("coordinator.users"))


@bp.get("/users")
@roles_required(*STAFF)
def users():
    role = request.args.get("role")
    query = select(User).order_by(User.role, User.name)
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    return render_template("coordinator/users.html", users=db.session.scalars(query).all(), roles=Role,
                           needs_school_approval=accounts.needs_school_approval,
                           provinces=PROVINCES_BY_CODE)


@bp.post("/users/<int:user_id>/reset-link")
@roles_required(*STAFF)
def reset_link(user_id: int):
    """A one-use password-reset link the coordinator passes on (by WhatsApp, phone, in person)."""
    user = db.get_or_404(User, user_id)
    accounts.check_may_manage(current_user, user)
    link = url_for("auth.reset_password", token=accounts.make_reset_token(user), _external=True)
    return render_template("coordinator/reset_link.html", user=user, link=link)


@bp.route("/coordinators/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_coordinator():
    data, errors = {"timezone": WIB}, {}
    if request.method == "POST":
        data = form_data()
        role = Role.ADMIN if data.get("role") == "admin" else Role.COORDINATOR
        errors = save(lambda: accounts.create_staff_account(data, role))
        if not errors:
            flash(_("The account is created."), "success")
            return redirect(url_for("coordinator.users"))
    return render_template("coordinator/new_coordinator.html", data=data, errors=errors,
                           zones=(WIB, WITA, WIT)), (400 if errors else 200)


@bp.get("/teachers")
@roles_required(*STAFF)
def teachers():
    profiles = db.session.scalars(select(TeacherProfile).join(User).order_by(User.name)).all()
    from ..services.quality import quality, ratings_by_teacher
    ratings = ratings_by_teacher()
    scores = {p.id: quality(p, *ratings.get(p.id, (0, None))) for p in profiles}
    return render_template("coordinator/teachers.html", profiles=profiles, scores=scores, provinces=PROVINCES_BY_CODE)


@bp.get("/requests")
@roles_required(*STAFF)
def all_requests():
    rows = db.session.scalars(select(SessionRequest).join(School).order_by(School.name, SessionRequest.id)).all()
    return render_template("coordinator/requests.html", requests=rows, provinces=PROVINCES_BY_CODE)
