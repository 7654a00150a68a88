"""Polling a real IMAP mailbox (dovecot, IMAPS on a free port) for bounces, complaints and
replies: the RQ job marks messages and addresses, turns replies into inbound messages, acts on
unsubscribe requests sent to the List-Unsubscribe mailto address, moves
what it handled to the processed folder and leaves the rest — nothing is ever deleted."""
import base64
import json

import pytest
from corpus_support import SENDER, render
from dovecot_support import imap_server  # noqa: F401
from email_support import email_app, email_plugin  # noqa: F401
from sending_support import add_contacts, fixture_channel_on, make_program, run_worker  # noqa: F401

from chapar import enqueue
from chapar.models import ConsentRecord, Contact, EventRecord, InboundMessage, Message
from chapar.programs import launch

PROCESSED = "Chapar/Processed"
IMAP_FIELDS = ("imap_host", "imap_port", "imap_username", "imap_password", "imap_folder", "processed_folder")


@pytest.fixture
def mailbox(email_app, imap_server, monkeypatch):  # noqa: F811
    """A sender identity whose IMAP settings point at the test's dovecot; yields the server."""
    from chapar_email.identities import SenderIdentity

    missing = [f for f in IMAP_FIELDS if f not in SenderIdentity._meta.fields]
    assert not missing, f"SenderIdentity needs the IMAP fields {missing} (and a migration adding them)"
    from chapar_email import core_access

    assert not core_access.missing(), f"chapar must export {core_access.missing()} for bounces and complaints"
    monkeypatch.setenv("SSL_CERT_FILE", imap_server.cafile)  # trust the test's self-signed certificate
    identity = SenderIdentity.create(
        name="Shop", host="smtp.invalid", from_address=SENDER, imap_host=imap_server.host,
        imap_port=imap_server.port, imap_username=imap_server.username, imap_password=imap_server.password,
        imap_folder="INBOX", processed_folder=PROCESSED)
    imap_server.identity = identity
    return imap_server


def sent_messages(app, make_program, count, start=0):
    """`count` contacts sent one message each through the fixture channel; returns the Messages."""
    program = make_program(contacts=add_contacts(count, start=start))
    launch(program)
    run_worker(app)
    messages = list(Message.select().where(Message.program == program).order_by(Message.id))
    assert [m.status for m in messages] == ["sent"] * count
    return messages


def poll(app, server):
    from chapar_email.inbox import poll_identity

    enqueue(poll_identity, server.identity.id, reschedule=False)  # a manual poll
    run_worker(app)


def consent(message):
    return Contact.get_by_id(message.contact_id).consent_email


def status(message):
    return Message.get_by_id(message.id).status


