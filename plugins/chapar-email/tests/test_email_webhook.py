"""POST /email/webhook/bounces: providers report bounces and complaints with a shared secret;
no cookie, no CSRF token, nothing big, and nothing for messages we never sent."""
import logging

import pytest
from email_support import email_app, email_plugin  # noqa: F401
from sending_support import add_contacts, fixture_channel_on, make_program, run_worker  # noqa: F401

from chapar.models import ConsentRecord, Contact, Message
from chapar.programs import launch

SECRET = "s3cret-webhook-value-0123456789"
URL = "/email/webhook/bounces"


@pytest.fixture
def webhook(monkeypatch):
    """The shared secret configured (ask for it with email_app, which mounts the plugin's routes)."""
    from chapar_email import core_access

    assert not core_access.missing(), f"chapar must export {core_access.missing()} for bounces and complaints"
    monkeypatch.setenv("CHAPAR_EMAIL_WEBHOOK_SECRET", SECRET)


def post(app, body=None, secret=SECRET, data=None):
    headers = {"X-Chapar-Webhook-Secret": secret} if secret is not None else {}
    if data is not None:
        return app.test_client().post(URL, data=data, headers=headers, content_type="application/json")
    return app.test_client().post(URL, json=body, headers=headers)


def sent(app, make_program, count):
    program = make_program(contacts=add_contacts(count))
    launch(program)
    run_worker(app)
    return list(Message.select().where(Message.program == program).order_by(Message.id))


def test_a_wrong_or_missing_secret_is_refused(webhook, email_app, make_program, monkeypatch):
    message = sent(email_app, make_program, 1)[0]
    report = {"message_id": message.id, "type": "hard", "reason": "550 5.1.1 user unknown"}
    assert post(email_app, report, secret="wrong").status_code == 403
    assert post(email_app, report, secret=SECRET[:-1]).status_code == 403
    assert post(email_app, report, secret=None).status_code == 403
    monkeypatch.setenv("CHAPAR_EMAIL_WEBHOOK_SECRET", "")  # not configured: closed, even to ""
    assert post(email_app, report, secret="").status_code == 403
    assert Message.get_by_id(message.id).status == "sent"
    monkeypatch.setenv("CHAPAR_EMAIL_WEBHOOK_SECRET", SECRET)  # the right one, as a bearer token
    bearer = email_app.test_client().post(URL, json=report, headers={"Authorization": f"Bearer {SECRET}"})
    assert bearer.status_code == 200 and Message.get_by_id(message.id).status == "bounced"


def test_an_oversized_body_is_refused_before_it_is_read(webhook, email_app):
    body = b'{"message_id": 1, "type": "hard", "reason": "' + b"x" * 70_000 + b'"}'
    assert post(email_app, data=body).status_code == 413


def test_an_unknown_message_is_ignored_and_logged(webhook, email_app, make_program, caplog):
    message = sent(email_app, make_program, 1)[0]
    with caplog.at_level(logging.WARNING, logger="chapar_email.webhook"):
        response = post(email_app, [{"message_id": 987654, "type": "hard"},
                                    {"email": "never-mailed@example.test", "type": "complaint"}])
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == ["ignored", "ignored"]
    assert "987654" in caplog.text and "never-mailed@example.test" in caplog.text
    assert Message.get_by_id(message.id).status == "sent"
    assert ConsentRecord.select().where(ConsentRecord.method.in_(("bounce", "complaint"))).count() == 0


def test_hard_soft_and_complaint_reports_mark_messages_and_addresses(webhook, email_app, make_program):
    hard, soft, complaint = sent(email_app, make_program, 3)
    response = post(email_app, [
        {"message_id": hard.id, "type": "hard", "reason": "550 5.1.1 user unknown"},
        {"message_id": f"<chapar-{soft.id}@shop.example>", "type": "soft", "reason": "452 4.2.2 mailbox full"},
        {"email": complaint.address, "type": "complaint"},
    ])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r["status"] for r in response.get_json()["results"]] == ["bounced", "bounced", "complained"]
    assert Message.get_by_id(hard.id).status == "bounced" and "5.1.1" in Message.get_by_id(hard.id).error
    assert Message.get_by_id(soft.id).status == "bounced"
    consent = {m.id: Contact.get_by_id(m.contact_id).consent_email for m in (hard, soft, complaint)}
    assert consent == {hard.id: "bounced", soft.id: "subscribed", complaint.id: "complained"}


def test_a_report_of_the_wrong_type_or_shape_is_rejected(webhook, email_app):
    assert post(email_app, data=b"not json").status_code == 400
    assert post(email_app, []).status_code == 400
    response = post(email_app, {"message_id": 1, "type": "maybe"})
    assert response.status_code == 200 and response.get_json()["results"][0]["status"] == "invalid"
