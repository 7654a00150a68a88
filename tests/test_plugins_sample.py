"""The sample external plugin (tests/sample_plugin/, a distribution of its own) installed with pip
shows up without any change to the core: its menu item, its page in the layout, its dashboard
panel, its static file, its command, and its migration, tracked in its own table.

pip takes a few seconds, once per module: deselect with -m "not slow" when iterating.
"""
import fcntl
import hashlib
import importlib
import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from chapar_process import chapar_env, run_chapar
from fixture_plugin.testing import plugins  # noqa: F401 - a fixture

from chapar.db import db
from chapar.plugins import load_plugins, plugin_states
from chapar.schema import migrate

pytestmark = pytest.mark.slow
SOURCE = Path(__file__).resolve().parent / "sample_plugin"
DISTRIBUTION = "chapar-sample"


def _pip(*args):
    subprocess.run([sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "-q"],
                   check=True, capture_output=True, text=True)


def _installed():
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


@pytest.fixture(scope="module")
def sample_installed(tmp_path_factory):
    """pip-install the sample into this interpreter's environment for the module; uninstall after."""
    # Test runs sharing this environment take turns, so one never uninstalls it under another.
    lock = Path(tempfile.gettempdir()) / f"chapar-sample-{hashlib.sha1(sys.prefix.encode()).hexdigest()[:12]}.lock"
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        was_installed = _installed() is not None
        source = tmp_path_factory.mktemp("sample") / "sample_plugin"
        shutil.copytree(SOURCE, source)  # pip builds in the source folder: keep the checkout clean
        _pip("install", "--no-deps", "--no-build-isolation", "--no-index", str(source))
        importlib.invalidate_caches()
        try:
            yield
        finally:
            if not was_installed:
                _pip("uninstall", "--yes", DISTRIBUTION)
            for module in [m for m in sys.modules if m.split(".")[0] == "chapar_sample"]:
                del sys.modules[module]
            importlib.invalidate_caches()


@pytest.fixture
def sample(sample_installed, plugins, database_url):  # noqa: F811
    """Entry points loaded, as Chapar does outside tests; the app is built after this."""
    load_plugins(entry_points=True)
    state = next(s for s in plugin_states()[0] if s.name == "sample")
    assert state.state == "active", state.detail
    return state


def test_pip_installed_sample_is_found_through_its_entry_point(sample):
    assert (sample.version, sample.module, sample.origin) == ("0.2.0", "chapar_sample.plugin", "entrypoint")
    assert sample.hooks == ["dashboard_panels", "menu_items", "register_blueprints", "register_commands"]


def test_its_command_is_part_of_chapar(sample_installed, tmp_path):
    env = chapar_env(tmp_path)
    assert "sample-hello  Greet from the sample plugin." in run_chapar(env, "--help").stdout
    assert run_chapar(env, "sample-hello").stdout == "hello from the sample plugin\n"


def test_its_migration_is_applied_once_and_tracked_in_its_own_table(sample, app):
    # Other installed plugins (the first-party ones) may have migrations of their own too.
    first = migrate()
    assert first["core"] == [] and first["sample"] == ["0001_sample_note"]
    again = migrate()
    assert again["sample"] == [] and all(names == [] for names in again.values())
    rows = db.execute_sql("SELECT name FROM migrations_sample").fetchall()
    assert [name for (name,) in rows] == ["0001_sample_note"]
    core = [name for (name,) in db.execute_sql("SELECT name FROM migrations_core").fetchall()]
    assert "0001_sample_note" not in core
    assert db.execute_sql("SELECT count(*) FROM sample_note").fetchone()[0] == 1


def test_its_page_renders_its_own_template_in_the_layout_and_its_menu_item(sample, client_as, app):
    migrate()
    page = client_as("viewer").get("/sample/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<li>Hello from the sample plugin&#39;s migration</li>" in html  # its template, its table
    assert '<meta name="csrf-token"' in html  # ... inside the web UI's layout
    assert 'href="/sample/"' in html and "Sample notes" in html  # its menu item
    assert '<link rel="stylesheet" href="/plugins/sample/static/sample.css">' in html


def test_its_page_needs_a_login(sample, client):
    response = client.get("/sample/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_its_dashboard_panel_appears(sample, client_as, app):
    migrate()
    html = client_as("viewer").get("/").get_data(as_text=True)
    assert '<p class="sample-count"><a href="/sample/">1 sample note(s)</a></p>' in html


def test_its_static_file_is_served_and_nothing_outside_it(sample, client):
    css = client.get("/plugins/sample/static/sample.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert ".sample-notes li" in css.get_data(as_text=True)
    assert client.get("/plugins/sample/static/../plugin.py").status_code == 404
    assert client.get("/plugins/sample/static/missing.css").status_code == 404
    assert client.get("/plugins/unknown/static/sample.css").status_code == 404
