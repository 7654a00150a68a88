"""Applying migrations: the core's, then each plugin's, each tracked in its own table."""
import logging
from pathlib import Path

from playhouse.migrations import Runner

from .db import db
from .plugins import plugin_dirs

log = logging.getLogger("chapar.schema")
CORE_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _core_dir():
    # Installed wheels carry the folder as chapar.migrations; a source checkout has it beside core/.
    try:
        import chapar.migrations as package
        return Path(package.__file__).parent
    except ImportError:
        return CORE_MIGRATIONS


def runners():
    """(label, Runner) for the core and every active plugin that ships migrations."""
    found = [("core", Runner(db.obj, str(_core_dir()), table_name="migrations_core"))]
    for name, folder in plugin_dirs("migrations"):
        table = "migrations_" + "".join(c if c.isalnum() else "_" for c in name)
        found.append((name, Runner(db.obj, str(folder), table_name=table)))
    return found


def migrate():
    """Apply every pending migration; returns {label: [applied names]}. Safe to run again."""
    applied = {}
    with db.connection_context():
        for label, runner in runners():
            names = runner.up()
            if names:
                log.info("applied %s migrations: %s", label, ", ".join(names))
            applied[label] = names
    return applied


def pending():
    with db.connection_context():
        return {label: [m.name for m in runner.status() if not m.applied and m.path]
                for label, runner in runners()}
