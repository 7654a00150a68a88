"""The plugin's seams: the channel is registered, callbacks are secret-protected, unknown receipts ignored."""
from sms_support import make_gateway, sms_app, sms_plugin  # noqa: F401


def test_the_sms_channel_is_registered(sms_app):
    from chapar.channels import channels

    assert "sms" in channels()


def test_a_callback_needs_the_gateways_secret(sms_app, client):
    gateway = make_gateway("kannel")
    assert client.get(f"/sms/gateways/{gateway.id}/receipt").status_code == 403
    assert client.get(f"/sms/gateways/{gateway.id}/receipt?secret=wrong").status_code == 403
    assert client.get(f"/sms/gateways/{gateway.id + 1}/receipt?secret={gateway.secret}").status_code == 403


def test_the_periodic_hook_waits_quietly_for_the_plugins_migration(sms_plugin, app):
    from chapar.plugins import call_hook, plugin_states

    call_hook("periodic")  # no sms_gateway table yet: nothing to poll, and no error
    assert next(s for s in plugin_states()[0] if s.name == "sms").state == "active"
