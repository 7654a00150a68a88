"""A form of settings `Field`s inside a plugin's own page (an SMS gateway's provider settings, a fax
line's transport settings): reading what was posted, what to show, and what an edit changed.

The rules are the channel settings page's: a secret (`secret=True`, kind "password", or named in
`secret_names`) is never shown back, and leaving its input empty keeps the stored value. Inputs
may carry a `prefix`, so a setting never shadows the page's own inputs ("name", "sender").
Errors are codes ("required", "not_a_number" …) or a kind's own messages, keyed by field name.
"""
from .channels.fields import clean_value


def is_secret(field, secret_names=()):
    """Whether `field` holds a secret: stored, never shown back, kept when left empty."""
    return field.secret or field.kind == "password" or field.name in secret_names


def clean_settings(fields, form, stored, prefix="", secret_names=()):
    """(values, errors) for `fields` from the posted `form`; an empty secret keeps its `stored` value."""
    values, errors = {}, {}
    for field in fields:
        raw = form.get(prefix + field.name)
        if is_secret(field, secret_names) and not raw:
            values[field.name] = stored.get(field.name, "")
            if field.required and not values[field.name]:
                errors[field.name] = "required"
            continue
        try:
            values[field.name] = clean_value(field, raw)
        except ValueError as exc:
            errors[field.name] = str(exc)
    return values, errors


def shown_settings(fields, stored, secret_names=()):
    """What the inputs show for `stored` settings: each value or its default, never a secret."""
    return {f.name: ("" if is_secret(f, secret_names) else stored.get(f.name, f.default)) for f in fields}


def typed_settings(fields, form, prefix="", secret_names=()):
    """What the inputs show again after an error: what was typed (a checkbox: whether ticked), never a secret."""
    return {f.name: ("" if is_secret(f, secret_names) else (
        prefix + f.name in form if f.kind == "checkbox" else form.get(prefix + f.name, ""))) for f in fields}


def settings_changes(fields, old, new, secret_names=()):
    """What saving `new` over `old` changes, for the audit log: ({"settings.<name>": [old, new]} of
    the plain settings, sorted names of the secrets that changed): a secret's value never appears."""
    secrets = {f.name for f in fields if is_secret(f, secret_names)}
    changed = {f"settings.{name}": [old.get(name), value] for name, value in new.items()
               if name not in secrets and old.get(name) != value}
    return changed, sorted(name for name in secrets if old.get(name) != new.get(name))
