"""The content library: reusable content for one channel, copied into programs.

Viewers read it; marketers create, edit and delete (docs/roles.md). The form is the program
composer (program_compose), checked the same way: chapar.programs.clean_variants against the
item's channel, while typing and on saving. A program copies an item's variants, so editing or
deleting an item never changes a program.
"""

from chapar.access import require_role
from chapar.channels import channels
from chapar.models import ContentItem
from chapar.programs import clean_variants
from chapar.programs.library import MAX_DESCRIPTION, MAX_NAME, delete_content_item, save_content_item
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from . import blueprint
from .program_compose import (apply_variant_action, channel_or_none, composer_context, fit_variants, problems,
                              variants_from_form)
from .render import paginate, render

PAGE_SIZE = 50


def item_or_404(item_id):
    return ContentItem.get_or_none(ContentItem.id == item_id) or abort(404)


def validate(values, channel):
    """{field: message} for the name, channel and description."""
    errors = {}
    if not values["name"]:
        errors["name"] = _("Give the content a name.")
    elif len(values["name"]) > MAX_NAME:
        errors["name"] = _("Keep the name under 200 characters.")
    if channel is None:
        errors["channel"] = _("Choose a channel.")
    if len(values["description"]) > MAX_DESCRIPTION:
        errors["description"] = _("Keep the description under %(count)s characters.", count=MAX_DESCRIPTION)
    return errors


def page_context(**context):
    return {"can_edit": current_user.can("marketer"), "channels": channels(), **context}


@blueprint.route("/content")
@require_role("viewer")
def content_list():
    chosen = request.args.get("channel", "")
    query = ContentItem.select().order_by(ContentItem.channel, ContentItem.name, ContentItem.id)
    if chosen:
        query = query.where(ContentItem.channel == chosen)
    return render("webui/content/list.html", **page_context(page=paginate(query, per_page=PAGE_SIZE), chosen=chosen))


@blueprint.route("/content/<id:item_id>")
@require_role("viewer")
def content_show(item_id):
    item = item_or_404(item_id)
    channel = channel_or_none(item.channel)
    return render("webui/content/show.html", **page_context(
        item=item, channel=channel, **composer_context(channel, fit_variants(channel, item.variants), readonly=True)))


@blueprint.route("/content/new", methods=["GET", "POST"])
@require_role("marketer")
def content_new():
    return content_form(None)


@blueprint.route("/content/<id:item_id>/edit", methods=["GET", "POST"])
@require_role("marketer")
def content_edit(item_id):
    return content_form(item_or_404(item_id))


def content_form(item):
    """The form; buttons other than Save switch the channel or add and remove variants."""
    if request.method != "POST":
        installed = channels()
        default = request.args.get("channel") if request.args.get("channel") in installed else next(iter(installed), "")
        values = {"name": item.name if item else "", "description": item.description if item else "",
                  "channel": item.channel if item else default}
        channel = channel_or_none(values["channel"])
        return show_form(item, values, channel, fit_variants(channel, item.variants if item else {}))
    values = {key: (request.form.get(key) or "").strip() for key in ("name", "description", "channel")}
    channel = channel_or_none(values["channel"])
    variants = variants_from_form(request.form, channel)
    action = request.form.get("action", "save")
    if action != "save":
        variants, variant_error = apply_variant_action(channel, variants, action, request.form.get("new_variant"))
        return show_form(item, values, channel, variants, variant_error=variant_error)
    errors = validate(values, channel)
    clean, content_errors = clean_variants(channel, variants) if channel else ({}, {})
    if errors or content_errors:
        found, general = problems(channel, variants)
        return show_form(item, values, channel, variants, status=422, errors=errors, found=found, general=general)
    saved = save_content_item({**values, "variants": clean}, item, actor=current_user._get_current_object())
    flash(_("Saved %(name)s in the content library.", name=saved.name), "ok")
    return redirect(url_for("webui.content_show", item_id=saved.id))


def show_form(item, values, channel, variants, status=200, errors=None, found=None, general=(), variant_error=None):
    return render("webui/content/form.html", status=status, **page_context(
        item=item, values=values, channel=channel, errors=errors or {},
        **composer_context(channel, variants, found, general, variant_error)))


@blueprint.route("/content/<id:item_id>/delete", methods=["POST"])
@require_role("marketer")
def content_delete(item_id):
    item = item_or_404(item_id)
    delete_content_item(item, actor=current_user._get_current_object())
    flash(_("Deleted %(name)s from the content library.", name=item.name), "ok")
    return redirect(url_for("webui.content_list"))
