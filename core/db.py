"""The database proxy every model binds to, and the one place a URL becomes a connection."""
from urllib.parse import parse_qsl, unquote, urlparse

from peewee import SQL, DatabaseProxy, PostgresqlDatabase, SqliteDatabase

from .config import ConfigError, mask_url

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10000,  # ms; writers from web and worker processes wait instead of failing
    "foreign_keys": 1,
    "synchronous": "normal",
}


def database_from_url(url):
    """Build (not connect) a peewee database for a sqlite:/// or postgresql:// URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path, as SQLAlchemy spells them.
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        return SqliteDatabase(path or ":memory:", pragmas=SQLITE_PRAGMAS)
    if parsed.scheme in ("postgres", "postgresql"):
        # Query arguments are libpq's (sslmode=require, ...); an unreachable host fails in seconds.
        options = {"connect_timeout": "5", **dict(parse_qsl(parsed.query))}
        return PostgresqlDatabase(
            unquote(parsed.path.lstrip("/")),
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname,
            port=parsed.port,
            prefer_psycopg3=True,
            **options,
        )
    raise ConfigError(f"CHAPAR_DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:/// or postgresql://)")


def init_database(url):
    """Point the proxy at the database for `url` and check that it answers."""
    database = database_from_url(url)
    db.initialize(database)
    try:
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1")
    except Exception as exc:  # peewee's OperationalError, or psycopg's own classes
        shown = mask_url(url).split("@")[-1]  # never print the password (nor secret query arguments)
        reason = " ".join(str(exc).split())  # libpq's messages span lines; the admin gets one
        raise ConfigError(f"CHAPAR_DATABASE_URL: cannot connect to {shown}: {reason}") from None
    finally:
        if not database.is_closed():
            database.close()
    return database


def is_postgres():
    return isinstance(db.obj, PostgresqlDatabase)


def fetch(sql, params=()):
    """The rows (tuples) of one statement written with ? placeholders, on either engine. For the
    send pipeline's hot queries: peewee's query builder and model rows cost more than the query."""
    return db.execute_sql(sql.replace("?", db.obj.param), list(params)).fetchall()


def write(sql, params=()):
    """Run one statement written with ? placeholders; returns the number of rows it changed."""
    return db.execute_sql(sql.replace("?", db.obj.param), list(params)).rowcount


def quoted(names):
    """`"a", "b"`: column names for a plain SELECT."""
    return ", ".join(f'"{name}"' for name in names)


def marks(values):
    """`?, ?, ?` for an IN list of `values`."""
    return ", ".join("?" * len(values))


def id_list(ids):
    """An IN list of integer ids written into the SQL text, for a peewee `.in_()`: as parameters,
    peewee builds a list of thousands slower than the database runs the query (and SQLite's
    default limit is 32,766 of them). Only ints go in, so nothing can be injected."""
    return SQL(f"({', '.join(str(int(i)) for i in ids)})")


def executemany(sql, rows):
    """Run one statement for many parameter rows (written with ? placeholders) in a single call:
    far cheaper than a query object per row when a batch writes thousands of rows."""
    if rows:
        db.cursor().executemany(sql.replace("?", db.obj.param), rows)
