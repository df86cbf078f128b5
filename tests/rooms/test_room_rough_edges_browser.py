"""Rough edges a class met, in Chromium at a desktop width and at 390 px: the join page before joining, the
audio-only stage, where the teacher goes after ending, the school's way into the room, and the room's colours."""
from __future__ import annotations

import pytest

from .conftest import make_room
from .test_browser import browser, live_server  # noqa: F401 (fixtures: Chromium with fake media, gunicorn)
from .test_room_roles_browser import WIDTHS, open_room

pytestmark = pytest.mark.browser
BRAND = "rgb(11, 110, 79)"  # the app's green (--brand)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_join_page_says_nothing_of_a_connection_before_the_student_joins(app, factory, live_server, browser,
                                                                            width):
    room = make_room(app, factory)
    w, h = WIDTHS[width]
    page = browser.new_page(viewport={"width": w, "height": h})
    page.goto(f"{live_server}/join?code={room.code}")
    page.wait_for_selector("#joinform", state="visible")
    assert not page.is_visible("#net") or page.evaluate("getComputedStyle(document.getElementById('net')).visibility") \
        == "hidden", "a red 'Terputus' shows before the student has joined"
    assert page.evaluate("getComputedStyle(document.querySelector('a.lang')).color") == BRAND
    page.fill("input[name=name]", "Yohana")
    page.click("#joinform button[type=submit]")
    page.wait_for_selector("#net.ok", state="visible")
    page.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_audio_only_shows_who_speaks_and_how_loud(app, factory, live_server, browser, log_in, width):
    room = make_room(app, factory)
    _, teacher = open_room(browser, live_server, room, "teacher", width, log_in)
    teacher.click("#camera")
    _, yohana = open_room(browser, live_server, room, "student", width, log_in)
    yohana.wait_for_function("(() => { const a = document.getElementById('teacheraudio').srcObject;"
                             " return a && a.getAudioTracks().length === 1; })()", timeout=20_000)
    yohana.click("[data-mode=audio]")
    assert yohana.is_visible("#audiostage") and yohana.is_hidden("#teachervideo")
    assert yohana.text_content("#audiostage .audiomode") == "Mode suara saja"
    assert "Cut Nyak Rahmah" in yohana.text_content("#speaker")
    # Chromium's fake microphone beeps: the meter moves and the teacher is said to be speaking.
    yohana.wait_for_function("document.getElementById('level').value > 0.03", timeout=20_000)
    yohana.click("[data-mode=full]")
    assert yohana.is_hidden("#audiostage")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_after_ending_the_teacher_gets_the_attendance_report_and_the_timetable(app, factory, live_server, browser,
                                                                               log_in, width):
    room = make_room(app, factory)
    _, teacher = open_room(browser, live_server, room, "teacher", width, log_in)
    _, yohana = open_room(browser, live_server, room, "student", width, log_in)
    teacher.on("dialog", lambda dialog: dialog.accept())
    teacher.click("#end")
    teacher.wait_for_selector("#gone", state="visible")
    report, timetable = teacher.locator("#gone a").all()
    assert report.is_visible() and timetable.is_visible()
    assert yohana.locator("#gone a").count() == 0 or not yohana.locator("#gone a").first.is_visible()
    report.click()
    teacher.wait_for_selector("main h1")
    assert teacher.url.endswith(f"/rooms/{room.id}/attendance") and "Yohana" in teacher.text_content("main table")
    teacher.go_back()
    teacher.wait_for_selector("#gone a", state="attached")
    teacher.locator("#gone a").nth(1).click()
    teacher.wait_for_url("**/teacher/timetable")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_school_opens_the_room_as_staff_or_as_the_class_device(app, factory, live_server, browser, log_in, width):
    room = make_room(app, factory)
    w, h = WIDTHS[width]
    page = browser.new_page(viewport={"width": w, "height": h})
    log_in(page, live_server, room.school_email)
    page.goto(f"{live_server}/school/")
    page.click("[data-open=device]")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#net.ok")
    assert page.evaluate("document.body.className") == "role-class_device"
    page.goto(f"{live_server}/school/")
    page.click("[data-open=host]")
    page.wait_for_selector("#net.ok")
    assert page.evaluate("document.body.className") == "role-host"
    page.close()
