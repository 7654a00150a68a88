"""The content library: viewers read, marketers write; the composer and its checks are the program's."""
import json

import pytest
from programs_support import channel, make_campaign, plugins  # noqa: F401 - fixtures

from chapar.models import AuditLog, ContentItem, Program
from chapar.programs import save_program


def text_of(response):
    return response.get_data(as_text=True)


def form(name="Welcome", subject="Hello {{ contact.first_name }}", body="Glad you are here", **extra):
    return {"name": name, "channel": "fixture", "description": "First message", "variant": [""],
            "c..subject": subject, "c..body": body, "action": "save", **extra}


@pytest.fixture
def item(channel):
    return ContentItem.create(name="Nowruz greeting", channel="fixture", description="For the new year",
                              variants_json=json.dumps({"": {"subject": "Happy Nowruz", "body": "Hi"},
                                                        "fa": {"subject": "نوروز مبارک", "body": "سلام"}}))


def test_viewers_read_and_marketers_write(client_as, item):
    viewer = client_as("viewer")
    listing = text_of(viewer.get("/content"))
    assert "Nowruz greeting" in listing and "default, fa" in listing and 'href="/content/new' not in listing
    shown = text_of(viewer.get(f"/content/{item.id}"))
    assert "نوروز مبارک" in shown and f"/content/{item.id}/edit" not in shown
    for url in ("/content/new", f"/content/{item.id}/edit"):
        assert viewer.get(url).status_code == 403, url
        assert viewer.post(url, form()).status_code == 403, url
    assert viewer.post(f"/content/{item.id}/delete").status_code == 403
    assert ContentItem.select().count() == 1 and ContentItem.get().name == "Nowruz greeting"
    assert 'href="/content/new' in text_of(client_as("marketer").get("/content"))
    assert 'href="/content"' in listing  # the menu item, for every role


def test_creating_editing_and_deleting(client_as, channel):
    marketer = client_as("marketer")
    created = marketer.post("/content/new", form(variant=["", "fa"], **{"c.fa.subject": "سلام", "c.fa.body": "متن"}))
    assert created.status_code == 302
    item = ContentItem.get()
    assert item.name == "Welcome" and item.channel == "fixture" and item.variants["fa"]["subject"] == "سلام"
    assert created.headers["Location"].endswith(f"/content/{item.id}")
    edited = marketer.post(f"/content/{item.id}/edit", form(subject="Changed {{ contact.city }}", variant=[""]))
    assert edited.status_code == 302
    item = ContentItem.get_by_id(item.id)
    assert item.variants == {"": {"subject": "Changed {{ contact.city }}", "body": "Glad you are here"}}
    assert marketer.post(f"/content/{item.id}/delete").status_code == 302
    assert ContentItem.select().count() == 0
    actions = [entry.action for entry in AuditLog.select().order_by(AuditLog.id)]
    assert actions[-3:] == ["content.created", "content.updated", "content.deleted"]


def test_template_problems_are_shown_with_their_line_and_nothing_is_lost(client_as, channel):
    marketer = client_as("marketer")
    response = marketer.post("/content/new", form(name="", body="Hi\n{% if %}"))
    page = text_of(response)
    assert response.status_code == 422 and ContentItem.select().count() == 0
    assert "Give the content a name." in page
    assert "Line 2:" in page.split('id="problems-default-body"', 1)[1].split("</div>", 1)[0]
    assert "Hello {{ contact.first_name }}" in page and "First message" in page
    check = text_of(marketer.post("/compose/check", form(subject="{{ contact.nickname }}")))
    assert "Line 1:" in check and "contact.nickname" in check


def test_a_program_keeps_its_copy_when_the_library_item_goes(client_as, item):
    campaign = make_campaign()
    program = save_program({"name": "Greeting", "channel": "fixture", "content_item": str(item.id)}, campaign=campaign)
    assert program.variants["fa"]["subject"] == "نوروز مبارک" and program.content_item_id == item.id
    client_as("marketer").post(f"/content/{item.id}/delete")
    program = Program.get_by_id(program.id)
    assert program.content_item_id is None and program.variants["fa"]["subject"] == "نوروز مبارک"


def test_the_list_filters_by_channel_and_has_empty_states(client_as, item):
    marketer = client_as("marketer")
    assert "Nowruz greeting" in text_of(marketer.get("/content?channel=fixture"))
    other = text_of(marketer.get("/content?channel=sms"))
    assert "Nowruz greeting" not in other and "No content yet" in other


def test_without_a_channel_the_library_says_a_plugin_is_needed(client_as):
    page = text_of(client_as("marketer").get("/content"))
    assert "No channel is installed" in page and "channel plugin" in page
    assert "No channel is installed" in text_of(client_as("marketer").get("/content/new"))
