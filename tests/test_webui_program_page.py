"""A program's page: buttons per status and role, the launch confirmation, lifecycle actions and the
live status card (tests/test_webui_program_messages.py and ..._message_timeline.py reuse the fixtures)."""
import re
from decimal import Decimal

import pytest
from fixture_plugin.testing import plugins  # noqa: F401

import fixture_channel
from chapar.campaigns import save_campaign
from chapar.models import Contact, Message, Program
from chapar.programs import save_program
from chapar.queue import get_redis
from chapar.sending import send_batch

BUTTONS = {"launch": "Launch…", "pause": ">Pause<", "resume": ">Resume<", "cancel": "Cancel…", "delete": "Delete…"}


def html(response):
    return response.get_data(as_text=True).replace("\u202f", " ")  # Babel's narrow space before AM


@pytest.fixture
def channel(plugins, app):  # noqa: F811
    plugins.register(fixture_channel, name="fixture_channel")
    fixture_channel.reset(get_redis())
    return fixture_channel


@pytest.fixture
def make_program(channel, users):
    """make_program(people=3, subscribed=True, **program fields) -> a ready Program of the fixture channel."""

    def make(people=3, subscribed=True, name="Spring sale", **fields):
        campaign = save_campaign({"name": "Nowruz 1404", "currency": "USD", "time_zone": "Asia/Tehran"},
                                 actor=users["manager"])
        contacts = [Contact.create(first_name=f"Person{i}", last_name="Test", email=f"p{i}@example.com",
                                   consent_email="subscribed" if subscribed else "unknown") for i in range(people)]
        data = {"name": name, "channel": "fixture",
                "variants": {"": {"subject": "Hello {{ contact.first_name }}", "body": "Line one\nLine two"}},
                "audience": {"contacts": [c.id for c in contacts]}, "cost_per_unit": "0.05", "fixed_cost": "2",
                **fields}
        return save_program(data, campaign=campaign, actor=users["manager"])

    return make


def send_all(program):
    """What a worker would do: send every queued message of the program, in-process."""
    ids = [m.id for m in Message.select(Message.id).where((Message.program == program) & (Message.status == "queued"))]
    send_batch(program.id, ids)
    return Program.get_by_id(program.id)


def launch_as(client, program):
    return client.post(f"/programs/{program.id}/launch")


def buttons(page):
    return {action for action, text in BUTTONS.items() if text in page}


def test_a_ready_program_shows_what_it_is_and_the_buttons_each_role_may_use(client_as, make_program):
    program = make_program()
    page = html(client_as("viewer").get(f"/programs/{program.id}"))
    for text in ("Spring sale", "Nowruz 1404", "Fixture channel", "Ready", "As soon as it is launched",
                 "Hello {{ contact.first_name }}", "Line one", "Contacts picked by hand",
                 "Only contacts who subscribed"):
        assert text in page, text
    assert buttons(page) == set()
    assert buttons(html(client_as("marketer").get(f"/programs/{program.id}"))) == set()
    assert buttons(html(client_as("manager").get(f"/programs/{program.id}"))) == {"launch", "delete"}
    assert client_as("viewer").get("/programs/999999").status_code == 404


def test_the_estimate_loads_after_the_page_and_without_javascript(client_as, make_program):
    program = make_program(people=4)
    viewer = client_as("viewer")
    page = html(viewer.get(f"/programs/{program.id}"))
    assert f'hx-get="/programs/{program.id}/estimate" hx-trigger="load"' in page
    card = html(viewer.get(f"/programs/{program.id}/estimate", headers={"HX-Request": "true"}))
    # 4 messages × $0.05 + $2 fixed
    assert "Would be sent" in card and ">4<" in card and "2.20 USD" in card
    plain = viewer.get(f"/programs/{program.id}/estimate")
    assert plain.status_code == 302 and plain.headers["Location"].endswith("estimate=1")
    assert "2.20 USD" in html(viewer.get(f"/programs/{program.id}?estimate=1"))


def test_launch_asks_first_with_the_audience_and_cost_then_sends(client_as, make_program, users):
    program = make_program(people=3)
    Contact.create(first_name="No", email="", consent_email="subscribed")  # not in the audience: no effect
    manager = client_as("manager")
    confirm = html(manager.get(f"/programs/{program.id}/launch"))
    assert "Launch: send to 3 contacts" in confirm and "2.15 USD" in confirm
    in_persian(users, "admin")
    assert "اجرا: ارسال به ۳ مخاطب" in html(client_as("admin").get(f"/programs/{program.id}/launch"))
    assert Message.select().count() == 0  # looking is not launching
    assert client_as("marketer").post(f"/programs/{program.id}/launch").status_code == 403
    response = launch_as(manager, program)
    assert response.status_code == 302
    page = html(manager.get(response.headers["Location"]))
    assert "Launched: 3 messages are being sent. 0 contacts were skipped." in page
    assert Program.get_by_id(program.id).status == "sending"
    assert Message.select().where(Message.status == "queued").count() == 3
    again = launch_as(manager, program)  # a second click launches nothing more
    assert again.status_code == 409 and "already been launched" in html(again)
    assert Message.select().count() == 3


