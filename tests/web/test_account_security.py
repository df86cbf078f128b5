"""Accounts against an attacker: stolen cookies die at logout and reset, redirects stay on the site, coordinators
cannot wake staff accounts, and a school's public NPSN does not open the school to strangers."""
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from classroom.extensions import db
from classroom.models import AccountStatus, User
from classroom.services import accounts, requests as request_service

from .test_matching_runs import MATH_8

PASSWORD = "rahasia-sekali-123"
HOST = "kelas.test"


def log_in(app, email, remember=True):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD,
                                                **({"remember": "1"} if remember else {})})
    assert response.status_code == 302
    return client, response


def cookie(client, name):
    found = client.get_cookie(name, domain=HOST)
    return found.value if found else None


def replay(app, name, value):
    """A fresh browser that holds only one stolen cookie."""
    thief = app.test_client()
    thief.set_cookie(name, value, domain=HOST)
    return thief


def logged_in(client) -> bool:
    return client.get("/api/me").status_code == 200


def user_id(app, email):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_logout_ends_every_session_and_remember_cookie_of_the_account(app, factory):
    _, email = factory.teacher()
    laptop, _ = log_in(app, email)
    phone, _ = log_in(app, email)
    stolen_session, stolen_remember = cookie(laptop, "session"), cookie(laptop, "remember_token")
    assert logged_in(replay(app, "session", stolen_session)) and logged_in(replay(app, "remember_token", stolen_remember))

    laptop.post("/auth/logout")
    assert not logged_in(replay(app, "session", stolen_session))       # the session cookie replayed after logout
    assert not logged_in(replay(app, "remember_token", stolen_remember))
    assert not logged_in(phone)                                         # and the other device too
    assert logged_in(log_in(app, email)[0])                             # logging in again works


def test_remember_cookie_is_new_at_each_login_same_site_and_lasts_thirty_days(app, factory):
    _, email = factory.teacher()
    first, response = log_in(app, email)
    second, _ = log_in(app, email)
    assert cookie(first, "remember_token") != cookie(second, "remember_token")
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "SameSite=Lax" in header and "HttpOnly" in header
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    days = (expires - datetime.now(timezone.utc)).days
    assert 29 <= days <= 30


def test_an_old_remember_cookie_is_refused_by_the_server_whatever_the_browser_keeps(app, factory, monkeypatch):
    _, email = factory.teacher()
    client, _ = log_in(app, email)
    remembered = cookie(client, "remember_token")
    later = time.time() + 31 * 86400
    monkeypatch.setattr("classroom.auth.access.time.time", lambda: later)
    assert not logged_in(replay(app, "remember_token", remembered))


def test_a_password_reset_logs_out_everyone_who_knew_the_old_password(app, factory):
    teacher_id, email = factory.teacher()
    attacker, _ = log_in(app, email)
    stolen_remember = cookie(attacker, "remember_token")
    with app.app_context():
        token = accounts.make_reset_token(db.session.get(User, teacher_id))
    assert app.test_client().post(f"/auth/reset/{token}", data={"password": "kata-sandi-baru-1"}).status_code == 302
    assert not logged_in(attacker)
    assert not logged_in(replay(app, "remember_token", stolen_remember))


def test_disabling_an_account_ends_its_sessions(app, factory, auth):
    teacher_id, email = factory.teacher()
    teacher, _ = log_in(app, email)
    _, coordinator = factory.coordinator()
    auth.login(coordinator)
    auth.client.post(f"/coordinator/users/{teacher_id}/disable")
    assert not logged_in(teacher)


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "/%5c/evil.example",
                                    "/\\evil.example", "//evil.example", "https://evil.example/", "/%20/evil.example",
                                    "///evil.example", "javascript:alert(1)"])
