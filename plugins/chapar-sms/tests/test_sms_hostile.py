"""The SMS plugin under attack and in bad weather: callbacks with another gateway's secret or hostile
input, floods of keywords, shared numbers, a contact's text that breaks a header, a hostile SMSC's
records, and consent and numbers checked end to end through the generic HTTP gateway."""
import io
import json
import socket
import struct
import threading

import pytest
from chapar import Contact, InboundMessage, Message
from chapar.programs import launch
from sending_support import run_worker
from sms_support import (PUBLIC_URL, add_mobiles, caller, e164, make_gateway, provider_api, sms_app,  # noqa: F401
                         sms_plugin, sms_program)

JSON_BODY = '{"to": "{to}", "from": "{sender}", "text": "{text}", "ref": "{reference}"}'


def http_gateway(server, name="http gateway", is_default=True, **settings):
    values = {"method": "POST", "url": f"{server.url}/api/send", "api_key": server.api_key,
              "headers": "Authorization: Bearer {api_key}", "content_type": "json", "body": JSON_BODY,
              "success": "status=ok", "message_id_path": "data.id", "concurrency": 2, **settings}
    return make_gateway("http", values, name=name, is_default=is_default)


def post(browser, gateway, name, secret=None, query="", **kwargs):
    return browser.post(f"/sms/gateways/{gateway.id}/{name}?secret={gateway.secret if secret is None else secret}"
                        f"{query}", **kwargs)


def statuses(program):
    return {m.address: (m.status, m.reason) for m in Message.select().where(Message.program == program)}


def replies(server):
    return [r for r in server.sent() if "ref" in r.fields and not r.fields["ref"]]


# -- callbacks -----------------------------------------------------------------------------------

def test_one_gateways_secret_cannot_report_on_another_gateways_messages(sms_app, users, provider_api, caller):
    ours = http_gateway(provider_api, name="ours")
    theirs = http_gateway(provider_api, name="theirs", is_default=False)
    program = sms_program(users, ours, add_mobiles(2))
    launch(program, actor=users["manager"])
    run_worker(sms_app, "sms")
    first, second = (Message.get(Message.address == e164(i)) for i in range(2))
    # Holding "theirs"'s secret: neither our message id nor the provider's id reaches our messages.
    assert post(caller, theirs, "receipt", query=f"&message={first.id}", data={"status": "FAILED"}).status_code == 200
    assert post(caller, theirs, "receipt", json={"id": second.provider_id, "status": "FAILED"}).status_code == 200
    assert {s for s, _ in statuses(program).values()} == {"sent"}
    # The gateway that sent them reports on them.
    assert post(caller, ours, "receipt", query=f"&message={first.id}", data={"status": "DELIVERED"}).status_code == 200
    assert post(caller, ours, "receipt", json={"id": second.provider_id, "status": "UNDELIV"}).status_code == 200
    assert Message.get_by_id(first.id).status == "delivered"
    assert Message.get_by_id(second.id).status == "failed"


def test_a_program_without_a_chosen_gateway_takes_reports_from_the_default_one(sms_app, users, provider_api, caller):
    default = http_gateway(provider_api, name="default")
    other = http_gateway(provider_api, name="other", is_default=False)
    program = sms_program(users, default, add_mobiles(1), provider="")
    launch(program, actor=users["manager"])
    run_worker(sms_app, "sms")
    message = Message.get(Message.program == program)
    assert message.status == "sent"
    post(caller, other, "receipt", json={"id": message.provider_id, "status": "DELIVERED"})
    assert Message.get_by_id(message.id).status == "sent"
    post(caller, default, "receipt", json={"id": message.provider_id, "status": "DELIVERED"})
    assert Message.get_by_id(message.id).status == "delivered"


def test_a_gateway_without_a_secret_accepts_no_callback(sms_app, provider_api, caller):
    from chapar_sms.gateways import SmsGateway

    gateway = http_gateway(provider_api)
    SmsGateway.update(secret="").where(SmsGateway.id == gateway.id).execute()  # an old row, a bad import
    gateway = SmsGateway.get_by_id(gateway.id)
    assert post(caller, gateway, "inbound", secret="", data={"from": "09120000000", "text": "hi"}).status_code == 403
    assert caller.post(f"/sms/gateways/{gateway.id}/inbound", data={"from": "09120000000"}).status_code == 403
    assert InboundMessage.select().count() == 0