def test_bounces_complaints_and_replies_are_recorded_and_filed(email_app, make_program, mailbox):
    m = sent_messages(email_app, make_program, 6)
    mails = {
        "postfix_hard": render("postfix_hard", m[0].id, m[0].address),
        "outlook_hard": render("outlook_hard", m[1].id, m[1].address),  # found by Message-ID only
        "arf_complaint": render("arf_complaint", m[2].id, m[2].address),
        "reply": render("reply", m[3].id, m[3].address),
        "reply_token": render("reply_token", m[4].id, m[4].address),
        "auto_reply": render("auto_reply", m[5].id, m[5].address),
        "postfix_delayed": render("postfix_delayed", m[5].id, m[5].address),
        "stranger": render("stranger", 1),
        "unknown_bounce": render("exim_hard", 999_999, "nobody@customer.example"),
    }
    for raw in mails.values():
        mailbox.append(raw)

    poll(email_app, mailbox)

    assert [status(x) for x in m] == ["bounced", "bounced", "sent", "sent", "sent", "sent"]
    assert [consent(x) for x in m] == ["bounced", "bounced", "complained", "subscribed", "subscribed", "subscribed"]
    record = ConsentRecord.get((ConsentRecord.contact == m[0].contact_id) & (ConsentRecord.status == "bounced"))
    assert record.method == "bounce" and "5.1.1" in record.detail
    assert "User unknown" in Message.get_by_id(m[0].id).error or "5.1.1" in Message.get_by_id(m[0].id).error
    bounce_event = EventRecord.get((EventRecord.message == m[0].id) & (EventRecord.name == "bounced"))
    assert json.loads(bounce_event.properties_json)["hard"] is True
    assert EventRecord.get_or_none((EventRecord.message == m[2].id) & (EventRecord.name == "complained"))
    assert EventRecord.get_or_none((EventRecord.message == m[5].id) & (EventRecord.name == "deferred"))

    inbound = {i.message_id: i for i in InboundMessage.select()}
    assert set(inbound) == {m[3].id, m[4].id}  # the out-of-office answer is no reply
    reply = inbound[m[3].id]
    assert (reply.channel, reply.program_id, reply.contact_id, reply.sender) == (
        "email", m[3].program_id, m[3].contact_id, m[3].address)
    assert reply.body == "Hello, do you still have the blue one in size 42?" and reply.subject == "Re: Spring sale"
    assert EventRecord.get_or_none((EventRecord.message == m[3].id) & (EventRecord.name == "replied"))

    # Filed, not deleted: what was handled is in the processed folder, the rest stays put.
    processed = [raw for _flags, raw in mailbox.messages(PROCESSED)]
    left = mailbox.messages("INBOX")
    assert len(processed) == 7 and len(left) == 2
    assert sorted(processed + [raw for _f, raw in left]) == sorted(mails.values())
    assert {raw for _f, raw in left} == {mails["stranger"], mails["unknown_bounce"]}
    assert all("ChaparSkipped" in flags and "\\Seen" not in flags for flags, _raw in left)

    # Polling again changes nothing: each mail is handled once.
    events, replies = EventRecord.select().count(), InboundMessage.select().count()
    poll(email_app, mailbox)
    assert (EventRecord.select().count(), InboundMessage.select().count()) == (events, replies)
    assert len(mailbox.messages(PROCESSED)) == 7 and len(mailbox.messages("INBOX")) == 2


def forged_token(genuine, message_id, contact_id):
    """What the holder of one genuine token could try: another message and contact's numbers
    under the MAC of their own token."""
    from chapar_email.tokens import sign

    def raw(token):
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))

    payload = raw(sign("unsubscribe", message_id, contact_id))[:-16]
    return base64.urlsafe_b64encode(payload + raw(genuine)[-16:]).rstrip(b"=").decode()


def test_mail_to_the_list_unsubscribe_address_unsubscribes_and_a_forged_token_changes_nothing(
        email_app, make_program, mailbox):
    from chapar_email.tokens import sign

    m = sent_messages(email_app, make_program, 2)
    genuine = render("unsubscribe_mailto", m[0].id, m[0].address, contact_id=m[0].contact_id)
    # m[0]'s recipient aims their own token's signature at m[1]'s contact.
    token = forged_token(sign("unsubscribe", m[0].id, m[0].contact_id), m[1].id, m[1].contact_id)
    forged = render("unsubscribe_mailto", m[1].id, m[0].address, unsubscribe=f"unsubscribe+{token}@shop.example")
    mailbox.append(genuine)
    mailbox.append(forged)

    poll(email_app, mailbox)

    assert [consent(x) for x in m] == ["unsubscribed", "subscribed"]
    record = ConsentRecord.get((ConsentRecord.contact == m[0].contact_id) & (ConsentRecord.status == "unsubscribed"))
    assert record.method == "unsubscribe_link" and "via mailto" in record.detail and f"message {m[0].id}" in record.detail
    assert EventRecord.get_or_none((EventRecord.message == m[0].id) & (EventRecord.name == "unsubscribed"))
    assert not ConsentRecord.select().where((ConsentRecord.contact == m[1].contact_id)
                                            & (ConsentRecord.method == "unsubscribe_link")).exists()
    assert not EventRecord.select().where(EventRecord.name == "unsubscribed", EventRecord.message == m[1].id).exists()
    assert InboundMessage.select().count() == 0  # an unsubscribe request is no reply
    # The request is filed; the forgery stays in the inbox, flagged, for a person to look at.
    assert [raw for _f, raw in mailbox.messages(PROCESSED)] == [genuine]
    [(flags, left)] = mailbox.messages("INBOX")
    assert left == forged and "ChaparSkipped" in flags

    # The same request again (a second click in the mail program): filed, nothing new recorded.
    records = ConsentRecord.select().count()
    mailbox.append(render("unsubscribe_mailto", m[0].id, m[0].address, contact_id=m[0].contact_id).replace(
        b"unsubscribe-0001@", b"unsubscribe-0002@"))
    poll(email_app, mailbox)
    assert ConsentRecord.select().count() == records and len(mailbox.messages(PROCESSED)) == 2


