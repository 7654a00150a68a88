"""The application factory."""
import logging

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

from . import access, i18n, security
from .config import Config
from .db import db, init_database
from .plugins import call_hook, call_hook_flat, load_plugins, plugin_dirs
from .queue import connect_redis


def create_app(config=None):
    """Build the Flask app. `config` is a dict of settings (names without CHAPAR_) or a Config.

    Raises ConfigError, naming the setting, when a setting is wrong or a server is unreachable.
    """
    settings = config if isinstance(config, Config) else Config(config)
    settings.prepare_home()
    logging.basicConfig(level=settings.LOG_LEVEL, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    init_database(settings.DATABASE_URL)
    redis_client = connect_redis(settings)
    load_plugins(disabled=settings.DISABLED_PLUGINS)

    app = Flask("chapar", instance_path=str(settings.HOME), static_folder=None)
    app.config.update(
        CHAPAR=settings,
        SECRET_KEY=settings.SECRET_KEY,
        MAX_CONTENT_LENGTH=settings.MAX_UPLOAD_MB * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.HTTPS,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.HTTPS,
        PREFERRED_URL_SCHEME="https" if settings.HTTPS else "http",
    )
    app.extensions["chapar.redis"] = redis_client

    @app.before_request
    def _open_db():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(exc):
        if not db.is_closed():
            db.close()

    access.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    from .api import init_app as init_api

    init_api(app)
    _mount_plugins(app)
    call_hook("startup", app=app)
    return app


def _mount_plugins(app):
    from .api import mount_blueprint
    from .plugin_static import plugin_static_blueprint

    # Plugins' own templates resolve as "<package>/<file>.html" next to the web UI's.
    loaders = [app.jinja_loader] + [FileSystemLoader(str(folder)) for _, folder in plugin_dirs("templates")]
    app.jinja_loader = ChoiceLoader([loader for loader in loaders if loader is not None])
    app.register_blueprint(plugin_static_blueprint())
    for blueprint in call_hook_flat("register_blueprints", app=app):
        mount_blueprint(app, blueprint)  # flask-smorest Blueprints go under /api/v1
