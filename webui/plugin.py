"""The web UI's hook implementations."""
from chapar import hookimpl


@hookimpl
def register_blueprints(app):
    from .views import blueprint

    return [blueprint]
