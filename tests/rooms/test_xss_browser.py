"""Script payloads in a room, in Chromium: chat text, participant names, a poll's question and options, a slide
file's name and the join link's code are shown as literal text, and none of them runs. The pages are opened with
the CSP bypassed, so this shows the page's own escaping holds; the strict CSP is a second wall behind it."""
from __future__ import annotations

import io

import pytest

from .conftest import make_room
from .test_class import make_pdf

pytestmark = pytest.mark.browser

PWN = "document.body.append(document.createElement('pwned'))"
CHAT = f"<img src=x onerror=\"window.__pwned=1;{PWN}\"><script>window.__pwned=2</script>"
NAME = "<svg onload=window.__pwned=3><b>Yo</b>"
QUESTION = f"<img src=x onerror={PWN}>?"
OPTIONS = ["<script>window.__pwned=4</script>", "<iframe src=javascript:window.top.__pwned=5>"]
SLIDE_NAME = "<img src=x onerror=window.__pwned=6>.pdf"

NOTHING_RAN = """() => window.__pwned === undefined && document.querySelector('pwned') === null
    && document.querySelector('img[src="x"], svg[onload], iframe, #chat script, #people script, #poll script') === null"""


def texts(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "nodes => nodes.map(n => n.textContent)")


def test_script_payloads_are_shown_as_text_and_never_run(app, factory, live_server, browser, log_in):
    app.config["ROOM_PRESENCE_SECONDS"] = 0
    room = make_room(app, factory)
    teacher_context = browser.new_context(bypass_csp=True)
    teacher = teacher_context.new_page()
    log_in(teacher, live_server, room.teacher_email)
    teacher.goto(f"{live_server}/rooms/{room.id}")
    teacher.wait_for_selector("#net.ok", timeout=15_000)

    student_context = browser.new_context(bypass_csp=True)
    student = student_context.new_page()
    # The code from the link is put back into the page; a crafted link must not break out of it.
    student.goto(f"{live_server}/join?code=%22%3E%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D7%3E")
    assert student.evaluate(NOTHING_RAN)
    student.fill("input[name=code]", room.code)
    student.fill("input[name=name]", NAME)
    student.click("#joinform button[type=submit]")
    student.wait_for_selector("#net.ok", timeout=15_000)
    teacher.wait_for_function("document.querySelectorAll('#people li').length === 2", timeout=15_000)

    student.fill("#chatform input[name=text]", CHAT)
    student.press("#chatform input[name=text]", "Enter")
    teacher.fill("#pollform input[name=question]", QUESTION)
    teacher.fill("#pollform input[name=options]", "; ".join(OPTIONS))
    teacher.click("#pollform button[type=submit]")
    teacher.click("button[data-tab=slides]")
    teacher.set_input_files("#upload input[type=file]", files=[
        {"name": SLIDE_NAME, "mimeType": "application/pdf", "buffer": make_pdf(1)}])
    teacher.click("#upload button[type=submit]")

    for page in (teacher, student):
        page.wait_for_function("document.querySelectorAll('#chat li span').length === 1", timeout=15_000)
        page.wait_for_function("document.querySelectorAll('#poll button, #poll .bar-row').length >= 2",
                               timeout=15_000)
        page.wait_for_function("document.getElementById('slide') && !document.getElementById('slide').hidden", timeout=30_000)
        assert texts(page, "#chat li span") == [CHAT]
        assert texts(page, "#chat li b") == [NAME]
        assert any(NAME in t for t in texts(page, "#people li"))
        poll_text = page.text_content("#poll")
        assert QUESTION in poll_text and all(option in poll_text for option in OPTIONS)
        assert page.get_attribute("#slide", "alt") == SLIDE_NAME + " 1"
        assert page.evaluate(NOTHING_RAN), page.evaluate("window.__pwned")

    # The teacher's attendance report lists the name too, as text.
    teacher.goto(f"{live_server}/rooms/{room.id}/attendance")
    assert NAME in teacher.text_content("body")
    assert teacher.evaluate(NOTHING_RAN)
    for context in (teacher_context, student_context):
        context.close()
