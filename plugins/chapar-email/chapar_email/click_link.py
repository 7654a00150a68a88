"""The links of each sent email, so the click redirector only ever sends people to them."""
from chapar import BaseModel
from peewee import BigIntegerField, IntegerField, TextField


class ClickLink(BaseModel):
    # The core's Message id; no foreign key, as plugins do not import core models (cleanup of
    # deleted programs' links is a follow-up).
    message_id = BigIntegerField()
    index = IntegerField()  # the link's number in that email, from 0; signed into its click URL
    url = TextField()  # the destination, UTM parameters included

    class Meta:
        table_name = "chapar_email_click_link"
        indexes = ((("message_id", "index"), True),)
