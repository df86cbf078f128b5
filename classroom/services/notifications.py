"""In-app notifications, also sent by e-mail through SMTP when it is configured (logged otherwise)."""
from __future__ import annotations

import logging
import smtplib
import threading
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext as _, ngettext
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from ..extensions import db
from ..models import Notification, User
from ..timefmt import as_utc

log = logging.getLogger(__name__)


def stored_params(params: dict) -> dict:
    """A notification's values as stored: a moment is kept as UTC with the zone it belongs to (the school's),
    never as text, so that it is formatted when shown, in the reader's language and zone."""
    return {key: {"utc": as_utc(value).isoformat(), "zone": params.get("zone")} if isinstance(value, datetime)
            else value for key, value in params.items() if key != "zone"}


def _shown_params(params: dict, zone_name: str | None) -> dict:
    """The stored values ready for the message: moments formatted now. Older rows kept `when` as text already
    formatted; that text is shown as it is."""
    from ..i18n import format_moment
    shown = {}
    for key, value in params.items():
        if isinstance(value, dict) and "utc" in value:
            value = format_moment(datetime.fromisoformat(value["utc"]), zone_name)
        shown[key] = value
    return shown


def message_for(kind: str, params: dict, zone_name: str | None = None) -> str:
    """The notification's text in the current language and in `zone_name` (the viewer's zone by default); the
    message key is `kind`, its values were stored when it was made."""
    params = _shown_params(params, zone_name)
    texts = {
        "account_approved": lambda: _("Your account is approved. Welcome to Kelas Nusantara!"),
        "timetable_published": lambda: ngettext("A new timetable is published: %(num)d live session for you.",
                                                 "A new timetable is published: %(num)d live sessions for you.",
                                                 params["count"], **params),
        "request_scheduled": lambda: _("Your request %(subject)s grade %(grade)d is scheduled with %(teacher)s.", **params),
        "request_unserved": lambda: _("Your request %(subject)s grade %(grade)d could not be served this time.", **params),
        "session_withdrawn": lambda: _("%(teacher)s cannot teach %(subject)s on %(when)s: %(reason)s", **params),
        "assignment_withdrawn": lambda: _("%(teacher)s withdrew from %(subject)s grade %(grade)d (%(school)s): %(reason)s", **params),
        "colleague_waiting": lambda: _("%(name)s (%(email)s) asks to join your school's staff. Approve or refuse on your school's page.", **params),
        "session_substituted": lambda: _("%(teacher)s cannot teach %(subject)s on %(when)s (%(reason)s); %(substitute)s teaches it instead, same time and join code.", **params),
        "substitute_assigned": lambda: _("You substitute for one session: %(subject)s grade %(grade)d at %(school)s, %(when)s (join code %(code)s). It is in your timetable; if you cannot teach it, withdraw from it there and another substitute is sought.", **params),
        "substitute_declined": lambda: _("%(school)s declined the substitute for %(subject)s grade %(grade)d on %(when)s (%(by)s); the session is cancelled.", **params),
        "session_closed": lambda: _("No school on %(when)s (%(closure)s): %(subject)s grade %(grade)d at %(school)s is cancelled.", **params),
        "assignment_changed": lambda: _("Your timetable changed after a re-plan: %(subject)s grade %(grade)d.", **params),
    }
    text = texts.get(kind)
    return text() if text else kind


def notify(users: list[User], kind: str, **params) -> None:
    """Store a notification for each user, and e-mail it in the user's own language and zone once the
    transaction that stores it commits: a rolled-back action sends nothing. A datetime value is a moment
    (`zone=` names the zone it belongs to) and is formatted whenever the notification is shown."""
    outbox = db.session.info.setdefault(OUTBOX, [])
    params = stored_params(params)
    for user in users:
        db.session.add(Notification(user_id=user.id, kind=kind, params=params))
        with force_locale(user.language or "id"):
            body = message_for(kind, params, user.viewer_timezone)
        outbox.append((user.email, "Kelas Nusantara", body))
    db.session.flush()


OUTBOX = "kelas.outbox"


@event.listens_for(Session, "after_commit")
def _send_outbox(session) -> None:
    mails = session.info.pop(OUTBOX, None)
    if not mails:
        return
    if not current_app.config.get("MAIL_SERVER"):
        send_mails(mails)  # only logged
        return
    # Beside the request, not in it: a publish can mail thousands of teachers and schools, and the coordinator
    # should not wait for a distant mail server. The in-app notifications are already committed.
    app = current_app._get_current_object()
    threading.Thread(target=_deliver, args=(app, mails), name="mail", daemon=True).start()


def _deliver(app, mails: list[tuple[str, str, str]]) -> None:
    with app.app_context():
        send_mails(mails)


@event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session, previous_transaction) -> None:
    if not previous_transaction.nested:  # a savepoint's rollback leaves the outer transaction's mail
        session.info.pop(OUTBOX, None)


def send_mails(mails: list[tuple[str, str, str]]) -> None:
    """Over one SMTP connection; a mail server that is down loses no in-app notification and fails no action."""
    host = current_app.config.get("MAIL_SERVER")
    if not host:
        for to, subject, body in mails:
            log.info("mail (SMTP not configured) to=%s subject=%s body=%s", to, subject, body)
        return
    sender = current_app.config.get("MAIL_FROM", "noreply@kelas-nusantara.id")
    try:
        with smtplib.SMTP(host, int(current_app.config.get("MAIL_PORT", 25)), timeout=10) as smtp:
            for to, subject, body in mails:
                message = EmailMessage()
                message["From"] = sender
                message["To"] = to
                message["Subject"] = subject
                message.set_content(body)
                try:
                    smtp.send_message(message)
                except smtplib.SMTPRecipientsRefused:
                    log.warning("mail server refused %s", to)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send %d mail(s)", len(mails))
