"""The plugin manager: loading, isolating failures, and describing plugins.

Built-in defaults register through the same hooks as third-party plugins. A plugin that fails
to import, fails validation, raises inside a hook or returns the wrong shape is logged and
recorded as broken; Chapar keeps running without it and the Plugins page shows what went wrong.
"""
import importlib
import importlib.metadata
import logging
import sys
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path

import pluggy
from flask import Blueprint

from . import hookspecs
from .channels.base import Channel
from .contacts.timeline import TimelineEntry
from .segments.extension import SegmentFilter
from .ui import DashboardPanel, MenuItem

log = logging.getLogger("chapar.plugins")

ENTRY_POINT_GROUP = "chapar"
# Modules inside Chapar that register through the hooks like any plugin, by plugin name.
DEFAULT_PLUGINS = {"webui": "chapar.webui.plugin"}
# What list-returning hooks must return: a list of these. Others return a dict or nothing.
LIST_RESULTS = {"register_blueprints": Blueprint, "menu_items": MenuItem, "program_actions": MenuItem,
                "dashboard_panels": DashboardPanel,
                "register_segment_filters": SegmentFilter, "contact_timeline": TimelineEntry}
DICT_RESULTS = {"extra_template_vars"}
# Hooks whose items may be classes as well as instances of the kind.
CLASS_OR_INSTANCE = {"register_channels": Channel}
LIST_RESULTS.update(CLASS_OR_INSTANCE)


def _is_kind(item, kind):
    return isinstance(item, kind) or (kind in CLASS_OR_INSTANCE.values() and isinstance(item, type)
                                      and issubclass(item, kind))

pm = pluggy.PluginManager("chapar")
pm.add_hookspecs(hookspecs)


class PluginError(Exception):
    """A plugin broke a rule of the seam (unknown hook, wrapper, wrong return shape)."""


@dataclass
class PluginState:
    name: str
    version: str = ""
    module: str = ""
    origin: str = "registered"  # "builtin", "entrypoint" or "registered" (register_plugin)
    error: str = ""  # the exception's one-line summary when broken
    detail: str = ""  # the whole traceback, for the admin
    hooks: list = field(default_factory=list)

    @property
    def builtin(self):
        return self.origin == "builtin"

    @property
    def state(self):
        return "broken" if self.error else "active"


_states = {}
_disabled = ()


def _record_failure(name, exc, hook=None, **info):
    state = _states.setdefault(name, PluginState(name=name, **info))
    state.error = f"{type(exc).__name__}: {exc}" + (f" (in {hook})" if hook else "")
    state.detail = "".join(traceback.format_exception(exc))
    log.error("plugin %s is broken: %s", name, state.error)


def _seam_problem(plugin):
    """Why pluggy accepted `plugin` but Chapar cannot call it, or ''."""
    for caller in pm.get_hookcallers(plugin) or ():
        impl = next(i for i in caller.get_hookimpls() if i.plugin is plugin)
        if not caller.has_spec() and not impl.optionalhook:
            return f"unknown hook {caller.name!r} (a typo? see docs/plugin-hooks.md)"
        if impl.wrapper or impl.hookwrapper:
            return f"hook {caller.name!r}: wrappers are not supported"
    return ""


def _register(plugin, name, **info):
    """Register `plugin` as `name`; on failure it is recorded as broken instead."""
    if pm.get_plugin(name) is plugin:
        return
    try:
        pm.register(plugin, name=name)  # a hook with arguments its spec lacks fails here
        problem = _seam_problem(plugin)
        if problem:
            pm.unregister(plugin)
            raise PluginError(problem)
    except Exception as exc:
        _record_failure(name, exc, **info)
        return
    _states[name] = PluginState(name=name, hooks=sorted(c.name for c in pm.get_hookcallers(plugin)), **info)


def _load(name, loader, **info):
    try:
        plugin = loader()
    except Exception as exc:  # ImportError, or whatever its import-time code raises
        _record_failure(name, exc, **info)
        return
    _register(plugin, name, **info)


def load_plugins(disabled=(), entry_points=None):
    """Bring the registered plugins in line with the defaults, the entry points and `disabled`.

    entry_points=True loads every `chapar` entry point and drops plugins whose entry point is
    gone; False drops every entry-point plugin; None means True, except under pytest, where it
    leaves entry-point plugins as a test loaded them. Safe to call again: plugins already
    registered keep their state, so an error recorded earlier in this process stays visible.
    """
    global _disabled
    _disabled = tuple(disabled)
    if entry_points is None and getattr(sys, "_called_from_test", False):
        found = {name: None for name, s in _states.items() if s.origin == "entrypoint"}
    elif entry_points is False:
        found = {}
    else:
        found = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    for name in list(_states) + [n for n in _disabled if pm.get_plugin(n) is not None]:
        origin = _states[name].origin if name in _states else None
        if name in _disabled or (origin == "entrypoint" and name not in found):
            unregister_plugin(name)
    for name, module_name in DEFAULT_PLUGINS.items():
        if name not in _disabled and name not in _states:
            _load(name, lambda m=module_name: importlib.import_module(m), origin="builtin", module=module_name,
                  version=_version("chapar"))
    for name, ep in sorted(found.items()):
        if ep is not None and name not in _disabled and name not in _states:
            _load(name, ep.load, origin="entrypoint", module=ep.value, version=ep.dist.version if ep.dist else "")


