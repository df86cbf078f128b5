"""Roles are checked on the server: nobody reaches another role's pages or another school's requests."""
import pytest

from classroom.extensions import db
from classroom.models import SessionRequest

REQUEST = {"subject": "Matematika", "grade": 8, "students": 28, "sessions_per_week": 2, "duration_minutes": 70,
           "priority": 4, "term_start": "2027-01-04", "term_end": "2027-03-26",
           "windows": [{"day": "mon", "start": "07:30", "end": "12:00"}, {"day": "tue", "start": "07:30", "end": "12:00"}]}


def test_every_route_declares_who_may_use_it(app):
    """A new route without a rule fails here: the decision must be written down, not forgotten."""
    undecided = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "allowed_roles"):
            undecided.append(rule.rule)
    assert undecided == []


@pytest.mark.parametrize("path", ["/coordinator/", "/coordinator/users", "/coordinator/teachers", "/school/"])
def test_teacher_cannot_open_other_roles_pages(client, auth, factory, path):
    _, email = factory.teacher()
    auth.login(email)
    assert client.get(path).status_code == 403


def test_anonymous_visitors_are_sent_to_login_or_get_401_json(client):
    assert client.get("/teacher/").status_code == 302
    response = client.get("/api/me")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_school_cannot_see_or_change_another_schools_requests(client, auth, factory, app):
    _, first = factory.school()
    _, second = factory.school()
    auth.login(first)
    created = client.post("/api/school/requests", json=REQUEST)
    assert created.status_code == 201
    request_id = created.get_json()["id"]
    auth.logout()

    auth.login(second)
    assert client.get(f"/api/school/requests/{request_id}").status_code == 404
    assert client.put(f"/api/school/requests/{request_id}", json=REQUEST).status_code == 404
    assert client.delete(f"/api/school/requests/{request_id}", json={}).status_code == 404
    assert client.get(f"/school/requests/{request_id}/edit").status_code == 404
    assert client.post(f"/school/requests/{request_id}/cancel").status_code == 404
    assert client.get("/api/school/requests").get_json() == []
    with app.app_context():
        assert db.session.get(SessionRequest, request_id).status.value == "waiting"


def test_coordinator_cannot_create_coordinators_but_admin_can(client, auth, factory):
    _, coordinator = factory.coordinator()
    auth.login(coordinator)
    assert client.get("/coordinator/coordinators/new").status_code == 403
    auth.logout()
    _, admin = factory.admin()
    auth.login(admin)
    response = client.post("/coordinator/coordinators/new", data={
        "name": "Koordinator Dua", "email": "dua@contoh.sch.id", "password": "rahasia-sekali-123",
        "timezone": "Asia/Makassar", "role": "coordinator"})
    assert response.status_code == 302


def test_api_writes_need_json(client, auth, factory):
    _, email = factory.school()
    auth.login(email)
    response = client.post("/api/school/requests", data={"subject": "Matematika"})
    assert response.status_code == 400 and "JSON" in response.get_json()["message"]
