"""marshmallow schemas of the core resources (/me and /tokens), and fields other resources reuse."""
from datetime import timezone

import marshmallow as ma

from ..models import ROLES
from .pagination import PageArgsSchema


class UTCDateTime(ma.fields.DateTime):
    """Datetimes are stored naive in UTC; say so on the wire (ISO 8601 with +00:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.String(metadata={"description": "The role in force: the token's, at most the user's"})
    user_role = ma.fields.String(metadata={"description": "The user's own role"})
    locale = ma.fields.String(metadata={"description": "The user's language, or the site default"})
    token_id = ma.fields.Integer(metadata={"description": "The token this request was made with"})


class TokenSchema(ma.Schema):
    """An API token as listed. The secret is shown only once, at creation; the hash never."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "The secret's first characters, to recognise it"})
    role = ma.fields.String(metadata={"enum": list(ROLES)})
    user_id = ma.fields.Integer()
    user_email = ma.fields.String(attribute="user.email")
    active = ma.fields.Boolean()
    created_at = UTCDateTime()
    last_used_at = UTCDateTime(allow_none=True, metadata={"description": "Updated at most once a minute"})
    revoked_at = UTCDateTime(allow_none=True)


class TokenCreatedSchema(TokenSchema):
    secret = ma.fields.String(metadata={"description": "Send as 'Authorization: Bearer <secret>'. Shown once."})


class TokenCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES),
                            metadata={"description": "At most the calling token's role, which is the default"})

    @ma.validates("name")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ma.ValidationError("Must not be blank.")


class TokenListArgsSchema(PageArgsSchema):
    all = ma.fields.Boolean(load_default=False, metadata={"description": "Every user's tokens (admin only)"})
