"""Admin pages for people: list, create, edit, reset a password, deactivate and reactivate.

One-time passwords are rendered straight into the POST's response and never stored or put in
the (signed but readable) session cookie, so they really are shown once (see secret_page).
"""
from contextlib import contextmanager

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from chapar.access import end_sessions, require_role
from chapar.audit import record
from chapar.db import db, is_postgres
from chapar.i18n import LANGUAGES
from chapar.models import ROLES, User
from chapar.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from chapar.users import UserError, create_user, one_time_password, set_password

from . import blueprint
from .admin_settings import site_value
from .render import paginate, render
from .shell import ROLE_LABELS, format_number

PAGE_SIZE = 50


def secret_page(template, **context):
    """Render a page that shows a secret once: never cached by the browser, and (with
    hx-history="false" in the template) never copied into htmx's localStorage history."""
    body, status = render(template, **context)
    return body, status, {"Cache-Control": "no-store"}


def role_choices(up_to=None):
    """(role, label) pairs, most powerful first, optionally only those `up_to` may grant."""
    return [(role, ROLE_LABELS[role]) for role in ROLES if up_to is None or up_to.can(role)]


def language_choices():
    """Languages a user may be given; "" follows their browser's preference."""
    return [("", _("Their browser's language"))] + list(LANGUAGES.items())


def password_error(password):
    """A translated reason the password is refused, or None."""
    problem = password_problem(password)
    if problem == "too_short":
        return _("Use at least %(count)s characters.", count=format_number(MIN_LENGTH))
    if problem == "too_long":
        return _("Use at most %(count)s characters.", count=format_number(MAX_LENGTH))
    if problem:
        return _("A password cannot be only spaces.")
    return None


def leaves_no_admin(user, role, active):
    """True when giving `user` this role and active flag would leave no active admin.

    Check and change inside admin_rows_locked(), or two admins demoting each other at the same
    moment could both pass the check."""
    if user.role != "admin" or not user.active or (role == "admin" and active):
        return False
    others = User.select().where(User.role == "admin", User.active == True, User.id != user.id)  # noqa: E712
    return not others.exists()


@contextmanager
def admin_rows_locked():
    """A transaction in which no other request can change who is an active admin.

    PostgreSQL: the active admins' rows are locked (SELECT ... FOR UPDATE, in id order so two
    requests cannot deadlock); a request waiting for them reads the winner's change afterwards.
    SQLite: BEGIN IMMEDIATE takes the database's write lock up front (other writers wait, up to
    the busy timeout)."""
    if is_postgres():
        with db.atomic():
            list(User.select(User.id).where(User.role == "admin", User.active == True)  # noqa: E712
                 .order_by(User.id).for_update())
            yield
    else:
        with db.atomic("IMMEDIATE"):
            yield


def _user_or_404(user_id):
    return User.get_or_none(User.id == user_id) or abort(404)


def _form_values(defaults):
    """The submitted form merged over `defaults`, so a refused form keeps what was typed."""
    return {key: request.form.get(key, value).strip() for key, value in defaults.items()}


def _check_profile(values):
    """Errors, by field, for the name, role and language every user form shares."""
    errors = {}
    if len(values["name"]) > 200:
        errors["name"] = _("Keep the name under 200 characters.")
    if values["role"] not in ROLES:
        errors["role"] = _("Choose one of the roles.")
    if values["locale"] not in dict(language_choices()):
        errors["locale"] = _("Choose one of the languages.")
    return errors


@blueprint.route("/admin/users")
@require_role("admin")
def admin_users():
    query = User.select().order_by(User.active.desc(), User.email)
    return render("webui/admin/users.html", page=paginate(query, per_page=PAGE_SIZE), languages=LANGUAGES)


