"""Pages and API routes of live rooms (see ../shared/spec/rooms.md and docs/rooms.md)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from ..auth.access import public, roles_required
from ..extensions import compress, db
from ..i18n import format_moment, viewer_timezone
from ..media import media_mode
from ..models import LiveSession, LiveStatus, Role, SlidePage
from ..services import attendance as attendance_service, rooms as room_service, slides as slide_service
from ..errors import AppError, bad, json_errors
from ..schemas import parse
from ..schemas.events import DeviceForm
from ..services.rooms import CLASS_DEVICE, TEACHER
from ..timefmt import utcnow, zone_label

bp = Blueprint("rooms", __name__)


# --- the public contract ---------------------------------------------------------------------------

# --- the student page ------------------------------------------------------------------------------

@bp.get("/join")
@public
@compress.compressed()  # reflects the code from the link, but holds no secret
def join_page():
    """The room page a student opens: a code-and-name form, then the room itself, in one light load."""
    code = request.args.get("code", "")[:20]
    return render_template("rooms/room.html", page=room_page_context(role="student", code=code))


def room_page_context(role: str, code: str = "", token: str = "", live: LiveSession | None = None,
                      participant_id: int | None = None) -> dict:
    context = {"role": role, "code": code, "token": token, "session": None, "participant_id": participant_id,
               "media_mode": media_mode(),
               "upload_url": "", "starts": "", "ends": "", "zone": ""}
    if live is not None:
        zone = viewer_timezone() if current_user.is_authenticated else live.school.timezone
        context.update(session=room_service.session_json(live), starts=format_moment(live.starts_at, zone),
                       ends=format_moment(live.ends_at, zone, with_date=False), zone=zone_label(zone),
                       attendance_url=url_for("rooms.attendance", live_session_id=live.id),
                       home_url=url_for("teachers.timetable") if role == TEACHER else url_for("schools.home"))
        if role == TEACHER:
            context["upload_url"] = url_for("rooms.upload_slides", live_session_id=live.id)
            context["csrf"] = generate_csrf()
    return context


# --- teachers, school staff and class devices --------------------------------------------------------

def session_for_account(live_session_id: int) -> tuple[LiveSession, str]:
    live = db.get_or_404(LiveSession, live_session_id)
    role = room_service.account_role(live, current_user)
    if role is None:
        abort(403)
    return live, role


def room_closed_page(exc: AppError):
    db.session.rollback()
    return render_template("error.html", status=exc.status, message=exc.message, fields={}), exc.status


@bp.get("/rooms/")
@roles_required(Role.TEACHER, Role.SCHOOL)
def my_rooms():
    query = select(LiveSession).where(LiveSession.status != LiveStatus.CANCELLED)
    if current_user.role == Role.TEACHER:
        if current_user.teacher_profile is None:
            abort(403)
        query = query.where(LiveSession.teacher_id == current_user.teacher_profile.id)
    else:
        query = query.where(LiveSession.school_id == current_user.school_id)
    sessions = db.session.scalars(query.order_by(LiveSession.starts_at.desc()).limit(60)).all()
    now = utcnow()
    rows = []
    for live in sessions:
        try:
            room_service.check_open(live, now, for_public=False)
            is_open = True
        except AppError:
            is_open = False
        rows.append((live, is_open))
    return render_template("rooms/my_rooms.html", rows=rows)


def enter_as_account(live_session_id: int):
    """The logged-in teacher's or host's participant for this room (created on first entry); raises AppError."""
    live, role = session_for_account(live_session_id)
    member = room_service.account_participant(live, current_user, role)
    db.session.commit()
    return live, role, member


@bp.get("/rooms/<int:live_session_id>")
@roles_required(Role.TEACHER, Role.SCHOOL)
@compress.compressed()  # holds a token and a CSRF token but reflects nothing a stranger chose
def room(live_session_id: int):
    """The teacher's room (role teacher) or a school staff member's (role host), token from the account."""
    try:
        live, role, member = enter_as_account(live_session_id)
    except AppError as exc:
        return room_closed_page(exc)
    return render_template("rooms/room.html", page=room_page_context(
        role, token=room_service.issue_token(member), live=live, participant_id=member.id))


@bp.get("/rooms/<int:live_session_id>/token")
@roles_required(Role.TEACHER, Role.SCHOOL)
@json_errors
def account_token(live_session_id: int):
    """The same token as JSON, for a teacher's or host's own client (an app, a load test)."""
    live, role, member = enter_as_account(live_session_id)
    return {"token": room_service.issue_token(member), "room": room_service.room_name(live.id), "role": role,
            "session": room_service.session_json(live)}


@bp.route("/rooms/<int:live_session_id>/device", methods=["GET", "POST"])
@roles_required(Role.SCHOOL)
def class_device(live_session_id: int):
    """A school's projector laptop joins for a whole class; the local coordinator enters the headcount."""
    live, role = session_for_account(live_session_id)
    errors = {}
    if request.method == "POST":
        try:
            form = parse(DeviceForm, {"headcount": request.form.get("headcount"), "name": request.form.get(
                "name") or live.request.class_name or live.school.name})
            member = room_service.account_participant(live, current_user, CLASS_DEVICE, headcount=form.headcount,
                                                      name=form.name)
            db.session.commit()
        except AppError as exc:
            db.session.rollback()
            if exc.status != 400:
                return room_closed_page(exc)
            errors = exc.fields
        else:
            return render_template("rooms/room.html", page=room_page_context(
                CLASS_DEVICE, token=room_service.issue_token(member), live=live, participant_id=member.id))
    return render_template("rooms/device.html", live=live, errors=errors,
                           default_headcount=live.request.students, form=request.form)


