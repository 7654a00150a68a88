"""Creating and editing a contact, with every field checked as it is left (htmx) and on save.

The inputs are described once (ContactForm.sections) so the full form and the one-field
fragment the validation endpoint returns are rendered from the same description.
"""
import zoneinfo
from dataclasses import dataclass, field

from babel import Locale
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from chapar.access import require_role
from chapar.contacts import (EDITABLE_FIELDS, change_consent, clean_contact_data, create_contact,
                             default_region, normalise_email, normalise_phone, set_do_not_contact, tags_of,
                             update_contact, values_of)
from chapar.contacts.labels import CHANNEL_LABELS, SOURCE_LABELS
from chapar.contacts.tags import MAX_TAG_LENGTH, add_tags, clean_tag_names, remove_tags
from chapar.db import db
from chapar.errors import FieldError, ValidationFailed
from chapar.i18n import current_language
from chapar.models import CHANNELS, SOURCES, Contact, CustomField, User

from . import blueprint
from .contacts_common import (CUSTOM_PREFIX, FIELD_LABELS, UI_METHOD, contact_label, contact_or_404,
                              display_phone, duplicate_message, error_message, evidence, input_value,
                              status_choices)
from .render import render
from .shell import format_number

IDENTITY_FIELDS = ("first_name", "last_name", "company", "email", "mobile", "fax")
_TZ_SKIP = ("Etc/", "SystemV/", "US/", "posix", "right/")


@dataclass
class Input:
    """One input of the form, as the form_field() macro takes it."""

    name: str
    label: str = None  # FIELD_LABELS[name] when not given
    type: str = "text"
    options: list = field(default_factory=list)
    help: str = None
    autocomplete: str = "off"
    attrs: dict = field(default_factory=dict)

    def __post_init__(self):
        self.label = self.label or FIELD_LABELS[self.name]


def _with_current(options, value):
    """`options` plus the stored value when a list no longer offers it (an old time zone)."""
    return options if not value or value in dict(options) else options + [(value, value)]


def country_options(value=""):
    names = Locale.parse(current_language()).territories
    countries = sorted(((code, name) for code, name in names.items() if len(code) == 2 and code.isalpha()),
                       key=lambda pair: pair[1])
    return _with_current([("", "—")] + countries, value)


def time_zone_options(value=""):
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(_TZ_SKIP))
    return _with_current([("", "—"), ("UTC", "UTC")] + [(z, z.replace("_", " ")) for z in zones], value)


def owner_options():
    users = User.select(User.id, User.name, User.email).where(User.active == True).order_by(User.name)  # noqa: E712
    return [("", _("Nobody"))] + [(str(u.id), u.name or u.email) for u in users]


def custom_input(definition):
    name, label = CUSTOM_PREFIX + definition.key, definition.label
    if definition.kind == "choice":
        return Input(name, label, "select", [("", "—")] + [(c, c) for c in definition.choices])
    if definition.kind == "boolean":
        return Input(name, label, "select", [("", "—"), ("1", _("Yes")), ("0", _("No"))])
    if definition.kind == "date":
        return Input(name, label, "date", attrs={"dir": "ltr"})
    if definition.kind == "number":
        return Input(name, label, attrs={"inputmode": "decimal", "dir": "ltr"})
    return Input(name, label)


