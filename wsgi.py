"""Entry point for gunicorn: `gunicorn wsgi:app`. Settings come from CHAPAR_* variables.

Under gunicorn CHAPAR_REDIS_URL is required: the embedded Redis belongs to `chapar serve`, and
a gunicorn worker that started one would take it down with it whenever it is recycled.
"""
from chapar import ConfigError, create_app
from chapar.config import Config

settings = Config()
if settings.embedded_redis:
    raise ConfigError("CHAPAR_REDIS_URL: must be set when serving with gunicorn (see docs/operations.md); "
                      "the embedded Redis is only for `chapar serve`")
app = create_app(settings)
