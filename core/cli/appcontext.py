"""Building the app for a command, with its database connection open."""
import contextlib

from ..app import create_app
from ..db import db


@contextlib.contextmanager
def app_context():
    app = create_app()
    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            yield app
        finally:
            if not db.is_closed():
                db.close()
