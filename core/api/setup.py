"""Placeholder: the API helper replaces this."""


def init_api(app):
    pass
