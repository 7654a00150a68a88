"""Sending through a real Kannel (bearerbox, smsbox, fakesmsc as the phones): programs reach every
phone once with their own text, delivery reports and received messages come back through Kannel's
dlr-url and post-url, and a gateway that is down or refuses us loses nothing."""
import http.client
import json
import urllib.error
import urllib.request
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from kannel_support import SHORT_CODE, join_parts, kannel_gateway
from kannel_support import faulty_smsbox, kannel, kannel_server  # noqa: F401
from sending_support import run_worker
from sms_support import add_mobiles, e164, make_gateway, sms_app, sms_plugin, sms_program  # noqa: F401

from chapar import Contact, InboundMessage, Message, Program, utcnow
from chapar.models import ConsentRecord
from chapar.programs import launch
from chapar.sending import dispatch
from chapar_sms.providers.base import ProviderError, Submission
from chapar_sms.providers.kannel import KannelProvider, _Connection

PERSIAN = "سلام {{ contact.first_name }}، حراج بهاره تا جمعه!"


def statuses(program):
    return {m.address: m.status for m in Message.select().where(Message.program == program)}


def call(url):
    """GET `url` as Kannel would: (status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def send_program(app, users, gateway, contacts, text):
    program = sms_program(users, gateway, contacts, text=text)
    assert launch(program, actor=users["manager"]).queued == len(contacts)
    run_worker(app, "sms")
    return program


def test_a_program_reaches_every_phone_once_in_persian_and_is_delivered(kannel, users):
    gateway = kannel_gateway(kannel)
    since = len(kannel.received)
    program = send_program(kannel.dispatcher.app, users, gateway, add_mobiles(22), PERSIAN)
    phones = kannel.wait_for_phones(22, since)
    assert sorted(p.to for p in phones) == sorted(e164(i) for i in range(22))  # each number exactly once
    for phone in phones:
        i = int(phone.to[-7:])
        assert phone.text == f"سلام Person{i}، حراج بهاره تا جمعه!"
        assert phone.coding == "ucs-2" and phone.sender == "Chapar"
    # fakesmsc reports each message delivered; Kannel calls the dlr-url, the message is delivered.
    kannel.wait_for(lambda: set(statuses(program).values()) == {"delivered"}, "every message is delivered")
    assert all(m.provider_id == f"chapar-{m.id}" and m.units == 1 for m in Message.select())
    assert Program.get_by_id(program.id).status == "sent"


def test_stop_and_persian_cancel_unsubscribe_with_a_record_and_help_gets_its_reply(kannel, users):
    gateway = kannel_gateway(kannel)
    since = len(kannel.received)
    ids = add_mobiles(3)
    program = send_program(kannel.dispatcher.app, users, gateway, ids, "Spring sale, {{ contact.first_name }}!")
    kannel.wait_for_phones(3, since)
    kannel.wait_for(lambda: set(statuses(program).values()) == {"delivered"}, "every message is delivered")

    def inbound_from(number):
        return InboundMessage.select().where(InboundMessage.sender == number).first()

    for i, word in enumerate(("STOP", "لغو")):
        since = len(kannel.received)
        kannel.inject(e164(i), word)
        kannel.wait_for(lambda i=i: inbound_from(e164(i)) is not None, f"{word} reaches Chapar")
        received = inbound_from(e164(i))
        assert received.body == word and received.recipient == SHORT_CODE and received.action == "unsubscribed"
        assert received.program_id == program.id and received.contact_id == ids[i]  # linked to the program
        assert Contact.get_by_id(ids[i]).consent_sms == "unsubscribed"
        record = ConsentRecord.get((ConsentRecord.contact == ids[i]) & (ConsentRecord.channel == "sms"))
        assert record.status == "unsubscribed" and record.method == "keyword" and word in record.detail
        # One confirmation reaches the phone, through sendsms like any message.
        confirmation = kannel.wait_for_phones(1, since)
        assert [(p.to, p.text) for p in confirmation] == [(e164(i), "You are unsubscribed and will receive no more "
                                                           "messages. Reply START to subscribe again.")]
        assert json.loads(received.data_json)["reply"] == "sent"

    since = len(kannel.received)
    kannel.inject(e164(2), "help")
    kannel.wait_for(lambda: inbound_from(e164(2)) is not None, "HELP reaches Chapar")
    assert inbound_from(e164(2)).action == "help"
    assert [(p.to, p.text) for p in kannel.wait_for_phones(1, since)] == [(e164(2), "Reply STOP to unsubscribe.")]
    assert Contact.get_by_id(ids[2]).consent_sms == "subscribed"
    # The callbacks answered with empty bodies: Kannel sent no reply SMS of its own.
    assert len(kannel.received) == since + 1


def test_a_long_persian_message_arrives_whole_and_a_reply_is_stored_with_its_program(kannel, users):
    gateway = kannel_gateway(kannel)
    since = len(kannel.received)
    ids = add_mobiles(1)
    text = "دوست عزیز، جشنواره بهاره ما از شنبه شروع می‌شود. " * 3 + "می‌آیید؟"
    program = send_program(kannel.dispatcher.app, users, gateway, ids, text)
    # 155 characters of UCS-2: three parts (67 a part), which Kannel concatenates with a UDH.
    parts = kannel.wait_for_phones(3, since)
    assert {(p.to, p.coding) for p in parts} == {(e164(0), "udh")}
    assert join_parts(parts) == text
    kannel.wait_for(lambda: Message.get().status == "delivered", "the delivery report")
    assert Message.get().units == 3
    kannel.inject(e164(0), "بله، حتما میام 😀")
    kannel.wait_for(lambda: InboundMessage.select().count() == 1, "the reply reaches Chapar")
    received = InboundMessage.get()
    assert received.body == "بله، حتما میام 😀" and received.action == ""
    assert received.program_id == program.id and received.contact_id == ids[0] and received.provider_id
    assert Contact.get_by_id(ids[0]).consent_sms == "subscribed"


def test_an_smsc_reject_fails_the_message_and_bad_receipts_change_nothing(kannel, users):
    # A gateway whose dlr-mask asks only for SMSC answers: the fake SMSC's "delivered" never comes.
    gateway = kannel_gateway(kannel, dlr_mask=24)
    since = len(kannel.received)
    program = send_program(kannel.dispatcher.app, users, gateway, add_mobiles(2), "Hi")
    kannel.wait_for_phones(2, since)
    kannel.wait_for(lambda: sum("status=8" in q for _p, q in kannel.dispatcher.calls) == 2, "the SMSC acks")
    first, second = Message.select().order_by(Message.id)
    assert {first.status, second.status} == {"sent"}  # an SMSC ack (8) is intermediate
    base = f"{kannel.public_url}/sms/gateways/{gateway.id}/receipt"
    reject = f"message={first.id}&status=16&answer=NACK%2F0x0000000b%2FInvalid+Destination"
    # Without the secret, with a wrong one or with a status that is no DLR type: refused.
    assert call(f"{base}?secret=wrong&{reject}")[0] == 403
    assert call(f"{base}?{reject}")[0] == 403
    assert call(f"{base}?secret={gateway.secret}&message={first.id}&status=x")[0] == 400
    assert call(f"{base}?secret={gateway.secret}&message={first.id}&status=%C2%B2")[0] == 400  # a digit to isdigit()
    # A report about a message Chapar does not know is ignored.
    assert call(f"{base}?secret={gateway.secret}&message=99999&status=16&answer=NACK") == (200, "")
    assert {m.status for m in Message.select()} == {"sent"}
    assert call(f"{base}?secret={gateway.secret}&{reject}") == (200, "")
    first = Message.get_by_id(first.id)
    assert first.status == "failed" and "Invalid Destination" in first.error
    assert Message.get_by_id(second.id).status == "sent"
    assert Program.get_by_id(program.id).status == "sent"


def test_kannel_down_loses_nothing_and_the_retry_sends_each_once(kannel, users, free_port):
    gateway = kannel_gateway(kannel, sendsms_url=f"http://127.0.0.1:{free_port()}/cgi-bin/sendsms")
    since = len(kannel.received)
    app = kannel.dispatcher.app
    program = send_program(app, users, gateway, add_mobiles(5), "Hi {{ contact.first_name }}")
    waiting = list(Message.select())
    assert {m.status for m in waiting} == {"queued"}
    assert all("Kannel at 127.0.0.1" in m.error and "no connection" in m.error for m in waiting)
    # smsbox is back (the admin fixes the address) and the retry time comes.
    gateway.settings_json = json.dumps(kannel.gateway_settings())
    gateway.updated_at = utcnow()
    gateway.save()
    Message.update(next_attempt_at=None).execute()
    dispatch(Program.get_by_id(program.id))
    run_worker(app, "sms")
    phones = kannel.wait_for_phones(5, since)
    assert sorted(p.to for p in phones) == [e164(i) for i in range(5)]
    kannel.wait_for(lambda: set(statuses(program).values()) == {"delivered"}, "every message is delivered")
    assert {m.attempts for m in Message.select()} == {2}


def test_the_connection_test_and_bad_credentials_are_clear_and_fail_nothing_silently(kannel, users):
    from chapar_sms.providers.registry import provider_for

    gateway = kannel_gateway(kannel, password="wrong")
    with pytest.raises(ProviderError, match="refused the username or password"):
        provider_for(gateway).test_connection()
    since = len(kannel.received)
    program = send_program(kannel.dispatcher.app, users, gateway, add_mobiles(2), "Hi")
    failed = list(Message.select())
    assert {m.status for m in failed} == {"failed"}
    assert all("Authorization failed for sendsms (HTTP 403)" in m.error for m in failed)
    assert Program.get_by_id(program.id).status == "failed"  # final: nothing left to send, nothing sent
    assert len(kannel.received) == since  # nothing reached a phone
    # With the right password the test says so, and gives the post-url to paste into kannel.conf:
    # the very group the test Kannel runs with.
    gateway.settings_json = json.dumps(kannel.gateway_settings())
    gateway.updated_at = utcnow()
    gateway.save()
    answer = provider_for(gateway).test_connection()
    assert answer.startswith("smsbox answers, credentials accepted")
    inbound = f"{kannel.public_url}/sms/gateways/{gateway.id}/inbound?secret={gateway.secret}&from=%p"
    assert f'post-url = "{inbound}' in answer
    assert provider_for(gateway).service_config() == kannel.service()
    other = make_gateway("kannel", kannel.gateway_settings(status_url=kannel.status_url,
                                                           status_password=kannel.admin_password),
                         name="status", is_default=False)
    assert provider_for(other).test_connection().startswith("bearerbox Status: running")


def faulty_provider(smsbox, **settings):
    gateway = SimpleNamespace(id=0, name="faulty", settings={"sendsms_url": smsbox.url, "username": "chapar",
                                                             "password": "pw", **settings})
    return KannelProvider(gateway)


def submissions(*receivers):
    return [Submission(message_id=i, to=to, text="Hi", sender="Chapar", encoding="gsm7", segments=1)
            for i, to in enumerate(receivers, start=1)]


def test_each_answer_of_smsbox_is_an_outcome_and_nothing_is_sent_twice(faulty_smsbox):
    provider = faulty_provider(faulty_smsbox)
    receivers = ("+989120000010", "+989120000014", "+989120000015", "+989120000019", "+989120000020")
    try:
        results = provider.send(submissions(*receivers))
    finally:
        provider.close()
    assert [r.outcome for r in results] == ["accepted", "permanent", "transient", "uncertain", "accepted"]
    assert results[0].provider_id == "chapar-1"
    assert results[1].error == "Kannel: Missing receiver number, rejected (HTTP 400)"
    assert results[2].error == "Kannel: Sending failed. (HTTP 503)"
    assert "connection lost after sending" in results[3].error
    # The one smsbox hung up on may have been queued: it was not sent again.
    assert sorted(faulty_smsbox.requests) == sorted(receivers)


def test_a_gateway_that_answers_no_message_fails_the_whole_batch(faulty_smsbox, free_port):
    provider = faulty_provider(faulty_smsbox)
    try:
        with pytest.raises(ProviderError, match="Sending failed"):
            provider.send(submissions("+989120000015", "+989120000025"))
    finally:
        provider.close()
    down = faulty_provider(faulty_smsbox, sendsms_url=f"http://127.0.0.1:{free_port()}/cgi-bin/sendsms")
    try:
        with pytest.raises(ProviderError, match="no connection"):
            down.send(submissions("+989120000010"))
    finally:
        down.close()


def test_a_kept_alive_connection_serves_on_and_one_smsbox_closed_is_replaced(faulty_smsbox):
    provider = faulty_provider(faulty_smsbox, connections=1)
    try:
        assert [r.outcome for r in provider.send(submissions("+989120000010", "+989120000020"))] == ["accepted"] * 2
        assert faulty_smsbox.connections == 1
        assert provider.send(submissions("+989120000018"))[0].outcome == "accepted"
        assert faulty_smsbox.closed.wait(10)  # smsbox closed the idle connection
        assert provider.send(submissions("+989120000030"))[0].outcome == "accepted"
    finally:
        provider.close()
    assert faulty_smsbox.connections == 2
    assert faulty_smsbox.requests == ["+989120000010", "+989120000020", "+989120000018", "+989120000030"]


def test_the_sendsms_query_has_every_parameter_encoded_as_before(faulty_smsbox):
    provider = faulty_provider(faulty_smsbox, smsc_id="phones", dlr_mask=3, password="p&w=1")
    receipt = "https://chapar.example/sms/gateways/1/receipt?secret=s%2B&message=7"
    submission = Submission(message_id=7, to="+989120000010", text="سلام & 50%+ off=yes", sender="Chapar",
                            encoding="ucs2", segments=1, receipt_url=receipt)
    assert provider.query(submission) == urlencode({
        "username": "chapar", "password": "p&w=1", "to": "+989120000010", "text": "سلام & 50%+ off=yes",
        "charset": "UTF-8", "coding": "2", "from": "Chapar", "smsc": "phones", "dlr-mask": "3",
        "dlr-url": receipt + "&status=%d&answer=%A"})
    bare = faulty_provider(faulty_smsbox)
    no_receipt = Submission(message_id=8, to="+989120000010", text="Hi", sender="", encoding="gsm7", segments=1)
    assert bare.query(no_receipt) == "username=chapar&password=pw&to=%2B989120000010&text=Hi&charset=UTF-8&coding=0"


@pytest.mark.parametrize("answer, expected", [
    (b"HTTP/1.1 202 Accepted\r\nContent-Length: 24\r\n\r\n0: Accepted for delivery", (202, b"0: Accepted for delivery", False)),
    (b"HTTP/1.1 202 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n0: \r\n5;x=y\r\nQueue\r\n0\r\n\r\n", (202, b"0: Queue", False)),
    (b"HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 4\r\n\r\nBusy", (503, b"Busy", True)),
    (b"HTTP/1.0 400 Bad\r\ncontent-length: 3\r\n\r\nBad", (400, b"Bad", True)),
    (b"HTTP/1.0 202 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", (202, b"", False)),
])
def test_smsbox_answers_are_read_whole_whatever_their_framing(answer, expected):
    conn = _Connection(sock=None)
    for end in range(len(answer)):  # arriving byte by byte: nothing before the whole answer
        conn.buffer = bytearray(answer[:end])
        assert conn.answer() is None
    conn.buffer = bytearray(answer)
    assert conn.answer() == expected and conn.buffer == b""


def test_what_is_no_http_answer_is_an_error_not_an_outcome():
    conn = _Connection(sock=None)
    conn.buffer = bytearray(b"SMPP?\r\n\r\n")
    with pytest.raises(Exception, match="SMPP"):
        conn.answer()


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 202 OK\r\nContent-Length: many\r\n\r\n0: Accepted",
    b"HTTP/1.1 202 OK\r\nContent-Length: -5\r\n\r\n0: Accepted",
    b"HTTP/1.1 202 OK\r\nContent-Length: 99999999999\r\n\r\n0: Accepted",
    b"HTTP/1.1 202 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n0: Accepted\r\n0\r\n\r\n",
])
def test_an_answer_with_a_broken_length_is_an_error_not_an_outcome(answer):
    """The caller turns these errors into uncertain messages (never a guess at what smsbox meant)."""
    conn = _Connection(sock=None)
    conn.buffer = bytearray(answer)
    with pytest.raises((http.client.HTTPException, ValueError)):
        conn.answer()


def test_smsbox_hanging_up_half_way_through_an_answer_is_an_error():
    import socket

    ours, smsbox = socket.socketpair()
    conn = _Connection(ours)
    smsbox.sendall(b"HTTP/1.1 202 OK\r\nContent-Length: 24\r\n\r\n0: Acc")
    smsbox.close()
    conn.receive()
    assert conn.answer() is None  # not whole yet
    with pytest.raises(ConnectionError, match="closed the connection"):
        conn.receive()
    ours.close()


def test_an_answer_that_never_ends_is_an_error_not_a_growing_buffer():
    import socket

    ours, smsbox = socket.socketpair()
    smsbox.setblocking(False)
    conn = _Connection(ours)
    smsbox.send(b"HTTP/1.1 202 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    with pytest.raises(Exception, match="longer than any sendsms answer"):
        for _ in range(1000):
            try:
                smsbox.send(b"1000\r\n" + b"x" * 0x1000 + b"\r\n")
            except BlockingIOError:
                pass
            conn.receive()
            assert conn.answer() is None
    assert len(conn.buffer) < 3 * 64 * 1024
    ours.close()
    smsbox.close()


def test_a_get_url_with_the_text_in_the_query_is_understood_too(sms_app, client):
    gateway = make_gateway("kannel", {"sendsms_url": "http://127.0.0.1:9/cgi-bin/sendsms"})
    base = f"/sms/gateways/{gateway.id}/inbound?secret={gateway.secret}"
    answer = client.get(f"{base}&from=%2B989120000001&to=3000&text=Hello+there&charset=UTF-8&coding=0&id=k1")
    assert (answer.status_code, answer.get_data()) == (200, b"")
    received = InboundMessage.get()
    assert (received.sender, received.body, received.recipient, received.provider_id) == (
        "+989120000001", "Hello there", "3000", "k1")
    assert client.get(f"{base}&text=Hello").status_code == 400  # no sender: Kannel's %p is missing
    assert InboundMessage.select().count() == 1
