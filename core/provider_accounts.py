"""Provider accounts: the rows a channel plugin keeps of the services it sends through (an SMS
plugin's gateways, a fax plugin's lines, an email plugin's sender identities), and the steps their
admin pages share.

A program picks an account through `Program.provider` (the account's id, as text); one account
is the default for programs that pick none. An account of a *kind* (Kannel, HylaFAX…) stores that
kind's `settings_fields` as JSON in `settings_json`; its row has `name`, `kind`, `rate_per_second`,
`is_default` and `updated_at` (bumped on save, so every process rebuilds the kind's instance).
Creating, changing and deleting an account are audited, secrets by name only.
"""
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from peewee import DatabaseError

from .audit import record
from .db import db
from .models import Program, utcnow
from .settings_forms import (
    clean_settings,
    is_secret,
    settings_changes,
    shown_settings,
    typed_settings,
)

log = logging.getLogger(__name__)
ACTIVE = ("scheduled", "sending", "paused")  # a program in these states will still send


def kind_choices(kinds, current=""):
    """[(kind, label)] of the installed `kinds` ({kind: class}), plus `current` if its plugin is
    gone, so an account of that kind still shows what it is."""
    choices = [(kind, str(cls.label or kind)) for kind, cls in kinds.items()]
    if current and current not in dict(choices):
        choices.append((current, _("%(channel)s (not installed)", channel=current)))
    return choices


def secret_names(kind_class):
    """The settings a kind keeps secret besides its password and `secret=True` fields."""
    return tuple(getattr(kind_class, "secret_fields", ()))


