"""The OpenAPI 3.1 document of the JSON API, served at /api/openapi.json. A test checks it covers every route."""
from __future__ import annotations

from flask import url_for

from ..auth.access import public
from ..reference import LEVEL_GRADES
from .views import bp

ERROR = {"$ref": "#/components/schemas/Error"}
INTERVAL = {"type": "object", "required": ["day", "start", "end"], "properties": {
    "day": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
    "start": {"type": "string", "pattern": "^\\d{2}:\\d{2}$"}, "end": {"type": "string", "pattern": "^\\d{2}:\\d{2}$"}}}
OBJECT = {"type": "object"}
ARRAY = {"type": "array", "items": {"type": "object"}}
TERM = {"term_start": {"type": "string", "format": "date"}, "term_end": {"type": "string", "format": "date"}}
REQUEST_BODY = {"type": "object", "required": ["subject", "grade", "students", "sessions_per_week", "duration_minutes",
                                               "term_start", "term_end", "windows"], "properties": {
    "class_name": {"type": "string", "maxLength": 40}, "subject": {"type": "string"},
    "grade": {"type": "integer", "minimum": 1, "maximum": 12}, "students": {"type": "integer", "minimum": 1, "maximum": 200},
    "sessions_per_week": {"type": "integer", "minimum": 1, "maximum": 7},
    "duration_minutes": {"type": "integer", "minimum": 15, "maximum": 240, "multipleOf": 5},
    "priority": {"type": "integer", "minimum": 1, "maximum": 5}, **TERM,
    "windows": {"type": "array", "items": INTERVAL, "minItems": 1, "maxItems": 50}}}
REGISTER_TEACHER = {"type": "object", "required": ["name", "email", "password", "province", "subjects", "grades"], "properties": {
    "name": {"type": "string"}, "email": {"type": "string", "format": "email"}, "password": {"type": "string", "minLength": 10},
    "province": {"type": "string", "description": "province code (e.g. 11) or name"},
    "timezone": {"type": "string"}, "subjects": {"type": "array", "items": {"type": "string"}},
    "grades": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 12}},
    "school_name": {"type": "string"}, "years_teaching": {"type": "integer"}, "certified": {"type": "boolean"}}}
REGISTER_SCHOOL = {"type": "object", "required": ["name", "email", "password", "npsn"], "properties": {
    "name": {"type": "string"}, "email": {"type": "string", "format": "email"}, "password": {"type": "string", "minLength": 10},
    "npsn": {"type": "string", "pattern": "^\\d{8}$"}, "school_name": {"type": "string"},
    "level": {"enum": list(LEVEL_GRADES)}, "province": {"type": "string"}, "district": {"type": "string"},
    "remote": {"type": "boolean"}}}
REASON = {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 300}}}