HOSTILE = {
    "an id past any integer": {"query": "&message=" + "9" * 40, "data": {"status": "DELIVERED"}},
    "a superscript digit": {"query": "&message=%C2%B2", "data": {"status": "DELIVERED"}},
    "a JSON bomb": {"data": "[" * 60000, "content_type": "application/json"},
    "JSON of the wrong types": {"json": {"id": {"a": [1]}, "status": ["DELIVERED"]}},
    "a JSON list": {"json": [{"id": "x", "status": "DELIVERED"}]},
    "bytes that are no UTF-8": {"data": b"id=\xff\xfe&status=\xc3\x28",
                                "content_type": "application/x-www-form-urlencoded"},
    "a query that is no UTF-8": {"query": "&message=%ff%fe&status=%c3%28"},
    "NUL characters in a form": {"data": {"from": "0912\x000000000", "text": "ST\x00OP", "id": "\x00", "to": "\x00"}},
    "NUL characters in JSON": {"json": {"from": "09120000000", "text": "a\u0000b", "status": "DELIVERED\u0000"}},
    "NUL characters in a query": {"query": "&from=09120000000&text=%00hi&id=%00"},
}


@pytest.mark.parametrize("name", ["receipt", "inbound"])
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_callback_input_gets_a_clear_answer_never_a_crash(sms_app, provider_api, caller, name, case):
    gateway = http_gateway(provider_api)
    response = post(caller, gateway, name, **HOSTILE[case])
    assert response.status_code < 500, response.get_data(as_text=True)[:300]


def test_oversized_bodies_are_refused_even_without_a_length(sms_app, provider_api, caller):
    gateway = http_gateway(provider_api)
    huge = "text=" + "x" * (70 * 1024)
    assert post(caller, gateway, "inbound", data=huge, content_type="application/x-www-form-urlencoded"
                ).status_code == 413

    # Chunked: no Content-Length, the server says the stream ends (as gunicorn does).
    stream = io.BytesIO(b"from=09120000000&text=" + b"y" * (80 * 1024))
    chunked = post(caller, gateway, "inbound", input_stream=stream, content_type="application/x-www-form-urlencoded",
                   headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})
    assert chunked.status_code == 413
    assert InboundMessage.select().count() == 0


def test_an_opt_out_from_a_sender_that_is_no_number_creates_no_contact_and_gets_no_reply(sms_app, provider_api,
                                                                                           caller):
    gateway = http_gateway(provider_api)
    sender = "<script>" + "9" * 300
    assert post(caller, gateway, "inbound", data={"from": sender, "text": "STOP"}).status_code == 200
    inbound = InboundMessage.get()
    assert inbound.contact_id is None and inbound.action == "unsubscribed"
    assert Contact.select().count() == 0
    assert provider_api.requests == []


# -- keywords ------------------------------------------------------------------------------------

def test_a_flood_of_help_costs_one_reply_per_number_and_keyword(sms_app, provider_api, caller):
    gateway = http_gateway(provider_api)
    for _ in range(5):
        assert post(caller, gateway, "inbound", data={"from": "09120000001", "text": "HELP"}).status_code == 200
    post(caller, gateway, "inbound", data={"from": "09120000002", "text": "help"})
    post(caller, gateway, "inbound", data={"from": "09120000001", "text": "STOP"})
    assert sorted((r.fields["to"], r.fields["text"][:5]) for r in replies(provider_api)) == [
        (e164(1), "Reply"), (e164(1), "You a"), (e164(2), "Reply")]
    kept = [m.data["reply"] for m in InboundMessage.select().order_by(InboundMessage.id)]
    assert kept[:5] == ["sent"] + ["skipped: already replied within the hour"] * 4
    assert InboundMessage.select().count() == 7  # every received message is kept


