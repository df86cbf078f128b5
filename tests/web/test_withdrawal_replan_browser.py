"""Issue 12's "Done when", in Chromium: a teacher withdraws from a class, the coordinator re-plans from the
term's timetable, reads the moves with names and times in her own zone, and publishes; only that class moves."""
import pytest
from sqlalchemy import select

from classroom.extensions import db
from classroom.models import Assignment, LiveSession, LiveStatus, MatchingRun, RunStatus, User

from .test_planning_loop_browser import log_out, see
from .test_term_timetable import _codes, _publish, term  # noqa: F401 (fixture)
from .test_matching_runs import run_inline

pytestmark = pytest.mark.browser


def test_teacher_withdraws_and_the_coordinator_replans_and_publishes(live_server, browser, app, term, log_in):
    second = run_inline(app, term["coordinator_id"])
    _publish(app, second, term["coordinator_id"])
    kimia_codes = _codes(app, term["kimia"])
    with app.app_context():
        budi = db.session.scalar(select(Assignment).where(Assignment.run_id == second,
                                                          Assignment.request_id == term["biologi"])).teacher.user
        budi_email = budi.email
        coordinator = db.session.get(User, term["coordinator_id"])
        coordinator.timezone = "Asia/Makassar"  # she works from Makassar: the sheet is in WITA
        db.session.commit()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # Budi withdraws from Biologi XII on his timetable page.
    log_in(page, live_server, budi_email)
    page.goto(f"{live_server}/teacher/timetable")
    page.click("text=Mundur dari kelas ini")
    page.fill('textarea[name="reason"]', "Pindah tugas ke kabupaten lain")
    page.click('main form button[type="submit"]')
    log_out(page)

    # The coordinator re-plans the term from the published timetable page.
    log_in(page, live_server, term["coordinator"])
    page.goto(f"{live_server}/coordinator/runs/{second}")
    page.fill('input[name="time_limit"]', "5")
    page.click("text=Jadwalkan ulang dengan perubahan sekecil mungkin")
    page.wait_for_selector("button#publish", timeout=60_000)
    changes = page.locator("#changes")
    see(page, "1 berpindah, 0 baru terlayani")
    row = changes.locator("tr.change.moved")
    assert row.count() == 1
    text = row.inner_text()
    # Monday 11:00 WIT is 10:00 WITA; Tuesday 11:00 WIT likewise
    assert "Budi Santoso: Senin 10:00 WITA" in text and "Rina Wati: Selasa 10:00 WITA" in text, text
    assert "Waktu dalam WITA" in changes.inner_text()
    page.click("button#publish")
    see(page, "Diterbitkan:")

    with app.app_context():
        run = db.session.scalar(select(MatchingRun).order_by(MatchingRun.id.desc()).limit(1))
        assert run.status == RunStatus.PUBLISHED and run.moved == 1
        biologi = db.session.scalars(select(LiveSession).where(LiveSession.request_id == term["biologi"],
                                                               LiveSession.status == LiveStatus.SCHEDULED)).all()
        assert biologi and {s.teacher_id for s in biologi} == {term["rina"]}
    assert _codes(app, term["kimia"]) == kimia_codes  # the class that did not move keeps its join codes
