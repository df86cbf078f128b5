"""Moderation and the whiteboard as a class meets them, in Chromium at a desktop width and at 390 px: a removal
that holds for the session, a chat pause that says so at once and loses nothing, and the board's tools."""
from __future__ import annotations

import pytest

from .conftest import make_room
from .test_browser import browser, live_server  # noqa: F401 (fixtures: Chromium with fake media, gunicorn)
from .test_room_roles_browser import WIDTHS, open_room

pytestmark = pytest.mark.browser


def person(page, name: str):
    return page.locator("#people li", has_text=name)


def join_form(browser, url, room, name, width):
    """A fresh browser at the join link: fills the form and returns the page without waiting to be in."""
    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    page = context.new_page()
    page.goto(f"{url}/join?code={room.code}")
    page.fill("input[name=name]", name)
    page.click("#joinform button[type=submit]")
    return context, page


def refused_as_removed(page) -> None:
    page.wait_for_function("document.getElementById('joinerror').textContent.length > 0", timeout=10_000)
    assert "mengeluarkan" in page.text_content("#joinerror")
    assert page.is_hidden("#room")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_removal_holds_for_the_session_until_the_teacher_lets_them_back_in(
        app, factory, live_server, browser, log_in, width):
    room = make_room(app, factory)
    _, teacher = open_room(browser, live_server, room, "teacher", width, log_in)
    teacher.on("dialog", lambda dialog: dialog.accept())
    yohana_context, yohana = open_room(browser, live_server, room, "student", width, log_in, name="Yohana")
    person(teacher, "Yohana").locator("[data-control=remove]").click()
    yohana.wait_for_selector("#gone:not([hidden])")
    teacher.wait_for_selector("#removals:not([hidden]) #removed li:has-text('Yohana')")

    # The same browser: a reload of the join link, with the same name or another one.
    for name in ("Yohana", "Bukan Yohana"):
        yohana.goto(f"{live_server}/join?code={room.code}")
        yohana.fill("input[name=name]", name)
        yohana.click("#joinform button[type=submit]")
        refused_as_removed(yohana)
    # A fresh browser with the same name (spaces and capitals aside).
    fresh_context, fresh = join_form(browser, live_server, room, "  yohana ", width)
    refused_as_removed(fresh)
    assert person(teacher, "Yohana").count() == 0

    # The teacher undoes the removal: she is in again.
    teacher.click("#removed [data-control=readmit]")
    teacher.wait_for_selector("#removals[hidden]", state="attached")
    fresh.click("#joinform button[type=submit]")
    fresh.wait_for_selector("#net.ok", timeout=10_000)
    person(teacher, "yohana").wait_for()
    for context in (yohana_context, fresh_context):
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_chat_pause_shows_at_once_and_nothing_typed_is_lost(app, factory, live_server, browser, log_in, width):
    room = make_room(app, factory)
    _, teacher = open_room(browser, live_server, room, "teacher", width, log_in)
    _, yohana = open_room(browser, live_server, room, "student", width, log_in, name="Yohana")
    box = "#chatform input[name=text]"
    yohana.fill(box, "Bu, saya belum paham")

    teacher.check("#mute")
    yohana.wait_for_selector("#chatpaused:not([hidden])", timeout=3_000)  # at once, before any send
    assert yohana.is_disabled(box) and yohana.is_disabled("#send")
    assert yohana.input_value(box) == "Bu, saya belum paham"

    # A message that crosses the pause (sent before the page heard of it) comes back to the box.
    yohana.evaluate("document.querySelector('#chatform input[name=text]').disabled = false")
    yohana.evaluate("document.getElementById('send').disabled = false")
    yohana.click("#send")
    yohana.wait_for_function("document.querySelector('#chatform input[name=text]').value === 'Bu, saya belum paham'")

    teacher.uncheck("#mute")
    yohana.wait_for_selector("#chatpaused[hidden]", state="attached", timeout=3_000)  # gone at once on resume
    assert yohana.is_enabled(box)
    yohana.click("#send")
    teacher.wait_for_function("Array.from(document.querySelectorAll('#chat li span'))"
                              ".some(s => s.textContent === 'Bu, saya belum paham')")
    assert yohana.input_value(box) == ""


def stroke_count(page) -> int:
    return page.evaluate("window.room.strokes.length")


def draw_line(page) -> None:
    page.click("[data-tab=board]")
    box = page.locator("#board").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    for step in range(1, 40):
        page.mouse.move(box["x"] + 20 + step * 3, box["y"] + 20 + step * 2)
    page.mouse.up()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_board_has_eraser_text_and_undo_and_the_teacher_lets_a_student_draw(
        app, factory, live_server, browser, log_in, width):
    room = make_room(app, factory)
    _, teacher = open_room(browser, live_server, room, "teacher", width, log_in)
    _, yohana = open_room(browser, live_server, room, "student", width, log_in, name="Yohana")

    draw_line(teacher)
    yohana.wait_for_function("window.room.strokes.length > 0")
    teacher.click("#undo")
    yohana.wait_for_function("window.room.strokes.length === 0")  # the whole line, all its pieces

    teacher.click("#eraser")
    draw_line(teacher)
    yohana.wait_for_function("window.room.strokes.length > 0 && window.room.strokes.every(s => s.color === '#ffffff')")
    teacher.click("#eraser")  # back to the pen
    teacher.fill("#boardtext", "x + 2 = 5")
    teacher.click("#textmode")
    teacher.click("#board", position={"x": 30, "y": 30})
    yohana.wait_for_function("window.room.strokes.some(s => s.text === 'x + 2 = 5')")

    # A student cannot draw: no tools, and the server refuses a stroke sent by hand.
    yohana.click("[data-tab=board]")
    assert yohana.is_hidden("#pen") and yohana.is_hidden("#undo")
    before = stroke_count(teacher)
    yohana.evaluate("window.room.socket.emit('board_stroke', {points: [[5, 5], [9, 9]]})")
    yohana.wait_for_selector("#banner:not([hidden])")
    assert stroke_count(teacher) == before

    # The teacher lets her draw: her tools appear, her line reaches the teacher, she can undo it.
    person(teacher, "Yohana").locator("[data-control=allow-draw]").click()
    yohana.wait_for_selector("#pen", state="visible")
    assert yohana.is_hidden("#clear")  # clearing the board stays the teacher's
    draw_line(yohana)
    teacher.wait_for_function(f"window.room.strokes.length > {before}")
    yohana.click("#undo")
    teacher.wait_for_function(f"window.room.strokes.length === {before}")

    person(teacher, "Yohana").locator("[data-control=allow-draw]").click()  # and stops it
    yohana.wait_for_selector("#pen", state="hidden")
    yohana.evaluate("window.room.socket.emit('board_stroke', {points: [[5, 5], [9, 9]]})")
    yohana.wait_for_timeout(500)
    assert stroke_count(teacher) == before
