"""A class in real browsers: Debian's Chromium with fake camera and microphone, driven by Playwright."""
from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import make_room, start_room_servers, stop_room_servers

CHROMIUM = "/usr/bin/chromium"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's Chromium is not installed at "
                                 "/usr/bin/chromium (apt-get install -y chromium)")]


@pytest.fixture
def live_server(app, tmp_path):
    [(server, url)] = start_room_servers(app, tmp_path)
    yield url
    stop_room_servers([server])


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])
        yield chromium
        chromium.close()


def join_as_student(browser, url, code, name):
    context = browser.new_context(bypass_csp=True)  # lets the test evaluate its checks; the page itself runs under the CSP
    page = context.new_page()
    page.goto(f"{url}/join?code={code}")
    page.fill("input[name=name]", name)
    page.click("#joinform button[type=submit]")
    page.wait_for_selector("#net.ok", timeout=10_000)
    return context, page


def test_a_class_in_the_browser(app, factory, live_server, browser, log_in):
    room = make_room(app, factory)
    teacher_context = browser.new_context(bypass_csp=True)  # lets the test evaluate its checks; the page itself runs under the CSP
    teacher = teacher_context.new_page()
    log_in(teacher, live_server, room.teacher_email)
    teacher.goto(f"{live_server}/rooms/{room.id}")
    teacher.wait_for_selector("#net.ok", timeout=10_000)
    teacher.click("#camera")
    teacher.wait_for_function("document.getElementById('teachervideo').srcObject !== null")

    yohana_context, yohana = join_as_student(browser, live_server, room.code, "Yohana")
    markus_context, markus = join_as_student(browser, live_server, room.code, "Markus")
    for page in (teacher, yohana, markus):
        page.wait_for_function("document.querySelectorAll('#people li').length === 3", timeout=10_000)

    # Chat, shown as text.
    yohana.fill("#chatform input[name=text]", "<b>Selamat pagi</b>")
    yohana.press("#chatform input[name=text]", "Enter")
    for page in (teacher, markus):
        page.wait_for_function("document.querySelector('#chat li span') && "
                               "document.querySelector('#chat li span').textContent === '<b>Selamat pagi</b>'")

    # Raise a hand; the teacher sees it in the queue.
    markus.click("#hand")
    teacher.wait_for_function("document.querySelector('#hands li') && "
                              "document.querySelector('#hands li').textContent.indexOf('Markus') === 0")

    # A poll with live results.
    teacher.fill("#pollform input[name=question]", "Berapa 2 + 2?")
    teacher.fill("#pollform input[name=options]", "4; 5")
    teacher.click("#pollform button[type=submit]")
    yohana.wait_for_selector("#poll button")
    yohana.click("#poll button >> nth=0")
    teacher.wait_for_function("document.querySelector('#poll') && document.querySelector('#poll').textContent.indexOf('1') >= 0 "
                              "&& document.querySelectorAll('#poll .bar-row i').length === 2")

    # The teacher's audio and video tracks reach both students.
    for page in (yohana, markus):
        page.wait_for_function("(() => { const v = document.getElementById('teachervideo').srcObject;"
                               " const a = document.getElementById('teacheraudio').srcObject;"
                               " return v && v.getVideoTracks().length === 1 && a && a.getAudioTracks().length === 1; })()",
                               timeout=20_000)

    # Markus's connection drops; what is said meanwhile reaches him when it returns.
    markus_context.set_offline(True)
    markus.evaluate("window.room.socket.io.engine.close()")
    markus.wait_for_selector("#net:not(.ok)")
    for text in ("selama terputus 1", "selama terputus 2"):
        teacher.fill("#chatform input[name=text]", text)
        teacher.press("#chatform input[name=text]", "Enter")
    teacher.wait_for_function("Array.from(document.querySelectorAll('#chat li span')).some(s => s.textContent === 'selama terputus 2')")
    markus_context.set_offline(False)
    markus.wait_for_function("Array.from(document.querySelectorAll('#chat li span')).map(s => s.textContent).join('|')"
                             " === '<b>Selamat pagi</b>|selama terputus 1|selama terputus 2'", timeout=30_000)
    for context in (teacher_context, yohana_context, markus_context):
        context.close()


def test_the_join_page_says_how_long_to_wait_after_wrong_codes_and_the_right_code_still_joins(
        app, factory, live_server, browser):
    room = make_room(app, factory)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/join")
    # Someone behind the same school address has sent twenty wrong codes.
    statuses = page.evaluate("""async () => {
        const out = [];
        for (let n = 0; n < 20; n++) {
            const r = await fetch('/api/rooms/join', {method: 'POST', headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({code: 'ZZZZ-XX' + 'ABCDEFGHJKMNPQRSTUVWXYZ'[n] + 'Z', name: 'Penebak'})});
            out.push(r.status);
        }
        return out;
    }""")
    assert statuses == [404] * 20
    page.fill("input[name=code]", "ZZZZ-XXXX")
    page.fill("input[name=name]", "Yohana")
    page.click("#joinform button[type=submit]")
    page.wait_for_selector("#joinerror:not(:empty)")  # a selector, not an evaluated string: this page keeps its CSP
    message = page.text_content("#joinerror")
    assert "Terlalu banyak kode salah" in message and ("detik" in message or "menit" in message)
    page.fill("input[name=code]", room.code)
    page.click("#joinform button[type=submit]")
    page.wait_for_selector("#net.ok", timeout=10_000)
    context.close()