def test_opt_outs_from_unknown_numbers_create_contacts_up_to_an_hourly_cap(sms_app, provider_api, caller,
                                                                         monkeypatch):
    monkeypatch.setenv("CHAPAR_SMS_NEW_CONTACTS_PER_HOUR", "2")
    gateway = http_gateway(provider_api)
    for i in range(3):
        assert post(caller, gateway, "inbound", data={"from": f"0935111000{i}", "text": "STOP"}).status_code == 200
    assert sorted(c.mobile for c in Contact.select()) == ["+989351110000", "+989351110001"]
    assert all(c.consent_sms == "unsubscribed" for c in Contact.select())
    last = InboundMessage.select().order_by(InboundMessage.id.desc()).get()
    assert last.contact_id is None and "not created" in last.data["contact"]


def test_stop_unsubscribes_every_contact_with_the_number_and_no_launch_texts_it(sms_app, users, provider_api,
                                                                              caller):
    gateway = http_gateway(provider_api)
    national = Contact.create(first_name="A", mobile="09120000000", consent_sms="subscribed")
    spaced = Contact.create(first_name="B", mobile="+98 912 000 0000", consent_sms="subscribed")
    assert post(caller, gateway, "inbound", data={"from": "989120000000", "text": "لغو"}).status_code == 200
    assert {Contact.get_by_id(c.id).consent_sms for c in (national, spaced)} == {"unsubscribed"}
    other = add_mobiles(1, start=1)[0]
    program = sms_program(users, gateway, [national.id, spaced.id, other])
    launch(program, actor=users["manager"])
    run_worker(sms_app, "sms")
    assert {m.contact_id: (m.status, m.reason) for m in Message.select()} == {
        national.id: ("skipped", "no_consent"), spaced.id: ("skipped", "no_consent"), other: ("sent", "")}
    assert [r.fields["to"] for r in provider_api.sent()] == [e164(0), e164(1)]  # the confirmation, the other


# -- sending -------------------------------------------------------------------------------------

def test_a_text_a_header_cannot_carry_fails_that_message_alone_and_sends_no_other_twice(sms_app, users,
                                                                                      provider_api):
    gateway = http_gateway(provider_api, headers="Authorization: Bearer {api_key}\nX-Text: {text}", concurrency=1)
    people = add_mobiles(3)
    Contact.update(first_name="سارا").where(Contact.id == people[1]).execute()
    Contact.update(first_name="{api_key}").where(Contact.id == people[2]).execute()
    program = sms_program(users, gateway, people, text="Hi {{ contact.first_name }}")
    launch(program, actor=users["manager"])
    run_worker(sms_app, "sms")
    found = {m.address: m for m in Message.select().where(Message.program == program)}
    assert found[e164(1)].status == "failed" and "header" in found[e164(1)].error
    assert (found[e164(0)].status, found[e164(2)].status) == ("sent", "sent")
    sent = provider_api.sent()
    assert sorted(r.fields["to"] for r in sent) == [e164(0), e164(2)]  # once each
    # A contact's text is filled in once: a placeholder in it is text, not the API key.
    assert [r.fields["text"] for r in sent if r.fields["to"] == e164(2)] == ["Hi {api_key}"]
    assert provider_api.api_key not in json.dumps([r.body for r in sent])


def test_a_message_queued_for_a_number_that_opted_out_is_not_sent(sms_app, users, provider_api, caller):
    gateway = http_gateway(provider_api)
    program = sms_program(users, gateway, add_mobiles(3))
    launch(program, actor=users["manager"])
    assert {s for s, _ in statuses(program).values()} == {"queued"}
    assert post(caller, gateway, "inbound", data={"from": "+989120000002", "text": "STOP"}).status_code == 200
    run_worker(sms_app, "sms")
    assert statuses(program) == {e164(0): ("sent", ""), e164(1): ("sent", ""), e164(2): ("skipped", "no_consent")}
    programs_sends = [r for r in provider_api.sent() if r.fields["ref"]]
    assert sorted(r.fields["to"] for r in programs_sends) == [e164(0), e164(1)]
    assert [r.fields["to"] for r in replies(provider_api)] == [e164(2)]  # the opt-out's confirmation


