"""The channel plugins' composers in a browser, as a marketer uses them: the email composer's live
preview in a sandboxed frame and its desktop and mobile preview; the SMS composer's live counter.

`chapar serve` loads the plugins installed in the environment (scripts/install installs every one
under plugins/); without them these tests are skipped."""
import importlib.util

import pytest
from playwright.sync_api import expect
from signin import NEW_PASSWORD, sign_in

ARTIFACT_DIR = "test-artifacts"


def needs(module):
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e plugins/…)")


_changed = set()  # servers whose one-time password the first test already replaced


def enter(page, base, one_time_password):
    if base not in _changed:
        sign_in(page, base, one_time_password)
        _changed.add(base)
        return
    page.goto(base + "/login")
    page.fill("input[name=email]", "admin@localhost")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(base + "/")


def fact(label, value):
    """The selector of the counter's fact `label` showing `value` (the page's policy forbids eval,
    so no wait_for_function)."""
    return f'.composer-counter div:has(> dt:text-is("{label}")) bdi:text-is("{value}")'


def new_program(page, base, channel):
    page.goto(base + "/campaigns/new")
    page.fill("input[name=name]", f"Composer {channel}")
    page.click("main button[type=submit].primary")
    page.wait_for_selector(f"h1 >> text=Composer {channel}")
    page.click("main a >> text=New program")
    page.fill("input[name=name]", f"A {channel} program")
    page.select_option("select[name=channel]", channel)
    # Choosing a channel re-renders the form (what is typed meanwhile is carried over).
    page.wait_for_load_state("networkidle")


def test_the_email_composer_previews_live_and_at_two_widths(live_server, page):
    needs("chapar_email")
    base, one_time_password = live_server
    enter(page, base, one_time_password)
    new_program(page, base, "email")
    page.wait_for_selector("[name='c..html']")
    page.fill("[name='c..subject']", "Spring is here")
    page.click("[name='c..html']")
    page.keyboard.type('<h1>Hello {{ contact.first_name|default("friend") }}</h1><p>Linen shirts are in.</p>')
    frame_element = page.wait_for_selector("iframe.preview-frame[src^='/compose/frame/']")
    frame = frame_element.content_frame()
    frame.wait_for_selector("h1 >> text=Hello friend")
    assert frame_element.get_attribute("sandbox") == ""  # no scripts, no same-origin access
    page.keyboard.type("{{ contact.shoe_size }}")
    page.wait_for_selector("text=/shoe_size/")  # the unknown tag is named under the field
    page.screenshot(path=f"{ARTIFACT_DIR}/email-composer.png", full_page=True)
    page.fill("[name='c..html']", '<h1>Hello {{ contact.first_name|default("friend") }}</h1><p>Linen shirts are in.</p>')
    page.click("main button[name=action][value=save]")
    page.wait_for_selector("h1 >> text=A email program")
    page.click("main a >> text=Preview")
    desktop = page.wait_for_selector("iframe.preview-frame.desktop")
    mobile = page.wait_for_selector("iframe.preview-frame.mobile")
    desktop.content_frame().wait_for_selector("text=Hello friend")
    mobile.content_frame().wait_for_selector("text=Hello friend")
    assert mobile.bounding_box()["width"] < desktop.bounding_box()["width"]
    page.screenshot(path=f"{ARTIFACT_DIR}/email-preview.png", full_page=True)


def test_the_sms_composer_counts_characters_segments_and_cost_as_you_type(live_server, page):
    needs("chapar_sms")
    base, one_time_password = live_server
    enter(page, base, one_time_password)
    new_program(page, base, "sms")
    page.wait_for_selector("[name='c..text']")
    page.click("[name='c..text']")
    page.keyboard.type("Spring sale: 20% off linen shirts until Friday.")
    counter = page.locator(".composer-counter")
    page.wait_for_selector(fact("Characters", "47"))
    assert "GSM 7-bit" in counter.inner_text()
    page.fill("input[name=cost_per_unit]", "0.05")
    page.click("[name='c..text']")
    page.keyboard.press("End")
    page.keyboard.type(" Merci, garçon")  # "ç" is not GSM 03.38: the whole message becomes UCS-2
    page.wait_for_selector(fact("Encoding", "UCS-2 (Unicode)"))
    page.wait_for_selector(".composer-counter .badge.warn >> text=ç")
    page.keyboard.type(" " + "x" * 30)  # past 70 UCS-2 characters: two segments
    page.wait_for_selector(fact("Segments", "2"))
    page.wait_for_selector(".composer-counter div:has(> dt:text-is('Cost per recipient')) bdi:has-text('0.1')")
    page.screenshot(path=f"{ARTIFACT_DIR}/sms-composer.png", full_page=True)


def test_what_is_typed_while_the_form_changes_channel_is_kept(live_server, page):
    needs("chapar_email")
    needs("chapar_sms")
    base, one_time_password = live_server
    enter(page, base, one_time_password)
    new_program(page, base, "email")
    page.wait_for_selector("[name='c..html']")
    held = []  # the form's answer to the channel change, held until the marketer has typed

    def hold(route):
        if route.request.method == "POST" and route.request.url.endswith("/programs/new"):
            held.append(route)
        else:
            route.continue_()

    page.route("**/*", hold)
    page.select_option("select[name=channel]", "sms")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the channel change sent no request"
    page.fill("input[name=cost_per_unit]", "0.25")
    page.fill("input[name=name]", "Typed while it changed")
    held[0].continue_()
    page.unroute("**/*", hold)
    # The SMS form replaced the email one (its cost is per SMS segment), and kept what was typed.
    expect(page.locator("label[for=field-cost_per_unit]")).to_contain_text("SMS segment")
    page.wait_for_selector("[name='c..text']")
    expect(page.locator("input[name=cost_per_unit]")).to_have_value("0.25")
    expect(page.locator("input[name=name]")).to_have_value("Typed while it changed")
