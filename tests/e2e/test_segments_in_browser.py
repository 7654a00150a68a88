"""The segment filter builder in a real browser: htmx swaps the builder in place, typing updates
the preview and each condition's error out of band, and saving leads to the segment's page."""
import pytest
from signin import sign_in

pytestmark = pytest.mark.e2e


def wired(page):
    """Wait until htmx has wired up what it just swapped in: it does so when the swap settles (20 ms
    later), and a change made before that reaches no handler. A person is never that quick; a test
    is, and then the builder's re-render after a select change never came (one run in five)."""
    page.wait_for_selector(".htmx-added", state="detached")


def test_the_builder_updates_live_and_saves(live_server, page):
    base, one_time_password = live_server
    sign_in(page, base, one_time_password)
    page.click("nav a[href='/segments']")
    page.wait_for_selector("text=No segments yet")
    page.click("main a[href='/segments/new']")
    page.wait_for_selector("#segment-builder")
    page.evaluate("window.__sameDocument = true")

    page.click("button[value='add:r']")  # htmx swaps the builder; the document stays
    page.wait_for_selector("#subject-r-1")
    wired(page)
    page.select_option("#subject-r-1", "created_at")  # "is" becomes "is on": a date input
    page.wait_for_selector("#value-r-1[type=date]")
    wired(page)
    page.select_option("#op-r-1", "within_days")
    page.wait_for_selector("#value-r-1[inputmode=decimal]")
    wired(page)
    page.click("#value-r-1")
    page.keyboard.type("-3")
    page.wait_for_selector("#problems-r-1 >> text=Enter a whole number from 0 to 36500.")
    page.fill("#value-r-1", "")
    page.keyboard.type("30")
    page.wait_for_selector("#problems-r-1:empty", state="attached")
    page.wait_for_selector("#segment-preview .seg-big-number")
    assert page.evaluate("window.__sameDocument === true")

    page.click("button[value='remove:r-0']")
    page.wait_for_selector("#subject-r-1", state="detached")
    wired(page)
    assert page.input_value("#subject-r-0") == "created_at" and page.input_value("#value-r-0") == "30"

    page.fill("#field-name", "Joined this month <b>")
    page.click("button[value=save]")
    page.wait_for_selector("h1 >> text=Joined this month <b>")
    assert "Created" in page.inner_text(".seg-summary") and page.evaluate("window.__sameDocument === true")
