"""Fixtures for the SMS plugin's tests: the plugin registered with its migrations, and gateways.

Import what a module needs: `from sms_support import sms_app, sms_plugin, make_gateway  # noqa: F401`.
"""
import json

import pytest
from chapar.schema import migrate
from fixture_plugin.testing import isolated_plugins

PUBLIC_URL = "https://chapar.example"


@pytest.fixture
def sms_plugin():
    """The plugin registered as Chapar registers an installed one (ask for it before `app`)."""
    import chapar_sms.plugin

    with isolated_plugins() as registry:
        registry.register(chapar_sms.plugin, name="sms", version="0.1.0")
        yield chapar_sms.plugin


@pytest.fixture
def sms_app(sms_plugin, app):
    """The app with the plugin's tables, and the channel's public URL set for callback URLs."""
    from chapar.channels import save_channel_settings

    migrate()
    with app.app_context():
        assert save_channel_settings("sms", sms_settings()) == {}
    yield app
    from chapar_sms.gateways import forget_read
    from chapar_sms.providers import registry

    for gateway_id in list(registry._instances):
        registry.forget(gateway_id)
    forget_read()  # the next test's gateway 1 is another one


@pytest.fixture
def provider_api():
    """A local HTTP server answering like a typical provider's JSON API (http_gateway_server.py)."""
    from http_gateway_server import GatewayServer

    server = GatewayServer().start()
    yield server
    server.stop()


@pytest.fixture
def caller(sms_app):
    """A gateway's view of Chapar: no cookies, no CSRF token (sms_app saves the keyword defaults)."""
    return sms_app.test_client()


def sms_settings(**changes):
    """The channel's settings as an admin who kept every default would save them, with `changes`."""
    from chapar_sms.settings import SETTINGS_FIELDS

    values = {field.name: field.default for field in SETTINGS_FIELDS}
    return {**values, "public_url": PUBLIC_URL, "default_region": "IR", **changes}


def make_gateway(kind, settings=None, **fields):
    """An SmsGateway row of `kind` with `settings` (the provider's settings_fields values)."""
    from chapar_sms.gateways import SmsGateway

    values = {"name": f"{kind} gateway", "kind": kind, "sender": "Chapar", "is_default": True,
              "settings_json": json.dumps(settings or {}), **fields}
    return SmsGateway.create(**values)


def add_mobiles(count, start=0, consent="subscribed", **extra):
    """`count` contacts with Iranian mobile numbers (09120000000 + i, as people type them) and
    SMS consent; returns their ids in order."""
    from chapar import Contact

    rows = [{"first_name": f"Person{i}", "last_name": "Test", "mobile": f"0912{i:07d}", "consent_sms": consent,
             **extra} for i in range(start, start + count)]
    for offset in range(0, len(rows), 500):
        Contact.insert_many(rows[offset:offset + 500]).execute()
    mobiles = [r["mobile"] for r in rows]
    return [c.id for offset in range(0, len(mobiles), 10_000)
            for c in Contact.select(Contact.id).where(Contact.mobile.in_(mobiles[offset:offset + 10_000]))
            .order_by(Contact.id)]


def e164(i):
    """The E.164 form of add_mobiles' i-th number."""
    return f"+98912{i:07d}"


def sms_program(users, gateway, contacts, text="Hello {{ contact.first_name }}", **fields):
    """A ready SMS program through `gateway` to the contact ids `contacts`."""
    from chapar.campaigns import save_campaign
    from chapar.programs import save_program

    campaign = save_campaign({"name": "Spring", "budget": "100"}, actor=users["manager"])
    data = {"name": "Spring SMS", "channel": "sms", "provider": str(gateway.id), "variants": {"": {"text": text}},
            "audience": {"include": [], "exclude": [], "contacts": list(contacts)}, "cost_per_unit": "0.01",
            **fields}
    return save_program(data, campaign=campaign, actor=users["manager"])
