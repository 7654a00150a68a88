"""Form fields a channel declares: its composer's content fields and its settings fields.

One generic composer and one generic settings page render these, so plugins write no forms.
"""
from dataclasses import dataclass

FIELD_KINDS = ("text", "textarea", "html", "number", "email", "url", "password", "checkbox", "select")


@dataclass(frozen=True)
class Field:
    """One input. `template` fields accept merge tags and are rendered per contact at send time;
    `secret` settings are stored but never shown back (the form shows them as set or not set)."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    help: str = ""
    template: bool = False
    secret: bool = False
    max_length: int | None = None
    choices: tuple = ()  # (value, label) pairs for "select"
    default: object = ""

    def __post_init__(self):
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"Field {self.name!r}: kind must be one of {', '.join(FIELD_KINDS)}")


def clean_value(field, raw):
    """The stored value for `raw` from a form or JSON, or a ValueError with a message for people."""
    if field.kind == "checkbox":
        return raw in (True, "1", "on", "true", "yes", 1)
    if raw is None:
        raw = ""
    if field.kind == "number":
        if raw in ("", None):
            if field.required:
                raise ValueError("required")
            return None
        try:
            return float(raw) if "." in str(raw) else int(raw)
        except (TypeError, ValueError):
            raise ValueError("not_a_number") from None
    if not isinstance(raw, str):
        raise ValueError("not_text")
    value = raw.replace("\r\n", "\n")
    if field.kind not in ("textarea", "html"):
        value = value.strip()
    if field.required and not value.strip():
        raise ValueError("required")
    if field.max_length and len(value) > field.max_length:
        raise ValueError("too_long")
    if field.kind == "select" and value and value not in {v for v, _label in field.choices}:
        raise ValueError("not_a_choice")
    return value