@bp.post("/rooms/<int:live_session_id>/slides")
@roles_required(Role.TEACHER)
@json_errors
def upload_slides(live_session_id: int):
    live, role = session_for_account(live_session_id)
    if role != TEACHER:
        abort(403)
    upload = request.files.get("file")
    room_service.check_open(live, for_public=False)
    if upload is None or not upload.filename:
        raise bad("file", _("Choose a PDF file."))
    slide_service.add_deck(live, upload.filename, upload.read(slide_service.PDF_MAX_BYTES + 1))
    db.session.commit()
    return slide_service.announce_deck(live.id), 201


@bp.get("/rooms/slides/<int:deck_id>/<int:number>.webp")
@public
def slide_image(deck_id: int, number: int):
    if not slide_service.slide_key_valid(deck_id, request.args.get("k", "")):
        abort(404)
    page = db.session.scalar(select(SlidePage).where(SlidePage.deck_id == deck_id, SlidePage.number == number))
    if page is None:
        abort(404)
    response = Response(page.image, mimetype=page.mimetype)
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"  # a page never changes
    return response


# --- attendance ------------------------------------------------------------------------------------

def session_for_report(live_session_id: int) -> LiveSession:
    live = db.get_or_404(LiveSession, live_session_id)
    if current_user.role in (Role.COORDINATOR, Role.ADMIN):
        return live
    if room_service.account_role(live, current_user) is None:
        abort(403)
    return live


def settled_report(live: LiveSession) -> list:
    """The report, once the attendance of server processes that died without a goodbye is closed: otherwise a
    class on a crashed process would count as present until the session's end."""
    room_service.close_silent_servers(current_app.config["ROOM_SERVER_SILENT_SECONDS"])
    db.session.commit()
    return attendance_service.report(live)


@bp.get("/rooms/<int:live_session_id>/attendance")
@roles_required(Role.TEACHER, Role.SCHOOL, Role.COORDINATOR, Role.ADMIN)
def attendance(live_session_id: int):
    live = session_for_report(live_session_id)
    rows = settled_report(live)
    students = sum((r.headcount or 1) if r.role == CLASS_DEVICE else 1 for r in rows
                   if r.role in room_service.LEARNERS and not r.removed)
    return render_template("rooms/attendance.html", live=live, rows=rows, students=students, zone=viewer_timezone())


@bp.get("/rooms/<int:live_session_id>/attendance.csv")
@roles_required(Role.TEACHER, Role.SCHOOL, Role.COORDINATOR, Role.ADMIN)
def attendance_csv(live_session_id: int):
    live = session_for_report(live_session_id)
    body = attendance_service.to_csv(live, settled_report(live), viewer_timezone())
    return Response("\ufeff" + body, mimetype="text/csv", headers={  # the BOM lets spreadsheet apps read UTF-8 names
        "Content-Disposition": f"attachment; filename=kehadiran-sesi-{live.id}.csv"})
