"""Composing a program in the web UI: the form, its live content check and audience summary, the
lock after launch, the preview for a chosen contact and the test send."""
from decimal import Decimal

import pytest
from programs_support import CONTENT, TrackedPlugin, channel, make_campaign, make_contacts, plugins  # noqa: F401 - fixtures

import fixture_channel
from chapar.models import AuditLog, Contact, ContentItem, Program
from chapar.programs import save_program
from chapar.queue import get_redis
from chapar.segments import save_segment


def text_of(response):
    return response.get_data(as_text=True)


def form(name="Nowruz newsletter", subject="Hello {{ contact.first_name }}", body="Spring is here", **extra):
    """A program form as a browser posts it: the default variant, hand-picked contacts, sent now."""
    data = {"name": name, "channel": "fixture", "variant": [""], "c..subject": subject, "c..body": body,
            "contacts": "", "consent_policy": "subscribed", "schedule_kind": "now", "window_days": list("0123456"),
            "throttle_per_minute": "", "cost_per_unit": "0.05", "fixed_cost": "10", "action": "save"}
    return {**data, **extra}


@pytest.fixture
def campaign(app):
    return make_campaign(time_zone="Asia/Tehran", currency="EUR")


@pytest.fixture
def marketer(client_as):
    return client_as("marketer")


@pytest.fixture
def program(campaign, channel):
    people = make_contacts(2)
    return save_program({"name": "Spring", "channel": "fixture", "variants": CONTENT,
                         "audience": {"contacts": [c.id for c in people]}}, campaign=campaign)


def test_creating_a_program_with_content_and_audience(marketer, campaign, channel):
    people = make_contacts(3)
    segment = save_segment("Everyone", {"field": "email", "op": "contains", "value": "@"})
    data = form(include=[str(segment.id)], contacts=f"{people[0].id}، {people[1].id}",
                **{"variant": ["", "fa"], "c.fa.subject": "سلام {{ contact.first_name }}", "c.fa.body": "بهار"})
    response = marketer.post(f"/campaigns/{campaign.id}/programs/new", data)
    assert response.status_code == 302, text_of(response)[:3000]
    program = Program.get()
    assert program.name == "Nowruz newsletter" and program.status == "ready"
    assert program.variants["fa"]["subject"] == "سلام {{ contact.first_name }}"
    assert program.audience == {"include": [segment.id], "exclude": [], "contacts": [people[0].id, people[1].id]}
    assert program.cost_per_unit == Decimal("0.05") and program.fixed_cost == Decimal(10)
    edit = text_of(marketer.get(f"/programs/{program.id}/edit"))
    assert "سلام {{ contact.first_name }}" in edit and people[0].full_name in edit  # picked contacts by name


def test_an_unknown_merge_tag_is_shown_under_its_field_with_its_line(marketer, campaign, channel):
    body = "Hello\nwelcome\n{{ contact.nickname }}"
    response = marketer.post(f"/campaigns/{campaign.id}/programs/new", form(body=body))
    page = text_of(response)
    assert response.status_code == 422 and Program.select().count() == 0
    slot = page.split('id="problems-default-body"', 1)[1].split("</div>", 1)[0]
    assert "Line 3:" in slot and "contact.nickname" in slot
    assert "Nowruz newsletter" in page and "welcome\n{{ contact.nickname }}" in page  # nothing typed is lost


def test_a_syntax_error_is_shown_with_its_line_while_typing(marketer, campaign, channel):
    response = marketer.post("/compose/check", form(subject="", body="One\n{{ contact.first_name "))
    page = text_of(response)
    assert response.status_code == 200 and 'hx-swap-oob="true"' in page
    body_slot = page.split('id="problems-default-body"', 1)[1].split("</div>", 1)[0]
    subject_slot = page.split('id="problems-default-subject"', 1)[1].split("</div>", 1)[0]
    assert "Line 2:" in body_slot
    assert "required" not in subject_slot  # an empty field while typing is unfinished, not wrong
    fine = text_of(marketer.post("/compose/check", form()))
    assert "No problems found" in fine and "field-error" not in fine


