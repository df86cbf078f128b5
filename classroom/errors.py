"""One error shape, `{"error", "message", "fields"?}`, for the JSON API; pages for browsers."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .validation import Conflict, Forbidden, Unavailable, ValidationError


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, error: str, message: str, fields: dict | None = None):
    if wants_json():
        body = {"error": error, "message": message}
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, fields=fields or {}), status


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("The request could not be understood.")),
        401: ("unauthorized", _("Please log in first.")),
        403: ("forbidden", _("You are not allowed to do this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        409: ("conflict", _("This conflicts with a change made meanwhile.")),
        413: ("too_large", _("The upload is too large.")),
        429: ("too_many_requests", _("Too many attempts. Please wait a moment and try again.")),
        500: ("server_error", _("Something went wrong on our side. Nothing was saved; please try again.")),
        503: ("unavailable", _("The service is briefly unavailable. Please try again in a moment.")),
    }


def init_app(app: Flask) -> None:
    @app.errorhandler(ValidationError)
    def validation_error(exc: ValidationError):
        db.session.rollback()
        return error_response(400, "validation", exc.message, exc.fields)

    @app.errorhandler(Conflict)
    def conflict(exc: Conflict):
        db.session.rollback()
        return error_response(409, "conflict", exc.message, exc.fields)

    @app.errorhandler(Forbidden)
    def forbidden(exc: Forbidden):
        db.session.rollback()
        return error_response(403, "forbidden", exc.message)

    @app.errorhandler(Unavailable)
    def unavailable(exc: Unavailable):
        return error_response(503, "unavailable", exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, "csrf", _("The form expired. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        error, message = _messages().get(code, ("error", exc.description or ""))
        if code == 400 and exc.description and getattr(exc, "translated", False):
            message = exc.description
        return error_response(code, error, message)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc: Exception):
        """The database is down or restarting: say so, keep nothing half-written, recover by itself."""
        try:
            db.session.rollback()
        except Exception:
            db.session.remove()
        app.logger.warning("database unavailable: %s", exc)
        error, message = _messages()[503]
        return error_response(503, error, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        error, message = _messages()[500]
        return error_response(500, error, message)
