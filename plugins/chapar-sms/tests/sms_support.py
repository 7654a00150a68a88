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
        assert save_channel_settings("sms", {"public_url": PUBLIC_URL, "default_region": "IR"}) == {}
    yield app
    from chapar_sms.providers import registry

    for gateway_id in list(registry._instances):
        registry.forget(gateway_id)


def make_gateway(kind, settings=None, **fields):
    """An SmsGateway row of `kind` with `settings` (the provider's settings_fields values)."""
    from chapar_sms.gateways import SmsGateway

    values = {"name": f"{kind} gateway", "kind": kind, "sender": "Chapar", "is_default": True,
              "settings_json": json.dumps(settings or {}), **fields}
    return SmsGateway.create(**values)
