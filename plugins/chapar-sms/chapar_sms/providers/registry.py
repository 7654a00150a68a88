"""Which provider kinds exist: the built-in ones and those other plugins add.

A plugin adds a kind with the `register_sms_providers` hook of this plugin's own pluggy project
("chapar_sms"), found through the entry-point group `chapar_sms`:

    from chapar_sms import SmsProvider, hookimpl

    @hookimpl
    def register_sms_providers():
        return [MyGatewayProvider]

A kind that cannot be loaded is logged and left out (chapar.load_plugin_manager).
"""
import logging
import threading

import pluggy
from chapar import InstanceCache, load_plugin_manager, registered_kinds

log = logging.getLogger(__name__)

hookspec = pluggy.HookspecMarker("chapar_sms")
hookimpl = pluggy.HookimplMarker("chapar_sms")
BUILTIN = ("chapar_sms.providers.kannel", "chapar_sms.providers.smpp", "chapar_sms.providers.http")


class Specs:
    @hookspec
    def register_sms_providers():
        """Return a list of chapar_sms.SmsProvider subclasses: kinds of SMS gateway."""


_manager = None
_lock = threading.Lock()
_instances = InstanceCache("SMS provider", log)  # one provider per gateway and process
forget = _instances.forget


def manager():
    """The pluggy manager, with the built-in kinds and every `chapar_sms` entry point loaded once."""
    global _manager
    with _lock:
        if _manager is None:
            _manager = load_plugin_manager("chapar_sms", Specs, BUILTIN, log)
    return _manager


def provider_kinds():
    """{kind: SmsProvider subclass}, built-in ones first."""
    from .base import SmsProvider

    return registered_kinds(manager().hook.register_sms_providers(), SmsProvider, "register_sms_providers", log)


def provider_for(gateway):
    """This process's provider instance for `gateway`, rebuilt when the gateway was saved since."""
    return _instances.get(gateway, provider_kinds())
