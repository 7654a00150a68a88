"""Program and library content: per-language variants of a channel's composer fields, checked
while composing so template mistakes show with their line, not at send time."""
from ..channels import clean_value
from ..models import CustomField

MAX_VARIANTS = 20


def known_names(channel):
    """The merge tags a template for `channel` may use."""
    from ..templating import known_names as templating_known

    keys = [f.key for f in CustomField.select(CustomField.key)]
    return templating_known(keys, links=channel.template_links)


def clean_variants(channel, variants):
    """Validate {language: {field: value}}; returns (clean variants, errors).

    errors maps "language.field" (language "" shown as "default") to a list of messages, each
    with the line for template problems, so the composer can put them under the right input.
    """
    if not isinstance(variants, dict) or not variants:
        return {}, {"content": ["content is required"]}
    if "" not in variants:
        return {}, {"content": ["a default variant (language \"\") is required as the fallback"]}
    if len(variants) > MAX_VARIANTS:
        return {}, {"content": [f"at most {MAX_VARIANTS} language variants"]}
    known = known_names(channel)
    clean, errors = {}, {}
    for language, fields in variants.items():
        if not isinstance(language, str) or len(language) > 10 or \
                not (language == "" or language.replace("-", "").isalnum()):
            errors["content"] = [f"invalid language code {language!r}"]
            continue
        if not isinstance(fields, dict):
            errors[f"{language or 'default'}"] = ["must be an object of field values"]
            continue
        unknown = set(fields) - {f.name for f in channel.content_fields}
        for name in sorted(unknown):
            errors[f"{language or 'default'}.{name}"] = ["unknown field"]
        values = {}
        for field in channel.content_fields:
            key = f"{language or 'default'}.{field.name}"
            try:
                values[field.name] = clean_value(field, fields.get(field.name, field.default))
            except ValueError as exc:
                errors[key] = [str(exc)]
                continue
            if field.template and isinstance(values[field.name], str):
                problems = _template_problems(values[field.name], known, field.name in channel.html_fields)
                if problems:
                    errors[key] = problems
        extra = channel.validate_content(values) or {}
        for name, message in extra.items():
            errors.setdefault(f"{language or 'default'}.{name}", []).append(str(message))
        clean[language] = values
    return clean, errors


def _template_problems(source, known, autoescape):
    """Problems found by reading the template, then by a trial render for a contact with no
    details (this catches what only running shows: a range too large, a division by zero)."""
    from ..templating import TemplateError, check, contact_context, render

    problems = check(source, known, autoescape=autoescape)
    if problems:
        return [f"line {p.line}: {p.message}" if p.line else p.message for p in problems]
    trial = {"contact": contact_context(None), "links": {name: "https://example.invalid/" for name in known["links"]},
             "program": {"name": "", "id": 0}, "campaign": {"name": "", "id": 0}}
    try:
        render(source, trial, autoescape=autoescape)
    except TemplateError as exc:
        return [f"for a contact with no details: {exc}"]
    return []


def variant_for(variants, language):
    """The variant for a contact's language ("fa-IR" falls back to "fa", then to the default)."""
    language = (language or "").lower()
    if language in variants:
        return variants[language]
    base = language.split("-")[0]
    return variants.get(base) or variants.get("") or {}
