"""Unsubscribe links: signed tokens under attack, a GET that never unsubscribes, RFC 8058
one-click without cookies or CSRF, and the per-channel preferences page."""
import base64
import random
import re

import pytest
from chapar.models import ConsentRecord, Contact
from chapar_email.tokens import (
    BadToken,
    one_click_url,
    sign,
    token_from_mailto_address,
    unsubscribe_mailto,
    unsubscribe_url,
    verify,
)
from fixture_plugin.testing import plugins  # noqa: F401 - fixtures
from pages_support import BASE, email_pages, events, migrated, sent_message  # noqa: F401 - fixtures
from sending_support import fixture_channel_on, make_program  # noqa: F401 - fixtures

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def token_of(url):
    return re.search(r"/u/([A-Za-z0-9_-]+)", url).group(1)


def flip(token, bit):
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[bit // 8] ^= 1 << (bit % 8)
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def refused(purpose, token):
    with pytest.raises(BadToken):
        verify(purpose, token)
    return True


# --- the tokens ------------------------------------------------------------------------------

def test_a_token_binds_its_message_and_contact_and_nothing_else(app):
    token = sign("unsubscribe", 1234567, 42)
    assert verify("unsubscribe", token) == (1234567, 42)
    assert len(token) < 40  # compact: fits a header line with room to spare
    assert sign("unsubscribe", 1234568, 42) != token and sign("unsubscribe", 1234567, 43) != token
    # Replay on another message or another contact: swapping the numbers under the same MAC fails.
    mac = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))[-16:]
    for other in ((1234568, 42), (1234567, 43), (42, 1234567)):
        forged_payload = base64.urlsafe_b64decode(sign("unsubscribe", *other) + "==")[:-16]
        assert refused("unsubscribe", base64.urlsafe_b64encode(forged_payload + mac).rstrip(b"=").decode())
    # Another purpose's token with the same numbers is refused too.
    assert refused("unsubscribe", sign("click", 1234567, 42))


def test_every_bit_flip_truncation_and_extension_is_refused(app):
    token = sign("unsubscribe", 987654321, 5)
    bits = len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8
    for bit in range(bits):
        assert refused("unsubscribe", flip(token, bit))
    for end in range(len(token)):
        assert refused("unsubscribe", token[:end])
    for extra in ("A", "AA", "=", "==", ".", "%3D"):
        assert refused("unsubscribe", token + extra)
    # The last character's spare bits decode to the same bytes: only the canonical form passes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spare = [token[:-1] + c for c in alphabet if c != token[-1]
             and base64.urlsafe_b64decode(token[:-1] + c + "==") == base64.urlsafe_b64decode(token + "==")]
    assert all(refused("unsubscribe", variant) for variant in spare)


