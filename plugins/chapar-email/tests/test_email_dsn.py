"""Classifying the corpus: which mails are bounces, hard or soft, for which message and address;
which are complaints; which are replies and which are robots answering."""
import email
from email import policy

import pytest
from corpus_support import render
from flask import Flask

from chapar_email import arf, dsn, replies, verp

RCPT = "reza@customer.example"


@pytest.fixture(autouse=True)
def app_context():
    app = Flask(__name__)
    app.secret_key = "a test secret key"
    with app.app_context():
        yield


def parsed(name, message_id=41, signed=True):
    return email.message_from_bytes(render(name, message_id, RCPT, signed=signed), policy=policy.compat32)


@pytest.mark.parametrize("name, hard, status, by_return_path", [
    ("postfix_hard", True, "5.1.1", True),
    ("gmail_hard", True, "5.1.1", True),
    ("outlook_hard", True, "5.1.10", False),  # Exchange sends to the From address: Message-ID only
    ("exim_hard", True, "", True),  # "550 No such user here": a basic code, no enhanced one
    ("qmail_hard", True, "5.1.1", True),
    ("postfix_soft", False, "4.2.2", True),
])
def test_failed_deliveries_are_bounces_of_our_message(name, hard, status, by_return_path):
    bounce = dsn.parse_bounce(parsed(name))
    assert bounce is not None, f"{name} was not recognised as a bounce"
    assert (bounce.action, bounce.hard, bounce.status) == ("failed", hard, status)
    assert bounce.recipient == RCPT
    assert bounce.verp_id == (41 if by_return_path else None)
    assert bounce.signed_ids == [41] and bounce.header_ids == []  # every shape quotes the original Message-ID too
    assert bounce.reason  # the server's words, for the message's error


def test_a_delay_warning_is_not_a_failure():
    bounce = dsn.parse_bounce(parsed("postfix_delayed"))
    assert (bounce.action, bounce.hard, bounce.status, bounce.verp_id) == ("delayed", False, "4.4.1", 41)


def test_an_abuse_report_is_a_complaint_about_our_message():
    complaint = arf.parse_complaint(parsed("arf_complaint"))
    assert (complaint.feedback_type, complaint.recipient, complaint.verp_id) == ("abuse", RCPT, 41)
    assert (complaint.signed_ids, complaint.header_ids) == ([41], [])
    assert dsn.parse_bounce(parsed("postfix_hard")) is not None and arf.parse_complaint(parsed("postfix_hard")) is None


@pytest.mark.parametrize("name", ["reply", "reply_token", "auto_reply", "stranger"])
def test_people_and_robots_writing_are_not_bounces_or_complaints(name):
    msg = parsed(name)
    assert dsn.parse_bounce(msg) is None and arf.parse_complaint(msg) is None


def test_a_reply_names_our_message_and_keeps_only_the_new_text():
    reply = replies.parse_reply(parsed("reply"))
    assert (reply.message_id, reply.sender, reply.subject) == (41, RCPT, "Re: Spring sale")
    assert reply.body == "Hello, do you still have the blue one in size 42?"
    assert reply.provider_id == "<CAF1234reply5678@mail.customer.example>"
    assert not replies.is_auto_reply(parsed("reply"))


def test_a_reply_to_the_reply_token_address_names_our_message():
    assert replies.parse_reply(parsed("reply_token", 77)).message_id == 77


def test_out_of_office_is_an_automatic_reply():
    msg = parsed("auto_reply")
    assert replies.is_auto_reply(msg) and replies.replied_message_id(msg) == 41


def test_a_reply_quoting_an_unsigned_message_id_proves_nothing_by_itself():
    reply = replies.parse_reply(parsed("reply", signed=False))
    assert reply.message_id is None and reply.unsigned_ids == [41]  # handling.py checks the sender


def test_mail_from_a_stranger_names_no_message():
    assert replies.parse_reply(parsed("stranger")).message_id is None


def test_forged_return_paths_and_tokens_match_nothing():
    good = verp.return_path(41, "shop.example")
    assert verp.tagged_message_id(good) == 41
    number, mac = good.split("@")[0].removeprefix("bounces+").split("-")
    flipped = f"bounces+{number}-{mac[:-1]}{'0' if mac[-1] != '0' else '1'}@shop.example"
    other = f"bounces+42-{mac}@shop.example"  # the MAC of 41 on another id
    assert verp.tagged_message_id(flipped) is None and verp.tagged_message_id(other) is None
    # A bounce token is not a reply token and the other way round.
    assert verp.tagged_message_id(verp.reply_address(41, "shop.example"), kinds=("bounces",)) is None
    raw = render("postfix_hard", 41, RCPT, signed=False).replace(good.encode(), flipped.encode())
    bounce = dsn.parse_bounce(email.message_from_bytes(raw, policy=policy.compat32))
    assert bounce.verp_id is None and bounce.signed_ids == [] and bounce.header_ids == [41]  # to the recipient check


@pytest.mark.parametrize("name", ["postfix_hard", "gmail_hard", "outlook_hard", "exim_hard", "qmail_hard",
                                  "arf_complaint"])
def test_quoted_message_ids_are_told_apart_signed_unsigned_and_forged(name):
    """Mail sent before Message-IDs were signed quotes the unsigned form: reported apart, never as
    signed; a signed form with another id's MAC (or a damaged one) is in neither list."""
    old = dsn.quoted_message_ids(parsed(name, signed=False))
    assert (old.signed, old.unsigned) == ([], [41])
    mac = verp.message_id_local(41).rpartition(".")[2]
    for forged in (f"chapar-42.{mac}", "chapar-41.0000000000", f"chapar-41.{mac[:-1]}"):
        raw = render(name, 41, RCPT).replace(verp.message_id_local(41).encode(), forged.encode())
        quoted = dsn.quoted_message_ids(email.message_from_bytes(raw, policy=policy.compat32))
        assert (quoted.signed, quoted.unsigned) == ([], []), forged


@pytest.mark.parametrize("status, text, hard", [
    ("5.1.1", "", True),
    ("4.4.7", "", False),
    ("5.2.2", "mailbox full", False),  # full mailboxes empty again
    ("5.7.1", "message rejected as spam", False),  # refused for our reputation, not a dead address
    ("", "550 user unknown", True),
    ("", "452 too many connections", False),
    ("", "The recipient's mailbox is full", False),
    ("", "Recipient address rejected: no such user", True),
])
def test_hard_and_soft(status, text, hard):
    assert dsn.is_hard(status, text) is hard
