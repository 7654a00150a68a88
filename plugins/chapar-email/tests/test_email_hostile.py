"""The email plugin's public endpoints attacked as an outsider would: forged and odd unsubscribe
tokens, the preferences form from another session, click redirects to places the email never
linked, and a bounce webhook fed junk (mail: test_email_hostile_mail.py). Every attack must
end in a clear refusal (404/400/403/413/429), never a server error, and change nobody's consent."""
import base64
import json
import re
from urllib.parse import urlsplit

import pytest
from chapar.models import ConsentRecord, Contact, EventRecord, Message
from chapar_email.click_link import ClickLink
from chapar_email.tokens import click_url, one_click_url, open_pixel_url, sign, unsubscribe_url
from chapar_email.tracking import store_links
from email_support import email_app, email_plugin  # noqa: F401 - fixtures
from fixture_plugin.testing import plugins  # noqa: F401 - fixtures
from pages_support import BASE, email_pages, events, migrated, sent_message  # noqa: F401 - fixtures
from sending_support import fixture_channel_on, make_program  # noqa: F401 - fixtures

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def raw_of(token):
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def encoded(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def path_of(url):
    return url.removeprefix(BASE)


def nobody_changed(*messages):
    return (all(Contact.get_by_id(m.contact_id).consent_email == "subscribed" for m in messages)
            and ConsentRecord.select().count() == 0 and events("unsubscribed") == [])


@pytest.fixture
def unlimited(monkeypatch):
    """Limits out of the way, for tests that try many attacks from one address."""
    monkeypatch.setenv("CHAPAR_EMAIL_UNSUBSCRIBE_RATE_LIMIT", "100000 per minute")
    monkeypatch.setenv("CHAPAR_EMAIL_TRACKING_RATE_LIMIT", "100000 per minute")


def hostile_tokens(genuine, other_message):
    """What an attacker holding one genuine unsubscribe token (and knowing ids) could try."""
    raw = raw_of(genuine)
    flipped = [encoded(raw[:i] + bytes([raw[i] ^ 1]) + raw[i + 1:]) for i in range(0, len(raw), 3)]
    # Another contact's (or message's) numbers under the genuine token's MAC.
    payload = raw_of(sign("unsubscribe", other_message.id, other_message.contact_id))[:-16]
    swapped = encoded(payload + raw[-16:])
    return flipped + [
        swapped, genuine[:-1], genuine[:10], genuine + "A", genuine + "%3D", "A" * 10_000,
        "%D8%AA%D9%88%DA%A9%D9%86",  # "توکن", percent-encoded UTF-8
        genuine.replace("A", "Ａ", 1) if "A" in genuine else "Ａ" + genuine,  # a full-width look-alike
        sign("click", other_message.id, other_message.contact_id),  # another purpose, same numbers
        sign("open", other_message.id), "..%2F..%2Fadmin", "%2e%2e",
    ]


# --- unsubscribe pages -----------------------------------------------------------------------

def test_forged_unsubscribe_tokens_are_refused_on_every_route(sent_message, app, unlimited):
    mine, victim = sent_message(), sent_message()
    genuine = re.search(r"/u/([^/]+)$", unsubscribe_url(mine.id, mine.contact_id)).group(1)
    bare = app.test_client(use_cookies=False)
    for token in hostile_tokens(genuine, victim):
        for method, suffix, data in (("get", "", None), ("get", "/one-click", None),
                                     ("post", "/one-click", ONE_CLICK), ("post", "", {"action": "unsubscribe"})):
            response = getattr(bare, method)(f"/u/{token}{suffix}", data=data)
            # 404: the token; 400 for the form without a CSRF token, which is checked first.
            assert response.status_code in (404, 400), (token, method, suffix, response.status_code)
            assert "Location" not in response.headers
    assert nobody_changed(mine, victim)


def test_a_nul_in_the_token_is_a_clear_400(sent_message, app):
    message = sent_message()
    bare = app.test_client(use_cookies=False)
    assert bare.post("/u/abc%00def/one-click", data=ONE_CLICK).status_code == 400
    assert nobody_changed(message)


def test_a_reused_message_id_does_not_unsubscribe_its_new_owner(sent_message, app):
    """SQLite reuses the highest id after a delete: a token signed for message 7 of Ali must not
    unsubscribe Sara, whose message is now number 7. Ali, whom the token names, is unsubscribed."""
    ali, sara = sent_message(), sent_message()
    token_for_old_message = one_click_url(sara.id, ali.contact_id)  # as if Sara's message had been Ali's
    bare = app.test_client(use_cookies=False)
    assert bare.post(path_of(token_for_old_message), data=ONE_CLICK).status_code == 200
    assert Contact.get_by_id(sara.contact_id).consent_email == "subscribed"
    assert Contact.get_by_id(ali.contact_id).consent_email == "unsubscribed"
    [record] = ConsentRecord.select()
    assert record.contact_id == ali.contact_id and "Spring sale" not in record.detail  # not Sara's program
    page = bare.get(path_of(unsubscribe_url(sara.id, ali.contact_id))).get_data(as_text=True)
    assert "s•••@example.test" in page and sara.program.name not in page


def test_the_token_of_a_deleted_contact_touches_nobody_else(sent_message, app):
    """A deleted contact's messages keep no contact; its id may be someone else's by now."""
    gone, other = sent_message(), sent_message()
    Message.update(contact=None).where(Message.id == gone.id).execute()  # as deleting the contact does
    bare = app.test_client(use_cookies=False)
    # The token names the deleted contact's id, which `other` now holds (SQLite reuses ids).
    url = one_click_url(gone.id, other.contact_id)
    assert bare.post(path_of(url), data=ONE_CLICK).status_code == 200
    assert "no longer on our list" in bare.get(path_of(url)).get_data(as_text=True)
    assert nobody_changed(other)


def test_the_preferences_form_needs_the_visitors_own_csrf_token(sent_message, app):
    """CSRF: a page that posts the form for a visitor (with a token from the attacker's own
    session) changes nothing; the visitor's own form does."""
    message = sent_message(mobile="+989121234567", consent_sms="subscribed")
    path = path_of(unsubscribe_url(message.id, message.contact_id))
    attacker = app.test_client()
    attacker_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                               attacker.get(path).get_data(as_text=True)).group(1)
    visitor = app.test_client()
    visitor.get("/login")  # the visitor has a session of their own
    forged = {"csrf_token": attacker_token, "action": "save", "channels": ["email", "sms"]}
    assert visitor.post(path, data=forged).status_code == 400
    assert visitor.post(path, data={"action": "unsubscribe"}).status_code == 400
    contact = Contact.get_by_id(message.contact_id)
    assert (contact.consent_email, contact.consent_sms) == ("subscribed", "subscribed")


