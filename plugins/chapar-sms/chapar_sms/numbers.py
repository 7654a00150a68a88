"""E.164 normalisation (to be written)."""


def normalize(raw, region):
    return raw


def for_sending(raw, region):
    return raw, ""


def spellings(number, region):
    return [number]
