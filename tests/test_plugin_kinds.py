"""The public helpers plugins build their provider accounts on (SMS gateways, fax lines): kinds
found through a plugin's own pluggy project, one instance per account, settings forms."""
import logging
import sys
import types
from datetime import datetime

import pluggy
import pytest

from chapar import Field, InstanceCache, clean_settings, load_plugin_manager, registered_kinds
from chapar.settings_forms import settings_changes, shown_settings

hookspec = pluggy.HookspecMarker("chapar_test_kinds")
hookimpl = pluggy.HookimplMarker("chapar_test_kinds")


class Specs:
    @hookspec
    def register_test_kinds():
        """Kinds of a test provider."""


class Base:
    kind = ""
    closed = 0

    def __init__(self, account):
        self.account = account

    def close(self):
        type(self).closed += 1


class Alpha(Base):
    kind = "alpha"


class Beta(Base):
    kind = "beta"


@pytest.fixture
def builtin_module(monkeypatch):
    module = types.ModuleType("chapar_test_builtin_kinds")

    @hookimpl
    def register_test_kinds():
        return [Alpha, "not a class", Beta]

    module.register_test_kinds = register_test_kinds
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module.__name__


def test_built_in_kinds_load_and_a_broken_module_is_left_out(builtin_module, caplog):
    with caplog.at_level(logging.ERROR):
        manager = load_plugin_manager("chapar_test_kinds", Specs,
                                      builtin=(builtin_module, "chapar_test_kinds_that_do_not_exist"))
        kinds = registered_kinds(manager.hook.register_test_kinds(), Base, "register_test_kinds")
    assert kinds == {"alpha": Alpha, "beta": Beta}
    assert "chapar_test_kinds_that_do_not_exist" in caplog.text and "'not a class'" in caplog.text


def test_the_first_registered_kind_wins_a_clash():
    class Impostor(Base):
        kind = "alpha"

    # pluggy calls the last registered first, so results come newest first: the built-in is last.
    assert registered_kinds([[Impostor], [Alpha]], Base, "hook")["alpha"] is Alpha


def test_one_instance_per_account_rebuilt_and_the_old_closed_when_the_account_changes():
    Base.closed = Alpha.closed = Beta.closed = 0
    cache = InstanceCache("test provider")
    account = types.SimpleNamespace(id=1, kind="alpha", updated_at=datetime(2026, 1, 1))
    first = cache.get(account, {"alpha": Alpha, "beta": Beta})
    assert cache.get(account, {"alpha": Alpha}) is first
    account.updated_at = datetime(2026, 1, 2)  # an admin saved it
    second = cache.get(account, {"alpha": Alpha})
    assert second is not first and Alpha.closed == 1
    account.kind = "beta"
    assert isinstance(cache.get(account, {"alpha": Alpha, "beta": Beta}), Beta) and Alpha.closed == 2
    cache.forget(1)
    assert Beta.closed == 1 and list(cache) == []
    with pytest.raises(LookupError, match="no test provider of kind 'gamma'"):
        cache.get(types.SimpleNamespace(id=2, kind="gamma", updated_at=None), {"alpha": Alpha})


FIELDS = (Field("host", "Host", required=True), Field("port", "Port", kind="number", default=25),
          Field("token", "Token", secret=True, required=True), Field("password", "Password", kind="password"))


def test_settings_keep_stored_secrets_when_left_empty_and_say_what_is_wrong():
    stored = {"host": "old.example", "port": 25, "token": "t0ken", "password": "pw"}
    values, errors = clean_settings(FIELDS, {"p_host": "new.example", "p_port": "2525", "p_token": "",
                                             "p_password": ""}, stored, prefix="p_")
    assert not errors and values == {"host": "new.example", "port": 2525, "token": "t0ken", "password": "pw"}
    values, errors = clean_settings(FIELDS, {"host": "", "port": "many", "token": ""}, {})
    assert set(errors) == {"host", "port", "token"} and errors["token"] == "required"


def test_secrets_are_never_shown_back_nor_written_to_the_audit():
    stored = {"host": "h", "port": 25, "token": "t0ken", "password": "pw"}
    assert shown_settings(FIELDS, stored) == {"host": "h", "port": 25, "token": "", "password": ""}
    changed, secrets = settings_changes(FIELDS, stored, {**stored, "host": "h2", "token": "new"})
    assert changed == {"settings.host": ["h", "h2"]} and secrets == ["token"]
    assert "new" not in repr(changed)