def test_soft_bounces_mark_the_address_only_after_the_limit(email_app, make_program, mailbox, monkeypatch):
    monkeypatch.setenv("CHAPAR_EMAIL_SOFT_BOUNCE_LIMIT", "3")
    messages = []
    for _ in range(3):  # the same contact in three programs (one message per program and contact)
        program = make_program(contacts=add_contacts(1) if not messages else [messages[0].contact_id])
        launch(program)
        run_worker(email_app)
        messages.append(Message.get(Message.program == program))
    for message in messages[:2]:
        mailbox.append(render("postfix_soft", message.id, message.address))
    poll(email_app, mailbox)
    assert [status(x) for x in messages] == ["bounced", "bounced", "sent"]
    assert consent(messages[0]) == "subscribed"  # two mailbox-full bounces: not yet
    mailbox.append(render("postfix_soft", messages[2].id, messages[2].address))
    poll(email_app, mailbox)
    assert consent(messages[0]) == "bounced"
    assert len(mailbox.messages(PROCESSED)) == 3


def test_a_quoted_message_id_for_another_address_is_not_believed(email_app, make_program, mailbox):
    """Unsigned Message-IDs (anyone can write one): a bounce quoting ours for someone else's address marks nothing."""
    message = sent_messages(email_app, make_program, 1)[0]
    mailbox.append(render("outlook_hard", message.id, "somebody.else@customer.example", signed=False))
    poll(email_app, mailbox)
    assert status(message) == "sent" and consent(message) == "subscribed"
    assert len(mailbox.messages("INBOX")) == 1 and mailbox.messages(PROCESSED) == []


def test_servers_without_move_get_copy_and_expunge(email_app, make_program, mailbox, monkeypatch):
    """Without IMAP MOVE the mail is copied first and only then deleted from the inbox."""
    from chapar_email import inbox

    monkeypatch.setattr(inbox, "_capabilities", lambda conn: [b"IMAP4REV1"])
    message = sent_messages(email_app, make_program, 1)[0]
    raw = render("qmail_hard", message.id, message.address)
    mailbox.append(raw)
    poll(email_app, mailbox)
    assert status(message) == "bounced" and consent(message) == "bounced"
    assert [r for _f, r in mailbox.messages(PROCESSED)] == [raw] and mailbox.messages("INBOX") == []


def test_polls_reschedule_themselves_and_a_newer_chain_ends_the_older(email_app, mailbox):
    """schedule_polls at every start never multiplies the polls of one mailbox."""
    from rq.registry import ScheduledJobRegistry

    from chapar import get_queue
    from chapar_email.inbox import schedule_polls

    scheduled = ScheduledJobRegistry(queue=get_queue())
    [older] = schedule_polls()
    [newer] = schedule_polls()  # a second process starting up
    assert older.perform() == {"superseded": 1}  # ends without polling or scheduling
    assert newer.perform() == {}  # polled the (empty) inbox...
    successors = set(scheduled.get_job_ids()) - {older.id, newer.id}
    assert len(successors) == 1  # ...and queued exactly one next poll


def test_the_periodic_hook_starts_polling_a_mailbox_once_and_again_after_redis_lost_it(email_app, mailbox):
    from chapar import get_redis
    from chapar_email.inbox import ensure_polling

    assert ensure_polling() == 1  # a new identity with a mailbox: its first poll is queued
    assert ensure_polling() == 0  # its chain is alive: nothing more
    get_redis().flushall()  # Redis restarted without persistence
    assert ensure_polling() == 1
