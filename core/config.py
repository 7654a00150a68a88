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
from urllib.parse import unquote_plus


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
    Setting("PUBLIC_URL", "str", "", "The address people reach Chapar at (https://crm.example.com): links in messages "
            "(unsubscribe, tracking) are built on it. Default: the address of the request, when there is one."),
    Setting("DISABLED_PLUGINS", "list", (), "Comma-separated plugin names that are not loaded."),
    Setting("DEFAULT_LOCALE", "choice", "en", "Language for visitors and new users.", ("en", "fa")),
    Setting("MAX_UPLOAD_MB", "int", 50, "Largest request body accepted, in megabytes."),
    Setting("HTTPS", "bool", False, "Serve behind HTTPS: cookies get the Secure flag and HSTS is sent."),
    Setting("PROXY_COUNT", "int", 0, "How many reverse proxies sit in front (trust their X-Forwarded-* headers)."),
    Setting("LOGIN_RATE_LIMIT", "str", "10 per minute", "Login attempts allowed per address (Flask-Limiter syntax)."),
    Setting("LOGIN_ACCOUNT_RATE_LIMIT", "str", "20 per minute",
            "Login attempts allowed per account, from all addresses together (Flask-Limiter syntax)."),
    Setting("JOB_TIMEOUT", "int", 600, "Seconds a background job may run before it is stopped and marked failed."),
    Setting("SEND_LEASE_SECONDS", "int", 300,
            "How long a worker holds messages it is sending; a dead worker's messages are re-queued after it."),
    Setting("RECONCILE_SECONDS", "int", 15,
            "How often a worker re-queues expired leases, starts scheduled programs and finishes sent ones."),
    Setting("SEND_MAX_ATTEMPTS", "int", 8, "Attempts before a message that keeps failing transiently is failed."),
    # Two by default: a long import or report job does not hold up sending, and sends use two cores.
    Setting("WORKERS", "int", 2, "Worker processes that `chapar serve` starts beside the web server."),
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
        """Create the instance folder (private: mode 0700) and fill in the generated secret key."""
        try:
            for sub in ("", "uploads"):
                (self.HOME / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"CHAPAR_HOME: cannot create {self.HOME}: {exc.strerror}") from None
        for path in (self.HOME, self.HOME / "uploads"):
            make_private(path)
        if self.DATABASE_URL == f"sqlite:///{self.HOME / 'chapar.db'}":
            _create_private(self.HOME / "chapar.db")  # SQLite gives its -wal and -shm files this mode too
        if not self.SECRET_KEY:
            self.SECRET_KEY = _persisted_secret(self.HOME / "secret_key")
        return self

    @property
    def embedded_redis(self):
        return not self.REDIS_URL


def make_private(path):
    """Take group and other permissions off `path` if this process owns it. Only ever tightens,
    and never fails: a folder someone else prepared is left as they made it."""
    try:
        info = path.stat()
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
            path.chmod(stat.S_IMODE(info.st_mode) & ~0o077)
    except OSError:
        pass


def _create_private(path):
    """Create an empty file readable by its owner only (SQLite takes an empty file as a new
    database), or tighten an existing one."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR))
    except FileExistsError:
        make_private(path)
    except OSError:
        pass  # SQLite will report the real problem when it opens the file


SECRET_MASK = "••••••"
_SECRET_WORDS = ("pass", "secret", "key", "token")


def mask_url(url):
    """`url` with anything secret replaced by ••••••: the password in user:password@ (the whole
    user info when it has no colon, as some services put a token there), and the value of every
    query argument whose name contains pass, secret, key or token (password=, sslpassword=, ...).
    The rest is left exactly as written."""
    text = str(url)
    scheme_end = text.find("://")
    if scheme_end < 0:
        return text
    start = scheme_end + 3
    end = min([i for i in (text.find(ch, start) for ch in "/?#") if i != -1] or [len(text)])
    netloc = text[start:end]
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:{SECRET_MASK}@{host}" if colon else f"{SECRET_MASK}@{host}"
    path, question, query = text[end:].partition("?")
    if question:
        query, hashmark, fragment = query.partition("#")
        pieces = []
        for piece in query.split("&"):
            name, equals, _value = piece.partition("=")
            if equals and any(word in unquote_plus(name).lower() for word in _SECRET_WORDS):
                piece = f"{name}={SECRET_MASK}"
            pieces.append(piece)
        path += "?" + "&".join(pieces) + hashmark + fragment
    return text[:start] + netloc + path


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
