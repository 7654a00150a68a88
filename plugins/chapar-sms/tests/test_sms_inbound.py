"""Received SMS, whatever gateway brought them: matched to the contact and to the program that last
texted the number, keywords acted on with a consent record, and listed with the program."""
import datetime

import pytest
from chapar import Contact, InboundMessage, Message, utcnow
from chapar.channels import save_channel_settings
from chapar.models import ConsentRecord
from sms_support import add_mobiles, e164, make_gateway, sms_app, sms_plugin, sms_program, sms_settings  # noqa: F401


@pytest.fixture
def quiet(sms_app):
    """Keyword replies switched off: these tests are about matching and consent, not the gateway."""
    assert save_channel_settings("sms", sms_settings(opt_out_reply="", opt_in_reply="", help_reply="",
                                                     reply_window_days="3")) == {}
    return make_gateway("http", {"url": "http://127.0.0.1:9/unused"})


def sent_message(users, gateway, contact_id, number, days_ago=0):
    program = sms_program(users, gateway, [contact_id])
    when = utcnow() - datetime.timedelta(days=days_ago)
    return Message.create(program=program, contact=contact_id, address=number, status="sent", sent_at=when,
                          queued_at=when)


def consent(contact_id):
    return Contact.get_by_id(contact_id).consent_sms


def test_a_reply_is_linked_to_the_contact_and_the_program_that_texted_them_last(quiet, users):
    from chapar_sms.inbound import received

    person = add_mobiles(1)[0]
    older = sent_message(users, quiet, person, e164(0), days_ago=2)
    newer = sent_message(users, quiet, person, e164(0), days_ago=1)
    inbound = received(quiet, "۰۹۱۲۰۰۰۰۰۰۰", "Yes, I want one")  # Persian digits, national form
    assert (inbound.contact_id, inbound.program_id, inbound.message_id) == (person, newer.program_id, newer.id)
    assert inbound.sender == e164(0) and inbound.action == ""
    assert older.program_id != newer.program_id


def test_after_the_window_a_reply_still_finds_the_contact_but_no_program(quiet, users):
    from chapar_sms.inbound import received

    person = add_mobiles(1)[0]
    sent_message(users, quiet, person, e164(0), days_ago=5)  # the window is 3 days
    inbound = received(quiet, "+989120000000", "hello?")
    assert inbound.contact_id == person and inbound.program_id is None


@pytest.mark.parametrize("word", ["STOP", " stop! ", "لغو", "لغو.", "توقف", "UNSUBSCRIBE"])
def test_an_opt_out_keyword_unsubscribes_with_a_consent_record(quiet, users, word):
    from chapar_sms.inbound import received

    person = add_mobiles(1)[0]
    inbound = received(quiet, "09120000000", word)
    assert consent(person) == "unsubscribed" and inbound.action == "unsubscribed"
    record = ConsentRecord.get(ConsentRecord.contact == person)
    assert (record.channel, record.status, record.method) == ("sms", "unsubscribed", "keyword")


def test_stop_from_a_number_that_complained_keeps_the_complaint(quiet, users):
    from chapar_sms.inbound import received

    person = add_mobiles(1, consent="complained")[0]
    assert received(quiet, "09120000000", "STOP").action == "unsubscribed"
    assert consent(person) == "complained" and ConsentRecord.select().count() == 0


def test_a_sentence_containing_stop_is_a_reply_not_an_opt_out(quiet, users):
    from chapar_sms.inbound import received

    person = add_mobiles(1)[0]
    inbound = received(quiet, "09120000000", "please don't stop the offers")
    assert consent(person) == "subscribed" and inbound.action == ""


def test_start_subscribes_again_and_an_unknown_number_that_opts_out_is_remembered(quiet, users):
    from chapar_sms.inbound import received

    person = add_mobiles(1, consent="unsubscribed")[0]
    assert received(quiet, "09120000000", "START").action == "subscribed"
    assert consent(person) == "subscribed"
    stranger = received(quiet, "+98 935 111 2233", "STOP")
    created = Contact.get_by_id(stranger.contact_id)
    assert created.mobile == "+989351112233" and created.consent_sms == "unsubscribed"
    assert InboundMessage.select().count() == 2
