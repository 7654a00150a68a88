"""Site settings edited in the UI (kept in SiteSetting), beside the start-up settings in force.

Each editable setting is a SettingField: its key, label, kind and a `clean` function that turns
the submitted text into a value or raises ValueError with a translated message. The same
fields, validation and saving will serve the generic plugin settings page (a channel's
`settings_fields`), which only needs its own list of fields and a key prefix.
"""
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from chapar.access import require_role
from chapar.audit import record
from chapar.config import SETTINGS, mask_url
from chapar.i18n import LANGUAGES, current_language
from chapar.models import SiteSetting

from . import blueprint
from .render import render


@dataclass(frozen=True)
class SettingField:
    """One editable setting. `default` and `choices` may be callables, evaluated per request."""

    key: str
    label: str
    kind: str = "text"  # text, choice or suggest (free text with a list of suggestions)
    help: str = ""
    default: object = ""
    choices: object = ()  # (value, label) pairs
    clean: object = None  # raw text -> value; raises ValueError(message)

    def default_value(self):
        return self.default() if callable(self.default) else self.default

    def choice_list(self):
        return list(self.choices() if callable(self.choices) else self.choices)

    def to_value(self, raw):
        raw = (raw or "").strip()
        if self.kind == "choice" and raw not in {value for value, _label in self.choice_list()}:
            raise ValueError(_("Choose one of the options."))
        return self.clean(raw) if self.clean else raw


def _clean_name(raw):
    if len(raw) > 100:
        raise ValueError(_("Keep the name under 100 characters."))
    return raw


@lru_cache(maxsize=1)
def _time_zones():
    return sorted(zoneinfo.available_timezones())


def _clean_time_zone(raw):
    if raw not in _time_zones():
        raise ValueError(_("Pick a time zone from the list, such as Asia/Tehran or Europe/London."))
    return raw


# Codes in CLDR's territory list that are not ISO 3166-1 countries (continents, EU, test codes,
# reservations such as Ascension or the Canary Islands).
_NOT_COUNTRIES = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}


def _countries():
    names = Locale.parse(current_language()).territories
    codes = (code for code in names if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)
    return [("", _("None: numbers must start with + and the country code"))] + sorted(
        ((code, f"{names[code]} ({code})") for code in codes), key=lambda pair: pair[1])


def _languages():
    return list(LANGUAGES.items())


SITE_FIELDS = (
    SettingField("organisation_name", _l("Organisation name"), default="",
                 help=_l("Your company or organisation, as your team and your contacts know it."),
                 clean=_clean_name),
    SettingField("default_locale", _l("Language for new users"), kind="choice", choices=_languages,
                 default=lambda: current_app.config["CHAPAR"].DEFAULT_LOCALE,
                 help=_l("Each user can change their own language later.")),
    SettingField("default_time_zone", _l("Default time zone"), kind="suggest", choices=lambda: [
        (zone, zone) for zone in _time_zones()], default="UTC", clean=_clean_time_zone,
        help=_l("Used for schedules and for showing times.")),
    SettingField("default_country", _l("Default country for phone numbers"), kind="choice",
                 choices=_countries, default="",
                 help=_l("Phone numbers without a country code are read as numbers in this country.")),
)


def site_value(key, fields=SITE_FIELDS):
    """The saved value of a UI setting, or its default when never saved."""
    field = next(f for f in fields if f.key == key)
    return SiteSetting.get_value(key, field.default_value())


def current_values(fields):
    return {field.key: site_value(field.key, fields) for field in fields}


def validate(fields, form):
    """(values, errors): the cleaned value or the message for each field of a submitted form."""
    values, errors = {}, {}
    for field in fields:
        try:
            values[field.key] = field.to_value(form.get(field.key))
        except ValueError as exc:
            errors[field.key] = str(exc)
    return values, errors


def save(fields, values, actor):
    """Store the values that changed, audit them together, and return the changes."""
    old = current_values(fields)
    changes = {key: {"old": old[key], "new": value} for key, value in values.items() if old[key] != value}
    for key, change in changes.items():
        SiteSetting.set_value(key, change["new"])
    if changes:
        record("settings.changed", actor=actor, target="site", **changes)
    return changes


def _shown(setting, value):
    """A start-up setting's value as the page shows it: secrets hidden, lists joined."""
    if setting.name == "SECRET_KEY":
        return _("(hidden)")
    if setting.name.endswith("_URL") and value:
        return mask_url(value)  # passwords, user info and secret query arguments
    if isinstance(value, (tuple, list)):
        return ", ".join(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def startup_settings():
    """(environment variable, value shown, help) for every CHAPAR_* setting in force."""
    config = current_app.config["CHAPAR"]
    return [("CHAPAR_" + s.name, _shown(s, getattr(config, s.name)), s.help) for s in SETTINGS]


@blueprint.route("/admin/settings", methods=["GET", "POST"])
@require_role("admin")
def admin_settings():
    errors = {}
    values = current_values(SITE_FIELDS)
    if request.method == "POST":
        cleaned, errors = validate(SITE_FIELDS, request.form)
        if not errors:
            changes = save(SITE_FIELDS, cleaned, current_user)
            flash(_("Settings saved.") if changes else _("Nothing changed."), "ok")
            return redirect(url_for("webui.admin_settings"))
        # Nothing is saved; the form shows every submitted value, good and bad, to fix in place.
        values = {field.key: (request.form.get(field.key) or "").strip() for field in SITE_FIELDS}
    return render("webui/admin/settings.html", status=422 if errors else 200, fields=SITE_FIELDS,
                  values=values, errors=errors, startup=startup_settings())
