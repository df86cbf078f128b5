"""Terms are bounded (a school year at most) and a run's sessions never leave the run's term, so one school's
request cannot block or balloon publishing for everyone."""
from datetime import date

from sqlalchemy import func, select

from classroom.extensions import db
from classroom.models import LiveSession, MatchingRun, SessionRequest, User
from classroom.services import publishing

from .test_matching_runs import TERM, expected_sessions, programme, run_inline  # noqa: F401 (fixture)


def test_a_run_over_more_than_a_school_year_is_refused_naming_the_field(client, auth, programme):
    auth.login(programme["coordinator"])
    for term_end, message in (("9999-12-31", "Give a date between 2000-01-01 and 2100-12-31."),
                              ("2031-06-30", "A term is at most a school year (366 days).")):
        response = client.post("/api/coordinator/runs?lang=en", json={**TERM, "term_end": term_end, "time_limit": 5})
        assert response.status_code == 400 and response.get_json()["fields"] == {"term_end": message}


def test_sessions_stay_inside_the_runs_term_whatever_the_requests_term(app, programme):
    with app.app_context():
        # a request stored before terms were bounded, running to the end of the calendar
        db.session.get(SessionRequest, programme["maths"]).term_end = date(9999, 12, 31)
        db.session.commit()
    run_id = run_inline(app, programme["coordinator_id"])
    with app.app_context():
        result = publishing.publish(db.session.get(MatchingRun, run_id), db.session.get(User, programme["coordinator_id"]))
        db.session.commit()
        # twice a week over the run's 12 weeks (less national holidays), not to 9999
        assert result["created"] == expected_sessions(programme["maths"])
        last = db.session.scalar(select(func.max(LiveSession.starts_at)))
        assert last.date() <= date.fromisoformat(TERM["term_end"])
