"""Mail anyone can send to a polled mailbox, attacked as an outsider would: forged return paths,
bounces and unsubscribe addresses, mail nested thousands deep, oversized and malformed mail. Nothing
may change anyone's consent, and no mail may stop the poll from handling the mail behind it."""
import re

import pytest
from chapar.models import ConsentRecord, Contact, EventRecord, InboundMessage, Message
from chapar_email import verp
from chapar_email.tokens import sign
from corpus_support import DOMAIN, SENDER, render
from dovecot_support import imap_server  # noqa: F401 - fixtures
from email_support import email_app, email_plugin  # noqa: F401 - fixtures
from sending_support import fixture_channel_on, make_program  # noqa: F401 - fixtures
from test_email_inbox import PROCESSED, mailbox, poll, sent_messages  # noqa: F401 - fixtures


def nested_mail(depth):
    """A mail whose multiparts nest `depth` deep (a few bytes per level)."""
    head = b"From: someone@elsewhere.example\r\nTo: " + SENDER.encode() + b"\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (n, n) for n in range(depth))
    closing = b"".join(b"\r\n--b%d--\r\n" % n for n in reversed(range(depth)))
    return head + opening + b"Content-Type: text/plain\r\n\r\nhello" + closing


def forged_bounce(message_id, recipient=None, local=None):
    """A DSN as anyone could write it: no signed return path, our (unsigned) Message-ID quoted."""
    local = local or f"chapar-{message_id}"
    final = f"Final-Recipient: rfc822; {recipient}\r\n" if recipient else ""
    return (f"From: MAILER-DAEMON@attacker.example\r\nTo: {SENDER}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"f\"\r\n\r\n"
            "--f\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
            "--f\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; attacker.example\r\n\r\n"
            f"{final}Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
            f"--f\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{local}@{DOMAIN}>\r\n"
            "Subject: Spring sale\r\n--f--\r\n").encode()


def test_a_mail_nested_thousands_deep_is_skipped_and_the_mail_behind_it_handled(email_app, make_program,
                                                                                mailbox):  # noqa: F811
    message = sent_messages(email_app, make_program, 1)[0]
    bomb = nested_mail(5000)  # about 250 KB: small, but deeper than Python's parser can recurse
    mailbox.append(bomb)
    mailbox.append(render("postfix_hard", message.id, message.address))
    poll(email_app, mailbox)
    assert Message.get_by_id(message.id).status == "bounced"
    [(flags, left)] = mailbox.messages("INBOX")
    assert left == bomb and "ChaparSkipped" in flags  # left for a person, not read again
    assert len(mailbox.messages(PROCESSED)) == 1


def test_an_oversized_mail_is_skipped_and_the_mail_behind_it_handled(email_app, make_program, mailbox,  # noqa: F811
                                                                     monkeypatch):
    from chapar_email import inbox

    monkeypatch.setattr(inbox, "MAX_MAIL_BYTES", 20_000)  # the worker runs in this process
    message = sent_messages(email_app, make_program, 1)[0]
    big = render("stranger", 1).replace(b"Hello,", b"Hello, " + b"spam " * 10_000)
    mailbox.append(big)
    mailbox.append(render("postfix_hard", message.id, message.address))
    poll(email_app, mailbox)
    assert Message.get_by_id(message.id).status == "bounced"
    [(flags, left)] = mailbox.messages("INBOX")
    assert left == big and "ChaparSkipped" in flags


