"""schemathesis against /api/openapi.json, logged in as each role: no 5xx, no answer that breaks the schema."""
import pytest
import schemathesis
from schemathesis import checks
from hypothesis import HealthCheck, given, settings

from classroom.extensions import db
from classroom.models import User
from classroom.services import requests as request_service

from .test_matching_runs import MATH_8, _redis_up

ROLES = ["anonymous", "teacher", "school", "coordinator"]
# What the issue asks for: no server error, and every answer keeps the document's own promises.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


@pytest.fixture(params=ROLES)
def api_schema(request, app, factory):
    # Runs started by the fuzzer go to a queue nobody serves instead of spawning worker processes.
    if not _redis_up():
        pytest.skip("Redis is needed to keep fuzzed matching runs queued")
    app.config["MATCHING_QUEUE_URL"] = "redis://127.0.0.1:6379/14"
    app.config["RATELIMIT_ENABLED"] = False
    staff_id, staff = factory.school(province="91", level="SMP")
    factory.teacher(availability=[{"day": "mon", "start": "05:30", "end": "07:30"}])
    with app.app_context():
        request_service.create_request(db.session.get(User, staff_id).school, MATH_8)
        db.session.commit()
    emails = {"teacher": factory.teacher()[1], "school": staff, "coordinator": factory.coordinator()[1]}
    client = app.test_client()
    if request.param != "anonymous":
        client.post("/auth/login", data={"email": emails[request.param], "password": "rahasia-sekali-123"})
    cookie = client.get_cookie("session")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    schema.headers = {"Cookie": f"session={cookie.value}"} if cookie else {}
    return schema


def test_api_never_errors_and_keeps_its_schema(api_schema):
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            case.call_and_validate(headers=api_schema.headers, checks=CHECKS)
        try:
            fuzz()
        except Exception as exc:  # collect every operation's first failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:800]}")
    assert failures == []
