"""Job functions for tests that run an RQ worker: the worker imports them by name, so they live
in a module of their own rather than inside a test."""


def explode(message):
    """Always fails, with `message` in the exception."""
    raise ValueError(message)


def add(a, b):
    return a + b