def register_plugin(plugin, name=None, version=""):
    """Register a plugin object or module directly (tests and embedding code use this).

    Returns its name; a plugin that fails validation is recorded as broken, not raised. Taking
    a name already in use, or registering one plugin twice, is the caller's error: ValueError.
    """
    name = name or getattr(plugin, "__name__", type(plugin).__name__)
    if pm.get_plugin(name) not in (None, plugin) or pm.get_name(plugin) not in (None, name):
        raise ValueError(f"cannot register {name!r}: the name or the plugin is already registered")
    _register(plugin, name, module=_describe(plugin), version=version)
    return name


def _describe(plugin):
    """Where a plugin's code lives, for the Plugins page: a module name or module.Class."""
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__
    cls = plugin if isinstance(plugin, type) else type(plugin)
    return f"{cls.__module__}.{cls.__qualname__}"


def unregister_plugin(name):
    """Forget a plugin, registered or broken."""
    plugin = pm.get_plugin(name)
    if plugin is not None:
        pm.unregister(plugin)
    _states.pop(name, None)


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _shape_problem(hook_name, result):
    if result is None:
        return ""
    if hook_name in LIST_RESULTS:
        kind = LIST_RESULTS[hook_name]
        if not isinstance(result, (list, tuple)):
            return f"{hook_name} must return a list of {kind.__name__}, not {type(result).__name__}"
        wrong = [type(item).__name__ for item in result if not _is_kind(item, kind)]
        if wrong:
            return f"{hook_name} must return {kind.__name__} items, got {', '.join(wrong)}"
        if hook_name == "register_channels":  # a channel the core cannot route breaks its plugin only
            from .channels.registry import channel_problem

            return "; ".join(filter(None, map(channel_problem, result)))
        return ""
    if hook_name in DICT_RESULTS and not isinstance(result, dict):
        return f"{hook_name} must return a dict, not {type(result).__name__}"
    return ""


def _call_order(caller):
    # pluggy keeps trylast first and tryfirst last; otherwise registration order, which we keep.
    impls = caller.get_hookimpls()
    return sorted(impls, key=lambda impl: 0 if impl.tryfirst else 2 if impl.trylast else 1)


def call_hook(hook_name, **kwargs):
    """Call every implementation of a hook, skipping and recording those that fail.

    The caller must pass exactly the hook's arguments (a TypeError otherwise: the core's bug,
    not the plugin's). Returns the non-None results, first registered first.
    """
    caller = getattr(pm.hook, hook_name, None)
    if caller is None or not caller.has_spec():
        raise TypeError(f"call_hook: there is no hook named {hook_name!r}")
    expected = set(caller.spec.argnames)
    if set(kwargs) != expected:
        missing, extra = sorted(expected - set(kwargs)), sorted(set(kwargs) - expected)
        raise TypeError(f"call_hook({hook_name!r}) takes {sorted(expected)}; missing {missing}, unexpected {extra}")
    results = []
    for impl in _call_order(caller):
        state = _states.get(impl.plugin_name)
        if state is not None and state.error:
            continue
        try:
            result = impl.function(*[kwargs[arg] for arg in impl.argnames])
            problem = _shape_problem(hook_name, result)
            if problem:
                raise PluginError(problem)
        except Exception as exc:
            _record_failure(impl.plugin_name, exc, hook=hook_name)
            continue
        if result is not None:
            results.append(result)
    return results


def call_hook_flat(hook_name, **kwargs):
    """Like call_hook for hooks that return lists: one flat list of every item."""
    return [item for result in call_hook(hook_name, **kwargs) for item in result]


def plugin_states():
    """(every known plugin, loaded or broken; the disabled ones, by name)."""
    states = sorted(_states.values(), key=lambda s: (not s.builtin, s.name))
    disabled = [PluginState(name=n) for n in _disabled if n not in _states]
    return states, disabled


def plugin_package_dir(name):
    """The folder of a loaded plugin's package, where its templates, static and migrations live."""
    plugin = pm.get_plugin(name)
    if isinstance(plugin, types.ModuleType):
        module = plugin
    else:  # a class or an instance: the module that defines it
        module = sys.modules.get(getattr(plugin, "__module__", None) or type(plugin).__module__)
    if module is None or not getattr(module, "__file__", None):
        return None
    return Path(module.__file__).parent


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
