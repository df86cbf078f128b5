"""Personal access tokens: made on the account page, shown once, stored hashed; `Authorization: Bearer` on /api/
acts as the account with its role, and nowhere else."""
from datetime import timedelta
import re

import pytest
from sqlalchemy import select

from classroom.extensions import db, socketio
from classroom.models import AccessToken, User
from classroom.services import accounts, tokens
from classroom.timefmt import utcnow


def make_token(app, user_id, name="skrip", **data):
    with app.app_context():
        _, secret = tokens.create_token(db.session.get(User, user_id), {"name": name, **data})
        db.session.commit()
        return secret


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_is_made_on_the_account_page_shown_once_and_stored_only_as_its_hash(app, client, auth, factory):
    user_id, email = factory.teacher()
    auth.login(email)
    page = client.get("/auth/account").get_data(as_text=True)
    assert "Keluar mengakhiri setiap sesi akun ini" in page  # what logout and a password reset end, said
    created = client.post("/auth/account/tokens", data={"name": "Rekap jadwal", "expires_in_days": "30"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token-value" value="(kn_[^"]+)"', created.get_data(as_text=True)).group(1)
    again = client.get("/auth/account").get_data(as_text=True)
    assert secret not in again and secret[:11] + "…" in again and "Rekap jadwal" in again
    with app.app_context():
        row = db.session.scalar(select(AccessToken))
        assert secret not in (row.name, row.prefix, row.secret_hash) and row.secret_hash == tokens.hash_token(secret)
        assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    # a script, with no cookie, acts as the teacher: reads and writes without any CSRF token
    app.config["WTF_CSRF_ENABLED"] = True
    script = app.test_client(use_cookies=False)
    me = script.get("/api/me", headers=bearer(secret))
    assert me.status_code == 200 and me.get_json()["id"] == user_id and "Set-Cookie" not in me.headers
    week = [{"day": "mon", "start": "07:00", "end": "09:00"}]
    saved = script.put("/api/teacher/availability", json={"availability": week}, headers=bearer(secret))
    assert saved.status_code == 200, saved.get_json()
    with app.app_context():
        assert db.session.scalar(select(AccessToken)).last_used_at is not None


def test_a_token_carries_its_accounts_role_and_nothing_more(app, factory):
    teacher_id, _ = factory.teacher()
    coordinator_id, _ = factory.coordinator()
    script = app.test_client(use_cookies=False)
    assert script.get("/api/coordinator/runs", headers=bearer(make_token(app, coordinator_id))).status_code == 200
    refused = script.get("/api/coordinator/runs", headers=bearer(make_token(app, teacher_id)))
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"


def test_a_token_opens_no_page_and_no_socket(app, factory):
    coordinator_id, _ = factory.coordinator()
    secret = make_token(app, coordinator_id)
    page = app.test_client(use_cookies=False).get("/coordinator/runs", headers=bearer(secret))
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]
    watcher = socketio.test_client(app, namespace="/runs", headers=bearer(secret),
                                   flask_test_client=app.test_client(use_cookies=False))
    assert not watcher.is_connected("/runs")


@pytest.mark.parametrize("how", ["revoked", "expired", "unknown"])
def test_a_dead_token_is_a_401_in_the_one_error_shape(app, client, auth, factory, how):
    user_id, email = factory.teacher()
    secret = make_token(app, user_id)
    if how == "revoked":
        auth.login(email)
        with app.app_context():
            token_id = db.session.scalar(select(AccessToken.id))
        assert client.post(f"/auth/account/tokens/{token_id}/revoke").status_code == 302
    elif how == "expired":
        with app.app_context():
            db.session.scalar(select(AccessToken)).expires_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
    else:
        secret = secret[:-4] + "AAAA"
    answer = app.test_client(use_cookies=False).get("/api/reference?lang=en", headers=bearer(secret))
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(answer.get_json()) == {"error", "message"} and answer.get_json()["error"] == "invalid_token"


def test_the_token_of_a_disabled_or_pending_account_does_nothing(app, factory):
    teacher_id, _ = factory.teacher()
    coordinator_id, _ = factory.coordinator()
    secret = make_token(app, teacher_id)
    with app.app_context():
        accounts.disable(db.session.get(User, teacher_id), db.session.get(User, coordinator_id))
        pending = accounts.register_teacher({"name": "Calon", "email": "calon@contoh.sch.id",
                                             "password": "rahasia-sekali-123", "province": "11",
                                             "subjects": ["Matematika"], "grades": [8]})
        db.session.commit()
        pending_id = pending.id
    script = app.test_client(use_cookies=False)
    for token in (secret, make_token(app, pending_id)):
        answer = script.get("/api/me", headers=bearer(token))
        assert answer.status_code == 401 and answer.get_json()["error"] == "unauthorized"  # as if anonymous


def test_a_password_reset_revokes_every_token_a_logout_none(app, client, auth, factory):
    user_id, email = factory.teacher()
    secret = make_token(app, user_id)
    script = app.test_client(use_cookies=False)
    auth.login(email)
    auth.logout()
    assert script.get("/api/me", headers=bearer(secret)).status_code == 200
    with app.app_context():
        link = accounts.make_reset_token(db.session.get(User, user_id))
    assert client.post(f"/auth/reset/{link}", data={"password": "kata-sandi-baru-456"}).status_code == 302
    assert script.get("/api/me", headers=bearer(secret)).status_code == 401


def test_wrong_tokens_are_rate_limited_like_logins_and_right_ones_are_not_counted(app, factory):
    user_id, _ = factory.teacher()
    secret = make_token(app, user_id)
    script = app.test_client(use_cookies=False)
    for _ in range(15):
        assert script.get("/api/me", headers=bearer(secret)).status_code == 200
    for _ in range(10):
        assert script.get("/api/me", headers=bearer("kn_salah")).status_code == 401
    limited = script.get("/api/me", headers=bearer("kn_salah"))
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["error"] == "too_many_requests"


def test_a_token_from_another_account_cannot_be_revoked(app, client, auth, factory):
    owner_id, _ = factory.teacher()
    _, other_email = factory.teacher()
    secret = make_token(app, owner_id)
    with app.app_context():
        token_id = db.session.scalar(select(AccessToken.id))
    auth.login(other_email)
    assert client.post(f"/auth/account/tokens/{token_id}/revoke").status_code == 404
    assert app.test_client(use_cookies=False).get("/api/me", headers=bearer(secret)).status_code == 200


def test_a_token_needs_a_name_and_an_offered_lifetime(app, client, auth, factory):
    _, email = factory.coordinator()
    auth.login(email)
    answer = client.post("/auth/account/tokens?lang=en", data={"name": "", "expires_in_days": "7"})
    assert answer.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(AccessToken)) is None
