"""What the browser tests of the week grid share: an Indonesian Chromium page and a pointer drag over slots."""
import pytest


@pytest.fixture
def page(browser):
    """A page of Debian's Chromium (the shared `browser` fixture) with an Indonesian locale."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    yield context.new_page()
    context.close()


def cell(page, day: int, slot: int):
    return page.locator(f'td.slot[data-day="{day}"][data-slot="{slot}"]')


def drag(page, day: int, first: int, last: int) -> None:
    """Press on one quarter hour and release on another of the same day, as a hand on a mouse would."""
    start, end = cell(page, day, first), cell(page, day, last)
    end.scroll_into_view_if_needed()  # both ends on screen: the pointer drags over what it can see
    start.scroll_into_view_if_needed()
    a, b = start.bounding_box(), end.bounding_box()
    page.mouse.move(a["x"] + 5, a["y"] + 3)
    page.mouse.down()
    page.mouse.move(b["x"] + 5, b["y"] + 3, steps=6)
    page.mouse.up()
