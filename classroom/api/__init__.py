"""The JSON API: one blueprint under /api, a module per area (accounts, teachers, schools, coordinator, rooms), each
route declared once with `route`, which guards it by role, reads its body with the body's schema and records it
for the OpenAPI document (`openapi.py`), so the document is what the server does.

Errors are `errors.AppError`'s one shape, `{"error", "message", "fields"?}`. Writes must say they are JSON
(`Content-Type: application/json`): a page on another site cannot send that without a CORS preflight this app
never grants, which is what protects these cookie-authenticated routes from cross-site requests in place of a
form's CSRF token (so the blueprint is exempted from CSRF, once, here). Scripts send `Authorization: Bearer`
with a personal access token instead of the cookie (auth/tokens.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, request
from flask_babel import gettext as _

from .. import schemas
from ..auth.access import public, roles_required
from ..errors import ValidationError
from ..models import Role

bp = Blueprint("api", __name__, url_prefix="/api")

ANYONE = ()
ANY_ROLE = tuple(Role)
STAFF = (Role.COORDINATOR, Role.ADMIN)
OBJECT = {"type": "object"}
ARRAY = {"type": "array", "items": {"type": "object"}}


@dataclass(frozen=True)
class Operation:
    """One route as the document tells it: who may call it, the body it reads, what it answers."""
    method: str
    rule: str
    endpoint: str
    summary: str
    roles: tuple[Role, ...]
    body: type[schemas.Schema] | None
    status: int
    response: Any  # an answer schema (schemas/responses.py), [one] for a list of them, a JSON Schema, or None
    notes: str = ""
    query: tuple[tuple[str, dict], ...] = field(default=())
    rules: str = ""


OPERATIONS: list[Operation] = []
_BY_ENDPOINT: dict[str, Operation] = {}


def route(method: str, rule: str, *, summary: str, roles: tuple[Role, ...], body: type[schemas.Schema] | None = None,
          status: int = 200, response: Any = OBJECT, notes: str = "",
          query: tuple[tuple[str, dict], ...] = (), limit: str | None = None, rules: str = ""):
    """Declare an API route. A write reads `body` (schemas.Empty when the path says it all): the view calls
    `json_body()` for it once it has found what it acts on, so a missing row is a 404 before a bad body is a
    400; an empty body is read before the view runs. `limit` is a rate limit (flask-limiter) after the role
    check. `rules` names what the server refuses (400) that a JSON Schema cannot say: a rule between fields or
    against stored data; the document shows it (`x-rules`), and scripts/api_contract.py expects those 400s."""
    if method != "GET" and body is None:
        raise TypeError(f"{method} {rule}: a write declares its body (schemas.Empty for none)")

    def decorate(view):
        endpoint = f"api.{view.__name__}"
        operation = Operation(method, rule, endpoint, summary, roles, body, status, response, notes, query, rules)

        @wraps(view)
        def with_body(*args, **kwargs):
            if body is schemas.Empty:
                json_body()
            return view(*args, **kwargs)

        guarded = with_body
        if limit:
            from ..security import limiter
            guarded = limiter.limit(limit)(guarded)
        guarded = public(guarded) if roles == ANYONE else roles_required(*roles)(guarded)
        bp.add_url_rule(rule, view.__name__, guarded, methods=[method])
        OPERATIONS.append(operation)
        _BY_ENDPOINT[endpoint] = operation
        return view
    return decorate


@bp.before_request
def require_json_body():
    """Every write says it is JSON, even with an empty body: a cross-site form cannot."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.is_json:
        raise ValidationError({"body": _("Send the data as JSON (Content-Type: application/json).")})


def json_body(**context) -> schemas.Schema:
    """The request's body read with the route's own schema, strictly (JSON's types); `context` carries what a
    rule needs from the database (`school=`). An empty body is `{}` only where the route takes no fields."""
    schema = _BY_ENDPOINT[request.endpoint].body
    data = request.get_json(silent=True)
    if data is None and schema is schemas.Empty and not request.get_data():
        data = {}
    return schemas.parse(schema, data, strict=True, **context)


def init_app(app: Flask) -> None:
    from . import accounts, coordinator, openapi, rooms, schools, teachers  # noqa: F401  (their routes on bp)
    from ..extensions import csrf
    app.register_blueprint(bp)
    csrf.exempt(bp)
