"""The generic HTTP gateway end to end against a local provider-like JSON API: programs sent, the
provider's answers mapped onto message statuses, delivery reports and received messages through the
callback route, and the settings form's checks."""
import datetime
import json
from urllib.parse import urlsplit

import pytest
from chapar import Contact, InboundMessage, Message, utcnow
from chapar.programs import launch
from chapar_process import free_port
from sending_support import run_worker
from sms_support import (PUBLIC_URL, add_mobiles, caller, e164, make_gateway, provider_api, sms_app,  # noqa: F401
                         sms_plugin, sms_program)

JSON_BODY = '{"to": "{to}", "from": "{sender}", "text": "{text}", "ref": "{reference}", "callback": "{receipt_url}"}'


def http_gateway(server, name="http gateway", is_default=True, **settings):
    values = {"method": "POST", "url": f"{server.url}/api/send", "api_key": server.api_key,
              "headers": "Authorization: Bearer {api_key}\nX-Client: chapar", "content_type": "json",
              "body": JSON_BODY, "success": "status=ok", "message_id_path": "data.id", "concurrency": 2, **settings}
    return make_gateway("http", values, name=name, is_default=is_default)


def sent_program(users, gateway, count, text="Hello {{ contact.first_name }}", start=0):
    program = sms_program(users, gateway, add_mobiles(count, start=start), text=text)
    launch(program, actor=users["manager"])
    return program


def messages(program):
    return {m.address: m for m in Message.select().where(Message.program == program)}


def test_a_program_reaches_the_api_with_persian_text_and_quotes_intact(sms_app, users, provider_api):
    gateway = http_gateway(provider_api, concurrency=1)
    tail = '، «حراج» "بهار" \\ تا ۵۰٪ {"x": 1}\nبا تشکر از همراهی شما در این سال'
    text = "سلام {{ contact.first_name }}" + tail
    program = sent_program(users, gateway, 5, text=text)
    run_worker(sms_app, "sms")
    sent = provider_api.sent()
    assert sorted(r.fields["to"] for r in sent) == [e164(i) for i in range(5)]
    by_to = {r.fields["to"]: r for r in sent}
    assert by_to[e164(3)].fields["text"] == "سلام Person3" + tail
    assert by_to[e164(3)].fields["from"] == "Chapar"
    assert by_to[e164(3)].headers["X-Client"] == "chapar"
    found = messages(program)
    assert all(m.status == "sent" for m in found.values())
    message = found[e164(3)]
    assert by_to[e164(3)].fields["ref"] == f"chapar-{message.id}"
    callback = urlsplit(by_to[e164(3)].fields["callback"])
    assert callback.path == f"/sms/gateways/{gateway.id}/receipt" and f"message={message.id}" in callback.query
    assert sorted(m.provider_id for m in found.values()) == sorted(f"abc{i}" for i in range(1, 6))
    assert message.units == 2  # 71+ UCS-2 characters: two segments, and the cost says so
    assert len(by_to[e164(3)].fields["text"]) > 70
    assert provider_api.connections == 1  # one kept-alive connection for every request


def test_a_connection_the_provider_closed_is_replaced_before_sending(sms_app, users, provider_api):
    gateway = http_gateway(provider_api, concurrency=1)
    first = sent_program(users, gateway, 2)
    run_worker(sms_app, "sms")
    provider_api.hang_up_idle()
    second = sent_program(users, gateway, 2, start=10)
    run_worker(sms_app, "sms")
    assert {m.status for m in [*messages(first).values(), *messages(second).values()]} == {"sent"}
    assert len(provider_api.sent()) == 4 and provider_api.connections == 2


def test_get_and_form_requests_escape_every_placeholder(sms_app, users, provider_api):
    get = http_gateway(provider_api, method="GET", name="get",
                       url=provider_api.url + "/api/send?apikey={api_key}&to={to_digits}&text={text}&n={to_national}")
    sent_program(users, get, 1, text="Tom & Jerry = 100% ?a=b#frag")
    run_worker(sms_app, "sms")
    [request] = provider_api.sent()
    assert request.method == "GET"
    assert request.fields == {"apikey": "secret-key", "to": "989120000000", "text": "Tom & Jerry = 100% ?a=b#frag",
                              "n": "09120000000"}
    form = http_gateway(provider_api, name="form", content_type="form", is_default=False,
                        body="apikey={api_key}&to={to}&text={text}")
    sent_program(users, form, 1, text="Tom & Jerry + «دوستان»", start=10)
    run_worker(sms_app, "sms")
    request = provider_api.sent()[-1]
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert request.fields == {"apikey": "secret-key", "to": e164(10), "text": "Tom & Jerry + «دوستان»"}
    bare = http_gateway(provider_api, name="post without body", is_default=False, body="",
                        url=provider_api.url + "/api/send?apikey={api_key}&to={to}&text={text}")
    sent_program(users, bare, 1, text="Hi", start=20)
    run_worker(sms_app, "sms")
    request = provider_api.sent()[-1]
    assert (request.method, request.body, request.fields["to"], request.fields["text"]) == ("POST", "", e164(20), "Hi")


