"""The content library: saving and deleting reusable content, for the UI and the API alike."""
import json

from ..audit import record
from ..channels import UnknownChannel, get_channel
from ..db import db
from ..errors import FieldError, ValidationFailed
from ..models import ContentItem, utcnow
from .content import clean_variants

MAX_NAME = 200
MAX_DESCRIPTION = 2000


def save_content_item(data, item=None, actor=None, via="web"):
    """Create (item=None) or update library content from {name, description, channel, variants}.

    Every mistake is reported at once (ValidationFailed); variant errors are keyed
    "variants.<language or default>.<field>" like a program's.
    """
    name = str(data.get("name", item.name if item else "") or "").strip()
    description = str(data.get("description", item.description if item else "") or "").strip()
    channel_id = data.get("channel", item.channel if item else "")
    variants = data.get("variants", item.variants if item else {})
    errors = {}
    if not name:
        errors["name"] = FieldError("name", "required", "name is required")
    elif len(name) > MAX_NAME:
        errors["name"] = FieldError("name", "too_long", f"name: at most {MAX_NAME} characters")
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = FieldError("description", "too_long",
                                           f"description: at most {MAX_DESCRIPTION} characters")
    clean = {}
    try:
        channel = get_channel(channel_id)
    except UnknownChannel:
        errors["channel"] = FieldError("channel", "unknown_channel", f"no installed channel {channel_id!r}")
    else:
        clean, problems = clean_variants(channel, variants)
        for key, messages in problems.items():
            errors[f"variants.{key}"] = FieldError(f"variants.{key}", "invalid_content", "; ".join(messages))
    if errors:
        raise ValidationFailed(errors)
    with db.atomic():
        action = "content.updated" if item else "content.created"
        item = item or ContentItem(created_by=actor)
        item.name, item.channel, item.description = name, channel.identifier, description
        item.variants_json = json.dumps(clean, ensure_ascii=False)
        item.updated_at = utcnow()
        item.save()
        record(action, actor, f"content #{item.id}", name=item.name, channel=item.channel, via=via)
    return item


def delete_content_item(item, actor=None, via="web"):
    """Delete library content; programs that copied it keep their own copy."""
    with db.atomic():
        record("content.deleted", actor, f"content #{item.id}", name=item.name, via=via)
        item.delete_instance()