def test_forged_return_paths_and_unsubscribe_addresses_change_nothing(email_app, make_program, mailbox):  # noqa: F811
    m = sent_messages(email_app, make_program, 2)
    victim = m[1]
    # A forger knows the id but cannot sign it: the Message-IDs quoted are the unsigned form.
    guessed_verp = render("postfix_hard", victim.id, victim.address, signed=False).replace(
        verp.return_path(victim.id, DOMAIN).encode(), f"bounces+{victim.id}-0123456789@{DOMAIN}".encode())
    # A reply token (signed for "reply") used as a return path: another kind, refused.
    reply_as_verp = render("postfix_hard", victim.id, victim.address, signed=False).replace(
        verp.return_path(victim.id, DOMAIN).encode(), verp.reply_address(victim.id, DOMAIN).encode())
    token = sign("unsubscribe", victim.id, victim.contact_id)
    lowered = render("unsubscribe_mailto", victim.id, victim.address,
                     unsubscribe=f"unsubscribe+{token.lower()}@{DOMAIN}")
    cc_only = render("stranger", victim.id).replace(
        b"Subject:", f"Cc: unsubscribe+{token}@{DOMAIN}\r\nSubject:".encode())
    for raw in (guessed_verp, reply_as_verp, lowered, cc_only):
        # The guessed ones still quote our Message-ID, but for another address than the victim's.
        mailbox.append(raw.replace(victim.address.encode(), b"someone.else@customer.example"))
    poll(email_app, mailbox)
    assert [Contact.get_by_id(x.contact_id).consent_email for x in m] == ["subscribed", "subscribed"]
    assert [Message.get_by_id(x.id).status for x in m] == ["sent", "sent"]
    assert mailbox.messages(PROCESSED) == [] and len(mailbox.messages("INBOX")) == 4


def test_a_forged_bounce_naming_no_recipient_bounces_nobody(email_app, make_program, mailbox):  # noqa: F811
    m = sent_messages(email_app, make_program, 3)
    for message in m:  # a range of guessed sequential ids, as an attacker would send them
        mailbox.append(forged_bounce(message.id))
    poll(email_app, mailbox)
    assert [Contact.get_by_id(x.contact_id).consent_email for x in m] == ["subscribed"] * 3
    assert [Message.get_by_id(x.id).status for x in m] == ["sent"] * 3
    assert mailbox.messages(PROCESSED) == [] and len(mailbox.messages("INBOX")) == 3  # left for a person


def test_a_bounce_quoting_our_signed_message_id_needs_no_recipient(email_app, make_program, mailbox):  # noqa: F811
    m = sent_messages(email_app, make_program, 2)
    mailbox.append(forged_bounce(m[0].id, local=verp.message_id_local(m[0].id)))
    mac = verp.message_id_local(m[0].id).rpartition(".")[2]
    mailbox.append(forged_bounce(m[1].id, local=f"chapar-{m[1].id}.{mac}"))  # another message's MAC
    poll(email_app, mailbox)
    assert [Contact.get_by_id(x.contact_id).consent_email for x in m] == ["bounced", "subscribed"]
    assert [Message.get_by_id(x.id).status for x in m] == ["bounced", "sent"]


def unsigned(name, message, recipient):
    """Corpus mail `name` about `message` quoting its unsigned Message-ID, without our return path."""
    return render(name, message.id, recipient, signed=False).replace(
        verp.return_path(message.id, DOMAIN).encode(), SENDER.encode())


def test_forged_complaints_quoting_unsigned_message_ids_complain_about_nobody(email_app, make_program,
                                                                              mailbox):  # noqa: F811
    m = sent_messages(email_app, make_program, 2)
    mailbox.append(unsigned("arf_complaint", m[0], ""))  # the recipient redacted, as most providers do
    mailbox.append(unsigned("arf_complaint", m[1], "someone.else@customer.example"))
    poll(email_app, mailbox)
    assert [Contact.get_by_id(x.contact_id).consent_email for x in m] == ["subscribed", "subscribed"]
    assert EventRecord.select().where(EventRecord.name == "complained").count() == 0
    assert mailbox.messages(PROCESSED) == [] and len(mailbox.messages("INBOX")) == 2


def test_forged_replies_quoting_unsigned_message_ids_attach_to_nothing(email_app, make_program, mailbox):  # noqa: F811
    m = sent_messages(email_app, make_program, 2)
    mailbox.append(unsigned("reply", m[0], "stranger@elsewhere.example"))
    mailbox.append(unsigned("auto_reply", m[1], "stranger@elsewhere.example"))
    poll(email_app, mailbox)
    assert InboundMessage.select().count() == 0
    assert EventRecord.select().where(EventRecord.name == "replied").count() == 0
    assert mailbox.messages(PROCESSED) == [] and len(mailbox.messages("INBOX")) == 2


