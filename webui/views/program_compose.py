"""The composer a program and a library item share: a channel's content fields per language variant,
the merge tags they may use, and the live check that puts each template problem under its field.

In a form, a variant's languages are listed by hidden `variant` inputs ("" is the default, the
fallback for every language) and each value is posted as `c.<language>.<field>`. Adding or
removing a variant is a submit button (name="action": add_variant, remove_variant:<language>),
so it works without JavaScript; the form view re-renders with the variants changed.
"""
import re

from babel import Locale
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from chapar.access import require_role
from chapar.channels import UnknownChannel, get_channel
from chapar.i18n import LANGUAGES, current_language
from chapar.models import CustomField
from chapar.programs import clean_variants, known_names

from . import blueprint
from .compose_counter import counters
from .compose_preview import live_frame, sample_contact
from .contacts_common import FIELD_LABELS
from .render import render

PREFIX = "c."
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
SUGGESTED_LANGUAGES = ("fa", "en", "ar", "tr", "ku", "az", "de", "fr", "ru")
LINE_PROBLEM = re.compile(r"^line (\d+): (.*)$", re.S)
FIELD_MESSAGES = {  # the codes chapar.channels.clean_value gives (composer and settings fields alike)
    "required": _l("This field is required."),
    "not_a_number": _l("Enter a number, such as 12 or 3.5."),
    "not_text": _l("Enter text."),
    "not_a_choice": _l("Choose one of the options."),
    "unknown field": _l("This field is not part of the channel's content."),
}
MERGE_EXTRA_LABELS = {"full_name": _l("Full name")}


def field_message(code, field=None):
    """A translated message for a field error code; plugins' own messages pass through."""
    if code == "too_long" and field is not None and field.max_length:
        return _("Too long: at most %(count)s characters.", count=field.max_length)
    if code == "too_long":
        return _("Too long.")
    if code in FIELD_MESSAGES:
        return str(FIELD_MESSAGES[code])
    found = LINE_PROBLEM.match(str(code))
    if found:  # a template problem from the core, which words it in English with its line
        return _("Line %(line)s: %(problem)s", line=found.group(1), problem=found.group(2))
    return str(code)


def channel_or_none(identifier):
    try:
        return get_channel(identifier) if identifier else None
    except UnknownChannel:
        return None


def input_name(language, field_name):
    return f"{PREFIX}{language}.{field_name}"


def slot(language, field_name=""):
    """The HTML id of a field's problem slot (ids allow neither dots nor spaces)."""
    raw = f"{language or 'default'}-{field_name}" if field_name else (language or "default")
    return "problems-" + re.sub(r"[^A-Za-z0-9_-]", "_", raw)


def language_label(code):
    """What people read for a variant: "Default" for "", else the language's own name in theirs."""
    if not code:
        return _("Default (every other language)")
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(current_language())
    except (ValueError, TypeError, LookupError):
        name = LANGUAGES.get(code)
    return f"{name} ({code})" if name else code


def languages_from_form(form):
    """The variants the form holds, in order, the default first."""
    found = [code for code in dict.fromkeys(form.getlist("variant")) if code == "" or LANGUAGE_CODE.match(code)]
    return [""] + [code for code in found if code]


def variants_from_form(form, channel):
    """{language: {field: value as typed}}; fields of another channel with the same name carry over."""
    if channel is None:
        return {}
    variants = {}
    for language in languages_from_form(form):
        values = {}
        for field in channel.content_fields:
            name = input_name(language, field.name)
            values[field.name] = name in form if field.kind == "checkbox" else form.get(name, "")
        variants[language] = values
    return variants


def fit_variants(channel, variants):
    """Stored variants shaped for `channel`'s fields (missing ones empty), the default first."""
    if channel is None:
        return {}
    shaped = {"": {}}
    for language, values in (variants or {}).items():
        values = values if isinstance(values, dict) else {}
        shaped[language] = {f.name: values.get(f.name, f.default) for f in channel.content_fields}
    shaped[""] = shaped[""] or {f.name: f.default for f in channel.content_fields}
    return shaped


