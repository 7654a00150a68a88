"""The SMPP provider end to end: programs sent through a real SMPP 3.4 conversation with the SMSC
simulator (tests/smpp_server.py), receipts and received messages fetched by poll()."""
import pytest
from sending_support import run_worker
from smpp_server import CODING_UCS2, SmscSimulator
from sms_support import PUBLIC_URL, add_mobiles, e164, make_gateway, sms_app, sms_plugin, sms_program  # noqa: F401

from chapar import Contact, InboundMessage, Message
from chapar.programs import launch
from chapar.sending import dispatch

PERSIAN = ("سلام دوست عزیز، حراج بهاره از امروز شروع شد و تا آخر هفته ادامه دارد. "
           "برای دیدن همه تخفیف‌ها به فروشگاه ما سر بزنید یا همین پیام را به دوستانتان نشان دهید. "
           "هر خرید بالای یک میلیون تومان ارسال رایگان دارد. منتظر دیدارتان هستیم!")


@pytest.fixture
def smsc():
    with SmscSimulator(undeliverable={"989120000003"}) as server:
        yield server


def smpp_gateway(smsc, **settings):
    values = {"host": smsc.host, "port": smsc.port, "system_id": "chapar", "password": "secret", **settings}
    return make_gateway("smpp", values)


@pytest.fixture
def keywords_on(sms_app):
    """The channel's settings with their default keywords and replies (sms_app saves them empty)."""
    from chapar.channels import save_channel_settings
    from chapar_sms.settings import SETTINGS_FIELDS

    values = {f.name: f.default for f in SETTINGS_FIELDS} | {"public_url": PUBLIC_URL, "default_region": "IR"}
    assert save_channel_settings("sms", values) == {}


def provider(gateway):
    from chapar_sms.providers.registry import provider_for

    return provider_for(gateway)


def statuses(program):
    return {m.address: m.status for m in Message.select().where(Message.program == program)}


def retry_now(app, program):
    """The retry time has come: dispatch the queued messages and send them."""
    Message.update(next_attempt_at=None).where(Message.program == program).execute()
    dispatch(program)
    run_worker(app, "sms")


def poll_until(gateway, condition, rounds=20):
    """Run the gateway's poll job until condition() holds (the SMSC answers from its own threads)."""
    from chapar_sms.polling import poll_gateway

    for _ in range(rounds):
        assert poll_gateway(gateway.id, reschedule=False) == "polled"
        if condition():
            return True
    return condition()


def test_a_program_reaches_each_number_once_and_receipts_come_by_poll(sms_app, users, smsc):
    gateway = smpp_gateway(smsc)
    program = sms_program(users, gateway, add_mobiles(5))
    assert launch(program).queued == 5
    run_worker(sms_app, "sms")
    assert sorted(smsc.numbers()) == [e164(i) for i in range(5)]
    assert smsc.texts_to(e164(2)) == ["Hello Person2"]
    # One transceiver bind served the whole program; the alphanumeric sender went as TON 5.
    assert smsc.binds == [("transceiver", "chapar", True)]
    assert {(p["sender"], p["source_ton"]) for p in smsc.parts} == {("Chapar", 5)}
    assert set(statuses(program).values()) == {"sent"}
    assert {m.provider_id for m in Message.select()} == {p["id"] for p in smsc.parts}

    assert poll_until(gateway, lambda: "sent" not in statuses(program).values())
    found = statuses(program)
    assert found.pop(e164(3)) == "failed"
    assert set(found.values()) == {"delivered"}
    assert "UNDELIV" in Message.get(Message.address == e164(3)).error
    assert smsc.deliver_answers == 5  # every receipt was answered


