"""A person's first visit, in a real browser: sign in, replace the one-time password, move
around with hx-boost, and switch to Persian."""
import pytest
from signin import sign_in

pytestmark = pytest.mark.e2e


def test_first_login_boosted_navigation_and_persian(live_server, page):
    base, one_time_password = live_server
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")

    page.fill("input[name=email]", "admin@localhost")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit].primary")
    assert page.locator(".flash.error, .form-error, [role=alert]").first.is_visible()

    sign_in(page, base, one_time_password)
    assert page.locator("nav").first.is_visible()

    # hx-boost swaps the page in place: a value set on window survives the navigation.
    page.evaluate("window.__stillTheSameDocument = true")
    page.click("nav a[href='/admin/plugins']")
    page.wait_for_url("**/admin/plugins")
    page.wait_for_selector("text=chapar.webui")
    assert page.evaluate("window.__stillTheSameDocument === true")
    assert page.evaluate("typeof htmx") == "object"

    page.click(".language-switch button[value=fa]")
    page.wait_for_selector("html[dir=rtl][lang=fa]")
    assert "افزونه" in page.inner_text("main")  # the Plugins page, now in Persian
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Vazirmatn" in font