def test_provider_answers_map_onto_message_statuses(sms_app, users, provider_api):
    gateway = http_gateway(provider_api, concurrency=1)
    provider_api.fail_next(429, {"status": "error", "message": "slow down"}, {"Retry-After": "120"})
    provider_api.fail_next(503, {"status": "error", "message": "maintenance"})
    provider_api.fail_next(200, {"status": "error", "message": "no credit left"})
    provider_api.fail_next(400, {"status": "error", "message": "bad number " + "x" * 500})
    provider_api.fail_next(None)  # hangs up after reading the request
    before = utcnow()
    program = sent_program(users, gateway, 6)
    run_worker(sms_app, "sms")
    assert len(provider_api.requests) == 6  # nothing sent twice
    by_address = messages(program)
    found = {r.answer if r.answer != 200 or i < 5 else "ok": by_address[r.fields["to"]]
             for i, r in enumerate(provider_api.requests)}  # one request at a time: answered in order
    throttled = found[429]
    assert throttled.status == "queued" and "slow down" in throttled.error
    assert throttled.next_attempt_at >= before + datetime.timedelta(seconds=120)
    assert found[503].status == "queued" and "HTTP 503" in found[503].error
    assert found[200].status == "failed" and "no credit left" in found[200].error
    assert found[400].status == "failed" and "bad number" in found[400].error and len(found[400].error) < 300
    assert found[None].status == "uncertain"
    assert found["ok"].status == "sent"


def test_a_wrong_api_key_fails_every_message_with_the_providers_words(sms_app, users, provider_api):
    program = sent_program(users, http_gateway(provider_api, api_key="wrong"), 2)
    run_worker(sms_app, "sms")
    assert {(m.status, "HTTP 401" in m.error and "invalid api key" in m.error) for m in messages(program).values()} \
        == {("failed", True)}


def test_an_unreachable_api_leaves_the_messages_queued_for_later(sms_app, users, provider_api):
    gateway = http_gateway(provider_api, url=f"http://127.0.0.1:{free_port()}/api/send")
    program = sent_program(users, gateway, 3)
    run_worker(sms_app, "sms")
    assert {(m.status, "unreachable" in m.error) for m in messages(program).values()} == {("queued", True)}
    assert provider_api.requests == []


def callback(browser, gateway, name, secret=None, **kwargs):
    return browser.post(f"/sms/gateways/{gateway.id}/{name}?secret={secret or gateway.secret}", **kwargs)


def test_delivery_reports_move_messages_on(sms_app, users, provider_api, caller):
    gateway = http_gateway(provider_api)
    program = sent_program(users, gateway, 4)
    run_worker(sms_app, "sms")
    found = messages(program)
    first, second, third, fourth = (found[e164(i)] for i in range(4))
    delivered = callback(caller, gateway, "receipt", json={"id": first.provider_id, "status": "DELIVERED"})
    assert delivered.status_code == 200
    assert callback(caller, gateway, "receipt", data={"id": second.provider_id, "status": "undeliv",
                                                      "error": "absent subscriber"}).status_code == 200
    # The receipt URL we gave, with our message id, and the status in the query string.
    response = caller.get(f"/sms/gateways/{gateway.id}/receipt?secret={gateway.secret}&message={third.id}"
                          "&status=EXPIRED")
    assert response.status_code == 200
    unknown = callback(caller, gateway, "receipt", json={"id": "nobody-knows", "status": "DELIVERED"})
    assert unknown.status_code == 200  # logged and ignored: the gateway must not retry it forever
    odd_word = callback(caller, gateway, "receipt", json={"id": fourth.provider_id, "status": "WHATEVER"})
    assert odd_word.status_code == 200
    assert callback(caller, gateway, "receipt", json={"status": "DELIVERED"}).status_code == 400
    assert callback(caller, gateway, "receipt", secret="wrong", json={"id": fourth.provider_id,
                                                                      "status": "FAILED"}).status_code == 403
    found = messages(program)
    assert found[e164(0)].status == "delivered"
    assert found[e164(1)].status == "failed" and "absent subscriber" in found[e164(1)].error
    assert found[e164(2)].status == "failed" and "expired" in found[e164(2)].error
    assert found[e164(3)].status == "sent"


def test_receipt_field_names_and_words_are_settings(sms_app, users, provider_api, caller):
    gateway = http_gateway(provider_api, receipt_id_field="result.msgid", receipt_status_field="result.state",
                           status_map="2=delivered, 5=failed")
    program = sent_program(users, gateway, 1)
    run_worker(sms_app, "sms")
    message = messages(program)[e164(0)]
    body = {"result": {"msgid": message.provider_id, "state": 2}}
    assert callback(caller, gateway, "receipt", json=body).status_code == 200
    assert Message.get_by_id(message.id).status == "delivered"


