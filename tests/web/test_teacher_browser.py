"""The availability week grid in a real browser: drag a block, save, and see it kept with its Papua time."""
import os

import pytest

from .week_grid_browser import cell as _cell, drag, page  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_dragging_a_block_saves_it_and_shows_the_wit_time(live_server, page, factory, app, log_in):
    _, email = factory.teacher(province="11")  # Aceh, WIB
    log_in(page, live_server, email)
    page.goto(f"{live_server}/teacher/availability")
    page.wait_for_selector("#week-grid-editor:not([hidden]) table.week-grid")

    drag(page, 0, 22, 27)  # Monday 05:30 to 07:00 WIB: quarter hours 22 to 27
    summary = page.locator("[data-grid-summary]")
    assert "Senin 05:30–07:00 WIB" in summary.inner_text()
    assert "Senin 07:30–09:00 WIT" in summary.inner_text()  # before saving, the grid already shows Papua's clock

    page.click("[data-grid-save]")
    # A locator, not wait_for_function: the app's CSP forbids the eval that the latter relies on.
    page.locator("[data-grid-status]", has_text="Tersimpan").wait_for()
    if os.environ.get("KN_SCREENSHOT"):
        page.locator("#week-grid-editor").screenshot(path=os.environ["KN_SCREENSHOT"])

    page.goto(f"{live_server}/teacher/availability")
    page.wait_for_selector("table.week-grid")
    assert "Senin 07:30–09:00 WIT" in page.locator("[data-grid-summary]").inner_text()
    assert "free" in (_cell(page, 0, 22).get_attribute("class") or "")
    assert "free" not in (_cell(page, 0, 28).get_attribute("class") or "")
    page.goto(f"{live_server}/teacher/")
    assert "Senin 07:30–09:00 WIT" in page.content()  # the home shows the whole range in the school's zone too


def test_a_refused_save_shows_the_servers_message(live_server, page, factory, app, log_in):
    _, email = factory.teacher(province="11")
    log_in(page, live_server, email)
    page.goto(f"{live_server}/teacher/availability")
    page.wait_for_selector("table.week-grid")
    # Log out behind the page's back: the save must say so instead of pretending.
    page.context.clear_cookies()
    _cell(page, 2, 40).click()
    page.click("[data-grid-save]")
    errors = page.locator("[data-grid-errors]")
    errors.wait_for(state="visible")
    assert "Tidak ada yang disimpan" in errors.inner_text()
