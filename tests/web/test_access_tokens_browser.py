"""The account page in a browser: a new token is copied with one click under the page's CSP, and the page is
accessible and fits a phone (the same checks as every other page)."""
import pytest

from .test_pages_a11y_browser import axe_source, check_page

pytestmark = pytest.mark.browser


def test_a_new_token_is_copied_with_one_click_and_the_page_passes_the_page_checks(live_server, browser, factory,
                                                                                    log_in):
    _, email = factory.school()
    context = browser.new_context(bypass_csp=True)  # the checks inject axe; the copy below runs on a strict page
    problems = []
    page = context.new_page()
    log_in(page, live_server, email)
    page.click("header .who a.user")  # the account page is the name at the top, for every role
    assert page.url.endswith("/auth/account")
    problems += check_page(page, axe_source())
    context.close()

    strict = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = strict.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, live_server, email)
    page.goto(f"{live_server}/auth/account")
    page.fill('input[name="name"]', "Skrip rekap")
    page.click('#tokens form.narrow button[type="submit"]')
    token = page.input_value("#new-token-value")
    assert token.startswith("kn_")
    page.click("button[data-copy]")
    page.wait_for_selector("button[data-copy]:text('Tersalin')")
    assert page.evaluate("navigator.clipboard.readText()") == token
    page.goto(f"{live_server}/auth/account")
    assert token not in page.content() and token[:11] in page.content()
    strict.close()
    assert not problems, problems
    assert not errors, errors