# (method, path, summary, who, request body schema or None, success status, response schema)
ROUTES = [
    ("get", "/api/reference", "Provinces with their zones, subjects by level", "anyone", None, 200, OBJECT),
    ("post", "/api/register/teacher", "Register as a teacher (waits for approval)", "anyone", REGISTER_TEACHER, 201, OBJECT),
    ("post", "/api/register/school", "Register as school staff (waits for approval)", "anyone", REGISTER_SCHOOL, 201, OBJECT),
    ("get", "/api/me", "The logged-in account", "any role", None, 200, OBJECT),
    ("get", "/api/teacher/availability", "Weekly availability, teacher-local", "teacher", None, 200, OBJECT),
    ("put", "/api/teacher/availability", "Replace the weekly availability (overlaps merge)", "teacher",
     {"type": "object", "required": ["availability"], "properties": {"availability": {"type": "array", "items": INTERVAL}}}, 200, OBJECT),
    ("put", "/api/teacher/profile", "Subjects, grades, limits", "teacher", OBJECT, 200, OBJECT),
    ("get", "/api/teacher/timetable", "Assigned dated sessions in the teacher's zone", "teacher", None, 200, OBJECT),
    ("get", "/api/teacher/record", "Teaching record: sessions, hours, JP, ratings", "teacher", None, 200, OBJECT),
    ("post", "/api/teacher/calendar-token", "Issue a new private iCalendar URL", "teacher", OBJECT, 200, OBJECT),
    ("post", "/api/teacher/sessions/{live_session_id}/withdraw", "Withdraw from one dated session", "teacher", REASON, 200, OBJECT),
    ("post", "/api/teacher/assignments/{assignment_id}/withdraw", "Withdraw from a whole assignment", "teacher", REASON, 200, OBJECT),
    ("get", "/api/school/requests", "This school's requests", "school staff", None, 200, ARRAY),
    ("post", "/api/school/requests", "Create a request", "school staff", REQUEST_BODY, 201, OBJECT),
    ("get", "/api/school/requests/{request_id}", "One request of this school", "school staff", None, 200, OBJECT),
    ("put", "/api/school/requests/{request_id}", "Edit a request", "school staff", REQUEST_BODY, 200, OBJECT),
    ("delete", "/api/school/requests/{request_id}", "Cancel a request", "school staff", OBJECT, 204, None),
    ("get", "/api/school/requests/{request_id}/schedule", "Teacher, weekly times and dated sessions with join codes",
     "school staff", None, 200, OBJECT),
    ("post", "/api/school/sessions/{live_session_id}/rating", "Rate a finished session", "school staff",
     {"type": "object", "required": ["stars"], "properties": {"stars": {"type": "integer", "minimum": 1, "maximum": 5},
                                                              "comment": {"type": "string", "maxLength": 500}}}, 201, OBJECT),
    ("get", "/api/school/colleagues", "People asking to join this school's staff", "school staff", None, 200, ARRAY),
    ("post", "/api/school/colleagues/{colleague_id}/approve", "Let a new colleague in", "school staff", OBJECT, 200, OBJECT),
    ("post", "/api/school/colleagues/{colleague_id}/refuse", "Refuse someone asking to join", "school staff", OBJECT, 200, OBJECT),
    ("get", "/api/coordinator/runs", "History of matching runs", "coordinator, admin", None, 200, ARRAY),
    ("post", "/api/coordinator/runs", "Start a matching run in a worker", "coordinator, admin",
     {"type": "object", "required": ["term_start", "term_end"], "properties": {
         **TERM, "time_limit": {"type": "integer", "minimum": 5, "maximum": 900}}}, 202, OBJECT),
    ("get", "/api/coordinator/runs/{run_id}", "A run: progress, assignments, reasons, summary, changes", "coordinator, admin", None, 200, OBJECT),
    ("post", "/api/coordinator/runs/{run_id}/stop", "Stop early, keeping the best timetable", "coordinator, admin", OBJECT, 202, OBJECT),
    ("post", "/api/coordinator/runs/{run_id}/publish", "Publish: dated sessions, join codes, notifications", "coordinator, admin", OBJECT, 200, OBJECT),
    ("post", "/api/coordinator/runs/{run_id}/replan", "Re-plan a published run with minimal changes", "coordinator, admin",
     {"type": "object", "properties": {"time_limit": {"type": "integer", "minimum": 5, "maximum": 900}}}, 202, OBJECT),
    ("get", "/api/coordinator/pending", "Accounts waiting for approval", "coordinator, admin", None, 200, ARRAY),
    ("post", "/api/coordinator/users/{user_id}/approve", "Approve an account", "coordinator, admin", OBJECT, 200, OBJECT),
    ("get", "/api/notifications", "My notifications, in my language", "any role", None, 200, ARRAY),
    ("post", "/api/notifications/{notification_id}/read", "Mark a notification read", "any role", OBJECT, 200, OBJECT),
    ("post", "/api/rooms/join", "Join a live session with its code (rooms.md)", "anyone",
     {"type": "object", "required": ["code", "name"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
     200, OBJECT),
    ("get", "/api/openapi.json", "This document", "anyone", None, 200, OBJECT),
]


def document() -> dict:
    paths: dict = {}
    for method, path, summary, who, body, status, schema in ROUTES:
        errors = {str(code): {"description": text, "content": {"application/json": {"schema": ERROR}}}
                  for code, text in (("400", "bad input: fields named"), ("401", "not logged in"),
                                     ("403", "not allowed"), ("404", "not found"), ("409", "conflict"),
                                     ("429", "too many attempts"), ("503", "a service it needs is briefly down"))}
        operation = {"summary": summary, "description": f"Who: {who}.",
                     "responses": {str(status): {"description": "OK"} if schema is None else
                                   {"description": "OK", "content": {"application/json": {"schema": schema}}}, **errors}}
        parameters = [{"name": part[1:-1], "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
                      for part in path.split("/") if part.startswith("{")]
        if parameters:
            operation["parameters"] = parameters
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kelas Nusantara API", "version": "1",
                 "description": "Session cookie authentication (log in at /auth/login). Writes send JSON. "
                                "Errors are {error, message, fields?} in the user's language (?lang=id|en)."},
        "servers": [{"url": url_for("main.home", _external=True).rstrip("/")}],
        "paths": paths,
        "components": {"schemas": {"Error": {"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
    }


@bp.get("/openapi.json")
@public
def openapi_json():
    return document()
