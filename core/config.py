"""Settings: read from CHAPAR_* environment variables, validated once at start.

Every setting is declared here with its type and default; docs/operations.md lists them and a
test keeps the two in step. A wrong value raises ConfigError naming the variable, so the
admin sees which line of their environment to fix instead of a traceback.
"""
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """A setting is missing, malformed or points at something unreachable."""


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # str, int, bool, list, choice
    default: object
    help: str
    choices: tuple = ()


SETTINGS = (
    Setting("HOME", "str", "./instance", "Instance folder: SQLite database, secret key, uploads, embedded Redis socket."),
    Setting("DATABASE_URL", "str", "", "sqlite:///path or postgresql://user:pass@host/db. Default: SQLite in the instance folder."),
    Setting("REDIS_URL", "str", "", "redis://host:port/db. Default: a private Redis that Chapar starts in the instance folder."),
    Setting("SECRET_KEY", "str", "", "Signs sessions and links. Default: generated once and kept in the instance folder (mode 0600)."),
    Setting("DISABLED_PLUGINS", "list", (), "Comma-separated plugin names that are not loaded."),
    Setting("DEFAULT_LOCALE", "choice", "en", "Language for visitors and new users.", ("en", "fa")),
    Setting("MAX_UPLOAD_MB", "int", 50, "Largest request body accepted, in megabytes."),
    Setting("HTTPS", "bool", False, "Serve behind HTTPS: cookies get the Secure flag and HSTS is sent."),
    Setting("PROXY_COUNT", "int", 0, "How many reverse proxies sit in front (trust their X-Forwarded-* headers)."),
    Setting("LOGIN_RATE_LIMIT", "str", "10 per minute", "Login attempts allowed per address (Flask-Limiter syntax)."),
    Setting("JOB_TIMEOUT", "int", 600, "Seconds a background job may run before it is stopped and marked failed."),
    Setting("WORKERS", "int", 1, "Worker processes that `chapar serve` starts beside the web server."),
    Setting("LOG_LEVEL", "choice", "INFO", "Logging level.", ("DEBUG", "INFO", "WARNING", "ERROR")),
)
_BY_NAME = {s.name: s for s in SETTINGS}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse(setting, raw):
    env_name = "CHAPAR_" + setting.name
    if not isinstance(raw, str):
        return raw  # already typed (passed to create_app by code)
    raw = raw.strip()
    if setting.kind == "int":
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{env_name}: expected a whole number, got {raw!r}") from None
        if value < 0:
            raise ConfigError(f"{env_name}: must not be negative, got {value}")
        return value
    if setting.kind == "bool":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise ConfigError(f"{env_name}: expected true or false, got {raw!r}")
    if setting.kind == "list":
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    if setting.kind == "choice" and raw not in setting.choices:
        raise ConfigError(f"{env_name}: expected one of {', '.join(setting.choices)}, got {raw!r}")
    return raw


class Config:
    """Typed settings. Attribute names are the setting names without the CHAPAR_ prefix."""

    def __init__(self, overrides=None, environ=None):
        environ = os.environ if environ is None else environ
        overrides = dict(overrides or {})
        unknown = set(overrides) - set(_BY_NAME)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        for setting in SETTINGS:
            if setting.name in overrides:
                raw = overrides[setting.name]
            else:
                raw = environ.get("CHAPAR_" + setting.name, setting.default)
            setattr(self, setting.name, _parse(setting, raw))
        self.HOME = Path(self.HOME).expanduser().resolve()
        if not self.DATABASE_URL:
            self.DATABASE_URL = f"sqlite:///{self.HOME / 'chapar.db'}"
        if self.WORKERS < 1:
            raise ConfigError("CHAPAR_WORKERS: must be at least 1")

    def prepare_home(self):
        """Create the instance folder and fill in the generated secret key."""
        try:
            for sub in ("", "uploads"):
                (self.HOME / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"CHAPAR_HOME: cannot create {self.HOME}: {exc.strerror}") from None
        if not self.SECRET_KEY:
            self.SECRET_KEY = _persisted_secret(self.HOME / "secret_key")
        return self

    @property
    def embedded_redis(self):
        return not self.REDIS_URL


def _persisted_secret(path):
    if path.exists():
        return path.read_text().strip()
    # Written whole to a private temporary file, then linked into place: link() fails if the
    # key already exists, so two processes starting at once agree on one complete key.
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()
