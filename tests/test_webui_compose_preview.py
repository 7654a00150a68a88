"""The composer's live preview: HTML fields rendered for a sample contact in a sandboxed iframe,
served from a short-lived stash, in the program form and the content library alike."""
import re

import pytest
from programs_support import TrackedPlugin, make_campaign, plugins  # noqa: F401 - fixtures

from chapar.models import Contact
from chapar.queue import get_redis

FRAME = re.compile(r'<iframe sandbox src="(/compose/frame/[A-Za-z0-9_-]+)"')


def text_of(response):
    return response.get_data(as_text=True)


def form(html, **extra):
    return {"name": "Mail", "channel": "tracked", "variant": [""], "c..subject": "Hi", "c..html": html, **extra}


@pytest.fixture
def tracked(plugins):  # noqa: F811
    plugins.register(TrackedPlugin(), name="tracked_channel")


@pytest.fixture
def marketer(client_as, tracked):
    return client_as("marketer")


def frame_url(page):
    found = FRAME.findall(page)
    assert len(found) == 1, page
    return found[0]


def test_typing_html_with_a_merge_tag_shows_it_rendered_in_a_sandboxed_frame(marketer):
    check = text_of(marketer.post("/compose/check", form(
        '<p style="color: red">Dear {{ contact.first_name|default("friend") }}</p>')))
    assert 'id="frame-default-html" class="compose-frame preview-frames" hx-swap-oob="true"' in check
    frame = marketer.get(frame_url(check))
    assert frame.status_code == 200 and text_of(frame) == '<p style="color: red">Dear friend</p>'
    policy = frame.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy
    assert "unsafe-inline" not in policy.split("style-src")[0]  # only styles may be inline, never scripts
    assert frame.headers["Content-Type"].startswith("text/html")


def test_the_chosen_contact_is_used_and_their_values_are_escaped(marketer):
    contact = Contact.create(first_name="<script>alert(1)</script>", email="x@example.com")
    check = text_of(marketer.post("/compose/check", form("<p>Dear {{ contact.first_name }}</p>",
                                                         preview_contact=str(contact.id))))
    shown = text_of(marketer.get(frame_url(check)))
    assert shown == "<p>Dear &lt;script&gt;alert(1)&lt;/script&gt;</p>" and "<script>" not in shown


def test_a_template_error_shows_instead_of_the_frame(marketer):
    check = text_of(marketer.post("/compose/check", form("<p>{{ 1 / 0 }}</p>")))
    assert "<iframe" not in check and "No preview:" in check and "division by zero" in check


def test_the_program_and_library_forms_show_the_frame_and_the_contact_picker(marketer, app):
    campaign = make_campaign()
    for url in (f"/campaigns/{campaign.id}/programs/new", "/content/new"):
        page = text_of(marketer.post(url, form("<p>Hello</p>", action="refresh")))
        assert marketer.get(frame_url(page)).get_data(as_text=True) == "<p>Hello</p>", url
        assert 'name="preview_contact"' in page and "style=" not in page.split('id="frame-default-html"')[1][:400]


def test_viewers_get_403_and_unknown_or_expired_keys_404(marketer, client_as):
    url = frame_url(text_of(marketer.post("/compose/check", form("<p>Hello</p>"))))
    assert client_as("viewer").get(url).status_code == 403
    assert marketer.get("/compose/frame/" + "x" * 24).status_code == 404
    assert marketer.get("/compose/frame/bad.key").status_code == 404
    get_redis().delete("chapar:compose-frame:" + url.rsplit("/", 1)[1])  # what the 10-minute expiry does
    assert marketer.get(url).status_code == 404
    assert 0 < get_redis().ttl("chapar:compose-frame:" + frame_url(text_of(marketer.post(
        "/compose/check", form("<p>Again</p>")))).rsplit("/", 1)[1]) <= 600
