"""Bulk actions from the contacts list: tag, untag, change consent, delete (after a confirmation).

They apply to the ticked rows or to every contact matching the list's filter (the form carries
the filter's query string), through chapar.contacts.bulk_edit's set-based statements.
"""
from urllib.parse import parse_qsl

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from chapar.access import require_role
from chapar.audit import record
from chapar.contacts.bulk_edit import consent_selection, delete_selection, tag_selection, untag_selection
from chapar.contacts.labels import CHANNEL_LABELS, STATUS_LABELS
from chapar.contacts.tags import clean_tag_names
from chapar.models import CHANNELS, CONSENT_STATUSES, Contact

from . import blueprint
from .contacts_common import UI_METHOD, evidence
from .contacts_query import ContactFilter
from .render import render, safe_next
from .shell import format_number

MAX_IDS = 1000  # ticked rows come from one page; more is not a real browser
BULK_DETAIL = "bulk change from the contacts list"


class Selection:
    """The contacts a bulk form names: ticked ids, or everything its filter matches."""

    def __init__(self, form):
        self.everything = form.get("scope") == "all"
        self.filter_query = form.get("filter", "")
        self.ids = sorted({int(v) for v in form.getlist("ids") if v.isdigit()})[:MAX_IDS]
        self.next = safe_next(form.get("next"), "webui.contacts")

    @property
    def contact_filter(self):
        return ContactFilter.from_args(MultiDict(parse_qsl(self.filter_query)))

    def query(self):
        if self.everything:
            return self.contact_filter.selection()
        return Contact.select(Contact.id).where(Contact.id.in_(self.ids))

    @property
    def empty(self):
        return not self.everything and not self.ids

    def audit_details(self):
        return {"filter": self.filter_query} if self.everything else {"ids": self.ids}


def _back(selection, message, category="ok"):
    flash(message, category)
    return redirect(selection.next)


def _one_tag(name):
    """The cleaned tag name, or None when empty or too long."""
    try:
        names = clean_tag_names([name])
    except ValueError:
        return None
    return names[0] if names else None


@blueprint.route("/contacts/bulk", methods=["POST"])
@require_role("marketer")
def contacts_bulk():
    selection = Selection(request.form)
    action = request.form.get("action", "")
    if selection.empty:
        return _back(selection, _("Tick at least one contact, or choose all matching."), "error")
    if action in ("tag", "untag"):
        tag = _one_tag(request.form.get("tag_name" if action == "tag" else "untag_name", ""))
        if tag is None:
            return _back(selection, _("Type the name of a tag (at most 100 characters)."), "error")
        if action == "tag":
            count = selection.query().count()
            tag_selection(selection.query(), [tag])
            return _back(selection, ngettext("Tagged %(count)s contact with “%(tag)s”.",
                                             "Tagged %(count)s contacts with “%(tag)s”.", count, tag=tag,
                                             count=format_number(count)))
        count = untag_selection(selection.query(), [tag])
        return _back(selection, ngettext("Removed “%(tag)s” from %(count)s contact.",
                                         "Removed “%(tag)s” from %(count)s contacts.", count, tag=tag,
                                         count=format_number(count)))
    if action == "consent":
        return _bulk_consent(selection)
    if action == "delete":
        if not current_user.can("manager"):
            abort(403)
        return _confirm_delete(selection, selection.query().count())
    return _back(selection, _("Choose an action."), "error")


def _bulk_consent(selection):
    channel, status = request.form.get("channel", ""), request.form.get("status", "")
    wording = request.form.get("wording", "").strip()
    if channel not in CHANNELS or status not in CONSENT_STATUSES:
        return _back(selection, _("Choose a channel and a status."), "error")
    if not wording:
        return _back(selection, _("Say why consent changes (or what the people were shown): it is kept as evidence."),
                     "error")
    count = consent_selection(selection.query(), channel, status, UI_METHOD, actor=current_user._get_current_object(),
                              detail=BULK_DETAIL, wording=wording, **evidence())
    return _back(selection, ngettext(
        "%(channel)s consent is now “%(status)s” for %(count)s contact.",
        "%(channel)s consent is now “%(status)s” for %(count)s contacts.", count,
        channel=CHANNEL_LABELS[channel], status=STATUS_LABELS[status], count=format_number(count)))


def _confirm_delete(selection, count, changed=False):
    return render("webui/contacts/delete_confirm.html", selection=selection, count=count, changed=changed,
                  sample=list(selection.query().select(Contact).order_by(Contact.id).limit(10)))


@blueprint.route("/contacts/delete", methods=["POST"])
@require_role("manager")
def contacts_delete():
    """Delete what the confirmation page showed; if the number changed meanwhile, ask again."""
    selection = Selection(request.form)
    if selection.empty:
        return _back(selection, _("Tick at least one contact, or choose all matching."), "error")
    count = selection.query().count()
    if count != request.form.get("expected", type=int):
        return _confirm_delete(selection, count, changed=True)
    deleted = delete_selection(selection.query())
    record("contacts.deleted", actor=current_user, target=f"{deleted} contacts", count=deleted,
           **selection.audit_details())
    return _back(selection, ngettext("Deleted %(count)s contact.", "Deleted %(count)s contacts.", deleted,
                                     count=format_number(deleted)))
