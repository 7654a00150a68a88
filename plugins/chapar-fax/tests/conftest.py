"""The core's fixtures (app, client, client_as, users, database_url, redis_url …) for the email
plugin's tests: tests/conftest.py is loaded under another module name, since pytest already
imports it as `conftest` when the core's tests run in the same session."""
import importlib.util
import sys
from pathlib import Path

CORE_TESTS = Path(__file__).resolve().parents[3] / "tests"
if str(CORE_TESTS) not in sys.path:
    sys.path.insert(0, str(CORE_TESTS))  # chapar_process, fixture_plugin, sending_support …

_spec = importlib.util.spec_from_file_location("chapar_core_conftest", CORE_TESTS / "conftest.py")
_core = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_core)
globals().update({name: value for name, value in vars(_core).items()
                  if not name.startswith("__") and name != "pytest_configure"})


def pytest_configure(config):
    _core.pytest_configure(config)


# The fax plugin's own fixtures, for every test module here (and the transports' helpers' tests).
from fax_support import fax_app, fax_plugin, folder_line, folder_transport  # noqa: F401
from http_fax_server import api, fax_api  # noqa: F401 - the HTTP fax API the http tests talk to
