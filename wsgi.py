"""Entry point for gunicorn: `gunicorn wsgi:app`. Settings come from CHAPAR_* variables."""
from chapar import create_app

app = create_app()
