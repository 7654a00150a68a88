"""Fixtures shared by the core's tests and the plugins' tests.

Each test gets a fresh database (SQLite, and PostgreSQL when one answers), copied from a
template migrated once per session, and a private redis-server on a free port started once per
session and flushed per test.
"""
import os
import re
import shutil
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis as redis_lib
from chapar_process import free_port, private_redis_url
from flask import g, request_started

TEST_PASSWORD = "correct horse battery staple"
ROLE_NAMES = ("admin", "manager", "marketer", "viewer")


def pytest_configure(config):
    # Entry points are not loaded under test: tests register the plugins they need.
    sys._called_from_test = True
    # argon2 at production cost (~0.2 s a hash) dominated tests that create users; the same
    # algorithm at minimal cost keeps every code path (argon2id hashes, timing equaliser).
    import argon2

    from chapar import passwords

    passwords._hasher = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords._dummy_hash.cache_clear()


@pytest.fixture(name="free_port", scope="session")
def free_port_fixture():
    """A function returning a port that is free right now."""
    return free_port


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A private redis-server for this test session, on a free port."""
    yield from private_redis_url(tmp_path_factory.mktemp("redis"))


@pytest.fixture(autouse=True)
def _plugins_left_as_found():
    """Whatever a test registers, breaks or disables, the next test starts from the same plugins."""
    from fixture_plugin.testing import isolated_plugins

    with isolated_plugins():
        yield


# --- databases -------------------------------------------------------------------------------

def _postgres_base_url():
    return os.environ.get("CHAPAR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_admin(base_url):
    import psycopg

    return psycopg.connect(base_url, autocommit=True, connect_timeout=3)


def _url_with_db(base_url, name):
    return urlparse(base_url)._replace(path="/" + name).geturl()


def _migrate(url, home, redis):
    from chapar import create_app
    from chapar.db import db
    from chapar.schema import migrate

    app = create_app({"HOME": str(home), "DATABASE_URL": url, "REDIS_URL": redis})
    with app.app_context(), db.connection_context():
        migrate()
    db.close() if not db.is_closed() else None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, redis_url):
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    _migrate(f"sqlite:///{path}", folder, redis_url)
    return path


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory, redis_url):
    base = _postgres_base_url()
    try:
        conn = _pg_admin(base)
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        pytest.skip(f"PostgreSQL not reachable at {base} ({exc.__class__.__name__}); set CHAPAR_TEST_POSTGRES_URL")
    name = f"chapar_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    _migrate(_url_with_db(base, name), tmp_path_factory.mktemp("pg-template"), redis_url)
    from chapar.db import db

    db.close() if not db.is_closed() else None
    yield name
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A fresh, migrated database for one test, on each engine."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "chapar.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    base = _postgres_base_url()
    name = f"chapar_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin(base) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _url_with_db(base, name)
    from chapar.db import db

    if db.obj is not None and not db.is_closed():
        db.close()
    with _pg_admin(base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the app ---------------------------------------------------------------------------------

@pytest.fixture
def app_config(tmp_path, database_url, redis_url):
    """Settings for create_app; tests may change them before asking for `app`."""
    redis_lib.Redis.from_url(redis_url).flushall()
    home = tmp_path / "instance"
    return {"HOME": str(home), "DATABASE_URL": database_url, "REDIS_URL": redis_url}


def _fresh_g(sender, **extra):
    vars(g._get_current_object()).clear()


@pytest.fixture
def app(app_config):
    from chapar import create_app
    from chapar.db import db

    application = create_app(app_config)
    application.config["TESTING"] = True
    ctx = application.app_context()
    ctx.push()
    # Test-client requests reuse this pushed app context, and with it `g`; a server gives each
    # request a fresh one. Without this, g.csrf_token or g.api_token would leak between requests.
    request_started.connect(_fresh_g, application)
    db.connect(reuse_if_open=True)
    yield application
    if not db.is_closed():
        db.close()
    ctx.pop()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class UIClient:
    """A test client that behaves like a browser: it sends the page's CSRF token on unsafe calls."""

    def __init__(self, flask_client):
        self.raw = flask_client

    def csrf_token(self):
        page = self.raw.get("/login").get_data(as_text=True)
        match = CSRF_META.search(page)
        assert match, "the layout must carry <meta name=\"csrf-token\">"
        return match.group(1)

    def get(self, *args, **kwargs):
        return self.raw.get(*args, **kwargs)

    def _unsafe(self, method, url, data=None, headers=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return getattr(self.raw, method)(url, data=data, headers=headers, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self._unsafe("post", url, data, **kwargs)

    def login(self, email, password=TEST_PASSWORD):
        return self.post("/login", {"email": email, "password": password})


@pytest.fixture
def users(app):
    """One user per role, each with TEST_PASSWORD; returns {role: User}."""
    from chapar.users import create_user

    return {role: create_user(f"{role}@example.test", TEST_PASSWORD, role=role, name=role.title())
            for role in ROLE_NAMES}


@pytest.fixture
def client(app):
    """An anonymous browser."""
    return UIClient(app.test_client())


@pytest.fixture
def client_as(app, users):
    """client_as("manager") -> a browser logged in with that role."""

    def make(role):
        browser = UIClient(app.test_client())
        response = browser.login(users[role].email)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return browser

    return make


@pytest.fixture
def api_as(app, users):
    """api_as("viewer") -> a test client sending a Bearer token with that role."""
    from chapar.tokens import create_token

    def make(role):
        _token, secret = create_token(users[role], f"test {role}")
        flask_client = app.test_client()
        flask_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        return flask_client

    return make


@pytest.fixture
def repo_root():
    return Path(__file__).resolve().parent.parent