def test_launching_an_empty_audience_says_why_and_queues_nothing(client_as, make_program):
    program = make_program(people=2, subscribed=False)
    manager = client_as("manager")
    confirm = html(manager.get(f"/programs/{program.id}/launch"))
    assert "No consent for this channel: 2" in confirm and "Launch: send to" not in confirm
    response = launch_as(manager, program)
    page = html(response)
    assert response.status_code == 409
    assert "Nobody in this audience can be sent to, so nothing was queued." in page
    assert "No consent for this channel: 2" in page
    assert Message.select().count() == 0 and Program.get_by_id(program.id).status == "ready"
    assert get_redis().llen("rq:queue:send-fixture") == 0


def test_a_draft_cannot_be_launched_and_the_page_says_what_is_missing(client_as, make_program):
    program = make_program()
    program = save_program({"audience": {"contacts": []}}, program=program)
    assert program.status == "draft"
    manager = client_as("manager")
    assert "needs content and an audience" in html(manager.get(f"/programs/{program.id}/launch"))
    assert buttons(html(manager.get(f"/programs/{program.id}"))) == {"delete"}


def test_pause_resume_and_cancel_work_for_their_roles_and_are_refused_when_not_allowed(client_as, make_program):
    program = make_program()
    manager, marketer = client_as("manager"), client_as("marketer")
    launch_as(manager, program)
    page = html(marketer.get(f"/programs/{program.id}"))
    assert buttons(page) == {"pause"}
    assert buttons(html(manager.get(f"/programs/{program.id}"))) == {"pause", "cancel"}
    marketer.post(f"/programs/{program.id}/pause")
    assert Program.get_by_id(program.id).status == "paused"
    assert "Paused: nothing more is sent" in html(manager.get(f"/programs/{program.id}"))
    assert buttons(html(manager.get(f"/programs/{program.id}"))) == {"resume", "cancel"}
    again = html(marketer.post(f"/programs/{program.id}/pause", follow_redirects=True))
    assert "Only a program that is sending can be paused." in again
    assert marketer.post(f"/programs/{program.id}/resume").status_code == 403
    manager.post(f"/programs/{program.id}/resume")
    assert Program.get_by_id(program.id).status == "sending"
    assert "Messages not yet sent are cancelled" in html(manager.get(f"/programs/{program.id}/cancel"))
    assert marketer.post(f"/programs/{program.id}/cancel").status_code == 403
    manager.post(f"/programs/{program.id}/cancel")
    assert Program.get_by_id(program.id).status == "cancelled"
    assert Message.select().where(Message.status == "cancelled").count() == 3
    refused = manager.post(f"/programs/{program.id}/cancel")
    assert refused.status_code == 409 and "Only a scheduled, sending or paused program" in html(refused)
    assert buttons(html(manager.get(f"/programs/{program.id}"))) == {"delete"}


def test_delete_is_refused_while_sending_and_works_once_final(client_as, make_program):
    program = make_program()
    manager = client_as("manager")
    launch_as(manager, program)
    busy = manager.post(f"/programs/{program.id}/delete")
    assert busy.status_code == 409 and "Cancel it first" in html(busy)
    assert Program.get_or_none(Program.id == program.id) is not None
    send_all(program)
    assert client_as("marketer").post(f"/programs/{program.id}/delete").status_code == 403
    assert manager.post(f"/programs/{program.id}/delete").status_code == 302
    assert Program.get_or_none(Program.id == program.id) is None


def card_figures(card):
    """{label: number} from the status card's figures."""
    return {label: int(value.replace(",", "")) for label, value in
            re.findall(r'<dt><a href="[^"]+">([^<]+)</a></dt><dd>([\d,]+)</dd>', card)}


def test_the_status_card_polls_while_sending_and_stops_with_the_final_figures(client_as, make_program, channel):
    program = make_program(people=5)
    Contact.update(consent_email="unsubscribed").where(Contact.first_name == "Person4").execute()
    manager = client_as("manager")
    launch_as(manager, program)
    card = html(manager.get(f"/programs/{program.id}/progress"))
    assert 'hx-trigger="every 2s"' in card
    assert card_figures(card) == {"Skipped": 1, "Queued": 4}
    assert "1 of 5 messages done" in card and "No consent for this channel" in card
    fixture_channel.fail_permanently(get_redis(), "p0@example.com")
    assert send_all(program).status == "sent"
    card = html(manager.get(f"/programs/{program.id}/progress"))
    assert "hx-trigger" not in card  # final: the card stops polling
    assert card_figures(card) == {"Skipped": 1, "Sent": 3, "Failed": 1}
    assert "5 of 5 messages done" in card and "Actual cost" in card
    # 3 sent × $0.05 + $2 fixed; the estimate was made for the 4 queued
    assert "2.15 USD" in card and "2.20 USD" in card and "(3 units of message)" in card
    assert buttons(card) == {"delete"}


