"""The school's request form in a real browser: the shared week grid in the school's time fills the form's
windows, and the free teachers beside it follow the subject and grade."""
import os

import pytest
from sqlalchemy import select

from classroom.extensions import db
from classroom.models import SessionRequest
from classroom.services.requests import windows_json

from .week_grid_browser import drag, page  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_the_grid_fills_the_windows_and_the_counts_follow_subject_and_grade(live_server, page, factory, app, log_in):
    factory.teacher(province="11", grades=[8], availability=[{"day": "mon", "start": "07:00", "end": "09:00"}])
    _, email = factory.school(province="91", level="SMP")  # Papua, WIT
    log_in(page, live_server, email)
    page.goto(f"{live_server}/school/requests/new")
    page.wait_for_selector("#week-grid-editor:not([hidden]) table.week-grid")
    page.click("[data-more-rows]")  # a fourth row, added on the page
    assert page.locator('input[name="window-3-start"]').count() == 1
    page.fill('input[name="window-3-start"]', "07:00")  # typed times show on the grid too
    page.fill('input[name="window-3-end"]', "08:00")
    page.locator('input[name="window-3-end"]').dispatch_event("change")
    assert "Senin 07:00–08:00 WIT" in page.locator("[data-grid-summary]").inner_text()
    page.click("[data-grid-undo]")  # back to the empty week, and the rows with it

    page.select_option('select[name="subject"]', "Matematika")
    page.select_option('select[name="grade"]', "8")
    page.locator('td[data-day="0"][data-hour="9"]', has_text="1").wait_for()
    assert page.locator('td[data-day="0"][data-hour="10"]').inner_text() == "1"
    assert page.locator('td[data-day="0"][data-hour="8"]').inner_text() == "0"
    assert "1 guru terverifikasi" in page.locator("[data-supply-status]").inner_text()
    page.select_option('select[name="grade"]', "9")  # nobody teaches grade 9
    page.locator('td[data-day="0"][data-hour="9"]', has_text="0").wait_for()
    page.select_option('select[name="grade"]', "8")
    page.locator('td[data-day="0"][data-hour="9"]', has_text="1").wait_for()

    # Four windows, more than the three rows of old: Monday 09:00-11:00 WIT and three afternoons.
    drag(page, 0, 36, 43)
    for day in (1, 2, 3):
        drag(page, day, 52, 59)
    summary = page.locator("[data-grid-summary]").inner_text()
    assert "Senin 09:00–11:00 WIT" in summary and "Kamis 13:00–15:00 WIT" in summary
    assert page.locator('input[name="window-3-end"]').input_value() == "15:00"
    assert page.locator('input[name="window-4-end"]').input_value() == ""  # one free row to type in
    if os.environ.get("KN_SCREENSHOT"):
        page.locator(".request-week").screenshot(path=os.environ["KN_SCREENSHOT"])

    page.fill('input[name="students"]', "28")
    page.fill('input[name="term_start"]', "2030-01-07")
    page.fill('input[name="term_end"]', "2030-03-31")
    page.click('main form button[type="submit"]:not([name])')
    page.wait_for_url(f"{live_server}/school/")
    with app.app_context():
        [request] = db.session.scalars(select(SessionRequest)).all()
        assert windows_json(request) == [
            {"day": "mon", "start": "09:00", "end": "11:00"}, {"day": "tue", "start": "13:00", "end": "15:00"},
            {"day": "wed", "start": "13:00", "end": "15:00"}, {"day": "thu", "start": "13:00", "end": "15:00"}]
