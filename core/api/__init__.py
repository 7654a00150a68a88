"""The REST API under /api/v1 (filled in by chapar.api.setup)."""


def init_app(app):
    from .setup import init_api

    init_api(app)
