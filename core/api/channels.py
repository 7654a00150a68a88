"""/api/v1/channels: the channels installed plugins register, with what their composer and their
settings page ask for, so a client can build a program's `variants` without guessing.

Settings are described, never shown: not even whether a secret is set (that is the admin's
settings page). Readable by viewers and up.
"""
import marshmallow as ma
from flask_smorest import Blueprint

from ..access import require_role
from ..channels import CAPABILITIES, UnknownChannel, channel_settings, channels, get_channel
from .errors import abort
from .pagination import PAGE_HEADERS, PageArgsSchema, page_of, paginate

blp = Blueprint("channels", __name__, url_prefix="/channels", description="Channels and their composer fields")

# A Field's kind -> the JSON type of its value.
_JSON_TYPES = {"number": "number", "checkbox": "boolean"}


def describe_field(field, settings=False):
    """A Field as a JSON-Schema-like object. For settings fields the default of a secret is left
    out, as a plugin might ship a real credential as one."""
    described = {"name": field.name, "title": str(field.label), "kind": field.kind,
                 "type": _JSON_TYPES.get(field.kind, "string"), "required": field.required,
                 "description": str(field.help), "template": field.template, "secret": field.secret}
    if field.max_length:
        described["maxLength"] = field.max_length
    if field.choices:
        described["enum"] = [value for value, _label in field.choices]
        described["choices"] = [{"value": value, "label": str(label)} for value, label in field.choices]
    if not (settings and field.secret) and field.default not in ("", None):
        default = field.default
        described["default"] = default if isinstance(default, (bool, int, float)) else str(default)
    return described


def describe(channel):
    try:  # the senders a program may pick; a plugin failing here must not hide the channel
        providers = [{"value": value, "label": str(label)}
                     for value, label in channel.providers(channel_settings(channel.identifier)) or ()]
    except Exception:  # noqa: BLE001 - the provider list is optional information
        providers = []
    return {"identifier": channel.identifier, "label": str(channel.label or channel.identifier),
            "description": str(channel.description), "capabilities": sorted(channel.capabilities),
            "address": channel.address, "consent_channel": channel.consent_channel,
            "cost_unit": str(channel.cost_unit), "idempotent": bool(channel.idempotent),
            "template_links": list(channel.template_links), "html_fields": list(channel.html_fields),
            "content_fields": [describe_field(f) for f in channel.content_fields],
            "settings_fields": [describe_field(f, settings=True) for f in channel.settings_fields],
            "providers": providers}


class FieldSchema(ma.Schema):
    name = ma.fields.String(required=True)
    title = ma.fields.String(required=True, metadata={"description": "The label, in the token user's language"})
    kind = ma.fields.String(required=True, metadata={"description": "The input the web UI shows: text, textarea, "
                                                     "html, number, email, url, password, checkbox or select"})
    type = ma.fields.String(required=True, metadata={"enum": ["string", "number", "boolean"]})
    required = ma.fields.Boolean(required=True)
    description = ma.fields.String(required=True, metadata={"description": "Help for people"})
    template = ma.fields.Boolean(required=True, metadata={"description": "Takes merge tags"})
    secret = ma.fields.Boolean(required=True, metadata={"description": "Stored, never shown back"})
    maxLength = ma.fields.Integer()  # noqa: N815 - JSON Schema's spelling
    enum = ma.fields.List(ma.fields.String())
    choices = ma.fields.List(ma.fields.Dict())
    default = ma.fields.Raw()


class ChoiceSchema(ma.Schema):
    value = ma.fields.String()
    label = ma.fields.String()


class ChannelSchema(ma.Schema):
    identifier = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    capabilities = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "Some of " + ", ".join(CAPABILITIES)})
    address = ma.fields.String(required=True, metadata={"enum": ["email", "mobile", "fax", "postal"],
                                                        "description": "The contact address it delivers to"})
    consent_channel = ma.fields.String(required=True, metadata={"description": "The consent it obeys"})
    cost_unit = ma.fields.String(required=True, metadata={"description": "What cost_per_unit is per"})
    idempotent = ma.fields.Boolean(required=True, metadata={
        "description": "The provider deduplicates retried sends, so none is ever uncertain"})
    template_links = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "Names merge tags may use under `links`, e.g. {{ links.unsubscribe }}"})
    html_fields = ma.fields.List(ma.fields.String(), required=True)
    content_fields = ma.fields.List(ma.fields.Nested(FieldSchema), required=True, metadata={
        "description": "The fields of each language variant of a program's content"})
    settings_fields = ma.fields.List(ma.fields.Nested(FieldSchema), required=True, metadata={
        "description": "What the admin's settings page asks for (never their values)"})
    providers = ma.fields.List(ma.fields.Nested(ChoiceSchema), required=True, metadata={
        "description": "Values a program's `provider` may take; empty when there is one"})


class ListPage:
    """A Python list with the two methods paginate() uses on a query, so a short list answers in
    the same envelope, with the same Link headers, as every other list."""

    def __init__(self, items):
        self.items = items

    def count(self):
        return len(self.items)

    def paginate(self, page, per_page):
        return self.items[(page - 1) * per_page:page * per_page]


@blp.route("", methods=["GET"])
@require_role("viewer")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_of(ChannelSchema), headers=PAGE_HEADERS)
def list_channels(args):
    """List the installed channels

    In label order, each with its capabilities, the contact address it uses, its cost unit and
    its composer's and settings page's fields.
    """
    return paginate(ListPage([describe(channel) for channel in channels().values()]), args)


@blp.route("/<identifier>", methods=["GET"])
@require_role("viewer")
@blp.response(200, ChannelSchema)
def get_channel_description(identifier):
    """Get a channel"""
    try:
        return describe(get_channel(identifier))
    except UnknownChannel:
        abort(404, f"No installed channel {identifier!r}.")
