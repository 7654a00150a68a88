"""Which transport kinds exist: the built-in ones and those other plugins add.

A plugin adds a kind with the `register_fax_transports` hook of this plugin's own pluggy project
("chapar_fax"), found through the entry-point group `chapar_fax`:

    from chapar_fax import FaxTransport, hookimpl

    @hookimpl
    def register_fax_transports():
        return [MyFaxService]

A built-in transport that cannot be imported (a missing library, a syntax error) is logged and
left out: the other kinds, and the channel, keep working.
"""
import importlib
import importlib.metadata
import logging
import threading

import pluggy

log = logging.getLogger(__name__)

hookspec = pluggy.HookspecMarker("chapar_fax")
hookimpl = pluggy.HookimplMarker("chapar_fax")
ENTRY_POINT_GROUP = "chapar_fax"
BUILTIN = ("chapar_fax.transports.hylafax", "chapar_fax.transports.email_gateway", "chapar_fax.transports.http")


class Specs:
    @hookspec
    def register_fax_transports():
        """Return a list of chapar_fax.FaxTransport subclasses: ways of delivering faxes."""


_manager = None
_lock = threading.RLock()
_instances = {}  # line id -> (line.updated_at, transport instance)


def manager():
    """The pluggy manager, with the built-in kinds and every `chapar_fax` entry point loaded once."""
    global _manager
    with _lock:
        if _manager is None:
            pm = pluggy.PluginManager("chapar_fax")
            pm.add_hookspecs(Specs)
            for name in BUILTIN:
                try:
                    pm.register(importlib.import_module(name), name=name)
                except Exception:  # one broken transport must not take faxing down
                    log.exception("fax transport %s could not be loaded", name)
            for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                try:
                    pm.register(entry.load(), name=entry.name)
                except Exception:
                    log.exception("fax transport plugin %s failed to load", entry.name)
            _manager = pm
    return _manager


def register(plugin, name=None):
    """Add a module or object implementing `register_fax_transports` (tests, embedding code)."""
    return manager().register(plugin, name=name)


def unregister(plugin):
    manager().unregister(plugin)


def transport_kinds():
    """{kind: FaxTransport subclass}, built-in ones first."""
    from .base import FaxTransport

    found = {}
    for items in reversed(manager().hook.register_fax_transports()):
        for item in items or ():
            if isinstance(item, type) and issubclass(item, FaxTransport) and item.kind:
                found.setdefault(item.kind, item)
            else:
                log.error("register_fax_transports returned %r, not a FaxTransport subclass with a kind", item)
    return found


def transport_for(line):
    """This process's transport instance for `line`, rebuilt when the line was saved since."""
    kinds = transport_kinds()
    if line.kind not in kinds:
        raise LookupError(f"no fax transport of kind {line.kind!r} is installed")
    with _lock:
        stamp, instance = _instances.get(line.id, (None, None))
        if instance is not None and stamp == line.updated_at and type(instance) is kinds[line.kind]:
            return instance
        if instance is not None:
            _close(instance)
        instance = kinds[line.kind](line)
        _instances[line.id] = (line.updated_at, instance)
        return instance


def forget(line_id):
    """Drop (and close) the cached transport of a line that was changed or deleted."""
    with _lock:
        _stamp, instance = _instances.pop(line_id, (None, None))
    if instance is not None:
        _close(instance)


def forget_all():
    for line_id in list(_instances):
        forget(line_id)


def _close(instance):
    try:
        instance.close()
    except Exception:
        log.exception("closing fax transport %s", instance.kind)
