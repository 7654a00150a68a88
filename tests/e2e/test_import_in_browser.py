"""The import wizard in a real browser, against `chapar serve` and its worker: the progress card
is refreshed in place by htmx until the import ends, then stops polling."""
import pytest
from signin import sign_in

pytestmark = pytest.mark.e2e


def test_upload_map_preview_and_watch_the_progress(live_server, page, tmp_path):
    base, one_time_password = live_server
    sign_in(page, base, one_time_password)
    source = tmp_path / "مشتریان.csv"
    rows = "".join(f"user{n}@example.com;کاربر {n};+98912{n:07d}\n" for n in range(30_000))
    source.write_text("ایمیل;نام;موبایل\n" + rows + "bad;بد;\n", encoding="utf-8")

    # A full load: after the boosted password change the <body> keeps the sign-in page's class.
    page.goto(base + "/imports")
    page.wait_for_selector("text=No imports yet")
    page.click("main a[href='/imports/new']")
    page.set_input_files("input[type=file]", str(source))
    page.click("form[enctype] button[type=submit].primary")
    page.wait_for_url("**/mapping")
    assert page.input_value("#map-0") == "email" and page.input_value("#map-1") == "first_name"
    page.fill("#field-tags", "نمایشگاه")
    page.click("main form button[type=submit].primary")
    page.wait_for_url("**/preview")
    assert page.locator("tbody .badge.ok").count() == 20

    page.click("form[action$='/start'] button")
    page.wait_for_url("**/imports/*")
    page.evaluate("window.__sameDocument = true")
    page.wait_for_selector("#import-progress:not([hx-trigger]) >> text=Finished", timeout=60_000)
    assert page.evaluate("window.__sameDocument") is True  # swapped by htmx, not reloaded
    card = page.inner_text("#import-progress")
    assert "30,000" in card and "100%" in card
    assert page.locator("a[href$='/failed-rows.csv']").count() == 1
