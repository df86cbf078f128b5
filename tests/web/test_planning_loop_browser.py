"""The whole planning loop in Chromium: a teacher in Aceh says when she is free, a school in Papua asks for
maths, the coordinator matches and publishes, and both see the same session in their own time."""
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import select

from classroom.extensions import db
from classroom.models import LiveSession, User

pytestmark = pytest.mark.browser


def see(page, text, timeout=10_000):
    from playwright.sync_api import expect
    expect(page.locator("body")).to_contain_text(text, timeout=timeout)


def log_out(page):
    page.click('header form button[type="submit"]')


def test_teacher_school_and_coordinator_walk_the_loop(live_server, browser, factory, app, log_in):
    teacher_id, teacher_email = factory.teacher(name="Cut Nyak Dhien", province="11", subjects=["Matematika"], grades=[8])
    _, staff_email = factory.school(province="91", level="SMP", school_name="SMP Negeri 1 Jayapura")
    _, coordinator_email = factory.coordinator()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # The teacher in Aceh: free early on Monday, Tuesday and Wednesday, 05:30-07:30 WIB.
    log_in(page, live_server, teacher_email)
    page.goto(f"{live_server}/teacher/availability")
    page.wait_for_selector('select[name="slot-0-day"]', state="attached")
    for row, day in enumerate(("mon", "tue", "wed")):
        page.eval_on_selector(f'select[name="slot-{row}-day"]', "(el, v) => { el.value = v; }", day)
        page.eval_on_selector(f'input[name="slot-{row}-start"]', "el => { el.value = '05:30'; }")
        page.eval_on_selector(f'input[name="slot-{row}-end"]', "el => { el.value = '07:30'; }")
    page.eval_on_selector('form input[name="slot-0-day"], form select[name="slot-0-day"]', "el => el.form.submit()")
    see(page, "Senin 07:30 WIT")
    log_out(page)

    # The school in Papua asks for maths twice a week, 07:30-12:00 WIT.
    today = datetime.now(timezone.utc).date()
    term_start = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    term_end = term_start + timedelta(weeks=12, days=-1)
    log_in(page, live_server, staff_email)
    page.goto(f"{live_server}/school/requests/new")
    page.select_option('select[name="subject"]', "Matematika")
    page.select_option('select[name="grade"]', "8")
    page.fill('input[name="class_name"]', "VIII-A")
    page.fill('input[name="students"]', "28")
    page.fill('input[name="sessions_per_week"]', "2")
    page.fill('input[name="duration_minutes"]', "70")
    page.fill('input[name="term_start"]', term_start.isoformat())
    page.fill('input[name="term_end"]', term_end.isoformat())
    for row, day in enumerate(("mon", "tue", "wed")):
        page.select_option(f'select[name="window-{row}-day"]', day)
        page.fill(f'input[name="window-{row}-start"]', "07:30")
        page.fill(f'input[name="window-{row}-end"]', "12:00")
    page.click('main form button[type="submit"]')
    see(page, "menunggu")
    log_out(page)

    # The coordinator matches, watches the run finish, and publishes.
    log_in(page, live_server, coordinator_email)
    page.goto(f"{live_server}/coordinator/runs")
    page.fill('input[name="time_limit"]', "5")
    page.click('main form button[type="submit"]')
    page.wait_for_selector("progress#progress-bar")
    page.wait_for_selector("button#publish", timeout=60_000)  # the page reloads itself when the run ends
    see(page, "Cut Nyak Dhien")
    page.click("button#publish")
    see(page, "Diterbitkan:")
    log_out(page)

    with app.app_context():
        first = db.session.scalar(select(LiveSession).order_by(LiveSession.starts_at))
        code, instant = first.join_code, first.starts_at
        token = db.session.get(User, teacher_id).teacher_profile.calendar_token
    assert instant.astimezone(timezone(timedelta(hours=9))).strftime("%H:%M") == "07:30"

    # The same session: 05:30 WIB for the teacher, 07:30 WIT for the school.
    log_in(page, live_server, teacher_email)
    page.goto(f"{live_server}/teacher/")
    see(page, code)
    see(page, "05:30 WIB")
    log_out(page)
    log_in(page, live_server, staff_email)
    page.goto(f"{live_server}/school/")
    see(page, code)
    see(page, "07:30 WIT")

    # The teacher's phone calendar gets the session at the right instant.
    feed = page.request.get(f"{live_server}/calendar/{token}.ics")
    assert feed.status == 200
    events = [e for e in Calendar.from_ical(feed.body()).walk("VEVENT") if code in str(e.get("description"))]
    assert events and events[0].decoded("dtstart") == instant
