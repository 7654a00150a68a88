"""Which transport kinds exist: the built-in ones and those other plugins add.

A plugin adds a kind with the `register_fax_transports` hook of this plugin's own pluggy project
("chapar_fax"), found through the entry-point group `chapar_fax`:

    from chapar_fax import FaxTransport, hookimpl

    @hookimpl
    def register_fax_transports():
        return [MyFaxService]

A built-in transport that cannot be imported (a missing library, a syntax error) is logged and
left out: the other kinds, and the channel, keep working (chapar.load_plugin_manager).
"""
import logging
import threading

import pluggy
from chapar import InstanceCache, load_plugin_manager, registered_kinds

log = logging.getLogger(__name__)

hookspec = pluggy.HookspecMarker("chapar_fax")
hookimpl = pluggy.HookimplMarker("chapar_fax")
BUILTIN = ("chapar_fax.transports.hylafax", "chapar_fax.transports.email_gateway", "chapar_fax.transports.http")


class Specs:
    @hookspec
    def register_fax_transports():
        """Return a list of chapar_fax.FaxTransport subclasses: ways of delivering faxes."""


_manager = None
_lock = threading.Lock()
_instances = InstanceCache("fax transport", log)  # one transport per line and process
forget = _instances.forget
forget_all = _instances.forget_all


def manager():
    """The pluggy manager, with the built-in kinds and every `chapar_fax` entry point loaded once."""
    global _manager
    with _lock:
        if _manager is None:
            _manager = load_plugin_manager("chapar_fax", Specs, BUILTIN, log)
    return _manager


def register(plugin, name=None):
    """Add a module or object implementing `register_fax_transports` (tests, embedding code)."""
    return manager().register(plugin, name=name)


def unregister(plugin):
    manager().unregister(plugin)


def transport_kinds():
    """{kind: FaxTransport subclass}, built-in ones first."""
    from .base import FaxTransport

    return registered_kinds(manager().hook.register_fax_transports(), FaxTransport, "register_fax_transports", log)


def transport_for(line):
    """This process's transport instance for `line`, rebuilt when the line was saved since."""
    return _instances.get(line, transport_kinds())
