"""Fixtures for tests of plugins: `plugins` and `fake_distribution`.

The plugin manager is module-global, so a plugin registered, broken, disabled or loaded from
an entry point in one test would otherwise still be there in the next; `plugins` undoes all of
that. Import the fixtures into a test module: `from fixture_plugin.testing import plugins`.
"""
import contextlib
import copy
import importlib
import sys

import pytest

from chapar import plugins as manager

import fixture_plugin


class PluginRegistry:
    def __init__(self):
        self.names = []

    def register(self, plugin, name=None, version=""):
        """Register `plugin` for this test; returns its name."""
        name = manager.register_plugin(plugin, name=name, version=version)
        self.names.append(name)
        return name

    def fixture(self):
        """Register the plugin that implements every hook; returns its module."""
        fixture_plugin.calls.clear()
        self.register(fixture_plugin, name=fixture_plugin.NAME, version="1.0")
        return fixture_plugin

    def state(self, name):
        """The PluginState of `name`, or None."""
        states, _disabled = manager.plugin_states()
        return next((s for s in states if s.name == name), None)


@contextlib.contextmanager
def isolated_plugins():
    """Yield a PluginRegistry; afterwards the plugin manager is as it was before."""
    before = {name: copy.copy(state) for name, state in manager._states.items()}
    registry = PluginRegistry()
    try:
        yield registry
    finally:
        for name in set(manager._states) - set(before) | set(registry.names):
            manager.unregister_plugin(name)
        manager.load_plugins(entry_points=False)  # drops entry-point plugins, restores the defaults
        for name, state in before.items():  # errors recorded meanwhile are forgotten
            if name in manager._states:
                manager._states[name] = state
        fixture_plugin.calls.clear()


@pytest.fixture
def plugins():
    """A PluginRegistry for this test: register plugins with it; all is undone afterwards."""
    with isolated_plugins() as registry:
        yield registry


@pytest.fixture
def fake_distribution(tmp_path, monkeypatch):
    """fake_distribution(name, version, {entry point: module}, {module: source}) makes an
    installed-looking distribution with `chapar` entry points, without pip; undone afterwards."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    modules = []

    def make(name, version, entry_points, sources):
        info = folder / f"{name}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        lines = "".join(f"{ep} = {target}\n" for ep, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[{manager.ENTRY_POINT_GROUP}]\n{lines}")
        for module, source in sources.items():
            (folder / f"{module}.py").write_text(source)
            modules.append(module)
        importlib.invalidate_caches()
        return info

    yield make
    for module in modules:
        sys.modules.pop(module, None)
