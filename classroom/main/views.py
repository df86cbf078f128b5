"""The landing page and each role's home."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..auth.access import public, roles_required
from ..models import Role

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    Role.TEACHER: "teachers.home",
    Role.SCHOOL: "schools.home",
    Role.COORDINATOR: "coordinator.home",
    Role.ADMIN: "coordinator.home",
}


@bp.get("/")
@public
def home():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    return render_template("main/landing.html")


@bp.get("/healthz")
@public
def healthz():
    from sqlalchemy import text
    from ..extensions import db
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/notifications")
@roles_required(*Role)
def notifications():
    from sqlalchemy import select
    from ..extensions import db
    from ..models import Notification
    from ..services.notifications import message_for
    from ..timefmt import utcnow
    rows = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                              .order_by(Notification.created_at.desc()).limit(100)).all()
    items = [(n, message_for(n.kind, n.params)) for n in rows]
    for note in rows:  # shown means read
        note.read_at = note.read_at or utcnow()
    db.session.commit()
    return render_template("main/notifications.html", items=items)
