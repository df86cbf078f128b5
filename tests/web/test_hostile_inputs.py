"""Inputs that used to answer 500: numbers JSON allows but no field can hold, ids past any integer column, JSON
nested past the parser's stack, text the database cannot store, a zone name the file system refuses, dates at the
ends of the calendar. Each is a 400 in the user's language naming the field (or 404 for an id nothing can have),
on SQLite and on PostgreSQL alike."""
import collections
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from classroom.extensions import db
from classroom.models import LiveSession, SessionRequest, User
from classroom.services import requests as request_service
from classroom.services.join_codes import unique_code
from classroom.timefmt import utcnow

from .test_matching_runs import MATH_8

PASSWORD = "rahasia-sekali-123"
TEACHER = {"name": "Cut Meutia", "email": "cut@contoh.sch.id", "password": PASSWORD, "province": "11",
           "subjects": ["Matematika"], "grades": [7, 8], "years_teaching": 6}
SCHOOL = {"name": "Yohana", "email": "yohana@contoh.sch.id", "password": PASSWORD, "npsn": "60309999",
          "school_name": "SMP Negeri 1 Sentani", "level": "SMP", "province": "91", "district": "Jayapura"}
HUGE_NUMBERS = ["1e999", "-1e999", "Infinity", "-Infinity", "NaN", "1e308", "123456789012345678901234567890"]


def raw_json(client, method, url, text):
    return client.open(url, method=method, data=text, content_type="application/json")


def with_raw(body: dict, field: str, literal: str) -> str:
    """`body` as JSON text with `field` holding `literal` as written (json.dumps cannot write 1e999)."""
    return json.dumps({**body, field: "@@"}).replace('"@@"', literal)


def assert_names_field(response, field, words=None):
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["error"] == "validation" and field in body["fields"], body
    if words:
        assert words in body["fields"][field], body


@pytest.fixture
def people(app, factory):
    staff_id, staff = factory.school(province="91", level="SMP")
    teacher_id, teacher = factory.teacher()
    _, coordinator = factory.coordinator()
    with app.app_context():
        staff_user = db.session.get(User, staff_id)
        request = request_service.create_request(staff_user.school, MATH_8)
        profile = db.session.get(User, teacher_id).teacher_profile
        now = utcnow().replace(microsecond=0)
        live = LiveSession(request=request, teacher_id=profile.id, school_id=staff_user.school_id,
                           starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=2),
                           join_code=unique_code())
        db.session.add(live)
        db.session.commit()
        ids = {"request": request.id, "live": live.id}
    clients = {}
    for role, email in (("school", staff), ("teacher", teacher), ("coordinator", coordinator)):
        clients[role] = app.test_client()
        assert clients[role].post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
    clients["anonymous"] = app.test_client()
    return clients, ids


# (role, method, url, base body, field): every integer field the JSON API takes
INTEGER_FIELDS = [
    ("school", "POST", "/api/school/requests", MATH_8, field)
    for field in ("grade", "students", "sessions_per_week", "duration_minutes", "priority")
] + [
    ("anonymous", "POST", "/api/register/teacher", TEACHER, "years_teaching"),
    ("teacher", "PUT", "/api/teacher/profile", {}, "max_sessions_per_day"),
    ("teacher", "PUT", "/api/teacher/profile", {}, "max_sessions_per_week"),
    ("coordinator", "POST", "/api/coordinator/runs", {"term_start": "2031-01-06", "term_end": "2031-03-28"}, "time_limit"),
    ("school", "POST", "/api/school/sessions/{live}/rating", {}, "stars"),
]


@pytest.mark.parametrize("role,method,url,body,field", INTEGER_FIELDS, ids=[f"{r[2]}:{r[4]}" for r in INTEGER_FIELDS])
def test_numbers_no_integer_field_can_hold_are_named_not_a_crash(people, role, method, url, body, field):
    clients, ids = people
    url = url.format(**ids)
    for literal in HUGE_NUMBERS:
        response = raw_json(clients[role], method, url + "?lang=en", with_raw(body, field, literal))
        assert_names_field(response, field)


@pytest.mark.parametrize("role,method,url,body", [
    ("anonymous", "POST", "/api/register/teacher", TEACHER), ("teacher", "PUT", "/api/teacher/profile", {})])