def test_random_guesses_and_junk_are_refused(app):
    rng = random.Random(5)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for _ in range(2000):
        assert refused("unsubscribe", "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))))
    for junk in ("", " ", "../../etc", "A" * 500, "abc def", "ab+/", "٠١٢", None, 12):
        assert refused("unsubscribe", junk)


def test_a_new_secret_key_invalidates_old_links(app):
    token = sign("unsubscribe", 1, 2)
    app.config["SECRET_KEY"] = "another secret"
    assert refused("unsubscribe", token)


def test_urls_and_mailto_carry_the_token(app):
    url = unsubscribe_url(7, 8, base_url=BASE + "/")
    assert url.startswith(BASE + "/u/") and verify("unsubscribe", token_of(url)) == (7, 8)
    assert one_click_url(7, 8, base_url=BASE) == url + "/one-click"
    mailto = unsubscribe_mailto(7, 8, "news.example.test")
    assert mailto.startswith("mailto:unsubscribe+") and "@news.example.test" in mailto
    assert verify("unsubscribe", token_from_mailto_address(mailto)) == (7, 8)


# --- the pages -------------------------------------------------------------------------------

def consent_records(contact):
    return list(ConsentRecord.select().where(ConsentRecord.contact == contact.id).order_by(ConsentRecord.id))


def test_get_and_head_only_show_the_page(sent_message, client):
    message = sent_message()
    url = unsubscribe_url(message.id, message.contact_id)
    for path in (url, url + "/one-click"):
        page = client.get(path.removeprefix(BASE))
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Unsubscribe from all emails" in text and "s•••@example.test" in text and "Spring sale" in text
        assert "sara1@example.test" not in text  # whoever the email was forwarded to sees no address
        assert page.headers["Cache-Control"] == "no-store"
        assert client.raw.head(path.removeprefix(BASE)).status_code == 200
    assert Contact.get_by_id(message.contact_id).consent_email == "subscribed"
    assert consent_records(message.contact) == [] and events("unsubscribed") == []


def test_one_click_post_works_without_cookies_or_csrf_and_records_consent(sent_message, app):
    message = sent_message()
    path = one_click_url(message.id, message.contact_id).removeprefix(BASE)
    bare = app.test_client(use_cookies=False)
    response = bare.post(path, data=ONE_CLICK, headers={"User-Agent": "Gmail one-click"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert Contact.get_by_id(message.contact_id).consent_email == "unsubscribed"
    [record] = consent_records(message.contact)
    assert (record.channel, record.status, record.previous_status, record.method) == (
        "email", "unsubscribed", "subscribed", "unsubscribe_link")
    assert f"message {message.id}" in record.detail and "Spring sale" in record.detail and "one_click" in record.detail
    assert record.user_agent == "Gmail one-click"
    assert events("unsubscribed", message) == [{"channel": "email", "via": "one_click"}]
    # Providers may retry: a second POST answers 200 and writes nothing more.
    assert bare.post(path, data=ONE_CLICK).status_code == 200
    assert len(consent_records(message.contact)) == 1 and len(events("unsubscribed")) == 1


@pytest.mark.parametrize("status", ["bounced", "complained"])
def test_unsubscribing_an_address_that_bounced_or_complained_keeps_why_it_gets_nothing(sent_message, app, status):
    # Unsubscribed would lose the bounce: a later sign-up form would then mail a dead address again.
    message = sent_message()
    Contact.update(consent_email=status).where(Contact.id == message.contact_id).execute()
    bare = app.test_client(use_cookies=False)
    assert bare.post(one_click_url(message.id, message.contact_id).removeprefix(BASE), data=ONE_CLICK).status_code == 200
    assert Contact.get_by_id(message.contact_id).consent_email == status
    assert consent_records(message.contact) == []


def test_one_click_refuses_forged_tokens_and_a_missing_body(sent_message, app):
    message, other = sent_message(), sent_message()
    bare = app.test_client(use_cookies=False)
    token = token_of(unsubscribe_url(message.id, message.contact_id))
    assert bare.post(f"/u/{flip(token, 3)}/one-click", data=ONE_CLICK).status_code == 404
    # A token for this message naming the other contact was never signed: refused.
    forged = sign("unsubscribe", message.id, other.contact_id)[:-2] + "AA"
    assert bare.post(f"/u/{forged}/one-click", data=ONE_CLICK).status_code == 404
    assert bare.post(f"/u/{token}/one-click", data={}).status_code == 400
    assert bare.post(f"/u/{token}/one-click", data={"List-Unsubscribe": "no"}).status_code == 400
    for row in (message, other):
        assert Contact.get_by_id(row.contact_id).consent_email == "subscribed"


def test_the_page_form_needs_its_csrf_token_and_then_unsubscribes(sent_message, client, app):
    message = sent_message()
    path = unsubscribe_url(message.id, message.contact_id).removeprefix(BASE)
    assert app.test_client().post(path, data={"action": "unsubscribe"}).status_code == 400
    assert Contact.get_by_id(message.contact_id).consent_email == "subscribed"
    response = client.post(path, {"action": "unsubscribe"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are unsubscribed" in page
    [record] = consent_records(message.contact)
    assert record.method == "unsubscribe_link" and "via page" in record.detail


def test_preferences_save_per_channel_choices(sent_message, client):
    message = sent_message(mobile="+989121234567", consent_sms="subscribed", fax="+982188776655")
    path = unsubscribe_url(message.id, message.contact_id).removeprefix(BASE)
    page = client.get(path).get_data(as_text=True)
    assert 'name="consent_sms"' in page and 'name="consent_fax"' in page
    assert 'name="consent_print"' not in page  # no postal address: not offered
    # Keep email, stop SMS, start fax.
    response = client.post(path, {"action": "save", "channels": ["email", "sms", "fax"],
                                  "consent_email": "yes", "consent_fax": "yes"})
    assert response.status_code == 303
    contact = Contact.get_by_id(message.contact_id)
    assert (contact.consent_email, contact.consent_sms, contact.consent_fax) == ("subscribed", "unsubscribed",
                                                                                   "subscribed")
    changes = {(r.channel, r.status, r.method) for r in consent_records(contact)}
    assert changes == {("sms", "unsubscribed", "unsubscribe_link"), ("fax", "subscribed", "unsubscribe_link")}
    assert "Your choices are saved" in client.get(response.headers["Location"]).get_data(as_text=True)
    # A channel the form did not show is never touched.
    client.post(path, {"action": "save", "channels": ["print"]})
    assert Contact.get_by_id(message.contact_id).consent_print == "unknown"


def test_a_deleted_contact_is_told_so_and_nothing_breaks(sent_message, app):
    message = sent_message()
    Contact.delete_by_id(message.contact_id)
    path = unsubscribe_url(message.id, message.contact_id).removeprefix(BASE)
    bare = app.test_client(use_cookies=False)
    assert "no longer on our list" in bare.get(path).get_data(as_text=True)
    assert bare.post(path + "/one-click", data=ONE_CLICK).status_code == 200


def test_the_page_speaks_persian(sent_message, client):
    message = sent_message()
    path = unsubscribe_url(message.id, message.contact_id).removeprefix(BASE)
    page = client.get(path, headers={"Accept-Language": "fa"}).get_data(as_text=True)
    assert 'dir="rtl"' in page and "لغو اشتراک از همه ایمیل‌ها" in page


def test_rate_and_size_limits(sent_message, app, monkeypatch):
    message = sent_message()
    path = unsubscribe_url(message.id, message.contact_id).removeprefix(BASE)
    bare = app.test_client(use_cookies=False)
    assert bare.post(path + "/one-click", data={"List-Unsubscribe": "One-Click", "x": "y" * 10_000}).status_code == 413
    monkeypatch.setenv("CHAPAR_EMAIL_UNSUBSCRIBE_RATE_LIMIT", "3 per minute")  # the environment, as deployed
    codes = [bare.get(path, environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert bare.get(path, environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200


def test_the_mailto_path_unsubscribes_outside_a_request(sent_message, app):
    from chapar_email.unsubscribe import subscription, unsubscribe

    message = sent_message()
    recipient = unsubscribe_mailto(message.id, message.contact_id, "news.example.test").removeprefix("mailto:")
    record = unsubscribe(subscription(token_from_mailto_address(recipient)), "mailto")  # as the IMAP poller does
    assert record.method == "unsubscribe_link" and "via mailto" in record.detail and record.ip == ""
    assert unsubscribe(subscription(token_from_mailto_address(recipient)), "mailto") is None  # already out
    assert subscription(token_from_mailto_address(recipient.lower())) is None  # a lowercased token is refused
    assert Contact.get_by_id(message.contact_id).consent_email == "unsubscribed"
