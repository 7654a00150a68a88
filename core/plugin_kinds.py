"""A plugin's own kinds of provider, added by other plugins through a pluggy project of its own.

The SMS plugin's provider kinds (Kannel, SMPP, HTTP…) and the fax plugin's transport kinds are
found the same way: a pluggy project named after the plugin, its built-in modules, every
entry point of a group of that name, and one hook returning classes. Each configured account (a
gateway, a line) gets one instance per process, rebuilt when the account's row was saved since.
"""
import importlib
import importlib.metadata
import logging
import threading

import pluggy


def load_plugin_manager(project, specs, builtin=(), log=None):
    """A new pluggy PluginManager for `project`: the hook specifications `specs`, the modules named
    in `builtin`, and every entry point of the group `project`.

    A module or entry point that cannot be loaded (a missing library, a syntax error) is logged to
    `log` and left out, so one broken kind never takes the others down.
    """
    log = log or logging.getLogger(__name__)
    manager = pluggy.PluginManager(project)
    manager.add_hookspecs(specs)
    for name in builtin:
        try:
            manager.register(importlib.import_module(name), name=name)
        except Exception:  # the other kinds keep working
            log.exception("%s: built-in %s could not be loaded", project, name)
    for entry in importlib.metadata.entry_points(group=project):
        try:
            manager.register(entry.load(), name=entry.name)
        except Exception:  # a broken add-on must not take the plugin down
            log.exception("%s: plugin %s failed to load", project, entry.name)
    return manager


def registered_kinds(results, base, hook_name, log=None):
    """{kind: class} from a `register_*` hook's `results` (one list per implementation): the
    subclasses of `base` with a `kind`, the built-in ones (registered first) winning a clash.
    Anything else is logged and skipped."""
    log = log or logging.getLogger(__name__)
    found = {}
    for items in reversed(results):
        for item in items or ():
            if isinstance(item, type) and issubclass(item, base) and item.kind:
                found.setdefault(item.kind, item)
            else:
                log.error("%s returned %r, not a %s subclass with a kind", hook_name, item, base.__name__)
    return found


class InstanceCache:
    """This process's instance of each account's kind (a gateway's provider, a line's transport),
    keyed by the account's id and rebuilt when its `updated_at` or its kind changed.

    `what` names the kind in errors ("fax transport"). Iterating gives the cached account ids.
    """

    def __init__(self, what, log=None):
        self.what = what
        self.log = log or logging.getLogger(__name__)
        self._lock = threading.Lock()
        self._instances = {}  # account id -> (account.updated_at, instance)

    def __iter__(self):
        with self._lock:
            return iter(list(self._instances))

    def get(self, account, kinds):
        """The instance for `account` among `kinds` ({kind: class}); LookupError when its kind is
        not installed. A replaced instance is closed."""
        if account.kind not in kinds:
            raise LookupError(f"no {self.what} of kind {account.kind!r} is installed")
        with self._lock:
            stamp, instance = self._instances.get(account.id, (None, None))
            if instance is not None and stamp == account.updated_at and type(instance) is kinds[account.kind]:
                return instance
            if instance is not None:  # before the new one: a gateway may allow one connection only
                self._close(instance)
            instance = kinds[account.kind](account)
            self._instances[account.id] = (account.updated_at, instance)
            return instance

    def forget(self, account_id):
        """Drop (and close) the instance of an account that was changed or deleted."""
        with self._lock:
            _stamp, instance = self._instances.pop(account_id, (None, None))
        if instance is not None:
            self._close(instance)

    def forget_all(self):
        for account_id in self:
            self.forget(account_id)

    def _close(self, instance):
        try:
            instance.close()
        except Exception:  # a failing close must not stop the new instance
            self.log.exception("closing %s %s", self.what, instance.kind)