def test_huge_numbers_in_a_list_of_grades_are_named(people, role, method, url, body):
    clients, _ = people
    for literal in HUGE_NUMBERS:
        assert_names_field(raw_json(clients[role], method, url, with_raw(body, "grades", f"[7, {literal}]")), "grades")


def int_routes(app):
    """Every route with an integer in its path, as (methods, path with {name} placeholders)."""
    for rule in app.url_map.iter_rules():
        names = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if names:
            yield rule.methods - {"HEAD", "OPTIONS"}, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), names


@pytest.mark.parametrize("huge", [2**31, 2**63, 2**64, 10**30])
def test_ids_past_any_integer_column_are_not_found(app, people, huge):
    clients, _ = people
    routes = list(int_routes(app))
    assert len(routes) >= 20
    for methods, path, names in routes:
        # the other parts of the path keep a value they accept (e.g. a recording's `video`), so only the id is wrong
        url = path.format_map(collections.defaultdict(lambda: "video", {name: huge for name in names}))
        for role, client in clients.items():
            for method in methods:
                kwargs = {"json": {}} if method != "GET" and url.startswith("/api/") else {}
                response = client.open(url, method=method, **kwargs)
                assert response.status_code == 404, f"{method} {url} as {role}: {response.status_code}"


DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize("role,method,url", [
    ("anonymous", "POST", "/api/rooms/join"), ("anonymous", "POST", "/api/register/school"),
    ("anonymous", "POST", "/api/register/teacher"), ("school", "POST", "/api/school/requests"),
    ("teacher", "PUT", "/api/teacher/availability"), ("coordinator", "POST", "/api/coordinator/runs")])
def test_json_nested_past_the_parsers_stack_is_refused(people, role, method, url):
    clients, _ = people
    for text in (DEEP, DEEP_OBJECT):
        response = raw_json(clients[role], method, url + "?lang=en", text)
        assert_names_field(response, "body", "nested too deeply")


@pytest.mark.parametrize("text,words", [("Cut \ud800 Meutia", "cannot be stored"), ("Cut\x00Meutia", "cannot be stored"),
                                        ("\udfff", "cannot be stored")])
def test_text_the_database_cannot_store_is_named(people, app, text, words):
    clients, ids = people
    escaped = json.dumps(text)  # \ud800 stays an escape: what a hostile client sends
    response = raw_json(clients["anonymous"], "POST", "/api/register/teacher?lang=en",
                        with_raw(TEACHER, "name", escaped))
    assert_names_field(response, "name", words)
    response = raw_json(clients["school"], "POST", "/api/school/requests?lang=en", with_raw(MATH_8, "class_name", escaped))
    assert_names_field(response, "class_name", words)
    response = raw_json(clients["anonymous"], "POST", "/api/register/school?lang=en",
                        with_raw(SCHOOL, "school_name", escaped))
    assert_names_field(response, "school_name", words)
    with app.app_context():
        assert db.session.scalar(select(SessionRequest).where(SessionRequest.id != ids["request"])) is None


def test_a_nul_byte_in_a_form_is_named(client):
    response = client.post("/auth/register/teacher", data={**TEACHER, "name": "Cut\x00Meutia", "grades": ["7"],
                                                           "subjects": ["Matematika"]})
    assert response.status_code == 400 and "tidak dapat disimpan" in response.get_data(as_text=True)


@pytest.mark.parametrize("zone,words", [("A" * 5000, "Unknown time zone."), ("Asia/" + "x" * 300, "Unknown time zone."),
                                        ("../../../../etc/passwd", "Unknown time zone."),
                                        ("Asia/Jakarta\x00", "cannot be stored"), ("\ud800", "cannot be stored")])
def test_an_impossible_time_zone_is_named(people, zone, words):
    clients, _ = people
    response = raw_json(clients["anonymous"], "POST", "/api/register/teacher?lang=en",
                        with_raw(TEACHER, "timezone", json.dumps(zone)))
    assert_names_field(response, "timezone", words)


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "0001-01-07", "9999-12-27"])
def test_a_week_at_the_ends_of_the_calendar_is_named(people, week):
    clients, _ = people
    page = clients["teacher"].get(f"/teacher/timetable?week={week}&lang=en")
    assert page.status_code == 400 and "Give a date between" in page.get_data(as_text=True)
    for field in ("from", "to"):
        assert_names_field(clients["teacher"].get(f"/api/teacher/record?{field}={week}"), field)
        assert clients["teacher"].get(f"/teacher/record?{field}={week}").status_code == 400