def test_a_missing_required_field_and_a_missing_name(marketer, campaign, channel):
    response = marketer.post(f"/campaigns/{campaign.id}/programs/new", form(name="", subject=""))
    page = text_of(response)
    assert response.status_code == 422 and Program.select().count() == 0
    assert "Give the program a name." in page
    assert "This field is required." in page.split('id="problems-default-subject"', 1)[1].split("</div>", 1)[0]
    assert "Spring is here" in page


def test_a_schedule_in_the_past_is_refused(marketer, campaign, channel):
    response = marketer.post(f"/campaigns/{campaign.id}/programs/new",
                             form(schedule_kind="at", scheduled_at="2020-03-20T09:00"))
    page = text_of(response)
    assert response.status_code == 422 and "This time has already passed" in page
    assert 'value="2020-03-20T09:00"' in page and "Asia/Tehran" in page
    later = marketer.post(f"/campaigns/{campaign.id}/programs/new",
                          form(schedule_kind="at", scheduled_at="2031-03-20T09:00"))
    assert later.status_code == 302
    program = Program.get()
    assert program.scheduled_at.isoformat() == "2031-03-20T05:30:00"  # stored in UTC


def test_a_sending_window_needs_its_times_and_days(marketer, campaign, channel):
    response = marketer.post(f"/campaigns/{campaign.id}/programs/new",
                             form(schedule_kind="window", window_start="", window_end="18:00", window_days=[]))
    page = text_of(response)
    assert response.status_code == 422 and "Tick at least one weekday." in page
    window = form(schedule_kind="window", window_start="09:00", window_end="18:00", window_days=["5", "6"])
    saved = marketer.post(f"/campaigns/{campaign.id}/programs/new", window)
    assert saved.status_code == 302
    assert Program.get().window_days == "56"


def test_content_is_locked_once_sending_starts_but_the_name_is_not(marketer, client_as, program):
    Program.update(status="sending").where(Program.id == program.id).execute()
    assert marketer.get(f"/programs/{program.id}/edit").status_code == 403  # a launched program is a manager's
    marketer = client_as("manager")
    page = text_of(marketer.get(f"/programs/{program.id}/edit"))
    assert "Sending has started" in page and 'name="c..subject"' not in page
    assert 'name="throttle_per_minute"' in page and 'name="cost_per_unit"' in page
    stale = marketer.post(f"/programs/{program.id}/edit", form(name="Renamed", subject="Changed"))
    assert stale.status_code == 422 and "content, channel, audience and schedule are locked" in text_of(stale)
    assert Program.get_by_id(program.id).variants == CONTENT
    renamed = marketer.post(f"/programs/{program.id}/edit", {"name": "Renamed", "throttle_per_minute": "60",
                                                              "cost_per_unit": "0.1", "fixed_cost": ""})
    assert renamed.status_code == 302
    saved = Program.get_by_id(program.id)
    assert saved.name == "Renamed" and saved.throttle_per_minute == 60 and saved.variants == CONTENT


def test_variants_are_added_and_removed_without_losing_text(marketer, campaign, channel):
    url = f"/campaigns/{campaign.id}/programs/new"
    page = text_of(marketer.post(url, form(action="add_variant", new_variant="FA")))
    assert 'name="c.fa.subject"' in page and "Hello {{ contact.first_name }}" in page
    bad = text_of(marketer.post(url, form(action="add_variant", new_variant="<b>")))
    assert "Enter a language code" in bad
    removed = text_of(marketer.post(url, form(action="remove_variant:fa", variant=["", "fa"], **{"c.fa.subject": "x"})))
    assert 'name="c.fa.subject"' not in removed and 'name="c..subject"' in removed