def test_the_form_changes_only_the_channels_it_showed_for_the_tokens_contact(sent_message, client):
    message, other = sent_message(), sent_message(mobile="+989120000001", consent_sms="subscribed")
    path = path_of(unsubscribe_url(message.id, message.contact_id))
    hostile = {"action": "save", "channels": ["sms", "fax", "print", "bogus", "email' OR 1=1", "x" * 300],
               "consent_sms": "yes", "consent_fax": "yes", "consent_bogus": "yes", "contact": other.contact_id}
    assert client.post(path, hostile).status_code == 303
    contact, bystander = Contact.get_by_id(message.contact_id), Contact.get_by_id(other.contact_id)
    # This contact has no mobile, fax or address: none of those were shown, none is changed.
    assert (contact.consent_sms, contact.consent_fax, contact.consent_print) == ("unknown", "unknown", "unknown")
    assert (bystander.consent_email, bystander.consent_sms) == ("subscribed", "subscribed")
    assert client.post(path, {"action": "delete-everything"}).status_code == 400
    assert ConsentRecord.select().count() == 0


def test_looking_never_unsubscribes(sent_message, app):
    message = sent_message()
    url = path_of(one_click_url(message.id, message.contact_id))
    bare = app.test_client(use_cookies=False)
    assert bare.get(url + "?List-Unsubscribe=One-Click&action=unsubscribe").status_code == 200
    assert bare.head(url).status_code == 200
    assert bare.get(url, data="List-Unsubscribe=One-Click",
                    content_type="application/x-www-form-urlencoded").status_code == 400  # a GET with a body
    assert bare.get(url + "?done=<script>alert(1)</script>").get_data(as_text=True).count("<script>alert") == 0
    assert nobody_changed(message)