@dataclass(frozen=True)
class ProviderAccounts:
    """One plugin's accounts: `model` (the peewee model), `channel` (Program.channel), `noun` (the
    templates' and audit actions' word: "line" → `chapar_fax/line_delete.html`, `fax.line_deleted`),
    `label` (the audit target: "fax line #3"), `templates` (the template folder), `default` (a
    function giving the default account or None), `kinds` (a function giving {kind: class}; None
    for accounts without kinds), `instance` (gives this process's instance of an account's kind)
    and `forget` (drops it, by account id)."""

    model: type
    channel: str
    noun: str
    label: str
    templates: str
    default: Callable
    kinds: Callable | None = None
    instance: Callable | None = None
    forget: Callable | None = None
    flash_category: str = "ok"
    prefix: str = "setting-"  # of a kind's setting inputs, so none shadows the account's own

    def choices(self):
        """(id, name) of every account, the default first: what the channel's `providers()`
        returns (nothing before the plugin's migration has run)."""
        try:
            rows = self.model.select().order_by(self.model.is_default.desc(), self.model.name)
            return tuple((str(row.id), row.name) for row in rows)
        except DatabaseError:
            return ()

    def rate_per_second(self, provider=""):
        """The limit of the account a program picked (`Program.provider`; else the default), or
        None: what the channel's `rate_per_second()` uses before its own setting."""
        try:
            account = self.model.get_or_none(self.model.id == int(provider)) if str(provider).isdigit() else None
            account = account or self.default()
        except DatabaseError:  # the plugin's migration has not run yet
            return None
        return float(account.rate_per_second) if account is not None and account.rate_per_second else None

    def get_or_404(self, account_id):
        """The account with this id, or a 404 page."""
        return self.model.get_or_none(self.model.id == account_id) or abort(404)

    def programs_using(self, account):
        """The programs still to send through `account`: those naming it, and those naming none
        while it is the default (they would otherwise switch account or stop)."""
        uses = Program.provider == str(account.id)
        default = self.default()
        if default is not None and default.id == account.id:
            uses |= (Program.provider == "") | Program.provider.is_null()
        return list(Program.select().where((Program.channel == self.channel) & Program.status.in_(ACTIVE) & uses)
                    .order_by(Program.id))

    def audit(self, action, account, **details):
        """Record `<channel>.<noun>_<action>` by the signed-in user; `details` must hold no secret."""
        record(f"{self.channel}.{self.noun}_{action}", current_user._get_current_object(),
               f"{self.label} #{account.id}", name=account.name, **details)

    def delete(self, account, deleted, done_url, **details):
        """The delete route: GET shows `<noun>_delete.html` (with `blocking`, the programs using the
        account); a POST deletes, audits with `details`, flashes `deleted` and goes to `done_url`,
        unless programs still use the account (the page again, 409)."""
        blocking = self.programs_using(account)
        if request.method == "GET" or blocking:
            page = render_template(f"{self.templates}/{self.noun}_delete.html", blocking=blocking,
                                   **{self.noun: account})
            return page, (409 if blocking and request.method == "POST" else 200)
        self.audit("deleted", account, **details)
        account.delete_instance()
        if self.forget is not None:
            self.forget(account.id)
        flash(deleted, self.flash_category)
        return redirect(done_url)

    def report(self, account, ok, lines, status=200):
        """A provider's replies to a test: a fragment for htmx, a whole page without JavaScript."""
        template = "_report.html" if request.headers.get("HX-Request") else "report_page.html"
        return render_template(f"{self.templates}/{template}", ok=ok, lines=lines, **{self.noun: account}), status

    # Accounts of kinds, with settings:

    def test_connection(self, account):
        """The connection test route: the account's kind instance checks the saved settings; what it
        answered, or how it failed (any failure of any kind is the admin's to read, not a 500)."""
        try:
            answer = self.instance(account).test_connection()
        except Exception as exc:  # noqa: BLE001
            log.info("%s %s: connection test failed: %s", self.label, account.name, exc)
            return self.report(account, False, [str(exc) or type(exc).__name__])
        return self.report(account, True, [answer] if answer else [])

    def kind_choices(self, current=""):
        """The kind select's [(kind, label)]: see kind_choices()."""
        return kind_choices(self.kinds(), current)

    def chosen_kind(self, fallback):
        """The kind asked for by ?kind= when installed (the form shows its settings), else `fallback`."""
        asked = request.args.get("kind")
        return asked if asked in self.kinds() else fallback

    def stored_settings(self, account, kind):
        """The account's settings if it is of `kind`: another kind's mean nothing to this one."""
        return account.settings if account is not None and account.kind == kind else {}

    def settings_view(self, account, kind, form=None):
        """The template context of a kind's settings: `kind_class`, `fields`, `settings` (what the
        inputs show: the stored values, or what was typed in `form`), `secrets` ({name: is set}) and
        `prefix`, for the settings_fields macro (webui/settings_fields.html)."""
        kind_class = self.kinds().get(kind)
        fields = kind_class.settings_fields if kind_class else ()
        hidden = secret_names(kind_class)
        stored = self.stored_settings(account, kind)
        shown = (typed_settings(fields, form, self.prefix, hidden) if form is not None
                 else shown_settings(fields, stored, hidden))
        secrets = {f.name: bool(stored.get(f.name)) for f in fields if is_secret(f, hidden)}
        return {"kind_class": kind_class, "fields": fields, "settings": shown, "secrets": secrets,
                "prefix": self.prefix}

    def clean(self, form, account=None, own=None):
        """(values, settings, errors) of a posted account form; `account` is the one edited, if any.

        Cleans the name (required, at most 100 characters, not another account's), the kind
        (installed), `rate_per_second` (empty or positive) and `is_default`; then `own(form, values,
        errors)` cleans the plugin's own inputs; then the kind's settings (empty secrets keep the
        stored ones while the kind is unchanged), and the kind's `validate_settings` when they
        passed. Errors are codes, the settings' keyed by their input's name."""
        values, errors = {}, {}
        values["name"] = (form.get("name") or "").strip()
        if not values["name"]:
            errors["name"] = "required"
        elif len(values["name"]) > 100:
            errors["name"] = "too_long"
        elif self.model.select().where((self.model.name == values["name"])
                                       & (self.model.id != (account.id if account else 0))).exists():
            errors["name"] = "taken"
        values["kind"] = (form.get("kind") or "").strip()
        kinds = self.kinds()
        if values["kind"] not in kinds:
            errors["kind"] = "not_a_choice"
        rate = (form.get("rate_per_second") or "").strip()
        try:
            values["rate_per_second"] = float(rate) if rate else None
            if values["rate_per_second"] is not None and not 0 < values["rate_per_second"] < float("inf"):
                raise ValueError
        except ValueError:
            values["rate_per_second"], errors["rate_per_second"] = rate, "not_positive"
        values["is_default"] = form.get("is_default") is not None
        if own is not None:
            own(form, values, errors)
        settings = {}
        if "kind" not in errors:
            kind_class = kinds[values["kind"]]
            settings, setting_errors = clean_settings(kind_class.settings_fields, form,
                                                      self.stored_settings(account, values["kind"]), self.prefix,
                                                      secret_names(kind_class))
            if not setting_errors:
                setting_errors = dict(kind_class(account or self.model(**values)).validate_settings(settings) or {})
            errors.update({f"{self.prefix}{name}": code for name, code in setting_errors.items()})
        return values, settings, errors

    def save(self, values, settings, account=None):
        """Create (account None) or update an account from clean `values` and `settings`, and audit
        it. Saving one as the default clears the others' flag; `updated_at` is bumped, so every
        worker rebuilds its instance of the kind with the new settings."""
        kind_class = self.kinds()[values["kind"]]
        if account is not None:
            changed = {name: [getattr(account, name), value] for name, value in values.items()
                       if getattr(account, name) != value}
            changed_settings, secrets = settings_changes(kind_class.settings_fields, account.settings, settings,
                                                         secret_names(kind_class))
            details = {"changed": changed | changed_settings, "secrets_changed": secrets}
        with db.atomic():
            if values.get("is_default"):
                others = self.model.update(is_default=False).where(self.model.is_default)
                if account is not None:
                    others = others.where(self.model.id != account.id)
                others.execute()
            created, account = account is None, account or self.model()
            for name, value in values.items():
                setattr(account, name, value)
            account.settings_json = json.dumps(settings, ensure_ascii=False)
            account.updated_at = utcnow()
            account.save()
        if self.forget is not None:
            self.forget(account.id)  # this process's instance too, even if the clock did not move
        if created:
            secrets = {f.name for f in kind_class.settings_fields if is_secret(f, secret_names(kind_class))}
            details = {k: v for k, v in values.items() if k != "name"} | {
                "settings": {k: v for k, v in settings.items() if k not in secrets}}
        self.audit("created" if created else "updated", account, **details)
        return account