def apply_variant_action(channel, variants, action, new_code):
    """Add or remove a language variant; returns (variants, error message or None)."""
    if action == "add_variant":
        code = (new_code or "").strip().lower().replace("_", "-")
        if not LANGUAGE_CODE.match(code):
            return variants, _("Enter a language code such as fa or en.")
        if code in variants:
            return variants, _("There is already a variant for %(language)s.", language=language_label(code))
        if channel is not None:
            variants = {**variants, code: {f.name: f.default for f in channel.content_fields}}
    elif action.startswith("remove_variant:"):
        code = action.split(":", 1)[1]
        if code:  # the default variant is the fallback: it always stays
            variants = {key: value for key, value in variants.items() if key != code}
    return variants, None


def problems(channel, variants, live=False):
    """({slot id: [messages]}, [messages about the content as a whole]) from clean_variants.

    `live` (while typing) leaves out "required": an empty field is unfinished, not wrong yet.
    """
    if channel is None:
        return {}, []
    _clean, errors = clean_variants(channel, variants)
    fields = {f.name: f for f in channel.content_fields}
    by_slot, general = {}, []
    for key, messages in errors.items():
        language, _dot, name = key.partition(".")
        language = "" if language == "default" else language
        if key == "content" or not name:
            general.extend(field_message(m) for m in messages)
            continue
        shown = [field_message(m, fields.get(name)) for m in messages if not (live and m == "required")]
        if shown:
            by_slot.setdefault(slot(language, name), []).extend(shown)
    return by_slot, general


def merge_tags(channel):
    """[(group label, [(tag, label)])] for the list beside the composer, from known_names()."""
    if channel is None:
        return []
    known = known_names(channel)
    contact = [(f"contact.{name}", MERGE_EXTRA_LABELS.get(name) or FIELD_LABELS.get(name, name))
               for name in known["contact"] if name != "fields"]
    labels = dict(CustomField.select(CustomField.key, CustomField.label).tuples())
    custom = [(f"contact.fields.{key}", labels.get(key, key)) for key in sorted(known["contact"]["fields"])]
    groups = [(_("Contact"), contact)]
    if custom:
        groups.append((_("Custom fields"), custom))
    if known["links"]:
        groups.append((_("Links"), [(f"links.{name}", name) for name in sorted(known["links"])]))
    groups.append((_("Program and campaign"), [("program.name", _("Program name")),
                                              ("campaign.name", _("Campaign name"))]))
    return groups


def widget(field, channel):
    """The input a content field gets: its kind, with html fields as a monospace text area."""
    if field.kind == "html" or field.name in channel.html_fields:
        return "html"
    return field.kind


def frame_slot(language, field_name):
    return "frame-" + slot(language, field_name)[9:]


def live_frames(channel, variants):
    """{frame slot id: live_frame()} for every HTML field, rendered for the sample contact."""
    if channel is None:
        return {}
    contact = sample_contact()
    return {frame_slot(language, field.name): live_frame(channel, field, values.get(field.name), contact)
            for language, values in variants.items() for field in channel.content_fields
            if widget(field, channel) == "html" and values.get(field.name)}


def composer_context(channel, variants, found=None, general=(), variant_error=None, readonly=False):
    """What webui/programs/_composer.html needs (live frames only where the content is editable)."""
    return {"composer": {
        "channel": channel, "variants": variants, "problems": found or {}, "general": list(general),
        "variant_error": variant_error, "readonly": readonly, "merge_tags": merge_tags(channel),
        "suggested": [code for code in SUGGESTED_LANGUAGES if code not in variants],
        "frames": {} if readonly else live_frames(channel, variants),
        "counters": {} if readonly else counters(channel, variants),
        "has_html": channel is not None and any(widget(f, channel) == "html" for f in channel.content_fields),
    }, "input_name": input_name, "slot": slot, "frame_slot": frame_slot, "language_label": language_label, "widget": widget}


@blueprint.route("/compose/check", methods=["POST"])
@require_role("marketer")
def compose_check():
    """htmx, while typing: every field's problems, swapped out of band under its input."""
    channel = channel_or_none(request.form.get("channel", ""))
    variants = variants_from_form(request.form, channel)
    found, general = problems(channel, variants, live=True)
    return render("webui/programs/_composer_check.html", **composer_context(channel, variants, found, general))
