"""The channels installed plugins register, and their saved settings."""
from ..models import SiteSetting
from .base import ADDRESS_KINDS, CAPABILITIES, Channel


class UnknownChannel(LookupError):
    """No installed plugin registers this channel (it may have been uninstalled)."""


def channel_problem(channel):
    """Why the core could not route `channel` (a Channel class or instance), or ""."""
    problems = []
    identifier = getattr(channel, "identifier", "") or ""
    if not identifier or not identifier.replace("_", "").isalnum():
        problems.append("identifier must be letters, digits and underscores")
    if channel.address not in ADDRESS_KINDS:
        problems.append(f"address must be one of {', '.join(ADDRESS_KINDS)}")
    unknown = set(channel.capabilities) - set(CAPABILITIES)
    if unknown:
        problems.append(f"unknown capabilities: {', '.join(sorted(unknown))}")
    return f"channel {identifier or channel!r}: " + "; ".join(problems) if problems else ""


def _check(channel):
    problem = channel_problem(channel)
    if problem:
        raise TypeError(problem)


def channels():
    """{identifier: Channel instance} for every registered channel, in label order."""
    from ..plugins import call_hook_flat

    found = {}
    for item in call_hook_flat("register_channels"):
        channel = item() if isinstance(item, type) else item
        if not isinstance(channel, Channel):
            raise TypeError(f"register_channels returned {item!r}, which is not a chapar.Channel")
        _check(channel)
        found.setdefault(channel.identifier, channel)
    return dict(sorted(found.items(), key=lambda pair: str(pair[1].label or pair[0])))


def get_channel(identifier):
    channel = channels().get(identifier)
    if channel is None:
        raise UnknownChannel(identifier)
    return channel


def _key(identifier):
    return f"channel:{identifier}"


def channel_settings(identifier):
    """The saved settings of a channel (secrets included), with each field's default filled in."""
    saved = SiteSetting.get_value(_key(identifier), {}) or {}
    try:
        fields = get_channel(identifier).settings_fields
    except UnknownChannel:
        return saved
    return {f.name: saved.get(f.name, f.default) for f in fields} | {k: v for k, v in saved.items()}


def save_channel_settings(identifier, submitted):
    """Validate and store `submitted` {field: raw}; an empty secret (or password) keeps the stored one.

    Returns the errors {field: code or message}; nothing is stored when there are any.
    """
    channel = get_channel(identifier)
    stored = SiteSetting.get_value(_key(identifier), {}) or {}
    from ..settings_forms import clean_settings  # which imports .fields from this package

    values, errors = clean_settings(channel.settings_fields, submitted, stored)
    if not errors:
        errors.update(channel.validate_settings(values) or {})
    if not errors:
        SiteSetting.set_value(_key(identifier), values)
    return errors


def public_settings(identifier):
    """Settings safe to show: secrets replaced by whether they are set."""
    channel = get_channel(identifier)
    saved = channel_settings(identifier)
    return {f.name: (bool(saved.get(f.name)) if f.secret else saved.get(f.name, f.default))
            for f in channel.settings_fields}