def test_library_content_is_copied_into_the_composer(marketer, campaign, channel):
    item = ContentItem.create(name="Welcome", channel="fixture",
                              variants_json='{"": {"subject": "From the library", "body": "Library body"}}')
    url = f"/campaigns/{campaign.id}/programs/new"
    page = text_of(marketer.post(url, form(action="copy_content", content_item=str(item.id))))
    assert "Copied Welcome into the composer" in page and "From the library" in page
    assert marketer.post(url, form(content_item=str(item.id), subject="From the library")).status_code == 302
    assert Program.get().content_item_id == item.id


def test_the_audience_summary_counts_and_explains_skips(marketer, campaign, channel):
    reachable = make_contacts(2)
    refused = make_contacts(1, consent="unsubscribed", prefix="u")
    blank = Contact.create(first_name="No email", consent_email="subscribed")
    picked = ", ".join(str(c.id) for c in reachable + refused + [blank])
    page = text_of(marketer.post(f"/campaigns/{campaign.id}/programs/audience", form(contacts=picked)))
    assert '<p class="seg-big-number">2</p>' in page
    assert "No consent for this channel: <strong>1</strong>" in page and "No address for this channel" in page
    assert "10.10 EUR" in page  # 2 messages × 0.05 + 10 fixed
    wrong = text_of(marketer.post(f"/campaigns/{campaign.id}/programs/audience", form(contacts="12, abc")))
    assert "Correct the audience and costs" in wrong


def test_contacts_are_found_by_name_and_added(marketer, campaign, channel):
    sara = Contact.create(first_name="Sara", last_name="Karimi", email="sara@example.com")
    found = text_of(marketer.get("/programs/contacts/search?contact_q=sara"))
    assert "Sara Karimi" in found and f'value="add_contact:{sara.id}"' in found
    page = text_of(marketer.post(f"/campaigns/{campaign.id}/programs/new", form(action=f"add_contact:{sara.id}")))
    assert f'value="{sara.id}"' in page and f'value="remove_contact:{sara.id}"' in page


def test_senders_and_tracking_appear_only_for_channels_that_have_them(marketer, campaign, plugins):  # noqa: F811
    plugins.register(TrackedPlugin(), name="tracked_channel")
    page = text_of(marketer.get(f"/campaigns/{campaign.id}/programs/new"))
    assert 'name="provider"' in page and "sales@shop.example" in page and 'name="tracking"' in page
    assert 'class="mono" dir="ltr"' in page  # the HTML body gets a code-like text area


def test_without_a_channel_the_form_says_a_plugin_is_needed(marketer, campaign):
    page = text_of(marketer.get(f"/campaigns/{campaign.id}/programs/new"))
    assert "No channel is installed" in page and "channel plugin" in page and 'name="name"' not in page


def test_viewers_cannot_compose_preview_or_test(client_as, program):
    viewer = client_as("viewer")
    for url in (f"/campaigns/{program.campaign_id}/programs/new", f"/programs/{program.id}/edit",
                f"/programs/{program.id}/preview"):
        assert viewer.get(url).status_code == 403, url
    for url in (f"/programs/{program.id}/edit", "/compose/check", f"/programs/{program.id}/test-send"):
        assert viewer.post(url, form()).status_code == 403, url
    assert Program.get_by_id(program.id).name == "Spring"


def test_the_preview_renders_for_a_contact_and_with_the_persian_default(marketer, campaign, channel):
    named = Contact.create(first_name="Dariush", email="d@example.com", consent_email="subscribed")
    nameless = Contact.create(email="n@example.com", consent_email="subscribed")
    program = save_program({"name": "Greeting", "channel": "fixture", "variants": {"": {
        "subject": 'Hi {{ contact.first_name|default("مشتری گرامی") }}', "body": "Line one\n<b>two</b>"}},
        "audience": {"contacts": [named.id, nameless.id]}}, campaign=campaign)
    page = text_of(marketer.get(f"/programs/{program.id}/preview?contact={named.id}"))
    assert "<pre dir=\"auto\">Hi Dariush</pre>" in page and "&lt;b&gt;two&lt;/b&gt;" in page
    page = text_of(marketer.get(f"/programs/{program.id}/preview?contact={nameless.id}"))
    assert "Hi مشتری گرامی" in page
    assert "Hi مشتری گرامی" in text_of(marketer.get(f"/programs/{program.id}/preview"))  # a blank contact


