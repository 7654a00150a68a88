"""Helpers for tests of campaigns, programs and the send pipeline.

Import the fixtures into a test module: `from sending_support import fixture_channel_on, make_program  # noqa`.
"""
import pytest

import fixture_channel
from chapar.campaigns import save_campaign
from chapar.models import Contact
from chapar.programs import save_program
from chapar.queue import get_redis
from fixture_plugin.testing import isolated_plugins

CONTENT = {"": {"subject": "Hello {{ contact.first_name|default('friend') }}",
                "body": "Dear {{ contact.full_name }}, spring sale! {{ links.unsubscribe }}"}}


@pytest.fixture
def fixture_channel_on(app):
    """The fixture channel installed for this test, with an empty record; yields the Redis client."""
    with isolated_plugins() as registry:
        registry.register(fixture_channel, name="fixture_channel")
        redis = get_redis()
        fixture_channel.reset(redis)
        yield redis


def add_contacts(count, start=0, consent="subscribed", **extra):
    """`count` contacts with email addresses and email consent; returns their ids in order."""
    rows = [{"first_name": f"Person{i}", "last_name": "Test", "email": f"person{i}@example.test",
             "consent_email": consent, **extra} for i in range(start, start + count)]
    for offset in range(0, len(rows), 500):
        Contact.insert_many(rows[offset:offset + 500]).execute()
    emails = [r["email"] for r in rows]
    return [c.id for offset in range(0, len(emails), 10_000)
            for c in Contact.select(Contact.id).where(Contact.email.in_(emails[offset:offset + 10_000]))
            .order_by(Contact.id)]


@pytest.fixture
def make_program(fixture_channel_on, users):
    """make_program(contacts=[ids], **fields) -> a ready Program of the fixture channel."""
    campaign = save_campaign({"name": "Spring", "budget": "100"}, actor=users["manager"])

    def make(contacts=(), **fields):
        data = {"name": "Spring email", "channel": "fixture", "variants": CONTENT,
                "audience": {"include": [], "exclude": [], "contacts": list(contacts)}, "cost_per_unit": "0.01",
                **fields}
        return save_program(data, campaign=campaign, actor=users["manager"])

    return make


def run_worker(app, channel="fixture"):
    """Run every job waiting on the default and the channel's send queue, in this process."""
    from chapar.worker import build_worker

    build_worker(app, ["default", f"send-{channel}"]).work(burst=True, with_scheduler=False)
