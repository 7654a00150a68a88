"""The contacts list (search, filters, keyset pages, bulk selection) and a contact's own page.

The list's search box asks htmx for the results fragment alone as you type (HX-Target
"contact-results"); the same URL without htmx is the whole page, so the filter form works
as a plain GET form and every state has a shareable address.
"""
from collections import defaultdict

from flask import make_response, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from chapar.access import require_role
from chapar.contacts import tags_of, values_of
from chapar.contacts.labels import CHANNEL_LABELS, SOURCE_LABELS, STATUS_LABELS
from chapar.contacts.timeline import timeline_of
from chapar.models import CHANNELS, CONSENT_STATUSES, SOURCES, ContactTag, CustomField, Tag

from . import blueprint
from .contacts_common import contact_label, contact_or_404, country_name
from . import contacts_query
from .contacts_query import ContactFilter, page_of
from .render import render

RESULTS_TARGET = "contact-results"
TAG_OPTIONS_LIMIT = 500
SORT_LABELS = {
    "-created": _l("Newest first"), "created": _l("Oldest first"), "name": _l("Name, A to Z"),
    "-name": _l("Name, Z to A"), "-updated": _l("Recently changed"), "updated": _l("Longest unchanged"),
}


def tags_by_contact(contact_ids):
    """{contact id: [tag names]} for one page of contacts, in one query."""
    found = defaultdict(list)
    rows = (ContactTag.select(ContactTag.contact, Tag.name).join(Tag)
            .where(ContactTag.contact.in_(contact_ids)).order_by(Tag.name).tuples())
    for contact_id, name in rows:
        found[contact_id].append(name)
    return found


def list_context(contact_filter):
    """Everything the results fragment needs for the filter and the cursor in the request."""
    page = page_of(contact_filter, after=request.args.get("after", type=int),
                   before=request.args.get("before", type=int))
    if page.has_next or page.has_previous:
        total, more = contact_filter.count()
    else:  # the only page holds every match: no need to count them
        total, more = len(page.items), False
    return {"filter": contact_filter, "page": page, "total": total, "more": more,
            "count_cap": contacts_query.COUNT_CAP, "tags": tags_by_contact([c.id for c in page.items]),
            "can_edit": current_user.can("marketer"), "can_delete": current_user.can("manager"),
            "can_export": current_user.can("manager"),
            "channels": CHANNELS, "channel_labels": CHANNEL_LABELS, "status_labels": STATUS_LABELS,
            "statuses": CONSENT_STATUSES, "source_labels": SOURCE_LABELS}


@blueprint.route("/contacts")
@require_role("viewer")
def contacts():
    contact_filter = ContactFilter.from_args(request.args)
    context = list_context(contact_filter)
    headers = {}
    if request.headers.get("HX-Target") == RESULTS_TARGET:
        body, status = render("webui/contacts/_results.html", **context)
        # The form sends its empty selects too; the address bar gets the tidy equivalent.
        headers["HX-Push-Url"] = url_for("webui.contacts", **contact_filter.args())
    else:
        tag_names = [t.name for t in Tag.select(Tag.name).order_by(Tag.name).limit(TAG_OPTIONS_LIMIT)]
        if contact_filter.tag and contact_filter.tag not in tag_names:
            tag_names.append(contact_filter.tag)
        body, status = render("webui/contacts/list.html", tag_names=tag_names, sources=SOURCES,
                              sort_labels=SORT_LABELS, **context)
    response = make_response(body, status, headers)
    response.vary.add("HX-Target")  # the fragment and the page share a URL: caches must tell them apart
    return response


@blueprint.route("/contacts/<id:contact_id>")
@require_role("viewer")
def contact_show(contact_id):
    contact = contact_or_404(contact_id)
    stored = values_of(contact)
    custom = [(definition, stored.get(definition.key))
              for definition in CustomField.select().order_by(CustomField.position, CustomField.label)]
    return render("webui/contacts/show.html", contact=contact, title=contact_label(contact), custom=custom,
                  tag_names=tags_of(contact), country_name=country_name,
                  timeline=timeline_of(contact), channels=CHANNELS, channel_labels=CHANNEL_LABELS,
                  status_labels=STATUS_LABELS, source_labels=SOURCE_LABELS,
                  can_edit=current_user.can("marketer"), can_delete=current_user.can("manager"))