def test_one_click_bodies_other_than_the_rfc_8058_one_are_refused(sent_message, app):
    message = sent_message()
    url = path_of(one_click_url(message.id, message.contact_id))
    bare = app.test_client(use_cookies=False)
    assert bare.post(url, json={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert bare.post(url, data={"List-Unsubscribe": "one-click"}).status_code == 400
    assert bare.post(url, data={"List-Unsubscribe": ["One-Click", "x" * 5000]}).status_code == 413
    assert nobody_changed(message)


def test_rate_limits_come_from_the_environment_per_client_address(sent_message, app, monkeypatch):
    message = sent_message()
    page = path_of(unsubscribe_url(message.id, message.contact_id))
    pixel = path_of(open_pixel_url(message.id))
    bare = app.test_client(use_cookies=False)

    def codes(path, address, count):
        return [bare.get(path, environ_base={"REMOTE_ADDR": address}).status_code for _ in range(count)]

    monkeypatch.setenv("CHAPAR_EMAIL_UNSUBSCRIBE_RATE_LIMIT", "2 per minute")
    monkeypatch.setenv("CHAPAR_EMAIL_TRACKING_RATE_LIMIT", "3 per minute")
    assert codes(page, "198.51.100.7", 3) == [200, 200, 429]
    assert codes(pixel, "198.51.100.7", 4) == [200, 200, 200, 429]  # a limit of its own
    assert codes(page, "198.51.100.8", 1) == [200]  # another address is not held back
    # IPv6: one host holds a /64; rotating through it does not reset the count.
    assert codes(page, "2001:db8::1", 2) + codes(page, "2001:db8::ffff:2", 1) == [200, 200, 429]
    monkeypatch.setenv("CHAPAR_EMAIL_UNSUBSCRIBE_RATE_LIMIT", "lots please")  # a typo: the default applies
    assert codes(page, "198.51.100.9", 3) == [200, 200, 200]


# --- tracking --------------------------------------------------------------------------------

def test_the_redirector_sends_only_to_links_of_that_email(sent_message, app, unlimited):
    message, other = sent_message(), sent_message()
    store_links([(message.id, 0, "https://shop.example.test/sale"), (other.id, 0, "https://other.example.test/")])
    bare = app.test_client(use_cookies=False)
    genuine = path_of(click_url(message.id, 0)).rsplit("/", 1)[1]
    attempts = [click_url(message.id, 1), click_url(message.id, 10**9), click_url(10**15, 0)]  # out of range
    attempts += [f"{BASE}/t/c/{token}" for token in hostile_tokens(genuine, other)]
    attempts += [f"{BASE}/t/c/{genuine}?url=https://evil.example", f"{BASE}/t/c/{genuine}/..%2F..%2F%2Fevil.example",
                 f"{BASE}/t/c/%2F%2Fevil.example", f"{BASE}/t/c/https:%2F%2Fevil.example"]
    for url in attempts:
        response = bare.get(path_of(url), headers={"User-Agent": BROWSER})
        location = response.headers.get("Location", "")
        # Werkzeug itself may answer a doubled slash with a redirect to the same path on this host.
        assert location == "https://shop.example.test/sale" or urlsplit(location).netloc in ("", "localhost"), (
            url, location)
    # The other email's link 0 leads to the other email's URL only.
    assert bare.get(path_of(click_url(other.id, 0))).headers["Location"] == "https://other.example.test/"
    assert {e["url"] for e in events("clicked")} <= {"https://shop.example.test/sale", "https://other.example.test/"}


def test_a_reused_message_id_leads_to_the_new_emails_links(sent_message, app):
    """SQLite reuses a deleted program's last message ids; the links stored for the deleted email
    must not answer the clicks of the new one."""
    message = sent_message()
    store_links([(message.id, 0, "https://old-program.example.test/")])  # the deleted email's link
    store_links([(message.id, 0, "https://new-program.example.test/")])  # the new email, same id
    response = app.test_client(use_cookies=False).get(path_of(click_url(message.id, 0)))
    assert response.headers["Location"] == "https://new-program.example.test/"
    store_links([(message.id, 0, "https://new-program.example.test/")])  # a retried batch: no error
    assert ClickLink.select().where(ClickLink.message_id == message.id).count() == 1


@pytest.mark.parametrize("stored", [
    "//evil.example/x", "\\\\evil.example", "/\\evil.example", "https:evil.example", "https:/evil.example",
    "javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "data:text/html;base64,PHNjcmlwdD4=",
    "https://shop.example.test/\r\nSet-Cookie: pwned=1", "https://shop.example.test/%0d%0aSet-Cookie:%20x=1\r",
    " https://evil.example", "https://evil.example\t/", "vbscript:msgbox(1)", "ftp://evil.example/",
])
def test_a_stored_link_that_is_no_web_url_is_never_a_redirect(sent_message, app, stored):
    """Even a bad row (an old version, a hand-edited database) sends nobody off: 404."""
    message = sent_message()
    ClickLink.create(message_id=message.id, index=0, url=stored)
    response = app.test_client(use_cookies=False).get(path_of(click_url(message.id, 0)))
    assert response.status_code == 404 and "Location" not in response.headers
    assert "pwned" not in response.headers.get("Set-Cookie", "") and events("clicked") == []


def test_the_pixel_answers_forged_and_orphaned_tokens_without_recording(sent_message, app):
    message = sent_message()
    bare = app.test_client(use_cookies=False)
    genuine = path_of(open_pixel_url(message.id)).rsplit("/", 1)[1].removesuffix(".gif")
    flipped = encoded(bytes([raw_of(genuine)[0] ^ 1]) + raw_of(genuine)[1:])
    for token in (flipped, genuine[:-2], "A" * 5000, sign("click", message.id, 0), "%D9%BE"):
        assert bare.get(f"/t/o/{token}.gif").status_code == 404
    orphan = bare.get(path_of(open_pixel_url(message.id + 10**6)), headers={"User-Agent": BROWSER})
    assert orphan.status_code == 200 and orphan.headers["Content-Type"] == "image/gif"
    assert events("opened") == []


# --- the bounce webhook ----------------------------------------------------------------------

WEBHOOK = "/email/webhook/bounces"
SECRET = "hostile-tests-webhook-secret-0123456789"


@pytest.fixture
def webhook_app(email_app, monkeypatch):
    monkeypatch.setenv("CHAPAR_EMAIL_WEBHOOK_SECRET", SECRET)
    return email_app


@pytest.fixture
def delivered(webhook_app, make_program):
    """A message sent to a subscribed contact, for the webhook tests."""
    contact = Contact.create(email="target@example.test", consent_email="subscribed")
    program = make_program(contacts=[contact.id])
    return Message.create(program=program, contact=contact, address=contact.email, status="sent")


def hook(app, body=b"", secret=SECRET, address="203.0.113.5", **headers):
    if secret is not None:
        headers["X-Chapar-Webhook-Secret"] = secret
    return app.test_client(use_cookies=False).post(
        WEBHOOK, data=body if isinstance(body, bytes) else json.dumps(body), content_type="application/json",
        headers=headers, environ_base={"REMOTE_ADDR": address})


def test_deeply_nested_json_is_a_clear_400(webhook_app, delivered):
    bomb = b"[" * 20_000 + b"]" * 20_000  # 40 KB, within the size limit
    assert hook(webhook_app, bomb).status_code == 400
    assert hook(webhook_app, b'{"a":' * 5000 + b"1" + b"}" * 5000).status_code == 400
    assert Message.get_by_id(delivered.id).status == "sent"


def test_a_large_body_is_refused_before_the_secret_is_even_checked(webhook_app, delivered):
    """Nobody without the secret gets a megabyte of JSON parsed."""
    big = json.dumps([{"message_id": delivered.id, "type": "hard", "reason": "x" * 1000}] * 1000).encode()
    assert hook(webhook_app, big, secret=None).status_code == 413
    assert hook(webhook_app, big).status_code == 413
    assert Message.get_by_id(delivered.id).status == "sent"


@pytest.mark.parametrize("message_id", [
    "²", "¹²³", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠", "9" * 30, str(2**63), "-1", "0x10", " ", ["1"], {"id": 1}, True, 1.5,
    "<chapar-99999999999999999999@shop.example>",
])
def test_odd_message_ids_are_ignored_not_a_server_error(webhook_app, delivered, message_id):
    response = hook(webhook_app, {"message_id": message_id, "type": "hard"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"][0]["status"] in ("ignored", "invalid")
    assert Message.get_by_id(delivered.id).status == "sent"


@pytest.mark.parametrize("report", [
    {"email": ["target@example.test"], "type": "hard"}, {"email": {"a": 1}, "type": "hard"},
    {"message_id": None, "email": None, "type": "hard"}, {"type": ["hard"], "email": "target@example.test"},
    {"type": None}, {"email": "target@example.test\r\nBcc: x@evil.example", "type": "hard"},
])
def test_odd_report_fields_are_ignored_or_invalid(webhook_app, delivered, report):
    response = hook(webhook_app, report)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"][0]["status"] in ("ignored", "invalid")
    assert Contact.get_by_id(delivered.contact_id).consent_email == "subscribed"


def test_guessing_the_secret_is_rate_limited_but_a_provider_is_not(webhook_app, delivered):
    report = {"message_id": delivered.id, "type": "soft", "reason": "452 4.2.2 mailbox full"}
    codes = [hook(webhook_app, report, secret=f"guess-{n}").status_code for n in range(21)]
    assert codes == [403] * 20 + [429]
    assert hook(webhook_app, report, secret=SECRET).status_code == 429  # that address is held back now
    # The provider posts from elsewhere, as often as it needs to.
    assert all(hook(webhook_app, report, address="198.51.100.20").status_code == 200 for _ in range(25))
    assert EventRecord.select().where(EventRecord.name == "bounced").count() == 25


def test_a_full_batch_of_reports_for_one_message_is_handled_and_one_more_refused(webhook_app, delivered):
    reports = [{"message_id": delivered.id, "type": "soft", "reason": f"452 try {n}"} for n in range(100)]
    response = hook(webhook_app, reports)
    assert response.status_code == 200 and {r["status"] for r in response.get_json()["results"]} == {"bounced"}
    assert hook(webhook_app, reports + [reports[0]]).status_code == 400
    assert EventRecord.select().where(EventRecord.name == "bounced").count() == 100