def test_html_fields_are_previewed_in_a_sandboxed_frame(marketer, campaign, plugins):  # noqa: F811
    plugins.register(TrackedPlugin(), name="tracked_channel")
    contact = Contact.create(first_name="<Ali>", email="a@example.com")
    program = save_program({"name": "Mail", "channel": "tracked", "variants": {"": {
        "subject": "Hi", "html": '<p style="color: red">Dear {{ contact.first_name }}</p>'}},
        "audience": {"contacts": [contact.id]}}, campaign=campaign)
    page = text_of(marketer.get(f"/programs/{program.id}/preview?contact={contact.id}"))
    assert "<iframe sandbox src=" in page
    frame = marketer.get(f"/programs/{program.id}/preview/frame?field=html&contact={contact.id}")
    assert text_of(frame) == '<p style="color: red">Dear &lt;Ali&gt;</p>'  # contact values are escaped
    policy = frame.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "script-src" not in policy and "default-src 'none'" in policy
    assert marketer.get(f"/programs/{program.id}/preview/frame?field=subject").status_code == 404


def test_html_fields_are_previewed_at_desktop_and_mobile_widths(marketer, campaign, program, plugins):  # noqa: F811
    plugins.register(TrackedPlugin(), name="tracked_channel")
    mail = save_program({"name": "Mail", "channel": "tracked", "variants": {"": {"subject": "Hi", "html": "<p>Hello</p>"}},
                         "audience": {"contacts": []}}, campaign=campaign)
    page = text_of(marketer.get(f"/programs/{mail.id}/preview"))
    frame_url = f"/programs/{mail.id}/preview/frame?field=html"
    assert page.count(f'<iframe sandbox src="{frame_url}"') == 2
    assert 'class="preview-frame desktop"' in page and 'class="preview-frame mobile"' in page
    assert "<figcaption>Desktop</figcaption>" in page and "<figcaption>Mobile</figcaption>" in page
    assert "style=" not in page.split('class="preview-frames"')[1].split("</div>")[0]  # the CSP allows no inline style
    text_only = text_of(marketer.get(f"/programs/{program.id}/preview"))  # the fixture channel: subject and body
    assert "<iframe" not in text_only and "preview-frame" not in text_only


def test_a_template_error_is_shown_in_the_preview(marketer, program):
    Program.update(variants_json='{"": {"subject": "Hi", "body": "a\\n{{ 1 / 0 }}"}}').where(
        Program.id == program.id).execute()
    page = text_of(marketer.get(f"/programs/{program.id}/preview"))
    assert "The content cannot be rendered for this contact." in page and "Line 2:" in page


def test_a_test_send_goes_through_the_channel_and_is_audited(marketer, program):
    redis = get_redis()
    fixture_channel.reset(redis)
    contact = Contact.get(Contact.id == program.audience["contacts"][0])
    response = marketer.post(f"/programs/{program.id}/test-send", {"address": "Me@Example.com", "contact": contact.id})
    page = text_of(response)
    assert response.status_code == 200 and "The provider accepted the test message (its id: fx-0)" in page
    assert fixture_channel.accepted(redis) == {0: "fx-0"}
    assert [b.decode() for b in redis.lrange("fixture:bodies", 0, -1)] == [f"0|Hello {contact.first_name}"]
    entry = AuditLog.get(AuditLog.action == "program.test_sent")
    assert "me@example.com" in entry.details and entry.target == f"program #{program.id}"
    bad = marketer.post(f"/programs/{program.id}/test-send", {"address": "not an address"})
    assert bad.status_code == 422 and "Enter an email address" in text_of(bad)
    fixture_channel.behave(redis, raise_until=9e9)
    failed = text_of(marketer.post(f"/programs/{program.id}/test-send", {"address": "me@example.com"}))
    assert "The channel failed: ConnectionError: fixture provider unreachable" in failed
