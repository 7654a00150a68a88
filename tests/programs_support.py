"""Shared set-up for the tests of campaigns and programs: the fixture channel installed, a
campaign, reachable contacts and a program ready to launch.

Import the fixtures into a test module: `from programs_support import channel, plugins`.
"""
import fixture_channel
import pytest
from fixture_plugin.testing import plugins  # noqa: F401 - a fixture, re-exported

from chapar import Channel, Field, hookimpl
from chapar.campaigns import save_campaign
from chapar.models import Contact
from chapar.programs import save_program

CONTENT = {"": {"subject": "Hello {{ contact.first_name }}", "body": "Spring sale for {{ contact.first_name }}"},
           "fa": {"subject": "سلام {{ contact.first_name }}", "body": "حراج بهاره"}}


@pytest.fixture
def channel(plugins, redis_url):  # noqa: F811
    """The fixture channel installed (it records sends in Redis instead of making them)."""
    plugins.register(fixture_channel, name="fixture_channel")
    return fixture_channel.RecordingChannel


def make_contacts(count, consent="subscribed", prefix="c", **fields):
    return [Contact.create(first_name=f"{prefix.upper()}{n}", email=f"{prefix}{n}@example.com",
                           consent_email=consent, **fields) for n in range(count)]


def make_campaign(name="Spring", **fields):
    return save_campaign({"name": name, **fields})


def ready_program(campaign, contacts, name="Newsletter", **fields):
    """A program of the fixture channel with content and hand-picked contacts: status ready."""
    data = {"name": name, "channel": "fixture", "variants": CONTENT,
            "audience": {"contacts": [c.id for c in contacts]}, **fields}
    return save_program(data, campaign=campaign)


class TrackedChannel(Channel):
    """A channel with senders, tracking and an HTML body: what the fixture channel lacks."""

    identifier, label, address, capabilities = "tracked", "Tracked mail", "email", frozenset({"tracking"})
    content_fields = (Field("subject", "Subject", required=True, template=True),
                      Field("html", "HTML body", kind="html", template=True))
    html_fields = ("html",)

    def providers(self, settings):
        return [("news", "news@shop.example"), ("sales", "sales@shop.example")]


class TrackedPlugin:
    @hookimpl
    def register_channels(self):
        return [TrackedChannel]
