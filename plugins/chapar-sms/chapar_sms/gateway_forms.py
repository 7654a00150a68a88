"""The gateway form's rules: cleaning what an admin submitted, and saving it.

The provider's own settings (its `settings_fields`) follow the same rules as a channel's settings
page: a secret (kind "password" or `secret=True`) is never shown back, and leaving it blank keeps
the stored value. Errors are codes ("required", "not_a_number" …) or the provider's own messages.
"""
import json
import re
import unicodedata

from chapar import clean_value, db, utcnow

from .gateways import SmsGateway
from .providers.registry import forget, provider_kinds

# An alphanumeric sender id (a brand: letters and digits, at most 11 per GSM 03.40) or a number
# (a short code or a long number, at most 15 digits per E.164).
ALPHANUMERIC_SENDER = re.compile(r"[A-Za-z0-9]{1,11}")
NUMERIC_SENDER = re.compile(r"\+?[0-9]{1,15}")
SETTING_PREFIX = "setting-"


def is_secret(field):
    return field.secret or field.kind == "password"


def input_name(field):
    """The form input of a provider setting: prefixed, so a setting never shadows the gateway's own
    inputs (a provider may well call one of its settings "sender" or "name")."""
    return f"{SETTING_PREFIX}{field.name}"


def clean_settings(fields, form, stored):
    """(settings, errors) for a provider's `fields` from `form`; blank secrets keep `stored` ones.
    Errors are keyed by field name."""
    values, errors = {}, {}
    for field in fields:
        raw = form.get(input_name(field))
        if is_secret(field) and not raw:
            values[field.name] = stored.get(field.name, "")
            if field.required and not values[field.name]:
                errors[field.name] = "required"
            continue
        try:
            values[field.name] = clean_value(field, raw)
        except ValueError as exc:
            errors[field.name] = str(exc)
    return values, errors


def clean_gateway(form, gateway=None):
    """(values, settings, errors) from a submitted gateway form; `gateway` is the one edited, if any.

    Secrets stored for the gateway are kept when their input is blank, as long as its kind is
    unchanged (another kind's secrets mean nothing to the new one)."""
    values, errors = {}, {}
    values["name"] = (form.get("name") or "").strip()
    if not values["name"]:
        errors["name"] = "required"
    elif len(values["name"]) > 100:
        errors["name"] = "too_long"
    elif (SmsGateway.select().where((SmsGateway.name == values["name"])
                                    & (SmsGateway.id != (gateway.id if gateway else 0))).exists()):
        errors["name"] = "taken"
    values["kind"] = (form.get("kind") or "").strip()
    kinds = provider_kinds()
    if values["kind"] not in kinds:
        errors["kind"] = "not_a_choice"
    # A short code typed with Persian or Arabic-Indic digits (۳۰۰۰) is stored as the gateway needs it.
    values["sender"] = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c
                               for c in (form.get("sender") or "").strip())
    if values["sender"] and not (ALPHANUMERIC_SENDER.fullmatch(values["sender"])
                                 or NUMERIC_SENDER.fullmatch(values["sender"])):
        errors["sender"] = "bad_sender"
    rate = (form.get("rate_per_second") or "").strip()
    try:
        values["rate_per_second"] = float(rate) if rate else None
        if values["rate_per_second"] is not None and not 0 < values["rate_per_second"] < float("inf"):
            raise ValueError
    except ValueError:
        values["rate_per_second"] = rate
        errors["rate_per_second"] = "not_positive"
    values["is_default"] = form.get("is_default") is not None
    settings = {}
    if "kind" not in errors:
        provider_class = kinds[values["kind"]]
        stored = gateway.settings if gateway is not None and gateway.kind == values["kind"] else {}
        settings, setting_errors = clean_settings(provider_class.settings_fields, form, stored)
        if not setting_errors:
            setting_errors = dict(provider_class(gateway or SmsGateway(**values)).validate_settings(settings) or {})
        errors.update({f"{SETTING_PREFIX}{name}": code for name, code in setting_errors.items()})
    return values, settings, errors


def save_gateway(values, settings, gateway=None):
    """Create or update a gateway; saving one as the default clears the others' flag. Bumps
    updated_at, so every worker rebuilds its provider with the new settings."""
    with db.atomic():
        if values.get("is_default"):
            others = SmsGateway.update(is_default=False).where(SmsGateway.is_default)
            if gateway is not None:
                others = others.where(SmsGateway.id != gateway.id)
            others.execute()
        gateway = gateway or SmsGateway()
        for name, value in values.items():
            setattr(gateway, name, value)
        gateway.settings_json = json.dumps(settings, ensure_ascii=False)
        gateway.updated_at = utcnow()
        gateway.save()
    forget(gateway.id)  # this process's instance too, even if the clock did not move
    return gateway


def changed_fields(gateway, values, settings, fields):
    """What an edit changes, for the audit log: {name: [old, new]} for plain values and settings,
    and the names (only) of the secrets that changed."""
    changed = {name: [getattr(gateway, name), value] for name, value in values.items()
               if getattr(gateway, name) != value}
    old = gateway.settings
    secret_names = {f.name for f in fields if is_secret(f)}
    changed.update({f"settings.{name}": [old.get(name), value] for name, value in settings.items()
                    if name not in secret_names and old.get(name) != value})
    secrets = sorted(name for name in secret_names if old.get(name) != settings.get(name))
    return changed, secrets