def test_numbers_at_launch_one_message_per_phone_landlines_and_garbage_skipped(sms_app, users, provider_api):
    gateway = http_gateway(provider_api)
    rows = [("09120000000", "subscribed"), ("+98 912 000 0000", "subscribed"), ("۰۹۱۲۰۰۰۰۰۰۱", "subscribed"),
            ("02188776655", "subscribed"), ("12ab", "subscribed")]
    ids = [Contact.create(first_name=f"P{i}", mobile=m, consent_sms=c).id for i, (m, c) in enumerate(rows)]
    program = sms_program(users, gateway, ids)
    launch(program, actor=users["manager"])
    found = {m.contact_id: (m.address, m.status, m.reason) for m in Message.select().where(Message.program == program)}
    assert found == {ids[0]: (e164(0), "queued", ""), ids[1]: (e164(0), "skipped", "duplicate"),
                     ids[2]: (e164(1), "queued", ""), ids[3]: ("+982188776655", "skipped", "not_mobile"),
                     ids[4]: ("12ab", "skipped", "invalid_address")}
    run_worker(sms_app, "sms")
    assert sorted(r.fields["to"] for r in provider_api.sent()) == [e164(0), e164(1)]


# -- a hostile SMSC's records (parked by the SMPP provider, handled by a poll) ---------------------

def test_parked_records_are_bounded_and_broken_concatenation_is_dropped(sms_app, monkeypatch):
    from chapar import get_redis
    from chapar_sms.providers import smpp

    gateway = make_gateway("smpp", {"host": "127.0.0.1", "port": 9, "system_id": "x"}, name="smsc")
    provider = smpp.SmppProvider(gateway)
    monkeypatch.setattr(smpp, "MAX_PARKED", 5)
    hello = b"hello".hex()

    def part(concat, data=hello, source="989120000000"):
        return {"kind": "inbound", "source": source, "ton": 1, "dest": "3000", "coding": 0, "concat": concat,
                "data": data, "at": 0}

    provider._park([part(None, source=f"98912000000{i}") for i in range(8)])
    assert get_redis().llen(smpp._key(gateway.id, "incoming")) == 5
    assert provider.handle_parked() == 5
    assert sorted(m.sender for m in InboundMessage.select()) == [e164(i) for i in range(3, 8)]
    InboundMessage.delete().execute()
    monkeypatch.setattr(smpp, "MAX_PARKED", 100)
    broken = [part([7, 2, 0]), part([7, 2, 3]), part([8, 0, 1]), part([9, 2, 1]), part([9, 2, 9])]
    provider._park(broken + [part([9, 2, 2], b"world".hex())])
    assert provider.handle_parked() == 6
    assert [m.body for m in InboundMessage.select()] == ["helloworld"]


def test_a_received_text_with_nul_characters_is_kept_and_acted_on(sms_app):
    from chapar_sms.providers import smpp

    gateway = make_gateway("smpp", {"host": "127.0.0.1", "port": 9, "system_id": "x"}, name="smsc")
    person = add_mobiles(1)[0]
    stop = "\0STOP\0".encode("utf-16-be").hex()  # UCS-2 may carry U+0000; PostgreSQL text cannot
    smpp.SmppProvider(gateway)._park([{"kind": "inbound", "source": "989120000000", "ton": 1, "dest": "3000\0",
                                       "coding": 8, "concat": None, "data": stop, "at": 0}])
    assert smpp.SmppProvider(gateway).handle_parked() == 1
    inbound = InboundMessage.get()
    assert (inbound.body, inbound.action, inbound.recipient) == ("STOP", "unsubscribed", "3000")
    assert Contact.get_by_id(person).consent_sms == "unsubscribed"


def test_an_smsc_announcing_a_huge_pdu_is_dropped_without_reading_it(sms_app):
    from chapar_process import free_port
    from chapar_sms.providers import smpp
    from chapar_sms.providers.base import ProviderError

    port = free_port()
    listener = socket.create_server(("127.0.0.1", port))

    def hostile():
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)  # the bind
            conn.sendall(struct.pack(">LLLL", 0x7FFFFFFF, 0x80000009, 0, 1) + b"x" * 4096)
            conn.recv(1)  # until the client hangs up

    thread = threading.Thread(target=hostile, daemon=True)
    thread.start()
    gateway = make_gateway("smpp", {"host": "127.0.0.1", "port": port, "system_id": "x"}, name="smsc")
    try:
        with pytest.raises(ProviderError, match="broken PDU"):
            smpp.SmppProvider(gateway).test_connection()
    finally:
        listener.close()
    thread.join()