def test_a_scheduled_program_shows_its_time_in_the_campaigns_zone(client_as, make_program):
    program = make_program(schedule_kind="at", scheduled_at="2099-03-21T09:30")
    assert program.scheduled_at.hour == 6  # stored in UTC: Tehran is UTC+3:30
    manager = client_as("manager")
    confirm = html(manager.get(f"/programs/{program.id}/launch"))
    assert "sending starts at Mar 21, 2099, 9:30:00 AM (Asia/Tehran)" in confirm
    response = launch_as(manager, program)
    assert "will start sending at" in html(manager.get(response.headers["Location"]))
    card = html(manager.get(f"/programs/{program.id}/progress"))
    assert "Scheduled" in card and 'hx-trigger="every 2s"' in card and "9:30:00 AM (Asia/Tehran)" in card
    assert buttons(card) == {"cancel"} and Decimal(Program.get_by_id(program.id).estimated_cost) == Decimal("2.15")


def test_the_program_page_and_messages_in_persian(client_as, make_program, users):
    program = make_program(people=12)
    users["manager"].locale = "fa"
    users["manager"].save()
    manager = client_as("manager")
    launch_as(manager, program)
    page = html(manager.get(f"/programs/{program.id}"))
    assert 'dir="rtl"' in page and "Spring sale" in page
    assert "۰ از ۱۲ پیام انجام شد" in page and "توقف" in page and "لغو…" in page
    assert "(۰ واحد پیام)" in page and "هزینهٔ هر پیام" in page  # the channel's unit, "message", translated
    messages = html(manager.get(f"/programs/{program.id}/messages"))
    assert "گیرنده" in messages and "۱۲" in messages and "Person0 Test" in messages


def in_persian(users, role):
    users[role].locale = "fa"
    users[role].save()


def card_of(client, program):
    return html(client.get(f"/programs/{program.id}/progress"))


def test_a_paused_programs_error_reads_in_the_readers_language(client_as, make_program, users):
    program = make_program()
    manager = client_as("manager")
    launch_as(manager, program)
    # What the send job stores when the channel's plugin is gone (core/sending/batch.py): English, kept as it is.
    Program.update(status="paused", error="the fixture channel is not installed").where(
        Program.id == program.id).execute()
    in_persian(users, "viewer")
    assert 'کانال <bdi dir="auto">fixture</bdi> نصب نیست' in card_of(client_as("viewer"), program)
    assert 'The <bdi dir="auto">fixture</bdi> channel is not installed' in card_of(manager, program)
    assert Program.get_by_id(program.id).error == "the fixture channel is not installed"


def test_a_launch_error_keeps_its_detail_and_an_unknown_error_shows_as_it_is(client_as, make_program, users):
    program = make_program()
    in_persian(users, "manager")
    manager = client_as("manager")
    launch_as(manager, program)
    Program.update(error="the launch could not be completed: database is locked <main>").where(
        Program.id == program.id).execute()
    card = card_of(manager, program)
    assert 'اجرای برنامه کامل نشد: <bdi dir="auto">database is locked &lt;main&gt;</bdi>' in card
    # A detail that is itself another known error stays the detail of the launch error.
    Program.update(error="the launch could not be completed: the sms channel is not installed").where(
        Program.id == program.id).execute()
    card = card_of(manager, program)
    assert 'اجرای برنامه کامل نشد: <bdi dir="auto">the sms channel is not installed</bdi>' in card
    Program.update(error="the gateway said <b>no</b>").where(Program.id == program.id).execute()
    card = card_of(manager, program)
    assert "the gateway said &lt;b&gt;no&lt;/b&gt;" in card and "<b>no</b>" not in card


def test_the_card_says_while_the_launch_is_still_writing_the_audience(client_as, make_program, users):
    program = make_program(people=5)
    manager = client_as("manager")
    launch_as(manager, program)
    # As if the launch were still writing chunks: the 5 messages so far are not all there is yet.
    Program.update(launching=True).where(Program.id == program.id).execute()
    card = card_of(manager, program)
    assert "Preparing the audience… 5 messages so far" in card and 'hx-trigger="every 2s"' in card
    in_persian(users, "viewer")
    assert "در حال آماده‌سازی مخاطبان… تاکنون ۵ پیام" in card_of(client_as("viewer"), program)
    # A launch cut short after a cancel keeps its flag until the reconciler completes it: the card
    # waits for that, without saying the audience is still being prepared for a cancelled program.
    Program.update(status="cancelled").where(Program.id == program.id).execute()
    card = card_of(manager, program)
    assert 'hx-trigger="every 2s"' in card and "Preparing the audience" not in card
    Program.update(status="sending", launching=False).where(Program.id == program.id).execute()
    assert send_all(program).status == "sent"
    card = card_of(manager, program)
    assert "Preparing the audience" not in card and "hx-trigger" not in card