def test_a_long_persian_text_goes_as_ucs2_parts_and_is_reassembled(sms_app, users, smsc):
    gateway = smpp_gateway(smsc)
    program = sms_program(users, gateway, add_mobiles(1), text=PERSIAN)
    launch(program)
    run_worker(sms_app, "sms")
    parts = smsc.parts
    expected = -(-len(PERSIAN) // 67)
    assert expected >= 3 and len(parts) == expected
    assert {p["coding"] for p in parts} == {CODING_UCS2}
    assert {p["esm_class"] & 0x40 for p in parts} == {0x40}
    refs = {p["udh"][0] for p in parts}
    assert len(refs) == 1 and [p["udh"][1:] for p in parts] == [(expected, n) for n in range(1, expected + 1)]
    assert max(p["size"] for p in parts) <= 140
    assert smsc.texts_to(e164(0)) == [PERSIAN]
    message = Message.get(Message.program == program)
    assert message.status == "sent" and message.units == expected
    # The receipts of every part find the message (the later parts by their remembered ids).
    assert poll_until(gateway, lambda: Message.get_by_id(message.id).status == "delivered")


def test_a_long_gsm_text_goes_as_7bit_parts_and_no_escape_is_split(sms_app, users, smsc):
    gateway = smpp_gateway(smsc)
    text = "Spring sale: 20€ off {every} item ~ today only! " * 5  # € { } ~ take two septets each
    program = sms_program(users, gateway, add_mobiles(1), text=text)
    launch(program)
    run_worker(sms_app, "sms")
    parts = smsc.parts
    assert len(parts) >= 2 and {p["coding"] for p in parts} == {0}
    assert all(len(p["data"]) <= 153 and not p["data"].endswith(b"\x1b") for p in parts)
    assert smsc.texts_to(e164(0)) == [text]
    assert Message.get(Message.program == program).units == len(parts)


def test_a_receipt_for_a_message_nobody_sent_changes_nothing(sms_app, users, smsc):
    gateway = smpp_gateway(smsc)
    program = sms_program(users, gateway, add_mobiles(1))
    launch(program)
    run_worker(sms_app, "sms")
    assert poll_until(gateway, lambda: statuses(program) == {e164(0): "delivered"})
    smsc.send_receipt(e164(0), "NOSUCHID", stat="UNDELIV")
    provider(gateway).poll()
    assert statuses(program) == {e164(0): "delivered"}
    assert smsc.wait_for(lambda: smsc.deliver_answers == 2)  # answered all the same


def test_parts_never_split_a_character():
    from chapar_sms.providers.smpp_session import CODING_UCS2 as UCS2, decode, split_text

    text = "😀" * 40  # 40 surrogate pairs: 160 bytes, more than one SMS
    parts = split_text(text, UCS2)
    assert [len(p) for p in parts] == [132, 28]  # 33 whole emoji (not 33.5) in the first part
    assert "".join(decode(p, UCS2) for p in parts) == text
    assert split_text("سلام", UCS2) == ["سلام".encode("utf-16-be")]


def test_a_received_stop_unsubscribes_and_the_confirmation_reaches_the_phone(sms_app, keywords_on, users, smsc):
    gateway = smpp_gateway(smsc)
    program = sms_program(users, gateway, add_mobiles(2))
    launch(program)
    run_worker(sms_app, "sms")
    provider(gateway).poll()
    assert smsc.inject(e164(0), "STOP") == 1
    assert smsc.inject(e164(1), "لغو") == 1
    assert poll_until(gateway, lambda: InboundMessage.select().count() == 2)
    for number in (e164(0), e164(1)):
        assert Contact.get(Contact.mobile == f"0912{number[-7:]}").consent_sms == "unsubscribed"
        received = InboundMessage.get(InboundMessage.sender == number)
        assert received.action == "unsubscribed" and received.program_id == program.id
        assert smsc.wait_for(lambda n=number: len(smsc.texts_to(n)) == 2)
        assert "unsubscribed" in smsc.texts_to(number)[1]
    assert InboundMessage.get(InboundMessage.sender == e164(1)).body == "لغو"


def test_a_long_received_message_is_reassembled(sms_app, keywords_on, smsc):
    gateway = smpp_gateway(smsc)
    provider(gateway).poll()  # binds
    assert smsc.inject(e164(7), PERSIAN) >= 3
    assert poll_until(gateway, lambda: InboundMessage.select().count() == 1)
    received = InboundMessage.get()
    assert received.body == PERSIAN and received.sender == e164(7) and received.action == ""


def test_a_pdu_the_provider_cannot_read_is_refused_and_the_rest_still_handled(sms_app, keywords_on, smsc):
    gateway = smpp_gateway(smsc)
    provider(gateway).poll()  # binds
    smsc.send_unknown_pdu()
    smsc.inject(e164(5), "STOP")
    assert poll_until(gateway, lambda: InboundMessage.select().count() == 1)
    assert InboundMessage.get().action == "unsubscribed"
    assert smsc.wait_for(lambda: smsc.nacks == [0x03])  # ESME_RINVCMDID


def test_a_throttled_message_is_retried_later_and_not_lost(sms_app, users, smsc):
    gateway = smpp_gateway(smsc, window=1)
    program = sms_program(users, gateway, add_mobiles(4))
    smsc.throttle(1)
    launch(program)
    run_worker(sms_app, "sms")
    # The first answer said "throttled": that message and those not yet submitted wait.
    found = statuses(program)
    assert sorted(found.values()) == ["queued"] * 4
    waiting = list(Message.select().where(Message.program == program))
    assert all(m.next_attempt_at for m in waiting)
    assert any("ESME_RTHROTTLED" in m.error for m in waiting)
    assert smsc.numbers() == []
    retry_now(sms_app, program)
    assert set(statuses(program).values()) == {"sent"}
    assert sorted(smsc.numbers()) == [e164(i) for i in range(4)]


def test_a_wrong_password_is_a_clear_error_and_nothing_is_lost(sms_app, users, smsc):
    from chapar_sms import ProviderError

    gateway = smpp_gateway(smsc, password="wrong")
    with pytest.raises(ProviderError, match="bind refused: ESME_RINVPASWD"):
        provider(gateway).test_connection()
    program = sms_program(users, gateway, add_mobiles(2))
    launch(program)
    run_worker(sms_app, "sms")
    waiting = list(Message.select().where(Message.program == program))
    assert {m.status for m in waiting} == {"queued"}
    assert all("Invalid Password" in m.error for m in waiting)
    assert smsc.parts == []


def test_the_connection_test_binds_and_names_the_smsc(sms_app, smsc):
    gateway = smpp_gateway(smsc)
    assert "TestSMSC" in provider(gateway).test_connection()
    assert smsc.wait_for(lambda: smsc._connections == [])  # unbound and closed
    assert smsc.binds == [("transceiver", "chapar", True)]


def test_an_unreachable_smsc_keeps_the_messages_queued(sms_app, users, smsc):
    from chapar_process import free_port

    gateway = make_gateway("smpp", {"host": "127.0.0.1", "port": free_port(), "system_id": "chapar"})
    program = sms_program(users, gateway, add_mobiles(2))
    launch(program)
    run_worker(sms_app, "sms")
    assert {m.status for m in Message.select()} == {"queued"}
    assert all("cannot connect" in m.error for m in Message.select())


def test_a_connection_dropped_mid_batch_sends_no_message_twice(sms_app, users, smsc):
    gateway = smpp_gateway(smsc, window=2)
    program = sms_program(users, gateway, add_mobiles(10))
    smsc.drop_after(3)  # three answered, the fourth taken and never answered
    launch(program)
    run_worker(sms_app, "sms")
    found = statuses(program)
    first = smsc.numbers()
    assert len(first) == 4
    assert sorted(found.values()).count("sent") == 3
    # The fourth, and the fifth when it went out before the drop was seen: the SMSC may or may not
    # have them. The rest were never submitted and wait for a retry.
    uncertain = [n for n, s in found.items() if s == "uncertain"]
    assert first[3] in uncertain and len(uncertain) in (1, 2)
    assert sorted(found.values()).count("queued") == 7 - len(uncertain)
    retry_now(sms_app, program)
    numbers = smsc.numbers()
    assert len(numbers) == len(set(numbers)) == 10 - len(uncertain) + 1  # nobody twice, no uncertain one again
    assert set(numbers) | set(uncertain) == {e164(i) for i in range(10)}
    assert sorted(statuses(program).values()) == ["sent"] * (10 - len(uncertain)) + ["uncertain"] * len(uncertain)
    assert [b[0] for b in smsc.binds] == ["transceiver", "transceiver"]  # bound again after the drop


def test_a_gateway_saved_here_applies_at_once_and_one_saved_elsewhere_once_read_again(sms_app, users, smsc,
                                                                                        monkeypatch):
    from chapar import utcnow
    from chapar_sms import gateways

    def sent_from(start):
        launch(sms_program(users, gateway, add_mobiles(1, start=start)))
        run_worker(sms_app, "sms")
        part = smsc.parts[-1]
        assert part["to"] == e164(start).lstrip("+")
        return part["sender"], part["source_ton"]

    monkeypatch.setattr(gateways, "SENDING_CACHE_SECONDS", 3600)  # the send path reads the row once…
    gateway = smpp_gateway(smsc)
    assert sent_from(0) == ("Chapar", 5)
    gateway.sender = "Shop"
    gateway.updated_at = utcnow()
    gateway.save()  # …but a save in this process is seen by the next batch
    assert sent_from(1) == ("Shop", 5)
    # Another process (the admin's) saves the row: seen once the worker reads it again.
    gateways.SmsGateway.update(sender="3000", updated_at=utcnow()).where(
        gateways.SmsGateway.id == gateway.id).execute()
    assert sent_from(2) == ("Shop", 5)
    monkeypatch.setattr(gateways, "SENDING_CACHE_SECONDS", 0)
    assert sent_from(3) == ("3000", 1)


def test_answers_split_across_reads_or_run_together_are_each_read_once():
    import socket
    import struct

    from chapar_sms.providers.smpp_session import GENERIC_NACK, SUBMIT_SM_RESP, Session

    def pdu(command_id, status, sequence, body=b""):
        return struct.pack(">LLLL", 16 + len(body), command_id, status, sequence) + body

    ours, theirs = socket.socketpair()
    session = Session("smsc", 2775, timeout=5)
    session.attach(ours)
    try:
        assert session.read(0) is None  # nothing there: no error, no wait
        stream = (pdu(SUBMIT_SM_RESP, 0, 1, b"id-1\0") + pdu(GENERIC_NACK, 0x58, 2) + pdu(SUBMIT_SM_RESP, 0x45, 3)
                  + pdu(0x00000015, 0, 9) + pdu(SUBMIT_SM_RESP, 0, 4, b"id-4"))  # enquire_link; an id without NUL
        theirs.sendall(stream[:10])  # half a header
        assert session.read(0) is None
        theirs.sendall(stream[10:30])  # the first answer whole, the next cut
        first = session.read(0)
        assert (first.command, first.sequence, first.status, first.message_id) == ("submit_sm_resp", 1, 0, "id-1")
        assert session.read(0) is None
        theirs.sendall(stream[30:])
        rest = [session.read(1) for _ in range(4)]
        assert [(p.command, p.sequence, p.status) for p in rest] == [
            ("generic_nack", 2, 0x58), ("submit_sm_resp", 3, 0x45), ("enquire_link", 9, 0), ("submit_sm_resp", 4, 0)]
        assert rest[1].message_id == "" and rest[3].message_id == "id-4"
        assert session.read(0) is None
    finally:
        session.close()
        theirs.close()


def test_a_text_is_encoded_into_the_parts_a_phone_joins_back():
    from chapar_sms.providers.smpp_session import CODING_GSM7, CODING_UCS2, encode_text

    assert encode_text("Hello", "gsm7") == (CODING_GSM7, [b"Hello"])
    assert encode_text("سلام", "ucs2") == (CODING_UCS2, ["سلام".encode("utf-16-be")])
    assert encode_text("Hello", "ucs2") == (CODING_UCS2, ["Hello".encode("utf-16-be")])
    assert encode_text("naïve ¢", "gsm7")[0] == CODING_UCS2  # ¢ is no GSM: UCS-2 after all
    coding, parts = encode_text("20€ {off} " * 30, "gsm7")  # 390 septets: € { } take two each
    assert coding == CODING_GSM7 and len(parts) == 3 and all(len(p) <= 153 for p in parts)
    assert b"".join(parts) == b"20\x1be \x1b(off\x1b) " * 30
    assert not any(p.endswith(b"\x1b") for p in parts)  # an escape is never cut from its character
    coding, parts = encode_text("Hi 😀" * 30, "ucs2")
    assert coding == CODING_UCS2 and all(len(p) <= 134 for p in parts)
    assert "".join(p.decode("utf-16-be") for p in parts) == "Hi 😀" * 30  # no emoji cut in two
    with pytest.raises(ValueError, match="255 parts"):
        encode_text("x" * 153 * 256, "gsm7")


def test_a_poll_of_an_idle_bind_gives_the_worker_back_at_once(sms_app, keywords_on, smsc, monkeypatch):
    """Polls run on the workers every few seconds: on a bind with nothing to read a poll waits only
    POLL_QUIET_SECONDS, and once messages come it waits the longer idle time for the rest."""
    from chapar_sms.providers import smpp
    from chapar_sms.providers.smpp_session import Session

    gateway = smpp_gateway(smsc)
    provider(gateway).poll()  # binds
    waits = []
    real_read = Session.read

    def read(session, timeout):
        waits.append(timeout)
        return real_read(session, timeout)

    monkeypatch.setattr(Session, "read", read)
    provider(gateway).poll()
    assert max(waits) == smpp.POLL_QUIET_SECONDS < smpp.POLL_IDLE_SECONDS
    waits.clear()
    assert smsc.inject(e164(3), "STOP") == 1
    assert poll_until(gateway, lambda: InboundMessage.select().count() == 1)
    assert smpp.POLL_IDLE_SECONDS in waits  # after a message, the poll waited for more