def test_a_stop_reply_unsubscribes_and_the_confirmation_goes_through_the_api(sms_app, users, provider_api,
                                                                             caller):
    gateway = http_gateway(provider_api)
    program = sent_program(users, gateway, 2)
    run_worker(sms_app, "sms")
    assert callback(caller, gateway, "inbound", data={"from": "989120000001", "to": "3000", "text": " stop! ",
                                                      "id": "in-1"}).status_code == 200
    contact = Contact.get(Contact.mobile == "09120000001")
    assert contact.consent_sms == "unsubscribed"
    assert Contact.get(Contact.mobile == "09120000000").consent_sms == "subscribed"
    inbound = InboundMessage.get(InboundMessage.provider_id == "in-1")
    assert (inbound.sender, inbound.recipient, inbound.action) == (e164(1), "3000", "unsubscribed")
    assert (inbound.contact_id, inbound.program_id) == (contact.id, program.id)
    reply = provider_api.sent()[-1]
    assert reply.fields["to"] == e164(1) and "unsubscribed" in reply.fields["text"]
    assert inbound.data["reply"] == "sent"


def test_persian_opt_out_and_ordinary_replies_in_json(sms_app, users, provider_api, caller):
    gateway = http_gateway(provider_api, inbound_from_field="sms.sender", inbound_text_field="sms.body")
    sent_program(users, gateway, 2)
    run_worker(sms_app, "sms")
    requests_before = len(provider_api.requests)
    assert callback(caller, gateway, "inbound", json={"sms": {"sender": "+98 912 000 0000",
                                                              "body": "ممنون، عالی بود"}}).status_code == 200
    assert len(provider_api.requests) == requests_before  # no keyword: no reply
    assert Contact.get(Contact.mobile == "09120000000").consent_sms == "subscribed"
    opt_out = {"sms": {"sender": "۰۹۱۲۰۰۰۰۰۰۰", "body": "لغـو."}}  # Persian digits, a tatweel, a full stop
    assert callback(caller, gateway, "inbound", json=opt_out).status_code == 200
    assert Contact.get(Contact.mobile == "09120000000").consent_sms == "unsubscribed"
    actions = [m.action for m in InboundMessage.select().order_by(InboundMessage.id)]
    assert actions == ["", "unsubscribed"]
    assert callback(caller, gateway, "inbound", json={"sms": {"body": "STOP"}}).status_code == 400


def test_the_connection_test_reports_what_the_api_answered(sms_app, provider_api):
    from chapar_sms.providers.base import ProviderError
    from chapar_sms.providers.registry import provider_for

    gateway = http_gateway(provider_api, status_url=provider_api.url + "/api/balance?apikey={api_key}")
    line = provider_for(gateway).test_connection()
    assert line.startswith("HTTP 200 OK") and "1000" in line
    bare = http_gateway(provider_api, name="bare", is_default=False)
    assert provider_for(bare).test_connection() == "HTTP 404 Not Found"  # HEAD of the host's root
    down = http_gateway(provider_api, name="down", is_default=False, url=f"http://127.0.0.1:{free_port()}/send")
    with pytest.raises(ProviderError):
        provider_for(down).test_connection()


def test_settings_are_checked_before_they_are_saved(sms_app, provider_api):
    from chapar_sms.providers.http import HttpProvider

    check = HttpProvider(http_gateway(provider_api)).validate_settings
    good = {"method": "POST", "url": "https://api.example/send?to={to}", "content_type": "json", "body": JSON_BODY,
            "headers": "Authorization: Bearer {api_key}", "success": "re:^\\{\"ok\"", "status_map": "OK=delivered"}
    assert check(good) == {}
    assert set(check({**good, "url": "ftp://api.example/send"})) == {"url"}
    assert set(check({**good, "url": "api.example/send"})) == {"url"}
    assert "recipient" in check({**good, "url": "https://api.example/?to={recipient}"})["url"]
    assert set(check({**good, "body": '{"to": {to}, "text": "{text}"}'})) == {"body"}  # unquoted: no JSON
    assert set(check({**good, "headers": "Authorization Bearer x"})) == {"headers"}
    assert set(check({**good, "status_map": "OK=sent"})) == {"status_map"}
    assert set(check({**good, "message_id_path": "re:(unclosed"})) == {"message_id_path"}
    assert set(check({**good, "timeout": 0})) == {"timeout"}
    assert check({**good, "method": "GET", "body": "not json"}) == {}  # a GET has no body


def test_a_message_id_found_by_regular_expression(sms_app, users, provider_api):
    gateway = http_gateway(provider_api, message_id_path='re:"id": "(\\w+)"', success='re:"status": "ok"')
    program = sent_program(users, gateway, 1)
    run_worker(sms_app, "sms")
    assert messages(program)[e164(0)].provider_id == "abc1"
    assert json.loads(provider_api.sent()[0].body)["to"] == e164(0)
