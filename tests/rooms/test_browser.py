"""A class in real browsers: Debian's Chromium with fake camera and microphone, driven by Playwright."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import make_room, wait_until_serving
from .test_two_processes import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's Chromium is not installed at "
                                 "/usr/bin/chromium (apt-get install -y chromium)")]


@pytest.fixture
def live_server(app, tmp_path):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"].replace("+psycopg", ""),
               SECRET_KEY=app.config["SECRET_KEY"], INSTANCE_PATH=str(tmp_path), ROOM_PRESENCE_SECONDS="0.1")
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "-b",
                               f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                              cwd=ROOT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(url)
    yield url
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=10)


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


def test_a_class_in_the_browser(app, factory, live_server, browser):
    room = make_room(app, factory)
    teacher_context = browser.new_context(bypass_csp=True)  # lets the test evaluate its checks; the page itself runs under the CSP
    teacher = teacher_context.new_page()
    teacher.goto(f"{live_server}/auth/login")
    teacher.fill("input[name=email]", room.teacher_email)
    teacher.fill("input[name=password]", "rahasia-sekali-123")
    teacher.click("form button[type=submit]")
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
