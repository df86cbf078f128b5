"""The room page does not jump about while it loads (Lighthouse had CLS 0.20 from div#room): the cumulative
layout shift, measured in Chromium with a PerformanceObserver, stays under 0.1 for the teacher and a student."""
from __future__ import annotations

import pytest

from .conftest import make_room
from .test_browser import browser, live_server  # noqa: F401 (fixtures: Chromium with fake media, gunicorn)
from .test_room_roles_browser import WIDTHS, open_room

pytestmark = pytest.mark.browser

MEASURE = """window.__shifts = []; new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shifts.push({value: e.value,
    from: e.sources.map(s => s.node ? (s.node.id || s.node.nodeName) : '?')});
}).observe({type: 'layout-shift', buffered: true});"""


def layout_shift(page) -> tuple[float, list]:
    page.wait_for_timeout(3000)  # state, presence, board and chat history all come in during this
    shifts = page.evaluate("window.__shifts")
    return sum(s["value"] for s in shifts), shifts


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_room_does_not_shift_while_it_loads(app, factory, live_server, browser, log_in, width):
    room = make_room(app, factory)
    teacher_context, teacher = open_room(browser, live_server, room, "teacher", width, log_in)
    teacher.fill("#chatform input[name=text]", "Selamat pagi, kelas")
    teacher.press("#chatform input[name=text]", "Enter")
    student_context, student = open_room(browser, live_server, room, "student", width, log_in)
    results = {}
    for name, context, page in (("teacher", teacher_context, teacher), ("student", student_context, student)):
        context.add_init_script(MEASURE)
        page.reload()  # the teacher's page and a student's with the pass it keeps, loaded from scratch
        page.wait_for_selector("#net.ok", timeout=15_000)
        results[name] = layout_shift(page)
    for context in (teacher_context, student_context):
        context.close()
    print({name: round(total, 4) for name, (total, _) in results.items()})
    assert all(total < 0.1 for total, _ in results.values()), results