@blueprint.route("/admin/users/new", methods=["GET", "POST"])
@require_role("admin")
def admin_user_new():
    values = _form_values({"email": "", "name": "", "role": "viewer", "locale": site_value("default_locale")})
    password = request.form.get("password", "")
    errors = {}
    if request.method == "POST":
        errors = _check_profile(values)
        refused = password_error(password) if password else None
        if refused:
            errors["password"] = refused
        if not errors:
            generated = "" if password else one_time_password()
            try:
                user = create_user(values["email"], password or generated, role=values["role"],
                                   name=values["name"], must_change_password=True, locale=values["locale"])
            except UserError as exc:
                errors["email"] = (_("A user with this email already exists.") if exc.code == "duplicate"
                                   else _("Enter a valid email address."))
            else:
                record("user.created", actor=current_user, target=user.email, role=user.role)
                if generated:
                    return secret_page("webui/admin/user_password.html", person=user, password=generated,
                                       created=True)
                flash(_("%(email)s can now log in; they will be asked to choose a new password.",
                        email=user.email), "ok")
                return redirect(url_for("webui.admin_users"))
    return render("webui/admin/user_form.html", status=422 if errors else 200, person=None, values=values,
                  errors=errors, roles=role_choices(), languages=language_choices())


@blueprint.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@require_role("admin")
def admin_user_edit(user_id):
    person = _user_or_404(user_id)
    values = _form_values({"name": person.name, "role": person.role, "locale": person.locale})
    errors = {}
    if request.method == "POST":
        errors = _check_profile(values)
        if not errors:
            with admin_rows_locked():
                person = _user_or_404(user_id)  # as it is now, under the lock
                if leaves_no_admin(person, values["role"], person.active):
                    errors["role"] = _("This is the last active admin. Make someone else an admin first.")
                else:
                    changes = {key: {"old": getattr(person, key), "new": value}
                               for key, value in values.items() if getattr(person, key) != value}
                    if changes:
                        for key, change in changes.items():
                            setattr(person, key, change["new"])
                        person.save()
                        record("user.changed", actor=current_user, target=person.email, **changes)
        if not errors:
            flash(_("Saved changes to %(email)s.", email=person.email), "ok")
            return redirect(url_for("webui.admin_users"))
    return render("webui/admin/user_form.html", status=422 if errors else 200, person=person, values=values,
                  errors=errors, roles=role_choices(), languages=language_choices())


@blueprint.route("/admin/users/<id:user_id>/reset-password", methods=["POST"])
@require_role("admin")
def admin_user_reset_password(user_id):
    person = _user_or_404(user_id)
    password = one_time_password()
    set_password(person, password)
    person.must_change_password = True
    person.save(only=[User.must_change_password])
    record("user.password_reset", actor=current_user, target=person.email)
    return secret_page("webui/admin/user_password.html", person=person, password=password, created=False)


@blueprint.route("/admin/users/<id:user_id>/active", methods=["POST"])
@require_role("admin")
def admin_user_set_active(user_id):
    """Deactivate (active=0) or reactivate (active=1) an account; their sessions and tokens stop
    working at once because both look at User.active on every request, and deactivation also
    ends their sessions for good (a later reactivation does not revive them)."""
    active = request.form.get("active") == "1"
    with admin_rows_locked():
        person = _user_or_404(user_id)  # as it is now, under the lock
        last_admin = leaves_no_admin(person, person.role, active)
        changed = not last_admin and person.active != active
        if changed:
            person.active = active
            person.save(only=[User.active])
            record("user.activated" if active else "user.deactivated", actor=current_user, target=person.email)
    if last_admin:
        flash(_("%(email)s is the last active admin and cannot be deactivated. Make someone else an "
                "admin first.", email=person.email), "error")
        return redirect(url_for("webui.admin_user_edit", user_id=person.id))
    if changed and not active:
        end_sessions(person.id)  # or a reactivation would bring their old sessions back
    flash(_("%(email)s can log in again.", email=person.email) if active
          else _("%(email)s can no longer log in; their API tokens stopped working.", email=person.email), "ok")
    return redirect(url_for("webui.admin_users"))