class ContactForm:
    """The form for `contact` (None for a new one): its inputs, values and checks."""

    def __init__(self, contact=None):
        self.contact = contact
        self.custom = list(CustomField.select().order_by(CustomField.position, CustomField.label))

    def validate_url(self, name):
        args = {"contact": self.contact.id} if self.contact else {}
        return url_for("webui.contact_validate", name=name, **args)

    def sections(self, values):
        """[(title, [Input])]: the form's fieldsets in order."""
        ltr = {"dir": "ltr"}
        sections = [
            (_l("Name"), [Input("first_name"), Input("last_name")]),
            (_l("Reaching them"), [
                Input("email", type="email"),
                Input("mobile", type="tel", attrs=ltr,
                      help=_l("With or without the country code; Persian digits are fine.")),
                Input("fax", type="tel", attrs=ltr)]),
            (_l("Work"), [Input("company"), Input("job_title")]),
            (_l("Postal address"), [
                Input("address_line1"), Input("address_line2"), Input("city"), Input("region"),
                Input("postal_code", attrs=ltr),
                Input("country", type="select", options=country_options(values.get("country")))]),
            (_l("Preferences"), [
                Input("language", attrs=ltr,
                      help=_l("A language code such as fa or en, for content in their language.")),
                Input("time_zone", type="select", options=time_zone_options(values.get("time_zone"))),
                Input("owner", type="select", options=owner_options())]),
            (_l("Where they came from"), [
                Input("source", type="select", options=[(s, SOURCE_LABELS[s]) for s in SOURCES]),
                *[Input(f"utm_{part}", attrs=ltr) for part in ("source", "medium", "campaign", "term", "content")]]),
        ]
        if self.custom:
            sections.append((_l("Custom fields"), [custom_input(d) for d in self.custom]))
        sections.append((_l("Tags"), [Input("tags", help=_l("Separate tags with commas."))]))
        for _title, inputs in sections:
            for item in inputs:
                item.attrs = {**item.attrs, "hx-post": self.validate_url(item.name), "hx-trigger": "change",
                              "hx-target": "closest .form-row", "hx-swap": "outerHTML"}
        return sections

    def input(self, name, values):
        return next((item for _t, inputs in self.sections(values) for item in inputs if item.name == name), None)

    def initial_values(self):
        contact = self.contact
        if contact is None:
            return {"source": "manual", "owner": str(current_user.id), "dnc": False,
                    **{f"consent_{c}": "unknown" for c in CHANNELS}}
        values = {name: getattr(contact, name) or "" for name in EDITABLE_FIELDS}
        values.update(mobile=display_phone(contact.mobile), fax=display_phone(contact.fax))  # read back the same
        stored = values_of(contact)
        values.update({CUSTOM_PREFIX + d.key: input_value(stored.get(d.key)) for d in self.custom})
        values.update(tags=", ".join(tags_of(contact)), owner=str(contact.owner_id or ""), dnc=contact.do_not_contact,
                      **{f"consent_{c}": contact.consent(c) for c in CHANNELS})
        return values

    def submitted_values(self):
        form = request.form
        values = {name: form.get(name, "").strip() for name in EDITABLE_FIELDS}
        values.update({CUSTOM_PREFIX + d.key: form.get(CUSTOM_PREFIX + d.key, "").strip() for d in self.custom})
        values.update(tags=form.get("tags", ""), owner=form.get("owner", ""), dnc=form.get("dnc") == "1")
        for channel in CHANNELS:
            values[f"consent_{channel}"] = form.get(f"consent_{channel}", "unknown")
            values[f"wording_{channel}"] = form.get(f"wording_{channel}", "").strip()
        return values

    def data(self, values):
        """What chapar.contacts takes: core fields and custom keys."""
        data = {name: values.get(name, "") for name in EDITABLE_FIELDS}
        data.update({d.key: values.get(CUSTOM_PREFIX + d.key, "") for d in self.custom})
        return data

    def errors(self, values, only=None):
        """{input name: message} for every problem (or for the input `only`)."""
        data = self.data(values)
        if only is not None:
            key = only[len(CUSTOM_PREFIX):] if only.startswith(CUSTOM_PREFIX) else only
            data = {key: data[key]} if key in data else {}
        errors = {}
        try:
            clean_contact_data(data)
        except ValidationFailed as failed:
            errors.update(input_errors(failed))
        for name in ("email", "mobile"):
            if name in data and name not in errors:
                other = self.holder(name, data[name])
                if other is not None:
                    errors[name] = duplicate_message(name, other)
        if only in (None, "tags"):
            try:
                clean_tag_names(split_tags(values.get("tags", "")))
            except ValueError:
                errors["tags"] = _("A tag may have at most %(count)s characters.", count=format_number(MAX_TAG_LENGTH))
        if only in (None, "owner") and values.get("owner") and values["owner"] not in dict(owner_options()):
            errors["owner"] = _("Choose one of the users.")
        if only is None:
            errors.update(self.consent_errors(values))
            if not any(values.get(name) for name in IDENTITY_FIELDS):
                errors.setdefault("first_name", _("Give at least a name, a company, an email or a phone number."))
        return errors

    def consent_errors(self, values):
        errors = {}
        for channel in CHANNELS:
            status = values[f"consent_{channel}"]
            if status not in dict(status_choices()):
                errors[f"consent_{channel}"] = _("Choose one of the statuses.")
            elif (status == "subscribed" and status != self.current_consent(channel)
                  and not values[f"wording_{channel}"]):
                errors[f"wording_{channel}"] = _(
                    "Say how they agreed: the wording they saw, or where and when they said yes.")
        return errors

    def current_consent(self, channel):
        return self.contact.consent(channel) if self.contact else "unknown"

    def holder(self, name, raw):
        """The other contact that already has this email or mobile, or None."""
        try:
            value = normalise_email(raw) if name == "email" else normalise_phone(raw, default_region())
        except FieldError:
            return None
        if not value:
            return None
        query = Contact.select().where(getattr(Contact, name) == value)
        if self.contact is not None:
            query = query.where(Contact.id != self.contact.id)
        return query.first()

    def save(self, values):
        """Create or update the contact, its tags and its consent in one transaction; returns it."""
        data = self.data(values)
        owner = User.get_or_none(User.id == values["owner"]) if values.get("owner") else None
        actor = current_user._get_current_object()
        with db.atomic():
            if self.contact is None:
                contact = create_contact(data, owner=owner)
            else:
                contact = self.contact
                contact.owner = owner
                update_contact(contact, data)
            wanted = clean_tag_names(split_tags(values["tags"]))
            remove_tags([contact.id], set(tags_of(contact)) - set(wanted))
            add_tags([contact.id], wanted)
            for channel in CHANNELS:
                change_consent(contact, channel, values[f"consent_{channel}"], UI_METHOD, actor=actor,
                               wording=values[f"wording_{channel}"], **evidence())
            set_do_not_contact(contact, values["dnc"], UI_METHOD, actor=actor, **evidence())
        return contact


