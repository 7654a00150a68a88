"""The contacts pages in a real browser: a field is checked as it is left, the contact is saved
with Persian digits in its number, and typing in the search box (Persian included) swaps the
results in place and puts the search in the address bar."""
import pytest
from signin import sign_in

pytestmark = pytest.mark.e2e


def test_create_with_inline_validation_then_search_as_you_type(live_server, page):
    base, one_time_password = live_server
    sign_in(page, base, one_time_password)
    page.click("nav a[href='/contacts']")
    page.wait_for_selector("text=No contacts yet")
    page.click("main a[href='/contacts/new']")

    page.fill("#field-first_name", "نرگس")
    page.fill("#field-last_name", "صادقی")
    page.fill("#field-email", "narges@")
    page.press("#field-email", "Tab")  # htmx posts the field on change and swaps its row
    page.wait_for_selector("#field-email-error >> text=Enter an email address like name@example.com.")
    page.fill("#field-email", "Narges@Example.com")
    page.press("#field-email", "Tab")
    page.wait_for_selector("#field-email-error", state="detached")
    page.fill("#field-mobile", "+۹۸ ۹۱۲ ۵۵۵ ۶۶۷۷")
    page.fill("#field-tags", "VIP, نمایشگاه")
    page.click("form.contact-form button[type=submit].primary")
    page.wait_for_selector("h1 >> text=نرگس صادقی")
    assert "narges@example.com" in page.inner_text("main") and "+98 912 555 6677" in page.inner_text("main")

    page.goto(base + "/contacts")
    page.evaluate("window.__sameDocument = true")
    page.click("#contact-q")
    page.keyboard.type("نرگس")  # no keyup from an input method: the box listens to "input"
    page.wait_for_url("**/contacts?q=*")
    assert page.locator("a.contact-name").all_inner_texts() == ["نرگس صادقی"]
    page.fill("#contact-q", "")
    page.keyboard.type("nobody")
    page.wait_for_selector("text=No contacts match")
    assert page.evaluate("window.__sameDocument === true")  # every step swapped in place
