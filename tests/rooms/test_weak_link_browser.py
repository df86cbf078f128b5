"""The room page on a weak link, in Debian's Chromium: what is typed offline goes out in order when the link is
back, and a pass the server refuses brings back the join form with the reason."""
from __future__ import annotations

from flask_babel import force_locale, gettext

from .conftest import make_room
from .test_browser import browser, join_as_student, live_server, pytestmark  # noqa: F401 (fixtures, marks)

CHAT_TEXTS = "Array.from(document.querySelectorAll('#chat li:not(.pending) span')).map(s => s.textContent).join('|')"


def test_chat_typed_offline_waits_and_goes_out_in_order_when_the_link_is_back(app, factory, live_server, browser):
    room = make_room(app, factory)
    yohana_context, yohana = join_as_student(browser, live_server, room.code, "Yohana")
    markus_context, markus = join_as_student(browser, live_server, room.code, "Markus")
    yohana_context.set_offline(True)
    yohana.evaluate("window.room.socket.io.engine.close()")
    yohana.wait_for_selector("#net:not(.ok)")
    texts = [f"ditulis luring {n}" for n in range(10)]  # more than the chat flood limit's burst of 8
    for text in texts:
        yohana.fill("#chatform input[name=text]", text)
        yohana.press("#chatform input[name=text]", "Enter")
    assert yohana.locator("#chat li.pending").count() == 10
    assert yohana.input_value("#chatform input[name=text]") == ""
    yohana_context.set_offline(False)
    expected = "|".join(texts)
    markus.wait_for_function(f"{CHAT_TEXTS} === {expected!r}", timeout=40_000)
    yohana.wait_for_function(f"{CHAT_TEXTS} === {expected!r} && !document.querySelector('#chat li.pending')",
                             timeout=20_000)
    for context in (yohana_context, markus_context):
        context.close()


def test_a_refused_pass_says_why_and_offers_the_join_form_again(app, factory, live_server, browser):
    room = make_room(app, factory)
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/join?code={room.code}")
    page.evaluate("code => sessionStorage.setItem('room:' + code, 'bukan-tiket-yang-sah')", room.code)
    page.reload()  # the page enters with the stored pass, which the server refuses at connect
    page.wait_for_function("document.getElementById('joinerror').textContent !== ''", timeout=15_000)
    with app.test_request_context(), force_locale("id"):
        reason, offline = gettext("This room pass is not valid."), gettext("Offline")
    assert page.text_content("#joinerror") == reason
    assert page.is_visible("#joinform") and not page.is_visible("#room")
    assert page.text_content("#net") == offline
    page.fill("input[name=name]", "Yohana")
    page.click("#joinform button[type=submit]")
    page.wait_for_selector("#net.ok", timeout=10_000)
    context.close()


def test_a_student_coming_back_downloads_no_static_file_again(app, factory, live_server, browser):
    room = make_room(app, factory)
    context = browser.new_context()  # one phone's browser: its HTTP cache outlives the tab
    from_network = []
    for _ in range(2):
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        fetched = []
        cdp.on("Network.responseReceived", lambda event, fetched=fetched: fetched.append(event["response"]) if (
            "/static/" in event["response"]["url"] and not event["response"].get("fromDiskCache")
            and not event["response"].get("fromMemoryCache")) else None)
        page.goto(f"{live_server}/join?code={room.code}")
        page.wait_for_load_state("load")
        page.close()
        from_network.append([(r["url"].rsplit("/", 1)[-1], r["status"]) for r in fetched])
    assert len(from_network[0]) >= 3 and all(status == 200 for _, status in from_network[0])
    assert from_network[1] == [], "static files asked for again (a 304 still costs a round trip on a weak link)"
    context.close()
