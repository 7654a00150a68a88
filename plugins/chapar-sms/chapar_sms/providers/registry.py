"""Which provider kinds exist: the built-in ones and those other plugins add.

A plugin adds a kind with the `register_sms_providers` hook of this plugin's own pluggy project
("chapar_sms"), found through the entry-point group `chapar_sms`:

    from chapar_sms import SmsProvider, hookimpl

    @hookimpl
    def register_sms_providers():
        return [MyGatewayProvider]
"""
import importlib.metadata
import logging
import threading

import pluggy

log = logging.getLogger(__name__)

hookspec = pluggy.HookspecMarker("chapar_sms")
hookimpl = pluggy.HookimplMarker("chapar_sms")
ENTRY_POINT_GROUP = "chapar_sms"
BUILTIN = ("chapar_sms.providers.kannel", "chapar_sms.providers.smpp", "chapar_sms.providers.http")


class Specs:
    @hookspec
    def register_sms_providers():
        """Return a list of chapar_sms.SmsProvider subclasses: kinds of SMS gateway."""


_manager = None
_lock = threading.Lock()
_instances = {}  # gateway id -> (gateway.updated_at, provider instance)


def manager():
    """The pluggy manager, with the built-in kinds and every `chapar_sms` entry point loaded once."""
    global _manager
    with _lock:
        if _manager is None:
            pm = pluggy.PluginManager("chapar_sms")
            pm.add_hookspecs(Specs)
            for name in BUILTIN:
                pm.register(importlib.import_module(name), name=name)
            for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                try:
                    pm.register(entry.load(), name=entry.name)
                except Exception:  # a broken add-on must not take SMS down
                    log.exception("SMS provider plugin %s failed to load", entry.name)
            _manager = pm
    return _manager


def provider_kinds():
    """{kind: SmsProvider subclass}, built-in ones first."""
    from .base import SmsProvider

    found = {}
    for items in reversed(manager().hook.register_sms_providers()):
        for item in items or ():
            if isinstance(item, type) and issubclass(item, SmsProvider) and item.kind:
                found.setdefault(item.kind, item)
            else:
                log.error("register_sms_providers returned %r, not an SmsProvider subclass with a kind", item)
    return found


def provider_for(gateway):
    """This process's provider instance for `gateway`, rebuilt when the gateway was saved since."""
    kinds = provider_kinds()
    if gateway.kind not in kinds:
        raise LookupError(f"no SMS provider of kind {gateway.kind!r} is installed")
    with _lock:
        stamp, instance = _instances.get(gateway.id, (None, None))
        if instance is not None and stamp == gateway.updated_at:
            return instance
        if instance is not None:
            _close(instance)
        instance = kinds[gateway.kind](gateway)
        _instances[gateway.id] = (gateway.updated_at, instance)
        return instance


def forget(gateway_id):
    """Drop (and close) the cached provider of a gateway that was deleted."""
    with _lock:
        _stamp, instance = _instances.pop(gateway_id, (None, None))
    if instance is not None:
        _close(instance)


def _close(instance):
    try:
        instance.close()
    except Exception:
        log.exception("closing SMS provider %s", instance.kind)