def input_errors(failed):
    """ValidationFailed's errors by the form's input names (custom keys carry the cf_ prefix)."""
    return {key if key in EDITABLE_FIELDS else CUSTOM_PREFIX + key: error_message(key, error)
            for key, error in failed.errors.items()}


def split_tags(text):
    """"vip, customer، tehran" -> names (the Persian comma separates too)."""
    return [part for part in text.replace("،", ",").split(",") if part.strip()]


def _form_page(form, values, errors):
    return render("webui/contacts/form.html", status=422 if errors else 200, form=form, contact=form.contact,
                  values=values, errors=errors, sections=form.sections(values), channels=CHANNELS,
                  channel_labels=CHANNEL_LABELS, statuses=status_choices())


def _submit(form):
    values = form.submitted_values()
    errors = form.errors(values)
    if not errors:
        try:
            contact = form.save(values)
        except ValidationFailed as failed:  # another request took the email or mobile meanwhile
            errors = input_errors(failed)
        else:
            flash(_("Saved %(name)s.", name=contact_label(contact)), "ok")
            return redirect(url_for("webui.contact_show", contact_id=contact.id))
    return _form_page(form, values, errors)


@blueprint.route("/contacts/new", methods=["GET", "POST"])
@require_role("marketer")
def contact_new():
    form = ContactForm()
    if request.method == "POST":
        return _submit(form)
    return _form_page(form, form.initial_values(), {})


@blueprint.route("/contacts/<id:contact_id>/edit", methods=["GET", "POST"])
@require_role("marketer")
def contact_edit(contact_id):
    form = ContactForm(contact_or_404(contact_id))
    if request.method == "POST":
        return _submit(form)
    return _form_page(form, form.initial_values(), {})


@blueprint.route("/contacts/validate/<name>", methods=["POST"])
@require_role("marketer")
def contact_validate(name):
    """One input re-rendered with its error (or none), for htmx to swap in as it is left."""
    contact_id = request.args.get("contact", type=int)
    form = ContactForm(contact_or_404(contact_id) if contact_id else None)
    values = {name: request.form.get(name, "")}
    item = form.input(name, values)
    if item is None:
        return "", 204
    return render("webui/contacts/_field.html", item=item, values=values, errors=form.errors(values, only=name))
