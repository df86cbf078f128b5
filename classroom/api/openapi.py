"""The OpenAPI 3.1 document of the JSON API, served at /api/openapi.json and generated from the routes as declared
(`api.route`) and the body schemas they read (`classroom/schemas.py`): nothing here is written beside them."""
from __future__ import annotations

import re

from flask import url_for

from .. import schemas
from ..schemas.responses import Answer
from ..validation import ROW_ID_MAX
from . import ANY_ROLE, ANYONE, OPERATIONS, STAFF, Operation, route

ERROR = {"$ref": "#/components/schemas/Error"}
ERRORS = {
    400: "bad input: `fields` names each wrong field",
    401: "not logged in, or a dead access token",
    403: "this role or this account may not do it",
    404: "not found (another school's or teacher's rows are not found either)",
    409: "conflicts with the current state (a duplicate, a change made meanwhile)",
    413: "the body is too large",
    429: "too many attempts: wait Retry-After seconds",
    503: "a service it needs (the database, the queue) is briefly down; nothing was changed",
}
SESSION = [{"session": []}, {"bearerToken": []}]


def _who(roles: tuple) -> str:
    if roles == ANYONE:
        return "anyone"
    if roles == ANY_ROLE:
        return "any role"
    if roles == STAFF:
        return "coordinator, admin"
    return ", ".join({"school": "school staff"}.get(r.value, r.value) for r in roles)


def _path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", "/api" + rule)


def _answer_schema(response, components: dict) -> dict:
    """The JSON Schema of an answer as the route declared it; answer schemas (and the ones inside them) go to the
    document's components once each."""
    if isinstance(response, list):
        return {"type": "array", "items": _answer_schema(response[0], components)}
    if isinstance(response, type) and issubclass(response, Answer):
        schema = response.json_schema()
        components.update(schema.pop("$defs", {}))
        components[response.__name__] = schema
        return {"$ref": f"#/components/schemas/{response.__name__}"}
    return response


def _operation(op: Operation, components: dict) -> dict:
    success = {"description": "OK"}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": _answer_schema(op.response, components)}}
    document = {
        "operationId": op.endpoint.removeprefix("api."),
        "summary": op.summary,
        "description": f"Who: {_who(op.roles)}." + (f" {op.notes}" if op.notes else ""),
        "responses": {str(op.status): success,
                      **{str(code): {"description": text, "content": {"application/json": {"schema": ERROR}}}
                         for code, text in ERRORS.items()}},
        "security": [] if op.roles == ANYONE else SESSION,
    }
    if op.rules:
        document["description"] += f" Also refused with 400: {op.rules}"
        document["x-rules"] = op.rules
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": ROW_ID_MAX}}
                  for name in re.findall(r"<(?:\w+:)?(\w+)>", op.rule)]
    parameters += [{"name": name, "in": "query", "required": False, "schema": schema} for name, schema in op.query]
    if parameters:
        document["parameters"] = parameters
    if op.body is schemas.Empty:
        document["requestBody"] = {"required": True, "description": "{}: the path says it all, but a write is "
                                                                    "always JSON (what keeps other sites out)",
                                   "content": {"application/json": {"schema": {"type": "object"}}}}
    elif op.body is not None:
        document["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}}}
    return document


def document() -> dict:
    paths: dict = {}
    bodies: dict = {}
    for op in OPERATIONS:
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = _operation(op, bodies)
        if op.body is not None and op.body is not schemas.Empty:
            bodies[op.body.__name__] = op.body.json_schema()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kelas Nusantara API", "version": "1",
                 "description": "Log in at /auth/login (a session cookie) or send a personal access token "
                                "(Authorization: Bearer, made on the account page). Writes send JSON. Errors are "
                                "{error, message, fields?} in the user's language (?lang=id|en)."},
        "servers": [{"url": url_for("main.home", _external=True).rstrip("/")}],
        "paths": paths,
        "components": {
            "schemas": {**bodies, "Error": {"type": "object", "required": ["error", "message"], "properties": {
                "error": {"type": "string"}, "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}},
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "a personal access token from the account page"}},
        },
    }


@route("GET", "/openapi.json", summary="This document", roles=ANYONE)
def openapi_json():
    return document()
