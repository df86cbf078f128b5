"""The one error type of the app, `AppError`, and its one handler.

Every refusal (bad input, not allowed, not found, a conflict, too many attempts, a service that is down) is an
`AppError` with an HTTP status, a stable `error` code, a `message` in the user's language and, for bad input,
`fields` naming each wrong field. HTTP answers it as `{"error", "message", "fields"?}` (JSON for the API and for
views marked `json_errors`, a page for browsers); the room's Socket.IO handlers send the same `as_json()` body as
their `error` event or acknowledgement, and a refused connect carries it as its data.
"""
from __future__ import annotations

from functools import wraps

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .extensions import db


class AppError(Exception):
    """A refusal: `status` for HTTP, `error` (a stable code), `message` already in the user's language, `fields`
    mapping each bad field to its message, `headers` for HTTP answers (Retry-After)."""

    def __init__(self, status: int, error: str, message: str, fields: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None):
        self.status, self.error, self.message = status, error, message
        self.fields = fields or {}
        self.headers = headers or {}
        super().__init__(message)

    def as_json(self) -> dict:
        body = {"error": self.error, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class ValidationError(AppError):
    """Bad input: `fields` maps a field name to a message already in the user's language."""

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(400, "validation", message or next(iter(fields.values()), ""), fields)


class Taken(ValidationError):
    """Bad input that is a conflict: the value belongs to someone already (an e-mail address). 409, with the field
    named, so forms show it beside the field as any other bad input."""

    def __init__(self, field: str, message: str):
        super().__init__({field: message}, message)
        self.status, self.error = 409, "conflict"


def bad(field: str, message: str) -> ValidationError:
    """One bad field."""
    return ValidationError({field: message}, message)


class Forbidden(AppError):
    """The person may not do this; `message` says who may."""

    def __init__(self, message: str, error: str = "forbidden"):
        super().__init__(403, error, message)


class NotFound(AppError):
    def __init__(self, message: str, error: str = "not_found"):
        super().__init__(404, error, message)


class Conflict(AppError):
    """The action collides with the current state (a duplicate, something changed meanwhile)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None, error: str = "conflict"):
        super().__init__(409, error, message, fields)


class TooManyAttempts(AppError):
    """Refused for a while: `wait` seconds, also sent as Retry-After."""

    def __init__(self, message: str, wait: int, error: str = "too_many_requests"):
        super().__init__(429, error, message, headers={"Retry-After": str(max(1, int(wait)))})
        self.wait = wait


class Unavailable(AppError):
    """A service the action needs (the queue, the database) is down for now; nothing was changed."""

    def __init__(self, message: str, error: str = "unavailable"):
        super().__init__(503, error, message)


def json_errors(view):
    """Marks a view outside /api/ whose callers are scripts (a room token, an upload by fetch): its errors are
    JSON too."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.json_errors = True
        return view(*args, **kwargs)
    return wrapped


def wants_json() -> bool:
    if request.path.startswith("/api/") or g.get("json_errors"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, error: str, message: str, fields: dict | None = None,
                   headers: dict | None = None):
    if wants_json():
        body = {"error": error, "message": message}
        if fields:
            body["fields"] = fields
        return jsonify(body), status, headers or {}
    return render_template("error.html", status=status, message=message, fields=fields or {}), status, headers or {}


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
    @app.errorhandler(AppError)
    def app_error(exc: AppError):
        db.session.rollback()  # a refusal keeps nothing of what the action had begun
        return error_response(exc.status, exc.error, exc.message, exc.fields, exc.headers)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, "csrf", _("The form expired. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        error, message = _messages().get(code, ("error", exc.description or ""))
        if code == 400 and exc.description and getattr(exc, "translated", False):
            message = exc.description
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:  # RFC 9110: a 405 says what is allowed
            headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return error_response(code, error, message, headers=headers)

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
