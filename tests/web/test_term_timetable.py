"""A term has one timetable in force, whatever runs built it: full runs and re-plans start from it,
treat every published session as taken, and publishing a re-plan after a withdrawal never deadlocks."""
import pytest
from sqlalchemy import select

from classroom.extensions import db
from classroom.models import Assignment, LiveSession, LiveStatus, MatchingRun, RequestStatus, RunStatus, SessionRequest, User
from classroom.errors import Conflict
from classroom.services import publishing, requests as request_service, withdrawals

from .test_matching_runs import TERM, run_inline

MONDAY_WIB = [{"day": "mon", "start": "09:00", "end": "10:00"}]   # Monday 11:00-12:00 WIT
TUESDAY_WIB = [{"day": "tue", "start": "09:00", "end": "10:00"}]
CLASS_12 = {"grade": 12, "students": 30, "sessions_per_week": 1, "duration_minutes": 60, "priority": 3, **TERM,
            "windows": [{"day": d, "start": "11:00", "end": "12:00"} for d in ("mon", "tue")]}


@pytest.fixture
def term(app, factory):
    """Siti (the strongest) teaches Kimia on Monday 11:00 WIT from run 1; then Biologi is asked for."""
    siti, _ = factory.teacher(name="Siti Marlina", province="11", subjects=["Kimia", "Biologi"], grades=[12],
                              availability=MONDAY_WIB, certified=True, years_teaching=20)
    budi, _ = factory.teacher(name="Budi Santoso", province="12", subjects=["Biologi"], grades=[12],
                              availability=MONDAY_WIB, years_teaching=10)
    rina, _ = factory.teacher(name="Rina Wati", province="13", subjects=["Biologi"], grades=[12],
                              availability=TUESDAY_WIB, years_teaching=1)
    staff_id, staff_email = factory.school(province="91", level="SMA")
    coordinator_id, coordinator_email = factory.coordinator()
    with app.app_context():
        school = db.session.get(User, staff_id).school
        kimia = request_service.create_request(school, {**CLASS_12, "subject": "Kimia",
                                                        "windows": [CLASS_12["windows"][0]]})
        db.session.commit()
        kimia_id = kimia.id
        ids = {name: db.session.get(User, uid).teacher_profile.id for name, uid in
               (("siti", siti), ("budi", budi), ("rina", rina))}
    first = run_inline(app, coordinator_id)
    with app.app_context():
        publishing.publish(db.session.get(MatchingRun, first), db.session.get(User, coordinator_id))
        db.session.commit()
        biologi = request_service.create_request(db.session.get(User, staff_id).school, {**CLASS_12, "subject": "Biologi"})
        db.session.commit()
        return {"coordinator_id": coordinator_id, "coordinator": coordinator_email, "first": first,
                "kimia": kimia_id, "biologi": biologi.id, **ids}


def _teacher_of(app, run_id, request_id):
    with app.app_context():
        return db.session.scalar(select(Assignment.teacher_id).where(
            Assignment.run_id == run_id, Assignment.request_id == request_id))


def _publish(app, run_id, coordinator_id):
    with app.app_context():
        result = publishing.publish(db.session.get(MatchingRun, run_id), db.session.get(User, coordinator_id))
        db.session.commit()
        return result


def _codes(app, request_id):
    with app.app_context():
        return set(db.session.scalars(select(LiveSession.join_code).where(
            LiveSession.request_id == request_id, LiveSession.status == LiveStatus.SCHEDULED)))


def test_a_full_run_treats_published_sessions_as_taken(app, term):
    second = run_inline(app, term["coordinator_id"])
    # Siti teaches Kimia on Monday 11:00 WIT already: Biologi goes to Budi, not to a double booking
    assert _teacher_of(app, second, term["biologi"]) == term["budi"]
    kimia_codes = _codes(app, term["kimia"])
    result = _publish(app, second, term["coordinator_id"])
    assert result["kept"] == 1 and _codes(app, term["kimia"]) == kimia_codes


@pytest.mark.parametrize("from_run", ["latest", "older"])
def test_replan_after_a_withdrawal_publishes_from_the_terms_timetable(app, term, from_run):
    second = run_inline(app, term["coordinator_id"])
    _publish(app, second, term["coordinator_id"])
    kimia_codes = _codes(app, term["kimia"])
    with app.app_context():
        leaving = db.session.scalar(select(Assignment).where(Assignment.run_id == second,
                                                             Assignment.request_id == term["biologi"]))
        withdrawals.withdraw_assignment(leaving.teacher, leaving, "pindah tugas")
        db.session.commit()
    # re-planning from either published run re-plans the term's one timetable
    third = run_inline(app, term["coordinator_id"], replan_of=second if from_run == "latest" else term["first"])
    assert _teacher_of(app, third, term["biologi"]) == term["rina"]  # Siti's Monday is taken, Budi left
    assert _teacher_of(app, third, term["kimia"]) == term["siti"]
    _publish(app, third, term["coordinator_id"])
    with app.app_context():
        run = db.session.get(MatchingRun, third)
        assert run.status == RunStatus.PUBLISHED and run.moved == 1  # only the withdrawn class moved
        assert db.session.get(SessionRequest, term["biologi"]).status == RequestStatus.SCHEDULED
    assert _codes(app, term["kimia"]) == kimia_codes


def test_a_run_started_before_another_publish_is_refused_and_a_new_replan_works(app, term):
    second = run_inline(app, term["coordinator_id"])
    rival = run_inline(app, term["coordinator_id"])
    _publish(app, second, term["coordinator_id"])
    with app.app_context(), pytest.raises(Conflict):
        publishing.publish(db.session.get(MatchingRun, rival), db.session.get(User, term["coordinator_id"]))
    third = run_inline(app, term["coordinator_id"], replan_of=term["first"])
    _publish(app, third, term["coordinator_id"])
    with app.app_context():
        assert db.session.get(MatchingRun, third).moved == 0
