"""The browser tests' wait for a page's own asynchronous checks (getStats and the like) really waits, and fails
when the check never holds. Playwright's `wait_for_function` passed such checks at once (a promise is truthy),
which left every media test's reception check asserting nothing."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from waiting import wait_in_page

from tests.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's Chromium is not installed")]


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


def test_an_async_check_that_never_holds_fails_the_wait(page):
    started = time.monotonic()
    with pytest.raises(AssertionError, match="waited 1 s"):
        wait_in_page(page, "(async () => { await new Promise(r => setTimeout(r, 10)); return false; })()",
                     timeout=1, interval=0.1)
    assert time.monotonic() - started >= 1


def test_an_async_check_is_waited_for_until_it_holds(page):
    page.evaluate("window.ready = 0; setTimeout(() => { window.ready = 42; }, 700)")
    started = time.monotonic()
    assert wait_in_page(page, "(async () => { await new Promise(r => setTimeout(r, 10)); return window.ready; })()",
                        timeout=10, interval=0.1) == 42
    assert time.monotonic() - started >= 0.6