def test_mail_about_messages_sent_before_message_ids_were_signed_still_finds_them(email_app, make_program,
                                                                                  mailbox):  # noqa: F811
    """Old mail in flight quotes unsigned Message-IDs: a bounce or complaint naming the message's
    address, and a reply from it, still count."""
    m = sent_messages(email_app, make_program, 3)
    mailbox.append(unsigned("outlook_hard", m[0], m[0].address))
    mailbox.append(unsigned("arf_complaint", m[1], m[1].address))
    mailbox.append(unsigned("reply", m[2], m[2].address))
    poll(email_app, mailbox)
    assert [Contact.get_by_id(x.contact_id).consent_email for x in m] == ["bounced", "complained", "subscribed"]
    assert [i.message_id for i in InboundMessage.select()] == [m[2].id]
    assert len(mailbox.messages(PROCESSED)) == 3 and mailbox.messages("INBOX") == []


def test_a_forged_bounce_for_another_address_bounces_nobody(email_app, make_program, mailbox):  # noqa: F811
    message = sent_messages(email_app, make_program, 1)[0]
    mailbox.append(forged_bounce(message.id, "not.the.victim@customer.example"))
    poll(email_app, mailbox)
    assert Contact.get_by_id(message.contact_id).consent_email == "subscribed"
    assert Message.get_by_id(message.id).status == "sent"


@pytest.mark.parametrize("raw", [
    b"From: =?utf-8?q?broken=ZZ?= <<<@@@>>>\r\nSubject: =?x-unknown?b?!!!?=\r\nContent-Type: text/plain; "
    b"charset=x-unknown\r\nIn-Reply-To: <chapar-@>\r\nReferences: <chapar-99999999999999999999999@x>\r\n\r\n\xff\xfe",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=\r\n\r\n--\r\n--\r\n",
    b"Content-Type: multipart/report; report-type=feedback-report; boundary=\"q\"\r\n\r\n--q\r\n"
    b"Content-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nOriginal-Rcpt-To: \r\n--q--\r\n",
    b"To: unsubscribe+" + b"A" * 500 + b"@shop.example\r\n\r\nplease",
    b"\r\n\r\n", b"not a mail at all " * 1000,
], ids=["garbage-headers", "empty-boundary", "empty-arf", "huge-token", "empty", "no-headers"])
def test_malformed_mail_is_unknown_and_changes_nothing(email_app, raw):
    from chapar_email.inbox import _handled

    outcome = _handled(raw)
    assert not outcome.handled and outcome.kind in ("unknown", "forged")
    assert ConsentRecord.select().count() == 0 and EventRecord.select().count() == 0


def test_signed_message_ids_name_their_message_and_forgeries_nothing(email_app):
    """The Message-ID form mime.py writes, which lets a quoted Message-ID be trusted."""
    local = verp.message_id_local(1234)
    assert re.fullmatch(r"chapar-1234\.[0-9a-f]{10}", local)
    assert verp.signed_message_ids(f"<{local}@shop.example> <{local.upper()}@shop.example>") == [1234, 1234]
    mac = local.rsplit(".", 1)[1]
    forged = [f"<chapar-1235.{mac}@shop.example>", "<chapar-1234.0000000000@shop.example>",
              f"<chapar-1234.{mac[:-1]}@shop.example>", f"<{verp.reply_address(1234, 'x').split('@')[0]}@x>"]
    assert verp.signed_message_ids(" ".join(forged)) == []
    assert verp.header_message_ids(f"<{local}@shop.example>") == []  # never read as the unsigned form


def test_a_reply_quoting_a_signed_message_id_finds_its_message(email_app):
    import email as email_lib

    from chapar_email.replies import replied_message_id

    local = verp.message_id_local(77)
    mail = email_lib.message_from_string(f"From: a@b.example\nIn-Reply-To: <chapar-5@x> <{local}@shop.example>\n\nhi")
    assert replied_message_id(mail) == 77  # the signed one wins over an unsigned one beside it
    mail = email_lib.message_from_string(f"From: a@b.example\nReferences: <{local}@x> <chapar-5@x>\n\nhi")
    assert replied_message_id(mail) == 77
