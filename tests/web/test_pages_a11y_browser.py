"""Every page, for every role, in Chromium: axe-core finds nothing critical or serious (nor a missing main landmark,
h1 or an empty table header), and at a phone's 390 px nothing scrolls sideways, the header stays small and the
menu collapses behind a button. axe-core comes from the axe-playwright-python package (no download at run time)."""
from __future__ import annotations

from importlib import resources
from urllib.parse import urljoin, urlparse

import pytest

from classroom.demo import DEMO_PASSWORD, seed
from classroom.extensions import db
from tests.rooms.conftest import start_room_servers, stop_room_servers

pytestmark = pytest.mark.browser

ACCOUNTS = {"teacher": "guru.aceh@kelas.id", "school": "sekolah.papua@kelas.id",
            "coordinator": "koordinator@kelas.id", "admin": "admin@kelas.id"}
# Moderate or minor in axe's own grading, asked for by name all the same.
ALSO_CHECKED = {"landmark-one-main", "page-has-heading-one", "empty-table-header", "landmark-no-duplicate-main"}
SKIPPED_PATHS = ("/auth/logout", "/api/", "/static/")
SKIPPED_ENDINGS = (".csv", ".ics", ".json", ".webp", ".pdf")
PAGES_PER_ROLE = 45


def axe_source() -> str:
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def axe_findings(page, source: str) -> list[str]:
    page.evaluate(source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("critical", "serious") or violation["id"] in ALSO_CHECKED:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:4]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


def phone_findings(page) -> list[str]:
    found = []
    sizes = page.evaluate("""() => {
      const header = document.querySelector('body > header');
      return {scroll: document.documentElement.scrollWidth, width: window.innerWidth,
              header: header ? header.getBoundingClientRect().height : 0, height: window.innerHeight,
              wide: [...document.querySelectorAll('body *')].filter(n => n.getBoundingClientRect().right > window.innerWidth + 1
                     && !n.closest('.scroll-x')).slice(0, 3).map(n => n.tagName + (n.id ? '#' + n.id : '') + '.' + n.className)};
    }""")
    if sizes["scroll"] > sizes["width"]:
        found.append(f"scrolls sideways: {sizes['scroll']} px wide at {sizes['width']} ({sizes['wide']})")
    if sizes["header"] > 0.25 * sizes["height"]:
        found.append(f"the header takes {sizes['header']:.0f} of {sizes['height']} px")
    return found


def menu_collapses(page) -> list[str]:
    """At 390 px the menu's links hide behind one button, which opens and closes them."""
    toggle = page.locator("body > header .menu-toggle")
    links = page.locator("body > header nav a")
    if not links.count():
        return []
    if not toggle.is_visible() or links.first.is_visible():
        return ["the menu does not collapse at 390 px"]
    toggle.click()
    opened = links.first.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    return [] if opened and not links.first.is_visible() else ["the menu button does not open and close the menu"]


def same_site_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href)
        parsed = urlparse(url)
        if not url.startswith(base) or parsed.path.startswith(SKIPPED_PATHS) or parsed.path.endswith(SKIPPED_ENDINGS):
            continue
        if "lang=" in parsed.query or "download" in parsed.query:
            continue
        found.append(url.split("#")[0])
    return found


def check_page(page, source: str, settle_ms: int = 300) -> list[str]:
    """The page as it is now: axe at 1280 px, then the phone checks at 390 px."""
    page.wait_for_timeout(settle_ms)  # a room page's socket never lets the network go idle
    where = urlparse(page.url).path
    problems = [f"{where}: {p}" for p in axe_findings(page, source)]
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(50)
    problems += [f"{where} at 390 px: {p}" for p in phone_findings(page)]
    page.set_viewport_size({"width": 1280, "height": 800})
    return problems


def log_in_demo(context, base: str, email: str) -> None:
    page = context.new_page()
    page.goto(f"{base}/auth/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', DEMO_PASSWORD)
    page.click('main form button[type="submit"]')
    page.wait_for_load_state()
    page.close()


def in_the_room(context, base: str, source: str, demo, role: str) -> list[str]:
    """The room itself once joined: a student by code, a class device by the school's form."""
    page = context.new_page()
    if role == "student":
        page.goto(f"{base}/join?code={demo.room_code}")
        page.fill("input[name=name]", "Yohana")
        page.click("#joinform button[type=submit]")
    else:
        page.goto(f"{base}/rooms/{demo.room_session_id}/device")
        page.click("main form button[type=submit]")
    page.wait_for_selector("#net.ok", timeout=15_000)
    problems = [f"{role} in the room {p}" for p in check_page(page, source)]
    page.close()
    return problems


def crawl(context, base: str, start: list[str], source: str, limit: int = PAGES_PER_ROLE) -> tuple[list[str], int]:
    """Visits every page reachable from `start` (up to `limit`), checking each at 1280 px and at 390 px."""
    page = context.new_page()
    queue, seen, problems = list(start), set(), []
    menu_checked = False
    while queue and len(seen) < limit:
        url = queue.pop(0)
        key = urlparse(url)._replace(query="").geturl() if "/rooms/" not in url else url
        if key in seen:
            continue
        seen.add(key)
        page.set_viewport_size({"width": 1280, "height": 800})
        response = page.goto(url)
        if response is None or response.status >= 400 or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        problems += check_page(page, source)
        if not menu_checked:
            page.set_viewport_size({"width": 390, "height": 844})
            problems += [f"{urlparse(page.url).path}: {p}" for p in menu_collapses(page)]
            page.set_viewport_size({"width": 1280, "height": 800})
            menu_checked = True
        queue += [link for link in same_site_links(page, base) if link not in queue]
    page.close()
    return problems, len(seen)


@pytest.fixture
def demo_server(app, tmp_path):
    with app.app_context():
        result = seed("http://127.0.0.1", solve_seconds=5)
        db.session.commit()
    [(server, url)] = start_room_servers(app, tmp_path)
    yield url, result
    stop_room_servers([server])


def test_every_page_for_every_role_is_accessible_and_fits_a_phone(demo_server, browser):
    base, demo = demo_server
    source = axe_source()
    problems, visited = [], {}
    anonymous = browser.new_context(bypass_csp=True)  # lets the test inject axe; the pages run under the CSP
    found, visited["anonymous"] = crawl(anonymous, base, [f"{base}/", f"{base}/auth/login", f"{base}/join",
                                                          f"{base}/join?code={demo.room_code}"], source)
    problems += found + in_the_room(anonymous, base, source, demo, "student")
    anonymous.close()
    rooms = {"teacher": [f"{base}/rooms/{demo.room_session_id}"],
             "school": [f"{base}/rooms/{demo.room_session_id}", f"{base}/rooms/{demo.room_session_id}/device"]}
    for role, email in ACCOUNTS.items():
        context = browser.new_context(bypass_csp=True)
        log_in_demo(context, base, email)
        found, visited[role] = crawl(context, base, [f"{base}/"] + rooms.get(role, []), source)
        problems += [f"{role} {p}" for p in found]
        if role == "school":
            problems += in_the_room(context, base, source, demo, "class_device")
        context.close()
    assert all(count >= 3 for count in visited.values()), visited
    assert not problems, "\n".join(sorted(set(problems)))
