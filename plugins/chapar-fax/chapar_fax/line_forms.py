"""The fax line form's rules: cleaning what an admin submitted, and saving it.

The transport's own settings (its `settings_fields`) follow the channel settings page's rules: a
secret (kind "password", `secret=True`, or named in the transport's `secret_fields`) is never shown
back, and leaving it blank keeps the stored value. Errors are codes ("required", "not_a_number" …)
or the transport's own messages.
"""
import json

from chapar import clean_value, db, utcnow

from . import numbers
from .lines import FaxLine
from .transports.registry import forget, transport_kinds

SETTING_PREFIX = "setting-"
LIMITS = {"max_tries": (1, 10), "retry_minutes": (1, 1440)}


def is_secret(field, transport_class=None):
    return field.secret or field.kind == "password" or field.name in getattr(transport_class, "secret_fields", ())


def input_name(field):
    """A transport setting's input: prefixed, so it never shadows the line's own inputs."""
    return f"{SETTING_PREFIX}{field.name}"


def clean_settings(transport_class, form, stored):
    """(settings, errors keyed by field name) for a transport's fields; blank secrets keep `stored`."""
    values, errors = {}, {}
    for field in transport_class.settings_fields:
        raw = form.get(input_name(field))
        if is_secret(field, transport_class) and not raw:
            values[field.name] = stored.get(field.name, "")
            if field.required and not values[field.name]:
                errors[field.name] = "required"
            continue
        try:
            values[field.name] = clean_value(field, raw)
        except ValueError as exc:
            errors[field.name] = str(exc)
    return values, errors


def _whole_number(form, name, default, errors):
    raw = (form.get(name) or "").strip()
    low, high = LIMITS[name]
    try:
        value = int(raw) if raw else default
        if not low <= value <= high:
            raise ValueError
        return value
    except ValueError:
        errors[name] = "out_of_range"
        return raw


def clean_line(form, region, line=None):
    """(values, settings, errors) from a submitted line form; `line` is the one edited, if any."""
    values, errors = {}, {}
    values["name"] = (form.get("name") or "").strip()
    if not values["name"]:
        errors["name"] = "required"
    elif len(values["name"]) > 100:
        errors["name"] = "too_long"
    elif FaxLine.select().where((FaxLine.name == values["name"]) & (FaxLine.id != (line.id if line else 0))).exists():
        errors["name"] = "taken"
    values["kind"] = (form.get("kind") or "").strip()
    kinds = transport_kinds()
    if values["kind"] not in kinds:
        errors["kind"] = "not_a_choice"
    sender = (form.get("sender") or "").strip()
    try:
        values["sender"] = numbers.e164(sender, region) if sender else ""
    except ValueError:
        values["sender"], errors["sender"] = sender, "bad_number"
    rate = (form.get("rate_per_second") or "").strip()
    try:
        values["rate_per_second"] = float(rate) if rate else None
        if values["rate_per_second"] is not None and not 0 < values["rate_per_second"] < float("inf"):
            raise ValueError
    except ValueError:
        values["rate_per_second"], errors["rate_per_second"] = rate, "not_positive"
    values["max_tries"] = _whole_number(form, "max_tries", 3, errors)
    values["retry_minutes"] = _whole_number(form, "retry_minutes", 5, errors)
    values["is_default"] = form.get("is_default") is not None
    settings = {}
    if "kind" not in errors:
        transport_class = kinds[values["kind"]]
        stored = line.settings if line is not None and line.kind == values["kind"] else {}
        settings, setting_errors = clean_settings(transport_class, form, stored)
        if not setting_errors:
            setting_errors = dict(transport_class(line or FaxLine(**values)).validate_settings(settings) or {})
        errors.update({f"{SETTING_PREFIX}{name}": code for name, code in setting_errors.items()})
    return values, settings, errors


def save_line(values, settings, line=None):
    """Create or update a line; saving one as the default clears the others' flag. Bumps
    updated_at, so every worker rebuilds its transport with the new settings."""
    with db.atomic():
        if values.get("is_default"):
            others = FaxLine.update(is_default=False).where(FaxLine.is_default)
            if line is not None:
                others = others.where(FaxLine.id != line.id)
            others.execute()
        line = line or FaxLine()
        for name, value in values.items():
            setattr(line, name, value)
        line.settings_json = json.dumps(settings, ensure_ascii=False)
        line.updated_at = utcnow()
        line.save()
    forget(line.id)  # this process's instance too, even if the clock did not move
    return line


def changed_fields(line, values, settings, transport_class):
    """What an edit changes, for the audit log: {name: [old, new]}, and the names of changed secrets."""
    changed = {name: [getattr(line, name), value] for name, value in values.items() if getattr(line, name) != value}
    old = line.settings
    secret_names = {f.name for f in transport_class.settings_fields if is_secret(f, transport_class)}
    changed.update({f"settings.{name}": [old.get(name), value] for name, value in settings.items()
                    if name not in secret_names and old.get(name) != value})
    return changed, sorted(name for name in secret_names if old.get(name) != settings.get(name))
