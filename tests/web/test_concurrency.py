"""Many people at once: coordinators publishing rival runs while teachers edit their availability.
Nothing is double-booked, every action either happens whole or is refused with a reason."""
import os
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from classroom.extensions import db
from classroom.models import LiveSession, LiveStatus

from .test_matching_runs import expected_sessions, programme, run_inline  # noqa: F401  (fixture)

PASSWORD = "rahasia-sekali-123"


def _logged_in(app, email):
    client = app.test_client()
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    return client


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="real concurrency needs PostgreSQL (SQLite serialises every writer)")
def test_rival_publishes_and_availability_edits_at_once(app, factory, programme):
    app.config["RATELIMIT_ENABLED"] = False
    run_ids = [run_inline(app, programme["coordinator_id"]) for _ in range(4)]
    coordinators = [_logged_in(app, programme["coordinator"]) for _ in run_ids]
    _, other_teacher = factory.teacher(province="12")
    editors = [_logged_in(app, other_teacher) for _ in range(2)]
    results: dict[str, list[int]] = {"publish": [], "edit": []}
    lock = threading.Lock()
    start = threading.Barrier(len(run_ids) + len(editors))

    def publish(client, run_id):
        start.wait()
        code = client.post(f"/api/coordinator/runs/{run_id}/publish", json={}).status_code
        with lock:
            results["publish"].append(code)

    def edit(client, index):
        start.wait()
        for round_ in range(10):
            hour = 5 + (round_ + index) % 3
            code = client.put("/api/teacher/availability", json={"availability": [
                {"day": "mon", "start": f"0{hour}:00", "end": f"0{hour + 1}:30"}]}).status_code
            with lock:
                results["edit"].append(code)

    threads = [threading.Thread(target=publish, args=(c, r)) for c, r in zip(coordinators, run_ids)]
    threads += [threading.Thread(target=edit, args=(c, i)) for i, c in enumerate(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(Counter(results["publish"]).items()) == [(200, 1), (409, 3)]
    assert set(results["edit"]) == {200} and len(results["edit"]) == 20
    with app.app_context():
        from classroom.models import User
        kept = db.session.scalar(select(User).where(User.email == other_teacher)).teacher_profile.availability
        assert len(kept) == 1  # one whole save won; the saves did not mix
        sessions = db.session.scalars(select(LiveSession).where(LiveSession.status == LiveStatus.SCHEDULED)
                                      .order_by(LiveSession.teacher_id, LiveSession.starts_at)).all()
        assert len(sessions) == expected_sessions(programme["maths"])  # one publish, less national holidays
        for before, after in zip(sessions, sessions[1:]):
            if before.teacher_id == after.teacher_id:
                assert after.starts_at >= before.ends_at + timedelta(minutes=10)  # nobody double-booked
