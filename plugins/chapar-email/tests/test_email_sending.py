"""A program of the email channel end to end, in-process: launch, run a worker, and every
recipient finds exactly one email in a real SMTP server (aiosmtpd), personalised, with the
headers a bulk sender needs."""
import email
import email.policy
import re

from chapar.campaigns import save_campaign
from chapar.models import Message, Program
from chapar.programs import launch, save_program
from chapar_email import verp
from email_support import email_app, email_plugin, faulty_smtp, make_identity, smtp_sink  # noqa: F401
from sending_support import add_contacts, run_worker

CONTENT = {"": {"subject": "Hello {{ contact.first_name }}",
                "preheader": "Spring sale for {{ contact.first_name }}",
                "html": "<p>Dear {{ contact.full_name }},</p><p><a href=\"https://shop.example/sale\">Shop now</a></p>"}}


def email_program(users, identity, contacts, **fields):
    campaign = save_campaign({"name": "Spring", "budget": "100"}, actor=users["manager"])
    data = {"name": "Spring email", "channel": "email", "provider": str(identity.id), "variants": CONTENT,
            "audience": {"include": [], "exclude": [], "contacts": list(contacts)}, "cost_per_unit": "0.001",
            **fields}
    return save_program(data, campaign=campaign, actor=users["manager"])


def parsed(data):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_each_recipient_gets_exactly_one_personalised_email(email_app, users, smtp_sink):
    identity = make_identity(smtp_sink)
    ids = add_contacts(120)  # more than two batches of 50
    program = email_program(users, identity, ids)
    assert launch(program, actor=users["manager"]).queued == 120
    run_worker(email_app, "email")
    assert Program.get_by_id(program.id).status == "sent"
    received = smtp_sink.handler.messages
    assert sorted(r for _s, rcpts, _d in received for r in rcpts) == sorted(f"person{i}@example.test" for i in range(120))
    messages = {m.address: m for m in Message.select().where(Message.program == program)}
    assert all(m.status == "sent" and m.provider_id == f"{verp.message_id_local(m.id)}@shop.example"
               for m in messages.values())
    sender, _rcpts, data = next(r for r in received if r[1] == ["person7@example.test"])
    msg = parsed(data)
    assert sender == "news@shop.example"
    assert msg["Subject"] == "Hello Person7"
    assert msg["Message-ID"] == f"<{messages['person7@example.test'].provider_id}>"
    assert msg["List-Unsubscribe"].startswith("<https://chapar.example/u/")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Dear Person7 Test" in msg.get_body(("plain",)).get_content()
    assert "Spring sale for Person7" in msg.get_body(("html",)).get_content()


def test_failures_are_per_recipient_and_a_hang_up_is_never_sent_twice(email_app, users, faulty_smtp):
    from chapar.models import Contact

    identity = make_identity(faulty_smtp)
    ids = add_contacts(3)
    bad = {"p550": add_contacts(1, start=100)[0], "drop": add_contacts(1, start=200)[0]}
    Contact.update(email="p550@example.test").where(Contact.id == bad["p550"]).execute()
    Contact.update(email="drop@example.test").where(Contact.id == bad["drop"]).execute()
    program = email_program(users, identity, ids + list(bad.values()))
    launch(program, actor=users["manager"])
    run_worker(email_app, "email")
    status = {m.address: m.status for m in Message.select().where(Message.program == program)}
    assert status["p550@example.test"] == "failed"
    assert status["drop@example.test"] == "uncertain"
    assert [status[f"person{i}@example.test"] for i in range(3)] == ["sent"] * 3
    assert len(faulty_smtp.handler.to("drop@example.test")) == 1


def test_tracking_rewrites_links_when_the_program_asks(email_app, users, smtp_sink, client):
    identity = make_identity(smtp_sink)
    content = {"": {**CONTENT[""], "utm": "utm_source=chapar&utm_medium=email"}}
    program = email_program(users, identity, add_contacts(2), variants=content, tracking=True)
    launch(program, actor=users["manager"])
    run_worker(email_app, "email")
    html = parsed(smtp_sink.handler.messages[0][2]).get_body(("html",)).get_content()
    assert "https://shop.example/sale" not in html and "https://chapar.example/t/" in html
    click = re.search(r'href="https://chapar\.example(/t/[^"]+)"', html).group(1)
    response = client.get(click)  # the plugin mounts the redirector: it leads to the email's own link
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("https://shop.example/sale?utm_source=chapar&utm_medium=email")
    text = parsed(smtp_sink.handler.messages[0][2]).get_body(("plain",)).get_content()
    assert "https://shop.example/sale" in text


def test_without_the_programs_tracking_switch_links_stay_as_written(email_app, users, smtp_sink):
    program = email_program(users, make_identity(smtp_sink), add_contacts(1))
    launch(program, actor=users["manager"])
    run_worker(email_app, "email")
    html = parsed(smtp_sink.handler.messages[0][2]).get_body(("html",)).get_content()
    assert "https://shop.example/sale" in html and "/t/" not in html


def test_the_installed_distribution_announces_the_plugin_and_its_channel(email_app):
    import importlib.metadata

    from chapar.channels import get_channel

    [entry] = [e for e in importlib.metadata.entry_points(group="chapar") if e.name == "email"]
    assert entry.value == "chapar_email.plugin" and entry.dist.name == "chapar-email"
    channel = get_channel("email")
    assert (channel.address, channel.cost_unit, channel.idempotent) == ("email", "email", False)
    assert {"delivery_receipts", "tracking", "attachments", "two_way"} == set(channel.capabilities)
    assert [f.name for f in channel.content_fields][:4] == ["subject", "preheader", "html", "text"]
