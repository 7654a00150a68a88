"""The plugin manager: loading, isolating failures, and describing plugins.

Built-in defaults register through the same hooks as third-party plugins. A plugin that fails
to import, or raises inside a hook, is logged and recorded as broken; Chapar keeps running and
the Plugins page shows what went wrong.
"""
import importlib
import importlib.metadata
import logging
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pluggy

from . import hookspecs

log = logging.getLogger("chapar.plugins")

ENTRY_POINT_GROUP = "chapar"
# Modules inside Chapar that register through the hooks like any plugin.
DEFAULT_PLUGINS = ("chapar.webui.plugin",)

pm = pluggy.PluginManager("chapar")
pm.add_hookspecs(hookspecs)


@dataclass
class PluginState:
    name: str
    version: str = ""
    module: str = ""
    builtin: bool = False
    error: str = ""  # the traceback's last line when broken
    detail: str = ""  # the whole traceback, for the admin
    hooks: list = field(default_factory=list)

    @property
    def state(self):
        return "broken" if self.error else "active"


_states = {}
_disabled = ()


def _record_failure(name, exc, **info):
    state = _states.setdefault(name, PluginState(name=name, **info))
    state.error = f"{type(exc).__name__}: {exc}"
    state.detail = "".join(traceback.format_exception(exc))
    log.error("plugin %s is broken: %s", name, state.error)


def _register(plugin, name, **info):
    if pm.is_registered(plugin) or pm.get_plugin(name) is not None:
        return
    try:
        pm.register(plugin, name=name)
    except Exception as exc:  # a hook with a wrong signature fails here
        _record_failure(name, exc, **info)
        return
    _states[name] = PluginState(name=name, hooks=sorted(h.name for h in pm.get_hookcallers(plugin)), **info)


def load_plugins(disabled=(), entry_points=None):
    """Register the defaults and, unless told otherwise, every `chapar` entry point.

    Under pytest entry points are not loaded by default: tests register what they need.
    """
    global _disabled
    _disabled = tuple(disabled)
    if entry_points is None:
        entry_points = not getattr(sys, "_called_from_test", False)
    for module_name in DEFAULT_PLUGINS:
        name = module_name.rsplit(".", 1)[0] if module_name.endswith(".plugin") else module_name
        if name in _disabled:
            continue
        _register(importlib.import_module(module_name), name, module=module_name, builtin=True,
                  version=_version("chapar"))
    if entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in _disabled or ep.name in _states:
                continue
            info = dict(module=ep.value, version=ep.dist.version if ep.dist else "")
            try:
                plugin = ep.load()
            except Exception as exc:
                _record_failure(ep.name, exc, **info)
                continue
            _register(plugin, ep.name, **info)


def register_plugin(plugin, name=None, version=""):
    """Register a plugin object or module directly (tests and embedding code use this)."""
    name = name or getattr(plugin, "__name__", type(plugin).__name__)
    _register(plugin, name, module=getattr(plugin, "__name__", ""), version=version)
    return name


def unregister_plugin(name):
    plugin = pm.get_plugin(name)
    if plugin is not None:
        pm.unregister(plugin)
    _states.pop(name, None)


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return ""


def call_hook(hook_name, **kwargs):
    """Call every implementation of a hook, skipping and recording those that raise.

    Returns the non-None results, first registered first.
    """
    results = []
    for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls()):
        state = _states.get(impl.plugin_name)
        if state is not None and state.error:
            continue
        try:
            result = impl.function(*[kwargs[arg] for arg in impl.argnames])
        except Exception as exc:
            _record_failure(impl.plugin_name, exc)
            continue
        if result is not None:
            results.append(result)
    return results


def call_hook_flat(hook_name, **kwargs):
    """Like call_hook for hooks that return lists: one flat list of every item."""
    return [item for result in call_hook(hook_name, **kwargs) for item in result]


def plugin_states():
    """Every known plugin, loaded or broken, plus the disabled ones by name."""
    states = sorted(_states.values(), key=lambda s: (not s.builtin, s.name))
    disabled = [PluginState(name=n, error="") for n in _disabled if n not in _states]
    return states, disabled


def plugin_package_dir(name):
    """The folder of a loaded plugin's package, where its templates, static and migrations live."""
    plugin = pm.get_plugin(name)
    module_name = getattr(plugin, "__name__", None) or type(plugin).__module__
    module = sys.modules.get(module_name)
    if module is None or not getattr(module, "__file__", None):
        return None
    path = Path(module.__file__).parent
    return path


def plugin_dirs(subfolder):
    """(plugin name, folder) for every active non-builtin plugin that ships `subfolder`."""
    found = []
    for name, state in sorted(_states.items()):
        if state.builtin or state.error:
            continue
        base = plugin_package_dir(name)
        if base is not None and (base / subfolder).is_dir():
            found.append((name, base / subfolder))
    return found
