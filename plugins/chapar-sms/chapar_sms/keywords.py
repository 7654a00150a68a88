"""Keyword matching (to be written)."""


def match(text, lists):
    return ""
