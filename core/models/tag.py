"""Tags, which also serve as static lists."""
from peewee import CharField, CompositeKey, DateTimeField, ForeignKeyField

from .base import BaseModel, utcnow
from .contact import Contact


class Tag(BaseModel):
    name = CharField(max_length=100, unique=True)
    created_at = DateTimeField(default=utcnow)


class ContactTag(BaseModel):
    contact = ForeignKeyField(Contact, backref="tag_links", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, backref="contact_links", on_delete="CASCADE")

    class Meta:
        primary_key = CompositeKey("contact", "tag")
        indexes = ((("tag", "contact"), True),)  # has_tag filters start from the tag
