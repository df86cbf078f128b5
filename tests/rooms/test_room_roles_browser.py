"""The room as each role meets it, in Chromium at a desktop width and at a phone's 390 px: which controls each
role sees (every teacher-only control is invisible to everyone else) and that each of them works."""
from __future__ import annotations

import pytest

from .conftest import make_room
from .test_browser import CHROMIUM, browser, live_server  # noqa: F401 (fixtures: Chromium with fake media, gunicorn)

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
ROLES = ("teacher", "host", "class_device", "student")
# Which role each marker class is for; every control inside such a box is for those roles only.
MARKERS = {"teacher-only": {"teacher"}, "staff-only": {"teacher", "host"}, "drawer-only": {"teacher"},
           "learner-only": {"student", "class_device"}, "device-only": {"class_device"}}

# Every control a role sees, pane by pane (the video pane is left to the media controls' own tests).
VISIBLE = {
    "teacher": {"side": {"mute", "lock", "end", "text", "send", "question", "options", "quiz", "ask", "remove", "allow-draw"},
                "slides": {"prev", "next", "file", "uploadpdf"},
                "board": {"pen", "eraser", "boardtext", "textmode", "undo", "clear"}},
    "host": {"side": {"mute", "lock", "text", "send", "remove"}, "slides": set(), "board": set()},
    "class_device": {"side": {"hand", "text", "send", "count", "setcount"}, "slides": set(), "board": set()},
    "student": {"side": {"hand", "text", "send"}, "slides": set(), "board": set()},
}

CONTROLS_JS = """() => {
  const name = n => n.id || n.getAttribute('name') || n.dataset.tab || n.dataset.mode || n.dataset.control
                    || n.textContent.trim();
  const shown = n => n.getClientRects().length > 0 && getComputedStyle(n).visibility !== 'hidden';
  const where = n => { const pane = n.closest('[data-pane]'); return pane ? pane.dataset.pane : 'side'; };
  const controls = 'button,input,select,textarea,a,canvas,form,[data-control]';
  const marked = [];
  for (const box of document.querySelectorAll('%s')) {
    for (const n of [box, ...box.querySelectorAll(controls)]) {
      const cls = [...n.closest('%s').classList].filter(c => c in %s)[0];  // the innermost marker counts
      marked.push({marker: cls, name: name(n), pane: where(n), shown: shown(n),
                   hiddenOnPurpose: !!n.closest('[hidden]:not([data-pane])')});
    }
  }
  const visible = [...document.querySelectorAll('#room ' + controls.split(',').join(',#room '))]
    .filter(n => n.matches('button,input,select,textarea,[data-control]') && shown(n))
    .map(n => ({name: name(n), pane: where(n)}));
  return {marked, visible};
}"""


def controls_js() -> str:
    import json
    selector = ",".join("." + marker for marker in MARKERS)
    return CONTROLS_JS % (selector, selector, json.dumps({m: 1 for m in MARKERS}))


def open_room(browser, url: str, room, role: str, width: str, log_in, name: str = "Yohana"):
    """One person's page in the room, at the given width, once its connection is up."""
    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})  # lets the test evaluate
    page = context.new_page()
    if role == "student":
        page.goto(f"{url}/join?code={room.code}")
        page.fill("input[name=name]", name)
        page.click("#joinform button[type=submit]")
    else:
        log_in(page, url, room.teacher_email if role == "teacher" else room.school_email)
        if role == "class_device":
            page.goto(f"{url}/rooms/{room.id}/device")
            page.click("main form button[type=submit]")
        else:
            page.goto(f"{url}/rooms/{room.id}")
    page.wait_for_selector("#net.ok", timeout=15_000)
    page.wait_for_function(f"document.body.classList.contains('role-{role}')")
    return context, page


def visible_controls(page) -> tuple[dict[str, set], list[str]]:
    """Each pane's visible controls, and every marked control shown to a role it is not for (or hidden from one
    it is for), looking at each tab in turn."""
    seen: dict[str, set] = {"side": set()}
    wrong = []
    role = page.evaluate("document.body.className.replace('role-', '')")
    for tab in ("video", "slides", "board"):
        page.click(f"[data-tab={tab}]")
        found = page.evaluate(controls_js())
        for item in found["visible"]:
            if item["pane"] in ("side", tab):
                seen.setdefault(item["pane"], set()).add(item["name"])
        for item in found["marked"]:
            if item["pane"] not in ("side", tab):
                continue
            allowed = role in MARKERS[item["marker"]]
            if item["shown"] and not allowed:
                wrong.append(f"{item['name']} ({item['marker']}) is shown to {role}")
            if allowed and not item["shown"] and not item["hiddenOnPurpose"]:
                wrong.append(f"{item['name']} ({item['marker']}) is hidden from {role}")
    seen.pop("video", None)
    return seen, sorted(set(wrong))


@pytest.mark.parametrize("width", list(WIDTHS))
def test_each_role_sees_its_own_controls_and_no_teacher_control(app, factory, live_server, browser, log_in, width):
    room = make_room(app, factory)
    pages = {role: open_room(browser, live_server, room, role, width, log_in) for role in ROLES}
    problems = []
    for role, (_, page) in pages.items():
        seen, wrong = visible_controls(page)
        problems += wrong
        for pane, expected in VISIBLE[role].items():
            if seen.get(pane, set()) - {"tab-video", "tab-slides", "tab-board", "full", "audio", "none"} != expected:
                problems.append(f"{role} at {width}, {pane}: sees {sorted(seen.get(pane, set()))}, "
                                f"expected {sorted(expected)} (plus tabs and modes)")
    for context, _ in pages.values():
        context.close()
    assert not problems, "\n".join(problems)