def test_login_never_redirects_to_another_site(client, factory, target):
    _, email = factory.teacher()
    response = client.post(f"/auth/login?next={target}", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and "javascript" not in location
    assert location in ("/", "/teacher/", f"http://{HOST}/")


def test_login_follows_a_path_on_the_site(client, factory):
    _, email = factory.teacher()
    response = client.post("/auth/login?next=/teacher/timetable%3Fweek%3D2031-01-06",
                           data={"email": email, "password": PASSWORD})
    assert response.headers["Location"] == "/teacher/timetable?week=2031-01-06"


def test_coordinator_cannot_reactivate_staff_an_admin_disabled(app, factory):
    other_id, _ = factory.coordinator()
    _, admin_email = factory.admin()
    admin_client, _ = log_in(app, admin_email)
    assert admin_client.post(f"/coordinator/users/{other_id}/disable").status_code == 302
    _, coordinator = factory.coordinator()
    coordinator_client, _ = log_in(app, coordinator)

    api = coordinator_client.post(f"/api/coordinator/users/{other_id}/approve?lang=en", json={})
    assert api.status_code == 403
    assert api.get_json()["message"] == "Only an admin manages coordinator and admin accounts."
    assert coordinator_client.post(f"/coordinator/users/{other_id}/approve").status_code == 403
    with app.app_context():
        assert db.session.get(User, other_id).status == AccountStatus.DISABLED
    page = coordinator_client.get("/coordinator/users").get_data(as_text=True)
    assert f"/coordinator/users/{other_id}/approve" not in page  # no button that can only fail
    assert admin_client.post(f"/api/coordinator/users/{other_id}/approve", json={}).status_code == 200


class TestJoiningAnExistingSchool:
    NEWCOMER = {"name": "Orang Asing", "email": "asing@contoh.sch.id", "password": PASSWORD, "npsn": "60301234"}

    @pytest.fixture
    def school(self, app, factory):
        staff_id, staff = factory.school(npsn="60301234", school_name="SMP Negeri 2 Wamena")
        with app.app_context():
            request_service.create_request(db.session.get(User, staff_id).school, MATH_8)
            db.session.commit()
        return staff

    def test_registering_by_npsn_does_not_name_the_school(self, client, school):
        api = client.post("/api/register/school", json=self.NEWCOMER)
        assert api.status_code == 201 and "Wamena" not in api.get_data(as_text=True) and "school" not in api.get_json()
        page = client.post("/auth/register/school", data={**self.NEWCOMER, "email": "asing2@contoh.sch.id"},
                           follow_redirects=True)
        assert "Wamena" not in page.get_data(as_text=True)

    def test_the_coordinator_is_told_and_cannot_approve(self, app, client, factory, school):
        client.post("/api/register/school", json=self.NEWCOMER)
        newcomer = user_id(app, self.NEWCOMER["email"])
        _, coordinator = factory.coordinator()
        coordinator_client, _ = log_in(app, coordinator)
        pending = {p["id"]: p for p in coordinator_client.get("/api/coordinator/pending").get_json()}
        assert pending[newcomer]["school"]["approved_by"] == "school"
        assert pending[newcomer]["school"]["active_staff"] == 1
        home = coordinator_client.get("/coordinator/?lang=en").get_data(as_text=True)
        assert "Asks to join a school that already has 1 active staff member (Staf): only the school can approve." in home
        assert f"/coordinator/users/{newcomer}/approve" not in home
        refused = coordinator_client.post(f"/api/coordinator/users/{newcomer}/approve?lang=en", json={})
        assert refused.status_code == 403
        assert refused.get_json()["message"] == "SMP Negeri 2 Wamena already has staff: only they can let a new colleague in."
        assert coordinator_client.post(f"/coordinator/users/{newcomer}/approve").status_code == 403
        assert app.test_client().post("/auth/login", data={"email": self.NEWCOMER["email"],
                                                           "password": PASSWORD}).status_code == 401

    def test_the_schools_staff_see_and_approve_the_newcomer(self, app, client, school):
        client.post("/api/register/school", json=self.NEWCOMER)
        newcomer = user_id(app, self.NEWCOMER["email"])
        staff, _ = log_in(app, school)
        home = staff.get("/school/?lang=en").get_data(as_text=True)
        assert "Asking to join your school" in home and "Orang Asing" in home
        notes = staff.get("/api/notifications?lang=en").get_json()
        assert any("asks to join your school's staff" in n["message"] for n in notes)
        assert [c["id"] for c in staff.get("/api/school/colleagues").get_json()] == [newcomer]
        assert staff.post(f"/school/colleagues/{newcomer}/approve").status_code == 302
        joined, _ = log_in(app, self.NEWCOMER["email"])
        assert len(joined.get("/api/school/requests").get_json()) == 1

    def test_a_refused_newcomer_stays_out_and_the_coordinator_cannot_let_them_in(self, app, client, factory, school):
        client.post("/api/register/school", json=self.NEWCOMER)
        newcomer = user_id(app, self.NEWCOMER["email"])
        staff, _ = log_in(app, school)
        assert staff.post(f"/api/school/colleagues/{newcomer}/refuse", json={}).get_json()["status"] == "disabled"
        _, coordinator = factory.coordinator()
        coordinator_client, _ = log_in(app, coordinator)
        assert coordinator_client.post(f"/api/coordinator/users/{newcomer}/approve", json={}).status_code == 403
        assert app.test_client().post("/auth/login", data={"email": self.NEWCOMER["email"],
                                                           "password": PASSWORD}).status_code == 401

    def test_another_schools_staff_cannot_approve(self, app, client, factory, school):
        client.post("/api/register/school", json=self.NEWCOMER)
        newcomer = user_id(app, self.NEWCOMER["email"])
        _, other = factory.school(npsn="81000001", province="81")
        other_client, _ = log_in(app, other)
        assert other_client.post(f"/api/school/colleagues/{newcomer}/approve", json={}).status_code == 404

    def test_the_first_staff_of_a_new_school_are_still_the_coordinators_to_approve(self, app, client, factory):
        client.post("/api/register/school", json={**self.NEWCOMER, "school_name": "SMP Baru", "level": "SMP",
                                                  "province": "91", "district": "Jayapura"})
        newcomer = user_id(app, self.NEWCOMER["email"])
        _, coordinator = factory.coordinator()
        coordinator_client, _ = log_in(app, coordinator)
        assert coordinator_client.post(f"/api/coordinator/users/{newcomer}/approve", json={}).status_code == 200
