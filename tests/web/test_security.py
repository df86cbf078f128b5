"""Sessions, headers and rate limits: the doors people could try to force."""
PASSWORD = "rahasia-sekali-123"


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_template_has_inline_script_or_event_handlers():
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        # JSON data blocks are data, never run; anything else must be a file (src=).
        if re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>", text) \
                or re.search(r"\son[a-z]+\s*=", text):
            offenders.append(path.name)
    assert offenders == []


def test_session_cookie_is_http_only_and_same_site(client, factory):
    _, email = factory.teacher()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    from classroom import create_app
    monkeypatch.setenv("FLASK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_login_attempts_are_rate_limited_per_address(client, factory):
    _, email = factory.teacher()
    codes = [client.post("/auth/login", data={"email": email, "password": "salah-salah-salah"}).status_code
             for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    blocked = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert blocked.status_code == 429 and "Terlalu banyak percobaan" in blocked.get_data(as_text=True)


def test_names_are_shown_as_text_not_html(client, auth, factory):
    factory.teacher(name='<script>alert(1)</script>', approved=False)
    _, coordinator = factory.coordinator()
    auth.login(coordinator)
    page = client.get("/coordinator/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
