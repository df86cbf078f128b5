"""Logging in as each role lands on a page that fits the role."""
import pytest


@pytest.mark.parametrize("role, home, marker", [
    ("teacher", "/teacher/", "Kapan Anda bebas"),
    ("school", "/school/", "Permintaan Anda"),
    ("coordinator", "/coordinator/", "Ringkasan program"),
])
def test_each_role_reaches_its_home(client, auth, factory, role, home, marker):
    _, email = getattr(factory, role)()
    response = auth.login(email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    page = client.get("/", follow_redirects=True)
    assert page.request.path == home
