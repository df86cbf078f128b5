"""The JSON API follows the same rules as the pages, and its OpenAPI document covers every route."""
import re

from web.test_matching_runs import MATH_8, TERM, expected_sessions, programme, run_inline  # noqa: F401  (fixture)


def test_openapi_documents_every_api_route(app, client):
    document = client.get("/api/openapi.json").get_json()
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - documented == set()
    assert documented - served == set()


def test_coordinator_runs_and_publishes_through_the_api(app, client, auth, programme):
    auth.login(programme["coordinator"])
    run_id = run_inline(app, programme["coordinator_id"])
    body = client.get(f"/api/coordinator/runs/{run_id}?lang=en").get_json()
    assert body["status"] == "finished" and len(body["assignments"]) == 1
    assert body["unassigned"][0]["reason"] == "No teacher in the programme teaches Prakarya for grade 8."
    published = client.post(f"/api/coordinator/runs/{run_id}/publish", json={})
    with app.app_context():
        expected = expected_sessions(programme["maths"])  # twice a week for 12 weeks, less national holidays
    assert published.status_code == 200 and published.get_json()["created"] == expected
    again = client.post(f"/api/coordinator/runs/{run_id}/publish", json={})
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
    client.post("/auth/logout")

    auth.login(programme["staff"])
    schedule = client.get(f"/api/school/requests/{programme['maths']}/schedule").get_json()
    assert schedule["teacher"] == "Cut Nyak" and len(schedule["live_sessions"]) == expected
    assert schedule["live_sessions"][0]["starts_at"] == "2030-01-06T22:30:00+00:00"
    early = client.post(f"/api/school/sessions/{schedule['live_sessions'][0]['id']}/rating", json={"stars": 5})
    assert early.status_code == 409  # not taken place yet
    notes = client.get("/api/notifications?lang=id").get_json()
    assert any("dijadwalkan bersama Cut Nyak" in n["message"] for n in notes)


def test_starting_a_run_validates_the_term(client, auth, programme):
    auth.login(programme["coordinator"])
    response = client.post("/api/coordinator/runs?lang=en", json={"term_start": "2027-03-01", "term_end": "2027-01-01"})
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"term_end": "The term must end after it starts."}
    nothing = client.post("/api/coordinator/runs?lang=en", json={"term_start": "2032-01-01", "term_end": "2032-03-01"})
    assert nothing.get_json()["fields"]["term_start"] == "No request is waiting in this term."


def test_schools_and_teachers_cannot_run_the_matching(client, auth, programme):
    auth.login(programme["staff"])
    assert client.post("/api/coordinator/runs", json=TERM).status_code == 403
    assert client.get("/api/coordinator/runs").status_code == 403


def test_notifications_page_shows_them_in_indonesian_and_marks_them_read(app, client, auth, programme):
    run_id = run_inline(app, programme["coordinator_id"])
    auth.login(programme["coordinator"])
    client.post(f"/api/coordinator/runs/{run_id}/publish", json={})
    client.post("/auth/logout")
    auth.login(programme["staff"])
    home = client.get("/school/?lang=id").get_data(as_text=True)
    assert '<span class="badge">2</span>' in home  # one scheduled, one not served
    page = client.get("/notifications").get_data(as_text=True)
    assert "Permintaan Anda Prakarya kelas 8 belum dapat dilayani kali ini." in page
    assert '<span class="badge">' not in client.get("/school/").get_data(as_text=True)
